"""How linking, search indexing, compare, the report and exports scale with the warehouse.

Builds a synthetic warehouse (N documents, ~20 claims each, a third with a CUP) in a temp
folder and prints the time each step takes. Run: .venv/bin/python bench/bench_insights.py [N]
"""

from __future__ import annotations

import hashlib
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from warehouse.compare import compare
from warehouse.db import connect
from warehouse.export import export
from warehouse.linking import link_all
from warehouse.reference import import_opencup
from warehouse.report import build_report
from warehouse.search import ensure_index, search

PROGRAMMES = ["PON Inclusione", "PN Metro Plus", "PON Metro", "PNRR Missione 5", "FSE+"]
WORDS = ("centro per l'impiego tirocini inclusione sociale presa in carico equipe "
         "multidisciplinare servizi sociali comune ambito progetto percorsi famiglie").split()
REAL = Path("/work/shared/reference/opencup/progetti-opencup-PNRR-localizzazioni.csv")


def synthetic(n_docs: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rnd = random.Random(seed)
    docs, claims, fetches = [], [], []
    start = datetime(2025, 1, 1)
    for i in range(n_docs):
        body = " ".join(rnd.choice(WORDS) for _ in range(300))
        cup = f"F{rnd.randint(10, 99)}H{rnd.randint(10**10, 10**11 - 1)}" if i % 3 == 0 else None
        text = (f"CUP {cup}. " if cup else "") + f"Avviso {i % 7 + 1}/2016. " + body
        sha = hashlib.sha256(f"{i}{text}".encode()).hexdigest()
        url = f"https://comune{i % 50}.example.it/pagina/{i // 2}"
        docs.append((sha, url, f"s{i % 50}", f"Pagina {i}", text, len(text)))
        fetches.append((f"f{i}", f"s{i % 50}", url, start + timedelta(days=i % 90), sha, "stored"))
        kinds = [("programme", PROGRAMMES[i % 5], None, None)]
        if cup:
            kinds.append(("cup", cup, None, None))
        kinds.append(("organisation", f"Comune {i % 50}", "lead", None))
        for _ in range(17):
            role = rnd.choice(["allocated", "admitted", "committed", "paid"])
            kinds.append(("amount", None, role, round(rnd.uniform(1e4, 2e6), 2)))
        for k, (kind, value, role, num) in enumerate(kinds):
            claims.append((f"{sha[:16]}-{k}", sha, kind, value or str(num), num, role, k * 10,
                           k * 10 + 5, text[k * 10 : k * 10 + 5], f"{kind}@bench"))
    return (
        pd.DataFrame(docs, columns=["sha256", "url", "source_id", "title", "text", "n_chars"]),
        pd.DataFrame(claims, columns=["claim_id", "sha256", "kind", "value", "value_num", "role",
                                      "start_char", "end_char", "quote", "extractor"]),
        pd.DataFrame(fetches, columns=["fetch_id", "source_id", "url", "fetched_at", "sha256",
                                       "outcome"]),
    )


def timed(label: str, fn) -> object:
    t = time.perf_counter()
    out = fn()
    print(f"{label:<40} {time.perf_counter() - t:8.2f} s")
    return out


def main(n_docs: int) -> None:
    docs, claims, fetches = synthetic(n_docs)
    print(f"{n_docs} documents, {len(claims)} claims", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        with connect(path) as con:
            con.register("bench_docs", docs)
            con.register("bench_claims", claims)
            con.register("bench_fetches", fetches)
            con.execute("INSERT INTO sources SELECT DISTINCT source_id, 'Comune ' || source_id,"
                        " [], [], NULL, NULL FROM bench_docs")
            con.execute("INSERT INTO documents (sha256, url, source_id, title, text, n_chars)"
                        " SELECT * FROM bench_docs")
            con.execute("INSERT INTO claims (claim_id, sha256, kind, value, value_num, role,"
                        " start_char, end_char, quote, extractor) SELECT * FROM bench_claims")
            con.execute("INSERT INTO fetches (fetch_id, source_id, url, fetched_at, sha256,"
                        " outcome) SELECT * FROM bench_fetches")
            stats = timed("link_all (first run)", lambda: link_all(con))
            timed("link_all (again, same rows)", lambda: link_all(con))
            print(f"  {stats['projects']} projects, {stats['claims_linked']} claims linked")
            timed("search index build", lambda: ensure_index(con))
            timed("search index check (no change)", lambda: ensure_index(con))
            timed("search 'centro per l'impiego'", lambda: search(con, "centro per l'impiego"))
            if REAL.exists():
                timed("opencup import (7,814 real rows)", lambda: import_opencup(con, REAL))
        with connect(path, read_only=True) as con:
            timed("compare, 20 projects", lambda: compare(con, entity="Comune 1")[:20])
            timed("report (every project)", lambda: build_report(con, Path(tmp) / "report"))
            timed("export parquet", lambda: export(con, Path(tmp) / "export", "parquet"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
