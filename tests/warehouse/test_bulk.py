"""The bulk load path builds the very frames the row-by-row path builds, for any batch."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_load_properties import item

from models.records import Claim, Document
from warehouse import load
from warehouse.bulk import bulk_frames


def _rows(frames: dict[str, Any]) -> dict[str, list[str]]:
    # repr per value: NaN, -0.0 and the exact type all count.
    return {name: [repr(sorted(r.items())) for r in t.to_pylist()]
            for name, t in frames.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(st.lists(item(), max_size=4))
def test_bulk_frames_equal_row_frames(batch: list[dict]) -> None:
    try:
        careful = load._row_frames(batch)
    except Exception:
        careful = None
    try:
        fast = bulk_frames(batch)
    except Exception:
        return  # the loader then takes the careful path
    assert careful is not None, "the bulk path took a batch the careful path refuses"
    for name in careful:
        assert fast[name].schema == careful[name].schema, name
    assert _rows(fast) == _rows(careful)


def _doc(n: int, claims: list[Claim]) -> dict[str, Any]:
    return {"sha256": f"{n:064x}", "url": f"http://127.0.0.1/{n}", "source_id": "s",
            "document": Document(text="testo " * 20), "nlp_model": "m", "claims": claims,
            "parsed_at": "2025-01-01T00:00:00", "extracted_at": "2025-01-01T00:00:01"}


@pytest.mark.parametrize("odd", [
    {"text": "importo \ud800"},            # a lone surrogate in a text column
    {"start": 2**40},                      # past 32 bits
    {"start": True},                       # a boolean is no offset
    {"confidence": True},
    {"value": 7},                          # a number in the value column
    {"attrs": {"x": float("nan")}},        # not JSON
    {"attrs": {"a": -0.0, "b": 0.0}},
])
def test_odd_values_load_as_the_careful_path_loads_them(odd: dict[str, Any],
                                                        tmp_path: Any) -> None:
    from warehouse.db import connect

    base = {"kind": "amount", "value": 1.5, "text": "testo", "start": 0, "end": 5,
            "extractor": "amounts@1"}
    batch = [_doc(n, [Claim(**{**base, "start": n + 10, **odd}), Claim(**base)]) for n in range(3)]
    assert _rows(bulk_frames(batch)) == _rows(load._row_frames(batch))
    with connect(tmp_path / "bulk.duckdb") as con:
        load.load_documents(con, batch, run_id="r")
        got = _tables(con)
    with connect(tmp_path / "careful.duckdb") as con:
        ok: list[str] = []
        problems: list[dict[str, Any]] = []
        load._write_split(con, batch, "r", ok, problems)
        load.load_problems(con, problems)
        assert _tables(con) == got


def _tables(con: Any) -> dict[str, list[tuple]]:
    cols = {"documents": "*", "claims": "*", "problems": "* EXCLUDE (occurred_at)"}
    return {t: [tuple(map(repr, r)) for r in con.execute(
        f"SELECT {c} FROM {t} ORDER BY ALL").fetchall()] for t, c in cols.items()}


def test_a_bad_document_in_a_large_batch_is_alone_in_its_problem(tmp_path: Any) -> None:
    """Halving finds the one document that cannot be stored; the other 99 land."""
    from warehouse.db import connect

    base = {"kind": "amount", "value": 1.5, "text": "testo", "start": 0, "end": 5,
            "extractor": "amounts@1"}
    batch = [_doc(n, [Claim(**base)]) for n in range(100)]
    batch[37] = {**batch[37], "document": Document(text="x", metadata={(1, 2): "chiave"})}
    with connect(tmp_path / "w.duckdb") as con:
        assert load.load_documents(con, batch, run_id="r") == 99
        rows = con.execute("SELECT sha256, stage FROM problems").fetchall()
        assert rows == [(f"{37:064x}", "load")]
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] == 99
