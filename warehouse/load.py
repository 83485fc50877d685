"""The one DuckDB writer: sources, fetch log, documents, tables, claims and problems.

Rows go in as pandas frames (DuckDB scans them as Arrow) inside one transaction per call, and
every key is derived from content (sha256, url, span), so a re-run replaces rows instead of
adding them and a failure half-way leaves the earlier state intact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from models.records import Claim, Document, FetchRecord, Source


def _key(*parts: Any) -> str:
    return hashlib.sha1(
        "\x1f".join("" if p is None else str(p) for p in parts).encode()
    ).hexdigest()


def fetch_key(rec: FetchRecord) -> str:
    """One row per (url, body) or per (url, kind of failure): unchanged re-crawls reuse it."""
    if rec.sha256:
        return _key(rec.url, rec.sha256)
    return _key(rec.url, rec.outcome, rec.status, rec.error)


def claim_key(sha256: str, c: Claim) -> str:
    return _key(sha256, c.extractor, c.kind, c.start, c.end, c.value, c.role)


class _Tx:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")


def load_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[Source]) -> int:
    if not sources:
        return 0
    now = datetime.now()
    df = pd.DataFrame(
        [
            {
                "source_id": s.source_id,
                "entity": s.entity,
                "start_urls": list(s.start_urls),
                "allowed_hosts": list(s.allowed_hosts),
                "config": json.dumps(asdict(s), ensure_ascii=False, default=str),
                "updated_at": now,
            }
            for s in sources
        ]
    )
    with _Tx(con) as tx:
        tx.register("src_df", df)
        tx.execute(
            "INSERT OR REPLACE INTO sources SELECT source_id, entity, start_urls, allowed_hosts,"
            " config::JSON, updated_at FROM src_df"
        )
        tx.unregister("src_df")
    return len(df)


def load_fetches(con: duckdb.DuckDBPyConnection, records: Iterable[FetchRecord]) -> int:
    """Upsert fetch attempts: new (url, body) pairs add rows, repeats bump last_seen/attempts."""
    rows = []
    for r in records:
        d = asdict(r)
        d["fetch_id"] = fetch_key(r)
        d["fetched_at"] = pd.Timestamp(r.fetched_at)
        rows.append(d)
    if not rows:
        return 0
    df = pd.DataFrame(rows).sort_values("fetched_at")
    agg = df.groupby("fetch_id", sort=False).agg(
        first=("fetched_at", "min"), last=("fetched_at", "max"), attempts=("url", "size")
    )
    df = df.drop_duplicates("fetch_id", keep="last").set_index("fetch_id").join(agg).reset_index()
    cols = [
        "fetch_id",
        "run_id",
        "source_id",
        "url",
        "final_url",
        "first",
        "last",
        "attempts",
        "status",
        "content_type",
        "sha256",
        "n_bytes",
        "etag",
        "last_modified",
        "outcome",
        "error",
        "filename",
    ]
    df = df[cols].astype({"status": "Int64", "n_bytes": "Int64"})
    with _Tx(con) as tx:
        tx.register("fetch_df", df)
        tx.execute(
            """
            INSERT INTO fetches (fetch_id, run_id, source_id, url, final_url, fetched_at,
                                 last_seen_at, attempts, status, content_type, sha256, n_bytes,
                                 etag, last_modified, outcome, error, filename)
            SELECT fetch_id, run_id, source_id, url, final_url, first, last, attempts, status,
                   content_type, sha256, n_bytes, etag, last_modified, outcome, error, filename
            FROM fetch_df
            ON CONFLICT (fetch_id) DO UPDATE SET
                run_id = excluded.run_id,
                last_seen_at = greatest(fetches.last_seen_at, excluded.last_seen_at),
                attempts = fetches.attempts + excluded.attempts,
                status = excluded.status,
                etag = coalesce(excluded.etag, fetches.etag),
                filename = coalesce(excluded.filename, fetches.filename),
                last_modified = coalesce(excluded.last_modified, fetches.last_modified)
            """
        )
        tx.unregister("fetch_df")
    return len(df)


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def load_documents(con: duckdb.DuckDBPyConnection, items: Sequence[dict[str, Any]]) -> int:
    """Replace documents (with their tables and claims) keyed by sha256.

    Each item: ``sha256``, ``url``, ``source_id``, ``document`` (Document), ``nlp_model``,
    ``claims`` (list[Claim] or None when not extracted yet), ``parsed_at``, ``extracted_at``.
    """
    if not items:
        return 0
    docs, tables, claims = [], [], []
    for it in items:
        d: Document = it["document"]
        sha = it["sha256"]
        docs.append(
            {
                "sha256": sha,
                "url": it.get("url"),
                "source_id": it.get("source_id"),
                "media_type": d.media_type,
                "title": d.title,
                "published": d.published,
                "updated": d.updated,
                "text": d.text,
                "n_chars": len(d.text),
                "pages": d.pages,
                "parser": d.parser,
                "nlp_model": it.get("nlp_model"),
                "ocr": d.ocr,
                "ocr_confidence": d.ocr_confidence,
                "signer": d.signer,
                # Set by the .p7m parser for signed files only (None otherwise).
                "signature_intact": d.metadata.get("signatures_intact"),
                "metadata": json.dumps(d.metadata, ensure_ascii=False, default=str),
                "parsed_at": it.get("parsed_at"),
                "extracted_at": it.get("extracted_at"),
            }
        )
        for no, t in enumerate(d.tables):
            tables.append(
                {
                    "sha256": sha,
                    "table_no": no,
                    "page": t.page,
                    "caption": t.caption,
                    "header": list(t.header),
                    "rows": json.dumps(t.rows, ensure_ascii=False),
                    "row_pages": t.row_pages,
                }
            )
        for c in it.get("claims") or []:
            claims.append(
                {
                    "claim_id": claim_key(sha, c),
                    "sha256": sha,
                    "kind": c.kind,
                    "value": None if c.value is None else str(c.value),
                    "value_num": _num(c.value),
                    "unit": c.unit,
                    "currency": c.currency,
                    "role": c.role,
                    "precision": c.precision,
                    "type": c.type,
                    "status": c.status,
                    "start_char": c.start,
                    "end_char": c.end,
                    "quote": c.text,
                    "extractor": c.extractor,
                    "confidence": c.confidence,
                    "attrs": json.dumps(c.attrs, ensure_ascii=False, default=str),
                    "extracted_at": it.get("extracted_at"),
                }
            )
    doc_df = pd.DataFrame(docs)
    for col in ("published", "updated"):
        doc_df[col] = pd.to_datetime(doc_df[col]).dt.date
    shas = pd.DataFrame({"sha256": [it["sha256"] for it in items]})
    with _Tx(con) as tx:
        tx.register("doc_df", doc_df)
        tx.register("sha_df", shas)
        tx.execute(
            """
            INSERT OR REPLACE INTO documents
                (sha256, url, source_id, media_type, title, published, updated, text, n_chars,
                 pages, parser, nlp_model, ocr, ocr_confidence, signer, metadata, parsed_at,
                 extracted_at, signature_intact)
            SELECT sha256, url, source_id, media_type, title, published::DATE, updated::DATE,
                   text, n_chars, pages, parser, nlp_model, ocr, ocr_confidence, signer,
                   metadata::JSON, parsed_at, extracted_at, signature_intact::BOOLEAN
            FROM doc_df
            """
        )
        tx.execute("DELETE FROM document_tables WHERE sha256 IN (SELECT sha256 FROM sha_df)")
        if tables:
            tx.register("tab_df", pd.DataFrame(tables))
            tx.execute(
                "INSERT INTO document_tables (sha256, table_no, page, caption, header, rows,"
                " row_pages) SELECT sha256, table_no, page, caption, header, rows::JSON,"
                " row_pages::INTEGER[] FROM tab_df"
            )
            tx.unregister("tab_df")
        extracted = pd.DataFrame(
            {"sha256": [it["sha256"] for it in items if it.get("claims") is not None]}
        )
        tx.register("ext_df", extracted)
        tx.execute("DELETE FROM claims WHERE sha256 IN (SELECT sha256 FROM ext_df)")
        if claims:
            cdf = pd.DataFrame(claims).drop_duplicates("claim_id")
            tx.register("claim_df", cdf)
            tx.execute(
                """
                INSERT INTO claims
                SELECT claim_id, sha256, kind, value, value_num, unit, currency, role, precision,
                       type, status, start_char, end_char, quote, extractor, confidence,
                       attrs::JSON, extracted_at
                FROM claim_df
                """
            )
            tx.unregister("claim_df")
        for name in ("doc_df", "sha_df", "ext_df"):
            tx.unregister(name)
    return len(docs)


def load_problems(con: duckdb.DuckDBPyConnection, problems: Sequence[dict[str, Any]]) -> int:
    """Record failures once per (stage, url or document, reason); a re-run refreshes the row."""
    if not problems:
        return 0
    rows = [
        {
            "problem_id": _key(p["stage"], p.get("url"), p.get("sha256"), p["reason"]),
            "run_id": p.get("run_id"),
            "stage": p["stage"],
            "url": p.get("url"),
            "sha256": p.get("sha256"),
            "reason": p["reason"],
            "occurred_at": p.get("occurred_at") or datetime.now(),
        }
        for p in problems
    ]
    df = pd.DataFrame(rows).drop_duplicates("problem_id", keep="last")
    with _Tx(con) as tx:
        tx.register("prob_df", df)
        tx.execute("INSERT OR REPLACE INTO problems SELECT * FROM prob_df")
        tx.unregister("prob_df")
    return len(df)


def clear_problems(con: duckdb.DuckDBPyConnection, stage: str, shas: Sequence[str]) -> None:
    """Forget earlier failures of documents that now went through ``stage``."""
    if shas:
        df = pd.DataFrame({"sha256": list(shas)})
        con.register("ok_df", df)
        con.execute(
            "DELETE FROM problems WHERE stage = ? AND sha256 IN (SELECT sha256 FROM ok_df)", [stage]
        )
        con.unregister("ok_df")
