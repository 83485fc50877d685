"""Corpus sets are found by folder: any folder with a document and its gold file is a set."""

from __future__ import annotations

from pathlib import Path

from evaluation.corpus import available_sets, default_root, load_set


def test_a_folder_with_gold_is_a_set(tmp_path: Path) -> None:
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "a.txt").write_text("Comune di Prato", "utf-8")
    (tmp_path / "fresh" / "a.gold.toml").write_text('organisations = ["Comune di Prato"]', "utf-8")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "b.txt").write_text("no gold yet", "utf-8")
    (tmp_path / "pdf_src").mkdir()
    assert available_sets(tmp_path) == ["fresh"]
    assert [d.name for d in load_set(tmp_path, "fresh")] == ["a.txt"]


def test_missing_root_has_no_sets(tmp_path: Path) -> None:
    assert available_sets(tmp_path / "absent") == []


def test_the_repository_corpus_sets() -> None:
    assert {"dev", "heldout", "blind"} <= set(available_sets(default_root()))
