"""The HTTP layer on its own: retries, Retry-After, redirect chains, schemes, size caps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_site import LocalSite, Page

from crawl.fetcher import Fetcher, FetchSettings
from crawl.netguard import AddressPolicy

# Each test twice: in a thread, and in a greenlet of a crawl/green.py hub (tests/crawl/conftest.py).
pytestmark = pytest.mark.usefixtures("run_mode")


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


def test_redirect_limit_is_exact(bare_site: LocalSite) -> None:
    """max_redirects = 5 on a chain of 8: the first URL and five redirects are requested, six
    requests in all; the sixth target is named in the reason but never asked for."""
    for i in range(8):
        bare_site.routes[f"/c{i}"] = lambda h, s, i=i: (302, {"Location": f"/c{i + 1}"}, None)
    result = fetcher(max_redirects=5).get(bare_site.url("/c0"))
    assert result.kind == "failed" and "more than 5 redirects" in result.error
    assert "not requested: " + bare_site.url("/c6") in result.error
    assert bare_site.paths_hit() == {f"/c{i}": 1 for i in range(6)}
    assert len(result.redirects) == 5


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


@pytest.fixture
def flaky_dns(monkeypatch: pytest.MonkeyPatch, bare_site: LocalSite) -> dict[str, int]:
    """Names under .test resolve through this table: ``comune-esempio.test`` fails twice with
    a temporary resolver error, then points at the local site; ``spento.test`` never resolves.
    Returns how often each name was asked for."""
    import socket

    real = socket.getaddrinfo
    asked: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if not str(host).endswith(".test"):
            return real(host, port, *args, **kwargs)
        asked[host] = asked.get(host, 0) + 1
        if host == "comune-esempio.test" and asked[host] > 2:
            return real("127.0.0.1", port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_name_resolution_failures_are_retried(bare_site: LocalSite, flaky_dns) -> None:
    bare_site.routes["/pagina"] = Page(b"eccomi", content_type="text/plain")
    port = bare_site.base_url.rsplit(":", 1)[1]
    waits.clear()
    result = fetcher().get(f"http://comune-esempio.test:{port}/pagina")
    assert result.kind == "ok" and result.body == b"eccomi"
    assert waits  # it waited (backoff) before asking the resolver again
    assert flaky_dns["comune-esempio.test"] == 3


def test_a_name_that_never_resolves_fails_once_per_crawl(bare_site: LocalSite, flaky_dns) -> None:
    f = fetcher()
    waits.clear()
    first = f.get("http://spento.test/atti/determina.pdf")
    assert first.kind == "failed"
    assert first.error.startswith("cannot resolve host 'spento.test'")
    assert first.error.endswith("(after 3 attempts)")
    assert len(waits) == 2
    asked = flaky_dns["spento.test"]
    # Another URL on the same host: a clear reason at once, no new lookups or waits.
    second = f.get("http://spento.test/notizie.html")
    assert second.kind == "failed" and "failed earlier in this crawl" in second.error
    assert flaky_dns["spento.test"] == asked and len(waits) == 2


def test_connection_refused_is_retried_then_reported() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    waits.clear()
    result = fetcher().get(f"http://127.0.0.1:{port}/")
    assert result.kind == "failed" and result.error.startswith("connection error: ConnectError")
    assert result.error.endswith("(after 3 attempts)") and len(waits) == 2


def test_retry_after_longer_than_the_cap_is_not_waited_for(bare_site: LocalSite) -> None:
    bare_site.routes["/chiuso"] = lambda h, s: (
        503, {"Retry-After": "3600", "Content-Type": "text/plain"}, b"torna tra un'ora")
    waits.clear()
    result = fetcher(max_retry_after=5).get(bare_site.url("/chiuso"))
    assert result.kind == "failed" and result.status == 503
    assert "Retry-After 3600s exceeds the 5s cap (max_delay)" in result.error
    assert waits == [] and bare_site.paths_hit()["/chiuso"] == 1


def test_no_request_or_retry_wait_beyond_the_time_budget(bare_site: LocalSite) -> None:
    bare_site.routes["/ok"] = Page(b"ok", content_type="text/plain")
    bare_site.routes["/guasto"] = Page(b"guasto", status=500, validators=False)
    f = fetcher()
    cut = f.get(bare_site.url("/ok"), time_left=lambda: 0.0)
    assert cut.kind == "cut" and "time budget" in cut.error
    assert bare_site.paths_hit()["/ok"] == 0
    waits.clear()
    failed = f.get(bare_site.url("/guasto"), time_left=lambda: 0.001)  # < the 0.01 s backoff
    assert failed.kind == "failed" and "no time left in the crawl's budget to retry" in failed.error
    assert waits == [] and bare_site.paths_hit()["/guasto"] == 1


def test_politeness_wait_past_the_budget_is_not_begun(run_mode: str) -> None:
    from crawl.fetcher import HostGate, OutOfTime

    origin = f"http://budget-{run_mode}.example:8080"  # hosts' state is the process's
    gate = HostGate(1, 1000.0)
    with gate.slot(origin, max_wait=5):
        pass
    with pytest.raises(OutOfTime, match="after the time budget ends"):
        with gate.slot(origin, max_wait=5):  # the next start is 1000 s away
            pass


def test_the_delay_counts_from_when_a_starved_request_was_really_sent() -> None:
    """A request let go but held up before it is written (a starved thread) pushes the host's
    next request back: the delay runs from the write, not from the turn."""
    import threading
    import time

    from crawl.fetcher import HostGate

    origin = "http://affamato.example:8080"
    gate = HostGate(2, 0.1)  # two in flight: only the spacing of starts holds the second back
    sent_at: list[float] = []
    second_at: list[float] = []
    first_in = threading.Event()

    def first() -> None:
        with gate.slot(origin) as sent:
            first_in.set()
            time.sleep(0.3)  # starved between its turn and its write
            sent_at.append(time.monotonic())
            sent()

    def second() -> None:
        first_in.wait()
        with gate.slot(origin):
            second_at.append(time.monotonic())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert second_at[0] - sent_at[0] >= 0.1


def test_a_cookie_set_on_a_redirect_is_sent_to_its_target(bare_site: LocalSite) -> None:
    """Sites that check a session cookie after a redirect still answer (the cookie jar only
    skips the answers that set none)."""

    def sets(handler, site):
        return 302, {"Location": "/dentro", "Set-Cookie": "sessione=1; Path=/"}, None

    def needs(handler, site):
        if "sessione=1" in (handler.headers.get("Cookie") or ""):
            return 200, {"Content-Type": "text/plain"}, b"benvenuto"
        return 403, {"Content-Type": "text/plain"}, b"senza cookie"

    bare_site.routes["/ingresso"] = sets
    bare_site.routes["/dentro"] = needs
    result = fetcher().get(bare_site.url("/ingresso"))
    assert (result.kind, result.status, result.body) == ("ok", 200, b"benvenuto")
