"""The pipeline's stages as plain functions over one project folder.

Prefect tasks (flows/pipeline.py) and the CLI call these same functions. They pass sha256
ids and paths; each stage reads the previous stage's files and persists its own, so any stage
can run again alone and a killed run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from crawl.crawler import NOTICE_OUTCOMES, CrawlState, crawl_source
from crawl.rawstore import BodyStore, is_sha256, open_raw_store
from docstore.files import DocStore, StoredFileDamaged, claim_from_dict, open_docstore, write_json
from docstore.objects import is_url
from extractors.nlp import expected_pipeline_name, load_nlp, pipeline_name
from extractors.registry import extract_document, versions
from inclusio.settings import Paths, paths
from models.records import FetchRecord, Source
from parsers import ParseError
from warehouse import load as wload
from warehouse.db import connect
from warehouse.memory import give_back

BATCH_SIZE = 25
# Documents per Prefect task: a task run costs about 10 ms here and 40 ms of the API server's
# CPU (its state events and logs), parsing a page about 3 ms and extracting one about 10 ms
# (a long PDF more), so batches are a few seconds of work and a run has few tasks.
PARSE_BATCH = 500
EXTRACT_BATCH = 250


STORE_ENV = "INCLUSIO_STORE"


def store_setting(store: str | None = None) -> str | None:
    """The shared store given (``--store``), else ``$INCLUSIO_STORE``, else None (the home
    folder's data/). A plain path stays a path; ``scheme://`` goes through fsspec."""
    value = (store if store is not None else os.environ.get(STORE_ENV, "")).strip()
    if not value:
        return None
    return value.rstrip("/") if is_url(value) else str(Path(value).expanduser().resolve())


@dataclass(frozen=True, slots=True)
class Workspace:
    """The folders of one project: raw bytes, parsed and extracted files, the warehouse.

    ``store``, when set, is where the raw bodies, parsed and extracted files and staged
    batches live instead of the home folder's data/ (a folder, or an fsspec URL that workers
    on other machines share); the fetch log, sources.json and the warehouse stay in the home
    folder, with the one writer. Stages given a Workspace (not a root string) on a Dask
    worker use its store whatever the worker's environment says.
    """

    root: Path
    store: str | None = None

    @classmethod
    def at(cls, root: Path | str | Workspace | None = None,
           store: str | None = None) -> Workspace:
        if isinstance(root, Workspace):
            return root
        return cls(paths(Path(root) if root else None).root, store_setting(store))

    @property
    def paths(self) -> Paths:
        return paths(self.root)

    @property
    def raw(self) -> BodyStore:
        return open_raw_store(f"{self.store}/raw" if self.store else self.paths.raw)

    @property
    def docs(self) -> DocStore:
        return open_docstore(self.store or self.root / "data")

    @property
    def remote(self) -> bool:
        """Whether the stores are reached through fsspec (a URL), not as local folders."""
        return is_url(self.store)

    @property
    def fetch_log(self) -> Path:
        return self.paths.raw / "fetch-log.jsonl"

    @property
    def warehouse(self) -> Path:
        return self.paths.warehouse


# What a stage is given to find its project: the home folder as a string (its store from this
# process's settings) or the run's Workspace itself (as sent to Dask workers).
Root = str | Workspace


def _say(message: str) -> None:
    """A progress line on stderr (stdout stays for results)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def new_run_id() -> str:
    return datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


# --- fetch ---------------------------------------------------------------------------------


def _record_from_json(data: dict[str, Any]) -> FetchRecord:
    data = dict(data)
    if isinstance(data.get("fetched_at"), str):
        data["fetched_at"] = datetime.fromisoformat(data["fetched_at"])
    return FetchRecord(**{k: v for k, v in data.items() if k in FetchRecord.__slots__})


def read_fetch_log(ws: Workspace) -> list[FetchRecord]:
    """Every fetch attempt ever logged, oldest first (a torn last line is skipped)."""
    return list(iter_fetch_log(ws))


def iter_fetch_log(ws: Workspace) -> Iterator[FetchRecord]:
    """The fetch log read a line at a time: a log of every crawl ever run is never all in
    memory at once."""
    if not ws.fetch_log.exists():
        return
    with ws.fetch_log.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                yield _record_from_json(json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue


_FETCH_FIELDS = tuple(f.name for f in fields(FetchRecord))


def _fetch_line(rec: FetchRecord) -> str:
    # The fields are flat values: a plain dict says the same as asdict() without its deep copy.
    row = {name: getattr(rec, name) for name in _FETCH_FIELDS}
    return json.dumps(row, ensure_ascii=False, default=str) + "\n"


def append_fetch_log(ws: Workspace, rec: FetchRecord) -> None:
    ws.fetch_log.parent.mkdir(parents=True, exist_ok=True)
    with ws.fetch_log.open("a", encoding="utf-8") as fh:
        fh.write(_fetch_line(rec))


class FetchLogWriter:
    """The fetch log held open for a whole crawl: each record is still written and flushed to
    the file as it happens (a killed run keeps every line it finished), without opening the
    file and resolving the project's paths again for every line. Thread-safe."""

    def __init__(self, ws: Workspace) -> None:
        path = ws.fetch_log
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, rec: FetchRecord) -> None:
        line = _fetch_line(rec)
        with self._lock:
            self._fh.write(line)
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()

    def __enter__(self) -> FetchLogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NoFetchLog(FetchLogWriter):
    """A crawl whose records are logged by another process (see ``flows.runner.crawl_all``)."""

    def __init__(self) -> None:
        pass

    def write(self, rec: FetchRecord) -> None:
        pass

    def close(self) -> None:
        pass


def crawl_state(ws: Workspace) -> CrawlState:
    """What earlier runs learnt per URL (validators, body hash, type, when), from the fetch log."""
    return CrawlState.from_records(read_fetch_log(ws))


_run_state: dict[tuple[Path, str], CrawlState] = {}  # the latest run's, read once per process
_run_state_lock = threading.Lock()


def run_crawl_state(ws: Workspace, run_id: str) -> CrawlState:
    """The crawl state as it was when this process first asked for it during run ``run_id``:
    the flow's fetch task of every source would otherwise parse the whole fetch log again,
    which grows with every run (quadratic in a crawl of thousands of sources)."""
    key = (ws.fetch_log, run_id)
    with _run_state_lock:
        state = _run_state.get(key)
        if state is None:
            state = crawl_state(ws)
            _run_state.clear()
            _run_state[key] = state
        return state


def fetch_source(
    ws: Workspace,
    source: Source,
    run_id: str,
    progress: Callable[[FetchRecord], None] | None = None,
    *,
    state: CrawlState | None = None,
    fetch_log: FetchLogWriter | None = None,
) -> list[FetchRecord]:
    """Crawl one source into the raw store, logging every attempt as it happens.

    A caller crawling many sources passes the ``state`` it read once from the fetch log and
    one open ``fetch_log``; otherwise the state is read once per run and process
    (:func:`run_crawl_state`)."""
    if state is None:
        state = run_crawl_state(ws, run_id)

    def log(rec: FetchRecord) -> None:
        if fetch_log is not None:
            fetch_log.write(rec)
        else:
            append_fetch_log(ws, rec)
        if progress:
            progress(rec)

    return crawl_source(source, ws.raw, run_id=run_id, state=state, progress=log)


def bodies(records: Iterable[FetchRecord]) -> list[dict[str, Any]]:
    """One item per distinct body: its sha256 with the first URL, content type and source."""
    seen: dict[str, dict[str, Any]] = {}
    for r in records:
        # A fetch log line whose hash was damaged names no stored body: skipped.
        if (r.outcome in ("stored", "unchanged") and is_sha256(r.sha256)
                and r.sha256 not in seen):
            seen[r.sha256] = {
                "sha256": r.sha256,
                "url": r.final_url or r.url,
                "content_type": r.content_type,
                "source_id": r.source_id,
            }
    return list(seen.values())


def fetch_problems(records: Iterable[FetchRecord]) -> list[dict[str, Any]]:
    return [
        {
            "run_id": r.run_id,
            "stage": "fetch",
            "url": r.url,
            "reason": r.error or f"{r.outcome} (HTTP {r.status})",
            "occurred_at": r.fetched_at,
        }
        for r in records
        if r.outcome in ("failed", "refused", *NOTICE_OUTCOMES)
    ]


def _stored(get: Callable[[str], dict[str, Any] | None], sha: str) -> dict[str, Any] | None:
    """A stored stage file, or None when it is missing or damaged (so it is made again)."""
    try:
        return get(sha)
    except StoredFileDamaged:
        return None


# --- parse ---------------------------------------------------------------------------------


def parse_batch(ws: Workspace, items: Sequence[dict[str, Any]], force: bool = False) -> list[dict]:
    """Parse stored bodies into documents; a bad file becomes an error entry, never an exception.

    Bodies go to the process's pool of parser workers (``parsers.pool``), started only when a
    body needs parsing: a hang or a memory blow-up in a C library becomes a ParseError for that
    document (its worker is replaced), never a stuck or killed run.
    """
    from parsers.pool import ParseJob, shared_pool

    store, docs = ws.raw, ws.docs
    results: list[dict | None] = [None] * len(items)
    todo: list[int] = []
    for n, it in enumerate(items):
        sha = it["sha256"]
        if not force and (done := _stored(docs.get_parsed, sha)) is not None:
            results[n] = {"sha256": sha, "error": done.get("error"), "skipped": True}
        else:
            todo.append(n)
    jobs = [
        ParseJob(_reader(store, items[n]["sha256"]), items[n].get("content_type"),
                 items[n].get("url"))
        for n in todo
    ]
    for k, res in (shared_pool().imap(jobs) if jobs else ()):
        it = items[todo[k]]
        sha = it["sha256"]
        meta = {**it, "parsed_at": datetime.now().isoformat()}
        if isinstance(res, Exception):
            reason = (str(res) if isinstance(res, ParseError)
                      # a parser bug or an unreadable body must not stop the run: recorded
                      else f"parser crashed: {type(res).__name__}: {res}")
            docs.put_parse_error(sha, reason, meta)
            results[todo[k]] = {"sha256": sha, "error": reason, "skipped": False}
            continue
        docs.put_document(sha, res, meta)
        results[todo[k]] = {"sha256": sha, "error": None, "skipped": False}
    return [r for r in results if r is not None]


def _reader(store: BodyStore, sha: str) -> Callable[[], bytes]:
    return lambda: store.get(sha)


# --- extract -------------------------------------------------------------------------------


def extraction_current(prev: dict[str, Any], current: dict[str, str],
                       model: str | None = None) -> bool:
    """Whether stored claims were made by the extractor versions ``current`` and the spaCy
    pipeline ``model`` (default: the one ``load_nlp`` would give, read without loading it)."""
    meta = prev.get("meta") or {}
    if meta.get("versions") != current:
        return False
    if model is None:
        model = expected_pipeline_name()
        if model is None or meta.get("model") != model:
            model = pipeline_name(load_nlp())  # the guess differs: ask the pipeline itself
    return meta.get("model") == model


def extract_batch(ws: Workspace, shas: Sequence[str], force: bool = False) -> list[dict]:
    """Run the extractors over parsed documents; skip those done by the same extractor versions.

    spaCy is loaded only when a document has to be extracted.
    """
    docs = ws.docs
    current = versions()
    nlp: Any = None
    model: str | None = None
    results = []
    for sha in shas:
        try:
            doc = docs.get_document(sha)
        except StoredFileDamaged as exc:
            results.append({"sha256": sha, "error": f"{exc}; run `inclusio parse` again"})
            continue
        if doc is None:
            continue
        prev = _stored(docs.get_extracted, sha)  # a damaged file is extracted again
        if not force and prev and extraction_current(prev, current, model):
            results.append({"sha256": sha, "claims": len(prev["claims"]), "skipped": True})
            continue
        if nlp is None:
            nlp = load_nlp()
            model = pipeline_name(nlp)
            if not force and prev and extraction_current(prev, current, model):
                results.append({"sha256": sha, "claims": len(prev["claims"]), "skipped": True})
                continue
        try:
            claims = extract_document(doc, nlp)
        except Exception as exc:  # recorded as a problem; other documents go on
            results.append({"sha256": sha, "error": f"{type(exc).__name__}: {exc}"})
            continue
        meta = {"versions": current, "model": model, "extracted_at": datetime.now().isoformat()}
        docs.put_claims(sha, claims, meta)
        results.append({"sha256": sha, "claims": len(claims), "skipped": False})
    return results


# --- load ----------------------------------------------------------------------------------


def _loaded_versions(con: Any, shas: Sequence[str]) -> dict[str, str]:
    """When each of ``shas`` already in the warehouse was extracted (only these are read: a
    run's cost follows what it brought, not the warehouse's size)."""
    import pyarrow as pa

    con.register("run_shas", pa.table({"sha256": pa.array(list(shas), type=pa.string())}))
    try:
        rows = con.execute(
            "SELECT sha256, strftime(extracted_at, '%Y-%m-%dT%H:%M:%S.%f') FROM documents"
            " WHERE sha256 IN (SELECT sha256 FROM run_shas)"
        ).fetchall()
    finally:
        con.unregister("run_shas")
    return dict(rows)


def load_into_warehouse(
    ws: Workspace,
    *,
    run_id: str,
    sources: Sequence[Source] = (),
    records: Sequence[FetchRecord] = (),
    shas: Sequence[str] | None = None,
    problems: Sequence[dict[str, Any]] = (),
    wait: float = 0.0,
    target: Path | None = None,
    manual_links: Path | None = None,
) -> dict[str, int]:
    """Load what the earlier stages persisted; documents already loaded unchanged are skipped.

    Fetch-log rows of earlier runs that never reached the warehouse (a run killed before its
    load) go in first, so a killed run's fetches are not lost when the next run finds those
    pages unchanged.
    """
    from warehouse.linking import link_all
    from warehouse.search import SearchUnavailable, ensure_index

    docs = ws.docs
    shas = list(shas) if shas is not None else docs.parsed_shas()
    problems = list(problems)
    stats = {"documents_loaded": 0, "fetches": 0}
    if sources:
        remember_sources(ws, sources)
    with connect(target or ws.warehouse, wait=wait) as con:
        wload.load_settings(con)  # checkpoints and memory bounded whatever the project's size
        give_back()  # what parsing and extracting freed: the load's peak starts from less
        wload.load_sources(con, sources)
        run_ids = {r.run_id for r in records}
        if run_ids:
            rank = {s.source_id: i for i, s in enumerate(sources)}
            orphans = sorted(_unloaded_records(con, ws, run_ids),
                             key=lambda r: rank.get(r.source_id, len(rank)))
            stats["fetches"] += wload.load_fetches(con, orphans)
            problems = fetch_problems(orphans) + problems
            if orphans:
                _say(f"load: {len(orphans)} fetches of an interrupted earlier run")
        stats["fetches"] += wload.load_fetches(con, records)  # bounded a chunk at a time
        give_back()
        loaded = _loaded_versions(con, shas)
        ok_parse: list[str] = []

        def changed() -> Iterator[dict[str, Any]]:
            """Documents to load, read from the stage files one at a time (in the loader's
            reading thread): those not loaded yet or extracted since."""
            for sha in shas:
                try:
                    parsed = docs.get_parsed(sha)
                    if parsed is not None and not parsed.get("error"):
                        document = docs.document_of(sha, parsed)  # the file is read once
                        extracted = docs.get_extracted(sha)
                        claims = ([claim_from_dict(c) for c in extracted["claims"]]
                                  if extracted else None)
                except (StoredFileDamaged, KeyError, TypeError) as exc:
                    # One damaged file is that document's problem; the others load.
                    problems.append({"run_id": run_id, "stage": "load", "url": None,
                                     "sha256": sha, "reason": f"{exc}; run `inclusio parse` "
                                     "and `inclusio extract` again to rewrite it"})
                    continue
                if parsed is None:
                    continue
                meta = parsed.get("meta", {})
                if parsed.get("error"):
                    problems.append(
                        {
                            "run_id": run_id,
                            "stage": "parse",
                            "url": meta.get("url"),
                            "sha256": sha,
                            "reason": parsed["error"],
                        }
                    )
                    continue
                ok_parse.append(sha)
                ext_at = extracted["meta"]["extracted_at"] if extracted else None
                if sha in loaded and ext_at and loaded[sha] and loaded[sha][:19] == ext_at[:19]:
                    continue
                yield {
                    "sha256": sha,
                    "url": meta.get("url"),
                    "source_id": meta.get("source_id"),
                    "document": document,
                    "nlp_model": extracted["meta"].get("model") if extracted else None,
                    "claims": claims,
                    "parsed_at": meta.get("parsed_at"),
                    "extracted_at": ext_at,
                }

        stats["documents_loaded"] += wload.load_batches(con, wload.batches(changed()),
                                                        run_id=run_id)
        wload.clear_problems(con, "parse", ok_parse)
        wload.load_problems(con, problems)
        _say("link: documents and claims to projects")
        # Linking and the index build hold DuckDB to a bounded memory when they fit in it.
        stats.update(wload.within_memory(
            con, lambda: link_all(con, manual_links, if_changed=True)))
        give_back()
        _say("index: full-text search")
        try:  # the full-text index follows the documents (rebuilt only when they changed)
            stats["search_index_rebuilt"] = int(wload.within_memory(
                con, lambda: ensure_index(con)))
        except SearchUnavailable as exc:
            wload.load_problems(con, [{"run_id": run_id, "stage": "load", "url": None,
                                       "sha256": None, "reason": f"search index: {exc}"}])
    return stats


def _unloaded_records(con: Any, ws: Workspace, current: set[str]) -> list[FetchRecord]:
    """Fetch-log rows of other runs whose (URL, body or failure) has no ``fetches`` row yet.

    Rows are never deleted from ``fetches``, so an absent key was never loaded: loading it
    cannot count an attempt twice.
    """
    have: set[str] = set()
    rows = con.execute("SELECT fetch_id FROM fetches")
    while part := rows.fetchmany(10_000):
        have.update(r[0] for r in part)
    return [
        r for r in iter_fetch_log(ws)
        if r.run_id not in current and wload.fetch_key(r) not in have
    ]


def _sources_file(ws: Workspace) -> Path:
    return ws.paths.raw / "sources.json"


def remember_sources(ws: Workspace, sources: Sequence[Source]) -> None:
    """Keep every source a run loaded in data/raw/sources.json, so a rebuild has them too."""
    known: dict[str, Any] = {}
    path = _sources_file(ws)
    if path.exists():
        try:
            known = json.loads(path.read_text("utf-8"))
        except ValueError:
            known = {}
    known.update({s.source_id: asdict(s) for s in sources})
    write_json(path, known)


def stored_sources(ws: Workspace) -> list[Source]:
    """The sources kept by earlier runs (empty when none or unreadable)."""
    path = _sources_file(ws)
    try:
        known = json.loads(path.read_text("utf-8")) if path.exists() else {}
        return [Source(**v) for v in known.values()]
    except (ValueError, TypeError):
        return []


def rebuild_warehouse(
    ws: Workspace, *, sources: Sequence[Source] = (), manual_links: Path | None = None
) -> dict[str, Any]:
    """Build a new warehouse from the fetch log, data/parsed and data/extracted.

    The new file is written beside the old one and renamed into place only when complete, so a
    failure half-way (a full disk) leaves the old file as it was; the old file (damaged or not)
    is kept as ``inclusio.duckdb.damaged-<time>``. Sources come from ``sources`` or else from
    data/raw/sources.json, which every load keeps up to date.
    """
    final = ws.warehouse
    tmp = final.with_name(final.name + ".rebuild")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    records = read_fetch_log(ws)
    try:
        stats: dict[str, Any] = load_into_warehouse(
            ws,
            run_id=new_run_id(),
            sources=list(sources) or stored_sources(ws),
            records=records,
            problems=fetch_problems(records),
            target=tmp,
            manual_links=manual_links,
        )
    except BaseException:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        # connect() took a one-writer lock for the new file too; the load's own lock guards it.
        Path(str(tmp) + ".lock").unlink(missing_ok=True)
    if final.exists():
        kept = final.with_name(f"{final.name}.damaged-{datetime.now():%Y%m%dT%H%M%S}")
        os.replace(final, kept)
        wal = Path(str(final) + ".wal")
        if wal.exists():
            os.replace(wal, Path(str(kept) + ".wal"))
        stats["previous_kept_as"] = str(kept)
    os.replace(tmp, final)
    return stats


def batched(items: Sequence[Any], size: int = BATCH_SIZE) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]

