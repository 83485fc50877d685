"""The HTTP layer on its own: retries, Retry-After, redirect chains, schemes, size caps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_site import LocalSite, Page

from crawl.fetcher import Fetcher, FetchSettings
from crawl.netguard import AddressPolicy


@pytest.fixture
def bare_site() -> Iterator[LocalSite]:
    site = LocalSite()
    site.start()
    try:
        yield site
    finally:
        site.stop()


waits: list[float] = []  # what the fetcher would have slept, instead of sleeping


def fetcher(**kw) -> Fetcher:
    settings = FetchSettings(user_agent="inclusio-test (+https://example.org/c)", timeout=2,
                             retries=2, backoff=0.01, **kw)
    return Fetcher(settings, AddressPolicy.from_source(True), sleep=lambda s: waits.append(s))


def test_retry_after_is_honoured_and_user_agent_sent(bare_site: LocalSite) -> None:
    seen_agents = []

    def busy(handler, site):
        seen_agents.append(handler.headers.get("User-Agent"))
        if site.count("busy") == 1:
            return 503, {"Retry-After": "1", "Content-Type": "text/plain"}, b"occupato"
        return 200, {"Content-Type": "text/plain"}, b"ok"

    bare_site.routes["/busy"] = busy
    waits.clear()
    result = fetcher().get(bare_site.url("/busy"))
    assert result.kind == "ok" and result.body == b"ok"
    assert waits and waits[0] >= 1.0  # Retry-After wins over the short backoff
    assert seen_agents == ["inclusio-test (+https://example.org/c)"] * 2


def test_5xx_gives_up_after_retries_with_reason(bare_site: LocalSite) -> None:
    bare_site.routes["/down"] = Page(b"guasto", status=502, validators=False)
    result = fetcher().get(bare_site.url("/down"))
    assert result.kind == "failed" and result.status == 502
    assert result.error == "HTTP 502 Bad Gateway (after 3 attempts)"
    assert bare_site.paths_hit()["/down"] == 3


def test_4xx_is_not_retried(bare_site: LocalSite) -> None:
    bare_site.routes["/vietato"] = Page(b"no", status=403, validators=False)
    result = fetcher().get(bare_site.url("/vietato"))
    assert result.kind == "failed" and "HTTP 403" in result.error
    assert bare_site.paths_hit()["/vietato"] == 1


def test_redirect_chain_limit_and_relative_locations(bare_site: LocalSite) -> None:
    for i in range(4):
        bare_site.routes[f"/r{i}"] = (
            lambda h, s, i=i: (301, {"Location": f"r{i + 1}"}, None))
    bare_site.routes["/r4"] = Page(b"arrivato", content_type="text/plain")
    ok = fetcher(max_redirects=4).get(bare_site.url("/r0"))
    assert ok.kind == "ok" and ok.final_url == bare_site.url("/r4") and len(ok.redirects) == 4
    too_long = fetcher(max_redirects=3).get(bare_site.url("/r0"))
    assert too_long.kind == "failed" and "more than 3 redirects" in too_long.error


def test_redirect_to_file_scheme_is_refused(bare_site: LocalSite) -> None:
    bare_site.routes["/file"] = lambda h, s: (302, {"Location": "file:///etc/passwd"}, None)
    result = fetcher().get(bare_site.url("/file"))
    assert result.kind == "refused" and "only http and https" in result.error


def test_declared_and_streamed_size_caps(bare_site: LocalSite) -> None:
    bare_site.routes["/grande"] = Page(b"x" * 5000, content_type="application/pdf")
    result = fetcher(max_bytes=1000).get(bare_site.url("/grande"))
    assert result.kind == "failed" and "Content-Length 5000" in result.error
    assert fetcher(max_bytes=5000).get(bare_site.url("/grande")).kind == "ok"


def test_two_sources_on_one_host_share_the_politeness_delay() -> None:
    import threading
    import time

    from crawl.fetcher import HostGate

    origin = "http://condiviso.example:8080"
    starts: list[float] = []

    def crawl(gate: HostGate) -> None:
        for _ in range(2):
            with gate.slot(origin):
                starts.append(time.monotonic())

    threads = [threading.Thread(target=crawl, args=(HostGate(1, 0.1),)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert len(starts) == 4
    assert all(b - a >= 0.099 for a, b in zip(starts, starts[1:], strict=False))
