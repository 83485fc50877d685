"""``inclusio parse``: the exact text extractors index, per file, errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from inclusio.cli import main


def test_text_is_printed_exactly(tmp_path: Path, capsys) -> None:
    note = tmp_path / "nota.txt"
    note.write_text("Data inizio\n01/04/24\r\nfine", encoding="utf-8")
    assert main(["parse", str(note)]) == 0
    assert capsys.readouterr().out == "Data inizio\n01/04/24\nfine"


def test_json_and_errors(tmp_path: Path, capsys) -> None:
    note = tmp_path / "nota.txt"
    note.write_text("Testo di prova.", encoding="utf-8")
    code = main(["parse", "--json", str(note), str(tmp_path / "manca.txt")])
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert rows[0]["text"] == "Testo di prova." and rows[1]["error"] == "file not found"


def test_json_of_a_signed_file_gives_the_signature_checks(tmp_path: Path, capsys) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BLU MARCO")])
    now, day = dt.datetime.now(dt.UTC), dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - day).not_valid_after(now + day).sign(key, hashes.SHA256()))
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(b"Ordinanza: apertura del centro diurno.")
              .add_signer(cert, key, hashes.SHA256())
              .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
    good, bad = tmp_path / "ordinanza.txt.p7m", tmp_path / "alterata.txt.p7m"
    good.write_bytes(signed)
    bad.write_bytes(signed.replace(b"apertura", b"chiusura"))
    assert main(["parse", "--json", str(good), str(bad)]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["Ordinanza: apertura del centro diurno.",
                                         "Ordinanza: chiusura del centro diurno."]
    assert [r["signatures_intact"] for r in rows] == [True, False]
    assert rows[0]["signer"] == "BLU MARCO"
    assert rows[0]["signatures"][0]["chain"] == "not checked"
    assert "content was altered" in rows[1]["signatures"][0]["reason"]
