"""URL handling for the crawler: one canonical key per page, and the rules for what to follow.

Normalisation leans on courlan (tracking parameters, default ports, case, sorted query); we add
what the crawler needs on top: no fragment and no trailing slash, so that the many spellings
municipal CMSs produce for one page collapse to one key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from email.message import Message
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit, urlunsplit

from courlan import normalize_url

HTTP_SCHEMES = ("http", "https")
# Links with these schemes are not resources to fetch at all: dropped without a log row.
IGNORED_SCHEMES = ("mailto", "tel", "javascript", "data", "sms", "callto", "whatsapp", "skype")

# File types the issue calls attachments: always fetched when linked from a fetched page.
ATTACHMENT_EXTENSIONS = (".pdf", ".p7m", ".p7s", ".doc", ".docx", ".odt", ".rtf")
# The media types of those files, as servers announce them (first of each: the one we record).
ATTACHMENT_TYPES = {
    "application/pdf": ".pdf",
    "application/x-pdf": ".pdf",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/rtf": ".rtf",
    "text/rtf": ".rtf",
}
_TYPE_OF_EXTENSION = {ext: media for media, ext in reversed(ATTACHMENT_TYPES.items())}
# What download scripts send when they do not say what the file is.
GENERIC_TYPES = ("application/octet-stream", "binary/octet-stream", "application/force-download",
                 "application/download", "application/x-download", "application/binary",
                 "application/unknown")
# Download endpoints of municipal CMSs: /scarica?id=12, /download.php?file=3, /allegato/881,
# /getFile.aspx?id=9. Matched as words of the path, so /scaricabarile.html does not count.
_DOWNLOAD_PATH = re.compile(
    r"(?:^|[/_.-])(?:scaric[ao]|download|downloadfile|allegat[oi]|attachments?|getfile|get_file"
    r"|scaricaallegato|visualizzaallegato)(?=$|[/_.-])", re.I)
_SCRIPT_EXTENSIONS = ("", ".php", ".asp", ".aspx", ".jsp", ".do", ".cfm", ".ashx", ".action")
# Anchor texts such as "Determina 14 (PDF, 80 kB)" or "formato p7m".
_FORMAT_WORD = re.compile(r"\b(?:pdf|p7m|p7s|docx|odt|rtf)\b", re.I)

DEFAULT_KEYWORDS = (
    "PON", "PON Inclusione", "inclusione", "inclusion*", "SIA", "REI", "reddito", "povertà",
    "povert*", "PN Metro", "PON Metro", "FSE", "FSE+", "PNRR", "progetto", "progett*", "CUP",
    "sociale", "social*", "determina", "determin*", "delibera", "deliber*", "avviso",
    "assegno di inclusione", "welfare", "coesione", "fragilit*", "disagio",
)


@lru_cache(maxsize=65536)  # asked several times per URL by a crawl
def scheme_of(url: str) -> str:
    return urlsplit(url.strip()).scheme.lower()


def strip_fragment(url: str) -> str:
    return urldefrag(url.strip())[0]


@lru_cache(maxsize=65536)
def clean(url: str) -> str:
    """The form of a URL we request and log: as linked, minus fragment and tracking parameters,
    with default ports dropped and the query sorted. Trailing slashes are kept, since some
    servers answer ``/dir`` and ``/dir/`` differently."""
    url = strip_fragment(url)
    try:
        cleaned = normalize_url(url, strict=False, trailing_slash=True)
    except ValueError:
        return url
    return urldefrag(cleaned)[0]


@lru_cache(maxsize=65536)
def normalize(url: str) -> str:
    """The dedup key of a URL: lower-case scheme and host, no default port, no tracking
    parameters, sorted query, no fragment, no trailing slash (except the root path)."""
    url = strip_fragment(url)
    try:
        norm = normalize_url(url, strict=False, trailing_slash=False)
    except ValueError:
        norm = url
    parts = urlsplit(norm)
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


@lru_cache(maxsize=65536)  # asked several times per URL by a crawl
def host_of(url: str) -> str:
    """Host name (lower case, no port, no brackets) or ''."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@lru_cache(maxsize=65536)  # asked several times per URL by a crawl
def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def host_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """True when the URL's host is one of ``allowed_hosts`` (``*.example.it`` allows subdomains)."""
    host = host_of(url)
    if not host:
        return False
    for allowed in allowed_hosts:
        allowed = allowed.lower().strip()
        if allowed.startswith("*."):
            if host == allowed[2:] or host.endswith(allowed[1:]):
                return True
        elif host == allowed.split(":")[0] or _netloc(url) == allowed:
            return True
    return False


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()


def is_attachment(url: str) -> bool:
    """True when the path names a document file (PDF, signed .p7m, Word, ODT...)."""
    path = urlsplit(url).path.lower()
    return path.endswith(ATTACHMENT_EXTENSIONS)


def _extension(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    return "." + last.rsplit(".", 1)[1].lower() if "." in last else ""


def looks_like_attachment(url: str, text: str = "", declared: bool = False) -> bool:
    """True for a link that leads to a document file although its path does not end in one:
    a query value naming the file (``download?file=a.pdf``), a download endpoint
    (``scarica?id=12``), an anchor text naming the format ("(PDF, 80 kB)"), or ``declared``
    by the page (``<a type="application/pdf">``, ``<a download>``). A path ending in another
    file type (``/download/logo.png``) is not one."""
    if is_attachment(url):
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if _extension(parts.path) not in _SCRIPT_EXTENSIONS:
        return False
    if any(v.lower().endswith(ATTACHMENT_EXTENSIONS)
           for _, v in parse_qsl(parts.query, keep_blank_values=True)):
        return True
    return declared or bool(_DOWNLOAD_PATH.search(unquote(parts.path))
                            or (text and _FORMAT_WORD.search(text)))


def disposition_filename(value: str | None) -> str | None:
    """The file name a Content-Disposition header gives (``filename*=`` preferred), without
    any directory or drive part, control characters or leading dots, or None.

    It is only recorded (``fetches.filename``) and used to tell a file's type, but a remote
    name must never be able to point outside a folder if it is ever used to name a file.
    """
    if not value:
        return None
    msg = Message()
    try:
        msg["content-disposition"] = value
        name = msg.get_filename()
    except (ValueError, TypeError, LookupError):
        return None
    if not isinstance(name, str):
        return None
    # The last part after any separator (POSIX, Windows, drive letter), without control
    # characters (NUL, newlines) or leading dots: a bare name that stays in any folder.
    name = re.split(r"[/\\:]", name)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    return name or None


def attachment_type(content_type: str | None, filename: str | None) -> str | None:
    """The media type of a response that is a document file, or None for anything else.

    A declared document type (``application/pdf``) is kept as the server sent it; a generic
    one (``application/octet-stream``, none at all) is replaced by the type the
    Content-Disposition file name names, so ``scarica?id=12`` sent as octet-stream with
    ``filename="determina.pdf"`` is recorded as a PDF.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    if media in ATTACHMENT_TYPES:
        return content_type
    name = (filename or "").lower()
    ext = next((e for e in (".p7m", ".p7s") if name.endswith(e)), None) or _extension(name)
    if ext in _TYPE_OF_EXTENSION and (not media or media in GENERIC_TYPES):
        return _TYPE_OF_EXTENSION[ext]
    return None


def absolute(base: str, href: str) -> str | None:
    """Resolve a link against its page; None for links that are not fetchable resources."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    if not href.startswith(("http://", "https://")):
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
        if scheme_of(href) in IGNORED_SCHEMES:
            return None
    return href.split("#", 1)[0]


def _fold(text: str) -> str:
    """Lower case, accents removed, everything but letters and digits turned to single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[a-z0-9]+", text)) + " "


@lru_cache(maxsize=256)
def _topic_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex per keyword list, built once per process: a national crawl has thousands of
    sources sharing the same default keywords."""
    patterns = []
    for kw in keywords:
        prefix = kw.strip().endswith("*")
        words = _fold(kw.rstrip("*")).split()
        if not words:
            continue
        body = r"\s".join(re.escape(w) for w in words)
        patterns.append(rf" {body}{'[a-z0-9]*' if prefix else ''} ")
    return re.compile("|".join(patterns)) if patterns else None


class TopicMatcher:
    """Whole-word keyword matching on URLs and anchor texts, accent- and case-insensitive.

    ``progett*`` matches any word starting with ``progett``; short keywords such as ``SIA`` or
    ``CUP`` must stand as words, so ``Asia`` and ``occupazione`` do not count as topical.
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        self._re = _topic_pattern(tuple(keywords))

    def matches(self, *texts: str | None) -> bool:
        if self._re is None:
            return False
        return any(t and self._re.search(_fold(_url_words(t))) for t in texts)


def _url_words(text: str) -> str:
    """Percent-decode so that ``povert%C3%A0`` in a URL reads as ``povertà``."""
    return unquote(text) if "%" in text else text


def compile_patterns(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


def matches_any(url: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.search(url) for p in patterns)
