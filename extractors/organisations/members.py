"""Member comuni named in a list: "Si tratta di: A, B e C", "Distretto D6 (capofila A, B, C)",
"i Comuni dell'Ambito (A, B, C)", "Napoli (7 milioni), Torino (5 milioni) e Bari".

A list is a run of names each of which is a comune in the ISTAT list, joined by commas, "e" or a
bracket between them. It names members only when words of membership come before it in its
sentence (patterns/organisations_members.toml) and no word of territory or residence comes right
before its first name: GUIDELINES counts member comuni of an ambito, not places served. A list that
goes on after a full stop or a colon ("... Montescaglioso. Nova Siri, Policoro") continues the
list before it. Short forms ("Rionero") are read inside a list only, as the comune of the same
province as the other names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extractors.base import load_patterns
from extractors.organisations.istat import (
    comune_name,
    match_comune,
    may_start_comune,
    one_of,
    provinces,
    short_form,
)
from extractors.pipetables import pipe_tables

_M = load_patterns("organisations_members")
CUES = [(c["name"], re.compile(rf"\b(?:{c['pattern']})", re.I)) for c in _M["cues"]]
PLACE_BEFORE = re.compile(_M["place_before"]["pattern"], re.I)
AMOUNT_AFTER = re.compile(_M["amount_after"]["pattern"], re.I)
MEMBER_HEADER = re.compile(_M["member_column"]["header"], re.I)
PLACES_TABLE = re.compile(_M["member_column"]["not_with"], re.I)

_CAPITAL = re.compile(r"(?<![\w'’.])[A-ZÀ-Ý][\w'’À-ÿ.]*")
# What may stand between two names of a list: a comma, "e", a semicolon, a spaced dash or slash,
# a new bullet line, a bracket after a name ("(capofila)", "(7.846.089 euro)"); never a blank
# line.
_SEP = re.compile(
    r"[ \t]*(?:\([^()\n]{0,60}\)[ \t]*)?"
    r"(?:(?:,|;|\be\b|\bed\b)[ \t\n]*(?:(?:e|ed)[ \t]+)?"
    r"|[ \t]+[-–/][ \t]+|[ \t]*\n[ \t]*[-–•*][ \t]*)"
)
_NAME_GOES_ON = re.compile(r"[ \t]+[A-ZÀ-Ý][a-zà-ù]")
_ITEM_END = re.compile(r"[,;:()\[\]]|\n[ \t]*\n|\s(?:e|ed)\s")
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÀ-Ý])|\n[ \t]*\n")
# A list that goes on after "." or ":" within this many characters continues the one before.
CONTINUE_WITHIN = 60
MIN_ITEMS = 2


@dataclass(slots=True)
class Item:
    start: int
    end: int
    name: str | None
    options: frozenset[str]


def _items(text: str) -> list[Item]:
    out: list[Item] = []
    pos = 0
    for m in _CAPITAL.finditer(text):
        if m.start() < pos or not may_start_comune(m.group(0).rstrip(".,")):
            continue
        stop = _ITEM_END.search(text, m.start(), min(len(text), m.start() + 60))
        hi = stop.start() if stop else min(len(text), m.start() + 60)
        hit = match_comune(text, m.start(), hi)
        if hit:
            end = hit[1]
            if text[end - 1] == "." and not re.search(r"\b\w\.$", text[m.start() : end]):
                end -= 1
            if _NAME_GOES_ON.match(text, end):
                # "Alto Isonzo" is no comune Alto: a list's name is never followed by another
                # capitalised word
                pos = end
                continue
            out.append(Item(m.start(), end, hit[0], frozenset()))
            pos = end
            continue
        word = m.group(0).rstrip(".")
        options = short_form(word)
        if options and not _NAME_GOES_ON.match(text, m.start() + len(word)):
            out.append(Item(m.start(), m.start() + len(word), None, options))
            pos = m.start() + len(word)
    return out


def _runs(text: str, items: list[Item]) -> list[list[Item]]:
    runs: list[list[Item]] = []
    for item in items:
        if runs and _SEP.fullmatch(text, runs[-1][-1].end, item.start):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _resolve(run: list[Item]) -> list[list[Item]]:
    """Short forms take the comune of the run's provinces; one that stays open splits the run."""
    near: set[str] = set()
    for it in run:
        if it.name:
            near |= provinces().get(it.name, set())
    out: list[list[Item]] = [[]]
    for it in run:
        if it.name is None:
            it.name = one_of(it.options, near)
        if it.name is None:
            out.append([])
        else:
            out[-1].append(it)
    return [r for r in out if r]


def _cue(text: str, start: int) -> str | None:
    """The membership cue in the sentence before ``start``, unless a place word ends it."""
    lo = max(0, start - 160)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, start)]
    lo = max([lo, *ends])
    window = text[lo:start]
    if PLACE_BEFORE.search(window):
        return None
    found = None
    for name, rx in CUES:
        for m in rx.finditer(window):
            if found is None or m.start() > found[0]:
                found = (m.start(), name)
    return found[1] if found else None


def member_lists(text: str) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, official name, rule name) of every comune read as a member in a list."""
    last_end, last_rule = -1, ""
    for raw in _runs(text, _items(text)):
        for run in _resolve(raw):
            if len(run) < MIN_ITEMS:
                continue
            rule = _cue(text, run[0].start)
            if rule is None and sum(1 for it in run if AMOUNT_AFTER.match(text, it.end)) >= 2:
                rule = "members_with_amounts"
            gap = text[last_end : run[0].start] if last_end >= 0 else ""
            if rule is None and 0 <= run[0].start - last_end <= CONTINUE_WITHIN and (
                re.search(r"[.:]", gap) and not re.search(r"\n[ \t]*\n", gap)
            ):
                rule = last_rule
            if rule is None:
                continue
            for it in run:
                assert it.name is not None
                yield it.start, it.end, it.name, rule
            last_end, last_rule = run[-1].end, rule


def member_columns(text: str) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, official name, rule name) of the comuni in a table column headed "Comune" or
    "Ente" (who attends a meeting, who receives a share): each cell that is just a comune's name
    names a member. A table that also gives population or residence lists places, not bodies."""
    if "|" not in text:
        return
    for table in pipe_tables(text):
        rows = [r for r in table.all_rows if r]
        if len(rows) <= MIN_ITEMS:
            continue
        head = rows[0]
        if any(PLACES_TABLE.search(c.text) for c in head):
            continue
        for j, cell in enumerate(head):
            if not MEMBER_HEADER.fullmatch(" ".join(cell.text.split())):
                continue
            hits = [(r[j].start, r[j].end, name) for r in rows[1:]
                    if j < len(r) and (name := comune_name(r[j].text))]
            if len(hits) >= MIN_ITEMS:
                for start, end, name in hits:
                    yield start, end, name, "members_table_column"
