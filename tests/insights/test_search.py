"""Full-text search: fts loaded from the pinned PyPI package, Italian stemming, BM25, rebuilds."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from insights_fixtures import Fact, add_document

from inclusio.cli import main
from warehouse.db import connect
from warehouse.search import ensure_index, extension_path, index_is_current, search


def test_extension_comes_from_the_pinned_package() -> None:
    path = extension_path()
    assert path.name == "fts.duckdb_extension"
    assert path.parent.name == f"v{duckdb.__version__}" == "v1.5.5"


def test_stemming_and_stopwords(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        assert ensure_index(con) is True
        assert ensure_index(con) is False  # nothing changed: no rebuild
        hits = search(con, "centro per l'impiego")
        plural = search(con, "centri per gli impieghi")
        stop = search(con, "per il")
    urls = [h["url"] for h in hits]
    assert set(urls) == {"https://www.comune.livorno.it/notizie/rei",
                         "https://www.comune.massa.ms.it/notizie/pon-inclusione"}
    # Plural forms meet the singular through the Italian stemmer.
    assert {h["url"] for h in plural} == set(urls)
    assert stop == []  # function words alone find nothing
    assert "impiego" in hits[0]["snippet"].lower()


def test_bm25_ranks_the_denser_document_first(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        add_document(
            con, url="https://www.comune.massa.ms.it/notizie/tirocini", source_id="massa",
            title="Tirocini di inclusione",
            text="Tirocini di inclusione: trenta tirocini avviati, altri tirocini in partenza; "
                 "i tirocini sono seguiti dagli operatori.",
            fetched_at="2026-02-12 08:00:00", facts=[],
        )
        add_document(
            con, url="https://www.comune.livorno.it/notizie/altro", source_id="livorno",
            title="Notizie", text="Il servizio sociale segue anche alcuni tirocini formativi "
            "insieme a molte altre attività della zona e del territorio comunale.",
            fetched_at="2026-02-12 08:00:00", facts=[],
        )
        ensure_index(con)
        hits = search(con, "tirocinio")
    assert [h["url"].rsplit("/", 1)[1] for h in hits] == ["tirocini", "altro"]
    assert hits[0]["score"] > hits[1]["score"] > 0


def test_index_rebuilt_when_documents_change(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        ensure_index(con)
        assert search(con, "ludoteca") == []
        add_document(
            con, url="https://www.comune.massa.ms.it/ludoteca", source_id="massa",
            title="Ludoteca e doposcuola", text="Aperta la ludoteca con servizio di doposcuola, "
            "attività per le famiglie.", fetched_at="2026-02-12 09:00:00",
            facts=[Fact("programme", "PON Inclusione 2014-2020", "doposcuola")],
        )
        assert not index_is_current(con)
        assert ensure_index(con) is True
        [hit] = search(con, "ludoteche")
        accents = search(con, "attivita")
    assert hit["url"].endswith("/ludoteca")
    assert any(h["url"].endswith("/ludoteca") for h in accents)


def test_only_the_latest_version_of_a_page_unless_asked(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        ensure_index(con)
        latest = search(con, "esperienze")
        every = search(con, "esperienze", all_versions=True)
        code = search(con, "3/2016")
    assert len(latest) == 1 and "33 esperienze" in latest[0]["snippet"]
    assert len(every) == 2
    assert {h["url"] for h in code} == {"https://www.comune.massa.ms.it/progetto-pon-sia",
                                        "https://www.comune.massa.ms.it/notizie/pon-inclusione"}


def test_cli(warehouse_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "centro per l'impiego", "--warehouse", str(warehouse_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(" 1. [") and "comune.livorno.it/notizie/rei" in out
    assert main(["search", "impiego", "--format", "json", "--limit", "1",
                 "--warehouse", str(warehouse_path)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert main(["search", "x", "--warehouse", str(warehouse_path.parent / "none.duckdb")]) == 1


def test_search_without_index_says_so(warehouse_path: Path) -> None:
    from warehouse.search import SearchUnavailable

    with connect(warehouse_path, read_only=True) as con:
        with pytest.raises(SearchUnavailable, match="no search index yet"):
            search(con, "impiego")
