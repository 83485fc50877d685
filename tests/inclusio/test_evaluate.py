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


def test_all_scores_every_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_default_realtext: None
) -> None:
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


def _realtext(folder: Path) -> Path:
    """A one-document real-text folder (docs/ and gold.jsonl), text and gold made up here."""
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "r01.txt").write_text(
        "Il Comune di Pisa ha ricevuto € 9.000,00 per 15 tirocini.", encoding="utf-8"
    )
    line = {
        "doc": "r01.txt", "kind": "news", "publication_date": None,
        "amounts": [{"value": 9000.0, "text": "€ 9.000,00"}], "cups": [], "cigs": [],
        "dates": [], "organisations": [{"name": "Comune di Pisa", "text": "Comune di Pisa"}],
        "outcomes": [{"quantity": 15, "unit": "tirocini", "text": "15 tirocini"}],
        "programmes": [],
    }
    (folder / "gold.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def no_default_realtext(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the env var nor the default folders find a real-text set."""
    from evaluation import realtext

    monkeypatch.delenv(realtext.ENV_VAR, raising=False)
    monkeypatch.setattr(realtext, "default_candidates", lambda: [tmp_path / "nowhere"])


def test_real_set_from_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_default_realtext: None
) -> None:
    folder = _realtext(tmp_path / "rt")
    code = main(["evaluate", "--set", "real", "--realtext", str(folder), "--no-baselines",
                 "--details"])
    out = capsys.readouterr().out
    assert code == 0
    assert "== real: 1 documents ==" in out
    assert out.count("miss ") + out.count("extra ") == 0


def test_real_set_from_the_env_var(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    no_default_realtext: None,
) -> None:
    monkeypatch.setenv("INCLUSIO_REALTEXT", str(_realtext(tmp_path / "rt")))
    assert main(["evaluate", "--set", "real", "--no-baselines", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["set"] for r in results] == ["real"]
    assert results[0]["fields"]["outcomes"]["tp"] == 1


def test_real_set_not_found_names_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_default_realtext: None
) -> None:
    assert main(["evaluate", "--set", "real"]) == 2
    assert str(tmp_path / "nowhere" / "gold.jsonl") in capsys.readouterr().out
    assert main(["evaluate", "--set", "real", "--realtext", str(tmp_path / "gone")]) == 2
    out = capsys.readouterr().out
    assert str(tmp_path / "gone" / "gold.jsonl") in out and "nowhere" not in out


def test_all_includes_real_only_when_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_default_realtext: None
) -> None:
    root = _corpus(tmp_path / "corpus")
    folder = _realtext(tmp_path / "rt")
    args = ["evaluate", "--corpus", str(root), "--set", "all", "--no-baselines", "--json"]
    assert main([*args, "--realtext", str(folder)]) == 0
    assert [r["set"] for r in json.loads(capsys.readouterr().out)] == ["primo", "secondo", "real"]
    assert main(args) == 0
    assert [r["set"] for r in json.loads(capsys.readouterr().out)] == ["primo", "secondo"]
    # A folder given by option that is not there is an error, not a silent skip.
    assert main([*args, "--realtext", str(tmp_path / "gone")]) == 2
