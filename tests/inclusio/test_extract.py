"""``inclusio extract``: JSON Lines per file in input order, per-file errors, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inclusio.cli import main


def run_extract(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict]]:
    code = main(["extract", *argv])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_claims_index_the_parsed_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "scheda.html"
    page.write_text(
        "<html><head><title>Scheda</title></head><body><article><h1>Inclusione attiva</h1>"
        "<p>Il Comune di Pisa ha ricevuto € 120.000,00 dal PON Inclusione per il progetto con "
        "CUP J51H17000120006, avviato il 12/03/2018 con 25 tirocini già attivati.</p>"
        "<p>Altre informazioni utili per chi vuole partecipare alle attività del progetto.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    code, rows = run_extract(capsys, str(page))
    assert code == 0
    (row,) = rows
    assert row["source"] == str(page)
    assert row["model"]
    kinds = {c["kind"]: c for c in row["claims"]}
    assert kinds["amount"]["value"] == 120000.0 and kinds["amount"]["currency"] == "EUR"
    assert kinds["cup"]["value"] == "J51H17000120006"
    assert kinds["date"]["value"] == "2018-03-12" and kinds["date"]["role"] == "start"
    assert kinds["organisation"]["value"] == "Comune di Pisa"
    assert kinds["outcome"]["value"] == 25
    assert kinds["programme"]["value"] == "PON Inclusione"
    main(["parse", str(page)])
    text = capsys.readouterr().out
    for claim in row["claims"]:
        assert text[claim["start"] : claim["end"]] == claim["text"]
        assert {"kind", "value", "text", "start", "end", "extractor"} <= set(claim)


def test_published_resolves_relative_dates(tmp_path: Path, capsys) -> None:
    note = tmp_path / "nota.txt"
    note.write_text("La gara si è chiusa il 19 dicembre scorso.\n", encoding="utf-8")
    _, rows = run_extract(capsys, "--published", "2018-02-21", str(note))
    assert rows[0]["published"] == "2018-02-21"
    assert [c["value"] for c in rows[0]["claims"] if c["kind"] == "date"] == ["2017-12-19"]


def test_bad_input_gives_a_result_or_an_error_and_goes_on(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "vuoto.txt"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    fake_pdf = tmp_path / "finto.pdf"
    fake_pdf.write_bytes(b"questo non e' un PDF\n" * 10)
    mixed = tmp_path / "misto.txt"
    mixed.write_bytes(
        "Il Comune di Città di Castello ha già speso € 1.000,00.\n".encode()
        + "Perché la società è così: € 2.500,00 erogati.\n".encode("cp1252")
    )
    big = tmp_path / "grande.txt"
    line = "Il Comune di Siena ha erogato € 1.500,00 il 04/07/2017 a 12 famiglie. " * 10 + "\n"
    big.write_text(line * (5_000_000 // len(line) + 1), encoding="utf-8")
    missing = tmp_path / "manca.html"
    paths = [empty, junk, fake_pdf, mixed, big, missing, tmp_path]
    code, rows = run_extract(capsys, *map(str, paths))
    assert code == 0
    assert [r["source"] for r in rows] == list(map(str, paths))
    assert rows[0]["error"] == "empty body"
    assert "claims" in rows[1] or "error" in rows[1]
    assert "PDF" in rows[2]["error"]
    assert [c["value"] for c in rows[3]["claims"] if c["kind"] == "amount"] == [1000.0, 2500.0]
    assert big.stat().st_size >= 5_000_000
    big_amounts = [c for c in rows[4]["claims"] if c["kind"] == "amount"]
    assert len(big_amounts) == 10 * (5_000_000 // len(line) + 1)
    assert big_amounts[-1]["end"] <= big.stat().st_size
    assert rows[5]["error"] == "file not found"
    assert rows[6]["error"] == "is a directory"


def test_all_files_failing_exits_non_zero(tmp_path: Path, capsys) -> None:
    code, rows = run_extract(capsys, str(tmp_path / "nessuno.txt"))
    missing = str(tmp_path / "nessuno.txt")
    assert code == 1 and rows == [{"source": missing, "error": "file not found"}]
