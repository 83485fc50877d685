"""A statistical second opinion on organisations: spans from a small spaCy model, kept only where
no rule spoke.

The rules give precise, canonical names but only for bodies whose shape they know ("Cooperativa
X", "Comune di Y"). The model (``models/nlp/orgs``: tok2vec + ner, label ORG, trained by ``make
model`` from the synthetic corpus) marks name-like spans anywhere; :func:`combine` adds the ones
no rule claim touches, with a canonical name built by the rules' own conventions, ``attrs["rule"]
= "model"`` and a lower confidence. ``it_core_news_lg``, where installed, is one more source of
ORG spans, used the same way.

Whether it runs is read from ``$INCLUSIO_ORG_MODEL`` ("1" on, "0" off; unset: ``DEFAULT_ON``),
so a comparison of rules alone against rules + model is one variable away.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

from extractors.base import Context, load_patterns, make_claim
from models.records import Claim

NAME = "orgmodel"
VERSION = "0.1.0"
ENV_VAR = "INCLUSIO_ORG_MODEL"
# Off: on the real-text set the model did not raise organisation F1 (see models/nlp/README.md).
DEFAULT_ON = False
CONFIDENCE = 0.6
LG_MODEL = "it_core_news_lg"
# Characters of context kept around a candidate name: the model looks about two tokens either
# side, and a window widens to whole words.
WINDOW_CHARS = 20

# Where the model may see a name: two capitalised words (connectors allowed between them), or
# one before a legal form ("Lumen scs"). A single capitalised word is never a model claim (see
# :func:`canonical`), so text without such runs is never given to the model: that keeps it cheap.
_CAP = r"[A-ZÀ-Ý][\w'’.\-]*"
_CONN = r"(?:di|del|della|dei|delle|degli|dello|per|e|ed|la|il|lo|le|i|gli|l['’]|d['’]|dell['’])"
_FORM_WORDS = (
    r"società\s+cooperativa(?:\s+sociale)?|cooperativa\s+sociale|soc\.\s*coop\.?"
    r"|s\.c\.s\.|scs|onlus|odv|o\.d\.v\.|aps|a\.p\.s\.|ets|srl|s\.r\.l\."
)
_CANDIDATE = re.compile(
    rf"{_CAP}(?:[ \t]+(?:{_CONN}[ \t]*)?{_CAP})+"
    rf"|{_CAP}(?=[ \t,]+(?i:{_FORM_WORDS})(?!\w))"
)
_LEGAL = re.compile(
    r"[\s,\-–]*(?:(?:società|soc\.)\s+cooperativa(?:\s+sociale)?(?:\s+(?:a\s+r\.?\s*l\.?|onlus))?"
    r"|cooperativa\s+sociale|coop\.?\s+soc(?:iale|\.)?|s\.?c\.?s\.?|onlus|o\.?d\.?v\.?"
    r"|a\.?p\.?s\.?|e\.?t\.?s\.?|s\.?r\.?l\.?|impresa\s+sociale)\s*$",
    re.I,
)
_COOP_FORM = re.compile(r"cooperativ|coop\.?|s\.?c\.?s", re.I)
_ASSOC_FORM = re.compile(r"o\.?d\.?v|a\.?p\.?s", re.I)
# A lower-case article or preposition the model took in ("la Caritas"); "Il Faro" keeps its "Il".
_LEAD = re.compile(r"^(?:(?:il|la|lo|le|gli|i|dal|dalla|della|del|di)\s+|l['’])")
# A legal form written just after the span ("Il Faro scs") tells the kind of body.
_FORM_AFTER = re.compile(rf"[ \t,]+(?:{_FORM_WORDS})(?!\w)", re.I)
# A person's title before or inside a span: the name is a person's, not a body's.
_PERSON = re.compile(r"(?<!\w)(?:dott|dott\.ssa|dr|sig|sig\.ra|avv|ing|prof|arch|geom|rag)\.?"
                     r"(?:\s|$)", re.I)
_CONNECTORS = {"di", "del", "della", "dei", "delle", "degli", "dello", "per", "e", "ed", "la",
               "il", "lo", "le", "i", "gli", "in", "con", "da", "a"}


# Words that say what kind of body something is, not which one: the rules' body words and generic
# names, plus the kind words of public offices. A name made of these alone ("Azienda USL",
# "Società della Salute", "Libero Consorzio") is a kind; the rules name it when a place follows.
_KIND_EXTRA = (
    "servizi servizio sanitaria sanitario salute locale provinciale libero usl asp ats asst ast "
    "ufficio settore area amministrazione civica giunta consiglio ente enti regioni province "
    "metropolitana metropolitane città pubblica pubblico europea europeo"
)


@cache
def kind_words() -> frozenset[str]:
    """Lower-case words that only name a kind of body (see ``_KIND_EXTRA``)."""
    p = load_patterns("organisations")
    words = {w.casefold() for w in p["body_words"]}
    words |= {w.casefold() for g in p["generic_names"] for w in g.split()}
    return frozenset(words | set(_KIND_EXTRA.split()))


@cache
def _plain_words() -> frozenset[str]:
    """Kind words and the rules' stop words ("Il", "Per", "CUP"), lower-cased."""
    stop = {w.casefold() for w in load_patterns("organisations")["stop_words"]}
    return kind_words() | stop


def enabled() -> bool:
    """Whether model claims are added: ``$INCLUSIO_ORG_MODEL`` if set, else ``DEFAULT_ON``."""
    raw = os.environ.get(ENV_VAR, "").strip().lower()
    if raw in ("1", "on", "true", "yes"):
        return True
    if raw in ("0", "off", "false", "no"):
        return False
    return DEFAULT_ON


def model_path() -> str:
    """The trained pipeline, shipped as package data of ``models`` (``models/nlp/orgs``)."""
    return str(resources.files("models") / "nlp" / "orgs")


@cache
def load_model() -> Any:
    """The organisation model, loaded once per process (None when the folder is missing)."""
    import spacy

    folder = resources.files("models") / "nlp" / "orgs"
    return spacy.load(model_path()) if (folder / "meta.json").is_file() else None


@cache
def load_lg() -> Any:
    """``it_core_news_lg`` with only what its ORG entities need, or None when not installed."""
    import spacy

    try:
        return spacy.load(LG_MODEL, exclude=["tagger", "morphologizer", "parser", "lemmatizer",
                                             "attribute_ruler", "senter"])
    except OSError:
        return None


def model_tag() -> str:
    """``orgs-0.1.0`` (plus ``+it_core_news_lg-x`` when that is used): what model claims came
    from, for their attrs and the extractor versions a stored document is compared with."""
    model = load_model()
    tag = f"orgs-{model.meta.get('version')}" if model is not None else "orgs-missing"
    lg = load_lg()
    return tag + (f"+{LG_MODEL}-{lg.meta.get('version')}" if lg is not None else "")


def windows(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Merged ``(start, end)`` stretches of ``text`` around every candidate name, leaving out
    candidates wholly inside a ``skip`` span (a name the rules already read: whatever the model
    says there is dropped by :func:`combine`, so it need not run)."""
    out: list[tuple[int, int]] = []
    inside = sorted(skip)
    starts = [s for s, _ in inside]
    plain = _plain_words()
    for m in _CANDIDATE.finditer(text):
        i = bisect_right(starts, m.start()) - 1
        if i >= 0 and inside[i][1] >= m.end():
            continue
        # Kind words and sentence openers alone ("Il Comune", "Per La Regione") name nobody.
        words = [w.casefold() for w in re.findall(r"[A-ZÀ-Ý][\w'’.\-]*", m.group(0))]
        if len(words) > 1 and all(w in plain for w in words):
            continue
        lo = max(0, m.start() - WINDOW_CHARS)
        hi = min(len(text), m.end() + WINDOW_CHARS)
        # Widen to whole words so no token is cut.
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _ents(nlp: Any, text: str, wins: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = []
    for (lo, _), doc in zip(wins, nlp.pipe(text[a:b] for a, b in wins), strict=True):
        spans += [(lo + e.start_char, lo + e.end_char) for e in doc.ents if e.label_ == "ORG"]
    return spans


def model_spans(
    doc_or_text: Any, skip: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Character spans of the organisations the model (and ``it_core_news_lg``, if installed)
    sees in a text or a spaCy ``Doc``; a Doc whose entities were already set by
    ``it_core_news_lg`` gives those instead of running that model again. ``skip``: spans already
    read (see :func:`windows`)."""
    if isinstance(doc_or_text, str):
        text, doc = doc_or_text, None
    else:
        text, doc = doc_or_text.text, doc_or_text
    wins = windows(text, skip)
    spans: set[tuple[int, int]] = set()
    model = load_model()
    if model is not None and wins:
        spans.update(_ents(model, text, wins))
    if doc is not None and doc.has_annotation("ENT_IOB"):
        spans.update((e.start_char, e.end_char) for e in doc.ents if e.label_ == "ORG")
    elif (lg := load_lg()) is not None and wins:
        spans.update(_ents(lg, text, wins))
    return sorted(spans)


def _unshout(name: str) -> str:
    """A name printed in capitals ("CASA AMICA") in title case, connectors in lower case."""
    if any(ch.islower() for ch in name) or " " not in name:
        return name
    words = [w.lower() if w.lower() in _CONNECTORS else w.capitalize() for w in name.split(" ")]
    return " ".join(words)


_busy = threading.local()


@contextmanager
def _rules_only() -> Iterator[None]:
    """While asking the rules about a span, ``organisations.extract`` gives rule claims only."""
    before = getattr(_busy, "on", False)
    _busy.on = True
    try:
        yield
    finally:
        _busy.on = before


def canonical(name: str) -> str | None:
    """The canonical name of a model span by the rules' conventions, or None if it is no body.

    The rules are asked first (a span they can read gets their name); otherwise the legal form
    goes ("X società cooperativa sociale" is "Cooperativa X", "X ODV" is "Associazione X"), a
    leading article goes; a bare comune (a place), a lower-case phrase, a single word or kind
    words alone are rejected."""
    from extractors import organisations

    name = re.sub(r"\s+", " ", name.replace("’", "'")).strip(" ,.;:()[]-–“”\"«»")
    name = _LEAD.sub("", name).strip()
    if len(name) < 3 or not name[:1].isupper() and not name[:1].isdigit():
        return None
    with _rules_only():
        ruled = list(organisations.extract(Context(text=name)))
    if len(ruled) == 1 and ruled[0].start <= 1 and ruled[0].end >= len(name) - 1:
        value = str(ruled[0].value)
        return None if _kind_only(value.split(" ")) else value
    prefix = ""
    if (form := _LEGAL.search(name)) is not None and form.start() > 0:
        if _COOP_FORM.search(form.group(0)):
            prefix = "Cooperativa "
        elif _ASSOC_FORM.search(form.group(0)):
            prefix = "Associazione "
        name = name[: form.start()].strip(" ,-–")
    name = _unshout(name)
    words = name.split(" ")
    if not name or organisations.comune_name(name) or words[-1].lower() in _CONNECTORS:
        return None
    # A body's own name is capitalised word by word ("Tessitori di Comunità"); a lower-case word
    # that is no connector means the model took in running text ("servizio di mensa sociale").
    if any(w[:1].islower() and w not in _CONNECTORS and not w.startswith(("d'", "dell'", "l'"))
           for w in words) or any(ch.isdigit() for ch in name) or "/" in name:
        return None
    if not prefix and _kind_only(words) or len(name) < 3:
        return None
    return prefix + name


def _kind_only(words: list[str]) -> bool:
    """One word alone ("Europa", "Rionero") is as often a place, a person or a topic as a body,
    and kind words alone ("Azienda USL") name no body in particular."""
    named = [w for w in words if w.casefold() not in _CONNECTORS]
    return len(named) < 2 or all(w.casefold() in kind_words() for w in named)


def combine(
    rule_claims: Iterable[Claim], spans: Iterable[tuple[int, int]], text: str,
    confidence: float = CONFIDENCE,
) -> list[Claim]:
    """The rule claims, then one claim per model span that overlaps none of them and whose
    canonical name no rule claim already gives: the rules keep precision and names, the model
    only adds bodies no rule knows."""
    out = list(rule_claims)
    taken = sorted((c.start, c.end) for c in out)
    names = {str(c.value).casefold() for c in out}
    tag = ""
    for start, end in sorted(set(spans)):
        # Trim the quote to the name itself, so text[start:end] is what was read.
        while start < end and text[start] in " \t\n,.;:()“”\"«»":
            start += 1
        while end > start and text[end - 1] in " \t\n,.;:()“”\"«»":
            end -= 1
        if end <= start or any(s < end and start < e for s, e in taken):
            continue
        if _PERSON.search(text[max(0, start - 12) : end]):
            continue
        form = _FORM_AFTER.match(text, end)
        value = canonical(text[start:end] + (form.group(0) if form else ""))
        if value is None or value.casefold() in names:
            continue
        tag = tag or model_tag()
        out.append(make_claim(NAME, VERSION, "organisation", value, text, start, end,
                              confidence=confidence, attrs={"rule": "model", "model": tag}))
        taken.append((start, end))
    return out


def add_model_claims(rule_claims: list[Claim], ctx: Context) -> list[Claim]:
    """What ``organisations.extract`` returns: its rule claims, plus model claims when on (but
    not while :func:`canonical` asks the rules about a span)."""
    if not enabled() or getattr(_busy, "on", False):
        return rule_claims
    source = ctx.doc if ctx.doc is not None else ctx.text
    spans = model_spans(source, skip=[(c.start, c.end) for c in rule_claims])
    return combine(rule_claims, spans, ctx.text)
