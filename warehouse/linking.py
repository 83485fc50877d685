"""Documents → projects. First version: by CUP only (method 'cup', confidence 1.0)."""

from __future__ import annotations

from typing import Any

import duckdb


def link_all(con: duckdb.DuckDBPyConnection, manual_file: Any = None) -> dict[str, int]:
    """Create a project per CUP claimed anywhere and link each document that claims it."""
    con.execute(
        """
        INSERT INTO projects (project_id, cup, title, created_at)
        SELECT DISTINCT c.value, c.value, NULL, now() FROM claims c
        WHERE c.kind = 'cup' AND c.value NOT IN (SELECT project_id FROM projects)
        """
    )
    con.execute(
        """
        INSERT OR REPLACE INTO document_projects
        SELECT DISTINCT sha256, value, 'cup', 1.0 FROM claims WHERE kind = 'cup'
        """
    )
    n = con.execute("SELECT count(*) FROM projects").fetchone()[0]
    return {"projects": n}
