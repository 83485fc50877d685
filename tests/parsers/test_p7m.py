"""Signed .p7m files: signed here with a throwaway certificate, then unwrapped and parsed."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from parsers import ParseError, parse_bytes
from parsers.p7m import unwrap
from parsers.sniff import P7M, sniff

SITE = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"


def _identity(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.GIVEN_NAME, common_name.split()[1]),
            x509.NameAttribute(NameOID.SURNAME, common_name.split()[0]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert, key


@pytest.fixture(scope="module")
def rossi() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    return _identity("ROSSI MARIO")


@pytest.fixture(scope="module")
def bianchi() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    return _identity("BIANCHI ANNA")


def _sign(
    data: bytes, who: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], detached: bool = False
) -> bytes:
    cert, key = who
    # Binary: sign the bytes as they are (no S/MIME newline translation), as .p7m tools do.
    options = [pkcs7.PKCS7Options.Binary]
    if detached:
        options.append(pkcs7.PKCS7Options.DetachedSignature)
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, options)
    )


def test_der_p7m_of_a_pdf_gives_the_pdf_with_its_tables_and_signer(rossi) -> None:
    pdf = (SITE / "cremona-obiettivo-2017_3504.pdf").read_bytes()
    signed = _sign(pdf, rossi)
    assert sniff(signed) == P7M  # even though "%PDF-" sits in its first kilobyte
    doc = parse_bytes(signed, url="http://127.0.0.1/atti/obiettivo.pdf.p7m")
    assert doc.signer == "ROSSI MARIO"
    assert doc.media_type == "application/pdf"
    assert doc.parser.startswith("p7m+pdf")
    assert len(doc.tables) == 2
    assert doc.metadata["signature_layers"] == 1
    assert doc.metadata["signing_times"]


def test_base64_and_nested_envelopes(rossi, bianchi) -> None:
    html = b"<html><body><p>Delibera di giunta: approvato il progetto.</p></body></html>"
    twice = _sign(_sign(html, rossi), bianchi)
    b64 = base64.encodebytes(twice)  # wrapped at 76 columns, as mail tools write it
    unwrapped = unwrap(b64)
    assert unwrapped.layers == 2
    assert unwrapped.content == html
    assert unwrapped.signers == ["BIANCHI ANNA", "ROSSI MARIO"]
    doc = parse_bytes(b64, url="http://127.0.0.1/delibera.html.p7m")
    assert "approvato il progetto" in doc.text
    assert doc.signer == "BIANCHI ANNA; ROSSI MARIO"


def test_pem_armoured_p7m(rossi) -> None:
    der = _sign(b"Testo semplice firmato digitalmente.", rossi)
    pem = b"-----BEGIN PKCS7-----\n" + base64.encodebytes(der) + b"-----END PKCS7-----\n"
    doc = parse_bytes(pem, url="http://127.0.0.1/nota.txt.p7m")
    assert doc.text.strip() == "Testo semplice firmato digitalmente."
    assert doc.signer == "ROSSI MARIO"


def test_detached_truncated_and_fake_p7m_are_clear_errors(rossi) -> None:
    detached = _sign(b"contenuto", rossi, detached=True)
    with pytest.raises(ParseError, match="detached"):
        parse_bytes(detached, url="http://127.0.0.1/a.pdf.p7m")
    good = _sign(b"contenuto abbastanza lungo " * 50, rossi)
    with pytest.raises(ParseError, match="corrupt or truncated|not a signed"):
        parse_bytes(good[: len(good) // 2], url="http://127.0.0.1/a.pdf.p7m")
    with pytest.raises(ParseError, match="not a signed file"):
        parse_bytes(b"questo non e' un file firmato", url="http://127.0.0.1/a.pdf.p7m")


def test_signed_content_that_fails_says_so(rossi) -> None:
    signed = _sign(b"%PDF-1.4\n garbage that is no pdf", rossi)
    with pytest.raises(ParseError, match="signed file opened, but its content failed"):
        parse_bytes(signed, url="http://127.0.0.1/a.pdf.p7m")
