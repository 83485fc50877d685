"""Fixtures for the insights tests: a small warehouse built with SQL inserts (no crawler)."""

from __future__ import annotations

from pathlib import Path

import pytest
from insights_fixtures import build_warehouse


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    path = tmp_path / "inclusio.duckdb"
    build_warehouse(path)
    return path
