"""Fixtures for crawler tests: the local municipal site on 127.0.0.1 and a sources file for it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from local_site import LocalSite, install_municipal_routes  # noqa: E402


@pytest.fixture
def site() -> Iterator[LocalSite]:
    server = LocalSite()
    server.start()
    install_municipal_routes(server)
    try:
        yield server
    finally:
        server.stop()


SOURCES_TEMPLATE = """
[crawler]
contact = "https://example.org/inclusio/crawler"
retries = 1
backoff = 0.01
timeout = 0.5

[[sources]]
id = "esempio"
entity = "Comune di Esempio"
start_urls = ["{base}/"]
allow_private = ["127.0.0.0/8"]
keywords = ["PON", "SIA", "REI", "inclusione", "povertà", "progetto", "sociale",
            "determina", "delibera"]
max_depth = 2
max_pages = 60
max_bytes = 100000
concurrency = 2
"""


@pytest.fixture
def sources_file(site: LocalSite, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES_TEMPLATE.format(base=site.base_url), encoding="utf-8")
    return path


@pytest.fixture(params=["thread", "greenlet"])
def run_mode(request: pytest.FixtureRequest) -> str:
    """Used by a module (``pytestmark = pytest.mark.usefixtures("run_mode")``) whose tests
    run twice, see pytest_pyfunc_call."""
    return request.param


def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A test parametrized with ``run_mode`` "greenlet" runs inside a greenlet of a
    crawl/green.py hub, where the crawl runs when many sources go at once (sockets
    non-blocking, waits cooperative); with "thread", as plain blocking code."""
    callspec = getattr(pyfuncitem, "callspec", None)
    if callspec is None or callspec.params.get("run_mode") != "greenlet":
        return None
    from crawl import green

    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    green.run(lambda: pyfuncitem.obj(**args))
    return True
