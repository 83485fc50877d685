"""How a body's name is read from text: the macros rules are written with ({PLACE}, {ORG},
{QUOTED}, {REGION}), where a name stops and how it is tidied.

A name stops at a stop word, at the type word of another body, at a word that only says where
("nell'ambito"); a name printed in capitals is title-cased and "CITTA'" read as "Città".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.base import load_patterns
from extractors.common import line_start

# Rules are kept by what they recognise: places and areas (organisations.toml, with the word
# lists every rule shares), public bodies, third sector and firms.
RULE_FILES = ("organisations", "organisations_public", "organisations_third_sector")


def _load() -> dict:
    """The pattern files as one table: word lists and maps merged, rules in file order."""
    merged: dict = {}
    rules: list[dict] = []
    for name in RULE_FILES:
        part = load_patterns(name)
        rules += part.get("rules", [])
        merged.update({k: v for k, v in part.items() if k != "rules"})
    merged["rules"] = rules
    return merged


PATTERNS = _load()
CONNECTORS = PATTERNS["connectors"]
# A capitalised word; dotted abbreviations ("Sol.Co.", "Scu.Ter") keep their dots.
WORD = r"(?:[A-ZÀ-Ý]\w*(?:\.[A-Za-z]\w*)+\.?|[A-ZÀ-Ý][\w'’À-ÿ\-]*)"
SP = r"[ \t\u00a0]+"
# "d'Italia", "de' Paoli", "e dell'Alto Lario": elided connectors before a capitalised word.
_ELIDED = r"(?:(?:e|ed)[ \t]+)?(?:d|de|dell|nell|sull|all)['’]\s?"
PLACE = (
    rf"{WORD}(?:(?:{SP}(?:{CONNECTORS}){SP}|{SP}|{SP}{_ELIDED})"
    rf"{WORD}){{0,4}}"
)
# A place inside a list of comuni may wrap onto the next line ("Civitella in Val di\nChiana"):
# each item is checked against the ISTAT list, so crossing a line cannot invent a name.
PLACE_NL = (
    rf"{WORD}(?:(?:\s+(?:{CONNECTORS})\s+|\s+|\s+(?:d|dell|nell|sull|all)['’]\s?)"
    rf"{WORD}){{0,4}}"
)
QUOTED = r"[“\"«][^”\"»\n]{2,60}[”\"»]"
# Inside a free name "in" starts the place where a body sits ("Unione Montana Valle Susa in
# Bussoleno"), so it joins words of places only.
_CONN_NO_E = "|".join(c for c in CONNECTORS.split("|") if c not in ("e", "ed", "in"))
_ARTICLE = rf"(?:(?:il|la|lo|le|gli|i){SP}|l['’])"
# Inside a name "e"/"ed" joins words ("Politiche Sociali e Lavoro") but never an article: "X e la
# Misericordia" is a list of two bodies. Other connectors may take one ("Fondazione Con il Sud").
# A name may hold a lower-case phrase "per i bambini" when a capitalised word follows it
# ("Fondazione Città della Pace per i bambini Basilicata"); the phrase's noun is never one of the
# words that introduce what a body does rather than what it is called ("per il progetto Alfa").
_NOT_IN_NAME = "|".join(PATTERNS["not_in_name"])
_LOWER_PHRASE = (
    rf"(?:{PATTERNS['name_phrase_connectors']}){SP}{_ARTICLE}?(?!(?:{_NOT_IN_NAME})\b)[a-zà-ù]{{3,}}{SP}"
)
ORG = (
    rf"{QUOTED}|{WORD}(?:(?:{SP}(?:(?:e|ed){SP}|{_LOWER_PHRASE}"
    rf"|(?:{_CONN_NO_E}){SP}{_ARTICLE}?|{_ARTICLE})?"
    rf"|{SP}{_ELIDED}){WORD}){{0,5}}"
    # a demonym closing a name: "Unione dei Comuni della Romagna forlivese"
    rf"(?:{SP}[a-zà-ù]{{3,}}(?:ese|ense|asca|asco|iano|iana)\b)?"
)
REGION = "|".join(sorted((re.escape(r) for r in PATTERNS["regions"]), key=len, reverse=True))
REGION_NAMES: dict[str, str] = PATTERNS["region_names"]
STOP = set(PATTERNS["stop_words"])
# Bodies named after a comune: a longer name of the same type is another body.
PLACE_TYPES = {"comune", "provincia", "cpi", "prefettura", "citta_metropolitana"}
GENITIVES = {"di", "del", "della", "dei", "delle", "degli", "dello"}
HOUSING_ACRONYMS: dict[str, str] = PATTERNS["housing_acronyms"]
LEGAL_SUFFIXES = {
    "Onlus", "ONLUS", "ODV", "OdV", "Odv", "APS", "Aps", "ETS", "S.r.l.", "Srl", "SCS", "S.C.S.",
    "scs", "s.c.s.", "Ets", *PATTERNS["legal_suffixes"],
}
# In a name printed in capitals case says nothing: these words, which in lower case join a name
# only before a capitalised word, end it there ("AMBITO N14 ALLA COOPERATIVA ...").
CAPITAL_ENDERS = set(PATTERNS["capital_enders"])
# ... and these only before a word that says what a body does (``not_in_name``).
CAPITAL_ENDERS_BEFORE_ACTIVITY = set(PATTERNS["capital_enders_before_activity"])
NOT_IN_NAME_WORDS = set(PATTERNS["not_in_name"])
# Body words that are also plain nouns or adjectives ("Cantiere Comune", "Fondazione Esina per le
# Comunità"): closing a name, with no name of their own after them, they are part of it.
NOUN_BODY_WORDS = set(PATTERNS["noun_body_words"])
BODY_WORDS = set(PATTERNS["body_words"])
STRIP_CONNECTOR_TYPES = set(PATTERNS["strip_connector_types"])
LEADING_CONNECTOR = re.compile(r"^(?:della|delle|dello|degli|dei|dell'|del|di)\s*", re.I)
GENERIC = {g.lower() for g in PATTERNS["generic_names"]}
NOT_BODIES = set(PATTERNS["not_bodies"])
# The kind a body named by a letter code has when the text leaves it out ("Distretto D6").
DEFAULT_KIND: dict[str, str] = PATTERNS["default_kind"]
LETTER_CODE = re.compile(r"[A-Z]{1,2}[ /_]?\d{1,2}(?:\.\d)?$")
CONNECTOR_SET = set(CONNECTORS.split("|")) | {"il", "la", "lo", "le", "gli", "i", "l'"}
_NAME_WORDS = re.compile(r"[\w'’À-ÿ\-.]+|[“\"«][^”\"»\n]+[”\"»]")


def trim_name(text: str, start: int, end: int) -> int:
    """Cut a capitalised run at the first stop word and drop trailing connectors."""
    words = [(m.group(0), start + m.end()) for m in _NAME_WORDS.finditer(text[start:end])]
    if words and words[0][0].lower() in ("e", "ed"):
        return start  # "IL CONSORZIO E IL SUO TERRITORIO": a conjunction opens no name
    keep = 0
    first = next((i for i, (w, _) in enumerate(words) if w.lower() not in CONNECTOR_SET), 0)
    for i, (w, _) in enumerate(words):
        core = re.split(r"['’]", w.strip("“\"«”»"))[-1]
        # "Fondazione Provinciale della Comunità Comasca": a body word after "della" is part of
        # the name; after anything else ("Laghi con la Comunità di ...") another body begins.
        genitive = i > 0 and (words[i - 1][0].lower() in GENITIVES or w.lower()[:5] == "dell'")
        # "COMUNITÀ NELL'AMBITO DEL PIANO": "nell'..." says where, never part of a name
        context = w.lower().startswith(("nell'", "nell’"))
        shouted = i > first and w.isupper() and _ends_shouted_name(words, i)
        if context or shouted or (i > first and (
            core in STOP or (core in BODY_WORDS and not genitive and not _noun_closing(words, i))
        )):
            break
        keep = i + 1
    while keep > 0 and (
        # an all-capitals code ("ASL LE", "ASL AT") is no connector
        (words[keep - 1][0].lower() in CONNECTOR_SET and not words[keep - 1][0].isupper())
        or words[keep - 1][0] in LEGAL_SUFFIXES
    ):
        keep -= 1
    return words[keep - 1][1] if keep else start


def _ends_shouted_name(words: list[tuple[str, int]], i: int) -> bool:
    """In capitals, a preposition with an article ends a name; "PER"/"CON" end it only before
    a word that says what a body does ("... SOLIDALE PER IL SERVIZIO DI ...", but "FONDAZIONE
    MEDITERRANEA PER L'INCLUSIONE")."""
    low = words[i][0].lower().replace("’", "'")
    if low in CAPITAL_ENDERS or (low.split("'")[0] + "'" in CAPITAL_ENDERS and "'" in low):
        return True
    if low not in CAPITAL_ENDERS_BEFORE_ACTIVITY:
        return False
    nxt = [x.lower().replace("’", "'") for x, _ in words[i + 1 : i + 3]]
    if nxt and nxt[0] in CONNECTOR_SET:
        nxt = nxt[1:]
    elif nxt and "'" in nxt[0]:
        nxt = [nxt[0].split("'", 1)[1]]
    return bool(nxt) and nxt[0] in NOT_IN_NAME_WORDS


def _noun_closing(words: list[tuple[str, int]], i: int) -> bool:
    """A body word that closes the name right after a name word ("Cantiere Comune") or after
    "per" and an article ("per le Comunità") is a noun of the name, not another body."""
    w = words[i][0]
    if w not in NOUN_BODY_WORDS or i != len(words) - 1:
        return False
    before = [x.lower() for x, _ in words[max(0, i - 2) : i]]
    if before and before[-1] not in CONNECTOR_SET:
        return True
    # "per il Comune" says whom a body works for; "per la Comunità" may close its name.
    return w != "Comune" and before[:1] == ["per"] and len(before) == 2 and (
        before[1] in CONNECTOR_SET)


_ACCENTED = {"A": "À", "E": "È", "I": "Ì", "O": "Ò", "U": "Ù", "a": "à", "e": "è", "i": "ì",
             "o": "ò", "u": "ù"}


def tidy(s: str) -> str:
    # "CITTA’ DI BOLOGNA", "Universita'": an apostrophe after a final vowel is its accent
    s = re.sub(r"(?<=\w\w)([AEIOUaeiou])['’`](?=\s|$)", lambda m: _ACCENTED[m.group(1)], s)
    s = s.replace("’", "'").replace("`", "'").strip(" ,.;:“”\"«»")
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"(?<!\bde)'\s+", "'", s)  # "de' Paoli" keeps its space
    return s


_ARTICLES = {"il", "la", "lo", "le", "gli", "i"}


def unshout(s: str) -> str:
    """A name printed all in capitals (a letterhead) in title case: "TERRE DI PIANURA" becomes
    "Terre di Pianura". A single capitalised word stays as it is: it may be an acronym."""
    if any(ch.islower() for ch in s):
        return s
    words = s.split(" ")
    # "DI FERMO" is a connector and a name in capitals; "CISS" alone may be an acronym
    if sum(1 for w in words if re.search(r"[A-ZÀ-Ý]{2}", w)) < 2:
        return s
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        if low in CONNECTOR_SET:
            # "LA RETE" is "La Rete"; "DI FERMO" after a type word is "di Fermo"
            out.append(low.capitalize() if i == 0 and low in _ARTICLES else low)
        elif "'" in low:
            head, _, tail = low.partition("'")
            out.append(f"{head.capitalize() if i == 0 else head}'{tail.capitalize()}")
        else:
            out.append("-".join(part.capitalize() for part in low.split("-")))
    return " ".join(out)


def title_words(s: str) -> str:
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
    rule: str = ""


def wraps_to_capital(text: str, start: int, name_start: int) -> bool:
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
