"""The executor's choices (flows/executors.py): which options go together, how sources are
grouped by host for a crawl on a cluster, how batches are sized."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.dask_stages import batch_size
from flows.executors import Executor, host_groups, pack_groups
from inclusio.cli import main
from models.records import Source


def _source(sid: str, url: str, *hosts: str) -> Source:
    return Source(source_id=sid, entity=sid, start_urls=[url], allowed_hosts=list(hosts))


def test_sources_sharing_a_host_are_one_group_in_their_order() -> None:
    groups = host_groups([
        _source("a", "http://comune.it/", "comune.it"),
        _source("b", "https://ambito.it/x", "ambito.it", "cdn.regione.it"),
        _source("c", "http://regione.it/", "regione.it", "cdn.regione.it"),
        _source("d", "http://COMUNE.it:8080/atti"),  # same host, another port and case
        _source("e", "http://altro.it/"),
    ])
    assert [[s.source_id for s in g] for g in groups] == [["a", "d"], ["b", "c"], ["e"]]


def test_options_that_do_not_go_together_are_refused() -> None:
    assert Executor().describe() == "local"
    assert Executor("dask", workers=3).describe() == "dask LocalCluster of 3 workers"
    with pytest.raises(ValueError, match="need --executor dask"):
        Executor("local", workers=2)
    with pytest.raises(ValueError, match="with --dask-address"):
        Executor("dask", "tcp://127.0.0.1:8786", 2)
    with pytest.raises(ValueError, match="executor must be"):
        Executor("spark")


def test_run_says_which_options_clash_before_crawling(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "a"\nentity = "A"\n'
                       'start_urls = ["http://127.0.0.1:9/"]\nallowed_hosts = ["127.0.0.1"]\n')
    code = main(["--home", str(tmp_path), "run", str(sources), "--workers", "2"])
    assert code == 2
    assert "--dask-address and --workers need --executor dask" in capsys.readouterr().err
    assert not (tmp_path / "data" / "raw").exists()


def test_batches_are_about_four_per_worker_within_bounds() -> None:
    assert batch_size(2000, 2, 10, 500) == 250
    assert batch_size(2000, 1, 10, 500) == 500
    assert batch_size(30, 2, 10, 500) == 10
    assert batch_size(100_000, 8, 10, 500) == 500


def test_an_unreachable_scheduler_is_one_line_and_exit_1(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "a"\nentity = "A"\n'
                       'start_urls = ["http://127.0.0.1:9/"]\nallowed_hosts = ["127.0.0.1"]\n')
    code = main(["--home", str(tmp_path), "run", str(sources), "--executor", "dask",
                 "--dask-address", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith(f"inclusio run: cannot reach the Dask scheduler at "
                              f"tcp://127.0.0.1:{port}"), err[-3:]
    assert "Traceback" not in "\n".join(err)


def test_host_groups_are_packed_whole_into_few_balanced_tasks() -> None:
    """Many one-host groups go into at most ``bins`` tasks of near-equal size, a group is
    never split across tasks (one politeness budget per host), groups keep their order."""
    sources = [_source(f"s{i}", f"https://comune{i}.example.it/") for i in range(10)]
    sources.append(_source("s10", "https://comune0.example.it/altro/"))
    groups = host_groups(sources)
    tasks = pack_groups(groups, 3)
    assert len(tasks) == 3
    assert sorted(len(t) for t in tasks) == [3, 4, 4]
    assert sorted(s.source_id for t in tasks for s in t) == sorted(s.source_id for s in sources)
    together = next(t for t in tasks if sources[0] in t)
    assert sources[10] in together
    flat = [s for g in groups for s in g]
    for t in tasks:
        assert [flat.index(s) for s in t] == sorted(flat.index(s) for s in t)
    assert pack_groups(groups[:2], 8) == groups[:2]
    assert pack_groups([], 4) == []


def test_the_first_task_can_be_given_a_smaller_share() -> None:
    """The crawl's own process, which also logs every child's records, takes fewer sources."""
    groups = [[_source(f"s{n}", f"https://h{n}.example/")] for n in range(20)]
    even, light = pack_groups(groups, 2), pack_groups(groups, 2, first_share=0.5)
    assert [len(t) for t in even] == [10, 10]
    assert [len(t) for t in light] in ([7, 13], [6, 14])
    assert sorted(s.source_id for t in light for s in t) == sorted(f"s{n}" for n in range(20))
