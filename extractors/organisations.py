"""Named organisations, one canonical name each, with a role: lead, partner, funder, delivery.

"Comune di X" is a claim only when X is an Italian comune in the ISTAT list shipped with
python-codicefiscale (read as package data, so no list is typed here); "CPI di Livorno" and
"Centro per l'impiego di Livorno" give the same canonical name. Only patterns that name a body
match, so people, generic classes ("i Comuni", "enti del Terzo settore") and internal offices
(Giunta, Settore, Ufficio) never become organisations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from extractors import orgmodel
from extractors.base import Context, load_patterns, make_claim
from extractors.common import (
    Dispatcher,
    group_to_role,
    keyword_pattern,
    line_start,
    strip_accents,
)
from models.records import Claim

NAME = "organisations"
VERSION = "1.7.0"

_P = load_patterns("organisations")
CONNECTORS = _P["connectors"]
# A capitalised word; dotted abbreviations ("Sol.Co.", "Scu.Ter") keep their dots.
_WORD = r"(?:[A-ZÀ-Ý]\w*(?:\.[A-Za-z]\w*)+\.?|[A-ZÀ-Ý][\w'’À-ÿ\-]*)"
_SP = r"[ \t\u00a0]+"
# "d'Italia", "de' Paoli", "e dell'Alto Lario": elided connectors before a capitalised word.
_ELIDED = r"(?:(?:e|ed)[ \t]+)?(?:d|de|dell|nell|sull|all)['’]\s?"
PLACE = (
    rf"{_WORD}(?:(?:{_SP}(?:{CONNECTORS}){_SP}|{_SP}|{_SP}{_ELIDED})"
    rf"{_WORD}){{0,4}}"
)
# A place inside a list of comuni may wrap onto the next line ("Civitella in Val di\nChiana"):
# each item is checked against the ISTAT list, so crossing a line cannot invent a name.
PLACE_NL = (
    rf"{_WORD}(?:(?:\s+(?:{CONNECTORS})\s+|\s+|\s+(?:d|dell|nell|sull|all)['’]\s?)"
    rf"{_WORD}){{0,4}}"
)
QUOTED = r"[“\"«][^”\"»\n]{2,60}[”\"»]"
# Inside a free name "in" starts the place where a body sits ("Unione Montana Valle Susa in
# Bussoleno"), so it joins words of places only.
_CONN_NO_E = "|".join(c for c in CONNECTORS.split("|") if c not in ("e", "ed", "in"))
_ARTICLE = rf"(?:(?:il|la|lo|le|gli|i){_SP}|l['’])"
# Inside a name "e"/"ed" joins words ("Politiche Sociali e Lavoro") but never an article: "X e la
# Misericordia" is a list of two bodies. Other connectors may take one ("Fondazione Con il Sud").
# A name may hold a lower-case phrase "per i bambini" when a capitalised word follows it
# ("Fondazione Città della Pace per i bambini Basilicata"); the phrase's noun is never one of the
# words that introduce what a body does rather than what it is called ("per il progetto Alfa").
_NOT_IN_NAME = "|".join(_P["not_in_name"])
_LOWER_PHRASE = (
    rf"(?:{_P['name_phrase_connectors']}){_SP}{_ARTICLE}?(?!(?:{_NOT_IN_NAME})\b)[a-zà-ù]{{3,}}{_SP}"
)
ORG = (
    rf"{QUOTED}|{_WORD}(?:(?:{_SP}(?:(?:e|ed){_SP}|{_LOWER_PHRASE}"
    rf"|(?:{_CONN_NO_E}){_SP}{_ARTICLE}?|{_ARTICLE})?"
    rf"|{_SP}{_ELIDED}){_WORD}){{0,5}}"
    # a demonym closing a name: "Unione dei Comuni della Romagna forlivese"
    rf"(?:{_SP}[a-zà-ù]{{3,}}(?:ese|ense|asca|asco|iano|iana)\b)?"
)
REGION = "|".join(sorted((re.escape(r) for r in _P["regions"]), key=len, reverse=True))
REGION_NAMES: dict[str, str] = _P["region_names"]
STOP = set(_P["stop_words"])
# Bodies named after a comune: a longer name of the same type is another body.
PLACE_TYPES = {"comune", "provincia", "cpi", "prefettura", "citta_metropolitana"}
GENITIVES = {"di", "del", "della", "dei", "delle", "degli", "dello"}
HOUSING_ACRONYMS: dict[str, str] = _P["housing_acronyms"]
LEGAL_SUFFIXES = {
    "Onlus", "ONLUS", "ODV", "OdV", "Odv", "APS", "Aps", "ETS", "S.r.l.", "Srl", "SCS", "S.C.S.",
    "scs", "s.c.s.", "Ets",
}
BODY_WORDS = set(_P["body_words"])
STRIP_CONNECTOR_TYPES = set(_P["strip_connector_types"])
LEADING_CONNECTOR = re.compile(r"^(?:della|delle|dello|degli|dei|dell'|del|di)\s*", re.I)
GENERIC = {g.lower() for g in _P["generic_names"]}
CONNECTOR_SET = set(CONNECTORS.split("|")) | {"il", "la", "lo", "le", "gli", "i", "l'"}
ROLE_RE = keyword_pattern(_P["roles"])
AFTER_ROLE_RE = keyword_pattern(_P["after_roles"])
_LIST_SEP = re.compile(
    r"^[\s,;/]*(?:(?:e|ed|nonché|oltre a)\b)?[\s,]*"
    r"(?:(?:il|la|lo|i|gli|le|al|alla|ai|dal|dalla)\b|l['’])?\s*$",
    re.I,
)
_SENT_END = re.compile(r"[.!?](?=\s+[A-ZÀ-Ý\"“«(])|;|\n\s*\n|\n(?=\s*[-•*])")
_NAME_WORDS = re.compile(r"[\w'’À-ÿ\-.]+|[“\"«][^”\"»\n]+[”\"»]")


def _norm_key(s: str) -> str:
    s = strip_accents(s.lower()).replace("’", "'").replace("`", "'")
    s = re.sub(r"\s*'\s*", "'", s)
    return re.sub(r"[\s\-]+", " ", s).strip()


def _pretty(name: str) -> str:
    """Official names come title-cased ("Calvi Dell'Umbria"): lower the inner connectors."""
    words = name.split(" ")
    out = [words[0]]
    for w in words[1:]:
        low = w.lower()
        if low in CONNECTOR_SET:
            out.append(low)
        elif "'" in w and low.split("'")[0] in ("d", "dell", "nell", "sull", "all"):
            head, _, tail = w.partition("'")
            out.append(f"{head.lower()}'{tail}")
        else:
            out.append(w)
    return " ".join(out)


_INNER_CONNECTORS = {"di", "del", "della", "dei", "de", "nel", "nell'", "nella", "sul", "sull'"}


@cache
def comuni() -> dict[str, str]:
    """Normalised name → official name of every active Italian comune (python-codicefiscale)."""
    raw = (resources.files("codicefiscale") / "data" / "municipalities.json").read_text("utf-8")
    out: dict[str, str] = {}
    for row in json.loads(raw):
        if not row.get("active"):
            continue
        name = _pretty(row["name"].replace("’", "'"))
        for alias in (row["name"], row.get("name_alt") or "", row.get("name_trans") or ""):
            if alias:
                out.setdefault(_norm_key(alias), name)
    # Everyday names drop the inner connector of the official one: "Reggio Emilia" for "Reggio
    # nell'Emilia", "Reggio Calabria" for "Reggio di Calabria". Added after every official name,
    # so such a short form never takes the place of a comune that is really called so.
    # A short form two comuni share ("San Giovanni" of several) names neither.
    short: dict[str, set[str]] = {}
    for key, name in out.items():
        words = [w for w in re.split(r"\s+|(?<=')", key) if w]
        kept = [w for w in words if w not in _INNER_CONNECTORS]
        if 1 < len(kept) < len(words):
            short.setdefault(" ".join(kept), set()).add(name)
    for key, names in short.items():
        if len(names) == 1:
            out.setdefault(key, names.pop())
    return out


@cache
def _joined() -> dict[str, str]:
    """Names keyed without spaces: "Porto Venere" is written for Portovenere, "Monte Rosso" for
    Monterosso; a joined form two comuni share names neither."""
    seen: dict[str, set[str]] = {}
    for key, name in comuni().items():
        seen.setdefault(key.replace(" ", ""), set()).add(name)
    return {k: v.pop() for k, v in seen.items() if len(v) == 1}


def _lookup(key: str) -> str | None:
    return comuni().get(key) or _joined().get(key.replace(" ", ""))


def comune_name(text: str) -> str | None:
    """The official name of the comune called ``text`` (any spelling or accent), or None."""
    return _lookup(_norm_key(text.strip()))


@dataclass(slots=True)
class Rule:
    type: str
    regex: re.Pattern[str]
    canonical: str
    validate: str | None
    fallback: str | None
    is_list: bool


def _compile(rule: dict) -> Rule:
    pattern = (
        rule["pattern"]
        .replace("{PLACE_NL}", f"(?:{PLACE_NL})")
        .replace("{PLACE}", f"(?:{PLACE})")
        .replace("{ORG}", f"(?:{ORG})")
        .replace("{QUOTED}", QUOTED)
        .replace("{REGION}", f"(?:{REGION})")
    )
    return Rule(
        type=rule["type"],
        regex=re.compile(pattern),
        canonical=rule["canonical"],
        validate=rule.get("validate"),
        fallback=rule.get("fallback"),
        is_list=bool(rule.get("list")),
    )


RULES = [_compile(r) for r in _P["rules"]]
# One scan finds every place where some rule can begin; rules are then tried only there.
DISPATCH = Dispatcher([(raw["starts"], rule) for rule, raw in zip(RULES, _P["rules"], strict=True)])
# Bare type names a rule gives when no place follows ("il Centro per l'Impiego competente").
FALLBACKS = {r.fallback for r in RULES if r.fallback}
MINISTRIES: dict[str, str] = _P["ministries"]
ASL_KINDS = {re.sub(r"[^a-zà-ù]", "", k): v for k, v in _P["asl_kinds"].items()}
PLACE_NL_RE = re.compile(PLACE_NL)


PAIR = re.compile(r"[A-ZÀ-Ý][\w'’À-ÿ]*(?:[ \t]+[A-ZÀ-Ý][\w'’À-ÿ]*)?(?:-[A-ZÀ-Ý][\w'’À-ÿ]*)+")


def match_pair(text: str, start: int, end: int) -> tuple[str, int] | None:
    """A province named after its comuni ("Forlì-Cesena", "Barletta-Andria-Trani"): each part a
    comune, the name kept as written."""
    m = PAIR.match(text, start, end)
    if m is None or not all(comune_name(part) for part in m.group(0).split("-")):
        return None
    return m.group(0), m.end()


def _article(m: re.Match[str]) -> str:
    """The article a comune's name begins with when "di" merged with it: "dell'Aquila" is
    L'Aquila, "della Spezia" is La Spezia."""
    if "article" not in m.re.groupindex or not m.group("article"):
        return ""
    return "l'" if m.group("article")[-1] in "'’" else "la "


def match_comune(text: str, start: int, end: int, article: str = "") -> tuple[str, int] | None:
    """Longest run of words from ``start`` that names a comune: (official name, end offset)."""
    ends = [start + m.end() for m in _NAME_WORDS.finditer(text[start:end])]
    for stop in reversed(ends):
        found = _lookup(_norm_key(article + text[start:stop].rstrip(".,")))
        if found:
            return found, stop
    return None


def _trim_name(text: str, start: int, end: int) -> int:
    """Cut a capitalised run at the first stop word and drop trailing connectors."""
    words = [(m.group(0), start + m.end()) for m in _NAME_WORDS.finditer(text[start:end])]
    keep = 0
    first = next((i for i, (w, _) in enumerate(words) if w.lower() not in CONNECTOR_SET), 0)
    for i, (w, _) in enumerate(words):
        core = re.split(r"['’]", w.strip("“\"«”»"))[-1]
        # "Fondazione Provinciale della Comunità Comasca": a body word after "della" is part of
        # the name; after anything else ("Laghi con la Comunità di ...") another body begins.
        genitive = i > 0 and (words[i - 1][0].lower() in GENITIVES or w.lower()[:5] == "dell'")
        if i > first and (core in STOP or (core in BODY_WORDS and not genitive)):
            break
        keep = i + 1
    while keep > 0 and (
        # an all-capitals code ("ASL LE", "ASL AT") is no connector
        (words[keep - 1][0].lower() in CONNECTOR_SET and not words[keep - 1][0].isupper())
        or words[keep - 1][0] in LEGAL_SUFFIXES
    ):
        keep -= 1
    return words[keep - 1][1] if keep else start


def _tidy(s: str) -> str:
    s = s.replace("’", "'").replace("`", "'").strip(" ,.;:“”\"«»")
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"(?<!\bde)'\s+", "'", s)  # "de' Paoli" keeps its space
    return s


def _unshout(s: str) -> str:
    """A name printed all in capitals (a letterhead) in title case: "TERRE DI PIANURA" becomes
    "Terre di Pianura". A single capitalised word stays as it is: it may be an acronym."""
    if any(ch.islower() for ch in s):
        return s
    words = s.split(" ")
    if sum(1 for w in words if re.search(r"[A-ZÀ-Ý]{2}", w) and w.lower() not in CONNECTOR_SET) < 2:
        return s
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        if low in CONNECTOR_SET:
            out.append(low)
        elif "'" in low:
            head, _, tail = low.partition("'")
            out.append(f"{head.capitalize() if i == 0 else head}'{tail.capitalize()}")
        else:
            out.append("-".join(part.capitalize() for part in low.split("-")))
    return " ".join(out)


def _title_words(s: str) -> str:
    out = []
    for w in s.split(" "):
        low = w.lower()
        if low in CONNECTOR_SET:
            out.append(low)
        elif low.split("'")[0] in ("dell", "dall", "nell", "sull", "d") and "'" in w:
            head, _, tail = w.partition("'")
            out.append(f"{head.lower()}'{tail}")
        elif w[:1].islower() and not re.fullmatch(r"n\.?|nr\.?", w):
            out.append(w[:1].upper() + w[1:])
        else:
            out.append(w)
    return " ".join(out)


@dataclass(slots=True)
class Found:
    start: int
    end: int
    value: str
    type: str


def _ministry(text: str, m: re.Match[str]) -> Found | None:
    rest_start = m.start("rest")
    rest = text[rest_start : m.end("rest")]
    low = strip_accents(rest.lower())
    for key, canonical in MINISTRIES.items():
        pos = low.find(strip_accents(key))
        if 0 <= pos <= 25:
            allowed = {strip_accents(w.lower()) for w in re.findall(r"[\w']+", canonical)}
            allowed |= CONNECTOR_SET | {"dell", "della", "delle"}
            end = rest_start
            for w in re.finditer(r"[\w'’]+", rest):
                token = strip_accents(w.group(0).lower().replace("’", "'"))
                if token in CONNECTOR_SET:
                    continue
                if token in allowed or token.split("'")[-1] in allowed:
                    end = rest_start + w.end()
                else:
                    break
            return Found(m.start(), max(end, rest_start + pos + len(key)), canonical, "ministero")
    run = re.match(rf"(?:\S+\s*)?({_WORD}(?:{_SP}(?:(?:{CONNECTORS}){_SP})?{_WORD}){{0,4}})", rest)
    if not run:
        return None
    end = _trim_name(text, rest_start, rest_start + run.end(1))
    if end <= rest_start:
        return None
    return Found(m.start(), end, "Ministero " + _tidy(text[rest_start:end]), "ministero")


def _matches(text: str) -> Iterator[tuple[Rule, re.Match[str]]]:
    """Every rule match, trying each rule only where the trigger scan saw it can start."""
    seen: set[tuple[int, int, int]] = set()
    for pos, rule in DISPATCH.hits(text):
        assert isinstance(rule, Rule)
        m = rule.regex.match(text, pos)
        if m is None:
            continue
        key = (id(rule), m.start(), m.end())
        if key not in seen:
            seen.add(key)
            yield rule, m


def _candidates(text: str) -> Iterator[Found]:
    for rule, m in _matches(text):
        if rule.type == "ministero" and "rest" in rule.regex.groupindex:
            found = _ministry(text, m)
            if found:
                yield found
            continue
        groups = rule.regex.groupindex
        if rule.is_list:
            pos, hi = m.span("list")
            while (pm := PLACE_NL_RE.search(text, pos, hi)) is not None:
                hit = match_comune(text, pm.start(), pm.end())
                if hit:
                    yield Found(pm.start(), hit[1], rule.canonical.format(place=hit[0]),
                                rule.type)
                pos = hit[1] if hit else pm.end()
            continue
        if "place" in groups and rule.validate in ("comune", "comune_or_pair"):
            if m.group("place") is None:
                if rule.fallback:
                    yield Found(m.start(), m.end(), rule.fallback, rule.type)
                continue
            hit = match_comune(text, m.start("place"), m.end("place"), _article(m))
            if hit is None and rule.validate == "comune_or_pair":
                hit = match_pair(text, m.start("place"), m.end("place"))
            if hit:
                yield Found(m.start(), hit[1], rule.canonical.format(place=hit[0]), rule.type)
            elif rule.fallback:
                head = re.sub(r"\s+(?:di|DI)\s+$", "", text[m.start() : m.start("place")])
                yield Found(m.start(), m.start() + len(head), rule.fallback, rule.type)
            continue
        yield from _generic(text, m, rule)
    # Last, so that a rule's reading of the same words ("Banco Alimentare ... ODV") wins a tie.
    yield from _name_first(text)


# "Il Mosaico società cooperativa sociale", "Lariana Solidale Cooperativa Sociale", "Il Faro
# ODV": the name comes first and the legal form after it.
FORM_AFTER = re.compile(
    r"[ \t]+(?P<form>(?:[Ss]ociet[àa][ \t]+)?[Cc]ooperativa(?:[ \t]+[Ss]ociale)?|ODV|OdV|APS)\b"
)
NAME_BEFORE = re.compile(
    rf"((?:(?:Il|La|Lo|I|Gli|Le)[ \t]+|L['’])?{_WORD}"
    rf"(?:[ \t]+(?:(?:di|del|della|dei|delle|e|the|of|and|for)[ \t]+)?{_WORD}){{0,4}}"
    r"(?:[ \t]+\d{1,4})?)$"
)
FORM_TYPES = {"odv": "associazione", "aps": "associazione"}


def _name_first(text: str) -> Iterator[Found]:
    """Bodies whose legal form follows their name, read back from the form to the name."""
    for m in FORM_AFTER.finditer(text):
        lo = max(line_start(text, m.start()), m.start() - 80)
        before = NAME_BEFORE.search(text, lo, m.start())
        if before is None:
            continue
        name = _tidy(before.group(1))
        head = name.split(" ")[0].split("'")[-1]
        if head in BODY_WORDS or head in ("Società", "Cooperativa", "Associazione"):
            continue  # "Cooperativa Alfa ODV" is read from its type word
        if name.lower() in GENERIC or name in STOP:
            continue
        kind = FORM_TYPES.get(m.group("form").lower(), "cooperativa")
        label = "Associazione" if kind == "associazione" else "Cooperativa"
        yield Found(before.start(1), before.end(1), f"{label} {_unshout(name)}", kind)


def _wraps_to_capital(text: str, start: int, name_start: int) -> bool:
    """A name that is not checked against a list never starts on the line after its type word:
    "la Fondazione\nPubblicato il 3 maggio" is a title followed by a date line, not a body. A
    full line of running text (a PDF paragraph wrapped at the margin) may go on, though."""
    if "\n" not in text[start:name_start] or not text[name_start : name_start + 1].isupper():
        return False
    return start - line_start(text, start) + (text.find("\n", start) - start) < WRAPPED_LINE


# Names that may end with a number ("Cooperativa Berta 80", "Don Bosco 2000"), when the number
# closes the name: punctuation, the end, "e", or the legal form follows it.
NUMBERED_TYPES = {"cooperativa", "associazione", "fondazione", "consorzio"}
TRAILING_NUMBER = re.compile(
    r"[ \t]+(\d{1,4})(?=[ \t]*(?:[,;:)\n]|\.(?!\d)|$|e\b|ed\b|[Ss]ociet|[Ss]oc\.|[Oo]nlus|ODV|APS))"
)
# A line at least this long is running text wrapped at the margin, not a title or a label.
WRAPPED_LINE = 70


def _generic(text: str, m: re.Match[str], rule: Rule) -> Iterator[Found]:
    groups = rule.regex.groupindex
    fields: dict[str, str] = {}
    end = m.end()
    if "name" in groups:
        lo, hi = m.span("name")
        raw = text[lo:hi]
        if _wraps_to_capital(text, m.start(), lo):
            return
        if raw[:1] not in "“\"«":
            hi = _trim_name(text, lo, hi)
            if hi <= lo:
                return
        # A quoted name followed by its place ("“Don Milani” di Lucca") loses its quotes.
        if rule.type in NUMBERED_TYPES and (num := TRAILING_NUMBER.match(text, hi)):
            hi = num.end(1)
        name = _unshout(_tidy(re.sub(r"[“”\"«»]", "", text[lo:hi])))
        if not name or name.lower() in GENERIC or name in STOP:
            return
        fields["name"] = name
        end = max(hi, m.end()) if m.end() > m.end("name") else hi
    if "place" in groups and m.group("place") is not None:
        lo, hi = m.span("place")
        hi = _trim_name(text, lo, hi)
        if hi <= lo:
            return
        fields["place"] = _tidy(text[lo:hi])
        end = hi
    if "rest" in groups:
        lo, hi = m.span("rest")
        while lo < hi and text[lo].isspace():
            lo += 1
        if lo < hi and _wraps_to_capital(text, m.start(), lo):
            return
        if hi > lo and text[lo:hi].strip():
            hi = _trim_name(text, lo, hi) if not re.search(r"\d\s*$", text[lo:hi]) else hi
            end = hi
        rest = _unshout(_tidy(text[lo:hi])) if hi > lo else ""
        if rule.type != "asl":  # "Azienda USL Toscana nord ovest" is written so
            rest = _title_words(rest)
        if rule.type in STRIP_CONNECTOR_TYPES:
            stripped = LEADING_CONNECTOR.sub("", rest)
            if stripped != rest and stripped[:1].isalpha():
                # "dell'area Grossetana" → "Area Grossetana"
                stripped = stripped[:1].upper() + stripped[1:]
            rest = stripped
        if rule.type == "asl" and rest and rest[0].isupper() and comune_name(rest):
            # "ASL Caserta" and "ASL di Caserta" are one body.
            rest = "di " + rest
        fields["rest"] = rest
    if "conn" in groups:
        fields["conn"] = m.group("conn").replace("’", "'").lower()
    if "full" in groups:
        # "Istituto Autonomo Case Popolari di Ragusa" is "IACP di Ragusa"; an area that is not a
        # comune drops its connector ("ATC Piemonte Nord").
        fields["full"] = HOUSING_ACRONYMS[m.group("full").split()[0].lower()]
        rest = fields.get("rest", "")
        if not comune_name(LEADING_CONNECTOR.sub("", rest)):
            fields["rest"] = LEADING_CONNECTOR.sub("", rest)
    if "kind" in groups:
        kind = m.group("kind") or ""
        if rule.type == "asl":
            fields["kind"] = ASL_KINDS.get(re.sub(r"[^a-zà-ù]", "", kind.lower()), kind.strip())
        else:
            fields["kind"] = " " + _tidy(kind).lower() if kind.strip() else ""
    if "region" in groups:
        region = m.group("region")
        fields["region"] = REGION_NAMES.get(region, region)
    for g in groups:
        # any other named part is used as written ("Agenzia"/"Azienda" of a labour agency)
        fields.setdefault(g, _tidy(m.group(g) or ""))
    value = re.sub(r"\s+", " ", rule.canonical.format(**fields)).strip()
    yield Found(m.start(), end, value, rule.type)


def _sentence_start(text: str, pos: int, limit: int = 120) -> int:
    lo = max(0, pos - limit)
    ends = [e.end() for e in _SENT_END.finditer(text, lo, pos)]
    line = text.rfind("\n", lo, pos)
    return max([lo, line + 1, *ends])


def _sentence_end(text: str, pos: int, limit: int = 80) -> int:
    hi = min(len(text), pos + limit)
    m = _SENT_END.search(text, pos, hi)
    line = text.find("\n", pos, hi)
    cands = [hi] + ([m.start()] if m else []) + ([line] if line >= 0 else [])
    return min(cands)


def _role(window: str, last: bool) -> str | None:
    found = None
    for rm in (ROLE_RE if last else AFTER_ROLE_RE).finditer(window):
        found = rm.lastgroup
        if not last:
            break
    return group_to_role(found)


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    kept: list[Found] = []
    for f in sorted(_candidates(text), key=lambda f: (f.start, -(f.end - f.start))):
        if f.end <= f.start:
            continue
        if kept and f.start < kept[-1].end:
            if f.end - f.start > kept[-1].end - kept[-1].start and f.start >= kept[-1].start:
                kept[-1] = f
            continue
        kept.append(f)
    kept = _fuller_names(_drop_units_and_acronyms(text, kept))
    roles = _roles(text, kept)
    claims = [
        make_claim(NAME, VERSION, "organisation", f.value, text, f.start, f.end,
                   type=f.type, role=role)
        for f, role in zip(kept, roles, strict=True)
    ]
    # --- statistical model (extractors/orgmodel.py): adds names no rule knows, when enabled.
    # Keep this one call as the last step of extract() whatever the rules become.
    yield from orgmodel.add_model_claims(claims, ctx)


PAREN_OPEN = re.compile(
    r"\s*\(\s*(?:(?:di\s+seguito|in\s+seguito|d['’]ora\s+in\s+poi|breve(?:mente)?|anche)\s*[:,]?\s*)?"
    r"[\"“«']?"
)
PAREN_CLOSE = re.compile(r"[\"”»']?\s*\)")
UNIT_AFTER = re.compile(r"^\s*[-–,]\s*$")


def _drop_units_and_acronyms(text: str, found: list[Found]) -> list[Found]:
    """Drop the acronym in brackets after a full name ("Azienda Sanitaria Locale di Taranto
    (di seguito ASL TA)"), giving its later mentions the full name, and a district named as part
    of its health authority ("ASL Caserta - Distretto 12"): neither is a body of its own."""
    out: list[Found] = []
    alias: dict[tuple[str, str], str] = {}
    for f in found:
        prev = out[-1] if out else None
        if prev is not None and prev.type == f.type:
            gap = text[prev.end : f.start]
            if PAREN_OPEN.fullmatch(gap) and PAREN_CLOSE.match(text, f.end):
                # Later mentions of the acronym are the same body: "La ASL TA assicura ...".
                alias[(f.value, f.type)] = prev.value
                continue
        if (f.value, f.type) in alias:
            f = Found(f.start, f.end, alias[(f.value, f.type)], f.type)
        if prev is not None and prev.type == "asl" and f.type == "distretto":
            if UNIT_AFTER.match(text[prev.end : f.start]):
                continue
        out.append(f)
    return out


def _extends(short: str, full: str) -> bool:
    """``full`` adds words after ``short`` ("Caritas" → "Caritas Turritana") or between its first
    word and the rest ("Unione Valdera" → "Unione dei Comuni Valdera")."""
    if full.startswith(short + " "):
        return True
    head, _, tail = short.partition(" ")
    return bool(tail) and full.startswith(head + " ") and full.endswith(" " + tail)


def _fuller_names(found: list[Found]) -> list[Found]:
    """A short mention ("la Caritas", "l'Unione Valdera", "il Centro per l'Impiego competente")
    of a body named in full in the same document ("Caritas diocesana di Vercelli") takes the full
    name, when it is one or two words or a bare type name, and exactly one full name of the same
    type extends it."""
    # Names by type and first word: every name that extends a mention starts with its first word.
    by_head: dict[tuple[str, str], set[str]] = {}
    for f in found:
        by_head.setdefault((f.type, f.value.split(" ", 1)[0]), set()).add(f.value)
    fuller: dict[tuple[str, str], str] = {}
    out = []
    for f in found:
        key = (f.value, f.type)
        if key not in fuller:
            fuller[key] = _fuller(f, by_head)
        if fuller[key] != f.value:
            f = Found(f.start, f.end, fuller[key], f.type)
        out.append(f)
    return out


def _fuller(f: Found, by_head: dict[tuple[str, str], set[str]]) -> str:
    # "Comune di Massa" is a body of its own beside "Comune di Massa Marittima"; a longer
    # short mention only takes words in the middle ("Distretto di Nuoro" → "Distretto
    # socio-sanitario di Nuoro").
    middle_only = len(f.value.split()) > 2 and f.value not in FALLBACKS and f.type in PLACE_TYPES
    longer = {
        n for n in by_head.get((f.type, f.value.split(" ", 1)[0]), ())
        if n != f.value and _extends(f.value, n)
        and not (middle_only and n.startswith(f.value + " "))
    }
    return longer.pop() if len(longer) == 1 else f.value


def _roles(text: str, found: list[Found]) -> list[str | None]:
    """Role per organisation; names joined in a list ("A, B e C sono partner") share one."""
    n = len(found)
    before: list[str | None] = [None] * n
    after: list[str | None] = [None] * n
    joined = [False] * n
    for i, f in enumerate(found):
        lo = _sentence_start(text, f.start)
        if i and found[i - 1].end > lo:
            gap = text[found[i - 1].end : f.start]
            joined[i] = bool(_LIST_SEP.match(gap))
            lo = found[i - 1].end
        before[i] = _role(text[lo : f.start], last=True)
        hi = _sentence_end(text, f.end)
        if i + 1 < n and found[i + 1].start < hi:
            hi = found[i + 1].start
        after[i] = _role(text[f.end : hi], last=False)
    out: list[str | None] = [None] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and joined[j + 1]:
            j += 1
        shared = before[i] or after[j]
        for k in range(i, j + 1):
            out[k] = before[k] or after[k] or shared
        i = j + 1
    return out
