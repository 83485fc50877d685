"""`inclusio crawl` and `inclusio run` (which checks before starting Prefect) on a sources file
with a mistake, or an unknown source id: one readable line and exit code 2, no traceback,
nothing fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from inclusio.cli import main

BAD = '[[sources]]\nid = "massa"\nentity = "Comune di Massa"\nstart_urls = ["http://127.0.0.1:9/"]\n'


def check_mistake_is_one_clear_line(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    sources = tmp_path / "sources.toml"
    sources.write_text(BAD + "max_pages = -1\n", encoding="utf-8")
    assert main([command, str(sources)]) == 2
    out = capsys.readouterr()
    said = out.out + out.err
    assert "source 'massa': key 'max_pages': expected a whole number >= 0, got -1" in said
    assert "Traceback" not in said
    assert not (tmp_path / "data" / "raw").exists()


def test_unknown_source_id_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    sources = tmp_path / "sources.toml"
    sources.write_text(BAD, encoding="utf-8")
    assert main(["crawl", str(sources), "--source", "masa"]) == 2
    err = capsys.readouterr().err
    assert "no source with id 'masa'" in err and "(ids: massa)" in err
    assert not (tmp_path / "data" / "raw").exists()


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_a_mistake_in_the_sources_file_is_one_clear_line(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    check_mistake_is_one_clear_line(command, tmp_path, monkeypatch, capsys)


def test_max_duration_option_cuts_the_crawl_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A budget of a millisecond runs out while robots.txt is read: nothing is requested
    after that, the fetch log says why, and (nothing fetched) the exit code is 6 as for
    `inclusio run`."""
    import json

    from inclusio.sample_site import serve

    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    site = Path(__file__).resolve().parents[2] / "data" / "sample" / "site"
    with serve(site) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nid = "esempio"\nentity = "Comune di Esempio"\n'
                           f'start_urls = ["{base}"]\nallow_private = true\n', encoding="utf-8")
        assert main(["crawl", str(sources), "--max-duration", "0.001"]) == 6
    out = capsys.readouterr()
    assert out.out.strip() == "stopped: 1"
    assert "# " in out.err and "time budget of 0.001s (max_duration)" in out.err
    rows = [json.loads(line) for line in
            (tmp_path / "data" / "raw" / "fetch-log.jsonl").read_text().splitlines()]
    assert [r["outcome"] for r in rows] == ["stopped"]


def test_max_duration_option_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["crawl", "sources.toml", "--max-duration", "0"])
    assert exc.value.code == 2
    assert "give a number of seconds > 0" in capsys.readouterr().err


def test_a_crawl_that_fetches_nothing_exits_6(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every URL refused (nothing listens on port 9): the failures are counted, one line on
    stderr says nothing was fetched, and the exit code is 6, as for `inclusio run`."""
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path))
    sources = tmp_path / "sources.toml"
    sources.write_text(BAD + "allow_private = true\nretries = 0\n", encoding="utf-8")
    assert main(["crawl", str(sources)]) == 6
    out = capsys.readouterr()
    assert "failed" in out.out
    assert "inclusio crawl: nothing fetched: every source failed" in out.err
    assert "Traceback" not in out.out + out.err
