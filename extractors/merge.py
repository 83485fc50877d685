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
    named = [c for c in claims if c.kind == "organisation" and not _structural(c)]
    drop: set[int] = set()
    for card in cards:
        inside = [n for n in named if card.start <= n.start and n.end <= card.end]
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
    out = []
    for c in merged:
        inside = not _structural(c) and any(
            r.kind == c.kind and r.start <= c.start and c.end <= r.end and (r.start, r.end)
            != (c.start, c.end)
            for r in rows
        )
        if not inside:
            out.append(c)
    return out
