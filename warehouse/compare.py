"""What every source claims about a project, side by side, with conflicts and changes over time.

For each project: the claims of the current version of each linked page, grouped by kind and
role, each with its quote, URL and fetch date; a group is a conflict when two pages give
different values for a fact that has one true value (an amount of a given role, a start or end
date, an outcome count, the lead body). A page whose URL was fetched with different bodies over
time is a change, listed with the values that moved between versions.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

# Dates that one project has only one of; "updated"/"published" differ per page by nature.
SINGLE_DATE_ROLES = {"start", "end", "signed", "deadline"}
# Organisation roles that name one body per project.
SINGLE_ORG_ROLES = {"lead", "capofila", "lead_body"}
CONTEXT = 120  # characters of text shown either side of a quote
KIND_ORDER = ("cup", "cig", "programme", "amount", "date", "outcome", "organisation")


@dataclass(slots=True)
class ClaimItem:
    claim_id: str
    kind: str
    role: str | None
    value: str | None
    value_num: float | None
    unit: str | None
    status: str | None
    quote: str
    start: int
    end: int
    url: str | None
    sha256: str
    title: str | None
    fetched_at: datetime | None
    method: str
    confidence: float
    # The text around the quote, so a reader sees the sentence it came from.
    before: str = ""
    after: str = ""


@dataclass(slots=True)
class ClaimGroup:
    kind: str
    role: str | None
    unit: str | None
    claims: list[ClaimItem]
    values: list[str]
    conflict: bool


@dataclass(slots=True)
class Change:
    """One page (URL) that served different bodies: what moved between two versions."""

    url: str
    before_sha256: str
    after_sha256: str
    before_fetched_at: datetime | None
    after_fetched_at: datetime | None
    differences: list[dict[str, Any]]


@dataclass(slots=True)
class ProjectView:
    project_id: str
    cup: str | None
    title: str | None
    entity: str | None
    programme: str | None
    call: str | None
    groups: list[ClaimGroup] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    official: list[dict[str, Any]] = field(default_factory=list)
    reconciliation: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def conflicts(self) -> list[ClaimGroup]:
        return [g for g in self.groups if g.conflict]


def display_value(kind: str, value: str | None, value_num: float | None, unit: str | None) -> str:
    """A value as a reader expects it: euros with Italian separators, counts with their unit."""
    if kind == "amount" and value_num is not None:
        whole, cents = f"{value_num:,.2f}".split(".")
        return f"€ {whole.replace(',', '.')},{cents}"
    if kind == "outcome" and value_num is not None:
        n = int(value_num) if float(value_num).is_integer() else value_num
        return f"{n} {unit}" if unit else str(n)
    return value or ""


def _cut_before(text: str | None) -> str:
    """Context before a quote, from the start of its line or the last whole word."""
    text = (text or "").rsplit("\n", 1)[-1]
    if len(text) >= CONTEXT and " " in text:
        text = "…" + text.split(" ", 1)[1]
    return text


def _cut_after(text: str | None) -> str:
    text = (text or "").split("\n", 1)[0]
    if len(text) >= CONTEXT and " " in text:
        text = text.rsplit(" ", 1)[0] + "…"
    return text


def _conflict_key(kind: str, role: str | None) -> bool:
    if kind == "amount":
        return role is not None
    if kind == "date":
        return role in SINGLE_DATE_ROLES
    if kind == "outcome":
        return True
    if kind == "organisation":
        return role in SINGLE_ORG_ROLES
    return False


def _norm_value(item: ClaimItem) -> str:
    if item.value_num is not None and item.kind in ("amount", "outcome"):
        return f"{item.value_num:.2f}"
    return (item.value or "").strip().lower()


def find_projects(
    con: duckdb.DuckDBPyConnection, cup: str | None = None, entity: str | None = None
) -> list[str]:
    """Project ids for a CUP, or for a body: lead, publisher, or organisation named in a page."""
    if cup:
        rows = con.execute(
            "SELECT project_id FROM projects WHERE upper(cup) = upper(?) OR project_id = ?",
            [cup.strip(), cup.strip()],
        ).fetchall()
        return [r[0] for r in rows]
    if entity:
        rows = con.execute(
            """
            SELECT DISTINCT p.project_id FROM projects p
              LEFT JOIN project_keys k USING (project_id)
              LEFT JOIN document_projects dp USING (project_id)
              LEFT JOIN documents d ON d.sha256 = dp.sha256
              LEFT JOIN sources s ON s.source_id = d.source_id
              LEFT JOIN claims c ON c.sha256 = dp.sha256 AND c.kind = 'organisation'
             WHERE lower(p.entity) = lower($1) OR lower(k.lead_body) = lower($1)
                OR lower(s.entity) = lower($1) OR lower(c.value) = lower($1)
             ORDER BY p.project_id
            """,
            [entity.strip()],
        ).fetchall()
        return [r[0] for r in rows]
    return [r[0] for r in con.execute("SELECT project_id FROM projects ORDER BY ALL").fetchall()]


def _versions(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, list[tuple]]:
    """Per URL, the successive bodies served: [(sha256, first fetched_at)], oldest first."""
    if not urls:
        return {}
    rows = con.execute(
        "SELECT url, sha256, fetched_at FROM fetches WHERE sha256 IS NOT NULL"
        " AND outcome IN ('stored', 'unchanged') AND list_contains(?, url)"
        " ORDER BY url, fetched_at, sha256",
        [urls],
    ).fetchall()
    out: dict[str, list[tuple]] = defaultdict(list)
    for url, sha, at in rows:
        if not out[url] or out[url][-1][0] != sha:
            out[url].append((sha, at))
    return out


def _claims_of(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, list[tuple]]:
    rows = con.execute(
        "SELECT sha256, kind, role, unit, value, value_num, quote FROM claims"
        " WHERE list_contains(?, sha256) ORDER BY start_char",
        [shas],
    ).fetchall()
    out: dict[str, list[tuple]] = defaultdict(list)
    for sha, *rest in rows:
        out[sha].append(tuple(rest))
    return out


def _diff(before: list[tuple], after: list[tuple]) -> list[dict[str, Any]]:
    """Values per (kind, role, unit) that differ between two versions of a page."""

    def collect(items: list[tuple]) -> dict[tuple, dict[str, str]]:
        out: dict[tuple, dict[str, str]] = defaultdict(dict)
        for kind, role, unit, value, value_num, quote in items:
            shown = display_value(kind, value, value_num, unit)
            out[(kind, role, unit if kind == "outcome" else None)][shown] = quote
        return out

    b, a = collect(before), collect(after)
    diffs = []
    for key in sorted(set(b) | set(a), key=lambda k: tuple(x or "" for x in k)):
        if set(b.get(key, {})) != set(a.get(key, {})):
            diffs.append({
                "kind": key[0], "role": key[1], "unit": key[2],
                "before": sorted(b.get(key, {})), "after": sorted(a.get(key, {})),
                "quotes_after": [a[key][v] for v in sorted(a.get(key, {}))],
            })
    return diffs


def project_view(con: duckdb.DuckDBPyConnection, project_id: str) -> ProjectView:
    """Everything known about one project, ready to print or render."""
    head = con.execute(
        "SELECT p.project_id, p.cup, p.title, p.entity, p.programme, k.call FROM projects p"
        " LEFT JOIN project_keys k USING (project_id) WHERE p.project_id = ?",
        [project_id],
    ).fetchone()
    if head is None:
        raise KeyError(f"no project {project_id}")
    view = ProjectView(*head)
    rows = con.execute(
        """
        SELECT c.claim_id, c.kind, c.role, c.value, c.value_num, c.unit, c.status, c.quote,
               c.start_char, c.end_char, d.url, c.sha256, d.title,
               (SELECT max(f.fetched_at) FROM fetches f WHERE f.sha256 = c.sha256),
               cp.method, cp.confidence,
               substr(d.text, greatest(c.start_char - ? + 1, 1),
                      c.start_char - greatest(c.start_char - ?, 0)),
               substr(d.text, c.end_char + 1, ?)
          FROM claim_projects cp
          JOIN claims c ON c.claim_id = cp.claim_id
          LEFT JOIN documents d ON d.sha256 = c.sha256
         WHERE cp.project_id = ?
         ORDER BY c.kind, c.role NULLS FIRST, d.url, c.start_char
        """,
        [CONTEXT, CONTEXT, CONTEXT, project_id],
    ).fetchall()
    items = [ClaimItem(*r[:-2], before=_cut_before(r[-2]), after=_cut_after(r[-1])) for r in rows]
    urls = sorted({i.url for i in items if i.url})
    versions = _versions(con, urls)
    # Only the latest body of each URL speaks for that page now; older ones are changes.
    current = {url: vs[-1][0] for url, vs in versions.items() if vs}
    live = [i for i in items if not i.url or current.get(i.url, i.sha256) == i.sha256]

    groups: dict[tuple, list[ClaimItem]] = defaultdict(list)
    for item in live:
        unit = item.unit if item.kind == "outcome" else None
        groups[(item.kind, item.role, unit)].append(item)

    def order(key: tuple) -> tuple:
        kind = key[0]
        rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
        return (rank, key[1] or "", key[2] or "")

    for key in sorted(groups, key=order):
        claims = groups[key]
        values = sorted({_norm_value(c) for c in claims})
        pages = {c.url or c.sha256 for c in claims}
        conflict = _conflict_key(key[0], key[1]) and len(values) > 1 and len(pages) > 1
        shown = []
        for c in claims:
            text = display_value(c.kind, c.value, c.value_num, c.unit)
            if text not in shown:
                shown.append(text)
        view.groups.append(ClaimGroup(key[0], key[1], key[2], claims, shown, conflict))

    changed = {url: vs for url, vs in versions.items() if len(vs) > 1}
    if changed:
        per_sha = _claims_of(con, sorted({s for vs in changed.values() for s, _ in vs}))
        for url, vs in sorted(changed.items()):
            for (sha_a, at_a), (sha_b, at_b) in zip(vs, vs[1:], strict=False):
                view.changes.append(Change(url, sha_a, sha_b, at_a, at_b,
                                           _diff(per_sha.get(sha_a, []), per_sha.get(sha_b, []))))

    if view.cup:
        cols = ["dataset", "kind", "field", "label", "value_date", "value_num"]
        view.official = [
            dict(zip(cols, r, strict=True))
            for r in con.execute(
                f"SELECT {', '.join(cols)} FROM official_figures WHERE cup = ?"
                " ORDER BY dataset, kind, field",
                [view.cup],
            ).fetchall()
        ]
        rcols = ["kind", "role", "unit", "claimed_value", "claimed_num", "quote", "url",
                 "official_dataset", "official_field", "official_label", "official_value",
                 "difference", "difference_unit"]
        view.reconciliation = [
            dict(zip(rcols, r, strict=True))
            for r in con.execute(
                f"SELECT {', '.join(rcols)} FROM reconciliation WHERE project_id = ?"
                " AND official_field IS NOT NULL ORDER BY kind, role, official_field, url",
                [project_id],
            ).fetchall()
        ]
    docs = con.execute(
        """
        SELECT d.url, d.title, d.sha256, dp.method, dp.confidence,
               (SELECT min(fetched_at) FROM fetches f WHERE f.sha256 = d.sha256),
               (SELECT max(fetched_at) FROM fetches f WHERE f.sha256 = d.sha256)
          FROM document_projects dp JOIN documents d USING (sha256)
         WHERE dp.project_id = ? ORDER BY d.url, 6
        """,
        [project_id],
    ).fetchall()
    view.documents = [
        {"url": u, "title": t, "sha256": s, "method": m, "confidence": c, "first_fetched": a,
         "last_fetched": b, "current": current.get(u, s) == s}
        for u, t, s, m, c, a, b in docs
    ]
    return view


def compare(
    con: duckdb.DuckDBPyConnection, cup: str | None = None, entity: str | None = None
) -> list[ProjectView]:
    """Project views for a CUP or an entity (every project when neither is given)."""
    return [project_view(con, pid) for pid in find_projects(con, cup=cup, entity=entity)]


# ---------------------------------------------------------------- output formats


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def to_json(views: list[ProjectView]) -> str:
    out = []
    for v in views:
        d = asdict(v)
        d["conflicts"] = [
            {"kind": g.kind, "role": g.role, "unit": g.unit, "values": g.values}
            for g in v.conflicts
        ]
        out.append(d)
    return json.dumps(out, ensure_ascii=False, indent=2, default=_jsonable)


CSV_COLUMNS = ["project_id", "cup", "kind", "role", "unit", "value", "conflict", "quote", "url",
               "fetched_at", "sha256", "start", "end", "method", "confidence"]


def to_csv(views: list[ProjectView]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in views:
        for g in v.groups:
            for c in g.claims:
                writer.writerow([
                    v.project_id, v.cup or "", c.kind, c.role or "", c.unit or "",
                    display_value(c.kind, c.value, c.value_num, c.unit),
                    "yes" if g.conflict else "",
                    c.quote, c.url or "", c.fetched_at.isoformat() if c.fetched_at else "",
                    c.sha256, c.start, c.end, c.method, c.confidence,
                ])
    return buf.getvalue()


def to_table(views: list[ProjectView]) -> str:
    """Plain text for a terminal: one block per project, one line per claim."""
    if not views:
        return "no matching project\n"
    lines: list[str] = []
    for v in views:
        lines.append("=" * 78)
        lines.append(f"{v.title or v.project_id}")
        lines.append(f"  project {v.project_id}" + (f" · CUP {v.cup}" if v.cup else "")
                     + (f" · {v.entity}" if v.entity else "")
                     + (f" · {v.programme}" if v.programme else "")
                     + (f" · {v.call}" if v.call else ""))
        for g in v.groups:
            label = g.kind + (f" / {g.role}" if g.role else "") + (f" / {g.unit}" if g.unit else "")
            flag = "  !! CONFLICT: " + " vs ".join(g.values) if g.conflict else ""
            lines.append(f"  [{label}]{flag}")
            for c in g.claims:
                when = c.fetched_at.strftime("%Y-%m-%d") if c.fetched_at else "?"
                value = display_value(c.kind, c.value, c.value_num, c.unit)
                quote = " ".join(c.quote.split())
                lines.append(f"    {value:<24} «{quote}»  {c.url or c.sha256[:12]} ({when})")
        for r in v.reconciliation:
            diff = r["difference"]
            diff = "" if diff is None else f"{diff:+,.2f} {r['difference_unit']}"
            lines.append(f"  official {r['official_dataset']}.{r['official_field']}: "
                         f"{r['official_value'] or 'missing'} vs claimed {r['claimed_value']}"
                         f" {diff}")
        for ch in v.changes:
            a = ch.before_fetched_at.strftime("%Y-%m-%d") if ch.before_fetched_at else "?"
            b = ch.after_fetched_at.strftime("%Y-%m-%d") if ch.after_fetched_at else "?"
            lines.append(f"  changed: {ch.url} between {a} and {b}")
            for d in ch.differences:
                lines.append(f"    {d['kind']}/{d['role'] or '-'}: {', '.join(d['before']) or '—'}"
                             f" -> {', '.join(d['after']) or '—'}")
    return "\n".join(lines) + "\n"
