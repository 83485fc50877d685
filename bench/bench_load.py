"""Claims per second of the warehouse loader next to a bare DuckDB Arrow insert, same claims.

    .venv/bin/python bench/bench_load.py [--claims 100000 1000000] [--quick] [--stage]

The claims are generated (20 per document, every kind, quotes, attributes), as Claim objects
in memory. Three figures per size, each into a fresh warehouse file:

- bare: the documents' and claims' fields read into Python lists, two Arrow tables, one
  ``INSERT ... SELECT ... FROM arrow`` each (the warehouse's tables, primary keys included);
- loader: ``warehouse.load.load_batches`` over the same documents and claims, cut into
  batches as the load stage cuts them (documents with their text, keys, coercions, one
  transaction per batch, the next batch built while DuckDB writes one);
- with ``--stage``: ``flows.stages.load_into_warehouse`` reading the stage files from disk
  (parsed and extracted JSON written first, not timed), then linking and indexing.

Both sides end with a CHECKPOINT (the data written to the file, not only to the log).
Targets: loader >= 0.5x bare, and 1,000,000 claims in under 15 s.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.records import Claim, Document  # noqa: E402
from warehouse import load as wload  # noqa: E402
from warehouse.db import connect  # noqa: E402

PER_DOC = 20
WORDS = ("progetto inclusione sociale comune ambito tirocini presa in carico servizi "
         "famiglie equipe multidisciplinare avviso finanziamento euro").split()
KINDS = [
    ("amount", "amounts@4", lambda r: round(r.uniform(1e3, 5e6), 2), "allocated", "EUR"),
    ("date", "dates@3", lambda r: f"20{r.randint(10, 25)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}",
     "start", None),
    ("cup", "cup@2", lambda r: f"F{r.randint(10, 99)}H{r.randint(10**10, 10**11 - 1)}", None,
     None),
    ("organisation", "organisations@5", lambda r: f"Comune di Paese {r.randint(1, 900)}",
     "lead", None),
    ("programme", "programmes@3", lambda r: r.choice(["PON Inclusione", "PN Metro Plus"]),
     None, None),
    ("outcome", "outcomes@2", lambda r: float(r.randint(1, 400)), None, None),
]


def make_items(n_claims: int, seed: int = 1) -> list[dict]:
    rnd = random.Random(seed)
    items = []
    for d in range(max(1, n_claims // PER_DOC)):
        text = " ".join(rnd.choice(WORDS) for _ in range(300))
        sha = hashlib.sha256(f"doc-{seed}-{d}".encode()).hexdigest()
        claims = []
        for k in range(PER_DOC):
            kind, extractor, value, role, currency = KINDS[k % len(KINDS)]
            start = k * 100 + rnd.randint(0, 60)  # distinct spans: distinct keys
            claims.append(Claim(
                kind=kind, value=value(rnd), text=text[start:start + 30], start=start,
                end=start + 30, extractor=extractor, role=role, currency=currency,
                unit="persone" if kind == "outcome" else None, confidence=0.9,
                attrs={"section": "finanziamento"} if k % 3 == 0 else {},
            ))
        items.append({
            "sha256": sha, "url": f"http://127.0.0.1/comune{d % 50}/pagina{d}.html",
            "source_id": f"s{d % 50}",
            "document": Document(text=text, title=f"Pagina {d}", media_type="text/html",
                                 parser="trafilatura", metadata={"lang": "it"}),
            "nlp_model": "blank:it[lemmatizer]", "claims": claims,
            "parsed_at": "2025-01-01T10:00:00", "extracted_at": "2025-01-01T10:00:01",
        })
    return items


def bare(db: Path, items: list[dict]) -> float:
    """The same documents and claims, fields straight into Arrow columns, one INSERT each:
    the floor any loader stands on (no keys hashed, no values checked)."""
    with connect(db) as con:
        wload.load_settings(con)
        t0 = time.perf_counter()
        docs: dict[str, list] = {c: [] for c in ("sha256", "url", "source_id", "title", "text")}
        cols: dict[str, list] = {c: [] for c in (
            "claim_id", "sha256", "kind", "value", "value_num", "unit", "currency", "role",
            "precision", "type", "status", "start_char", "end_char", "quote", "extractor",
            "confidence", "attrs", "extracted_at")}
        for it in items:
            sha = it["sha256"]
            d = it["document"]
            docs["sha256"].append(sha)
            docs["url"].append(it["url"])
            docs["source_id"].append(it["source_id"])
            docs["title"].append(d.title)
            docs["text"].append(d.text)
            for n, c in enumerate(it["claims"]):
                cols["claim_id"].append(f"{sha}:{n}")
                cols["sha256"].append(sha)
                cols["kind"].append(c.kind)
                cols["value"].append(str(c.value))
                cols["value_num"].append(c.value if isinstance(c.value, float) else None)
                cols["unit"].append(c.unit)
                cols["currency"].append(c.currency)
                cols["role"].append(c.role)
                cols["precision"].append(c.precision)
                cols["type"].append(c.type)
                cols["status"].append(c.status)
                cols["start_char"].append(c.start)
                cols["end_char"].append(c.end)
                cols["quote"].append(c.text)
                cols["extractor"].append(c.extractor)
                cols["confidence"].append(c.confidence)
                cols["attrs"].append(json.dumps(c.attrs))
                cols["extracted_at"].append(None)
        con.register("bare_docs", pa.table(docs))
        con.register("bare_claims", pa.table(cols))
        con.execute("INSERT INTO documents (sha256, url, source_id, title, text)"
                    " SELECT * FROM bare_docs")
        con.execute("INSERT INTO claims SELECT claim_id, sha256, kind, value, value_num, unit,"
                    " currency, role, precision, type, status, start_char, end_char, quote,"
                    " extractor, confidence, attrs::JSON, extracted_at FROM bare_claims")
        con.execute("CHECKPOINT")
        took = time.perf_counter() - t0
    return took


def loader(db: Path, items: list[dict]) -> float:
    with connect(db) as con:
        wload.load_settings(con)
        t0 = time.perf_counter()
        wload.load_batches(con, wload.batches(items), run_id="bench")  # as the load stage
        con.execute("CHECKPOINT")
        took = time.perf_counter() - t0
        n = con.execute("SELECT count(*) FROM claims").fetchone()[0]
    expected = sum(len(it["claims"]) for it in items)
    if n != expected:
        raise SystemExit(f"loader stored {n} claims of {expected}")
    return took


def stage(tmp: Path, items: list[dict]) -> float:
    """The load stage from the stage files on disk (written here first, not timed)."""
    from flows import stages

    ws = stages.Workspace.at(tmp / "project")
    docs = ws.docs
    for it in items:
        docs.put_document(it["sha256"], it["document"], {
            "url": it["url"], "source_id": it["source_id"], "parsed_at": it["parsed_at"]})
        docs.put_claims(it["sha256"], it["claims"], {
            "versions": {}, "model": it["nlp_model"], "extracted_at": it["extracted_at"]})
    t0 = time.perf_counter()
    stages.load_into_warehouse(ws, run_id="bench", shas=[it["sha256"] for it in items])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--quick", action="store_true", help="100,000 claims only")
    ap.add_argument("--stage", action="store_true",
                    help="also time the load stage from the files on disk")
    args = ap.parse_args()
    sizes = [100_000] if args.quick else args.claims
    for n in sizes:
        items = make_items(n)
        # Millions of live test objects would make every cyclic GC pass of either side slow
        # (the load stage itself holds one batch at a time): they are set aside.
        gc.collect()
        gc.freeze()
        real = sum(len(it["claims"]) for it in items)
        with tempfile.TemporaryDirectory() as tmp:
            t_bare = bare(Path(tmp) / "bare.duckdb", items)
            gc.collect()
            t_load = loader(Path(tmp) / "loader.duckdb", items)
            print(f"{real:>9,} claims ({len(items):,} documents)")
            print(f"  bare DuckDB Arrow insert: {real / t_bare:>10,.0f} claims/s  ({t_bare:.2f} s)")
            print(f"  inclusio loader:          {real / t_load:>10,.0f} claims/s  ({t_load:.2f} s)"
                  f"  ratio {t_bare / t_load:.2f}x (target >= 0.5x)")
            if real >= 1_000_000:
                print(f"  1M claims in {t_load:.1f} s (target < 15 s)")
            if args.stage:
                t_stage = stage(Path(tmp), items)
                print(f"  load stage from files:    {real / t_stage:>10,.0f} claims/s  "
                      f"({t_stage:.2f} s, reading JSON, linking, indexing)")
        gc.unfreeze()
        del items
        gc.collect()


if __name__ == "__main__":
    main()
