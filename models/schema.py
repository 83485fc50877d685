"""The warehouse schema as ordered SQL files; the warehouse applies them in order.

Kept here, without DuckDB, so that the schema reads as data next to the record types.
"""

from __future__ import annotations

from importlib import resources


def migrations() -> list[tuple[int, str, str]]:
    """Return ``(version, name, sql)`` for every ``NNN_name.sql`` file, in version order."""
    folder = resources.files("models") / "schema"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)
