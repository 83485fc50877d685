"""`inclusio run` checks the sources file before starting Prefect: a mistake is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_crawl import check_mistake_is_one_clear_line


def test_a_mistake_in_the_sources_file_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    check_mistake_is_one_clear_line("run", tmp_path, monkeypatch, capsys)
