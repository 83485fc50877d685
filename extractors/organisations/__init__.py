"""Named organisations, one canonical name each, with a role: lead, partner, funder, delivery.

"Comune di X" is a claim only when X is an Italian comune in the ISTAT list shipped with
python-codicefiscale (read as package data, so no list is typed here); "CPI di Livorno" and
"Centro per l'impiego di Livorno" give the same canonical name. Only patterns that name a body
match, so people, generic classes ("i Comuni", "enti del Terzo settore") and internal offices
(Giunta, Settore, Ufficio) never become organisations.

The package is split by what it recognises: istat.py (which words name a comune), members.py
(member comuni listed by name), rules.py with patterns/organisations*.toml (public bodies,
areas, third sector, each rule named and with examples), firms.py (names before a legal form),
canon.py (one canonical name per body in a document), roles.py. Every claim records the rule that
read it in ``attrs["rule"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

from extractors import orgmodel
from extractors.base import Context, make_claim
from extractors.organisations.canon import (
    district_letter,
    drop_bare_kinds,
    drop_letterhead_address,
    drop_premises,
    drop_units_and_acronyms,
    fuller_names,
    one_name_per_area,
)
from extractors.organisations.istat import comune_name as comune_name
from extractors.organisations.istat import comuni as comuni
from extractors.organisations.names import Found
from extractors.organisations.names import unshout as unshout
from extractors.organisations.roles import roles_of
from extractors.organisations.rules import ASL_KINDS, candidates
from extractors.organisations.rules import RULES as RULES
from extractors.organisations.rules import _matches as _matches
from models.records import Claim

ASL_KIND_NAMES = set(ASL_KINDS.values())
NAME = "organisations"
VERSION = "1.9.0"


def extract(ctx: Context) -> Iterator[Claim]:
    """Candidates from every reader (a statistical model's spans can join them here), the longest
    of overlapping ones kept, then one canonical name per body and a role each."""
    text = ctx.text
    kept: list[Found] = []
    for f in sorted(candidates(text), key=lambda f: (f.start, -(f.end - f.start))):
        if f.end <= f.start:
            continue
        if kept and f.start < kept[-1].end:
            if f.end - f.start > kept[-1].end - kept[-1].start and f.start >= kept[-1].start:
                kept[-1] = f
            continue
        kept.append(f)
    kept = drop_bare_kinds(fuller_names(drop_units_and_acronyms(text, kept)), ASL_KIND_NAMES)
    kept = drop_letterhead_address(text, drop_premises(text, kept))
    kept = one_name_per_area(district_letter(kept))
    roles = roles_of(text, kept)
    claims = [
        make_claim(NAME, VERSION, "organisation", f.value, text, f.start, f.end,
                   type=f.type, role=role, attrs={"rule": f.rule})
        for f, role in zip(kept, roles, strict=True)
    ]
    # The statistical model (extractors/orgmodel.py) adds names no rule knows, when enabled;
    # it stays the last step, after the rules have chosen their names.
    yield from orgmodel.add_model_claims(claims, ctx)
