"""``inclusio evaluate``: scores per set, every set with ``--set all``, a clear error otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inclusio.cli import main


def _corpus(root: Path) -> Path:
    """Two one-document sets written here, in the gold format of tests/corpus/README.md."""
    for name, body, gold in (
        ("primo", "Il Comune di Lucca ha ricevuto € 12.000,00 il 03/02/2024.",
         'amounts = [[12000.0, ""]]\ndates = [["2024-02-03", ""]]\n'
         'organisations = ["Comune di Lucca"]\n'),
        ("secondo", "La Caritas di Asti ha distribuito 40 pacchi alimentari.",
         'outcomes = [[40, "pacchi alimentari"]]\norganisations = ["Caritas di Asti"]\n'),
    ):
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "a01_doc.txt").write_text(body, encoding="utf-8")
        (folder / "a01_doc.gold.toml").write_text(gold, encoding="utf-8")
    return root


def test_all_scores_every_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _corpus(tmp_path / "corpus")
    code = main(["evaluate", "--corpus", str(root), "--set", "all", "--no-baselines", "--json"])
    results = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["set"] for r in results] == ["primo", "secondo"]
    assert results[0]["fields"]["amounts"]["f1"] == 1.0
    assert results[1]["fields"]["outcomes"]["tp"] == 1


def test_an_unknown_set_is_named_with_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _corpus(tmp_path / "corpus")
    assert main(["evaluate", "--corpus", str(root), "--set", "terzo"]) == 2
    out = capsys.readouterr().out
    assert "terzo" in out and "(sets: primo, secondo)" in out
