"""A run's true state: did it do what it was asked, and what exactly did it do.

A nightly crawl that fetched nothing must not look green. After the load, the run's own figures
(this run's fetches, parses, extractions, new and changed claims: never warehouse totals) are
judged here: a run whose every source failed, or that fetched, parsed, extracted or loaded
nothing it was asked for, is FAILED with an exit code naming the stage; a run where only some
things failed is COMPLETED with a warning and the counts. The summary becomes a row of the
``runs`` table and a Prefect markdown artifact.

Nothing heavy is imported at module level: the CLI reads the exit codes from here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

# Exit codes of `inclusio run` (and `demo`) beyond the ones every command shares (1 failed,
# 2 bad input, 3 busy, 4 disk full, 5 damaged): 6-9 name the first stage of the pipeline at
# which nothing the run was asked for went through.
EXIT_NOTHING_FETCHED = 6  # every source failed: no page fetched (site down, refused, robots)
EXIT_NOTHING_PARSED = 7  # pages were fetched but not one could be read as a document
EXIT_NOTHING_EXTRACTED = 8  # documents were read but extraction failed on every one
EXIT_NOTHING_LOADED = 9  # documents were extracted but none reached the warehouse

EXIT_DISK_FULL = 4  # as for every command: nothing fetched could be stored
_FULL_TEXT = ("No space left on device", "File too large", "Disk quota exceeded")

RUN_EXIT_CODES = {
    EXIT_NOTHING_FETCHED: "nothing fetched: every source failed (site down, every URL "
    "refused or failing)",
    EXIT_NOTHING_PARSED: "nothing parsed: no fetched page or file could be read",
    EXIT_NOTHING_EXTRACTED: "nothing extracted: extraction failed on every document",
    EXIT_NOTHING_LOADED: "nothing loaded: no document reached the warehouse",
}

ARTIFACT_KEY = "inclusio-run-summary"
PROBLEMS_SHOWN = 50  # in the artifact and the printed summary; the rest are counted


class RunFailed(Exception):
    """The run did nothing it was asked for: the flow ends FAILED carrying this (with the
    whole summary), and the CLI exits with ``code``."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__(summary["message"])
        self.summary = summary
        self.code = int(summary["exit_code"])


@dataclass(slots=True)
class Verdict:
    state: str  # COMPLETED | FAILED
    code: int
    message: str
    warnings: list[str] = field(default_factory=list)


def failed_sources(sources: Sequence[Any], records: Sequence[Any]) -> list[dict[str, str]]:
    """Sources that gave not one page (stored or unchanged), each with its commonest reason."""
    by_source: dict[str, list[Any]] = {s.source_id: [] for s in sources}
    for r in records:
        by_source.setdefault(r.source_id, []).append(r)
    out = []
    for source_id, recs in by_source.items():
        if any(r.outcome in ("stored", "unchanged") for r in recs):
            continue
        reasons = Counter(r.error or r.outcome for r in recs)
        reason = reasons.most_common(1)[0][0] if reasons else "no page to fetch was found"
        out.append({"source_id": source_id, "reason": str(reason)})
    return out


def judge(run: dict[str, Any]) -> Verdict:
    """The run's state from its own counts (see the exit codes above)."""
    n_sources = run.get("sources", 0)
    bad_sources = run.get("sources_failed", [])
    if run["documents"] == 0:
        why = "; ".join(f"{s['source_id']}: {s['reason']}" for s in bad_sources[:3])
        if bad_sources and all(any(t in s["reason"] for t in _FULL_TEXT) for s in bad_sources):
            # Not the sites' fault: nothing could be stored. The code every command uses.
            return Verdict("FAILED", EXIT_DISK_FULL,
                           f"the disk is full, nothing more can be written ({why}); free some "
                           "space and run the same command again")
        stopped = run.get("stopped", 0)
        if stopped and not run["failed_fetch"]:
            return Verdict("FAILED", EXIT_NOTHING_FETCHED,
                           "nothing fetched: the time budget (max_duration) ran out before the "
                           f"first page of every source ({stopped} stopped); give the crawl "
                           "more time")
        detail = (f"{run['fetch_attempts']} attempts, {run['failed_fetch']} failed"
                  + (f", {stopped} cut short by the time budget" if stopped else ""))
        return Verdict("FAILED", EXIT_NOTHING_FETCHED,
                       f"nothing fetched: every source failed ({detail})"
                       + (f": {why}" if why else ""))
    if run["parsed"] == 0:
        return Verdict("FAILED", EXIT_NOTHING_PARSED,
                       f"nothing parsed: none of the {run['documents']} documents fetched "
                       "could be read")
    if run.get("failed_extract", 0) >= run["parsed"]:
        return Verdict("FAILED", EXIT_NOTHING_EXTRACTED,
                       f"nothing extracted: extraction failed on all {run['parsed']} documents")
    if run.get("documents_stored", run["parsed"]) == 0:
        return Verdict("FAILED", EXIT_NOTHING_LOADED,
                       f"nothing loaded: none of the {run['parsed']} documents read reached "
                       "the warehouse")
    warnings = []
    if bad_sources:
        names = ", ".join(f"{s['source_id']} ({s['reason']})" for s in bad_sources[:5])
        warnings.append(f"{len(bad_sources)} of {n_sources} sources failed: {names}")
    if run["failed_fetch"]:
        warnings.append(f"{run['failed_fetch']} of {run['fetch_attempts']} fetches failed")
    if run["failed_parse"]:
        warnings.append(f"{run['failed_parse']} of {run['documents']} documents could not "
                        "be read")
    if run.get("failed_extract"):
        warnings.append(f"extraction failed on {run['failed_extract']} of {run['parsed']} "
                        "documents")
    if (lost := run["parsed"] - run.get("documents_stored", run["parsed"])) > 0:
        warnings.append(f"{lost} of {run['parsed']} documents read did not reach the warehouse")
    if run.get("stopped"):
        warnings.append(f"{run['stopped']} sources were cut short by their time budget "
                        "(max_duration); the next run asks for the rest")
    message = "partly done: " + "; ".join(warnings) if warnings else "done"
    return Verdict("COMPLETED", 0, message, warnings)


def _claim_changes(con: Any, run_id: str) -> dict[str, Any]:
    """Claims this run brought: values on pages first seen, fields that changed or went."""
    from warehouse.changes import list_changes

    seen = set()
    new = changed = gone = 0
    by_kind: Counter[str] = Counter()
    for e in list_changes(con, run_id=run_id):
        key = (e.url, e.after_sha256, e.change, e.kind, e.role, e.unit)
        if key in seen:  # one event per linked project: count the field once
            continue
        seen.add(key)
        if e.change == "appeared":
            new += len(e.after)
            by_kind[e.kind] += len(e.after)
        elif e.change == "changed":
            changed += 1
            by_kind[e.kind] += len(e.after)
        else:
            gone += len(e.before)
    return {"claims_new": new, "claims_changed": changed, "claims_gone": gone,
            "claims_by_kind": dict(sorted(by_kind.items()))}


def record(warehouse: Path, run: dict[str, Any], shas: Sequence[str],
           wait: float = 0.0) -> dict[str, Any]:
    """Complete the run's figures from the warehouse, judge the run and add its ``runs`` row.

    ``shas`` are the documents the run read without error: how many of them are in the
    warehouse now, and how many projects they are linked to, are this run's work.
    """
    from warehouse.db import connect

    with connect(warehouse, wait=wait) as con:
        con.execute("CREATE TEMP TABLE IF NOT EXISTS run_shas (sha256 VARCHAR)")
        con.execute("DELETE FROM run_shas")
        if shas:
            con.execute("INSERT INTO run_shas SELECT unnest(?::VARCHAR[])", [list(shas)])
        stored = con.execute(
            "SELECT count(*) FROM documents JOIN run_shas USING (sha256)").fetchone()[0]
        projects = con.execute(
            "SELECT count(DISTINCT project_id) FROM document_projects JOIN run_shas "
            "USING (sha256)").fetchone()[0]
        problems = con.execute(
            "SELECT stage, coalesce(url, sha256), reason FROM problems"
            " WHERE run_id = ? ORDER BY 1, 2", [run["run_id"]]).fetchall()
        summary = {**run, "documents_stored": stored, "projects": projects,
                   **_claim_changes(con, run["run_id"]),
                   "problems": [{"stage": s, "where": w, "reason": r} for s, w, r in problems]}
        verdict = judge(summary)
        summary.update(state=verdict.state, exit_code=verdict.code, message=verdict.message,
                       warnings=verdict.warnings)
        insert_run(con, summary)
    return summary


RUN_COLUMNS = (
    "run_id", "flow_run_id", "flow_run_name", "started_at", "finished_at", "state",
    "exit_code", "message", "sources", "sources_failed", "fetch_attempts", "fetched_new",
    "fetched_unchanged", "failed_fetch", "documents", "parsed", "failed_parse", "extracted",
    "failed_extract", "documents_loaded", "documents_stored", "claims_new", "claims_changed",
    "claims_gone", "projects", "problems", "summary",
)


def insert_run(con: Any, summary: dict[str, Any]) -> None:
    """One row per run (a run written twice keeps its last figures)."""
    row = {c: summary.get(c) for c in RUN_COLUMNS}
    row["sources_failed"] = [s["source_id"] for s in summary.get("sources_failed", [])]
    row["problems"] = len(summary.get("problems", []))
    row["summary"] = json.dumps(summary, ensure_ascii=False, default=str)
    for c in ("started_at", "finished_at"):
        if isinstance(row[c], str):
            row[c] = datetime.fromisoformat(row[c])
    marks = ", ".join("?" for _ in RUN_COLUMNS)
    con.execute(f"INSERT OR REPLACE INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({marks})",
                [row[c] for c in RUN_COLUMNS])


def md_cell(text: Any) -> str:
    """A table cell: no pipes or newlines from page text."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _seconds(when: Any) -> str:
    """A time as people read it: to the second, without the stored milliseconds."""
    return str(when).replace("T", " ")[:19]


def markdown(summary: dict[str, Any]) -> str:
    """The run's summary as the Prefect markdown artifact shows it."""
    s = summary
    lines = [
        f"# inclusio run {s['run_id']}: {s['state']}",
        "",
        f"**{md_cell(s['message'])}** (exit code {s['exit_code']})",
        "",
        f"Started {_seconds(s['started_at'])}, finished {_seconds(s['finished_at'])}.",
        "",
        "| figure | this run |",
        "| --- | ---: |",
        f"| sources | {s.get('sources', 0)} ({len(s.get('sources_failed', []))} failed) |",
        f"| fetch attempts | {s['fetch_attempts']} |",
        f"| fetched new or changed | {s['fetched_new']} |",
        f"| fetched unchanged | {s['fetched_unchanged']} |",
        f"| fetches failed | {s['failed_fetch']} |",
        f"| documents parsed | {s['parsed']} of {s['documents']} ({s['failed_parse']} failed) |",
        f"| documents extracted | {s['extracted']} ({s.get('failed_extract', 0)} failed) |",
        f"| documents loaded (new or changed) | {s.get('documents_loaded', 0)} |",
        f"| claims new / changed / gone | {s.get('claims_new', 0)} / "
        f"{s.get('claims_changed', 0)} / {s.get('claims_gone', 0)} |",
        f"| projects of this run's documents | {s.get('projects', 0)} |",
    ]
    if s.get("claims_by_kind"):
        lines += ["", "New or changed claims by kind: "
                  + ", ".join(f"{k} {n}" for k, n in s["claims_by_kind"].items())]
    if s.get("sources_failed"):
        lines += ["", "## Sources that failed", ""]
        lines += [f"- `{md_cell(f['source_id'])}`: {md_cell(f['reason'])}"
                  for f in s["sources_failed"]]
    problems = s.get("problems", [])
    if problems:
        lines += ["", f"## Problems ({len(problems)})", "", "| stage | where | reason |",
                  "| --- | --- | --- |"]
        lines += [f"| {p['stage']} | {md_cell(p['where'])} | {md_cell(p['reason'])} |"
                  for p in problems[:PROBLEMS_SHOWN]]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(f"\n... and {len(problems) - PROBLEMS_SHOWN} more "
                         f"(`inclusio query \"SELECT * FROM problems WHERE run_id = "
                         f"'{s['run_id']}'\"`)")
    return "\n".join(lines) + "\n"
