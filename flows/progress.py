"""What a run says while it works: on the terminal, and in the Prefect run's logs.

An analyst watching `inclusio run` sees a bar per source (pages done against ``max_pages``,
failures, time left); a nightly log (stderr not a terminal) gets one line per page and a
progress line per source every few seconds instead, so it stays greppable. Every line said
inside a Prefect run also goes to the run's logger, so `prefect flow-run logs` and the UI show
what happened. Prefect and rich are imported only when a line needs them: `inclusio crawl`
never starts Prefect, and the first line of `inclusio run` comes before Prefect is imported.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from models.records import FetchRecord, Source

MARKS = {"stored": "+", "unchanged": "=", "failed": "!", "refused": "x", "stopped": "#",
         "capped": "~"}
PAGE_OUTCOMES = ("stored", "unchanged", "failed", "refused")  # a page asked for, not a notice
FAILED_OUTCOMES = ("failed", "refused")
PLAIN_EVERY = 10.0  # seconds between two progress lines of one source in plain mode
# A terminal shows a bar per source up to this many sources; a longer list (hundreds crawled
# at once) gets one bar of sources done and bars only for this many sources in flight, since
# redrawing a thousand bars ten times a second would cost more than the crawl.
MAX_BARS = 20

_prefect_asked_at: float | None = None


def _run_logger() -> logging.Logger | logging.LoggerAdapter | None:
    """The current Prefect run's logger, or None outside a run (or when Prefect is not loaded)."""
    if "prefect" not in sys.modules:
        return None
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return None


def say(message: str, level: int = logging.INFO, *, console: bool = True) -> None:
    """One line on stderr (stdout stays for results) and in the current run's logs."""
    if console:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    if (logger := _run_logger()) is not None:
        logger.log(level, message)


def announce_prefect() -> None:
    """Say that Prefect is starting (or which server it uses) before importing it: importing
    Prefect and starting its temporary server take seconds of otherwise silent waiting."""
    global _prefect_asked_at
    _prefect_asked_at = time.monotonic()
    url = os.environ.get("PREFECT_API_URL")
    if url:
        say(f"Prefect: using the server at {url}")
    else:
        say("starting Prefect (local API, state in "
            f"{os.environ.get('PREFECT_HOME', '~/.prefect')})...")


def announce_flow_run() -> None:
    """Inside the flow: its name and id (for `prefect flow-run logs ID`), and how long Prefect
    took to get there."""
    from prefect.runtime import flow_run

    took = (f" after {time.monotonic() - _prefect_asked_at:.1f} s"
            if _prefect_asked_at is not None else "")
    say(f"Prefect flow run '{flow_run.name}' ({flow_run.id}) started{took}")


def fancy_terminal() -> bool:
    """Bars only on a real terminal; INCLUSIO_PROGRESS=plain or a dumb terminal asks for lines."""
    if os.environ.get("INCLUSIO_PROGRESS", "").lower() == "plain":
        return False
    if os.environ.get("TERM", "") == "dumb":
        return False
    return sys.stderr.isatty()


@dataclass(slots=True)
class SourceCount:
    """Pages of one source so far: done (asked for, whatever came back) and failed."""

    source_id: str
    max_pages: int
    max_duration: float | None
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    failed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    last_line: float = field(default_factory=time.monotonic)
    finished: bool = False

    def add(self, rec: FetchRecord) -> None:
        self.outcomes[rec.outcome] = self.outcomes.get(rec.outcome, 0) + 1
        if rec.outcome in PAGE_OUTCOMES:
            self.done += 1
        if rec.outcome in FAILED_OUTCOMES:
            self.failed += 1

    def seconds_left(self, now: float | None = None) -> float | None:
        """Time left at the current pace to reach ``max_pages``, capped by the time budget;
        an upper bound, since a site often has fewer pages than that."""
        elapsed = (now or time.monotonic()) - self.started
        guesses = []
        if self.done and elapsed > 0:
            guesses.append(max(0, self.max_pages - self.done) * elapsed / self.done)
        if self.max_duration:
            guesses.append(max(0.0, self.max_duration - elapsed))
        return min(guesses) if guesses else None

    def line(self) -> str:
        left = self.seconds_left()
        eta = f", at most {_clock(left)} left" if left is not None else ""
        return (f"fetch {self.source_id}: {self.done}/{self.max_pages} pages, "
                f"{self.failed} failed{eta}")

    def final_line(self) -> str:
        took = time.monotonic() - self.started
        parts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing"
        pages = "page" if self.done == 1 else "pages"
        return f"fetch {self.source_id}: {self.done} {pages} in {took:.1f} s ({parts})"


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class CrawlDisplay:
    """Progress of the sources being crawled: rich bars on a terminal, plain lines otherwise.

    Thread-safe: Prefect runs the sources' fetch tasks in threads of one process.
    """

    def __init__(self, sources: Sequence[Source], fancy: bool | None = None,
                 every: float = PLAIN_EVERY) -> None:
        self.fancy = fancy_terminal() if fancy is None else fancy
        self.every = every
        self.counts = {s.source_id: _count_for(s) for s in sources}
        self._lock = threading.Lock()
        self._bars: Any = None
        self._ids: dict[str, Any] = {}
        self._many = len(self.counts) > MAX_BARS
        self._all: Any = None  # the bar of sources done, when there are many
        self._done_sources = 0
        self._failed = 0

    # -- lifecycle

    def __enter__(self) -> CrawlDisplay:
        if self.fancy and self.counts:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bars = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[unit]}"),
                TextColumn("[red]{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("elapsed,"),
                TimeRemainingColumn(),
                TextColumn("left"),
                console=Console(stderr=True),
                redirect_stderr=True,
                redirect_stdout=False,
            )
            self._bars.start()
            if self._many:
                self._all = self._bars.add_task(f"{len(self.counts)} sources",
                                                total=len(self.counts), failed=0,
                                                unit="sources")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bars is not None:
            self._bars.stop()
            self._bars = None

    # -- events

    def started(self, source: Source) -> None:
        with self._lock:
            count = self.counts.setdefault(source.source_id, _count_for(source))
            count.started = count.last_line = time.monotonic()
            if self._bars is not None and (not self._many or len(self._ids) < MAX_BARS):
                self._ids[source.source_id] = self._bars.add_task(
                    source.source_id, total=count.max_pages, failed=0, unit="pages")
        hosts = ", ".join(source.start_urls)
        say(f"fetch {source.source_id}: {hosts} (at most {count.max_pages} pages)",
            console=self._bars is None)

    def record(self, rec: FetchRecord) -> None:
        """One fetch attempt (or a notice: time budget out, capped delay) of a source."""
        with self._lock:
            count = self.counts.setdefault(rec.source_id, SourceCount(rec.source_id, 0, None))
            count.add(rec)
            due = time.monotonic() - count.last_line >= self.every
            if due:
                count.last_line = time.monotonic()
            if self._bars is not None and rec.source_id in self._ids:
                self._bars.update(self._ids[rec.source_id], completed=count.done,
                                  failed=count.failed)
            if self._all is not None and rec.outcome in FAILED_OUTCOMES:
                self._failed += 1
                self._bars.update(self._all, failed=self._failed)
        detail = f"  ({rec.error})" if rec.error else ""
        line = f"  {MARKS.get(rec.outcome, '?')} {rec.url}{detail}"
        bad = rec.outcome in FAILED_OUTCOMES or rec.outcome in ("stopped", "capped")
        # On a terminal the bar shows the pages; only failures and notices get a line.
        if self._bars is None or bad:
            say(line, logging.WARNING if bad else logging.DEBUG)
        if due and self._bars is None:
            say(count.line())

    def finished(self, source_id: str) -> None:
        with self._lock:
            count = self.counts.get(source_id)
            if count is None:
                return
            count.finished = True
            if self._all is not None:
                self._done_sources += 1
                self._bars.update(self._all, completed=self._done_sources)
                if source_id in self._ids:  # its bar makes room for a source in flight
                    self._bars.remove_task(self._ids.pop(source_id))
            elif self._bars is not None and source_id in self._ids:
                # The site had fewer pages than max_pages: the bar ends full, not part-way.
                self._bars.update(self._ids[source_id], total=max(count.done, 1),
                                  completed=count.done, failed=count.failed)
        say(count.final_line(), console=self._bars is None)


def _count_for(source: Source) -> SourceCount:
    budget = (source.extra or {}).get("max_duration")
    return SourceCount(source.source_id, source.max_pages,
                       float(budget) if budget is not None else None)


_current: CrawlDisplay | None = None
_current_lock = threading.Lock()


@contextmanager
def crawl_display(sources: Sequence[Source], fancy: bool | None = None) -> Iterator[CrawlDisplay]:
    """Show the crawl of ``sources`` until the block ends; fetch tasks find it with
    :func:`current_display`."""
    global _current
    display = CrawlDisplay(sources, fancy)
    with display:
        with _current_lock:
            previous, _current = _current, display
        try:
            yield display
        finally:
            with _current_lock:
                _current = previous


def current_display() -> CrawlDisplay:
    """The display of the crawl under way in this process, or plain lines (a fetch task
    running in another process, or called alone)."""
    global _current
    with _current_lock:
        if _current is None:
            _current = CrawlDisplay((), fancy=False)
        return _current
