"""Reading the sources file: defaults, the [crawler] table, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawl.sources import load_sources
from crawl.urls import DEFAULT_KEYWORDS


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[crawler]
contact = "https://example.org/contatti"
delay = 1.5
retries = 4

[[sources]]
id = "massa"
entity = "Comune di Massa"
start_urls = ["https://www.comune.massa.ms.it/"]
schedule = "0 3 * * *"

[[sources]]
id = "venezia"
entity = "Comune di Venezia"
start_urls = ["https://www.comune.venezia.it/it/content/pn-metro"]
allowed_hosts = ["*.comune.venezia.it"]
allow = ["/it/content/"]
deny = ["\\\\?print="]
keywords = ["PN Metro", "FSE+"]
delay = 0.2
allow_private = ["127.0.0.0/8"]
user_agent = "inclusio-venezia/1.0"
"""


def test_sources_with_defaults_and_overrides(tmp_path: Path) -> None:
    massa, venezia = load_sources(write(tmp_path, GOOD))
    assert massa.source_id == "massa" and massa.entity == "Comune di Massa"
    assert massa.allowed_hosts == ["www.comune.massa.ms.it"]
    assert massa.topic_keywords == list(DEFAULT_KEYWORDS)
    assert massa.delay_seconds == 1.5 and massa.extra["retries"] == 4
    assert massa.schedule == "0 3 * * *"
    assert massa.user_agent.startswith("inclusio/")
    assert "(+https://example.org/contatti)" in massa.user_agent
    assert not massa.allow_private

    assert venezia.delay_seconds == 0.2  # the source's own value wins over [crawler]
    assert venezia.allowed_hosts == ["*.comune.venezia.it"]
    assert venezia.allow_patterns == ["/it/content/"] and venezia.deny_patterns == ["\\?print="]
    assert venezia.topic_keywords == ["PN Metro", "FSE+"]
    assert venezia.allow_private and venezia.extra["private_networks"] == ["127.0.0.0/8"]
    assert venezia.user_agent == "inclusio-venezia/1.0 (+https://example.org/contatti)"


def test_delay_cap_and_time_budget_have_defaults_and_can_be_set(tmp_path: Path) -> None:
    massa, venezia = load_sources(write(tmp_path, GOOD.replace(
        'user_agent = "inclusio-venezia/1.0"',
        'user_agent = "inclusio-venezia/1.0"\nmax_delay = 5\nmax_duration = 600')))
    assert massa.extra["max_delay"] == 30.0 and massa.extra["max_duration"] == 1800.0
    assert venezia.extra["max_delay"] == 5.0 and venezia.extra["max_duration"] == 600.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\nid='a'\nentity='E'\n", "source 'a': missing required key 'start_urls'"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['ftp://x.it/']\n",
         "key 'start_urls': 'ftp://x.it/' is not an http(s) URL"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\nmax_pages=-1\n",
         "source 'a': key 'max_pages': expected a whole number >= 0, got -1"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\ndelai=2\n",
         "source 'a': unknown key 'delai'"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\ndeny=['(']\n",
         "key 'deny': '(' is not a valid regular expression"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\nschedule='ogni notte'\n",
         "key 'schedule': 'ogni notte' is not a cron expression"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\n"
         "allow_private=['rete interna']\n", "key 'allow_private': 'rete interna' is not an IP"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\n"
         "[[sources]]\nid='a'\nentity='F'\nstart_urls=['http://y.it/']\n", "duplicate id 'a'"),
        ("[crawler]\ntimeout='lento'\n[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\n",
         "[crawler]: key 'timeout': expected a number of seconds >= 0"),
        ("[crawler]\nmax_delay=0\n[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\n",
         "[crawler]: key 'max_delay': expected a number of seconds > 0, got 0"),
        ("[[sources]]\nid='a'\nentity='E'\nstart_urls=['http://x.it/']\nmax_duration=-5\n",
         "source 'a': key 'max_duration': expected a number of seconds >= 0, got -5"),
        ("[[sources]\n", "not valid TOML"),
        ("[crawler]\ndelay = 1\n", "no [[sources]] tables"),
    ],
)
def test_bad_config_names_file_source_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as err:
        load_sources(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sources file not found"):
        load_sources(tmp_path / "nessuno.toml")
