"""robots.txt, read once per host per crawl with protego, including Crawl-delay and Sitemap lines.

Following RFC 9309: a robots.txt that does not exist (4xx) allows everything; one that cannot be
read (5xx, timeout, refused connection) disallows everything for this crawl, since the site may
be struggling and we cannot know its wishes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from protego import Protego

from .fetcher import Fetcher, HostGate
from .listings import ListingCache
from .urls import origin_of

log = logging.getLogger(__name__)

AGENT_TOKEN = "inclusio"
MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB


@dataclass(slots=True)
class HostRules:
    origin: str
    rules: Protego | None = None
    blocked: str | None = None  # reason when robots.txt could not be read
    sitemaps: list[str] = field(default_factory=list)
    crawl_delay: float | None = None  # the delay applied: Crawl-delay, capped at max_delay
    requested_delay: float | None = None  # the Crawl-delay as written, when it was capped


class RobotsBook:
    """The robots.txt rules of every host met during one crawl."""

    def __init__(self, fetcher: Fetcher, gate: HostGate, token: str = AGENT_TOKEN,
                 cache: ListingCache | None = None, max_delay: float | None = None,
                 on_capped: Callable[[str, str], None] | None = None) -> None:
        """``max_delay`` caps the Crawl-delay a site may impose (a site asking for an hour
        would stall the crawl for days); ``on_capped(robots_url, message)`` hears of each cap."""
        self.fetcher = fetcher
        self.max_delay = max_delay
        self.on_capped = on_capped
        self.gate = gate
        self.cache = cache
        self.token = token
        self._hosts: dict[str, HostRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def rules_for(self, url: str) -> HostRules:
        origin = origin_of(url)
        with self._lock:
            if origin in self._hosts:
                return self._hosts[origin]
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            with self._lock:
                if origin in self._hosts:
                    return self._hosts[origin]
            rules = self._load(origin)
            with self._lock:
                self._hosts[origin] = rules
            return rules

    def check(self, url: str) -> str | None:
        """Why robots.txt forbids this URL to inclusio, or None when it may be fetched."""
        host = self.rules_for(url)
        if host.blocked:
            return host.blocked
        if host.rules is not None and not host.rules.can_fetch(url, self.token):
            return f"disallowed by {host.origin}/robots.txt for user-agent {self.token}"
        return None

    def _load(self, origin: str) -> HostRules:
        url = f"{origin}/robots.txt"
        if self.cache is not None:
            result = self.cache.get(self.fetcher, url, max_bytes=MAX_ROBOTS_BYTES * 4)
        else:
            result = self.fetcher.get(url, max_bytes=MAX_ROBOTS_BYTES * 4)
        host = HostRules(origin)
        if result.kind == "ok":
            # utf-8-sig: a byte-order mark (Windows editors write one) would otherwise glue
            # itself to the first "User-agent" line and void the rules under it.
            text = (result.body or b"")[:MAX_ROBOTS_BYTES].decode("utf-8-sig", errors="replace")
            host.rules = Protego.parse(text)
            host.sitemaps = list(host.rules.sitemaps)
            delay = host.rules.crawl_delay(self.token)
            if delay:
                applied = float(delay)
                if self.max_delay is not None and applied > self.max_delay:
                    host.requested_delay = applied
                    applied = self.max_delay
                    message = (f"Crawl-delay {host.requested_delay:g}s asked by {url} capped at "
                               f"{applied:g}s (the source's max_delay)")
                    log.warning(message)
                    if self.on_capped is not None:
                        self.on_capped(url, message)
                host.crawl_delay = applied
                self.gate.set_delay(origin, applied)
        elif result.kind == "refused":
            pass  # the pages themselves will be refused for the same reason
        elif result.status is not None and 400 <= result.status < 500 and result.status != 429:
            pass  # no robots.txt: everything is allowed
        else:
            host.blocked = (
                f"robots.txt of {origin} could not be read ({result.error}); "
                "the host is skipped for this crawl"
            )
            log.warning(host.blocked)
        return host
