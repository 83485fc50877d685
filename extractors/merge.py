"""One claim per fact: reconcile what several extractors said about the same characters.

Text extractors (amounts, dates, outcomes…) and structural ones (tables, cards) may read the
same span. Structural extractors know the label or column, so their reading wins:

- claims of one kind with the same span collapse to one, preferring a structural claim, then
  one with a role; the loser's extra attributes are kept;
- a text claim lying inside the span of a structural claim of the same kind (a table row) is
  dropped, since the row's claim already carries that cell with its column's meaning;
- except for organisations: a card value such as "Comune di Bologna - Area Welfare" is raw
  text, so the canonical names found inside it win and the raw card claim is dropped.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace

from models.records import Claim

STRUCTURAL = ("tables@", "cards@")


def _structural(c: Claim) -> bool:
    return c.extractor.startswith(STRUCTURAL)


def _rank(c: Claim) -> tuple[int, int]:
    return (0 if _structural(c) else 1, 0 if c.role else 1)


def _named_bodies(claims: list[Claim]) -> list[Claim]:
    """A card's organisation value ("Comune di Bologna - Area Welfare ...") is raw text; where
    the organisations extractor found canonical names inside it, those stay (taking the card's
    role when they have none) and the raw card claim goes."""
    cards = [c for c in claims if c.kind == "organisation" and _structural(c)]
    if not cards:
        return claims
    named = sorted(
        (c for c in claims if c.kind == "organisation" and not _structural(c)),
        key=lambda c: c.start,
    )
    named_starts = [n.start for n in named]
    drop: set[int] = set()
    for card in cards:
        lo = bisect_left(named_starts, card.start)
        hi = bisect_right(named_starts, card.end)
        inside = [n for n in named[lo:hi] if n.end <= card.end]
        if not inside:
            continue
        drop.add(id(card))
        for n in inside:
            if n.role is None:
                n.role = card.role
            n.attrs.setdefault("label", card.attrs.get("label"))
    return [c for c in claims if id(c) not in drop]


def merge_claims(claims: list[Claim]) -> list[Claim]:
    """Return ``claims`` without same-span duplicates or text claims inside table rows."""
    claims = _named_bodies(claims)
    by_span: dict[tuple[str, int, int], Claim] = {}
    for c in claims:
        key = (c.kind, c.start, c.end)
        kept = by_span.get(key)
        if kept is None:
            by_span[key] = c
            continue
        best, other = (c, kept) if _rank(c) < _rank(kept) else (kept, c)
        attrs = {**other.attrs, **best.attrs}
        if other.extractor != best.extractor:
            attrs.setdefault("also_read_by", other.extractor)
        by_span[key] = replace(best, attrs=attrs)
    merged = sorted(by_span.values(), key=lambda c: (c.start, c.end, c.kind))
    rows = [c for c in merged if _structural(c) and c.end - c.start > 0]
    if not rows:
        return merged
    # Per kind, rows sorted by start with the furthest end reached so far: a claim lies inside
    # some row of its kind iff the rows starting at or before it reach past its end. (Same-span
    # claims of one kind were merged above, so a row never "contains" its own span here.)
    # O(n log n): a 300-page document costs per claim what a page does.
    index: dict[str, tuple[list[int], list[int]]] = {}
    for r in rows:  # already in start order
        starts, reach = index.setdefault(r.kind, ([], []))
        starts.append(r.start)
        reach.append(max(r.end, reach[-1]) if reach else r.end)
    out = []
    for c in merged:
        if not _structural(c) and c.kind in index:
            starts, reach = index[c.kind]
            i = bisect_right(starts, c.start) - 1
            if i >= 0 and reach[i] >= c.end:
                continue
        out.append(c)
    return out
