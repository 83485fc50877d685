"""Thousands of crawls in one thread: each a greenlet, switched where it would block.

Why: a national crawl keeps a thousand or more sources in flight per process, each waiting
most of the time for its host's next turn. With one thread per source, half the crawler's CPU
went to the kernel (a thousand threads waking, sleeping and handing the interpreter lock
around). Here every source is a greenlet of one thread, and one loop (:class:`Hub`) waits for
all their sockets and timers at once with the operating system's selector.

The crawler's code stays plain blocking code: it runs unchanged in a thread or in a greenlet.
Only the few places where a crawl waits ask this module how to wait, and each falls back to
the ordinary blocking call when the calling thread runs no hub:

- :func:`wait_io` a socket ready to read or write (crawl/http11.py, in non-blocking mode);
- :func:`sleep` (retry back-offs);
- :class:`Waiters`, the waiters of a ``threading.Condition`` that threads and greenlets share
  (the per-host politeness gate, the raw store's group commit);
- :func:`offload` a call that blocks in C (name resolution, ``syncfs``): run by a thread while
  the loop goes on;
- :func:`executor` and :func:`wait`, a pool of greenlets where the crawl would start threads.

:func:`run` starts a hub in the calling thread and returns when everything it spawned is done.
"""

from __future__ import annotations

import heapq
import itertools
import os
import selectors
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import (
    ALL_COMPLETED,
    FIRST_COMPLETED,
    Executor,
    Future,
    ThreadPoolExecutor,
)
from concurrent.futures import wait as _thread_wait
from typing import Any, TypeVar

import greenlet

T = TypeVar("T")
R = TypeVar("R")

_local = threading.local()


def hub() -> Hub | None:
    """The hub of the calling thread, or None when it runs plain blocking code."""
    return getattr(_local, "hub", None)


class _Ticket:
    """One wait of one greenlet: woken once, by whichever comes first (event or timeout)."""

    __slots__ = ("done", "glet", "hub")

    def __init__(self, owner: Hub) -> None:
        self.hub = owner
        self.glet = greenlet.getcurrent()
        self.done = False

    def wake(self, value: bool = True) -> None:
        """Resume the waiter (from any thread); a ticket already woken ignores it."""
        self.hub.resume(self, value)


class Hub:
    """The loop of one thread: ready greenlets, timers, and the selector over sockets."""

    def __init__(self) -> None:
        self.loop = greenlet.getcurrent()
        self.thread = threading.get_ident()
        self.selector = selectors.DefaultSelector()
        self.ready: deque[tuple[greenlet.greenlet, Any]] = deque()
        self.timers: list[tuple[float, int, _Ticket]] = []
        self.seq = itertools.count()
        self.live = 0  # spawned greenlets not yet finished
        self.fatal: BaseException | None = None  # raised out of the loop when set
        self._foreign: deque[tuple[_Ticket, bool]] = deque()  # wakes from other threads
        self._foreign_lock = threading.Lock()
        self._rfd, self._wfd = os.pipe()
        os.set_blocking(self._rfd, False)
        os.set_blocking(self._wfd, False)
        self.selector.register(self._rfd, selectors.EVENT_READ, None)

    def close(self) -> None:
        self.selector.close()
        os.close(self._rfd)
        os.close(self._wfd)

    # ---- greenlets ------------------------------------------------------------------------

    def spawn(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        """Start ``fn(*args)`` in a greenlet of this hub; its result comes in the future."""
        fut: Future[R] = Future()
        fut.set_running_or_notify_cancel()

        def body(_: object = None) -> None:
            try:
                fut.set_result(fn(*args))
            except greenlet.GreenletExit:  # an abandoned greenlet, collected: nothing to report
                raise
            except Exception as exc:  # handed to whoever reads the future
                fut.set_exception(exc)
            except BaseException as exc:  # Ctrl-C, exit: stops the whole loop, as in a thread
                fut.set_exception(exc)
                self.fatal = exc
            finally:
                self.live -= 1

        self.live += 1
        self.ready.append((greenlet.greenlet(body, parent=self.loop), None))
        return fut

    def ticket(self) -> _Ticket:
        return _Ticket(self)

    def park(self, ticket: _Ticket, timeout: float | None = None) -> bool:
        """Suspend the calling greenlet until ``ticket`` is woken (True) or ``timeout``
        seconds pass (False)."""
        if greenlet.getcurrent() is self.loop:
            raise RuntimeError("the hub's own loop cannot wait on itself")
        if timeout is not None:
            heapq.heappush(self.timers, (time.monotonic() + max(0.0, timeout),
                                         next(self.seq), ticket))
        return bool(self.loop.switch())

    def resume(self, ticket: _Ticket, value: bool) -> None:
        if threading.get_ident() != self.thread:
            with self._foreign_lock:
                self._foreign.append((ticket, value))
            try:
                os.write(self._wfd, b"!")
            except BlockingIOError:  # the pipe is full: the loop will read it anyway
                pass
            return
        if not ticket.done:
            ticket.done = True
            self.ready.append((ticket.glet, value))

    # ---- the loop -------------------------------------------------------------------------

    def run_until_done(self) -> None:
        ready = self.ready
        timers = self.timers
        while True:
            while ready:
                glet, value = ready.popleft()
                glet.switch(value)
                if self.fatal is not None:
                    raise self.fatal
            if not self.live:
                return
            while timers and timers[0][2].done:
                heapq.heappop(timers)
            timeout = None
            if timers:
                timeout = max(0.0, timers[0][0] - time.monotonic())
            for key, _ in self.selector.select(timeout):
                if key.data is None:
                    self._drain()
                else:
                    self.resume(key.data, True)
            now = time.monotonic()
            while timers and timers[0][0] <= now:
                self.resume(heapq.heappop(timers)[2], False)

    def _drain(self) -> None:
        try:
            while os.read(self._rfd, 4096):
                pass
        except BlockingIOError:
            pass
        with self._foreign_lock:
            woken, self._foreign = self._foreign, deque()
        for ticket, value in woken:
            self.resume(ticket, value)


def run(fn: Callable[..., R], *args: Any) -> R:
    """``fn(*args)`` with a hub in this thread; returns once it and every greenlet it spawned
    are done. Inside a hub already, just calls it."""
    if hub() is not None:
        return fn(*args)
    h = Hub()
    _local.hub = h
    try:
        fut = h.spawn(fn, *args)
        h.run_until_done()
        return fut.result()
    finally:
        _local.hub = None
        h.close()


# ---- waiting, in a greenlet or in a thread ---------------------------------------------------


def wait_io(sock: Any, write: bool, timeout: float | None) -> bool:
    """Wait until ``sock`` can be read (or written); False when ``timeout`` passed first.
    Only for a socket in non-blocking mode inside a hub."""
    h = hub()
    if h is None:
        raise RuntimeError("wait_io outside a hub: use a socket with a timeout instead")
    ticket = h.ticket()
    event = selectors.EVENT_WRITE if write else selectors.EVENT_READ
    h.selector.register(sock, event, ticket)
    try:
        return h.park(ticket, timeout)
    finally:
        h.selector.unregister(sock)


def sleep(seconds: float) -> None:
    h = hub()
    if h is None:
        time.sleep(seconds)
    else:
        h.park(h.ticket(), seconds)


class Waiters:
    """The waiters of ``cond`` (a ``threading.Condition``), threads and greenlets alike.

    Use it in place of ``cond.wait`` / ``cond.notify_all``, with ``cond`` held. A greenlet
    releases the condition's lock while it waits, as a thread does, so the other greenlets of
    its thread can take it meanwhile."""

    __slots__ = ("cond", "green")

    def __init__(self, cond: threading.Condition) -> None:
        self.cond = cond
        self.green: list[_Ticket] = []

    def wait(self, timeout: float | None = None) -> None:
        h = hub()
        if h is None:
            self.cond.wait(timeout)
            return
        ticket = h.ticket()
        self.green.append(ticket)
        self.cond.release()
        try:
            h.park(ticket, timeout)
        finally:
            self.cond.acquire()
            if ticket in self.green:  # timed out: not woken by notify_all
                self.green.remove(ticket)

    def notify_all(self) -> None:
        self.cond.notify_all()
        woken, self.green = self.green, []
        for ticket in woken:
            ticket.wake()


_OFFLOAD: ThreadPoolExecutor | None = None
_OFFLOAD_LOCK = threading.Lock()


def offload(fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``fn(*args, **kwargs)``, which blocks outside Python (a system call, the resolver):
    in a hub, run by a helper thread while the loop goes on; otherwise called here."""
    h = hub()
    if h is None:
        return fn(*args, **kwargs)
    global _OFFLOAD
    with _OFFLOAD_LOCK:
        if _OFFLOAD is None:
            # Mostly name resolution: a national crawl's first minute asks for thousands of
            # host names, each tens of milliseconds of waiting on the resolver.
            _OFFLOAD = ThreadPoolExecutor(max_workers=32, thread_name_prefix="green-offload")
        pool = _OFFLOAD
    fut = pool.submit(fn, *args, **kwargs)
    _await(h, [fut], FIRST_COMPLETED)
    return fut.result()


def _await(h: Hub, fs: Sequence[Future[Any]], return_when: str) -> None:
    while True:
        pending = [f for f in fs if not f.done()]
        if not pending or (return_when == FIRST_COMPLETED and len(pending) < len(fs)):
            return
        ticket = h.ticket()
        for f in pending:
            f.add_done_callback(lambda _f, t=ticket: t.wake())
        h.park(ticket)


def wait(fs: Iterable[Future[T]], return_when: str = ALL_COMPLETED
         ) -> tuple[set[Future[T]], set[Future[T]]]:
    """``concurrent.futures.wait`` that suspends only the calling greenlet inside a hub."""
    futures = list(fs)
    h = hub()
    if h is None:
        done, pending = _thread_wait(futures, return_when=return_when)
        return set(done), set(pending)
    _await(h, futures, return_when)
    done = {f for f in futures if f.done()}
    return done, set(futures) - done


class _GreenExecutor(Executor):
    """``submit`` starts a greenlet of the calling thread's hub; unlike a thread pool it runs
    everything it is given at once (callers bound how much they submit)."""

    def __init__(self, h: Hub) -> None:
        self._hub = h
        self._futures: list[Future[Any]] = []

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        fut = self._hub.spawn(lambda: fn(*args, **kwargs))
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(fut)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if wait:
            _await(self._hub, self._futures, ALL_COMPLETED)


def executor(max_workers: int, thread_name_prefix: str = "") -> Executor:
    """Greenlets in a hub, threads otherwise."""
    h = hub()
    if h is None:
        return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
    return _GreenExecutor(h)


def map_bounded(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[fn(x) for x in items]`` with ``workers`` calls running at once, in greenlets of a hub
    (started here when the thread has none). A call that raises does not stop the others; the
    first exception is raised once all have ended."""

    def go() -> list[R]:
        h = hub()
        assert h is not None
        results: list[Any] = [None] * len(items)
        errors: list[BaseException] = []
        todo = iter(range(len(items)))

        def worker() -> None:
            for i in todo:
                try:
                    results[i] = fn(items[i])
                except Exception as exc:  # kept; raised once every worker is done
                    errors.append(exc)

        futures = [h.spawn(worker) for _ in range(max(1, min(workers, len(items))))]
        _await(h, futures, ALL_COMPLETED)
        if errors:
            raise errors[0]
        return results

    return run(go)
