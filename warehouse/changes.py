"""What changed between crawls, per project and page: claims that appeared, changed or went.

A journalist following a project wants to know what moved since they last looked: a payment
figure that grew, an end date pushed back, a partner dropped. Every change names the page, the
project it is linked to, the values before and after and the quotes of both versions, so it can
be checked in one click. The same changes become Atom feeds (``write_feeds``) a feed reader
follows: one for the whole warehouse and one per project.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.compare import KIND_LABELS, ROLE_LABELS, _claims_of, display_value
from warehouse.termsafe import printable

CHANGE_LABELS = {"appeared": "nuovo", "changed": "cambiato", "disappeared": "sparito"}


@dataclass(slots=True)
class ChangeEvent:
    """One field of one page that moved between two versions (or arrived with a new page)."""

    project_id: str | None
    project_title: str | None
    url: str
    change: str  # appeared | changed | disappeared
    kind: str
    role: str | None
    unit: str | None
    before: list[str]
    after: list[str]
    before_quotes: list[str] = field(default_factory=list)
    after_quotes: list[str] = field(default_factory=list)
    before_sha256: str | None = None
    after_sha256: str = ""
    before_seen: datetime | None = None
    after_seen: datetime | None = None
    run_ids: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The field in Italian: "Importo — pagato", "Risultato (persone)"."""
        text = KIND_LABELS.get(self.kind, self.kind)
        if self.role:
            text += f" — {ROLE_LABELS.get(self.role, self.role)}"
        if self.unit:
            text += f" ({self.unit})"
        return text


def _versions(con: duckdb.DuckDBPyConnection, run_id: str | None = None
              ) -> dict[str, list[tuple]]:
    """Per URL its bodies in the order first seen: (sha256, first seen, runs that saw it,
    whether the page was new to a later crawl of its source). With ``run_id``, only the URLs
    that run fetched a body of (all their versions): a run's record reads what it brought,
    not the whole history."""
    first_runs = dict(con.execute(
        "SELECT source_id, arg_min(run_id, fetched_at) FROM fetches"
        " WHERE run_id IS NOT NULL GROUP BY 1"
    ).fetchall())
    rows = con.execute(
        "SELECT url, sha256, min(fetched_at), list(DISTINCT run_id ORDER BY run_id)"
        " FILTER (WHERE run_id IS NOT NULL), min(source_id) FROM fetches"
        " WHERE sha256 IS NOT NULL AND url IS NOT NULL AND outcome IN ('stored', 'unchanged')"
        + ("" if run_id is None else " AND url IN (SELECT url FROM fetches WHERE run_id = ?)")
        + " GROUP BY url, sha256 ORDER BY url, 3, sha256",
        [] if run_id is None else [run_id],
    ).fetchall()
    out: dict[str, list[tuple]] = defaultdict(list)
    for url, sha, first_seen, runs, source_id in rows:
        baseline = first_runs.get(source_id)
        later = bool(runs) and baseline is not None and baseline not in runs
        out[url].append((sha, first_seen, runs or [], later))
    return out


def _fields(items: list[tuple]) -> dict[tuple, dict[str, str]]:
    """Displayed values (and one quote each) per (kind, role, unit) of one version."""
    out: dict[tuple, dict[str, str]] = defaultdict(dict)
    for kind, role, unit, value, value_num, quote in items:
        shown = display_value(kind, value, value_num, unit)
        out[(kind, role, unit if kind == "outcome" else None)].setdefault(shown, quote)
    return out


def _diff(before: list[tuple], after: list[tuple]) -> list[tuple]:
    b, a = _fields(before), _fields(after)
    out = []
    for key in sorted(set(b) | set(a), key=lambda k: tuple(x or "" for x in k)):
        bv, av = b.get(key, {}), a.get(key, {})
        if set(bv) == set(av):
            continue
        change = "appeared" if not bv else "disappeared" if not av else "changed"
        out.append((key, change, sorted(bv), sorted(av), [bv[v] for v in sorted(bv)],
                    [av[v] for v in sorted(av)]))
    return out


def list_changes(
    con: duckdb.DuckDBPyConnection, since: date | datetime | None = None,
    run_id: str | None = None,
) -> list[ChangeEvent]:
    """Changes of claims per page and project, oldest first.

    Without ``since`` or ``run_id``: every change between two versions of a page, and the pages
    a later crawl of their source found (the source's first crawl is the baseline, not news).
    With one of them: the versions that arrived since that moment, or in that run, and the pages
    first seen then (their claims all "appeared").
    """
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day)
    versions = _versions(con, run_id)

    def arrived(first_seen: datetime | None, runs: list[str]) -> bool:
        if run_id is not None:
            return run_id in runs
        if since is not None:
            return first_seen is not None and first_seen >= since
        return True

    steps: list[tuple[str, tuple | None, tuple]] = []
    for url, vs in versions.items():
        for i, current in enumerate(vs):
            if not arrived(current[1], current[2]):
                continue
            previous = vs[i - 1] if i else None
            if previous is None and since is None and run_id is None and not current[3]:
                continue  # a page of a source's first crawl is news only when asked
            steps.append((url, previous, current))
    shas = sorted({s for _, p, c in steps for s in ((p[0] if p else None), c[0]) if s})
    claims = _claims_of(con, shas)
    links: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    if shas:
        for sha, pid, title in con.execute(
            "SELECT dp.sha256, dp.project_id, p.title FROM document_projects dp"
            " JOIN projects p USING (project_id)"
            " JOIN (SELECT unnest(?) AS sha256) s USING (sha256) ORDER BY 1, 2",
            [shas],
        ).fetchall():
            links[sha].append((pid, title))
    events = []
    for url, previous, current in steps:
        before = claims.get(previous[0], []) if previous else []
        projects = links.get(current[0]) or (links.get(previous[0]) if previous else None) \
            or [(None, None)]
        for key, change, bv, av, bq, aq in _diff(before, claims.get(current[0], [])):
            for pid, title in projects:
                events.append(ChangeEvent(
                    pid, title, url, change, key[0], key[1], key[2], bv, av, bq, aq,
                    previous[0] if previous else None, current[0],
                    previous[1] if previous else None, current[1], list(current[2]),
                ))
    events.sort(key=lambda e: (e.after_seen or datetime.min, e.project_id or "", e.url,
                               e.kind, e.role or "", e.unit or ""))
    return events


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "?"


def to_table(events: list[ChangeEvent]) -> str:
    """One block per page version, one line per field that moved, with both quotes."""
    if not events:
        return "nessun cambiamento\n"
    lines: list[str] = []
    last = None
    for e in events:
        head = (e.project_id, e.url, e.after_sha256)
        if head != last:
            last = head
            lines.append(f"{e.project_title or e.project_id or 'senza progetto'}"
                         f" · {e.url} · {_when(e.before_seen)} → {_when(e.after_seen)}")
        lines.append(f"  {CHANGE_LABELS[e.change]:<9} {e.label}: {', '.join(e.before) or '—'}"
                     f" → {', '.join(e.after) or '—'}")
        for q in e.before_quotes:
            lines.append(f"      prima «{' '.join(q.split())}»")
        for q in e.after_quotes:
            lines.append(f"      dopo  «{' '.join(q.split())}»")
    return printable("\n".join(lines)) + "\n"


def to_json(events: list[ChangeEvent]) -> str:
    def default(obj: Any) -> str:
        if isinstance(obj, datetime | date):
            return obj.isoformat()
        raise TypeError(type(obj).__name__)

    return json.dumps([asdict(e) | {"label": e.label} for e in events], ensure_ascii=False,
                      indent=2, default=default)


# ---------------------------------------------------------------- Atom feeds


def _utc(value: datetime | None) -> datetime:
    value = value or datetime(1970, 1, 1)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _feed(events: list[ChangeEvent], feed_id: str, title: str, path: Path) -> int:
    """Write one Atom feed: an entry per page version of a project, the fields that moved and
    their quotes as its text. Returns the number of entries."""
    from feedgen.feed import FeedGenerator

    from warehouse.report import safe_href

    groups: dict[tuple, list[ChangeEvent]] = defaultdict(list)
    for e in events:
        groups[(e.project_id, e.url, e.after_sha256)].append(e)
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "inclusio"})
    fg.language("it")
    fg.subtitle("Affermazioni nuove, cambiate o sparite nelle pagine dei progetti, "
                "con le citazioni")
    fg.updated(max((_utc(e.after_seen) for e in events), default=_utc(None)))
    for (pid, url, sha), items in sorted(groups.items(),
                                         key=lambda kv: (_utc(kv[1][0].after_seen), kv[0])):
        first = items[0]
        entry = fg.add_entry(order="append")
        entry.id(f"urn:inclusio:change:{pid or '-'}:{sha}:{url}")
        fields = "; ".join(f"{e.label} {', '.join(e.after) or 'sparito'}" for e in items[:3])
        entry.title(f"{first.project_title or pid or 'senza progetto'}: {fields}"
                    + (" …" if len(items) > 3 else ""))
        entry.updated(_utc(first.after_seen))
        href = safe_href(url)
        if href:
            entry.link(href=href)
        text = []
        for e in items:
            text.append(f"{CHANGE_LABELS[e.change]} · {e.label}: {', '.join(e.before) or '—'}"
                        f" → {', '.join(e.after) or '—'}")
            text += [f"  prima: «{q}»" for q in e.before_quotes]
            text += [f"  dopo: «{q}»" for q in e.after_quotes]
        text.append(f"pagina: {url}")
        entry.content("\n".join(text), type="text")
    path.parent.mkdir(parents=True, exist_ok=True)
    fg.atom_file(str(path), pretty=True)
    return len(groups)


def write_feeds(con: duckdb.DuckDBPyConnection, out_dir: Path,
                events: list[ChangeEvent] | None = None) -> dict[str, int]:
    """``out_dir/changes.xml`` for the whole warehouse and ``out_dir/feeds/<project>.xml`` per
    project that has changes."""
    from warehouse.report import page_name

    events = list_changes(con) if events is None else events
    out_dir = Path(out_dir)
    n = _feed(events, "urn:inclusio:changes", "inclusio — cambiamenti nei progetti",
              out_dir / "changes.xml")
    by_project: dict[str, list[ChangeEvent]] = defaultdict(list)
    for e in events:
        if e.project_id:
            by_project[e.project_id].append(e)
    for pid, items in by_project.items():
        name = page_name(pid).removesuffix(".html") + ".xml"
        _feed(items, f"urn:inclusio:changes:{pid}",
              f"inclusio — cambiamenti: {items[0].project_title or pid}",
              out_dir / "feeds" / name)
    return {"entries": n, "project_feeds": len(by_project), "changes": len(events)}
