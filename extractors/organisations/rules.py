"""The rules of patterns/organisations.toml applied to a text: each rule names a kind of
public body, third-sector body or firm by its type word and a name, a place or a code.

The text is scanned once for where any rule can begin (Dispatcher); a validated place must be a
comune in the ISTAT list; a free name is cut where names stop (names.py). Member comuni listed by
name (members.py) and bodies whose legal form follows their name (firms.py) are read here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extractors.common import Dispatcher, strip_accents
from extractors.organisations.firms import name_first
from extractors.organisations.istat import article_of, comune_name, match_comune, match_pair
from extractors.organisations.members import member_columns, member_lists
from extractors.organisations.names import (
    CONNECTOR_SET,
    CONNECTORS,
    DEFAULT_KIND,
    GENERIC,
    HOUSING_ACRONYMS,
    LEADING_CONNECTOR,
    LETTER_CODE,
    NOT_BODIES,
    NUMBERED_TYPES,
    ORG,
    PATTERNS,
    PLACE,
    PLACE_NL,
    QUOTED,
    REGION,
    REGION_NAMES,
    SP,
    STOP,
    STRIP_CONNECTOR_TYPES,
    TRAILING_NUMBER,
    WORD,
    Found,
    tidy,
    title_words,
    trim_name,
    unshout,
    wraps_to_capital,
)


@dataclass(slots=True)
class Rule:
    name: str
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
        name=rule.get("name", rule["type"]),
        type=rule["type"],
        regex=re.compile(pattern),
        canonical=rule["canonical"],
        validate=rule.get("validate"),
        fallback=rule.get("fallback"),
        is_list=bool(rule.get("list")),
    )


RULES = [_compile(r) for r in PATTERNS["rules"]]
# One scan finds every place where some rule can begin; rules are then tried only there.
DISPATCH = Dispatcher(
    [(raw["starts"], rule) for rule, raw in zip(RULES, PATTERNS["rules"], strict=True)]
)
# Bare type names a rule gives when no place follows ("il Centro per l'Impiego competente").
FALLBACKS = {r.fallback for r in RULES if r.fallback}
MINISTRIES: dict[str, str] = PATTERNS["ministries"]
ASL_KINDS = {re.sub(r"[^a-zà-ù]", "", k): v for k, v in PATTERNS["asl_kinds"].items()}
PLACE_NL_RE = re.compile(PLACE_NL)


def _ministry(text: str, m: re.Match[str]) -> Found | None:
    rest_start = m.start("rest")
    rest = text[rest_start : m.end("rest")]
    # A name wrapped at a line end ("Ministero del\nLavoro e ...") reads as one line.
    low = re.sub(r"\s", " ", strip_accents(rest.lower()))
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
    if text[m.start()].islower():
        return None  # "ministero della ..." in lower case: only a ministry the map knows
    run = re.match(rf"(?:\S+\s*)?({WORD}(?:{SP}(?:(?:{CONNECTORS}){SP})?{WORD}){{0,4}})", rest)
    if not run:
        return None
    end = trim_name(text, rest_start, rest_start + run.end(1))
    if end <= rest_start:
        return None
    return Found(m.start(), end, "Ministero " + tidy(text[rest_start:end]), "ministero")


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


def candidates(text: str) -> Iterator[Found]:
    for rule, m in _matches(text):
        for found in _read(text, rule, m):
            found.rule = rule.name
            if "span" in m.re.groupindex and m.group("span"):
                # the words before the body only say what it does ("finanziato dall'")
                found.start = m.start("span")
            yield found
    # Last, so that a rule's reading of the same words ("Banco Alimentare ... ODV") wins a tie.
    yield from name_first(text)
    for start, end, name, rule_name in (*member_lists(text), *member_columns(text)):
        yield Found(start, end, f"Comune di {name}", "comune", rule_name)


def _read(text: str, rule: Rule, m: re.Match[str]) -> Iterator[Found]:
    """What one rule match names: a ministry, listed comuni, a validated place or a free name."""
    if rule.type == "ministero" and "rest" in rule.regex.groupindex:
        found = _ministry(text, m)
        if found:
            yield found
        return
    groups = rule.regex.groupindex
    if rule.is_list:
        pos, hi = m.span("list")
        while (pm := PLACE_NL_RE.search(text, pos, hi)) is not None:
            hit = match_comune(text, pm.start(), pm.end())
            if hit:
                yield Found(pm.start(), hit[1], rule.canonical.format(place=hit[0]),
                            rule.type)
            pos = hit[1] if hit else pm.end()
        return
    if "place" in groups and rule.validate in ("comune", "comune_or_pair"):
        if m.group("place") is None:
            if rule.fallback:
                yield Found(m.start(), m.end(), rule.fallback, rule.type)
            return
        hit = match_comune(text, m.start("place"), m.end("place"), article_of(m))
        if hit is None and rule.validate == "comune_or_pair":
            hit = match_pair(text, m.start("place"), m.end("place"))
        if hit:
            yield Found(m.start(), hit[1], rule.canonical.format(place=hit[0]), rule.type)
        elif rule.fallback:
            head = re.sub(r"\s+(?:di|DI)\s+$", "", text[m.start() : m.start("place")])
            yield Found(m.start(), m.start() + len(head), rule.fallback, rule.type)
        return
    yield from _generic(text, m, rule)


CUT_AT_COMUNE_TYPES = {"distretto", "ambito", "asl", "zona"}
_OF_PLACE = re.compile(r"(?:di|della|del|dell['’])[ \t]*(?=[A-ZÀ-Ý])")
_CODE_THEN_WORD = re.compile(r"[A-Z]{2,3}\d{0,2}(?=[ \t]+[A-ZÀ-Ý][a-zà-ù])")
_GOES_ON = re.compile(r"\s*(?:\d|[-–]|(?:nord|sud|est|ovest|centro)\b)")


def _cut_after_place(text: str, lo: int, hi: int) -> int:
    """A district or authority named after a comune ends with it, and one named by a province
    code ends with the code: "Distretto di Riccione Daniela Angelini" is a body and a person,
    "ASL TA Componente" a body and a role."""
    if code := _CODE_THEN_WORD.match(text, lo, hi):
        return code.end()
    of = _OF_PLACE.match(text, lo, hi)
    if of is None:
        return hi
    hit = match_comune(text, of.end(), hi)
    if hit and hit[1] < hi and not _GOES_ON.match(text, hit[1], hi):
        return hit[1]
    return hi


def _generic(text: str, m: re.Match[str], rule: Rule) -> Iterator[Found]:
    groups = rule.regex.groupindex
    if "acr" in groups:
        acr = m.group("acr")
        if acr in STOP or acr.lower() in GENERIC or acr in NOT_BODIES:
            return
        if rule.validate == "acronym" and acr[0] != m.group("head")[0]:
            return
    fields: dict[str, str] = {}
    end = m.end()
    if "name" in groups:
        lo, hi = m.span("name")
        raw = text[lo:hi]
        if wraps_to_capital(text, m.start(), lo):
            return
        if raw[:1] not in "“\"«":
            hi = trim_name(text, lo, hi)
            if hi <= lo:
                return
        # A quoted name followed by its place ("“Don Milani” di Lucca") loses its quotes.
        if rule.type in NUMBERED_TYPES and (num := TRAILING_NUMBER.match(text, hi)):
            hi = num.end(1)
        name = unshout(tidy(re.sub(r"[“”\"«»]", "", text[lo:hi])))
        if not name or name.lower() in GENERIC or name in STOP:
            return
        fields["name"] = name
        end = max(hi, m.end()) if m.end() > m.end("name") else hi
    if "place" in groups and m.group("place") is not None:
        lo, hi = m.span("place")
        hi = trim_name(text, lo, hi)
        if hi <= lo:
            return
        fields["place"] = tidy(text[lo:hi])
        end = hi
    if "rest" in groups:
        lo, hi = m.span("rest")
        while lo < hi and text[lo].isspace():
            lo += 1
        if lo < hi and wraps_to_capital(text, m.start(), lo):
            return
        if hi > lo and text[lo:hi].strip():
            hi = trim_name(text, lo, hi) if not re.search(r"\d\s*$", text[lo:hi]) else hi
            if rule.type in CUT_AT_COMUNE_TYPES:
                hi = _cut_after_place(text, lo, hi)
            end = hi
        rest = unshout(tidy(text[lo:hi])) if hi > lo else ""
        if rule.type != "asl":  # "Azienda USL Toscana nord ovest" is written so
            rest = title_words(rest)
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
            fields["kind"] = " " + tidy(kind).lower() if kind.strip() else ""
            if not kind.strip() and rule.type in DEFAULT_KIND and LETTER_CODE.match(
                fields.get("rest", "")
            ):
                # "Distretto D6" is the socio-sanitary district D6, as its full name says
                fields["kind"] = " " + DEFAULT_KIND[rule.type]
    if "region" in groups:
        region = m.group("region")
        fields["region"] = REGION_NAMES.get(region, region)
    for g in groups:
        # any other named part is used as written ("Agenzia"/"Azienda" of a labour agency)
        fields.setdefault(g, tidy(m.group(g) or ""))
    value = re.sub(r"\s+", " ", rule.canonical.format(**fields)).strip()
    yield Found(m.start(), end, value, rule.type)
