"""Signed .p7m files: signed here with a throwaway certificate, then unwrapped and parsed."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from parsers import ParseError, parse_bytes
from parsers.p7m import RECORD_KEYS, unwrap
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
    # Signed by another implementation (cryptography's PKCS#7 builder, with S/MIME capabilities
    # among the signed attributes): digest and signature verify. The builder stamps today's
    # time, after this 2024 certificate expired, and that is the one (and only) failure.
    (sig,) = doc.metadata["signatures"]
    assert sig["reason"].startswith("signed at ")
    assert sig["reason"].endswith("outside the certificate's validity "
                                  "(2024-01-01T00:00:00+00:00 to 2024-12-31T00:00:00+00:00)")
    assert ";" not in sig["reason"]


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
    reasons = [s["reason"] for s in doc.metadata["signatures"]]
    assert all("outside the certificate's validity" in r and ";" not in r for r in reasons)


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


# --- signature checks: CAdES-BES envelopes built here with asn1crypto -----------------------

VALID_FROM = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SIGNED_AT = dt.datetime(2024, 6, 3, 9, 30, tzinfo=dt.UTC)
TEXT = b"Determina dirigenziale: il servizio di mediazione abitativa prosegue fino a giugno."


def _tlv(tag: int, body: bytes) -> bytes:
    """DER tag-length-value, written out by hand so the test does not borrow the parser's code."""
    n = len(body)
    length = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + body


def _rsa_identity(common_name: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Prova CA Firme")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_FROM + dt.timedelta(days=365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


@pytest.fixture(scope="module")
def verdi() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    return _rsa_identity("VERDI LUCIA")


@pytest.fixture(scope="module")
def neri() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    return _rsa_identity("NERI PAOLO")


def _cades(
    content: bytes,
    who: tuple[x509.Certificate, Any],
    *,
    scheme: str = "pkcs1",
    sid: str = "issuer_serial",
    signed_at: dt.datetime = SIGNED_AT,
    with_attrs: bool = True,
    ess_cert: x509.Certificate | None = None,
    carried: list[x509.Certificate] | None = None,
    flip_signature: bool = False,
) -> bytes:
    """A CAdES-BES SignedData (DER) holding ``content``, signed by ``who``."""
    cert, key = who
    a_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    ess_hash = hashlib.sha256((ess_cert or cert).public_bytes(serialization.Encoding.DER)).digest()
    signing_cert_v2 = _tlv(0x30, _tlv(0x30, _tlv(0x30, _tlv(0x04, ess_hash))))
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
            {"type": "signing_time", "values": [cms.Time({"utc_time": signed_at})]},
            {"type": "1.2.840.113549.1.9.16.2.47", "values": [core.Any.load(signing_cert_v2)]},
        ]
    )
    to_sign = attrs.dump() if with_attrs else content
    if scheme in ("pkcs1", "sha256_rsa"):
        signature = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        # rsaEncryption (hash from the digest algorithm) or sha256WithRSAEncryption: both occur.
        name = "rsassa_pkcs1v15" if scheme == "pkcs1" else "sha256_rsa"
        algorithm: dict[str, Any] = {"algorithm": name}
    elif scheme == "pss":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        signature = key.sign(to_sign, pss, hashes.SHA256())
        algorithm = {
            "algorithm": "rsassa_pss",
            "parameters": {
                "hash_algorithm": {"algorithm": "sha256"},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
                "salt_length": 32,
            },
        }
    else:
        signature = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        algorithm = {"algorithm": "sha256_ecdsa"}
    if flip_signature:
        signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
    if sid == "issuer_serial":
        signer_id = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": a_cert.issuer,
                    "serial_number": a_cert.serial_number,
                }
            }
        )
    else:
        signer_id = cms.SignerIdentifier({"subject_key_identifier": a_cert.key_identifier})
    signer_info = {
        "version": "v1" if sid == "issuer_serial" else "v3",
        "sid": signer_id,
        "digest_algorithm": {"algorithm": "sha256"},
        "signature_algorithm": algorithm,
        "signature": signature,
    }
    if with_attrs:
        signer_info["signed_attrs"] = attrs
    carried_certs = [cert] if carried is None else carried
    signed_data = cms.SignedData(
        {
            "version": "v1" if sid == "issuer_serial" else "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "data", "content": content},
            "certificates": [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in carried_certs
            ],
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def _checks(data: bytes, url: str = "http://127.0.0.1/atti/determina.txt.p7m") -> list[dict]:
    doc = parse_bytes(data, url=url)
    assert doc.metadata["signatures_intact"] == all(s["intact"] for s in doc.metadata["signatures"])
    return doc.metadata["signatures"]


def test_cades_signature_intact_in_der_and_base64(verdi) -> None:
    der = _cades(TEXT, verdi)
    for body in (der, base64.encodebytes(der)):
        doc = parse_bytes(body, url="http://127.0.0.1/atti/determina.txt.p7m")
        assert "mediazione abitativa" in doc.text
        assert doc.signer == "VERDI LUCIA"
        assert doc.metadata["signatures_intact"] is True
        (sig,) = doc.metadata["signatures"]
        assert sig["intact"] is True and sig["reason"] == "ok"
        assert sig["signer"] == "VERDI LUCIA"
        assert sig["layer"] == 1
        assert sig["signed_at"] == "2024-06-03T09:30:00+00:00"
        assert sig["certificate_valid_from"] == "2024-01-01T00:00:00+00:00"
        assert sig["certificate_valid_to"] == "2024-12-31T00:00:00+00:00"
        assert sig["issuer"] == "Common Name: Prova CA Firme"
        assert sig["chain"] == "not checked"
        assert set(sig) == {"layer", *RECORD_KEYS}


@pytest.mark.parametrize(
    ("scheme", "sid"), [("pss", "issuer_serial"), ("pkcs1", "ski"), ("sha256_rsa", "issuer_serial")]
)
def test_rsa_pss_and_subject_key_id_signers_verify(verdi, scheme: str, sid: str) -> None:
    (sig,) = _checks(_cades(TEXT, verdi, scheme=scheme, sid=sid))
    assert sig["intact"] is True, sig["reason"]


def test_ecdsa_signer_verifies(rossi) -> None:
    (sig,) = _checks(_cades(TEXT, rossi, scheme="ecdsa"))
    assert sig["intact"] is True, sig["reason"]
    assert sig["signer"] == "ROSSI MARIO"


def test_signature_without_signed_attributes_is_over_the_content(verdi) -> None:
    (sig,) = _checks(_cades(TEXT, verdi, with_attrs=False))
    assert sig["intact"] is True, sig["reason"]
    assert sig["signed_at"] is None


def test_signed_pdf_verifies_and_keeps_its_tables(verdi) -> None:
    pdf = (SITE / "cremona-obiettivo-2017_3504.pdf").read_bytes()
    doc = parse_bytes(_cades(pdf, verdi), url="http://127.0.0.1/atti/obiettivo.pdf.p7m")
    assert doc.media_type == "application/pdf" and len(doc.tables) == 2
    assert doc.metadata["signatures_intact"] is True


def test_altered_content_is_read_but_recorded_as_broken(verdi) -> None:
    der = _cades(TEXT, verdi)
    tampered = der.replace(b"fino a giugno", b"fino a luglio")
    assert tampered != der
    doc = parse_bytes(tampered, url="http://127.0.0.1/atti/determina.txt.p7m")
    assert "fino a luglio" in doc.text  # the act is still read
    assert doc.metadata["signatures_intact"] is False
    (sig,) = doc.metadata["signatures"]
    assert sig["intact"] is False
    assert "content was altered" in sig["reason"]
    assert "does not verify" not in sig["reason"]  # the signed attributes themselves are whole


def test_altered_signature_bytes_are_recorded(verdi, rossi) -> None:
    for who, scheme in ((verdi, "pkcs1"), (verdi, "pss"), (rossi, "ecdsa")):
        (sig,) = _checks(_cades(TEXT, who, scheme=scheme, flip_signature=True))
        assert sig["intact"] is False
        assert "does not verify with the signer certificate's public key" in sig["reason"]


def test_altered_signing_time_breaks_the_signature(verdi) -> None:
    der = _cades(TEXT, verdi)
    stamp = SIGNED_AT.strftime("%y%m%d%H%M%SZ").encode()
    tampered = der.replace(stamp, b"240101093000Z")
    assert tampered != der
    (sig,) = _checks(tampered)
    assert sig["intact"] is False
    assert sig["signed_at"] == "2024-01-01T09:30:00+00:00"
    assert "does not verify" in sig["reason"]


def test_signing_time_outside_the_certificate_validity(verdi) -> None:
    late = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    (sig,) = _checks(_cades(TEXT, verdi, signed_at=late))
    assert sig["intact"] is False
    assert "outside the certificate's validity" in sig["reason"]
    assert "does not verify" not in sig["reason"]


def test_certificate_not_named_by_the_signer_is_refused(verdi, neri) -> None:
    # The file carries another person's certificate only: the signer identifier names nobody.
    (sig,) = _checks(_cades(TEXT, verdi, carried=[neri[0]]))
    assert sig["intact"] is False
    assert "not in the file" in sig["reason"]
    assert sig["issuer"] is None and sig["certificate_valid_to"] is None  # not the signer's
    # The ESS signing-certificate attribute names someone else's certificate.
    (sig,) = _checks(_cades(TEXT, verdi, ess_cert=neri[0]))
    assert sig["intact"] is False
    assert "names a different certificate" in sig["reason"]


def test_nested_p7m_p7m_checks_every_envelope(verdi, neri) -> None:
    inner = _cades(TEXT, verdi)
    outer = _cades(inner, neri)
    url = "http://127.0.0.1/atti/determina.txt.p7m.p7m"
    sigs = _checks(base64.encodebytes(outer), url)
    assert [(s["layer"], s["signer"], s["intact"]) for s in sigs] == [
        (1, "NERI PAOLO", True),
        (2, "VERDI LUCIA", True),
    ]
    # Changing the act breaks both: the outer envelope signed the inner one byte for byte.
    sigs = _checks(outer.replace(b"fino a giugno", b"fino a luglio"), url)
    assert [s["intact"] for s in sigs] == [False, False]
    assert all("content was altered" in s["reason"] for s in sigs)


def test_envelope_without_signers_still_parses() -> None:
    # A SignedData with content but no signer and no certificate: read as before, not intact.
    odd = cms.ContentInfo(
        {
            "content_type": "signed_data",
            "content": {
                "version": "v1",
                "digest_algorithms": [],
                "encap_content_info": {"content_type": "data", "content": TEXT},
                "signer_infos": [],
            },
        }
    ).dump()
    doc = parse_bytes(odd, url="http://127.0.0.1/atti/determina.txt.p7m")
    assert "mediazione abitativa" in doc.text
    assert doc.signer is None
    assert doc.metadata["signature_layers"] == 1
    assert doc.metadata["signatures"] == []
    assert doc.metadata["signatures_intact"] is False


def test_unsupported_signature_algorithm_is_recorded_not_raised(verdi) -> None:
    der = _cades(TEXT, verdi)
    info = cms.ContentInfo.load(der)
    info["content"]["signer_infos"][0]["signature_algorithm"] = {"algorithm": "1.2.3.4.5"}
    (sig,) = _checks(info.dump(force=True))
    assert sig["intact"] is False
    assert "not supported" in sig["reason"]


def test_unreadable_signer_information_is_recorded_not_raised(verdi) -> None:
    der = _cades(TEXT, verdi)
    digest_attr = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x04\x31\x22\x04\x20"
    assert der.count(digest_attr) == 1
    # The messageDigest value becomes an INTEGER: asn1crypto cannot read it as an OCTET STRING.
    broken = der.replace(digest_attr, digest_attr[:-2] + b"\x02\x20")
    doc = parse_bytes(broken, url="http://127.0.0.1/atti/determina.txt.p7m")
    assert "mediazione abitativa" in doc.text
    (sig,) = doc.metadata["signatures"]
    assert sig["intact"] is False
    assert sig["reason"].startswith("the signer information is unreadable")
    assert set(sig) == {"layer", *RECORD_KEYS}
