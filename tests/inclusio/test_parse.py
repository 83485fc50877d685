"""``inclusio parse``: the exact text extractors index, per file, errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from inclusio.cli import main


def test_text_is_printed_exactly(tmp_path: Path, capsys) -> None:
    note = tmp_path / "nota.txt"
    note.write_text("Data inizio\n01/04/24\r\nfine", encoding="utf-8")
    assert main(["parse", str(note)]) == 0
    assert capsys.readouterr().out == "Data inizio\n01/04/24\nfine"


def test_json_and_errors(tmp_path: Path, capsys) -> None:
    note = tmp_path / "nota.txt"
    note.write_text("Testo di prova.", encoding="utf-8")
    code = main(["parse", "--json", str(note), str(tmp_path / "manca.txt")])
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert rows[0]["text"] == "Testo di prova." and rows[1]["error"] == "file not found"
