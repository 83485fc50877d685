"""Full-text search over document texts, ranked with BM25 by DuckDB's fts extension.

fts is not built into DuckDB and cannot be downloaded here, so it is loaded from the PyPI
package ``duckdb-extension-fts``, which ships the compiled extension for exactly one DuckDB
version: both are pinned to 1.5.5 in pyproject.toml and must move together. The index uses the
Italian Snowball stemmer ("impiego" and "impieghi" meet) and a stop-word table of Italian
function words. It is rebuilt whenever the set of documents (or their parse) changes.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

INDEX = "documents"
# Characters that separate terms (after lower-casing and accent stripping): keep digits.
IGNORE = r"(\.|[^a-z0-9])+"


class SearchUnavailable(RuntimeError):
    """The fts extension cannot be loaded; the message says which package/version to install."""


def extension_path() -> Path:
    """The fts extension file shipped by duckdb-extension-fts for the running DuckDB."""
    try:
        import duckdb_extension_fts
    except ImportError as exc:  # pragma: no cover - it is a runtime dependency
        raise SearchUnavailable(
            f"full-text search needs duckdb-extension-fts=={duckdb.__version__} (pip install)"
        ) from exc
    base = Path(duckdb_extension_fts.__file__).parent / "extensions"
    path = base / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if not path.exists():
        found = sorted(p.parent.name for p in base.glob("*/fts.duckdb_extension"))
        raise SearchUnavailable(
            f"duckdb-extension-fts ships fts for {', '.join(found) or 'no version'}, but DuckDB "
            f"is {duckdb.__version__}: install duckdb-extension-fts=={duckdb.__version__}"
        )
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load fts by file path (never from the network)."""
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'"
    ).fetchone()
    if loaded and loaded[0]:
        return
    con.execute(f"LOAD '{str(extension_path()).replace(chr(39), chr(39) * 2)}'")


def _fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    row = con.execute(
        "SELECT coalesce(md5(string_agg(sha256 || ':' || coalesce(CAST(parsed_at AS VARCHAR), '')"
        " || ':' || coalesce(CAST(n_chars AS VARCHAR), ''), ',' ORDER BY sha256)), ''), count(*)"
        " FROM documents WHERE text IS NOT NULL"
    ).fetchone()
    return row[0], row[1]


def index_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    state = con.execute(
        "SELECT fingerprint FROM search_index_state WHERE index_name = ?", [INDEX]
    ).fetchone()
    has_schema = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_documents'"
    ).fetchone()[0]
    return bool(state and has_schema and state[0] == _fingerprint(con)[0])


def ensure_index(con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """Build the index if documents changed since it was built; return True if it was built.

    The pipeline calls this after loading; ``inclusio search`` calls it before searching.
    """
    if not force and index_is_current(con):
        return False
    load_fts(con)
    fingerprint, n = _fingerprint(con)
    con.execute(
        "PRAGMA create_fts_index('documents', 'sha256', 'title', 'text', stemmer = 'italian',"
        f" stopwords = 'search_stopwords', ignore = '{IGNORE}', strip_accents = 1, lower = 1,"
        " overwrite = 1)"
    )
    con.execute("DELETE FROM search_index_state WHERE index_name = ?", [INDEX])
    con.execute(
        "INSERT INTO search_index_state VALUES (?, ?, ?, ?)",
        [INDEX, fingerprint, n, datetime.now()],
    )
    return True


def _terms(query: str) -> list[str]:
    return [w for w in re.findall(r"\w+", query.lower()) if len(w) > 3]


def snippet(text: str, query: str, width: int = 90) -> str:
    """The passage around the first query term (matched on its first letters, like a stem)."""
    low = text.lower()
    pos = -1
    for term in _terms(query):
        stem = term[: max(4, len(term) - 2)]
        m = re.search(r"\b" + re.escape(stem), low)
        if m and (pos < 0 or m.start() < pos):
            pos = m.start()
    if pos < 0:
        pos = 0
    start, end = max(0, pos - width), min(len(text), pos + width)
    piece = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def search(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = 10, all_versions: bool = False
) -> list[dict[str, Any]]:
    """Documents matching ``query``, best first (BM25 over title and text).

    Only the latest body of each URL is searched unless ``all_versions``.
    """
    load_fts(con)
    has_index = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_documents'"
    ).fetchone()[0]
    if not has_index:
        raise SearchUnavailable(
            "the warehouse has no search index yet: run `inclusio search` again when no other "
            "process is writing to it (the index is built on first use)"
        )
    rows = con.execute(
        f"""
        WITH docs AS (
            SELECT d.sha256, d.url, d.title, d.text, s.entity,
                   (SELECT max(coalesce(f.last_seen_at, f.fetched_at)) FROM fetches f
                     WHERE f.sha256 = d.sha256) AS fetched
              FROM documents d LEFT JOIN sources s USING (source_id)
             WHERE d.text IS NOT NULL
        ), current AS (
            SELECT * FROM docs
            {"" if all_versions else
             "QUALIFY row_number() OVER (PARTITION BY coalesce(url, sha256)"
             " ORDER BY fetched DESC NULLS LAST, sha256) = 1"}
        ), scored AS (
            SELECT *, fts_main_documents.match_bm25(sha256, ?) AS score FROM current
        )
        SELECT score, sha256, url, title, entity, fetched, text,
               (SELECT list(DISTINCT project_id ORDER BY project_id) FROM document_projects dp
                 WHERE dp.sha256 = scored.sha256) AS projects
          FROM scored WHERE score IS NOT NULL
         ORDER BY score DESC, url LIMIT ?
        """,
        [query, limit],
    ).fetchall()
    return [
        {"score": round(score, 4), "sha256": sha, "url": url, "title": title, "entity": entity,
         "fetched_at": fetched, "snippet": snippet(text, query), "projects": projects or []}
        for score, sha, url, title, entity, fetched, text, projects in rows
    ]
