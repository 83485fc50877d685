"""The real-text set: gold.jsonl lines become the gold dicts of the .gold.toml sets.

Every line and text here is made up for the test; the real set is read only by test_run.py.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from evaluation import realtext
from evaluation.metrics import gold_items
from evaluation.run import evaluate_real

LINE = {
    "doc": "r90.txt",
    "kind": "news",
    "publication_date": "2024-02-05",
    "amounts": [{"value": 12000.0, "text": "€ 12.000,00"}, {"value": 1500, "text": "1.500 euro"}],
    "cups": ["B12C24000010006"],
    "cigs": ["Z1A2B3C4D5"],
    "dates": [
        {"date": "2024-02-03", "text": "03/02/2024"},
        {"date": "2024-03", "text": "marzo 2024"},
    ],
    "organisations": [{"name": "Comune di Lucca", "text": "comune di Lucca"}],
    "outcomes": [{"quantity": 40, "unit": "pacchi alimentari", "text": "40 pacchi"}],
    "programmes": ["PON Inclusione", "FSE"],
}


def _folder(root: Path, lines: list[dict], texts: dict[str, str]) -> Path:
    (root / "docs").mkdir(parents=True)
    for name, text in texts.items():
        (root / "docs" / name).write_text(text, "utf-8")
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    (root / "gold.jsonl").write_text(body, "utf-8")
    return root


def test_a_line_becomes_the_toml_gold_shape() -> None:
    published, gold = realtext.gold_of(LINE)
    assert published == date(2024, 2, 5)
    assert gold == {
        "amounts": [[12000.0, ""], [1500.0, ""]],
        "cups": ["B12C24000010006"],
        "cigs": ["Z1A2B3C4D5"],
        "dates": [["2024-02-03", ""], ["2024-03", ""]],
        "organisations": ["Comune di Lucca"],
        "outcomes": [[40, "pacchi alimentari"]],
        "programmes": ["PON Inclusione", "FSE"],
    }
    # ... which the metrics read as they read a .gold.toml.
    assert gold_items("amounts", gold) == {12000.0: "", 1500.0: ""}
    assert gold_items("outcomes", gold) == {(40, "pacch"): ""}


def test_null_date_and_missing_or_empty_fields() -> None:
    published, gold = realtext.gold_of(
        {"doc": "r91.txt", "publication_date": None, "amounts": [], "cigs": None}
    )
    assert published is None
    assert all(gold[f] == [] for f in gold)
    assert len(gold) == 7


def test_load_keeps_file_order_and_points_at_docs(tmp_path: Path) -> None:
    second = {"doc": "r02.txt", "publication_date": None, "programmes": ["REI"]}
    folder = _folder(tmp_path / "rt", [LINE, second], {})
    gold = folder / "gold.jsonl"
    gold.write_text(gold.read_text("utf-8").replace("\n", "\n\n", 1), "utf-8")  # a blank line
    docs = realtext.load(folder)
    assert [d.name for d in docs] == ["r90.txt", "r02.txt"]
    assert docs[0].path == folder / "docs" / "r90.txt"
    assert docs[0].set_name == "real"
    assert docs[0].published == date(2024, 2, 5)
    assert docs[1].gold["programmes"] == ["REI"]


def test_a_broken_line_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "rt"
    folder.mkdir()
    (folder / "gold.jsonl").write_text('{"doc": "r01.txt"}\n{"amounts": [}\n', "utf-8")
    with pytest.raises(ValueError, match="line 2"):
        realtext.load(folder)


def test_folder_option_then_env_then_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _folder(tmp_path / "a", [LINE], {})
    second = _folder(tmp_path / "b", [LINE], {})
    empty = tmp_path / "c"
    empty.mkdir()  # no gold.jsonl: not the set
    monkeypatch.delenv(realtext.ENV_VAR, raising=False)
    monkeypatch.setattr(realtext, "default_candidates", lambda: [empty, tmp_path / "x", second])
    assert realtext.find_folder() == second
    monkeypatch.setenv(realtext.ENV_VAR, str(first))
    assert realtext.find_folder() == first
    assert realtext.find_folder(second) == second
    # An explicit folder that is wrong is reported, never replaced by another one.
    assert realtext.find_folder(tmp_path / "absent") is None
    monkeypatch.setenv(realtext.ENV_VAR, str(tmp_path / "absent"))
    assert realtext.find_folder() is None
    assert str(tmp_path / "absent" / "gold.jsonl") in realtext.not_found_message()


def test_default_candidates_beside_the_checkout_then_the_shared_folder() -> None:
    repo = Path(realtext.__file__).resolve().parent.parent
    assert realtext.default_candidates() == [
        repo.parent / "shared" / "realtext",
        Path("/work/shared/realtext"),
    ]


def test_the_set_is_scored_with_the_published_date(tmp_path: Path) -> None:
    line = {
        "doc": "r01.txt",
        "publication_date": "2023-01-10",
        "amounts": [{"value": 8000.0, "text": "€ 8.000,00"}],
        "dates": [{"date": "2023-02-20", "text": "20 febbraio"}],
        "organisations": [{"name": "Comune di Lucca", "text": "Comune di Lucca"}],
    }
    text = (
        "Il Comune di Lucca ha stanziato € 8.000,00 per il servizio, "
        "che partirà il prossimo 20 febbraio."
    )
    folder = _folder(tmp_path / "rt", [line], {"r01.txt": text})
    result = evaluate_real(folder, with_baselines=False)
    assert result.set_name == "real" and result.documents == 1 and result.errors == []
    assert result.scores["amounts"].tp == 1
    assert result.scores["organisations"].tp == 1
    assert result.scores["dates"].tp == 1  # the year comes from the gold publication date


def test_a_missing_document_is_an_error_not_a_crash(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "rt", [LINE], {})
    result = evaluate_real(folder, with_baselines=False)
    assert result.documents == 1
    assert len(result.errors) == 1 and "r90.txt" in result.errors[0]
    assert result.scores["cups"].fn == 1
