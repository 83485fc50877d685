"""Reference imports in the formats as published, and the reconciliation view by CUP."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from insights_fixtures import VENEZIA_CUP

from inclusio.cli import main
from warehouse.db import connect
from warehouse.linking import link_all
from warehouse.reference import ReferenceFormatError, import_opencoesione, import_opencup

FIX = Path(__file__).parent.parent / "fixtures" / "reference"
REAL = Path("/work/shared/reference/opencup")
REAL = REAL if REAL.exists() else Path(__file__).resolve().parents[3] / "shared/reference/opencup"


def test_opencoesione_csv_types_and_multivalues(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        result = import_opencoesione(con, FIX / "progetti_esteso_sample.csv")
        ven = con.execute(
            "SELECT title, programme, public_funding, commitments, payments, start_date,"
            " planned_end_date, actual_end_date FROM ref_opencoesione_projects WHERE cup = ?",
            [VENEZIA_CUP],
        ).fetchone()
        massa = con.execute(
            "SELECT cup, title, programme, payments, comuni, implementers, actual_end_date"
            " FROM ref_opencoesione_projects WHERE cod_locale_progetto = '1PONINCL3-2016-TOS-12'"
        ).fetchone()
        ind = con.execute(
            "SELECT indicator_no, description, unit, programmed, achieved"
            " FROM ref_opencoesione_indicators ORDER BY cod_locale_progetto, indicator_no"
        ).fetchall()
    assert result["rows"] == 2 and result["indicators"] == 3
    assert ven == (
        "OCCUPABILITA' E COMPETENZE PER L'INCLUSIONE SOCIALE",
        ["PN METRO PLUS E CITTA' MEDIE SUD 2021-2027"],
        1149465.93, 120000.0, 36500.93, date(2024, 4, 1), date(2029, 9, 30), None,
    )
    assert massa == (
        None, "Servizi per l'inclusione; ambito apuano", ["PON INCLUSIONE", "PON SPAO"],
        410200.5, ["MASSA", "CARRARA", "MONTIGNOSO"], ["COMUNE DI MASSA", "COMUNE DI CARRARA"],
        date(2020, 11, 30),
    )
    assert ind[1] == (1, "Esperienze di lavoro attivate", "esperienze di lavoro", 40.0, 33.0)


def test_opencoesione_zip_and_reimport_is_idempotent(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        import_opencoesione(con, FIX / "progetti_esteso_sample.zip")
        import_opencoesione(con, FIX / "progetti_esteso_sample.zip")
        import_opencoesione(con, FIX / "progetti_esteso_sample.csv")
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
                  ("ref_opencoesione_projects", "ref_opencoesione_indicators", "ref_imports")]
    # The zip and the CSV are two files (two import records) carrying the same two projects.
    assert counts == [2, 3, 2]


def test_opencup_semicolon_progetti_file(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        result = import_opencup(con, FIX / "opencup_progetti_sample.csv")
        row = con.execute(
            "SELECT decision_year, status, cost, funding, holder, description, cod_locale_progetto"
            " FROM ref_opencup_projects WHERE cup = ?", [VENEZIA_CUP]
        ).fetchone()
    assert result["dataset"] == "opencup_projects"
    assert result["rows"] == 2 and result["rejected"] == 1
    assert row == (2024, "ATTIVO", 1149465.93, 1149465.93, "COMUNE DI VENEZIA",
                   "SERVIZIO DI ACCOMPAGNAMENTO; OCCUPABILITA' E INCLUSIONE",
                   "1MPLUS21VE4.4.8.1.a")


def test_opencup_comma_extracts_detected(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        loc = import_opencup(con, FIX / "opencup_localizzazioni_sample.csv")
        cig = import_opencup(con, FIX / "opencup_cig_sample.csv")
        import_opencup(con, FIX / "opencup_cig_sample.csv")
        comuni = con.execute(
            "SELECT comune, comune_code, province_code FROM ref_opencup_locations"
            " WHERE cup = 'J61B17000420006' ORDER BY comune"
        ).fetchall()
        n_cig = con.execute("SELECT count(*) FROM ref_opencup_cig").fetchone()[0]
    assert (loc["dataset"], loc["rows"]) == ("opencup_locations", 3)
    assert (cig["dataset"], cig["rows"]) == ("opencup_cig", 2)
    assert comuni == [("CARRARA", "045003", "MS"), ("MASSA", "045010", "MS")]
    assert n_cig == 2


def test_unknown_files_are_refused_clearly(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("CODICE,NOME\n1,due\n", encoding="utf-8")
    with connect(tmp_path / "w.duckdb") as con:
        with pytest.raises(ReferenceFormatError, match="no CUP column"):
            import_opencup(con, odd)
        with pytest.raises(ReferenceFormatError, match="COD_LOCALE_PROGETTO"):
            import_opencoesione(con, FIX / "opencup_progetti_sample.csv")


def test_reconciliation_sets_claims_beside_official_figures(warehouse_path: Path) -> None:
    with connect(warehouse_path) as con:
        link_all(con)
        import_opencoesione(con, FIX / "progetti_esteso_sample.csv")
        import_opencup(con, FIX / "opencup_progetti_sample.csv")
        rows = con.execute(
            "SELECT kind, role, claimed_value, official_dataset, official_field, official_value,"
            " difference FROM reconciliation WHERE cup = ? ORDER BY ALL", [VENEZIA_CUP]
        ).fetchall()
    assert ("amount", "committed", "118741.13", "opencoesione", "IMPEGNI", "120000.0",
            pytest.approx(-1258.87)) in rows
    assert ("amount", "paid", "36500.93", "opencoesione", "TOT_PAGAMENTI", "36500.93", 0.0) in rows
    # The news page's 1.2 million beside both official figures for the admitted amount.
    admitted = [r for r in rows if r[1] == "admitted" and r[2] == "1200000.00"]
    assert {r[4] for r in admitted} == {"FINANZ_TOTALE_PUBBLICO", "FINANZIAMENTO_PROGETTO"}
    assert all(r[6] == pytest.approx(50534.07) for r in admitted)
    assert ("date", "start", "2024-04-01", "opencoesione", "OC_DATA_INIZIO_PROGETTO",
            "2024-04-01", 0) in rows
    # Outcomes meet the indicator with the same unit, achieved beside achieved.
    assert ("outcome", None, "40", "opencoesione", "REALIZZATO_INDICATORE_1", "42.0", -2.0) in rows
    # No official actual end date: the claim stays, the difference is missing, not zero.
    end = [r for r in rows if r[1] == "end" and r[4] == "OC_DATA_FINE_PROGETTO_EFFETTIVA"]
    assert end and all(r[5] is None and r[6] is None for r in end)


def test_cli_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "w.duckdb"
    code = main(["reference", "import", "opencoesione", str(FIX / "progetti_esteso_sample.zip"),
                 "--warehouse", str(wh)])
    assert code == 0 and "2 rows imported" in capsys.readouterr().out
    code = main(["reference", "import", "opencup", str(tmp_path / "missing.csv"),
                 "--warehouse", str(wh)])
    assert code == 2 and "does not exist" in capsys.readouterr().err  # exit 2: bad input


@pytest.mark.skipif(
    not (REAL / "progetti-opencup-PNRR-localizzazioni.csv").exists(),
    reason=f"real OpenCUP extracts not found at {REAL} (shared reference data, not in the repo)",
)
def test_real_opencup_extracts(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        loc = import_opencup(con, REAL / "progetti-opencup-PNRR-localizzazioni.csv")
        cig = import_opencup(con, REAL / "progetti-opencup-PNRR-CIG.csv")
        again = import_opencup(con, REAL / "progetti-opencup-PNRR-localizzazioni.csv")
        n_cups = con.execute("SELECT count(DISTINCT cup) FROM ref_opencup_locations").fetchone()[0]
        n_loc = con.execute("SELECT count(*) FROM ref_opencup_locations").fetchone()[0]
        bad = con.execute(
            "SELECT count(*) FROM ref_opencup_cig WHERE length(cig) <> 10"
        ).fetchone()[0]
        arezzo = con.execute(
            "SELECT comune, comune_code FROM ref_opencup_locations WHERE cup = 'B11B21006670006'"
        ).fetchall()
    assert loc["dataset"] == "opencup_locations" and loc["rejected"] == 0
    assert n_cups == 7807 and n_loc == again["rows"] and n_loc <= 7814
    assert cig["dataset"] == "opencup_cig" and cig["rows"] > 100 and bad == 0
    assert arezzo == [("AREZZO", "051002")]


def test_broken_csv_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "progetti_esteso.csv"
    broken.write_bytes(b"\xef\xbb\xbfCOD_LOCALE_PROGETTO;CUP\nA;B;C;D;E\n\xff\xfe;\x00\x00\n")
    with connect(tmp_path / "w.duckdb") as con:
        with pytest.raises(ReferenceFormatError, match="cannot be read as a CSV file"):
            import_opencoesione(con, broken)
        assert con.execute("SELECT count(*) FROM ref_imports").fetchone()[0] == 0
