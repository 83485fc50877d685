"""The fault suite's fixtures and its report: one line per case, then a count.

Every case drives the real components (local HTTP servers on 127.0.0.1, real files, the real
DuckDB file, real processes) through one fault and asserts that the run goes on and the fault
is recorded with a readable reason. ``make faults`` runs them all and ends with
``faults: N tried, P passed, F failed``; ``make test`` runs the fast ones.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

FAULTS = Path(__file__).resolve().parent
sys.path.insert(0, str(FAULTS))
sys.path.insert(0, str(FAULTS.parent / "crawl"))

from pipeline_helpers import run_stages  # noqa: E402

# ---- which cases run -------------------------------------------------------------------------

_deselected: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow fault cases (real processes killed, a full disk, two runs at once: minutes) run
    only under ``make faults`` (FAULTS_ALL=1); ``make test`` keeps the fast ones."""
    if os.environ.get("FAULTS_ALL"):
        return
    keep, drop = [], []
    for item in items:
        slow = _in_suite(item.nodeid) and item.get_closest_marker("slow") is not None
        (drop if slow else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        _deselected.extend(i.nodeid for i in drop)


# ---- the report ------------------------------------------------------------------------------

_outcomes: dict[str, str] = {}


def _in_suite(nodeid: str) -> bool:
    return nodeid.replace("\\", "/").split("::")[0].startswith("tests/faults/") or \
        "/tests/faults/" in nodeid.replace("\\", "/")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """One line per fault case as it ends (setup errors and skips count as tried)."""
    if not _in_suite(report.nodeid):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.nodeid in _outcomes:
            return
        outcome = "passed" if report.passed else "skipped" if report.skipped else "failed"
        _outcomes[report.nodeid] = outcome
        if report.when == "setup" and report.failed:
            outcome = "error"
        name = report.nodeid.split("tests/faults/")[-1]
        if os.environ.get("FAULTS_REPORT"):  # set by `make faults`
            sys.stdout.write(f"\nfault {outcome.upper():7s} {name}")
            sys.stdout.flush()
    elif report.when == "teardown" and report.failed:
        _outcomes[report.nodeid] = "failed"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _outcomes:
        return
    values = list(_outcomes.values())
    passed = values.count("passed")
    failed = values.count("failed")
    skipped = values.count("skipped")
    extra = f", {skipped} skipped" if skipped else ""
    terminalreporter.write_line(
        f"faults: {len(values)} tried, {passed} passed, {failed} failed{extra}"
    )
    if _deselected:
        terminalreporter.write_line(
            f"faults: {len(_deselected)} slow cases not run here (`make faults` runs them)"
        )


# ---- shared fixtures -------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder (data/raw, data/parsed, data/extracted, the warehouse)."""
    root = tmp_path / "project"
    root.mkdir()
    return root


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def warehouse_rows() -> Iterator[Any]:
    yield query


__all__ = ["query", "run_stages"]
