"""The notebooks run top to bottom against a small warehouse, and against an empty one."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from insights_fixtures import VENEZIA_CUP
from nbclient import NotebookClient

from warehouse.db import connect
from warehouse.linking import link_all
from warehouse.reference import import_opencoesione, import_opencup

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
FIX = Path(__file__).parent.parent / "fixtures" / "reference"


def run_notebook(name: str, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Execute a notebook with INCLUSIO_WAREHOUSE set; return all its text and image outputs."""
    monkeypatch.setenv("INCLUSIO_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") for c in book.cells if c.cell_type == "code"), \
        f"{name} is committed with outputs"
    NotebookClient(book, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    out = []
    for cell in book.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", ""))
            data = o.get("data", {})
            out.append(data.get("text/plain", ""))
            if "image/png" in data:
                out.append("<image/png>")
    return "\n".join(out)


@pytest.fixture
def full(warehouse_path: Path) -> Path:
    with connect(warehouse_path) as con:
        link_all(con)
        import_opencoesione(con, FIX / "progetti_esteso_sample.csv")
        import_opencup(con, FIX / "opencup_localizzazioni_sample.csv")
        import_opencup(con, FIX / "opencup_cig_sample.csv")
    return warehouse_path


@pytest.mark.slow
def test_researchers_notebook(full: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = run_notebook("researchers.ipynb", full, monkeypatch)
    assert "PON Inclusione 2014-2020" in out and "PN Metro Plus 2021-2027" in out
    assert "admitted" in out and "allocated" in out
    assert out.count("<image/png>") >= 2  # amounts chart and timeline


@pytest.mark.slow
def test_journalists_notebook(full: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = run_notebook("journalists.ipynb", full, monkeypatch)
    assert "1200000.00" in out and "1149465.93" in out  # the conflicting admitted amounts
    assert "IMPEGNI" in out and VENEZIA_CUP in out
    assert "progetto-pon-sia" in out  # the page that changed between crawls
    assert "VENEZIA (VE), VENETO" in out and "OpenCUP" in out  # place from localizzazioni
    assert "Z1A2B3C4D5" in out  # a CIG OpenCUP lists for the CUP
    assert out.count("<image/png>") >= 2


@pytest.mark.slow
@pytest.mark.parametrize("name", ["researchers.ipynb", "journalists.ipynb"])
def test_notebooks_on_an_empty_warehouse(name: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.duckdb"
    with connect(empty):
        pass
    out = run_notebook(name, empty, monkeypatch)
    assert "in this warehouse yet" in out
    assert "<image/png>" not in out
    assert os.environ.get("INCLUSIO_WAREHOUSE") == str(empty)
