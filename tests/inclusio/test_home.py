"""One place for the data: `--home DIR` / INCLUSIO_HOME on every command, said at the start of
every run; `inclusio doctor` checks the environment and says what to fix."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
from pathlib import Path

import pytest

from inclusio.cli import main
from warehouse.db import connect


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder is not the home folder, and INCLUSIO_HOME is not set."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("INCLUSIO_HOME", raising=False)
    return cwd


@pytest.mark.parametrize("where", ["before", "after"])
def test_home_option_puts_the_warehouse_there_and_says_so_first(
        where: str, elsewhere: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "new" / "home"
    argv = ["--home", str(home), "load"] if where == "before" else ["load", "--home", str(home)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (f"inclusio load: home {home} (data in {home / 'data'}; "
                                   "--home DIR or INCLUSIO_HOME to change)")
    assert (home / "data" / "curated" / "inclusio.duckdb").exists()
    assert not (elsewhere / "data").exists()


def test_home_option_beats_the_environment_and_reading_commands_follow_it(
        elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name, entity in (("a", "Comune A"), ("b", "Comune B")):
        with connect(tmp_path / name / "data" / "curated" / "inclusio.duckdb") as con:
            con.execute("INSERT INTO sources (source_id, entity) VALUES (?, ?)", [name, entity])
    monkeypatch.setenv("INCLUSIO_HOME", str(tmp_path / "a"))
    assert main(["query", "SELECT entity FROM sources", "--format", "csv"]) == 0
    assert "Comune A" in capsys.readouterr().out
    assert main(["--home", str(tmp_path / "b"), "query", "SELECT entity FROM sources"]) == 0
    assert "Comune B" in capsys.readouterr().out
    assert os.environ["INCLUSIO_HOME"] == str(tmp_path / "b")  # and what it starts sees it


def test_every_command_takes_home(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from inclusio.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, child in sub.choices.items():
        options = {o for a in child._actions for o in a.option_strings}
        assert "--home" in options, name


# ---- doctor ------------------------------------------------------------------------------------


def _doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, dict]]:
    code = main(["doctor", "--format", "json", *argv])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    return code, checks


def _bin_with(tmp_path: Path, tesseract: str | None) -> str:
    """A PATH holding only a `tesseract` that answers as given (None: no tesseract at all)."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    if tesseract is not None:
        exe = folder / "tesseract"
        exe.write_text("#!/bin/sh\n" + tesseract, encoding="utf-8")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(folder)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract not installed")
def test_doctor_in_a_working_environment(elsewhere: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    code, checks = _doctor(capsys)
    if checks["tesseract"]["status"] == "fail":
        pytest.skip("this machine's Tesseract has no Italian")
    assert code == 0, checks
    assert checks["warehouse"]["status"] == "ok" and "none yet" in checks["warehouse"]["detail"]
    assert checks["home"]["detail"].startswith(str(elsewhere))
    assert checks["search"]["status"] == "ok"
    assert "blank Italian pipeline" in checks["spacy"]["detail"] or \
        "it_core_news_lg" in checks["spacy"]["detail"]


@pytest.mark.parametrize(("script", "says", "fix"), [
    (None, "not installed", "tesseract-ocr-ita"),
    ('case "$1" in --version) echo "tesseract 5.3.0";; *) printf "List\\neng\\nosd\\n";; esac\n',
     "without Italian", "apt-get install tesseract-ocr-ita"),
], ids=["no tesseract", "no Italian"])
def test_doctor_fails_without_tesseract_italian(
        script: str | None, says: str, fix: str, elsewhere: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", _bin_with(tmp_path, script))
    code, checks = _doctor(capsys)
    assert code == 1
    assert checks["tesseract"]["status"] == "fail" and says in checks["tesseract"]["detail"]
    assert fix in checks["tesseract"]["fix"]
    assert checks["chromium"]["status"] == "warn"  # missing too, but not needed by a run


def test_doctor_text_says_what_to_fix_and_one_error_line(
        elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", _bin_with(tmp_path, None))
    assert main(["doctor"]) == 1
    captured = capsys.readouterr()
    assert "FAIL  tesseract  not installed" in captured.out
    assert "fix: make system-deps" in captured.out
    assert captured.err.strip().splitlines() == [
        "inclusio doctor: tesseract missing or broken (see the fix lines above)"]


def test_doctor_on_a_damaged_warehouse(elsewhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = elsewhere / "data" / "curated" / "inclusio.duckdb"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"not a warehouse at all\n" * 200)
    code, checks = _doctor(capsys)
    assert code == 1
    assert checks["warehouse"]["status"] == "fail"
    assert checks["warehouse"]["fix"] == "inclusio load --rebuild"


def test_doctor_on_a_warehouse_behind_the_schema(elsewhere: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = elsewhere / "data" / "curated" / "inclusio.duckdb"
    with connect(db) as con:
        latest = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        con.execute("DELETE FROM schema_migrations WHERE version = ?", [latest])
    _, checks = _doctor(capsys)
    assert checks["warehouse"]["status"] == "warn"
    assert "schema version" in checks["warehouse"]["detail"] and str(latest) in \
        checks["warehouse"]["detail"]
    assert "next `inclusio load`" in checks["warehouse"]["fix"]


def test_doctor_schedule_needs_a_prefect_server(elsewhere: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing answers there
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    code, checks = _doctor(capsys, "--schedule")
    assert code == 1 and checks["prefect"]["status"] == "fail"
    assert "inclusio server" in checks["prefect"]["fix"]
    monkeypatch.delenv("PREFECT_API_URL")
    _, checks = _doctor(capsys)
    assert checks["prefect"]["status"] == "ok" and "temporary" in checks["prefect"]["detail"]
