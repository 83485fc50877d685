"""The pipeline's stages run in-process over one project folder, without Prefect.

The same functions the Prefect tasks call (flows/stages.py), in the same order as
``flows.runner.process``: the fault cases that need many runs use this, the cases
about processes and Prefect start the real ``inclusio`` command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawl.sources import load_sources
from flows import stages


def run_stages(root: Path, sources_file: Path) -> dict[str, Any]:
    """Crawl every source, parse, extract and load; return the stages' results."""
    ws = stages.Workspace.at(root)
    run_id = stages.new_run_id()
    sources = load_sources(sources_file)
    records = [r for s in sources for r in stages.fetch_source(ws, s, run_id)]
    items = stages.bodies(records)
    parsed = [r for b in stages.batched(items) for r in stages.parse_batch(ws, b)]
    ok = [p["sha256"] for p in parsed if not p.get("error")]
    extracted = [r for b in stages.batched(ok) for r in stages.extract_batch(ws, b)]
    problems = stages.fetch_problems(records) + [
        {"run_id": run_id, "stage": "extract", "sha256": e["sha256"], "reason": e["error"]}
        for e in extracted
        if e.get("error")
    ]
    loaded = stages.load_into_warehouse(
        ws, run_id=run_id, sources=sources, records=records,
        shas=[i["sha256"] for i in items], problems=problems,
    )
    return {"run_id": run_id, "records": records, "parsed": parsed, "extracted": extracted,
            "loaded": loaded, "warehouse": ws.warehouse}


# Columns that say when or in which run something happened, not what was found: they differ
# between any two runs (``run_id``, ``fetches.last_run_id``) and are left out of the comparison.
# ``fetches.attempts`` and ``fetches.status`` count and describe the requests made (a rerun
# asks again, and gets 304).
# ``search_index_state.fingerprint`` hashes the documents' parse times.
VOLATILE = {"run_id", "last_run_id", "attempts", "status", "fingerprint"}
# The ``runs`` table is a log of the runs themselves: a killed run has no row, and its rerun
# counts what it fetched again, so it is left out like the run columns above.
RUN_LOG_TABLES = {"runs"}


def table_checksums(db: Path) -> dict[str, tuple[int, str]]:
    """Per table of the warehouse: row count and an md5 of its rows (volatile columns out)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()
            if r[0] not in RUN_LOG_TABLES]
        out = {}
        for t in tables:
            cols = [c for c, typ in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                [t]).fetchall()
                if not typ.startswith("TIMESTAMP") and c not in VOLATILE]
            if not cols:
                continue
            row = ", ".join(f'"{c}"' for c in cols)
            count, digest = con.execute(
                f'SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), \'\')) '
                f'FROM (SELECT CAST(ROW({row}) AS VARCHAR) AS r FROM "{t}")').fetchone()
            out[t] = (count, digest)
        return out
    finally:
        con.close()
