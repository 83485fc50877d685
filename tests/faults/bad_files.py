"""Bad files for the fault suite, generated in the test run (nothing is checked in).

Each builder returns the bytes a municipal site might really serve: an encrypted or cut PDF, a
decompression bomb, an office file with an entity bomb or an external entity, a signed act
altered after signing, pages in odd charsets, a page of 100,000 nested divs.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
import zlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "parsers"))

from pdf_builders import flate_bomb, new_pdf, vector_drawing  # noqa: E402

PROSE = (
    "Il Comune di Esempio ha ricevuto euro 120.000,00 dal PON Inclusione per il progetto "
    "di contrasto alla povertà avviato il 01/03/2023."
)

BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
)

SECRET = "SEGRETO-DEL-SERVER-4711"


def secret_file(folder: Path) -> Path:
    """A local file an external entity would try to read (its content must never leak)."""
    path = folder / "segreto.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def html(title: str, body: str) -> bytes:
    return (
        f'<!doctype html><html lang="it"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><h1>{title}</h1>{body}</body></html>"
    ).encode()


def text_pdf(text: str = PROSE, pages: int = 1) -> bytes:
    pdf = new_pdf()
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", "", 11)
        pdf.set_xy(10, 20)
        pdf.multi_cell(180, 6, text)
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    """A PDF that asks for a user password to open (RC4 or AES, as office suites write)."""
    pdf = new_pdf()
    pdf.set_encryption(owner_password="proprietario", user_password="utente")
    pdf.add_page()
    pdf.set_font("helvetica", "", 11)
    pdf.cell(0, 10, PROSE[:80])
    return bytes(pdf.output())


def truncated_pdf() -> bytes:
    """A three-page PDF cut at 40 %: the download stopped and the server sent what it had."""
    data = text_pdf(pages=3)
    return data[: int(len(data) * 0.4)]


def pdf_flate_bomb() -> bytes:
    return flate_bomb(300)  # 300 MB of spaces from a few hundred KB


def vector_heavy_pdf() -> bytes:
    return vector_drawing(min_stream_bytes=1024 * 1024)


def _identity() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
        x509.NameAttribute(NameOID.COMMON_NAME, "ROSSI MARIO"),
    ])
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert, key


def signed_p7m(content: bytes) -> bytes:
    cert, key = _identity()
    return (
        pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def tampered_p7m() -> bytes:
    """A signed text act whose content was changed after signing (same length)."""
    original = ("DETERMINA n. 12 del 2023. " + PROSE).encode()
    data = signed_p7m(original)
    forged = original.replace(b"120.000,00", b"920.000,00")
    assert data.count(original) == 1
    return data.replace(original, forged)


def truncated_p7m() -> bytes:
    data = signed_p7m(("DETERMINA n. 13. " + PROSE).encode())
    return data[: len(data) // 2]


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_with(document_xml: str, *, filler: int = 0) -> bytes:
    """A minimal DOCX around ``document_xml``; ``filler`` adds that many bytes of spaces."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES)
        z.writestr("_rels/.rels", _DOCX_RELS)
        if filler:
            with z.open("word/document.xml", "w", force_zip64=True) as fh:
                fh.write(document_xml.encode().replace(b"</w:body>", b""))
                block = b" " * (1 << 20)
                for _ in range(filler >> 20):
                    fh.write(block)
                fh.write(b"</w:body></w:document>")
        else:
            z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


def docx_paragraphs(*texts: str, doctype: str = "") -> str:
    paras = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in texts)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<w:document xmlns:w="{_W}"><w:body>{paras}</w:body></w:document>'
    )


def docx_billion_laughs() -> bytes:
    return docx_with(docx_paragraphs("Relazione", "&lol9;", doctype=BILLION_LAUGHS_DTD))


def docx_xxe(secret: Path) -> bytes:
    dtd = f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    return docx_with(docx_paragraphs("Relazione sociale", "&xxe;", doctype=dtd))


def docx_zip_bomb() -> bytes:
    """document.xml inflating to 300 MB of spaces from about 300 KB (declared sizes honest)."""
    return docx_with(docx_paragraphs("Relazione"), filler=300 * 1024 * 1024)


def docx_lying_zip_bomb() -> bytes:
    """document.xml inflating to 40 MB while the zip's headers declare 2,000 bytes."""
    data = bytearray(docx_with(docx_paragraphs("Relazione"), filler=40 * 1024 * 1024))
    name = b"word/document.xml"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        real = z.getinfo(name.decode()).file_size
    assert real < 2**32  # no zip64 extra field to patch
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(sig, at)) >= 0:
            header = 30 if sig == b"PK\x03\x04" else 46
            if data[at + header: at + header + len(name)] == name:
                data[at + offset: at + offset + 4] = (2000).to_bytes(4, "little")
            at += 4
    return bytes(data)


def odt_with(content_xml: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"'
            '/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
            '"text/xml"/></manifest:manifest>'))
        z.writestr("content.xml", content_xml)
    return buf.getvalue()


def odt_content(*texts: str, doctype: str = "") -> str:
    paras = "".join(f"<text:p>{t}</text:p>" for t in texts)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{paras}</office:text></office:body>"
        "</office:document-content>"
    )


def odt_billion_laughs() -> bytes:
    return odt_with(odt_content("Scheda", "&lol9;", doctype=BILLION_LAUGHS_DTD))


def odt_xxe(secret: Path) -> bytes:
    dtd = f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    return odt_with(odt_content("Scheda intervento", "&xxe;", doctype=dtd))


def zip_of_many_entries() -> bytes:
    """A DOCX-looking zip with 20,000 empty entries (a directory bomb)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES)
        z.writestr("_rels/.rels", _DOCX_RELS)
        z.writestr("word/document.xml", docx_paragraphs("Relazione"))
        for i in range(20_000):
            z.writestr(f"word/media/vuoto{i}.bin", b"")
    return buf.getvalue()


def deep_divs(depth: int = 100_000) -> bytes:
    return (
        b'<!doctype html><html><head><meta charset="utf-8"><title>Annidata</title></head><body>'
        + b"<div>" * depth
        + b"<p>Progetto di inclusione sociale: euro 5.000,00.</p>"
        + b"</div>" * depth
        + b"</body></html>"
    )


def gzip_bomb(inflated_mb: int = 64) -> bytes:
    """Gzip of ``inflated_mb`` MB of zeros (about 1,000 : 1)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    return b"".join([*(z.compress(block) for _ in range(inflated_mb)), z.flush()])


def sitemap_billion_laughs(base: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>' + BILLION_LAUGHS_DTD
        + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/risata/&lol9;</loc></url>"
        f"<url><loc>{base}/progetti/sociale.html</loc></url></urlset>"
    ).encode()


def sitemap_xxe(base: str, secret: Path) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<!DOCTYPE u [<!ENTITY xxe SYSTEM "file://{secret}">'
        f'<!ENTITY rete SYSTEM "{base}/esterno.dtd">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/segreto/&xxe;</loc></url><url><loc>{base}/&rete;</loc></url>"
        f"<url><loc>{base}/progetti/sociale.html</loc></url></urlset>"
    ).encode()


def sitemap_gzip_bomb() -> bytes:
    """A sitemap.xml.gz inflating to 200 MB of blanks after a valid opening."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = z.compress(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                      b'sitemap/0.9">')
    block = b" " * (1 << 20)
    return head + b"".join([*(z.compress(block) for _ in range(200)), z.flush()])

