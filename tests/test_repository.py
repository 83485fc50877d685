"""What a run writes under data/ is never committed: a clone that carried stage outputs would
skip parsing those bodies and show the URLs of whatever run produced them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(), reason="not a git checkout"
)
def test_no_run_output_is_tracked() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "data/raw", "data/parsed", "data/extracted", "data/curated"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert [p for p in tracked if not p.endswith(".gitkeep")] == []
