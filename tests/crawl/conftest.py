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
