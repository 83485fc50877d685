"""Signed files (.p7m, CAdES): unwrap the signed envelope to the document inside, keep the signers.

Italian acts are often published as ``atto.pdf.p7m``: a CMS SignedData holding the PDF. The file
may be DER or base64 (with or without PEM armour) and may be signed more than once, one envelope
inside another. The signature is not verified here (that needs the trusted-list roots); the
signer's name is read from the certificate the envelope carries.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from asn1crypto import cms

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


def _signer_names(sd: cms.SignedData) -> tuple[list[str], list[str]]:
    certs = []
    for choice in sd["certificates"] or []:
        if choice.name == "certificate":
            certs.append(choice.chosen)
    names: list[str] = []
    times: list[str] = []
    for info in sd["signer_infos"]:
        sid = info["sid"]
        cert = None
        for c in certs:
            if sid.name == "issuer_and_serial_number":
                ias = sid.chosen
                if c.serial_number == ias["serial_number"].native and c.issuer == ias["issuer"]:
                    cert = c
                    break
            elif sid.name == "subject_key_identifier" and c.key_identifier == sid.chosen.native:
                cert = c
                break
        if cert is None and len(certs) == 1:
            cert = certs[0]
        if cert is not None:
            subject = cert.subject.native
            name = subject.get("common_name") or " ".join(
                p for p in (subject.get("given_name"), subject.get("surname")) if p
            )
            if isinstance(name, list):
                name = " ".join(name)
            if name:
                names.append(str(name))
        for attr in info["signed_attrs"] or []:
            if attr["type"].native == "signing_time":
                times.append(attr["values"][0].native.isoformat())
    return names, times


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
            names, times = _signer_names(sd)
        except ParseError:
            raise
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ParseError(f"corrupt or truncated signed file ({exc})") from exc
        if payload is None:
            raise ParseError("detached signature: the .p7m holds no document")
        if not isinstance(payload, bytes):
            raise ParseError("signed content is not a byte string")
        out.layers += 1
        out.signers.extend(n for n in names if n not in out.signers)
        out.signing_times.extend(times)
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
