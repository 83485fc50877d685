"""Property: whatever documents and claims a batch holds, loading never raises, every document
either lands or is a ``problems`` row, and loading the same batch again changes nothing."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.records import Claim, Document, Table
from warehouse import load
from warehouse.db import connect

odd_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=60
) | st.sampled_from(["", "\x00", "\ud800", "€ 1.000,00", "a" * 5000, "\u202e\u0301"])
maybe_text = st.none() | odd_text
odd_number = st.none() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True,
                                                                       allow_infinity=True)
json_like = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | odd_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=8,
)
when = st.none() | st.dates(min_value=date(1, 1, 1)) | st.sampled_from(["2024-02-30", "ieri"])
stamp = st.none() | st.datetimes() | st.sampled_from(["2026-01-01T10:00:00", "not a time"])


@st.composite
def claim(draw: Any) -> Claim:
    start = draw(st.none() | st.integers(-5, 10**12))
    return Claim(
        kind=draw(st.sampled_from(["amount", "date", "organisation", "outcome", "cup"])),
        value=draw(odd_number | odd_text | st.booleans()),
        text=draw(maybe_text),
        start=start,
        end=draw(st.none() | st.integers(-5, 10**12)),
        extractor=draw(st.sampled_from(["amounts@1", "dates@1", None])),
        role=draw(maybe_text),
        unit=draw(maybe_text),
        confidence=draw(odd_number),
        attrs=draw(st.dictionaries(odd_text, json_like, max_size=3)),
    )


@st.composite
def item(draw: Any) -> dict[str, Any]:
    tables = draw(st.lists(st.builds(
        Table,
        header=st.lists(odd_text, max_size=3),
        rows=st.lists(st.lists(odd_text, max_size=3), max_size=3),
        page=st.none() | st.integers(-(10**12), 10**12),
        row_pages=st.none() | st.lists(st.integers(-(10**12), 10**12), max_size=3),
    ), max_size=2))
    document = Document(
        text=draw(odd_text),
        title=draw(maybe_text),
        published=draw(when),
        updated=draw(when),
        tables=tables,
        pages=draw(st.none() | st.integers(-(10**20), 10**20)),
        ocr_confidence=draw(odd_number),
        signer=draw(maybe_text),
        metadata=draw(st.dictionaries(odd_text, json_like, max_size=3)),
    )
    return {
        "sha256": draw(st.sampled_from(["a" * 64, "b" * 64, "c" * 64, "\ud800x", ""])),
        "url": draw(maybe_text),
        "source_id": draw(maybe_text),
        "document": document,
        "nlp_model": draw(maybe_text),
        "claims": draw(st.none() | st.lists(claim(), max_size=4)),
        "parsed_at": draw(stamp),
        "extracted_at": draw(stamp),
    }


def _snapshot(con: Any) -> dict[str, list[tuple]]:
    queries = {
        "documents": "SELECT * FROM documents ORDER BY sha256",
        "document_tables": "SELECT * FROM document_tables ORDER BY sha256, table_no",
        "claims": "SELECT * FROM claims ORDER BY claim_id",
        "problems": "SELECT problem_id, stage, sha256, reason FROM problems ORDER BY problem_id",
    }
    return {name: [tuple(map(repr, row)) for row in con.execute(sql).fetchall()]
            for name, sql in queries.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(st.lists(item(), max_size=4))
def test_load_never_raises_and_a_second_load_changes_nothing(batch: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as folder, connect(Path(folder) / "w.duckdb") as con:
        load.load_documents(con, batch, run_id="p")
        first = _snapshot(con)
        stored = {row[0] for row in con.execute("SELECT sha256 FROM documents").fetchall()}
        refused = {row[0] for row in con.execute(
            "SELECT sha256 FROM problems WHERE stage = 'load'").fetchall()}
        for it in batch:  # every document landed or says why not
            assert load._str(it["sha256"]) in stored | refused
        load.load_documents(con, batch, run_id="p")
        assert _snapshot(con) == first
