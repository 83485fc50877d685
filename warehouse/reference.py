"""Official open data (OpenCoesione, OpenCUP) loaded into reference tables, as published.

The files are read by DuckDB's CSV reader in one pass (never row by row) as text, then typed in
SQL: OpenCoesione writes decimals with a comma, dates as YYYYMMDD and several values in one cell
joined by ":::". Re-importing a file replaces the rows it carries, so imports are idempotent.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

CUP_PATTERN = "^[A-Z][0-9]{2}[A-Z][0-9]{11}$"


class ReferenceFormatError(ValueError):
    """The file is not in the format the importer expects; the message says what is missing."""


def _sha256(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextmanager
def _csv_file(path: Path) -> Iterator[Path]:
    """Yield a CSV path: the file itself, or the CSV inside a .zip (extracted to a temp dir)."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if not zipfile.is_zipfile(path):
        yield path
        return
    with zipfile.ZipFile(path) as zf:
        members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
        if not members:
            raise ReferenceFormatError(f"{path}: the zip archive holds no .csv file")
        member = max(members, key=lambda m: zf.getinfo(m).file_size)
        with tempfile.TemporaryDirectory(prefix="inclusio-ref-") as tmp:
            yield Path(zf.extract(member, tmp))


def _header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (';' or ',') and the upper-cased column names of a CSV file."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
    if not first.strip():
        raise ReferenceFormatError(f"{path}: the file is empty")
    delim = ";" if first.count(";") >= first.count(",") else ","
    cols = [c.strip().strip('"').upper() for c in first.rstrip("\r\n").split(delim)]
    return delim, cols


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path, delim: str, name: str) -> None:
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM read_csv(?, delim = ?,"
            " header = true, all_varchar = true, quote = '\"', escape = '\"',"
            " normalize_names = false, null_padding = true)",
            [str(path), delim],
        )
    except duckdb.Error as exc:
        reason = str(exc).strip().splitlines()[0]
        raise ReferenceFormatError(f"{path}: cannot be read as a CSV file: {reason}") from exc
    # Column names in upper case and trimmed whatever the file used.
    for col, *_ in con.execute(f"DESCRIBE {name}").fetchall():
        if col != col.upper().strip():
            con.execute(f'ALTER TABLE {name} RENAME COLUMN "{col}" TO "{col.upper().strip()}"')


def _col(cols: list[str], name: str) -> str:
    """The quoted column when the file has it, else NULL (missing is not zero)."""
    return f'"{name}"' if name in cols else "NULL"


def _num(expr: str) -> str:
    """SQL turning '1.149.465,93', '496931,00' or '36500.93' into a DOUBLE; blank -> NULL."""
    return (
        f"(CASE WHEN nullif(trim({expr}), '') IS NULL THEN NULL"
        f" WHEN {expr} LIKE '%,%' THEN TRY_CAST(replace(replace(trim({expr}), '.', ''), ',', '.')"
        f" AS DOUBLE) ELSE TRY_CAST(trim({expr}) AS DOUBLE) END)"
    )


def _date(expr: str) -> str:
    return f"CAST(TRY_STRPTIME(nullif(trim({expr}), ''), '%Y%m%d') AS DATE)"


def _multi(expr: str) -> str:
    return (
        f"(CASE WHEN nullif(trim({expr}), '') IS NULL THEN NULL ELSE"
        f" list_filter(list_transform(string_split({expr}, ':::'), lambda s: trim(s)),"
        f" lambda s: s <> '') END)"
    )


def _cup(expr: str) -> str:
    return f"nullif(upper(trim({expr})), '')"


AMOUNT_FIELDS = ("FINANZ_TOTALE_PUBBLICO", "IMPEGNI", "TOT_PAGAMENTI", "COSTO_PROGETTO",
                 "FINANZIAMENTO_PROGETTO")


def _carries(cols: list[str], dataset: str) -> list[str]:
    """What a file holds, in words a reader checks against what they expected to import."""
    have = set(cols)
    out = []
    amounts = [c for c in AMOUNT_FIELDS if c in have]
    if dataset == "opencup_cig":
        out.append("CUP-CIG pairs")
    if dataset == "opencup_locations" or {"DEN_COMUNE", "COMUNE"} & have:
        out.append("places (region, province, comune)")
    if dataset == "opencup_projects":
        out.append("project status and holder")
    if any(c.startswith("OC_DATA_") for c in have):
        out.append("dates")
    if any(c.startswith("DESCR_INDICATORE_") for c in have):
        out.append("indicators")
    out.append("amounts (" + ", ".join(amounts) + ")" if amounts else "no amounts in this file")
    return out


def _matched(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int, int]:
    """Distinct CUPs in the imported rows, warehouse projects with a CUP, and how many of those
    the file names (a file that matches none reconciles nothing)."""
    in_file = con.execute(f"SELECT count(DISTINCT cup) FROM {table}").fetchone()[0]
    ours = con.execute("SELECT count(DISTINCT cup) FROM projects WHERE cup IS NOT NULL"
                       ).fetchone()[0]
    matched = con.execute(
        f"SELECT count(DISTINCT p.cup) FROM projects p JOIN {table} t ON t.cup = p.cup"
    ).fetchone()[0]
    return in_file, ours, matched


def _record_import(
    con: duckdb.DuckDBPyConnection, dataset: str, path: Path, sha: str, n_rows: int
) -> None:
    con.execute("DELETE FROM ref_imports WHERE dataset = ? AND file_sha256 = ?", [dataset, sha])
    con.execute(
        "INSERT INTO ref_imports VALUES (?, ?, ?, ?, ?)",
        [dataset, path.name, sha, n_rows, datetime.now()],
    )


def import_opencoesione(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """Import an OpenCoesione ``progetti_esteso`` CSV (or a .zip holding it)."""
    path = Path(path)
    sha = _sha256(path)
    with _csv_file(path) as csv_path:
        delim, cols = _header(csv_path)
        if delim != ";" or "COD_LOCALE_PROGETTO" not in cols:
            raise ReferenceFormatError(
                f"{path}: not an OpenCoesione progetti CSV (expected ';' separated columns"
                " with COD_LOCALE_PROGETTO)"
            )
        _read_raw(con, csv_path, delim, "_oc_raw")
    c = cols.__contains__
    end_planned = "OC_DATA_FINE_PROGETTO_PREVISTA"
    end_actual = "OC_DATA_FINE_PROGETTO_EFFETTIVA"
    select = f"""
        SELECT trim("COD_LOCALE_PROGETTO") AS cod_locale_progetto,
               {_cup(_col(cols, 'CUP'))} AS cup,
               {_col(cols, 'OC_TITOLO_PROGETTO')} AS title,
               {_multi(_col(cols, 'OC_DESCRIZIONE_PROGRAMMA'))} AS programme,
               {_num(_col(cols, 'FINANZ_TOTALE_PUBBLICO'))} AS public_funding,
               {_num(_col(cols, 'IMPEGNI'))} AS commitments,
               {_num(_col(cols, 'TOT_PAGAMENTI'))} AS payments,
               {_date(_col(cols, 'OC_DATA_INIZIO_PROGETTO'))} AS start_date,
               {_date(_col(cols, end_planned))} AS planned_end_date,
               {_date(_col(cols, end_actual))} AS actual_end_date,
               {_multi(_col(cols, 'OC_DENOM_BENEFICIARIO'))} AS beneficiaries,
               {_multi(_col(cols, 'OC_DENOM_ATTUATORE'))} AS implementers,
               {_multi(_col(cols, 'DEN_COMUNE'))} AS comuni,
               {_multi(_col(cols, 'DEN_PROVINCIA'))} AS province,
               {_multi(_col(cols, 'DEN_REGIONE'))} AS regioni,
               '{sha}' AS file_sha256
          FROM _oc_raw WHERE nullif(trim("COD_LOCALE_PROGETTO"), '') IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY trim("COD_LOCALE_PROGETTO")) = 1
    """
    indicator_parts = [
        f"""SELECT trim("COD_LOCALE_PROGETTO") AS cod_locale_progetto,
                   {_cup(_col(cols, 'CUP'))} AS cup, {n} AS indicator_no,
                   nullif(trim("DESCR_INDICATORE_{n}"), '') AS description,
                   nullif(trim({_col(cols, f'UNITA_MISURA_INDICATORE_{n}')}), '') AS unit,
                   {_num(_col(cols, f'PROGRAMMATO_INDICATORE_{n}'))} AS programmed,
                   {_num(_col(cols, f'REALIZZATO_INDICATORE_{n}'))} AS achieved
              FROM _oc_raw
             WHERE nullif(trim("DESCR_INDICATORE_{n}"), '') IS NOT NULL
               AND nullif(trim("COD_LOCALE_PROGETTO"), '') IS NOT NULL"""
        for n in range(1, 5)
        if c(f"DESCR_INDICATORE_{n}")
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _oc AS {select}")
        con.execute(
            "DELETE FROM ref_opencoesione_indicators WHERE cod_locale_progetto IN"
            " (SELECT cod_locale_progetto FROM _oc)"
        )
        con.execute(
            "DELETE FROM ref_opencoesione_projects WHERE cod_locale_progetto IN"
            " (SELECT cod_locale_progetto FROM _oc)"
        )
        con.execute("INSERT INTO ref_opencoesione_projects SELECT * FROM _oc")
        n_ind = 0
        if indicator_parts:
            con.execute(
                "INSERT INTO ref_opencoesione_indicators SELECT * FROM ("
                + " UNION ALL ".join(indicator_parts)
                + ") QUALIFY row_number() OVER (PARTITION BY cod_locale_progetto, indicator_no) = 1"
            )
            n_ind = con.execute(
                "SELECT count(*) FROM ref_opencoesione_indicators WHERE cod_locale_progetto IN"
                " (SELECT cod_locale_progetto FROM _oc)"
            ).fetchone()[0]
        n = con.execute("SELECT count(*) FROM _oc").fetchone()[0]
        total = con.execute("SELECT count(*) FROM _oc_raw").fetchone()[0]
        cups, ours, matched = _matched(con, "_oc")
        _record_import(con, "opencoesione", path, sha, n)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _oc")
        con.execute("DROP TABLE IF EXISTS _oc_raw")
    return {"dataset": "opencoesione", "file": str(path), "sha256": sha, "rows": n,
            "indicators": n_ind, "rejected": total - n, "read": total, "cups": cups,
            "warehouse_cups": ours, "matched": matched,
            "fields": _carries(cols, "opencoesione")}


def opencup_kind(cols: list[str]) -> str:
    """Which OpenCUP extract a header belongs to: projects, locations or CUP-CIG pairs."""
    if "CUP" not in cols:
        raise ReferenceFormatError("not an OpenCUP CSV: there is no CUP column")
    if "CIG" in cols:
        return "opencup_cig"
    if {"COSTO_PROGETTO", "STATO_PROGETTO", "ANNO_DECISIONE", "FINANZIAMENTO_PROGETTO"} & set(cols):
        return "opencup_projects"
    if {"COMUNE", "CODICE_COMUNE", "REGIONE"} & set(cols):
        return "opencup_locations"
    raise ReferenceFormatError(
        "unknown OpenCUP CSV: expected a Progetti file (COSTO_PROGETTO, ...), a localisation "
        "file (CUP, REGIONE, PROVINCIA, COMUNE) or CUP,CIG pairs; got columns "
        + ", ".join(cols[:12])
    )


def import_opencup(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """Import an OpenCUP CSV (';' Progetti file, or ',' localisation / CUP-CIG extracts)."""
    path = Path(path)
    sha = _sha256(path)
    with _csv_file(path) as csv_path:
        delim, cols = _header(csv_path)
        try:
            dataset = opencup_kind(cols)
        except ReferenceFormatError as exc:
            raise ReferenceFormatError(f"{path}: {exc}") from exc
        _read_raw(con, csv_path, delim, "_cup_raw")
    valid = f"regexp_full_match({_cup('CUP')}, '{CUP_PATTERN}')"
    if dataset == "opencup_cig":
        table = "ref_opencup_cig"
        select = f"""SELECT DISTINCT {_cup('CUP')} AS cup, upper(trim("CIG")) AS cig,
                     '{sha}' AS file_sha256 FROM _cup_raw
                     WHERE {valid} AND nullif(trim("CIG"), '') IS NOT NULL"""
    elif dataset == "opencup_locations":
        table = "ref_opencup_locations"
        select = f"""SELECT DISTINCT {_cup('CUP')} AS cup, {_col(cols, 'REGIONE')} AS region,
                     {_col(cols, 'PROVINCIA')} AS province,
                     {_col(cols, 'SIGLA_PROVINCIA')} AS province_code,
                     {_col(cols, 'COMUNE')} AS comune, {_col(cols, 'CODICE_COMUNE')} AS comune_code,
                     '{sha}' AS file_sha256 FROM _cup_raw WHERE {valid}"""
    else:
        table = "ref_opencup_projects"
        select = f"""SELECT {_cup('CUP')} AS cup,
                     TRY_CAST(trim({_col(cols, 'ANNO_DECISIONE')}) AS INTEGER) AS decision_year,
                     {_col(cols, 'STATO_PROGETTO')} AS status,
                     {_num(_col(cols, 'COSTO_PROGETTO'))} AS cost,
                     {_num(_col(cols, 'FINANZIAMENTO_PROGETTO'))} AS funding,
                     {_col(cols, 'SOGGETTO_TITOLARE')} AS holder,
                     {_col(cols, 'DESCRIZIONE_INTERVENTO')} AS description,
                     {_col(cols, 'CODICE_LOCALE_PROGETTO')} AS cod_locale_progetto,
                     '{sha}' AS file_sha256 FROM _cup_raw WHERE {valid}
                     QUALIFY row_number() OVER (PARTITION BY {_cup('CUP')}) = 1"""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cup_new AS {select}")
        con.execute(f"DELETE FROM {table} WHERE cup IN (SELECT cup FROM _cup_new)")
        con.execute(f"INSERT INTO {table} SELECT * FROM _cup_new")
        n = con.execute("SELECT count(*) FROM _cup_new").fetchone()[0]
        total = con.execute("SELECT count(*) FROM _cup_raw").fetchone()[0]
        rejected = con.execute(f"SELECT count(*) FROM _cup_raw WHERE NOT coalesce({valid}, false)"
                               ).fetchone()[0]
        cups, ours, matched = _matched(con, "_cup_new")
        _record_import(con, dataset, path, sha, n)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _cup_new")
        con.execute("DROP TABLE IF EXISTS _cup_raw")
    return {"dataset": dataset, "file": str(path), "sha256": sha, "rows": n,
            "rejected": rejected, "read": total, "cups": cups, "warehouse_cups": ours,
            "matched": matched, "fields": _carries(cols, dataset)}


IMPORTERS = {"opencoesione": import_opencoesione, "opencup": import_opencup}
