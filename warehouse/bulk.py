"""The load's fast path: a batch's claims built column by column into Arrow arrays.

``warehouse.load`` builds a dict per claim and passes every value through its coercion
(``_str``, ``_int``, ``_json``...): safe for any value a damaged or hand-edited file may hold,
but a dozen Python calls per claim. Here each column is gathered as the claims hold it and
handed to Arrow with the column's type; Arrow refuses anything that is not already of that
type (a number in a text column, a lone surrogate, an integer past 32 bits), and only that
column is then built again value by value through the same coercion. Values that Arrow would
take but the coercion changes (booleans and floats in integer columns, for instance) are
checked for before. The frames are therefore the ones ``warehouse.load._row_frames`` builds,
value for value (tests/warehouse/test_bulk.py checks it on generated odd batches); anything
unexpected raises, and the caller falls back to the row-by-row path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa

from warehouse import load as L

_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str, allow_nan=False).encode
# Values whose JSON text depends only on (type, value): floats are left out (0.0 == -0.0).
_SCALARS = (str, int, bool, type(None))


_STR_OR_NONE = {str, type(None)}


def _text(values: list[Any], large: bool = False) -> pa.Array:
    kind = pa.large_string() if large else pa.string()
    if set(map(type, values)) <= _STR_OR_NONE:
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowException, UnicodeEncodeError):  # a lone surrogate
            pass
    return pa.array([L._str(v) for v in values], type=kind)


def _ints(values: list[Any]) -> pa.Array:
    if set(map(type, values)) <= {int}:
        try:
            return pa.array(values, type=pa.int32())
        except (pa.ArrowException, OverflowError):
            pass
    return pa.array([L._int(v) for v in values], type=pa.int32())


def _floats(values: list[Any], coerce: Callable[[Any], float | None]) -> pa.Array:
    if set(map(type, values)) <= {float}:
        return pa.array(values, type=pa.float64())
    return pa.array([coerce(v) for v in values], type=pa.float64())


def _attrs_json(values: list[Any]) -> list[str]:
    """``L._json`` of each value, remembered for flat dicts (most claims share a few shapes)."""
    seen: dict[tuple, str] = {}
    out = []
    for v in values:
        if type(v) is dict:
            if not v:
                out.append("{}")
                continue
            if all(type(x) in _SCALARS for x in v.values()) and all(
                    type(k) is str for k in v):
                key = tuple((k, type(x), x) for k, x in v.items())
                text = seen.get(key)
                if text is None:
                    text = seen[key] = _json_of(v)
                out.append(text)
                continue
        out.append(_json_of(v))
    return out


def _json_of(value: Any) -> str:
    try:
        text = _ENCODE(value)
    except (ValueError, TypeError, RecursionError):
        return L._json(value)
    return L._str(text) or "null"


# The claim key of ``L.claim_key``, computed by DuckDB over the frame's own columns (the text
# of an integer offset is the same in both; text columns already hold ``L._str`` of each
# part), so a million keys cost a vectorised pass instead of a million Python calls. Rows
# come back in their order (DuckDB keeps insertion order when no ORDER BY is given).
_KEYS = """
    SELECT sha1(concat_ws(chr(31), coalesce(sha256, ''), coalesce(extractor, ''),
                          coalesce(kind, ''), coalesce(CAST(start_char AS VARCHAR), ''),
                          coalesce(CAST(end_char AS VARCHAR), ''), coalesce(value, ''),
                          coalesce(role, ''))) AS claim_id
      FROM unkeyed
"""


def _keyed(table: pa.Table) -> pa.Table:
    """``table`` with its claim keys filled in; a claim named twice keeps its first row, as
    in the row-by-row path."""
    import duckdb

    if not table.num_rows:
        return table
    con = duckdb.connect()
    try:
        con.register("unkeyed", table)
        keys = con.execute(_KEYS).to_arrow_table()
        con.register("keys", keys)
        distinct = con.execute("SELECT count(DISTINCT claim_id) FROM keys").fetchone()[0]
    finally:
        con.close()
    ids = keys.column(0).cast(pa.string())
    if len(ids) != table.num_rows:
        raise RuntimeError("DuckDB returned a key count unlike the claims'")
    table = table.set_column(0, "claim_id", ids)
    if distinct == table.num_rows:
        return table
    seen: set[str] = set()
    keep = [n for n, cid in enumerate(ids.to_pylist()) if not (cid in seen or seen.add(cid))]
    return table.take(pa.array(keep, type=pa.int64()))


def _claims(items: Sequence[dict[str, Any]]) -> pa.Table:
    shas: list[Any] = []
    stamps: list[Any] = []
    picked: list[Any] = []
    for it in items:
        claims = it.get("claims")
        if not claims:
            continue
        sha = L._str(it["sha256"])
        stamp = L._stamp(it.get("extracted_at"))
        n = len(claims)
        shas.extend([sha] * n)
        stamps.extend([stamp] * n)
        picked.extend(claims)
    values = [c.value for c in picked]
    starts = [c.start for c in picked]
    ends = [c.end for c in picked]
    columns = {
        "claim_id": pa.nulls(len(picked), type=pa.string()),
        "sha256": pa.array(shas, type=pa.string()),
        "kind": _text([c.kind for c in picked]),
        "value": _text([v if type(v) is str or v is None else L._str(v) for v in values]),
        "value_num": pa.array([v if type(v) is float else L._num(v) for v in values],
                              type=pa.float64()),
        "unit": _text([c.unit for c in picked]),
        "currency": _text([c.currency for c in picked]),
        "role": _text([c.role for c in picked]),
        "precision": _text([c.precision for c in picked]),
        "type": _text([c.type for c in picked]),
        "status": _text([c.status for c in picked]),
        "start_char": _ints(starts),
        "end_char": _ints(ends),
        "quote": _text([c.text for c in picked], large=True),
        "extractor": _text([c.extractor for c in picked]),
        "confidence": _floats([c.confidence for c in picked], L._float),
        "attrs": pa.array(_attrs_json([c.attrs for c in picked]), type=pa.large_string()),
        "extracted_at": pa.array(stamps, type=pa.timestamp("us")),
    }
    table = pa.Table.from_arrays(list(columns.values()), schema=L._CLAIM_SCHEMA)
    if not (table["start_char"].null_count or table["end_char"].null_count):
        return _keyed(table)
    # An offset that is no 32-bit integer: the column holds NULL, the key hashes its text.
    # Rare enough for the keys to be made one by one.
    ids = [L.claim_key(sha or "", c) for sha, c in zip(shas, picked, strict=True)]
    seen: set[str] = set()
    keep = [n for n, cid in enumerate(ids) if not (cid in seen or seen.add(cid))]
    table = table.set_column(0, "claim_id", pa.array(ids, type=pa.string()))
    return table.take(pa.array(keep, type=pa.int64()))


def bulk_frames(items: Sequence[dict[str, Any]]) -> dict[str, pa.Table]:
    """The frames ``warehouse.load._row_frames`` gives for ``items``, built column-wise for
    claims (documents and tables are few: they keep their row-wise coercions)."""
    import gc

    # A batch makes a few million small objects and no cycles: the cyclic collector, run
    # again and again over them meanwhile, would find nothing and cost a good share.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _frames(items)
    finally:
        if enabled:
            gc.enable()


def _frames(items: Sequence[dict[str, Any]]) -> dict[str, pa.Table]:
    docs = [L._doc_row(it) for it in items]
    tables = [row for it in items for row in L._table_rows(it)]
    return {
        "doc_df": L._arrow(docs, L._DOC_SCHEMA),
        "sha_df": L._arrow([{"sha256": d["sha256"]} for d in docs], L._SHA_SCHEMA),
        "ext_df": L._arrow(
            [{"sha256": L._str(it["sha256"])} for it in items if it.get("claims") is not None],
            L._SHA_SCHEMA,
        ),
        "tab_df": L._arrow(tables, L._TABLE_SCHEMA),
        "claim_df": _claims(items),
    }
