"""`inclusio changes` and the Atom feeds: what moved between crawls, with both quotes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import feedparser
import pytest

from inclusio.cli import main
from warehouse.changes import list_changes
from warehouse.db import connect
from warehouse.linking import link_all

MASSA = "https://www.comune.massa.ms.it/progetto-pon-sia"


@pytest.fixture
def linked(warehouse_path: Path) -> Path:
    with connect(warehouse_path) as con:
        link_all(con)
        # The second version of the Massa card arrived in a run of its own.
        con.execute("UPDATE fetches SET run_id = 'run-2' WHERE url = ?"
                    " AND fetched_at = TIMESTAMP '2026-02-10 09:00:00'", [MASSA])
    return warehouse_path


def test_changes_between_versions_with_both_quotes(linked: Path) -> None:
    with connect(linked, read_only=True) as con:
        events = list_changes(con)
    moved = {(e.kind, e.unit): e for e in events}
    work = moved[("outcome", "esperienze di lavoro")]
    assert work.change == "changed" and work.url == MASSA
    assert (work.before, work.after) == (["30 esperienze di lavoro"], ["33 esperienze di lavoro"])
    assert work.before_quotes == ["30 esperienze di lavoro"]
    assert work.after_quotes == ["33 esperienze di lavoro"]
    assert work.project_id and work.project_id.startswith("rule:")
    assert moved[("date", None)].change == "appeared"  # "Data ultima modifica" is new
    assert work.before_seen < work.after_seen


def test_since_and_run_select_what_arrived(linked: Path) -> None:
    with connect(linked, read_only=True) as con:
        since = list_changes(con, since=date(2026, 2, 10))
        run2 = list_changes(con, run_id="run-2")
        later = list_changes(con, since=date(2026, 3, 1))
    urls = {e.url for e in since}
    # The Massa card's new version, and the news pages first seen that day.
    assert MASSA in urls and "https://www.comune.massa.ms.it/notizie/pon-inclusione" in urls
    assert {e.url for e in run2} == {MASSA}
    assert later == []


def test_changes_command(linked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = str(linked)
    assert main(["changes", "--warehouse", wh]) == 0
    out = capsys.readouterr().out
    assert "cambiato  Risultato (esperienze di lavoro): 30 esperienze di lavoro → 33" in out
    assert "prima «30 esperienze di lavoro»" in out and "dopo  «33 esperienze di lavoro»" in out
    assert main(["changes", "--run", "run-2", "--format", "json", "--warehouse", wh]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["url"] for d in data} == {MASSA} and data[0]["run_ids"] == ["run-2"]
    assert main(["changes", "--run", "no-such-run", "--warehouse", wh]) == 2
    assert "no run 'no-such-run'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["changes", "--since", "ieri", "--warehouse", wh])
    assert exc.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def test_feeds_are_read_back_by_a_feed_parser(linked: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "feed"
    assert main(["feed", str(out), "--warehouse", str(linked)]) == 0
    assert "changes.xml" in capsys.readouterr().out
    whole = feedparser.parse((out / "changes.xml").read_bytes())
    assert not whole.bozo, whole.get("bozo_exception")
    assert whole.version == "atom10"
    [entry] = [e for e in whole.entries if e.link == MASSA]
    assert "33 esperienze di lavoro" in entry.title
    assert "prima: «30 esperienze di lavoro»" in entry.content[0].value
    assert entry.updated.startswith("2026-02-10T09:00:00")
    [project_feed] = list((out / "feeds").glob("rule-*.xml"))
    one = feedparser.parse(project_feed.read_bytes())
    assert not one.bozo and one.entries and one.feed.title.startswith("inclusio — cambiamenti")


def test_report_writes_the_feeds_and_links_them(linked: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["report", str(out), "--warehouse", str(linked)]) == 0
    assert not feedparser.parse((out / "changes.xml").read_bytes()).bozo
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="changes.xml"' in index
    linked_pages = [p for p in (out / "projects").glob("*.html")
                    if "../feeds/" in p.read_text(encoding="utf-8")]
    assert len(linked_pages) == 1


def test_changes_of_one_run_read_only_its_urls_and_match_the_whole_history(
        linked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's changes come from the URLs it fetched: the same events as reading every URL."""
    from warehouse import changes

    with connect(linked, read_only=True) as con:
        runs = [r for (r,) in con.execute(
            "SELECT DISTINCT run_id FROM fetches WHERE run_id IS NOT NULL").fetchall()]
        got = {r: list_changes(con, run_id=r) for r in runs}
        whole = changes._versions
        monkeypatch.setattr(changes, "_versions", lambda c, run_id=None: whole(c))
        expected = {r: list_changes(con, run_id=r) for r in runs}
    assert "run-2" in runs and got["run-2"]
    assert got == expected
