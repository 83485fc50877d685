"""Crawl one source: discover (sitemaps, feeds, focused links), fetch politely, keep every body.

The caller sees a plain function that returns the fetch log of the run; inside, a small thread
pool (greenlets when the crawl runs in a hub of crawl/green.py) fetches while the calling thread
decides what to follow. Incremental by design: what earlier
runs learnt (:class:`CrawlState`) turns into conditional requests, and pages whose sitemap or feed
date is not newer than our copy are not requested at all, so an unchanged site costs a few
requests rather than a full download.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime

from models.records import FetchRecord, Source
from parsers.sniff import sniff

from . import green
from .discovery import Entry, PageLinks, html_links, is_feed, parse_date, parse_feed, parse_sitemap
from .fetcher import Fetcher, FetchSettings, HostGate, Result
from .listings import ListingCache
from .netguard import AddressPolicy, _ip_literal
from .rawstore import BodyStore
from .robots import RobotsBook
from .sources import EXTRA_DEFAULTS
from .urls import (
    HTTP_SCHEMES,
    TopicMatcher,
    attachment_type,
    clean,
    compile_patterns,
    disposition_filename,
    host_allowed,
    host_of,
    looks_like_attachment,
    matches_any,
    normalize,
    origin_of,
    scheme_of,
)

log = logging.getLogger(__name__)

MAX_SITEMAPS = 50  # sitemap files read per source and run (indexes included)
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Rows of the fetch log that say something about the crawl rather than about one document:
# ``stopped`` (the source's time budget ran out) and ``capped`` (a robots.txt Crawl-delay was
# longer than the source's max_delay). They carry no body and are reported as problems.
NOTICE_OUTCOMES = ("stopped", "capped")


@dataclass
class CrawlState:
    """What earlier runs learnt, supplied by the caller (usually from the warehouse).

    ``known`` maps a URL to (etag, last_modified, sha256) of the copy we hold. The optional maps
    let an unchanged page be skipped without a request when its sitemap date says so, and give
    304 answers (which often lack a Content-Type) the type recorded before.
    """

    known: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)
    fetched_at: dict[str, datetime] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)  # Content-Disposition names
    # When the body we hold was first seen, and when a request last confirmed it: what the
    # revisit backoff of pages outside sitemaps and feeds is measured on.
    changed_at: dict[str, datetime] = field(default_factory=dict)
    checked_at: dict[str, datetime] = field(default_factory=dict)
    _index: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def from_records(cls, records: Iterable[FetchRecord]) -> CrawlState:
        """State from earlier fetch-log rows: the latest copy with a body per URL wins."""
        state = cls()
        seen: dict[str, str] = {}  # url -> sha256 of the latest body
        for rec in sorted(records, key=lambda r: _as_datetime(r.fetched_at) or datetime.min):
            if rec.outcome not in ("stored", "unchanged") or not rec.sha256:
                continue
            state.known[rec.url] = (rec.etag, rec.last_modified, rec.sha256)
            if rec.content_type:
                state.content_types[rec.url] = rec.content_type
            if rec.filename:
                state.filenames[rec.url] = rec.filename
            when = _as_datetime(rec.fetched_at)
            if when is not None:
                state.fetched_at[rec.url] = when
                if rec.outcome == "stored" or rec.status is not None:  # a request was made
                    state.checked_at[rec.url] = when
                if rec.sha256 != seen.get(rec.url):
                    state.changed_at[rec.url] = when
            seen[rec.url] = rec.sha256
        return state

    def _key(self, url: str) -> str | None:
        index = self._index
        if index is None:  # built whole, then published: sources crawled at once share a state
            index = {}
            for known_url in self.known:
                index.setdefault(normalize(known_url), known_url)
            self._index = index
        return url if url in self.known else index.get(normalize(url))

    def revisit_times(self, url: str) -> tuple[datetime | None, datetime | None]:
        """(changed_at, checked_at) of our copy of a URL in any spelling."""
        found = self._key(url)
        if found is None:
            return None, None
        return self.changed_at.get(found), self.checked_at.get(found)

    def lookup(self, url: str) -> tuple[str | None, str | None, str | None, str | None,
                                        datetime | None] | None:
        """(etag, last_modified, sha256, content_type, fetched_at) for a URL in any spelling."""
        found = self._key(url)
        if found is None:
            return None
        etag, last_modified, sha = self.known[found]
        return (etag, last_modified, sha, self.content_types.get(found),
                self.fetched_at.get(found))


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    url: str = field(compare=False)
    depth: int = field(compare=False)
    kind: str = field(compare=False, default="doc")  # doc | sitemap | feed
    lastmod: datetime | None = field(compare=False, default=None)
    start: bool = field(compare=False, default=False)


@dataclass(slots=True)
class _Done:
    item: _Item
    record: FetchRecord | None = None
    page: PageLinks | None = None
    entries: list[Entry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    final_url: str | None = None
    cut: bool = False  # not requested: the time budget ran out first


def crawl_source(
    source: Source,
    store: BodyStore,
    *,
    run_id: str,
    state: CrawlState | None = None,
    progress: Callable[[FetchRecord], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[FetchRecord]:
    """Crawl ``source`` into ``store``; return one FetchRecord per document attempt.

    Outcomes: ``stored`` (a body we did not hold for this URL), ``unchanged`` (304, the same
    bytes again, or skipped because the sitemap/feed date is not newer than our copy),
    ``failed`` (HTTP error, timeout, too large, redirect loop...) and ``refused`` (robots.txt,
    private address, non-HTTP scheme). robots.txt, sitemaps and feeds are read to discover
    documents and are not documents themselves, so they get no record; the crawl itself adds a
    ``stopped`` row when the source's ``max_duration`` ran out and a ``capped`` row per
    robots.txt whose Crawl-delay exceeded ``max_delay``. ``clock`` (seconds) measures the
    time budget.
    """
    crawl = _Crawl(source, store, run_id, state or CrawlState(), progress, clock)
    try:
        return crawl.run()
    finally:
        crawl.close()


class _Crawl:
    def __init__(self, source: Source, store: BodyStore, run_id: str, state: CrawlState,
                 progress: Callable[[FetchRecord], None] | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self.store = store
        self.run_id = run_id
        self.state = state
        self.progress = progress
        self.clock = clock
        self.started = clock()
        self.opt = {**EXTRA_DEFAULTS, **(source.extra or {})}
        self.budget = float(self.opt["max_duration"])
        self.stopped = False  # the time budget ran out: nothing more is requested
        self.left: set[str] = set()  # documents found but not requested because of that
        self._notices: list[FetchRecord] = []  # from worker threads, emitted by the loop
        self._notices_lock = threading.Lock()
        settings = FetchSettings(
            user_agent=source.user_agent or "inclusio",
            timeout=source.timeout_seconds,
            retries=int(self.opt["retries"]),
            backoff=float(self.opt["backoff"]),
            max_redirects=int(self.opt["max_redirects"]),
            max_bytes=source.max_bytes,
            delay=source.delay_seconds,
            concurrency=source.concurrency,
            max_retry_after=float(self.opt["max_delay"]),
        )
        self.policy = AddressPolicy.from_source(source.allow_private, self.opt["private_networks"])
        self.gate = HostGate(settings.concurrency, settings.delay)
        self.fetcher = Fetcher(settings, self.policy, gate=self.gate)
        self.listings = ListingCache(store)
        self.robots = RobotsBook(self.fetcher, self.gate, cache=self.listings,
                                 max_delay=float(self.opt["max_delay"]),
                                 on_capped=self._capped)
        self.hosts = list(source.allowed_hosts)
        self.topic = TopicMatcher(source.topic_keywords)
        self.allow = compile_patterns(source.allow_patterns)
        self.deny = compile_patterns(source.deny_patterns)
        self.frontier: list[_Item] = []
        self.seq = itertools.count()
        self.seen: set[str] = set()
        self.records: list[FetchRecord] = []
        self.pages_dispatched = 0
        self.sitemaps_read = 0
        self.listings_in_flight = 0
        self.lastmods: dict[str, datetime] = {}  # normalised URL -> newest listed date
        self.listed: set[str] = set()  # normalised URLs a sitemap or feed lists

    def close(self) -> None:
        self.fetcher.close()

    # ---- the loop -------------------------------------------------------------------------

    def run(self) -> list[FetchRecord]:
        for url in self.source.start_urls:
            self._push(clean(url), depth=0, priority=0, start=True)
        self._discover_sitemaps()
        for url in self.opt["feeds"]:
            self._push(url, depth=0, priority=-1, kind="feed")
        workers = max(1, min(16, self.source.concurrency * max(1, len(self.hosts))))
        if workers == 1:
            self._run_inline()
        else:
            self._run_pool(workers)
        self._flush_notices()
        if self.stopped:
            message = (
                f"crawl stopped when its time budget of {self.budget:g}s (max_duration) ran "
                f"out: {len(self.left)} URLs found were not requested; everything fetched "
                "before is kept, and the next run asks for the rest"
            )
            log.warning("source %s: %s", self.source.source_id, message)
            self._emit(self._record(self.source.start_urls[0], "stopped", error=message))
        return self.records

    def _next(self) -> _Item | _Done | None:
        """The next item to request, or a _Done handled without a request, or None when
        nothing can be dispatched now (frontier empty, budget out, sitemaps still read)."""
        while self.frontier:
            if self.stopped or self.time_left() <= 0:
                self._stop()
                return None
            if self.frontier[0].kind == "doc" and self.listings_in_flight:
                return None  # sitemap dates first, so unchanged pages need no request
            item = heapq.heappop(self.frontier)
            if item.kind == "doc" and self.pages_dispatched >= self.source.max_pages:
                continue
            if not self._admit(item):
                continue
            if item.kind == "doc" and (done_now := self._skip_if_listed_unchanged(item)
                                       or self._skip_if_resting(item)):
                return done_now  # no request: handled by the loop, no thread hop
            if item.kind == "sitemap":
                self.listings_in_flight += 1
            return item
        return None

    def _run_inline(self) -> None:
        """One request at a time (a single host at concurrency 1): fetched in this thread,
        without a pool and its hand-offs; thousands of such sources go at once."""
        while self.frontier:
            self._flush_notices()
            nxt = self._next()
            if nxt is None:
                continue
            self._absorb(nxt if isinstance(nxt, _Done) else self._work(nxt))

    def _run_pool(self, workers: int) -> None:
        pending: set[Future[_Done]] = set()
        pool = green.executor(workers, thread_name_prefix="crawl")
        try:
            while self.frontier or pending:
                self._flush_notices()
                while self.frontier and len(pending) < workers:
                    nxt = self._next()
                    if nxt is None:
                        break
                    if isinstance(nxt, _Done):
                        self._absorb(nxt)
                        continue
                    pending.add(pool.submit(self._work, nxt))
                if not pending:
                    continue
                done, pending = green.wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    self._absorb(fut.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # ---- time budget and notices ----------------------------------------------------------

    def time_left(self) -> float:
        """Seconds left of the source's time budget (max_duration)."""
        return self.budget - (self.clock() - self.started)

    def _stop(self) -> None:
        """The budget ran out: keep what was fetched, drop what was queued, count it."""
        self.stopped = True
        for item in self.frontier:
            if item.kind == "doc":
                self.left.add(normalize(item.url))
        self.frontier.clear()

    def _capped(self, robots_url: str, message: str) -> None:
        rec = self._record(robots_url, "capped", error=message)
        with self._notices_lock:
            self._notices.append(rec)

    def _flush_notices(self) -> None:
        with self._notices_lock:
            notices, self._notices = self._notices, []
        for rec in notices:
            self._emit(rec)

    def _admit(self, item: _Item) -> bool:
        """Checks done before a request is queued: robots.txt, and the page budget."""
        reason = self.robots.check(item.url)
        if reason:
            if item.kind == "doc":
                # An unreadable robots.txt means the host is down or failing: a failure, not a
                # refusal, so the next run tries again.
                outcome = "failed" if self.robots.rules_for(item.url).blocked else "refused"
                self._emit(self._record(item.url, outcome, error=reason))
            else:
                log.info("not reading %s: %s", item.url, reason)
            return False
        if item.kind == "doc":
            self.pages_dispatched += 1
        return True

    def _emit(self, record: FetchRecord) -> None:
        self.records.append(record)
        if self.progress is not None:
            self.progress(record)

    def _absorb(self, done: _Done) -> None:
        item = done.item
        if item.kind == "sitemap":
            self.listings_in_flight -= 1
        if done.cut:
            self.stopped = True
            self.left.add(normalize(item.url))
        if done.record is not None:
            self._emit(done.record)
        if item.start and done.final_url and not host_allowed(done.final_url, self.hosts):
            # The site moved (http -> https, bare -> www): its pages live on the new host.
            host = host_of(done.final_url)
            log.info("start URL %s redirected to %s: allowing host %s", item.url,
                     done.final_url, host)
            self.hosts.append(host)
        if done.final_url:
            self.seen.add(normalize(done.final_url))
        for url in done.sitemaps:
            self._push(url, depth=0, priority=-2, kind="sitemap")
        for entry in done.entries:
            self._offer(entry.url, entry.title, parent_depth=0, lastmod=entry.lastmod,
                        listed=True)
        if done.page is not None:
            for feed in done.page.feeds:
                if host_allowed(feed, self.hosts):
                    self._push(feed, depth=0, priority=-1, kind="feed")
            for link in done.page.links:
                self._offer(link.url, link.text, parent_depth=item.depth,
                            declared=link.declared)

    # ---- what to follow -------------------------------------------------------------------

    def _push(self, url: str, *, depth: int, priority: int, kind: str = "doc",
              lastmod: datetime | None = None, start: bool = False) -> None:
        key = (kind if kind != "doc" else "") + normalize(url)
        if key in self.seen:
            return
        if self.stopped:
            if kind == "doc":
                self.left.add(normalize(url))
            return
        if kind == "sitemap":
            if self.sitemaps_read >= MAX_SITEMAPS:
                return
            self.sitemaps_read += 1
        self.seen.add(key)
        heapq.heappush(self.frontier, _Item(priority, next(self.seq), url, depth, kind,
                                            lastmod, start))

    def _offer(self, url: str, text: str, *, parent_depth: int,
               lastmod: datetime | None = None, listed: bool = False,
               declared: bool = False) -> None:
        """Queue a discovered URL if the source's rules say it is worth fetching."""
        scheme = scheme_of(url)
        if scheme not in HTTP_SCHEMES:
            if "://" in url and normalize(url) not in self.seen:
                self.seen.add(normalize(url))
                self._emit(self._record(url, "refused", error=(
                    f"scheme {scheme!r} is not fetched: only http and https")))
            return
        key = normalize(url)
        if listed:
            self.listed.add(key)
        if lastmod is not None and (key not in self.lastmods or lastmod > self.lastmods[key]):
            self.lastmods[key] = lastmod
        if key in self.seen:
            return
        literal = _ip_literal(host_of(url))
        if literal is not None:
            reason = self.policy.check_ip(literal)
            if reason:  # refused before any connection, and logged so analysts see the link
                self.seen.add(key)
                self._emit(self._record(url, "refused", error=reason))
                return
        if not host_allowed(url, self.hosts) or matches_any(url, self.deny):
            return
        depth = parent_depth + 1
        if looks_like_attachment(url, text, declared):
            if depth > self.source.max_depth + 1:
                return
            priority = 1
        else:
            if depth > self.source.max_depth:
                return
            if self.allow and not matches_any(url, self.allow):
                return
            topical = self.topic.matches(url, text)
            if not topical and depth > int(self.opt["open_depth"]):
                return
            priority = 2 if topical else 3
        self._push(clean(url), depth=depth, priority=priority, lastmod=lastmod)

    def _discover_sitemaps(self) -> None:
        setting = self.opt["sitemaps"]
        if setting is False:
            return
        if isinstance(setting, list):
            for url in setting:
                self._push(url, depth=0, priority=-2, kind="sitemap")
            return
        for origin in dict.fromkeys(origin_of(u) for u in self.source.start_urls):
            if self.fetcher.refusal(origin + "/"):
                continue
            listed = self.robots.rules_for(origin + "/").sitemaps
            for url in listed or [f"{origin}/sitemap.xml"]:
                if host_allowed(url, self.hosts) or origin_of(url) == origin:
                    self._push(url, depth=0, priority=-2, kind="sitemap")

    # ---- work done in the pool ------------------------------------------------------------

    def _work(self, item: _Item) -> _Done:
        try:
            if item.kind == "doc":
                return self._fetch_document(item)
            return self._read_listing(item)
        except Exception as exc:  # a bug must not lose the rest of the crawl
            log.exception("crawling %s failed", item.url)
            rec = None
            if item.kind == "doc":
                rec = self._record(item.url, "failed", error=f"crawler error: {exc!r}")
            return _Done(item, rec)

    def _read_listing(self, item: _Item) -> _Done:
        result = self.listings.get(self.fetcher, item.url, check=self.robots.check)
        if result.kind != "ok":
            log.info("could not read %s %s: %s", item.kind, item.url, result.error or result.kind)
            return _Done(item)
        body = result.body or b""
        base = result.final_url
        if item.kind == "feed":
            return _Done(item, entries=parse_feed(body, base))
        kind, entries = parse_sitemap(body, base)
        if kind == "index":
            return _Done(item, sitemaps=[e.url for e in entries])
        return _Done(item, entries=entries)

    def _held_copy(self, item: _Item) -> tuple[str | None, str | None, str | None,
                                                str | None, datetime | None, bool]:
        """(etag, last_modified, sha256, content_type, fetched_at, held) of our copy of a URL;
        ``held`` is False when there is none or its bytes are gone from the raw store."""
        known = self.state.lookup(item.url)
        if known is None:
            return None, None, None, None, None, False
        etag, last_modified, sha, content_type, fetched_at = known
        held = bool(sha and self.store.has(sha))
        if not held:
            etag = last_modified = None  # our copy is gone: fetch it whole again
        return etag, last_modified, sha, content_type, fetched_at, held

    def _skip_if_listed_unchanged(self, item: _Item) -> _Done | None:
        """A page whose sitemap/feed date is not newer than our copy needs no request."""
        lastmod = self.lastmods.get(normalize(item.url), item.lastmod)
        if lastmod is None or not self.opt["trust_lastmod"]:
            return None
        etag, last_modified, sha, content_type, fetched_at, held = self._held_copy(item)
        if not held or sha is None:
            return None
        held_since = fetched_at or parse_date(last_modified)
        if held_since is None or lastmod > held_since:
            return None
        return self._from_store(item, sha, content_type, etag, last_modified, None, None)

    def _skip_if_resting(self, item: _Item) -> _Done | None:
        """A page or attachment no sitemap or feed lists (so no date says whether it changed)
        is asked again only after ``revisit_backoff`` times the time it has stayed unchanged
        (between ``min_revisit`` and ``max_revisit`` seconds after its last check); until then
        our copy stands for it, links included. Start URLs are always asked."""
        backoff = float(self.opt["revisit_backoff"])
        if item.start or backoff <= 0 or normalize(item.url) in self.listed:
            return None
        changed, checked = self.state.revisit_times(item.url)
        if changed is None or checked is None or checked < changed:
            return None
        wait = min(float(self.opt["max_revisit"]), (checked - changed).total_seconds() * backoff)
        if wait < float(self.opt["min_revisit"]):
            return None
        now = datetime.now(UTC).replace(tzinfo=None)
        if (now - checked).total_seconds() >= wait:
            return None
        etag, last_modified, sha, content_type, _, held = self._held_copy(item)
        if not held or sha is None:
            return None
        return self._from_store(item, sha, content_type, etag, last_modified, None, None)

    def _fetch_document(self, item: _Item) -> _Done:
        etag, last_modified, sha, content_type, _, held = self._held_copy(item)
        headers = {}
        if held and etag:
            headers["If-None-Match"] = etag
        if held and last_modified:
            headers["If-Modified-Since"] = last_modified
        result = self.fetcher.get(item.url, headers=headers, check=self._hop_check(item),
                                  time_left=self.time_left)
        if result.kind == "cut":
            return _Done(item, cut=True)
        return self._outcome(item, result, sha, held, content_type, etag, last_modified)

    def _hop_check(self, item: _Item) -> Callable[[str], str | None]:
        """The veto for each hop of a document request: robots.txt everywhere, and a redirect
        may lead neither off the allowed hosts (a start URL excepted: sites move) nor to a URL
        the source denies, or the rules the link was admitted under would be bypassed."""

        def check(url: str) -> str | None:
            if url != item.url:
                if not item.start and not host_allowed(url, self.hosts):
                    return f"redirected to {url}, outside the allowed hosts"
                if matches_any(url, self.deny):
                    return f"redirected to {url}, which matches a deny pattern"
            return self.robots.check(url)

        return check

    def _outcome(self, item: _Item, result: Result, known_sha: str | None, held: bool,
                 known_type: str | None, known_etag: str | None,
                 known_lm: str | None) -> _Done:
        final = result.final_url if result.final_url != item.url else None
        if result.kind == "not_modified":
            if not (known_sha and held):
                rec = self._record(item.url, "failed", result, error=(
                    "HTTP 304 Not Modified although no copy was asked for"))
                return _Done(item, rec, final_url=final)
            return self._from_store(
                item, known_sha, result.content_type or known_type,
                result.headers.get("etag") or known_etag,
                result.headers.get("last-modified") or known_lm, result, final,
            )
        if result.kind != "ok":
            return _Done(item, self._record(item.url, result.kind, result), final_url=final)
        body = result.body or b""
        sha = self.store.put(body)
        outcome = "unchanged" if sha == known_sha else "stored"
        filename = disposition_filename(result.headers.get("content-disposition"))
        # A download script's answer is recognised by its headers, whatever its URL says.
        served = attachment_type(result.content_type, filename) or result.content_type
        rec = self._record(item.url, outcome, result, sha=sha, n_bytes=len(body),
                           content_type=served or sniff(body, None, item.url),
                           filename=filename)
        return _Done(item, rec, *self._links(body, served, result.final_url or item.url),
                     final_url=final)

    def _from_store(self, item: _Item, sha: str, content_type: str | None, etag: str | None,
                    last_modified: str | None, result: Result | None,
                    final: str | None) -> _Done:
        body = self.store.get(sha)
        ctype = content_type or sniff(body, None, item.url)
        rec = self._record(item.url, "unchanged", result, sha=sha, n_bytes=len(body),
                           content_type=ctype, etag=etag, last_modified=last_modified,
                           filename=self.state.filenames.get(item.url))
        base = (result.final_url if result else None) or item.url
        return _Done(item, rec, *self._links(body, ctype, base), final_url=final)

    def _links(self, body: bytes, content_type: str | None,
               base: str) -> tuple[PageLinks | None, list[Entry]]:
        """Links are followed from HTML pages only; a feed met as a link gives its items."""
        if is_feed(body):
            return None, parse_feed(body, base)
        if sniff(body, content_type, base) not in HTML_TYPES:
            return None, []
        return html_links(body, base, content_type), []

    def _record(self, url: str, outcome: str, result: Result | None = None, *,
                error: str | None = None, sha: str | None = None, n_bytes: int | None = None,
                content_type: str | None = None, etag: str | None = None,
                last_modified: str | None = None, filename: str | None = None) -> FetchRecord:
        headers = result.headers if result is not None else None
        final = result.final_url if result is not None else None
        key = f"{self.run_id}\n{self.source.source_id}\n{url}"
        if outcome in NOTICE_OUTCOMES:  # the start URL has its own row as a document
            key += f"\n{outcome}"
        fetch_id = hashlib.sha256(key.encode()).hexdigest()[:32]
        return FetchRecord(
            fetch_id=fetch_id,
            run_id=self.run_id,
            source_id=self.source.source_id,
            url=url,
            fetched_at=datetime.now(UTC).replace(tzinfo=None),
            outcome=outcome,
            final_url=final if final and final != url else None,
            status=result.status if result is not None else None,
            content_type=content_type or (headers.get("content-type") if headers else None),
            sha256=sha,
            n_bytes=n_bytes,
            etag=etag or (headers.get("etag") if headers else None),
            last_modified=last_modified or (headers.get("last-modified") if headers else None),
            error=error or (result.error if result is not None else None),
            filename=filename,
        )


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        try:
            return _as_datetime(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None
