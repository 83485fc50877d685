import csv
from pathlib import Path

import pytest

from extractors import cup
from tests.extractors.conftest import run

OPENCUP = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "opencup"
OPENCUP_ABS = Path("/work/shared/reference/opencup")


def _opencup_dir() -> Path | None:
    for folder in (OPENCUP, OPENCUP_ABS):
        if folder.is_dir() and any(folder.glob("*.csv")):
            return folder
    return None


def test_labelled_spaced_and_lowercase_cup():
    text = "CUP: F74H24002780007; anche F74H 2400 2780 007 e cup n. f74h24002780007."
    got = run(cup, text)
    assert [c.value for c in got if c.kind == "cup"] == ["F74H24002780007"] * 3


def test_cig_lists_and_table_columns():
    text = (
        "Affidamento CIG: ZF834A42FA, Z723557411 e 7441539B2A.\n"
        "| Lotto | CUP | CIG |\n|---|---|---|\n| 1 | B11B21006470006 | Z84355F27F |\n"
    )
    got = run(cup, text)
    assert sorted(c.value for c in got if c.kind == "cig") == [
        "7441539B2A", "Z723557411", "Z84355F27F", "ZF834A42FA"
    ]
    assert [c.value for c in got if c.kind == "cup"] == ["B11B21006470006"]


def test_never_fiscal_codes_vat_or_protocols():
    text = (
        "P.IVA 00181760455, C.F. RSSMRA80A01H501U, codice fiscale 80003370477, "
        "Prot. n. A12B12345678901, IBAN IT60X0542811101000000123456, CIG non indicato."
    )
    assert run(cup, text) == []


@pytest.mark.skipif(
    _opencup_dir() is None,
    reason="real OpenCUP data not found in ../shared/reference/opencup (not in this checkout)",
)
def test_every_real_cup_and_cig():
    folder = _opencup_dir()
    assert folder is not None
    cups: set[str] = set()
    cigs: set[str] = set()
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("CUP"):
                    cups.add(row["CUP"].strip())
                if row.get("CIG"):
                    cigs.add(row["CIG"].strip())
    assert cups and cigs
    cup_list, cig_list = sorted(cups), sorted(cigs)
    pairs = zip(cup_list, cig_list * 60, strict=False)
    text = "\n".join(f"Progetto con CUP {c} e CIG: {g}." for c, g in pairs)
    text += "\n" + "\n".join(f"Scheda {c} del programma." for c in cup_list)
    got = run(cup, text)
    found_cups = [c.value for c in got if c.kind == "cup"]
    found_cigs = {c.value for c in got if c.kind == "cig"}
    assert set(found_cups) == cups
    assert len(found_cups) == len(cup_list) + min(len(cup_list), len(cig_list) * 60)
    assert found_cigs == cigs


def test_cig_label_with_words_of_its_own_before_a_colon():
    text = (
        "CIG dell'appalto: 8F21C0934A. Codice CIG lotto unico = ZA13B5C7D9. "
        "Il CIG richiesto 7788990011 va indicato in fattura."
    )
    assert [c.value for c in run(cup, text) if c.kind == "cig"] == ["8F21C0934A", "ZA13B5C7D9"]
