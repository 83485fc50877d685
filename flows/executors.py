"""Where a run's work goes: all in this process (``local``) or on a Dask cluster (``dask``).

``inclusio run --executor dask`` opens a cluster (a ``LocalCluster`` of ``--workers``
processes with one thread each, or the ``dask scheduler`` given by ``--dask-address``) and
(flows/dask_stages.py):

- crawls there, sources grouped by host (:func:`host_groups`): a group is one task on one
  worker, so each host's politeness, held per process, holds for the whole cluster;
- runs the flow with Prefect's ``DaskTaskRunner``: every parse batch submitted at once, each
  batch's extract batches as soon as it is parsed;
- has workers read the raw store and write the docstore by path: every worker must see the
  project folder at the same path (one machine, or a shared filesystem such as NFS); or,
  with ``--store URL``, through fsspec under that URL (the tasks carry the run's Workspace,
  store included, so workers need no setting of their own; the command keeps the fetch log);
- has each extract batch stage its warehouse rows as Parquet (flows/staging.py), which the one
  writer, in the command's process, loads by Arrow: the DuckDB warehouse keeps one writer, and
  a re-run replaces rows by key, never duplicates them;
- lets the scheduler give a dead worker's batch to another worker, and Prefect run the task
  again (every stage skips what is already stored);
- gives each worker a one-process parser pool, not one per CPU: the per-document limits stay,
  and two workers use about two cores.

This module imports neither Dask nor Prefect: ``inclusio run`` reads its options from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from crawl.urls import host_of
from models.records import Source

EXECUTORS = ("local", "dask")


@dataclass(frozen=True, slots=True)
class Executor:
    """How a run's parse and extract batches are executed."""

    kind: str = "local"
    address: str | None = None  # tcp://HOST:PORT of a running dask scheduler
    workers: int | None = None  # LocalCluster size when no address is given

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {self.kind!r}")
        if self.kind == "local" and (self.address or self.workers):
            raise ValueError("--dask-address and --workers need --executor dask")
        if self.address and self.workers:
            raise ValueError("--workers sizes a cluster made for the run; with --dask-address "
                             "the cluster's own workers are used")

    @property
    def dask(self) -> bool:
        return self.kind == "dask"

    def describe(self) -> str:
        if not self.dask:
            return "local"
        return (f"dask cluster at {self.address}" if self.address
                else f"dask LocalCluster of {self.workers or default_cluster_workers()} workers")


class ClusterUnavailable(RuntimeError):
    """The Dask scheduler named by --dask-address could not be reached."""


def default_cluster_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


@contextmanager
def api_for_workers(on_dask: bool) -> Iterator[None]:
    """Give the flow's settings an explicit Prefect API URL while it runs on Dask.

    Tasks on Dask workers report to the API named in the settings the flow sends them; with
    no ``PREFECT_API_URL`` that would be a temporary server of each worker's own. The run's
    temporary server (already started by flows/runner.py) is named instead.
    """
    if not on_dask or os.environ.get("PREFECT_API_URL", "").strip():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()
    server.start()  # already up: returns at once
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def host_groups(sources: Sequence[Source]) -> list[list[Source]]:
    """Sources that share a host (a start URL's or an allowed one), transitively, in one group.

    Politeness (one host's delay, robots.txt and in-flight limit: crawl/fetcher.py) is held
    per process; a group is crawled in one process, so no host is asked from two workers.
    Groups keep the sources' order, and come in the order of their first source.
    """
    parent = list(range(len(sources)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, s in enumerate(sources):
        hosts = {host_of(u) for u in s.start_urls}
        hosts |= {h.lower().split(":")[0].strip("[]") for h in s.allowed_hosts}
        for h in hosts - {""}:
            if h in owner:
                parent[find(i)] = find(owner[h])
            else:
                owner[h] = i
    groups: dict[int, list[Source]] = {}
    for i, s in enumerate(sources):
        groups.setdefault(find(i), []).append(s)
    return sorted(groups.values(), key=lambda g: sources.index(g[0]))


def pack_groups(groups: Sequence[list[Source]], bins: int,
                first_share: float = 1.0) -> list[list[Source]]:
    """Host groups packed into at most ``bins`` crawl tasks of about the same number of
    sources (largest group first into the lightest task). A task crawls its sources many at
    once (``flows.runner.crawl_all``), so a cluster of a few one-thread workers still keeps
    hundreds of hosts in flight; a group is never split, so politeness still holds per
    process. Each task keeps its groups in the order given. The first task gets
    ``first_share`` times the sources of each other (a process that has other work too)."""
    bins = max(1, min(bins, len(groups)))
    tasks: list[list[int]] = [[] for _ in range(bins)]
    sizes = [0] * bins
    room = [first_share if b == 0 else 1.0 for b in range(bins)]
    for gi in sorted(range(len(groups)), key=lambda i: -len(groups[i])):
        lightest = min(range(bins), key=lambda b: (sizes[b] + len(groups[gi])) / room[b])
        tasks[lightest].append(gi)
        sizes[lightest] += len(groups[gi])
    return [[s for gi in sorted(t) for s in groups[gi]] for t in tasks if t]
