"""Signed files (.p7m, CAdES): unwrap the signed envelope to the document inside, keep the signers.

Italian acts are often published as ``atto.pdf.p7m``: a CMS SignedData holding the PDF. The file
may be DER or base64 (with or without PEM armour) and may be signed more than once, one envelope
inside another. The signer's name is read from the certificate the envelope carries.

Every signer of every envelope is checked with what the file itself holds (see ``check_signer``):
the signed digest against the content, the signature against the signer's certificate, that
certificate against the signer identifier, the signing time against its validity. The chain up
to a trusted certification authority is NOT checked: that needs the national trusted list, which
is not available offline, so "intact" means "unaltered since signed by the holder of this
certificate", not "signed by a qualified signer".
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, cms, core, x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

from parsers.errors import ParseError

MAX_LAYERS = 5
_B64 = re.compile(rb"^[A-Za-z0-9+/=\s]+$")
_PEM = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END [A-Z0-9 ]+-----", re.S)
SIGNED_DATA_OID = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"


@dataclass(slots=True)
class Unwrapped:
    content: bytes
    signers: list[str] = field(default_factory=list)
    layers: int = 0
    signing_times: list[str] = field(default_factory=list)
    # One record per signer per envelope, outermost first (see ``check_signer``).
    signatures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """True when there is at least one signer and every signer's check passed."""
        return bool(self.signatures) and all(s["intact"] for s in self.signatures)


def _der(data: bytes) -> bytes | None:
    """The DER bytes of a CMS blob given as DER, base64 or PEM; None when it is neither."""
    head = data[:64]
    if head[:1] == b"\x30" and SIGNED_DATA_OID in head:
        return data
    pem = _PEM.search(data[:200_000_000])
    body = pem.group(1) if pem else data.strip()
    if not body or not _B64.match(body[:4096]):
        return None
    try:
        raw = base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if raw[:1] == b"\x30" and SIGNED_DATA_OID in raw[:64] else None


def is_p7m(data: bytes) -> bool:
    return _der(data) is not None


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha512_224": hashes.SHA512_224,
    "sha512_256": hashes.SHA512_256,
    "sha3_224": hashes.SHA3_224,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}
# ESS signing-certificate attributes (RFC 2634, RFC 5035), which CAdES-BES requires: the hash of
# the signer's certificate, under the signature, so the certificate cannot be swapped.
_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_SIGNING_TIME = "1.2.840.113549.1.9.5"
_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
CHAIN_NOT_CHECKED = "not checked"
# The keys of every signature record, in order (see ``check_signer``; "layer" is added by unwrap).
RECORD_KEYS = (
    "signer",
    "intact",
    "reason",
    "signed_at",
    "issuer",
    "serial",
    "certificate_valid_from",
    "certificate_valid_to",
    "digest_algorithm",
    "signature_algorithm",
    "chain",
)


class _EssCertId(core.Sequence):
    _fields = [
        ("cert_hash", core.OctetString),
        ("issuer_serial", core.Any, {"optional": True}),
    ]


class _EssCertIdV2(core.Sequence):
    _fields = [
        ("hash_algorithm", algos.DigestAlgorithm, {"default": {"algorithm": "sha256"}}),
        ("cert_hash", core.OctetString),
        ("issuer_serial", core.Any, {"optional": True}),
    ]


class _EssCertIds(core.SequenceOf):
    _child_spec = _EssCertId


class _EssCertIdsV2(core.SequenceOf):
    _child_spec = _EssCertIdV2


class _SigningCertificate(core.Sequence):
    _fields = [("certs", _EssCertIds), ("policies", core.Any, {"optional": True})]


class _SigningCertificateV2(core.Sequence):
    _fields = [("certs", _EssCertIdsV2), ("policies", core.Any, {"optional": True})]


def _certificates(sd: cms.SignedData) -> list[x509.Certificate]:
    return [c.chosen for c in sd["certificates"] or [] if c.name == "certificate"]


def _by_sid(sid: cms.SignerIdentifier, certs: list[x509.Certificate]) -> x509.Certificate | None:
    """The certificate the signer identifier names (issuer + serial, or subject key id)."""
    for c in certs:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if c.serial_number == ias["serial_number"].native and c.issuer == ias["issuer"]:
                return c
        elif sid.name == "subject_key_identifier" and c.key_identifier == sid.chosen.native:
            return c
    return None


def _name(cert: x509.Certificate) -> str | None:
    subject = cert.subject.native
    name = subject.get("common_name") or " ".join(
        p for p in (subject.get("given_name"), subject.get("surname")) if p
    )
    if isinstance(name, list):
        name = " ".join(name)
    return str(name) if name else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(_HASHES[name]())
    h.update(data)
    return h.finalize()


def _set_of(contents: bytes) -> bytes:
    """DER of a SET OF around ``contents``: signed attributes are signed as SET OF, not as [0]."""
    n = len(contents)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return b"\x31" + length + contents


def _verify_signature(
    info: cms.SignerInfo, cert: x509.Certificate, signed: bytes, digest_name: str
) -> str | None:
    """None when the signature verifies with the certificate's key, else why not."""
    sig_alg = info["signature_algorithm"]
    signature = info["signature"].native
    try:
        algo = sig_alg.signature_algo
    except ValueError:
        return f"signature algorithm {sig_alg['algorithm'].dotted} is not supported"
    try:
        hash_name = sig_alg.hash_algo
    except ValueError:  # rsaEncryption / plain OIDs: the hash is the digest algorithm's
        hash_name = digest_name
    try:
        key = serialization.load_der_public_key(cert.public_key.dump())
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), _HASHES[hash_name]())
        elif algo == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = sig_alg["parameters"]
            mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            pss = padding.PSS(
                mgf=padding.MGF1(_HASHES[mgf_hash]()), salt_length=params["salt_length"].native
            )
            key.verify(signature, signed, pss, _HASHES[hash_name]())
        elif algo == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(_HASHES[hash_name]()))
        elif algo == "dsa" and isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, signed, _HASHES[hash_name]())
        elif algo in ("ed25519", "ed448") and isinstance(
            key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
        ):
            key.verify(signature, signed)
        else:
            return f"the certificate's key does not fit a {algo} signature"
    except InvalidSignature:
        return "the signature does not verify with the signer certificate's public key"
    except KeyError as exc:
        return f"hash algorithm {exc} is not supported"
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return f"the signature could not be checked ({exc})"
    return None


def _signing_certificate_problem(
    attrs: dict[str, list[Any]], cert: x509.Certificate
) -> str | None:
    """None when no ESS signing-certificate attribute is present or it names ``cert``."""
    for oid, spec, fixed in (
        (_SIGNING_CERTIFICATE_V2, _SigningCertificateV2, None),
        (_SIGNING_CERTIFICATE, _SigningCertificate, "sha1"),
    ):
        if oid not in attrs:
            continue
        try:
            first = spec.load(attrs[oid][0].dump())["certs"][0]
            algo = fixed or first["hash_algorithm"]["algorithm"].native
            expected = first["cert_hash"].native
            actual = _digest(algo, cert.dump())
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            return f"the signing-certificate attribute is unreadable ({exc})"
        if expected != actual:
            return "the signing-certificate attribute names a different certificate"
    return None


def check_signer(
    info: cms.SignerInfo,
    certs: list[x509.Certificate],
    content: bytes,
    content_type: cms.ContentType,
) -> dict[str, Any]:
    """What can be checked offline about one signer; a failure is recorded, never raised.

    Checks: the certificate named by the signer identifier is in the file; the signed
    messageDigest equals the content's digest and the signed contentType its type; the signature
    over the signed attributes (or over the content, when there are none) verifies with that
    certificate's key; an ESS signing-certificate attribute, if any, hashes to that certificate;
    the signing time, if any, lies within the certificate's validity.
    """
    problems: list[str] = []
    cert = _by_sid(info["sid"], certs)
    # The name, as before these checks, falls back to a lone certificate the sid does not name.
    named = cert or (certs[0] if len(certs) == 1 else None)
    digest_name = info["digest_algorithm"]["algorithm"].native
    attrs: dict[str, list[Any]] = {}
    for attr in info["signed_attrs"] or []:
        attrs.setdefault(attr["type"].dotted, []).extend(attr["values"])
    signed_at = None
    if _SIGNING_TIME in attrs:
        try:
            signed_at = attrs[_SIGNING_TIME][0].native
            if signed_at is not None and signed_at.tzinfo is None:  # GeneralizedTime, no zone
                signed_at = signed_at.replace(tzinfo=UTC)
        except ValueError as exc:
            problems.append(f"the signing time is unreadable ({exc})")
    record: dict[str, Any] = {
        "signer": _name(named) if named is not None else None,
        "intact": False,
        "reason": "",
        "signed_at": _iso(signed_at),
        # Certificate facts only from the certificate the signer identifier names.
        "issuer": cert.issuer.human_friendly if cert is not None else None,
        "serial": str(cert.serial_number) if cert is not None else None,
        "certificate_valid_from": _iso(cert.not_valid_before) if cert is not None else None,
        "certificate_valid_to": _iso(cert.not_valid_after) if cert is not None else None,
        "digest_algorithm": digest_name,
        "signature_algorithm": info["signature_algorithm"]["algorithm"].native,
        "chain": CHAIN_NOT_CHECKED,
    }
    if cert is None:
        problems.append(
            "the certificate named by the signer identifier is not in the file"
            if certs
            else "the file carries no certificate to check the signature with"
        )
    if digest_name not in _HASHES:
        problems.append(f"digest algorithm {digest_name} is not supported")
    if info["signed_attrs"]:
        signed = _set_of(info["signed_attrs"].contents)
        digests = attrs.get(_MESSAGE_DIGEST, [])
        if len(digests) != 1:
            problems.append("there is not exactly one messageDigest signed attribute")
        elif digest_name in _HASHES and digests[0].native != _digest(digest_name, content):
            problems.append(
                f"the content was altered: its {digest_name} digest differs from the signed one"
            )
        types = attrs.get(_CONTENT_TYPE, [])
        if types and types[0].native != content_type.native:
            problems.append("the signed contentType differs from the content's type")
    else:  # no signed attributes: the signature is over the content itself
        signed = content
    if cert is not None and digest_name in _HASHES:
        problem = _verify_signature(info, cert, signed, digest_name)
        if problem:
            problems.append(problem)
        problem = _signing_certificate_problem(attrs, cert)
        if problem:
            problems.append(problem)
    if cert is not None and signed_at is not None:
        if not cert.not_valid_before <= signed_at <= cert.not_valid_after:
            problems.append(
                f"signed at {signed_at.isoformat()}, outside the certificate's validity "
                f"({cert.not_valid_before.isoformat()} to {cert.not_valid_after.isoformat()})"
            )
    record["intact"] = not problems
    record["reason"] = "; ".join(problems) if problems else "ok"
    return record


def _checked(
    info: cms.SignerInfo,
    certs: list[x509.Certificate],
    content: bytes,
    content_type: cms.ContentType,
) -> dict[str, Any]:
    """``check_signer``, with an unreadable SignerInfo recorded as a failed check, not raised:
    a broken signature must not cost the document."""
    try:
        return check_signer(info, certs, content, content_type)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        record: dict[str, Any] = dict.fromkeys(RECORD_KEYS)
        record.update(
            intact=False,
            reason=f"the signer information is unreadable ({exc})",
            chain=CHAIN_NOT_CHECKED,
        )
        return record


def unwrap(data: bytes) -> Unwrapped:
    """Peel every SignedData envelope; ParseError when the outer one is unreadable or detached."""
    out = Unwrapped(content=data)
    current = data
    while out.layers < MAX_LAYERS:
        der = _der(current)
        if der is None:
            if out.layers == 0:
                raise ParseError("not a signed file: no CMS SignedData (DER or base64) found")
            break
        try:
            info = cms.ContentInfo.load(der, strict=False)
            if info["content_type"].native != "signed_data":
                raise ParseError(f"CMS content is {info['content_type'].native}, not signed data")
            sd = info["content"]
            inner = sd["encap_content_info"]["content"]
            payload = inner.native if inner is not None else None
            certs = _certificates(sd)
            records = []
            if isinstance(payload, bytes):
                content_type = sd["encap_content_info"]["content_type"]
                for signer_info in sd["signer_infos"]:
                    record = _checked(signer_info, certs, payload, content_type)
                    records.append({"layer": out.layers + 1, **record})
        except ParseError:
            raise
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ParseError(f"corrupt or truncated signed file ({exc})") from exc
        if payload is None:
            raise ParseError("detached signature: the .p7m holds no document")
        if not isinstance(payload, bytes):
            raise ParseError("signed content is not a byte string")
        out.layers += 1
        out.signatures.extend(records)
        out.signers.extend(
            r["signer"] for r in records if r["signer"] and r["signer"] not in out.signers
        )
        out.signing_times.extend(r["signed_at"] for r in records if r.get("signed_at"))
        current = payload
    else:
        if _der(current) is not None:
            raise ParseError(f"more than {MAX_LAYERS} nested signature envelopes")
    out.content = current
    return out


def inner_url(url: str | None) -> str | None:
    """``atto.pdf.p7m`` → ``atto.pdf`` so the inner document is sniffed by its own name."""
    if not url:
        return url
    return re.sub(r"(?:\.p7m)+$", "", url, flags=re.IGNORECASE)
