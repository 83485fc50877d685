"""Where inclusio keeps its files, and the environment Prefect must see before it is imported.

Everything lives under one project folder (the current directory, or ``INCLUSIO_HOME``):
``data/raw`` for fetched bytes, ``data/curated/inclusio.duckdb`` for the warehouse and
``.prefect`` for Prefect's state, so a run writes nothing to the user's home folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Paths:
    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def curated(self) -> Path:
        return self.root / "data" / "curated"

    @property
    def warehouse(self) -> Path:
        return self.curated / "inclusio.duckdb"

    @property
    def prefect_home(self) -> Path:
        return self.root / ".prefect"


def project_root() -> Path:
    return Path(os.environ.get("INCLUSIO_HOME") or Path.cwd()).resolve()


def paths(root: Path | None = None) -> Paths:
    return Paths(root=(root or project_root()).resolve())


def configure_prefect(root: Path | None = None) -> None:
    """Point Prefect at the project folder and keep it off the network (analytics, updates)."""
    home = paths(root).prefect_home
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_CLI_PROMPT", "false")
    # Run loggers inherit the "prefect" logger's level: at WARNING no task's INFO line reached
    # the API, so `prefect flow-run logs` and the UI showed nothing of a run. INFO goes to the
    # API; the console shows warnings only (the command prints its own progress).
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    # The I/O layers log with the standard library (no Prefect there); inside a run their
    # lines join the run's logs, outside one they are not sent anywhere.
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "crawl,docstore,parsers,warehouse")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The temporary server Prefect starts for a run gets 20 s by default; on a busy two-core
    # machine it needs more, and the run then crashed with "Timed out while attempting to
    # connect to ephemeral Prefect API server".
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # Requests to the API (the default is 60 s) wait as long, for the same reason.
    os.environ.setdefault("PREFECT_API_REQUEST_TIMEOUT", "120")
