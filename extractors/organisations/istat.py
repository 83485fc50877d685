"""Which words name an Italian comune: the ISTAT list shipped with python-codicefiscale.

Every spelling a text uses is reduced to one key (case, accents, apostrophes, hyphens, "j" for
"i"), so "Scanzano Ionico" finds Scanzano Jonico and "CITTA’" is no obstacle. Short and
abbreviated forms ("Rionero", "S.Giovanni Teatino", "Loreto A.") are read only when they name
one comune, or one of the province the surrounding names belong to.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources

from extractors.base import load_patterns
from extractors.common import strip_accents

_P = load_patterns("organisations")
CONNECTOR_SET = set(_P["connectors"].split("|")) | {"il", "la", "lo", "le", "gli", "i", "l'"}
_NAME_WORDS = re.compile(r"[\w'’À-ÿ\-.]+|[“\"«][^”\"»\n]+[”\"»]")
_INNER_CONNECTORS = {"di", "del", "della", "dei", "de", "nel", "nell'", "nella", "sul", "sull'"}


# Keyed by words found in texts: bounded small, as every entry (two strings and the LRU link,
# ~250 B) stays for the run; 16,384 entries still hold the ISTAT names and a text's own words.
@lru_cache(maxsize=16384)
def norm_key(s: str) -> str:
    """One key per spelling: lower case, no accents, straight apostrophes, "j" read as "i"
    ("Jonico"/"Ionico"), hyphens and runs of spaces as one space."""
    s = strip_accents(s.lower()).replace("’", "'").replace("`", "'").replace("j", "i")
    s = re.sub(r"\s*'\s*", "'", s)
    return re.sub(r"[\s\-]+", " ", s).strip()


def pretty(name: str) -> str:
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


@cache
def _rows() -> list[tuple[str, str, list[str]]]:
    """(official name, province code, aliases) of every active comune."""
    raw = (resources.files("codicefiscale") / "data" / "municipalities.json").read_text("utf-8")
    out = []
    for row in json.loads(raw):
        if row.get("active"):
            aliases = [a for a in (row["name"], row.get("name_alt"), row.get("name_trans")) if a]
            out.append((pretty(row["name"].replace("’", "'")), row.get("province") or "", aliases))
    return out


@cache
def comuni() -> dict[str, str]:
    """Normalised name → official name of every active Italian comune (python-codicefiscale)."""
    out: dict[str, str] = {}
    for name, _, aliases in _rows():
        for alias in aliases:
            out.setdefault(norm_key(alias), name)
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
def provinces() -> dict[str, set[str]]:
    """Official name → the province codes of the comuni so called (a few names repeat)."""
    out: dict[str, set[str]] = {}
    for name, prov, _ in _rows():
        out.setdefault(name, set()).add(prov)
    return out


@cache
def _joined() -> dict[str, str]:
    """Names keyed without spaces: "Porto Venere" is written for Portovenere, "Monte Rosso" for
    Monterosso; a joined form two comuni share names neither."""
    seen: dict[str, set[str]] = {}
    for key, name in comuni().items():
        seen.setdefault(key.replace(" ", ""), set()).add(name)
    return {k: v.pop() for k, v in seen.items() if len(v) == 1}


@cache
def _keys_by_initial() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for key, name in comuni().items():
        out.setdefault(key[:1], []).append((key, name))
    return out


@cache
def first_words() -> frozenset[str]:
    """The first word of every comune's name, spellings included: a capitalised word that is
    none of them starts no comune ("Ministero", "Il")."""
    return frozenset(k.split(" ")[0] for k in comuni()) | frozenset(
        k.split(" ")[0] for k in _joined()
    )


def may_start_comune(word: str) -> bool:
    """Whether a comune's name can begin with ``word`` (abbreviations always may)."""
    return "." in word or norm_key(word) in first_words()


def lookup(key: str) -> str | None:
    return comuni().get(key) or _joined().get(key.replace(" ", ""))


def comune_name(text: str) -> str | None:
    """The official name of the comune called ``text`` (any spelling or accent), or None."""
    return lookup(norm_key(text.strip()))


_ABBREV = re.compile(r"\b([a-z])\.")


# Keyed by words found in texts: bounded, so a long run does not keep every one it met
# (16,384 entries held ~7 MB; most words abbreviate nothing, so few are asked twice).
@lru_cache(maxsize=4096)
def abbreviated(raw: str) -> frozenset[str]:
    """Comuni an abbreviated name may stand for: each "X." is a word starting with X ("S.Giovanni
    Teatino" is San Giovanni Teatino, "San Valentino in A.C." is San Valentino in Abruzzo
    Citeriore). Empty when nothing is abbreviated or no comune fits."""
    key = norm_key(raw)
    if not _ABBREV.search(key) or len(key) < 4:
        return frozenset()
    parts = []
    for token in re.split(r"(\b[a-z]\.)", key):
        if re.fullmatch(r"[a-z]\.", token):
            parts.append(token[0] + r"[\w']*\s*")
        else:
            parts.append(re.escape(token))
    pattern = re.compile("".join(parts).rstrip() + r"\s*")
    return frozenset(
        name for k, name in _keys_by_initial().get(key[:1], ()) if pattern.fullmatch(k)
    )


@lru_cache(maxsize=4096)
def short_form(word: str) -> frozenset[str]:
    """Comuni whose official name is this word and more words after it ("Rionero" for Rionero
    in Vulture and for Rionero Sannitico): a list of neighbours then says which one."""
    key = norm_key(word)
    if " " in key or len(key) < 4 or lookup(key):
        return frozenset()
    return frozenset(
        name for k, name in _keys_by_initial().get(key[:1], ()) if k.startswith(key + " ")
    )


def one_of(names: frozenset[str], near: set[str] | None = None) -> str | None:
    """The one name of ``names``, or the one whose province is among ``near``."""
    if len(names) == 1:
        return next(iter(names))
    if near:
        fit = [n for n in names if provinces().get(n, set()) & near]
        if len(fit) == 1:
            return fit[0]
    return None


def match_comune(
    text: str, start: int, end: int, article: str = "", near: set[str] | None = None
) -> tuple[str, int] | None:
    """Longest run of words from ``start`` that names a comune: (official name, end offset)."""
    ends = [start + m.end() for m in _NAME_WORDS.finditer(text[start:end])]
    for stop in reversed(ends):
        raw = text[start:stop]
        if raw[-1] in "-–":
            continue  # a dash between names ("Sciacca - Menfi") ends the name before it
        found = lookup(norm_key(article + raw.rstrip(".,")))
        if not found and "." in raw:
            found = one_of(abbreviated(article + raw.rstrip(",")), near)
        if found:
            return found, stop
    return None


PAIR = re.compile(r"[A-ZÀ-Ý][\w'’À-ÿ]*(?:[ \t]+[A-ZÀ-Ý][\w'’À-ÿ]*)?(?:-[A-ZÀ-Ý][\w'’À-ÿ]*)+")


def match_pair(text: str, start: int, end: int) -> tuple[str, int] | None:
    """A province named after its comuni ("Forlì-Cesena", "Barletta-Andria-Trani"): each part a
    comune, the name kept as written."""
    m = PAIR.match(text, start, end)
    if m is None or not all(comune_name(part) for part in m.group(0).split("-")):
        return None
    return m.group(0), m.end()


def article_of(m: re.Match[str]) -> str:
    """The article a comune's name begins with when "di" merged with it: "dell'Aquila" is
    L'Aquila, "della Spezia" is La Spezia."""
    if "article" not in m.re.groupindex or not m.group("article"):
        return ""
    return "l'" if m.group("article")[-1] in "'’" else "la "
