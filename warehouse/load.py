"""The one DuckDB writer: sources, fetch log, documents, tables, claims and problems.

Rows go in as pandas frames (DuckDB scans them as Arrow) inside one transaction per call, and
every key is derived from content (sha256, url, span), so a re-run replaces rows instead of
adding them and a failure half-way leaves the earlier state intact.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from models.records import Claim, Document, FetchRecord, Source
from warehouse import memory

T = TypeVar("T")


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
    """The claim's id; lone surrogates count as U+FFFD, as in the stored text (and in the
    key ``warehouse.bulk`` has DuckDB compute)."""
    parts = (sha256, c.extractor, c.kind, c.start, c.end, c.value, c.role)
    text = _str("\x1f".join("" if p is None else str(p) for p in parts)) or ""
    return hashlib.sha1(text.encode()).hexdigest()


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


# Fetch records become one row per (URL, body or failure), merged here in one pass that keeps
# a few values per pair; the rows go to DuckDB this many at a time.
FETCH_CHUNK = 5_000
_FETCH_IN = "_fetch_in"  # the name a chunk of merged rows is read from
_FETCH_COLUMNS = ("fetch_id", "run_id", "source_id", "url", "final_url", "fetched_at",
                  "last_seen_at", "attempts", "status", "content_type", "sha256", "n_bytes",
                  "etag", "last_modified", "outcome", "error", "filename", "last_run_id")


def _when(value: Any) -> pd.Timestamp | None:
    """A fetch time as the warehouse stores it (None when there is none)."""
    if value is None:
        return None
    ts = pd.Timestamp(value)
    return None if pd.isna(ts) else ts


class _Pair:
    """What a run's attempts at one (URL, body or failure) make of its row."""

    __slots__ = ("source", "first", "last", "attempts", "stored", "latest", "rank")

    def __init__(self) -> None:
        self.source: str | None = None
        self.first: pd.Timestamp | None = None
        self.last: pd.Timestamp | None = None
        self.attempts = 0
        self.stored = False
        self.latest: FetchRecord | None = None
        self.rank: tuple[int, int, int] = (-1, 0, 0)

    def add(self, order: int, r: FetchRecord) -> None:
        when = _when(r.fetched_at)
        if self.source is None:
            self.source = r.source_id
        if when is not None:
            self.first = when if self.first is None else min(self.first, when)
            self.last = when if self.last is None else max(self.last, when)
        self.attempts += 1
        self.stored = self.stored or r.outcome == "stored"
        # its latest attempt (one without a time counts as the latest), then the last listed
        rank = (1, 0, order) if when is None else (0, when.value, order)
        if rank > self.rank:
            self.rank, self.latest = rank, r


def _merged_fetches(records: Iterable[FetchRecord]) -> dict[str, _Pair]:
    """The run's attempts by pair, in the order pairs were first met.

    Rows come in the run's order: its sources as listed in the sources file, each in the
    order it fetched. Sources crawl at the same time, so which one reached a shared URL
    first is chance: a row keeps the first source listed that names one (as documents do),
    its other values from its latest attempt, and is ``stored`` when any attempt stored its
    body, so a run killed half-way and run again ends like one uninterrupted run.
    """
    pairs: dict[str, _Pair] = {}
    for order, r in enumerate(records):
        key = fetch_key(r)
        pair = pairs.get(key)
        if pair is None:
            pair = pairs[key] = _Pair()
        pair.add(order, r)
    return pairs


def _fetch_chunk(rows: Sequence[tuple[str, _Pair]]) -> pa.Table:
    """Merged rows as a frame with the ``fetches`` columns."""
    columns: dict[str, list[Any]] = {name: [] for name in _FETCH_COLUMNS}
    for key, pair in rows:
        r = pair.latest
        assert r is not None  # every pair has an attempt
        values = {name: getattr(r, name) for name in _RECORD_FIELDS}
        values.update(fetch_id=key, source_id=pair.source, fetched_at=pair.first,
                      last_seen_at=pair.last, attempts=pair.attempts, last_run_id=r.run_id,
                      outcome="stored" if pair.stored else r.outcome)
        for name, column in columns.items():
            column.append(values[name])
    df = pd.DataFrame(columns).astype({"status": "Int64", "n_bytes": "Int64",
                                       "attempts": "Int64"})
    for name in ("fetched_at", "last_seen_at"):
        df[name] = pd.to_datetime(df[name])
    return pa.Table.from_pandas(df, preserve_index=False)


def load_fetches(con: duckdb.DuckDBPyConnection, records: Iterable[FetchRecord]) -> int:
    """Upsert fetch attempts: new (url, body) pairs add rows, repeats bump last_seen/attempts;
    return how many distinct pairs the records hold.

    Each chunk of FETCH_CHUNK pairs is its own transaction under DuckDB's memory bound
    (``within_memory``): a transaction holds what it wrote in memory until it commits, about
    2 KB a row, so one transaction for a whole crawl grew with it. A run killed between
    chunks leaves whole pairs, never half a merge: the next load adds the pairs it lacks
    from the fetch log (``flows.stages``) and counts none twice.
    """
    pairs = _merged_fetches(records)
    rows = iter(pairs.items())
    while chunk := list(itertools.islice(rows, FETCH_CHUNK)):
        frame = _fetch_chunk(chunk)
        within_memory(con, lambda: _upsert_fetches(con, frame))  # noqa: B023 - called at once
    return len(pairs)


def _upsert_fetches(con: duckdb.DuckDBPyConnection, frame: pa.Table) -> None:
    cols = ", ".join(_FETCH_COLUMNS)
    with _Tx(con) as tx:
        tx.register(_FETCH_IN, frame)
        try:
            tx.execute(
                f"""
                INSERT INTO fetches ({cols}) SELECT {cols} FROM {_FETCH_IN}
                ON CONFLICT (fetch_id) DO UPDATE SET
                    last_run_id = excluded.run_id,
                    last_seen_at = greatest(fetches.last_seen_at, excluded.last_seen_at),
                    attempts = fetches.attempts + excluded.attempts,
                    status = excluded.status,
                    etag = coalesce(excluded.etag, fetches.etag),
                    filename = coalesce(excluded.filename, fetches.filename),
                    last_modified = coalesce(excluded.last_modified, fetches.last_modified)
                """
            )
        finally:
            tx.unregister(_FETCH_IN)


_RECORD_FIELDS = tuple(f.name for f in fields(FetchRecord))


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an int too large for a double is no number to sum
            return None
    return None


def _str(value: Any) -> str | None:
    """Text DuckDB can store: lone surrogates (from broken encodings) become U+FFFD, one
    character for one, so spans still index the text."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
    return text


def _json(value: Any) -> str:
    """JSON DuckDB accepts: NaN and infinities (not JSON) become null, odd objects strings."""

    def finite(v: Any) -> Any:
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            return None
        if isinstance(v, dict):
            return {str(k): finite(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [finite(x) for x in v]
        return v

    try:
        out = json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        out = json.dumps(finite(value), ensure_ascii=False, default=str)
    return _str(out) or "null"


def _int(value: Any, bits: int = 32) -> int | None:
    """An integer that fits the column, else None (a page count of 10**40 is no page count)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if -(2 ** (bits - 1)) <= value < 2 ** (bits - 1) else None


def _float(value: Any) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else _num(value)


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _stamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            return None
    return None


# Every frame handed to DuckDB has an explicit Arrow schema: an empty batch, a column that is
# null in every row or a value of an odd type can never change a column's type.
_DOC_SCHEMA = pa.schema([
    ("sha256", pa.string()), ("url", pa.string()), ("source_id", pa.string()),
    ("media_type", pa.string()), ("title", pa.string()), ("published", pa.date32()),
    ("updated", pa.date32()), ("text", pa.large_string()), ("n_chars", pa.int64()),
    ("pages", pa.int32()), ("parser", pa.string()), ("nlp_model", pa.string()),
    ("ocr", pa.bool_()), ("ocr_confidence", pa.float64()), ("signer", pa.string()),
    ("signature_intact", pa.bool_()), ("metadata", pa.large_string()),
    ("parsed_at", pa.timestamp("us")), ("extracted_at", pa.timestamp("us")),
])
_TABLE_SCHEMA = pa.schema([
    ("sha256", pa.string()), ("table_no", pa.int32()), ("page", pa.int32()),
    ("caption", pa.string()), ("header", pa.list_(pa.string())), ("rows", pa.large_string()),
    ("row_pages", pa.list_(pa.int32())),
])
_CLAIM_SCHEMA = pa.schema([
    ("claim_id", pa.string()), ("sha256", pa.string()), ("kind", pa.string()),
    ("value", pa.string()), ("value_num", pa.float64()), ("unit", pa.string()),
    ("currency", pa.string()), ("role", pa.string()), ("precision", pa.string()),
    ("type", pa.string()), ("status", pa.string()), ("start_char", pa.int32()),
    ("end_char", pa.int32()), ("quote", pa.large_string()), ("extractor", pa.string()),
    ("confidence", pa.float64()), ("attrs", pa.large_string()),
    ("extracted_at", pa.timestamp("us")),
])
_SHA_SCHEMA = pa.schema([("sha256", pa.string())])


def _arrow(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def _doc_row(it: dict[str, Any]) -> dict[str, Any]:
    """The documents row of one item, every value coerced to its column's type."""
    d: Document = it["document"]
    text = _str(d.text) or ""
    intact = d.metadata.get("signatures_intact") if isinstance(d.metadata, dict) else None
    return {
        "sha256": _str(it["sha256"]),
        "url": _str(it.get("url")),
        "source_id": _str(it.get("source_id")),
        "media_type": _str(d.media_type),
        "title": _str(d.title),
        "published": _day(d.published),
        "updated": _day(d.updated),
        "text": text,
        "n_chars": len(text),
        "pages": _int(d.pages),
        "parser": _str(d.parser),
        "nlp_model": _str(it.get("nlp_model")),
        "ocr": bool(d.ocr),
        "ocr_confidence": _float(d.ocr_confidence),
        "signer": _str(d.signer),
        # Set by the .p7m parser for signed files only (None otherwise).
        "signature_intact": intact if isinstance(intact, bool) else None,
        "metadata": _json(d.metadata),
        "parsed_at": _stamp(it.get("parsed_at")),
        "extracted_at": _stamp(it.get("extracted_at")),
    }


def _table_rows(it: dict[str, Any]) -> list[dict[str, Any]]:
    sha = _str(it["sha256"])
    return [
        {
            "sha256": sha,
            "table_no": no,
            "page": _int(t.page),
            "caption": _str(t.caption),
            "header": [_str(h) for h in t.header],
            "rows": _json(t.rows),
            "row_pages": None if t.row_pages is None else [_int(p) for p in t.row_pages],
        }
        for no, t in enumerate(it["document"].tables)
    ]


def _document_rows(it: dict[str, Any]) -> tuple[dict[str, Any], list[dict], list[dict]]:
    """The documents row, its tables' rows and its claims' rows, every value coerced to its
    column's type (so a bad value fails here, for this document only)."""
    doc = _doc_row(it)
    sha = doc["sha256"]
    extracted_at = doc["extracted_at"]
    claims = [
        {
            "claim_id": claim_key(sha or "", c),
            "sha256": sha,
            "kind": _str(c.kind),
            "value": _str(c.value),
            "value_num": _num(c.value),
            "unit": _str(c.unit),
            "currency": _str(c.currency),
            "role": _str(c.role),
            "precision": _str(c.precision),
            "type": _str(c.type),
            "status": _str(c.status),
            "start_char": _int(c.start),
            "end_char": _int(c.end),
            "quote": _str(c.text),
            "extractor": _str(c.extractor),
            "confidence": _float(c.confidence),
            "attrs": _json(c.attrs),
            "extracted_at": extracted_at,
        }
        for c in it.get("claims") or []
    ]
    return doc, _table_rows(it), claims


def _row_frames(items: Sequence[dict[str, Any]]) -> dict[str, pa.Table]:
    """The frames of a batch built row by row, each value through its coercion: the careful
    path, used when the bulk one (``warehouse.bulk``) refuses a batch."""
    docs, tables, claims = [], [], []
    for it in items:
        doc, tabs, cls = _document_rows(it)
        docs.append(doc)
        tables.extend(tabs)
        claims.extend(cls)
    seen: set[str] = set()
    claims = [c for c in claims if not (c["claim_id"] in seen or seen.add(c["claim_id"]))]
    return {
        "doc_df": _arrow(docs, _DOC_SCHEMA),
        "sha_df": _arrow([{"sha256": d["sha256"]} for d in docs], _SHA_SCHEMA),
        "ext_df": _arrow(
            [{"sha256": _str(it["sha256"])} for it in items if it.get("claims") is not None],
            _SHA_SCHEMA,
        ),
        "tab_df": _arrow(tables, _TABLE_SCHEMA),
        "claim_df": _arrow(claims, _CLAIM_SCHEMA),
    }


def _write_documents(con: duckdb.DuckDBPyConnection, items: Sequence[dict[str, Any]],
                     frames: dict[str, pa.Table] | None = None) -> None:
    """One transaction: documents replaced, their tables and (when extracted) claims swapped."""
    if frames is None:
        frames = _row_frames(items)
    with _Tx(con) as tx:
        for name, frame in frames.items():
            tx.register(name, frame)
        try:
            # Claims and tables exist only beside their document row (written in the same
            # transaction): a batch of new documents has nothing to delete, and skipping the
            # DELETEs spares a scan of the whole claims table per batch. Rows are deleted
            # and inserted rather than upserted: DuckDB's INSERT OR REPLACE costs several
            # times a plain INSERT.
            reloaded = tx.execute(
                "SELECT count(*) FROM sha_df JOIN documents USING (sha256)").fetchone()[0]
            if reloaded:
                tx.execute("DELETE FROM documents WHERE sha256 IN (SELECT sha256 FROM sha_df)")
            tx.execute(
                """
                INSERT INTO documents
                    (sha256, url, source_id, media_type, title, published, updated, text,
                     n_chars, pages, parser, nlp_model, ocr, ocr_confidence, signer, metadata,
                     parsed_at, extracted_at, signature_intact)
                SELECT sha256, url, source_id, media_type, title, published, updated, text,
                       n_chars, pages, parser, nlp_model, ocr, ocr_confidence, signer,
                       metadata::JSON, parsed_at, extracted_at, signature_intact
                FROM doc_df
                """
            )
            if reloaded:
                tx.execute(
                    "DELETE FROM document_tables WHERE sha256 IN (SELECT sha256 FROM sha_df)")
            tx.execute(
                "INSERT INTO document_tables (sha256, table_no, page, caption, header, rows,"
                " row_pages) SELECT sha256, table_no, page, caption, header, rows::JSON,"
                " row_pages FROM tab_df"
            )
            if reloaded:
                tx.execute("DELETE FROM claims WHERE sha256 IN (SELECT sha256 FROM ext_df)")
            tx.execute(
                """
                INSERT INTO claims
                SELECT claim_id, sha256, kind, value, value_num, unit, currency, role,
                       precision, type, status, start_char, end_char, quote, extractor,
                       confidence, attrs::JSON, extracted_at
                FROM claim_df
                """
            )
        finally:
            for name in frames:
                tx.unregister(name)


# Failures that say the warehouse itself cannot be written (disk full, file damaged): these
# stop the run instead of being blamed on one document.
# DuckDB running out of its memory bound is not the document's fault either: the batch is tried
# again under a larger bound, then without one (``within_memory``).
_FATAL = (duckdb.IOException, duckdb.FatalException, duckdb.InternalException, MemoryError,
          duckdb.OutOfMemoryException)


# A load_documents call (one transaction) in the load stage takes documents until one of
# these is reached. The batch being written and the next one, built meanwhile, are held in
# memory as Python objects and Arrow frames (about 1.5 KB per claim), so these bounds are
# what the load's memory follows, whatever the number of documents loaded.
LOAD_BATCH = 1_000  # documents
LOAD_BATCH_CLAIMS = 20_000
LOAD_BATCH_CHARS = 8_000_000


def batches(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``items`` (read lazily) in load batches, each as large as the bounds above allow."""
    batch: list[dict[str, Any]] = []
    claims = chars = 0
    for it in items:
        batch.append(it)
        claims += len(it.get("claims") or ())
        text = getattr(it.get("document"), "text", None)
        chars += len(text) if isinstance(text, str) else 0
        if len(batch) >= LOAD_BATCH or claims >= LOAD_BATCH_CLAIMS or chars >= LOAD_BATCH_CHARS:
            yield batch
            batch, claims, chars = [], 0, 0
    if batch:
        yield batch


# Write-ahead log size that triggers a checkpoint during a load (DuckDB's default is 16 MB):
# rows written since the last checkpoint stay in memory until the next one, so this bounds
# them (checkpointed rows are blocks of the file, which DuckDB may drop from memory).
LOAD_CHECKPOINT = "64MB"
# DuckDB's memory while loading a batch, the fetch rows, linking and the index build (its
# default is 80 % of the machine's): past it DuckDB drops cached blocks of the file and spills
# what it can to a temporary folder beside the warehouse, so the blocks a long load wrote do
# not pile up in memory (50,000 generated documents: 128 MB let the load's peak grow by 0.1 GB
# more). A step DuckDB cannot fit in its bound is tried again under a bound four times larger,
# then without one (``within_memory``), so a larger warehouse costs memory, never the run.
LOAD_MEMORY_LIMIT = "64MB"
def load_settings(con: duckdb.DuckDBPyConnection) -> None:
    """The settings a loading connection runs with (checkpoints, above)."""
    con.execute(f"SET checkpoint_threshold = '{LOAD_CHECKPOINT}'")
    memory.duckdb_settings(con)


def within_memory(con: duckdb.DuckDBPyConnection, step: Callable[[], T],
                  limit: str | None = None) -> T:
    """``step()`` with DuckDB held to ``limit`` (default LOAD_MEMORY_LIMIT), larger bounds
    after (``warehouse.memory.bounded``)."""
    return memory.bounded(con, step, limit or LOAD_MEMORY_LIMIT)


def load_documents(
    con: duckdb.DuckDBPyConnection, items: Sequence[dict[str, Any]], run_id: str | None = None
) -> int:
    """Replace documents (with their tables and claims) keyed by sha256; return how many landed.

    Each item: ``sha256``, ``url``, ``source_id``, ``document`` (Document), ``nlp_model``,
    ``claims`` (list[Claim] or None when not extracted yet), ``parsed_at``, ``extracted_at``.

    The batch goes in as one transaction, its claims built column by column
    (``warehouse.bulk``). If that fails, the batch is built again value by value through the
    coercions and tried again; if it still fails it is split in halves until each document
    that cannot be stored stands alone: it becomes a ``problems`` row (stage ``load``) with
    the reason, and the rest of the batch lands.
    """
    return _load_built(con, items, _built(items), run_id)


def _built(items: Sequence[dict[str, Any]]) -> dict[str, pa.Table] | Exception:
    """The bulk frames of ``items``, or why the bulk path cannot take them."""
    from warehouse.bulk import bulk_frames

    if not items:
        return {}
    try:
        return bulk_frames(items)
    except _FATAL:
        raise
    except Exception as exc:
        return exc


def _load_built(con: duckdb.DuckDBPyConnection, items: Sequence[dict[str, Any]],
                frames: dict[str, pa.Table] | Exception, run_id: str | None) -> int:
    if not items:
        return 0
    if not isinstance(frames, Exception):
        try:
            _write_documents(con, items, frames)
            clear_problems(con, "load", [str(it["sha256"]) for it in items])
            return len(items)
        except _FATAL:
            raise
        except Exception:  # noqa: S110 - a value the bulk path cannot take: the careful path
            pass
    problems: list[dict[str, Any]] = []
    ok: list[str] = []
    _write_split(con, list(items), run_id, ok, problems)
    clear_problems(con, "load", ok)
    load_problems(con, problems)
    return len(ok)


def write_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pa.Table]) -> int:
    """Write a batch already built by ``warehouse.bulk.bulk_frames`` (in another process, say,
    and staged as Parquet) in one transaction, as ``load_documents`` writes it; return how
    many documents it holds. The frames carry their claim keys. A failure raises and leaves
    the warehouse as it was: the caller, which holds the documents, can then load them with
    ``load_documents`` (value by value, each document that cannot be stored a problem)."""
    _write_documents(con, (), frames)
    shas = [s for s in frames["sha_df"].column("sha256").to_pylist() if s is not None]
    clear_problems(con, "load", shas)
    return len(shas)


def load_batches(con: duckdb.DuckDBPyConnection, batches: Iterable[Sequence[dict[str, Any]]],
                 run_id: str | None = None) -> int:
    """``load_documents`` over each batch, the next batch read and built into frames in a
    thread while DuckDB writes the one before (DuckDB lets go of the GIL while it works), so
    the Python and the database halves of a load overlap. ``batches`` is consumed from that
    one thread, one batch at a time. Returns how many documents landed.
    """
    from concurrent.futures import ThreadPoolExecutor

    source = iter(batches)

    def build() -> tuple[Sequence[dict[str, Any]], dict[str, pa.Table] | Exception] | None:
        items = next(source, None)
        return None if items is None else (items, _built(items))

    landed = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-build") as pool:
        ahead = pool.submit(build)
        while (done := ahead.result()) is not None:
            ahead = pool.submit(build)
            items, frames = done
            landed += within_memory(
                con, lambda: _load_built(con, items, frames, run_id))  # noqa: B023 - called at once
            del items, frames, done
            memory.give_back()
    if landed:
        # Under the bound as the automatic checkpoints between batches are (they run at a
        # commit): unbounded, DuckDB fills its buffer pool with every block it writes.
        within_memory(con, lambda: con.execute("CHECKPOINT"))
        memory.give_back()
    return landed


def _write_split(con: duckdb.DuckDBPyConnection, items: list[dict[str, Any]],
                 run_id: str | None, ok: list[str], problems: list[dict[str, Any]]) -> None:
    """Write ``items`` row by row; halves on failure, down to the documents that fail alone
    (the same documents land as if each were tried alone, in far fewer transactions)."""
    try:
        _write_documents(con, items)
    except _FATAL:
        raise
    except Exception as exc:
        if len(items) > 1:
            half = len(items) // 2
            _write_split(con, items[:half], run_id, ok, problems)
            _write_split(con, items[half:], run_id, ok, problems)
            return
        it = items[0]  # this document only: recorded, the run goes on
        problems.append({
            "run_id": run_id,
            "stage": "load",
            "url": it.get("url") if isinstance(it.get("url"), str) else None,
            "sha256": it.get("sha256") if isinstance(it.get("sha256"), str) else None,
            "reason": f"could not be stored: {type(exc).__name__}: {exc}"[:1000],
        })
        return
    ok.extend(str(it["sha256"]) for it in items)


_PROBLEM_SCHEMA = pa.schema([
    ("problem_id", pa.string()), ("run_id", pa.string()), ("stage", pa.string()),
    ("url", pa.string()), ("sha256", pa.string()), ("reason", pa.string()),
    ("occurred_at", pa.timestamp("us")),
])


def load_problems(con: duckdb.DuckDBPyConnection, problems: Sequence[dict[str, Any]]) -> int:
    """Record failures once per (stage, url or document, reason); a re-run refreshes the row."""
    if not problems:
        return 0
    rows: dict[str, dict[str, Any]] = {}
    for p in problems:
        stage, url, sha, reason = (_str(p["stage"]), _str(p.get("url")), _str(p.get("sha256")),
                                   _str(p["reason"]))
        key = _key(stage, url, sha, reason)
        rows[key] = {
            "problem_id": key,
            "run_id": _str(p.get("run_id")),
            "stage": stage,
            "url": url,
            "sha256": sha,
            "reason": reason,
            "occurred_at": _stamp(p.get("occurred_at")) or datetime.now(),
        }
    frame = _arrow(list(rows.values()), _PROBLEM_SCHEMA)
    with _Tx(con) as tx:
        tx.register("prob_df", frame)
        tx.execute("INSERT OR REPLACE INTO problems SELECT * FROM prob_df")
        tx.unregister("prob_df")
    return len(rows)


def clear_problems(con: duckdb.DuckDBPyConnection, stage: str, shas: Sequence[str]) -> None:
    """Forget earlier failures of documents that now went through ``stage``."""
    if shas:
        frame = _arrow([{"sha256": _str(s)} for s in shas], _SHA_SCHEMA)
        con.register("ok_df", frame)
        con.execute(
            "DELETE FROM problems WHERE stage = ? AND sha256 IN (SELECT sha256 FROM ok_df)", [stage]
        )
        con.unregister("ok_df")
