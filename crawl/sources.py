"""The sources file: which municipal sites to crawl, and how politely.

A TOML file with an optional ``[crawler]`` table of defaults and one ``[[sources]]`` table per
site. Every mistake is reported as ``file: source 'id': key 'name': what is wrong`` so that an
analyst editing the file by hand can fix it without reading code.

    [crawler]
    contact = "https://example.org/inclusio-crawler"   # named in the User-Agent
    delay = 1.0

    [[sources]]
    id = "massa"
    entity = "Comune di Massa"
    start_urls = ["https://www.comune.massa.ms.it/"]
    keywords = ["PON", "inclusione"]     # optional: defaults to crawl.urls.DEFAULT_KEYWORDS
    schedule = "0 2 * * *"               # optional cron, used by `inclusio schedule`
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import replace
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from models.records import Source

from .urls import DEFAULT_KEYWORDS, HTTP_SCHEMES, host_of, scheme_of

# Keys that map onto Source fields (TOML name -> field name).
FIELD_KEYS = {
    "id": "source_id",
    "entity": "entity",
    "start_urls": "start_urls",
    "allowed_hosts": "allowed_hosts",
    "allow": "allow_patterns",
    "deny": "deny_patterns",
    "keywords": "topic_keywords",
    "max_depth": "max_depth",
    "max_pages": "max_pages",
    "allow_private": "allow_private",
    "delay": "delay_seconds",
    "concurrency": "concurrency",
    "timeout": "timeout_seconds",
    "max_bytes": "max_bytes",
    "user_agent": "user_agent",
    "schedule": "schedule",
}
# Keys kept in Source.extra, with their defaults: the crawler reads them from there.
EXTRA_DEFAULTS: dict[str, Any] = {
    "contact": None,
    "retries": 2,             # extra attempts after a 5xx, 429 or connection error
    "backoff": 1.0,           # seconds; doubled after every retry
    "max_redirects": 5,
    "sitemaps": True,         # read robots.txt Sitemap: lines and /sitemap.xml
    "feeds": [],              # RSS/Atom feed URLs besides those the start pages announce
    "open_depth": 1,          # links followed whatever their topic up to this depth
    "trust_lastmod": True,    # skip a page whose sitemap/feed date is not newer than our copy
    "private_networks": [],   # with allow_private: only these networks (CIDR) are allowed
    "max_delay": 30.0,        # seconds: cap on robots.txt Crawl-delay and on Retry-After waits
    "max_duration": 1800.0,   # seconds: time budget of one crawl of the source
    # Pages and attachments no sitemap or feed dates are asked again after this share of the
    # time they have stayed unchanged (0: every run), never sooner than min_revisit seconds
    # after the last check counts, and at the latest max_revisit seconds after it.
    "revisit_backoff": 0.5,
    "min_revisit": 3600.0,
    "max_revisit": 30 * 86400.0,
}


def _version() -> str:
    try:
        return metadata.version("inclusio")
    except metadata.PackageNotFoundError:
        return "0"


DEFAULT_USER_AGENT = f"inclusio/{_version()}"

_INT_KEYS = {"max_depth", "max_pages", "concurrency", "max_bytes", "retries", "max_redirects",
             "open_depth"}
_FLOAT_KEYS = {"delay", "timeout", "backoff", "max_delay", "max_duration", "min_revisit",
               "max_revisit"}
_RATIO_KEYS = {"revisit_backoff"}
_POSITIVE_KEYS = {"timeout", "max_delay", "max_duration"}
_STR_LIST_KEYS = {"start_urls", "allowed_hosts", "allow", "deny", "keywords", "feeds"}
_STR_KEYS = {"id", "entity", "user_agent", "contact", "schedule"}
_BOOL_KEYS = {"trust_lastmod"}


def load_sources(path: Path | str) -> list[Source]:
    """Read and check a sources file; raise ValueError naming file, source and key on bad input."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: sources file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text: {exc}") from None
    unknown_top = set(raw) - {"crawler", "sources"}
    if unknown_top:
        raise ValueError(
            f"{path}: unknown top-level key(s) {sorted(unknown_top)}; "
            "expected a [crawler] table and [[sources]] tables"
        )
    defaults = raw.get("crawler", {})
    if not isinstance(defaults, dict):
        raise ValueError(f"{path}: [crawler] must be a table")
    where = f"{path}: [crawler]"
    for key in ("id", "entity", "start_urls", "allowed_hosts"):
        if key in defaults:
            raise ValueError(f"{where}: key {key!r} belongs in each [[sources]] table")
    _check_keys(defaults, where)
    entries = raw.get("sources")
    if not entries:
        raise ValueError(f"{path}: no [[sources]] tables")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{path}: 'sources' must be an array of tables ([[sources]])")
    sources: list[Source] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        label = entry.get("id") if isinstance(entry.get("id"), str) else f"#{n}"
        where = f"{path}: source {label!r}"
        _check_keys(entry, where)
        merged = {**defaults, **entry}
        source = _build(merged, where)
        if source.source_id in seen:
            raise ValueError(f"{where}: key 'id': duplicate id {source.source_id!r}")
        seen.add(source.source_id)
        sources.append(source)
    return sources


def _check_keys(table: dict[str, Any], where: str) -> None:
    for key, value in table.items():
        if key not in FIELD_KEYS and key not in EXTRA_DEFAULTS:
            known = ", ".join(sorted(set(FIELD_KEYS) | set(EXTRA_DEFAULTS)))
            raise ValueError(f"{where}: unknown key {key!r} (known keys: {known})")
        _check_type(key, value, where)


def _check_type(key: str, value: Any, where: str) -> None:
    def bad(expected: str) -> ValueError:
        return ValueError(f"{where}: key {key!r}: expected {expected}, got {value!r}")

    if key in _INT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("a whole number >= 0")
        if key == "concurrency" and value < 1:
            raise bad("a whole number >= 1")
    elif key in _FLOAT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise bad("a number of seconds >= 0")
        if key in _POSITIVE_KEYS and value <= 0:
            raise bad("a number of seconds > 0")
    elif key in _RATIO_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise bad("a number >= 0")
    elif key in _STR_LIST_KEYS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise bad("a list of non-empty strings")
    elif key in _STR_KEYS:
        if not isinstance(value, str) or not value.strip():
            raise bad("a non-empty string")
    elif key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise bad("true or false")
    elif key == "allow_private":
        if not isinstance(value, bool | list) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            raise bad("true, false or a list of networks such as [\"127.0.0.0/8\"]")
    elif key == "sitemaps":
        if not isinstance(value, bool | list) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            raise bad("true, false or a list of sitemap URLs")


def _check_url(url: str, where: str, key: str) -> None:
    if scheme_of(url) not in HTTP_SCHEMES or not host_of(url):
        raise ValueError(f"{where}: key {key!r}: {url!r} is not an http(s) URL with a host")


def _build(cfg: dict[str, Any], where: str) -> Source:
    for key in ("id", "entity", "start_urls"):
        if key not in cfg:
            raise ValueError(f"{where}: missing required key {key!r}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", cfg["id"]):
        raise ValueError(
            f"{where}: key 'id': {cfg['id']!r} must be letters, digits, '_', '.' or '-'"
        )
    if not cfg["start_urls"]:
        raise ValueError(f"{where}: key 'start_urls': give at least one URL")
    for url in cfg["start_urls"]:
        _check_url(url, where, "start_urls")
    for url in cfg.get("feeds", []):
        _check_url(url, where, "feeds")
    if isinstance(cfg.get("sitemaps"), list):
        for url in cfg["sitemaps"]:
            _check_url(url, where, "sitemaps")
    for key in ("allow", "deny"):
        for pattern in cfg.get(key, []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"{where}: key {key!r}: {pattern!r} is not a valid regular expression: {exc}"
                ) from None
    if cfg.get("schedule"):
        _check_cron(cfg["schedule"], where)

    allow_private = cfg.get("allow_private", False)
    networks: list[str] = []
    if isinstance(allow_private, list):
        for net in allow_private:
            try:
                networks.append(str(ipaddress.ip_network(net, strict=False)))
            except ValueError:
                raise ValueError(
                    f"{where}: key 'allow_private': {net!r} is not an IP network like 127.0.0.0/8"
                ) from None
        allow_private = bool(networks)

    hosts = cfg.get("allowed_hosts") or sorted({host_of(u) for u in cfg["start_urls"]})
    keywords = cfg.get("keywords")
    extra = {key: cfg.get(key, default) for key, default in EXTRA_DEFAULTS.items()}
    extra["private_networks"] = networks
    extra["feeds"] = list(extra["feeds"])
    for key in ("max_delay", "max_duration"):
        extra[key] = float(extra[key])
    kwargs: dict[str, Any] = {
        "source_id": cfg["id"],
        "entity": cfg["entity"].strip(),
        "start_urls": list(cfg["start_urls"]),
        "allowed_hosts": [h.lower() for h in hosts],
        "allow_patterns": list(cfg.get("allow", [])),
        "deny_patterns": list(cfg.get("deny", [])),
        "topic_keywords": list(keywords) if keywords is not None else list(DEFAULT_KEYWORDS),
        "allow_private": bool(allow_private),
        "user_agent": user_agent(cfg.get("user_agent"), cfg.get("contact")),
        "schedule": cfg.get("schedule"),
        "extra": extra,
    }
    for key in ("max_depth", "max_pages", "concurrency", "max_bytes"):
        if key in cfg:
            kwargs[FIELD_KEYS[key]] = int(cfg[key])
    for key in ("delay", "timeout"):
        if key in cfg:
            kwargs[FIELD_KEYS[key]] = float(cfg[key])
    return Source(**kwargs)


def user_agent(configured: str | None, contact: str | None) -> str:
    """A User-Agent that names inclusio and, when configured, where to reach its operator."""
    agent = (configured or DEFAULT_USER_AGENT).strip()
    if "inclusio" not in agent.lower():
        agent = f"{agent} {DEFAULT_USER_AGENT}"
    if contact and contact not in agent:
        agent = f"{agent} (+{contact})"
    return agent


def _check_cron(expr: str, where: str) -> None:
    from cronsim import CronSim, CronSimError

    try:
        CronSim(expr, datetime(2000, 1, 1))
    except CronSimError as exc:
        raise ValueError(
            f"{where}: key 'schedule': {expr!r} is not a cron expression: {exc}"
        ) from None


def with_max_duration(sources: list[Source], seconds: float) -> list[Source]:
    """The sources with one crawl time budget for all, over each one's ``max_duration``."""
    return [replace(src, extra={**src.extra, "max_duration": seconds}) for src in sources]
