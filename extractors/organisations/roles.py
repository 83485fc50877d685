"""The role of each organisation (lead, partner, funder, delivery) from the words around it;
names joined in a list share one.
"""

from __future__ import annotations

import re

from extractors.common import group_to_role, keyword_pattern
from extractors.organisations.names import PATTERNS, Found

ROLE_RE = keyword_pattern(PATTERNS["roles"])
AFTER_ROLE_RE = keyword_pattern(PATTERNS["after_roles"])
_LIST_SEP = re.compile(
    r"^[\s,;/]*(?:(?:e|ed|nonché|oltre a)\b)?[\s,]*"
    r"(?:(?:il|la|lo|i|gli|le|al|alla|ai|dal|dalla)\b|l['’])?\s*$",
    re.I,
)
_SENT_END = re.compile(r"[.!?](?=\s+[A-ZÀ-Ý\"“«(])|;|\n\s*\n|\n(?=\s*[-•*])")


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


def roles_of(text: str, found: list[Found]) -> list[str | None]:
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
