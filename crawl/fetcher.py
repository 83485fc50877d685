"""One HTTP GET done carefully: politeness slot, address check, redirects, retries, size cap.

Redirects are followed by hand so that every hop is checked like a fresh URL (scheme, private
address, robots.txt) and a loop is reported as a loop. The HTTP itself is crawl/http11.py, a
small keep-alive client that connects only to checked addresses.
"""

from __future__ import annotations

import email.utils
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from . import green, http11
from .http11 import Headers
from .netguard import AddressPolicy, AddressRefused, ResolveError
from .urls import HTTP_SCHEMES, host_of, origin_of

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(slots=True)
class FetchSettings:
    """Limits for one source; tests shrink them so that failures are quick to provoke."""

    user_agent: str
    timeout: float = 20.0
    retries: int = 2
    backoff: float = 1.0
    max_redirects: int = 5
    max_bytes: int = 50 * 1024 * 1024
    delay: float = 0.0
    concurrency: int = 2
    max_retry_after: float = 30.0  # the source's max_delay: longer Retry-After waits are not made


@dataclass(slots=True)
class Result:
    """What a GET produced. ``kind``: ok, not_modified, failed, refused, or cut (not requested
    because the crawl's time budget ran out)."""

    url: str
    kind: str
    final_url: str
    status: int | None = None
    headers: Headers | None = None
    body: bytes | None = None
    error: str | None = None
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type") if self.headers is not None else None


class OutOfTime(Exception):
    """The politeness wait for a request would outlast the crawl's remaining time budget."""


class _Host:
    """One host's politeness state, shared by every gate in the process (threads and the
    greenlets of crawl/green.py alike)."""

    __slots__ = ("concurrency", "cond", "going", "held", "last", "waiters")

    def __init__(self, concurrency: int) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.waiters = green.Waiters(self.cond)
        self.concurrency = concurrency
        self.held = 0  # slots taken (requests in flight)
        self.last: float | None = None  # when the latest request started (or was let go)
        self.going = False  # a request was let go and has not yet been sent


class _HostSlots:
    """Process-wide state per host, so that two sources on one site (crawled in parallel by
    the pipeline) share one politeness budget instead of each taking its own."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hosts: dict[str, _Host] = {}

    def host(self, origin: str, concurrency: int) -> _Host:
        with self.lock:
            host = self.hosts.get(origin)
            if host is None:
                host = self.hosts[origin] = _Host(concurrency)
            return host


_SLOTS = _HostSlots()


class HostGate:
    """Per-host politeness: at most ``concurrency`` requests in flight, starts ``delay`` apart.

    The in-flight limit and the time of the last request start are shared by every gate in
    the process (the first gate to meet a host sets its in-flight limit); the delay is this
    source's own, raised by the host's robots.txt Crawl-delay.

    "Apart" is measured from when a request was really sent, not from when it was let go: with
    hundreds of sources crawled at once a thread let go may wait for the interpreter before it
    writes its request, and spacing the turns alone would then let the next request follow it
    closer than the delay. So the holder of a slot calls the ``sent`` function the slot yields
    once its request is on the wire (the fetcher does, from httpcore's trace of the request
    headers), and no other request to the host is let go until then and ``delay`` after it;
    a slot left without ``sent`` counts as sent when it is left.
    """

    def __init__(self, concurrency: int, delay: float) -> None:
        self._concurrency = max(1, concurrency)
        self._default_delay = delay
        self._delays: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_delay(self, origin: str, seconds: float) -> None:
        """Raise the delay for a host (robots.txt Crawl-delay); never below the source's own."""
        with self._lock:
            self._delays[origin] = max(self._default_delay, seconds)

    def delay(self, origin: str) -> float:
        with self._lock:
            return self._delays.get(origin, self._default_delay)

    @contextmanager
    def slot(self, origin: str, max_wait: float | None = None) -> Iterator[Callable[[], None]]:
        """Hold one of the host's request slots; raise OutOfTime, without taking the host's
        next start time, when the politeness wait would be longer than ``max_wait`` seconds.
        Yields ``sent``, to be called when the request has been written."""
        host = _SLOTS.host(origin, self._concurrency)
        latest = None if max_wait is None else time.monotonic() + max_wait
        with host.cond:
            while host.held >= host.concurrency:
                host.waiters.wait()
            host.held += 1
        mine = False  # this slot let a request go that is not yet marked sent
        try:
            with host.cond:
                while True:
                    now = time.monotonic()
                    delay = self.delay(origin)
                    if host.going:  # the last request is not sent yet: at least delay to go
                        due = now + delay
                    else:
                        due = now if host.last is None else max(now, host.last + delay)
                    if latest is not None and due > latest:
                        raise OutOfTime(f"the next request to {origin} is due in "
                                        f"{due - now:.1f}s, after the time budget ends")
                    if not host.going and due <= now:
                        host.going = mine = True
                        host.last = now
                        break
                    host.waiters.wait(None if host.going else due - now)

            def sent() -> None:
                nonlocal mine
                with host.cond:
                    if mine:
                        mine = host.going = False
                        host.last = max(host.last or 0.0, time.monotonic())
                        host.waiters.notify_all()

            yield sent
            sent()
        finally:
            with host.cond:
                if mine:
                    host.going = False
                    host.last = max(host.last or 0.0, time.monotonic())
                host.held -= 1
                host.waiters.notify_all()


class Fetcher:
    """GETs through one keep-alive client whose connections go only to checked addresses."""

    def __init__(
        self,
        settings: FetchSettings,
        policy: AddressPolicy,
        *,
        gate: HostGate | None = None,
        sleep: Callable[[float], None] = green.sleep,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.gate = gate or HostGate(settings.concurrency, settings.delay)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._unresolved: dict[str, str] = {}  # host -> why its name did not resolve
        # No proxies or netrc from the environment: the guard sees the hosts.
        self.client = http11.Client(policy, timeout=settings.timeout, ssl_context=_ssl_context,
                                    headers={"User-Agent": settings.user_agent,
                                             "Accept": "*/*",
                                             "Accept-Encoding": "gzip, deflate",
                                             "Accept-Language": "it,en;q=0.5"})

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        check: Callable[[str], str | None] | None = None,
        max_bytes: int | None = None,
        time_left: Callable[[], float] | None = None,
    ) -> Result:
        """GET ``url`` following redirects; ``check(url)`` may veto any hop with a reason.

        With ``time_left`` (seconds left of the crawl's time budget) no request is started, and
        no politeness or retry wait begun, that would end after the budget: the result is then
        ``cut`` (not requested) or the last failure seen.
        """
        seen = [url]
        current = url
        while True:  # each pass is one request; it returns at the limit
            reason = self.refusal(current) or (check(current) if check else None)
            if reason:
                return Result(url, "refused", current, error=reason, redirects=seen[1:])
            result = self._get_with_retries(current, headers or {}, max_bytes, time_left)
            result.url = url
            result.redirects = seen[1:]
            if result.kind != "redirect":
                return result
            location = result.headers.get("location") if result.headers is not None else None
            if not location:
                result.kind = "failed"
                result.error = f"HTTP {result.status} redirect without a Location header"
                return result
            target = urljoin(current, location.strip()).split("#")[0]
            if target in seen:
                chain = " -> ".join([*seen, target])
                return Result(url, "failed", current, result.status,
                              error=f"redirect loop: {chain}", redirects=seen[1:])
            if len(seen) > self.settings.max_redirects:
                # Exactly max_redirects redirects were followed (max_redirects + 1 requests);
                # the next target is named but never requested.
                return Result(url, "failed", current, result.status, error=(
                    f"more than {self.settings.max_redirects} redirects: {' -> '.join(seen)}"
                    f" (next, not requested: {target})"
                ), redirects=seen[1:])
            seen.append(target)
            current = target
            # A conditional request only makes sense for the URL whose copy we hold.
            headers = {k: v for k, v in (headers or {}).items()
                       if k.lower() not in ("if-none-match", "if-modified-since")}

    def refusal(self, url: str) -> str | None:
        """Why this URL may not be fetched at all (scheme or address), or None."""
        try:
            parts = urlsplit(url.strip())
            scheme = parts.scheme.lower()
            host = (parts.hostname or "").lower()
            port = parts.port
        except ValueError as exc:
            scheme = url.strip().split(":", 1)[0].lower()
            if scheme in HTTP_SCHEMES:
                return f"invalid URL: {exc}"
            host, port = "", None
        if scheme not in HTTP_SCHEMES:
            return f"scheme {scheme or '(none)'!r} is not fetched: only http and https"
        if not host:
            return "URL has no host"
        with self._lock:
            if host in self._unresolved:
                return None  # reported as a failure, without asking the resolver again
        try:
            self.policy.resolve(host, port or (443 if scheme == "https" else 80))
        except AddressRefused as exc:
            return str(exc)
        except ResolveError:
            return None  # reported as a failure by the request itself
        except (http11.InvalidURL, ValueError) as exc:
            return f"invalid URL: {exc}"
        return None

    def _get_with_retries(self, url: str, headers: dict[str, str], max_bytes: int | None,
                          time_left: Callable[[], float] | None = None) -> Result:
        """The one retry loop: 5xx, 429, timeouts, connection and name-resolution errors are
        tried again after backoff·2ⁿ s (or the server's Retry-After, when within the cap)."""
        host = host_of(url)
        with self._lock:
            dead = self._unresolved.get(host)
        if dead is not None:  # this crawl already tried the name the full number of times
            return Result(url, "failed", url, error=f"{dead} (failed earlier in this crawl)")
        attempts = self.settings.retries + 1
        result: Result | None = None
        made = 0
        for attempt in range(attempts):
            left = time_left() if time_left is not None else None
            if left is not None and left <= 0:
                break
            try:
                with self.gate.slot(origin_of(url), max_wait=left) as sent:
                    result = self._get_once(url, headers, max_bytes, sent)
            except OutOfTime:
                break
            made += 1
            retry_after = None
            if result.kind == "failed" and result.status in RETRY_STATUSES:
                retry_after = _retry_after(result.headers)
            elif result.kind != "transient":
                return result
            if attempt + 1 >= attempts:
                break
            wait = self.settings.backoff * (2**attempt) * (1 + random.random() * 0.25)
            if retry_after is not None:
                if retry_after > self.settings.max_retry_after:
                    result.error = (f"{result.error}; Retry-After {retry_after:g}s exceeds the "
                                    f"{self.settings.max_retry_after:g}s cap (max_delay), "
                                    "not retried in this crawl")
                    break
                wait = max(wait, retry_after)
            if time_left is not None and wait > time_left():
                result.error = f"{result.error}; no time left in the crawl's budget to retry"
                break
            log.info("retrying %s in %.2fs after %s", url, wait, result.error)
            self._sleep(wait)
        if result is None:
            return Result(url, "cut", url, error="not requested: the crawl's time budget ran out")
        if result.kind == "transient":
            result.kind = "failed"
            if result.error and result.error.startswith("cannot resolve host"):
                with self._lock:
                    self._unresolved[host] = result.error
        if made > 1:
            result.error = f"{result.error} (after {made} attempts)"
        return result

    def _get_once(self, url: str, headers: dict[str, str], max_bytes: int | None,
                  sent: Callable[[], None] | None = None) -> Result:
        limit = max_bytes or self.settings.max_bytes
        deadline = time.monotonic() + max(60.0, self.settings.timeout * 10)
        try:
            with self.client.get(url, headers, sent) as resp:
                status = resp.status_code
                base = Result(url, "failed", resp.url, status, resp.headers)
                if status in REDIRECT_STATUSES:
                    base.kind = "redirect"
                    return base
                if status == 304:
                    base.kind = "not_modified"
                    return base
                if status >= 400 or status < 200:
                    base.error = f"HTTP {status} {resp.reason_phrase}".strip()
                    return base
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    base.error = (f"body too large: Content-Length {int(declared)} bytes "
                                  f"exceeds max_bytes {limit}")
                    return base
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes(limit):
                    size += len(chunk)
                    if size > limit:
                        base.error = f"body too large: more than max_bytes {limit} bytes"
                        return base
                    if time.monotonic() > deadline:
                        base.error = "download took too long"
                        return base
                    chunks.append(chunk)
                base.kind = "ok"
                base.body = b"".join(chunks)
                return base
        except AddressRefused as exc:
            return Result(url, "refused", url, error=str(exc))
        except ResolveError as exc:  # often a resolver hiccup: retried like a connection error
            return Result(url, "transient", url, error=str(exc))
        except http11.TimeoutException as exc:
            return Result(url, "transient", url,
                          error=f"timeout after {self.settings.timeout:g}s ({type(exc).__name__})")
        except (http11.TransportError, OSError) as exc:
            return Result(url, "transient", url,
                          error=f"connection error: {type(exc).__name__}: {exc}".rstrip(": "))
        except http11.HTTPError as exc:
            return Result(url, "failed", url, error=f"{type(exc).__name__}: {exc}")


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One certificate store per process: loading it costs ~20 ms, as much as a whole
    unchanged re-crawl of a small site."""
    import httpx  # only for its certificate store setup (certifi), once per process

    return httpx.create_ssl_context()


def _retry_after(headers: Headers | None) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
