"""Conditional GETs for robots.txt, sitemaps and feeds across runs.

These are read on every crawl to find documents; they are not documents, so they have no row
in the fetch log and the caller's CrawlState does not know them. Their validators are kept in
small JSON files under ``<raw store>/_listings/`` and their bodies in the raw store itself, so
an unchanged site's sitemap is answered with a 304 rather than downloaded again each night.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from .fetcher import Fetcher, Result
from .rawstore import BodyStore


class ListingCache:
    def __init__(self, store: BodyStore) -> None:
        self.store = store

    @staticmethod
    def _name(url: str) -> str:
        return hashlib.sha1(url.encode()).hexdigest()[:20] + ".json"

    def _load(self, url: str) -> dict[str, str | None] | None:
        data = self.store.read_listing(self._name(url))
        if data is None:
            return None
        try:
            entry = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(entry, dict):
            return None
        if entry.get("url") != url or not self.store.has(entry.get("sha256") or ""):
            return None
        return entry

    def _save(self, url: str, result: Result, sha: str) -> None:
        headers = result.headers
        entry = {"url": url, "sha256": sha,
                 "etag": headers.get("etag") if headers is not None else None,
                 "last_modified": headers.get("last-modified") if headers is not None else None}
        if not (entry["etag"] or entry["last_modified"]):
            return  # nothing to ask conditionally next time
        try:
            self.store.write_listing(self._name(url), json.dumps(entry).encode("utf-8"))
        except OSError:
            pass  # only a cache: the next run downloads the listing again

    def get(self, fetcher: Fetcher, url: str, *, check: Callable[[str], str | None] | None = None,
            max_bytes: int | None = None) -> Result:
        """GET with validators from the last run; a 304 comes back as ``ok`` with our copy."""
        entry = self._load(url)
        headers: dict[str, str] = {}
        if entry and entry.get("etag"):
            headers["If-None-Match"] = str(entry["etag"])
        if entry and entry.get("last_modified"):
            headers["If-Modified-Since"] = str(entry["last_modified"])
        result = fetcher.get(url, headers=headers, check=check, max_bytes=max_bytes)
        if result.kind == "not_modified" and entry:
            result.kind = "ok"
            result.body = self.store.get(str(entry["sha256"]))
        elif result.kind == "ok" and result.body is not None:
            self._save(url, result, self.store.put(result.body))
        return result
