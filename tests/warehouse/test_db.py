"""Opening a warehouse file: a checkpoint that cut free blocks off its end is sound; a file cut
inside the blocks in use is damaged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse import db


def _counts(path: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute("SELECT block_size, total_blocks, free_blocks FROM pragma_database_size()"
                          ).fetchone()
    finally:
        con.close()
    assert row
    return int(row[0]), int(row[1]), int(row[2])


def _two_tables(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE kept AS SELECT range AS i, md5(range::VARCHAR) AS s"
                " FROM range(300000)")
    con.execute("CHECKPOINT")
    con.execute("CREATE TABLE dropped AS SELECT range AS i, md5(range::VARCHAR) AS s"
                " FROM range(300000)")
    con.execute("CHECKPOINT")
    con.close()


def _drop_the_second(path: Path) -> None:
    """Drop the table written last and checkpoint: its blocks, at the end, become free."""
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE dropped")
    con.execute("CHECKPOINT")
    con.close()


@pytest.mark.parametrize("read_only", [True, False])
def test_free_blocks_cut_off_the_end_by_a_checkpoint_open(tmp_path: Path,
                                                          read_only: bool) -> None:
    path = tmp_path / "w.duckdb"
    _two_tables(path)
    _drop_the_second(path)
    size, total, free = _counts(path)
    # DuckDB's own behaviour this guards against: the header still counts the cut blocks.
    assert free > 0 and path.stat().st_size < db._HEADERS + size * total
    con = db._open(path, read_only=read_only)
    try:
        assert con.execute("SELECT count(*), sum(i) FROM kept").fetchone() == (
            300000, 299999 * 300000 // 2)
    finally:
        con.close()


def test_a_file_cut_inside_its_blocks_in_use_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _two_tables(path)
    size, total, free = _counts(path)
    assert free == 0
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - size])  # the last block, in use, is gone
    with pytest.raises(db.WarehouseDamaged, match="the file holds"):
        db._open(path, read_only=True)


def test_a_cut_past_the_free_tail_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _two_tables(path)
    _drop_the_second(path)
    size, _total, _free = _counts(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - size])  # one block of the kept table goes too
    with pytest.raises(db.WarehouseDamaged):
        db._open(path, read_only=True)
