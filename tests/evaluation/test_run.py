"""The corpus scores never fall below the floors in tests/corpus/floors.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from evaluation import realtext
from evaluation.corpus import FIELDS, default_root
from evaluation.run import evaluate_real, evaluate_set, format_result

_ALL = tomllib.loads((Path(__file__).parents[1] / "corpus" / "floors.toml").read_text("utf-8"))
# Role-accuracy floors sit under [roles.<set>]; every other table is a set's F1 floors.
ROLE_FLOORS: dict[str, dict[str, float]] = _ALL.get("roles", {})
FLOORS = {k: v for k, v in _ALL.items() if k != "roles"}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def result(request: pytest.FixtureRequest):
    if request.param == realtext.SET_NAME:
        # The real-text set lives outside the repository (../shared/realtext): scored when found.
        folder = realtext.find_folder()
        if folder is None:
            pytest.skip(realtext.not_found_message())
        return evaluate_real(folder, with_baselines=False)
    return evaluate_set(default_root(), request.param, with_baselines=False)


def test_every_document_is_read(result) -> None:
    assert result.documents >= 10
    assert result.errors == []


def test_f1_floors(result) -> None:
    floors = FLOORS[result.set_name]
    assert set(floors) == set(FIELDS)
    below = {
        f: round(result.scores[f].f1, 4)
        for f in FIELDS
        if result.scores[f].f1 + 1e-9 < floors[f]
    }
    assert not below, format_result(result, details=True)


def test_role_floors(result) -> None:
    floors = ROLE_FLOORS.get(result.set_name, {})
    assert set(floors) <= set(FIELDS)
    below = {
        f: result.scores[f].role_accuracy
        for f, floor in floors.items()
        if (result.scores[f].role_accuracy or 0.0) + 1e-9 < floor
    }
    assert not below, format_result(result, details=True)


def test_every_set_with_role_floors_has_f1_floors() -> None:
    assert set(ROLE_FLOORS) <= set(FLOORS)


def test_corpus_size() -> None:
    root = default_root()
    docs = [p for p in root.glob("*/*") if p.suffix in (".html", ".txt", ".pdf")]
    with_gold = [p for p in docs if p.with_name(p.stem + ".gold.toml").exists()]
    assert len(with_gold) >= 40
    assert {p.suffix for p in with_gold} == {".html", ".txt", ".pdf"}
