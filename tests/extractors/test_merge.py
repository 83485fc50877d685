"""Several extractors reading the same characters give one claim, the labelled one."""

from __future__ import annotations

from extractors.merge import merge_claims
from models.records import Claim


def _c(kind: str, value: object, start: int, end: int, ext: str, role: str | None = None) -> Claim:
    return Claim(kind, value, "x" * (end - start), start, end, ext, role=role)


def test_same_span_keeps_the_structural_claim_and_notes_the_other() -> None:
    text_claim = _c("amount", 0.0, 10, 16, "amounts@1", role="allocated")
    card_claim = _c("amount", 0.0, 10, 16, "cards@1", role="co_financing")
    (kept,) = merge_claims([text_claim, card_claim])
    assert kept.role == "co_financing"
    assert kept.attrs["also_read_by"] == "amounts@1"


def test_same_span_prefers_a_role() -> None:
    (kept,) = merge_claims([_c("date", "2024-04-01", 0, 8, "dates@1"),
                            _c("date", "2024-04-01", 0, 8, "other@1", role="start")])
    assert kept.role == "start"


def test_text_claims_inside_a_table_row_claim_are_dropped() -> None:
    row = _c("outcome", 53.0, 100, 180, "tables@1", role="indicator")
    cell = _c("outcome", 53, 170, 175, "outcomes@1")
    other_kind = _c("date", "2017-01-01", 120, 130, "dates@1")
    elsewhere = _c("outcome", 33, 200, 202, "outcomes@1")
    assert merge_claims([cell, row, other_kind, elsewhere]) == [row, other_kind, elsewhere]


def test_different_kinds_on_one_span_both_stay() -> None:
    claims = [_c("cup", "F74H24002780007", 0, 15, "cup@1"), _c("code", "x", 0, 15, "cards@1")]
    assert len(merge_claims(claims)) == 2


def test_canonical_names_inside_a_card_value_replace_it() -> None:
    from extractors.merge import merge_claims
    from models.records import Claim

    card = Claim(kind="organisation", value="Comune di Bologna - Area Welfare", text="x",
                 start=10, end=42, extractor="cards@1.0.0", role="beneficiary",
                 attrs={"label": "Beneficiario"})
    name = Claim(kind="organisation", value="Comune di Bologna", text="x", start=10, end=27,
                 extractor="organisations@1.0.0")
    lone = Claim(kind="organisation", value="Napoli", text="x", start=60, end=66,
                 extractor="cards@1.0.0", role="intermediate_body")
    out = merge_claims([card, name, lone])
    assert [(c.value, c.role) for c in out] == [
        ("Comune di Bologna", "beneficiary"),
        ("Napoli", "intermediate_body"),
    ]


def test_containment_with_overlapping_rows_of_one_kind() -> None:
    from extractors.merge import merge_claims
    from models.records import Claim

    def c(start: int, end: int, extractor: str) -> Claim:
        return Claim(kind="date", value="2020-01-01", text="x", start=start, end=end,
                     extractor=extractor)

    long_row, short_row = c(0, 100, "tables@1.0.0"), c(10, 20, "tables@1.0.0")
    inside_long, outside = c(50, 60, "dates@1.0.0"), c(95, 105, "dates@1.0.0")
    out = merge_claims([long_row, short_row, inside_long, outside])
    assert [(x.start, x.end) for x in out] == [(0, 100), (10, 20), (95, 105)]
