"""Linking: CUP first, rules with a confidence below 1, manual file last; re-runs change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from insights_fixtures import VENEZIA_CUP, Fact, add_document

from warehouse import linking
from warehouse.db import connect
from warehouse.linking import ManualLinksError, find_call, link_all, read_manual_links


def _links(con):
    return sorted(con.execute(
        "SELECT d.url, dp.project_id, dp.method, dp.confidence FROM document_projects dp"
        " JOIN documents d USING (sha256)"
    ).fetchall())


def test_cup_links_first_with_full_confidence(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        stats = link_all(con)
        rows = con.execute(
            "SELECT d.url, dp.method, dp.confidence FROM document_projects dp"
            " JOIN documents d USING (sha256) WHERE dp.project_id = ?", [VENEZIA_CUP]
        ).fetchall()
        project = con.execute(
            "SELECT cup, entity, programme, title FROM projects WHERE project_id = ?", [VENEZIA_CUP]
        ).fetchone()
        n_claims = con.execute(
            "SELECT count(*) FROM claim_projects WHERE project_id = ? AND method = 'cup'",
            [VENEZIA_CUP],
        ).fetchone()[0]
    assert sorted(rows) == [
        ("https://www.comune.venezia.it/notizie/metro-plus", "cup", 1.0),
        ("https://www.comune.venezia.it/progetti/ve4481a", "cup", 1.0),
    ]
    # The title comes from the page with the most claims: the project card.
    assert project == (VENEZIA_CUP, "Comune di Venezia", "PN Metro Plus 2021-2027",
                       "Occupabilità e inclusione sociale")
    assert n_claims == 9 + 2
    assert stats["links_cup"] == 2 and stats["documents_unlinked"] == 0


def test_rules_use_call_and_lead_body_below_full_confidence(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        link_all(con)
        massa = con.execute(
            "SELECT DISTINCT dp.project_id, dp.method, dp.confidence FROM document_projects dp"
            " JOIN documents d USING (sha256) WHERE d.source_id = 'massa'"
        ).fetchall()
        keys = con.execute(
            "SELECT programme, call, lead_body FROM project_keys WHERE project_id = ?",
            [massa[0][0]],
        ).fetchone()
        livorno = con.execute(
            "SELECT dp.project_id, dp.confidence FROM document_projects dp"
            " JOIN documents d USING (sha256) WHERE d.source_id = 'livorno'"
        ).fetchall()
    # Three Massa pages (two versions of the card and a news item) share one rule project.
    assert len(massa) == 1
    assert massa[0][1:] == ("rule", 0.8)
    assert keys == ("PON Inclusione 2014-2020", "Avviso 3/2016", "Comune di Massa")
    # Same programme but another lead body: another project, and a lower confidence (no call).
    assert len(livorno) == 1 and livorno[0][0] != massa[0][0] and livorno[0][1] == 0.6


def test_same_title_never_merges_projects(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        # A Livorno page titled exactly like the Massa card, but with another call.
        add_document(
            con, url="https://www.comune.livorno.it/progetto-pon-sia", source_id="livorno",
            title="Progetto PON SIA",
            text="Progetto finanziato con l'Avviso 1/2019 del PON Inclusione, capofila Livorno.",
            fetched_at="2026-02-12 08:00:00",
            facts=[Fact("programme", "PON Inclusione 2014-2020", "PON Inclusione")],
        )
        link_all(con)
        n = con.execute(
            "SELECT count(DISTINCT project_id) FROM document_projects dp JOIN documents d"
            " USING (sha256) WHERE d.title = 'Progetto PON SIA'"
        ).fetchone()[0]
    assert n == 2


def test_page_without_cup_joins_the_single_cup_project_of_its_entity(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        add_document(
            con, url="https://www.comune.venezia.it/notizie/metro-plus-2", source_id="venezia",
            title="Novità", text="Il PN Metro Plus 2021-2027 a Venezia entra nel vivo.",
            fetched_at="2026-02-12 08:00:00",
            facts=[Fact("programme", "PN Metro Plus 2021-2027", "PN Metro Plus 2021-2027")],
        )
        link_all(con)
        row = con.execute(
            "SELECT project_id, method, confidence FROM document_projects dp JOIN documents d"
            " USING (sha256) WHERE d.url LIKE '%metro-plus-2'"
        ).fetchone()
    assert row == (VENEZIA_CUP, "rule", 0.6)


def test_rerun_is_idempotent(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        first = link_all(con)
        tables = ("projects", "document_projects", "claim_projects", "project_keys")
        before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        second = link_all(con)
        after = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    assert first == second
    assert before == after


def test_links_are_the_same_read_and_written_a_few_rows_at_a_time(
        warehouse_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linking reads documents and claims a batch at a time and writes claim links in parts:
    the smallest batches give the rows one batch of everything gives, manual links included."""
    manual = tmp_path / "links.toml"
    manual.write_text(
        '[[link]]\nurl = "https://www.comune.livorno.it/notizie/rei"\n'
        'project = "LIVORNO-SIA-2017"\n\n'
        '[[link]]\nurl = "https://www.comune.venezia.it/notizie/metro-plus"\n'
        f'project = "{VENEZIA_CUP}"\naction = "unlink"\n',
        encoding="utf-8",
    )
    tables = ("projects", "document_projects", "claim_projects", "project_keys")
    seen = []
    # Big reads and writes in one slice of documents, then one row, two rows and one
    # document's slice at a time.
    for read, write, docs in ((100_000, 1_000_000, 1_000_000), (1, 2, 1)):
        monkeypatch.setattr(linking, "READ_ROWS", read)
        monkeypatch.setattr(linking, "WRITE_ROWS", write)
        monkeypatch.setattr(linking, "FACT_SLICE_DOCS", docs)
        with connect(warehouse_path) as con:
            for manual_file in (None, manual):
                stats = link_all(con, manual_file)
                seen.append((stats, {t: con.execute(
                    f"SELECT * EXCLUDE (created_at) FROM {t} ORDER BY ALL"
                    if t == "projects" else f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                    for t in tables}))
            con.execute("DELETE FROM manual_links")
    assert seen[0] == seen[2] and seen[1] == seen[3]
    assert seen[0][1]["claim_projects"] and seen[1][0]["links_manual"] == 1


def test_a_link_write_over_its_bound_runs_again_alone(
        warehouse_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The link tables' replacement that DuckDB cannot fit runs again under a larger bound by
    itself: the documents are read once, and the rows are those of a write that fitted."""
    import duckdb

    tables = ("projects", "document_projects", "claim_projects", "project_keys")
    with connect(warehouse_path) as con:
        def link_rows() -> dict[str, list]:
            return {t: con.execute(f"SELECT * EXCLUDE (created_at) FROM {t} ORDER BY ALL"
                                   if t == "projects" else f"SELECT * FROM {t} ORDER BY ALL"
                                   ).fetchall() for t in tables}

        expected = link_all(con)
        rows = link_rows()
        con.execute("DELETE FROM claim_projects")
        con.execute("DELETE FROM document_projects")
        reads, writes = [], []
        documents, write = linking._documents, linking._write

        def counted(*a, **k):
            reads.append(1)
            return documents(*a, **k)

        def tight(*a, **k):
            writes.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
            if len(writes) == 1:
                # as the write fails when DuckDB runs out mid-way: part done, rolled back
                con.execute("BEGIN TRANSACTION")
                con.execute("DELETE FROM projects")
                con.execute("ROLLBACK")
                raise duckdb.OutOfMemoryException("could not allocate block")
            return write(*a, **k)

        monkeypatch.setattr(linking, "_documents", counted)
        monkeypatch.setattr(linking, "_write", tight)
        con.execute("SET memory_limit = '64MB'")
        assert link_all(con) == expected
        again = link_rows()
        assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                               [linking._CLAIM_LINKS]).fetchone()[0]
    assert again == rows
    assert reads == [1] and writes == ["61.0 MiB", "244.0 MiB"]  # 64 MB, then 4x as DuckDB shows it


def test_document_slices_cover_every_sha256_once() -> None:
    for n in (0, 1, 4_999, 5_001, 50_000, 10**8):
        slices = linking._slices(n)
        assert slices[0][0] is None and slices[-1][1] is None
        assert all(a[1] == b[0] for a, b in zip(slices, slices[1:], strict=False))
        assert len(slices) == min(4096, max(1, -(-n // linking.FACT_SLICE_DOCS)))


def test_manual_toml_overrides_and_unlinks(warehouse_path: Path, tmp_path: Path) -> None:
    manual = tmp_path / "links.toml"
    manual.write_text(
        '[[link]]\nurl = "https://www.comune.livorno.it/notizie/rei"\n'
        'project = "LIVORNO-SIA-2017"\ntitle = "SIA ambito livornese"\n\n'
        '[[link]]\nurl = "https://www.comune.venezia.it/notizie/metro-plus"\n'
        f'project = "{VENEZIA_CUP}"\naction = "unlink"\n',
        encoding="utf-8",
    )
    with connect(warehouse_path) as con:
        stats = link_all(con, manual)
        links = _links(con)
        title = con.execute(
            "SELECT title FROM projects WHERE project_id = 'LIVORNO-SIA-2017'"
        ).fetchone()
        again = link_all(con, manual)
        assert _links(con) == links
    assert ("https://www.comune.livorno.it/notizie/rei", "LIVORNO-SIA-2017", "manual", 1.0) in links
    assert not [r for r in links if r[0].endswith("/notizie/rei") and r[2] != "manual"]
    assert not [r for r in links if r[0].endswith("/notizie/metro-plus")]
    assert title == ("SIA ambito livornese",)
    assert stats == again and stats["links_manual"] == 1


def test_manual_csv_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "links.csv"
    good.write_text("url,project,action\nhttps://x.it/a,F74H24002780007,link\n", encoding="utf-8")
    assert read_manual_links(good)[0].project == VENEZIA_CUP
    bad = tmp_path / "bad.csv"
    bad.write_text("url,project\nhttps://x.it/a,\n", encoding="utf-8")
    with pytest.raises(ManualLinksError, match="names no project"):
        read_manual_links(bad)
    with pytest.raises(ManualLinksError, match="does not exist"):
        read_manual_links(tmp_path / "missing.toml")


def test_find_call_normalises() -> None:
    assert find_call("a valere sull'Avviso n. 3 / 2016 del PON") == "Avviso 3/2016"
    assert find_call("avviso pubblico n.04/2017") == "Avviso 4/2017"
    assert find_call("nessun avviso qui") is None


def test_overview_page_without_lead_is_not_linked_by_rule(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        add_document(
            con, url="https://www.comune.venezia.it/progetti", source_id="venezia",
            title="Tutti i progetti", text="Progetti finanziati dal PN Metro Plus e dal PON "
            "Inclusione, con il SIA e il REI.", fetched_at="2026-02-12 08:00:00",
            facts=[Fact("programme", "PN Metro Plus 2021-2027", "PN Metro Plus"),
                   Fact("programme", "PON Inclusione 2014-2020", "PON Inclusione"),
                   Fact("programme", "SIA", "SIA"), Fact("programme", "REI", "REI")],
        )
        stats = link_all(con)
        n = con.execute(
            "SELECT count(*) FROM document_projects JOIN documents USING (sha256)"
            " WHERE url = 'https://www.comune.venezia.it/progetti'"
        ).fetchone()[0]
    assert n == 0 and stats["overview_pages"] == 1 and stats["documents_unlinked"] == 1


def test_programme_beats_measures_and_calls_are_read_from_programme_labels() -> None:
    from warehouse.linking import programme_and_call

    assert programme_and_call(["SIA", "SIA", "SIA", "PON Inclusione", "FSE"], "") == (
        "PON Inclusione", None, 1)
    assert programme_and_call(["REI", "FSE", "Avviso 1/2019 PaIS"], "") == (
        "FSE", "Avviso 1/2019", 0)
    assert programme_and_call([], "a valere sull'avviso n. 3/2016") == (None, "Avviso 3/2016", 0)


def test_cli_link(warehouse_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from inclusio.cli import main

    assert main(["link", "--warehouse", str(warehouse_path)]) == 0
    assert "documents linked: 6 (cup 2, rule 4, manual 0)" in capsys.readouterr().out
    bad = tmp_path / "links.toml"
    bad.write_text("[[link]]\nurl = 'https://x.it'\n", encoding="utf-8")
    assert main(["link", "--manual", str(bad), "--warehouse", str(warehouse_path)]) == 1
    assert "names no project" in capsys.readouterr().err


def test_manual_links_survive_runs_without_the_file(warehouse_path: Path, tmp_path: Path) -> None:
    manual = tmp_path / "links.csv"
    manual.write_text("url,project\nhttps://www.comune.livorno.it/notizie/rei,LIVORNO-SIA\n",
                      encoding="utf-8")
    with connect(warehouse_path) as con:
        link_all(con, manual)
        with_file = _links(con)
        link_all(con)  # the pipeline's call, without the file
        assert _links(con) == with_file
        empty = tmp_path / "empty.csv"
        empty.write_text("url,project\n", encoding="utf-8")
        stats = link_all(con, empty)  # an empty file clears the manual links
        assert stats["links_manual"] == 0
        assert con.execute("SELECT count(*) FROM manual_links").fetchone()[0] == 0
    assert ("https://www.comune.livorno.it/notizie/rei", "LIVORNO-SIA", "manual", 1.0) in with_file


def test_cup_project_belongs_to_the_body_the_card_names(tmp_path: Path) -> None:
    from insights_fixtures import add_source

    with connect(tmp_path / "w.duckdb") as con:
        add_source(con, "portale", "Portale dei progetti (più enti)", "progetti.example.it")
        text = (
            "Scheda di progetto. Città (OI) Genova. Beneficiario: Direzione Politiche Sociali. "
            "CUP B31H24000120006."
        )
        add_document(
            con, url="https://progetti.example.it/scheda-1", source_id="portale",
            title="Scheda", text=text, fetched_at="2026-01-10 10:00:00",
            facts=[
                Fact("cup", "B31H24000120006", "B31H24000120006", role="project"),
                Fact("organisation", "Comune di Genova", "Genova", role="intermediate_body"),
                Fact("organisation", "Direzione Politiche Sociali", "Direzione Politiche Sociali",
                     role="beneficiary"),
            ],
        )
        link_all(con)
        entity = con.execute(
            "SELECT entity FROM projects WHERE project_id = 'B31H24000120006'"
        ).fetchone()[0]
    # No lead named: the city acting as intermediate body, before the beneficiary office and
    # before the publishing portal's name.
    assert entity == "Comune di Genova"


def test_unchanged_warehouse_is_not_linked_again(warehouse_path: Path) -> None:
    """The load stage links again only when something linking reads has changed."""
    def state(con):
        return con.execute("SELECT fingerprint, linked_at FROM link_state").fetchall()

    with connect(warehouse_path) as con:
        first = link_all(con, if_changed=True)
        recorded = state(con)
        assert len(recorded) == 1
        assert link_all(con, if_changed=True) == first
        assert state(con) == recorded  # nothing recomputed or written
        # A document's new title (a re-parse) is something linking reads: it links again.
        con.execute("UPDATE documents SET title = 'Altro titolo' WHERE url LIKE '%ve4481a'")
        again = link_all(con, if_changed=True)
        assert state(con) != recorded
        title = con.execute("SELECT title FROM projects WHERE project_id = ?",
                            [VENEZIA_CUP]).fetchone()[0]
    assert again == first
    assert title == "Altro titolo"
