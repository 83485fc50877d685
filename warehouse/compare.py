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
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from warehouse import csvsafe
from warehouse.termsafe import printable

# Dates that one project has only one of; "updated"/"published" differ per page by nature.
SINGLE_DATE_ROLES = {"start", "end", "signed", "deadline"}
# Organisation roles that name one body per project.
SINGLE_ORG_ROLES = {"lead", "capofila", "lead_body"}
CONTEXT = 120  # characters of text shown either side of a quote
KIND_ORDER = ("amount", "date", "outcome", "organisation", "programme", "cup", "cig")

# Italian labels for every kind and role the extractors write.
KIND_LABELS = {
    "cup": "CUP", "cig": "CIG", "programme": "Programma", "amount": "Importo", "date": "Data",
    "outcome": "Risultato", "organisation": "Ente", "code": "Codice", "fund": "Fondo",
}
ROLE_LABELS = {
    "allocated": "assegnato", "admitted": "ammesso", "committed": "impegnato", "paid": "pagato",
    "co-financing": "cofinanziamento", "total": "totale", "start": "inizio", "end": "fine",
    "signed": "firma", "published": "pubblicazione", "updated": "aggiornamento",
    "deadline": "scadenza", "lead": "capofila", "capofila": "capofila", "lead_body": "capofila",
    "partner": "partner", "project": "del progetto", "indicator": "indicatore",
    "funder": "finanziatore", "beneficiary": "beneficiario",
    "intermediate_body": "organismo intermedio", "implementer": "attuatore",
    "action": "azione", "local_project_code": "codice locale", "priority": "priorità",
    "fund": "fondo", "objective": "obiettivo", "measure": "misura",
}


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
    attrs: dict[str, Any] = field(default_factory=dict)
    published: date | None = None
    # Why a start/end date stays out of the project's dates (a stamp, a relative word, ...).
    note: str | None = None


@dataclass(slots=True)
class ClaimGroup:
    kind: str
    role: str | None
    unit: str | None
    claims: list[ClaimItem]
    values: list[str]
    conflict: bool
    # What else tells facts of one kind and role apart: a date's schedule (planned/actual) or
    # why it is not the project's date; an outcome's status (target/achieved).
    qualifier: str | None = None

    def sides(self) -> list[dict[str, Any]]:
        """Each value of the group with the quotes and pages that state it (both sides of a
        conflict), the most stated first."""
        out: dict[str, dict[str, Any]] = {}
        for c in self.claims:
            shown = display_value(c.kind, c.value, c.value_num, c.unit)
            side = out.setdefault(shown, {"value": shown, "pages": [], "quotes": []})
            page = c.url or c.sha256
            if page not in side["pages"]:
                side["pages"].append(page)
            if c.quote not in side["quotes"]:
                side["quotes"].append(c.quote)
        return sorted(out.values(), key=lambda s: -len(s["pages"]))


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
    # OpenCUP localizzazioni (region, province, province_code, comune) and CIGs of the CUP,
    # and the places OpenCoesione lists, when those files were imported.
    places: list[dict[str, Any]] = field(default_factory=list)
    official_cigs: list[str] = field(default_factory=list)
    oc_places: list[str] = field(default_factory=list)

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


# Words right before a date that make it the stamp of a state ("al 31 dicembre 2023 sono stati
# spesi", "dati aggiornati al", "situazione al"), not the start or end of anything.
STAMP_BEFORE = re.compile(
    r"(?:\b(?:al|alla data del|alla data dell'|in data|a tutto il|ad oggi,?)\s*|"
    r"\b(?:aggiornat[oaie]|dati|situazione|rilevat[oaie]|stato di attuazione)\s+al\s*)$",
    re.I,
)
# A range or a limit before "al" makes it an end after all: "dal 1° marzo al 30 giugno".
# So does a verb or noun of an event: "prorogato al 31 dicembre", "conclusione al 30 giugno".
RANGE_BEFORE = re.compile(
    r"\b(?:dal|dall'|dalla|da|fino|sino|entro|tra|fra|prorog\w*|rinvi\w*|posticip\w*|"
    r"spostat\w*|estes\w*|differit\w*|termin\w*|fine|conclu\w*|chiusura|durata|scadenza)\b",
    re.I,
)
PROJECT_DATE_ROLES = {"start", "end"}


def date_note(item: ClaimItem) -> str | None:
    """Why a start or end date does not date the project, or None when it may.

    A date that stamps a state ("al 31 dicembre 2023"), a relative word resolved against the
    publication date ("ieri", "il 19 dicembre scorso"), the page's own publication date and the
    dates of one activity in a table are true dates, but two pages quoting them are not two
    sources disagreeing on when the project starts or ends.
    """
    if item.kind != "date" or item.role not in PROJECT_DATE_ROLES:
        return None
    if item.attrs.get("activity"):
        return "date di un'attività"
    if item.attrs.get("relative"):
        return "data relativa alla pubblicazione"
    if item.published is not None and item.value == item.published.isoformat():
        return "data di pubblicazione"
    sentence = re.split(r"[.;:\n]", item.before)[-1]
    if STAMP_BEFORE.search(sentence):
        head = STAMP_BEFORE.sub("", sentence)
        if not RANGE_BEFORE.search(head[-60:]):
            return "data di una situazione"
    return None


def _qualifier(item: ClaimItem) -> str | None:
    if item.kind == "date":
        return item.note or {"planned": "prevista", "actual": "effettiva"}.get(
            str(item.attrs.get("schedule")))
    if item.kind == "outcome":
        return {"target": "obiettivo", "planned": "obiettivo", "expected": "obiettivo",
                "achieved": "raggiunto"}.get(item.status or "", item.status)
    return None


def _conflict_key(kind: str, role: str | None, qualifier: str | None = None,
                  unit: str | None = "") -> bool:
    """Whether a group names one field that has one true value per project."""
    if kind == "date" and qualifier not in (None, "prevista", "effettiva"):
        return False
    if kind == "outcome" and not unit:
        return False  # two counts of nothing named need not count the same thing
    if kind == "amount":
        return role is not None
    if kind == "date":
        return role in SINGLE_DATE_ROLES
    if kind == "outcome":
        return True
    if kind == "organisation":
        return role in SINGLE_ORG_ROLES
    return False


def _attrs(raw: Any) -> dict[str, Any]:
    """A claim's extra attributes as a dict, whatever shape the JSON column came back in."""
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _norm_value(item: ClaimItem) -> str:
    if item.value_num is not None and item.kind in ("amount", "outcome"):
        return f"{item.value_num:.2f}"
    return (item.value or "").strip().lower()


def _pages_disagree(claims: list[ClaimItem]) -> bool:
    """True when two pages state a fact with no value in common.

    A page giving two values and another page giving one of them do not contradict each other;
    one page saying 1.2 million and another 1,149,465.93 do.
    """
    by_page: dict[str, set[str]] = defaultdict(set)
    for c in claims:
        by_page[c.url or c.sha256].add(_norm_value(c))
    pages = list(by_page.values())
    return any(
        not (a & b) for i, a in enumerate(pages) for b in pages[i + 1 :]
    )


CUP_SHAPE = re.compile(r"[A-Z][0-9]{2}[A-Z][0-9]{11}")


def is_cup(text: str) -> bool:
    """True for a well-formed CUP (15 characters: letter, 2 digits, letter, 11 digits)."""
    return bool(CUP_SHAPE.fullmatch(re.sub(r"\s+", "", text or "").upper()))


def _fold(text: str) -> str:
    """Lower case without accents or punctuation, so "Citta di Venezia" finds "Città di Venezia"."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = re.sub(r"[^\w]+", " ", plain.lower()).split()
    # "Città di Venezia" is how a comune often names itself.
    return " ".join(NAME_SYNONYMS.get(w, w) for w in words)


NAME_SYNONYMS = {"citta": "comune", "municipio": "comune"}
NAME_STOPWORDS = {"di", "del", "della", "dei", "delle", "de", "d", "l", "la", "il", "e"}


ENTITY_NAMES_SQL = """
    SELECT DISTINCT name FROM (
        SELECT entity AS name FROM projects
        UNION ALL SELECT lead_body FROM project_keys
        UNION ALL SELECT s.entity FROM sources s
        UNION ALL SELECT c.value FROM claim_projects cp JOIN claims c USING (claim_id)
         WHERE c.kind = 'organisation'
    ) WHERE name IS NOT NULL ORDER BY name
"""


def entity_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every body a project can be found by: leads, publishers, organisations named."""
    return [r[0] for r in con.execute(ENTITY_NAMES_SQL).fetchall()]


def matching_entities(con: duckdb.DuckDBPyConnection, entity: str) -> list[str]:
    """Bodies whose name holds every word of ``entity`` (accents and case aside): "massa"
    finds "Comune di Massa"; an exact name finds only itself."""
    names = entity_names(con)
    wanted = _fold(entity)
    exact = [n for n in names if _fold(n) == wanted]
    if exact or not wanted:
        return exact
    words = [w for w in wanted.split() if w not in NAME_STOPWORDS] or wanted.split()
    return [n for n in names if all(re.search(rf"\b{re.escape(w)}", _fold(n)) for w in words)]


def suggest_entities(con: duckdb.DuckDBPyConnection, entity: str, n: int = 3) -> list[str]:
    """The closest body names, for a search that found nothing."""
    import difflib

    names = entity_names(con)
    folded = {_fold(x): x for x in names}
    close = difflib.get_close_matches(_fold(entity), list(folded), n=n, cutoff=0.5)
    return [folded[c] for c in close]


def find_projects(
    con: duckdb.DuckDBPyConnection, cup: str | None = None, entity: str | None = None
) -> list[str]:
    """Project ids for a CUP, or for a body: lead, publisher, or organisation named in a page
    (a partial or differently written name finds the bodies holding its words)."""
    if cup:
        code = re.sub(r"\s+", "", cup).upper()
        rows = con.execute(
            "SELECT project_id FROM projects WHERE upper(cup) = ? OR project_id = ?",
            [code, cup.strip()],
        ).fetchall()
        return [r[0] for r in rows]
    if entity:
        names = matching_entities(con, entity)
        if not names:
            return []
        rows = con.execute(
            """
            SELECT DISTINCT p.project_id FROM projects p
              LEFT JOIN project_keys k USING (project_id)
              LEFT JOIN document_projects dp USING (project_id)
              LEFT JOIN documents d ON d.sha256 = dp.sha256
              LEFT JOIN sources s ON s.source_id = d.source_id
              LEFT JOIN claims c ON c.sha256 = dp.sha256 AND c.kind = 'organisation'
             WHERE list_contains($1, p.entity) OR list_contains($1, k.lead_body)
                OR list_contains($1, s.entity) OR list_contains($1, c.value)
             ORDER BY p.project_id
            """,
            [names],
        ).fetchall()
        return [r[0] for r in rows]
    return [r[0] for r in con.execute("SELECT project_id FROM projects ORDER BY ALL").fetchall()]


def _versions(
    con: duckdb.DuckDBPyConnection, urls: list[str]
) -> tuple[dict[str, list[tuple]], dict[str, str]]:
    """Per URL, the successive bodies served [(sha256, first seen)], oldest first; and the body
    each URL served when last fetched (a page may go back to an earlier body)."""
    if not urls:
        return {}, {}
    rows = con.execute(
        "SELECT f.url, f.sha256, min(f.fetched_at), max(coalesce(f.last_seen_at, f.fetched_at))"
        " FROM fetches f JOIN (SELECT unnest(?) AS url) u ON u.url = f.url"
        " WHERE f.sha256 IS NOT NULL AND f.outcome IN ('stored', 'unchanged')"
        " GROUP BY f.url, f.sha256 ORDER BY f.url, 3, f.sha256",
        [urls],
    ).fetchall()
    out: dict[str, list[tuple]] = defaultdict(list)
    last: dict[str, tuple] = {}
    for url, sha, first_seen, last_seen in rows:
        out[url].append((sha, first_seen))
        if url not in last or last_seen > last[url][1]:
            last[url] = (sha, last_seen)
    return out, {url: sha for url, (sha, _) in last.items()}


def _claims_of(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, list[tuple]]:
    if not shas:
        return {}
    rows = con.execute(
        "SELECT c.sha256, c.kind, c.role, c.unit, c.value, c.value_num, c.quote FROM claims c"
        " JOIN (SELECT unnest(?) AS sha256) s ON s.sha256 = c.sha256 ORDER BY c.start_char",
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


def _group_order(key: tuple) -> tuple:
    rank = KIND_ORDER.index(key[0]) if key[0] in KIND_ORDER else len(KIND_ORDER)
    return (rank, key[1] or "", key[2] or "", key[3] or "")


def _groups(items: list[ClaimItem], current: dict[str, str]) -> list[ClaimGroup]:
    """Claims of the current version of each page, grouped by kind, role, unit and qualifier:
    a conflict can only be two pages giving different values for the same field and role."""
    groups: dict[tuple, list[ClaimItem]] = defaultdict(list)
    for item in items:
        # Only the latest body of each URL speaks for that page now; older ones are changes.
        if item.url and current.get(item.url, item.sha256) != item.sha256:
            continue
        item.note = date_note(item)
        unit = None
        if item.kind == "outcome":
            # An indicator of a table is its own field: its description tells it apart.
            unit = item.unit or item.attrs.get("indicator")
        groups[(item.kind, item.role, unit, _qualifier(item))].append(item)
    out = []
    for key in sorted(groups, key=_group_order):
        # Two extractors reading the same characters as the same value make one claim here.
        seen: set[tuple] = set()
        claims = []
        for c in groups[key]:
            ident = (c.sha256, c.start, c.end, _norm_value(c))
            if ident not in seen:
                seen.add(ident)
                claims.append(c)
        conflict = _conflict_key(key[0], key[1], key[3], key[2]) and _pages_disagree(claims)
        shown: list[str] = []
        for c in claims:
            text = display_value(c.kind, c.value, c.value_num, c.unit)
            if text not in shown:
                shown.append(text)
        out.append(ClaimGroup(key[0], key[1], key[2], claims, shown, conflict, key[3]))
    return out


def project_views(con: duckdb.DuckDBPyConnection, project_ids: list[str]) -> list[ProjectView]:
    """Everything known about these projects, ready to print or render.

    A fixed number of queries whatever the number of projects, so a report over thousands of
    projects costs about as much as one over ten.
    """
    if not project_ids:
        return []
    ids = list(dict.fromkeys(project_ids))
    heads = con.execute(
        "SELECT p.project_id, p.cup, p.title, p.entity, p.programme, k.call FROM projects p"
        " JOIN (SELECT unnest(?) AS project_id) i USING (project_id)"
        " LEFT JOIN project_keys k USING (project_id)",
        [ids],
    ).fetchall()
    views = {h[0]: ProjectView(*h) for h in heads}
    missing = [pid for pid in ids if pid not in views]
    if missing:
        raise KeyError(f"no project {missing[0]}")

    rows = con.execute(
        """
        WITH seen AS (
            SELECT sha256, min(fetched_at) AS first_seen,
                   max(coalesce(last_seen_at, fetched_at)) AS last_seen
              FROM fetches WHERE sha256 IS NOT NULL GROUP BY sha256
        )
        SELECT cp.project_id, c.claim_id, c.kind, c.role, c.value, c.value_num, c.unit,
               c.status, c.quote, c.start_char, c.end_char, d.url, c.sha256, d.title,
               seen.last_seen, cp.method, cp.confidence,
               substr(d.text, greatest(c.start_char - $ctx + 1, 1),
                      c.start_char - greatest(c.start_char - $ctx, 0)),
               substr(d.text, c.end_char + 1, $ctx), c.attrs, d.published
          FROM claim_projects cp
          JOIN (SELECT unnest($ids) AS project_id) i USING (project_id)
          JOIN claims c ON c.claim_id = cp.claim_id
          LEFT JOIN documents d ON d.sha256 = c.sha256
          LEFT JOIN seen ON seen.sha256 = c.sha256
         ORDER BY cp.project_id, c.kind, c.role NULLS FIRST, d.url, c.start_char, c.claim_id
        """,
        {"ctx": CONTEXT, "ids": ids},
    ).fetchall()
    items: dict[str, list[ClaimItem]] = defaultdict(list)
    for r in rows:
        items[r[0]].append(
            ClaimItem(*r[1:-4], before=_cut_before(r[-4]), after=_cut_after(r[-3]),
                      attrs=_attrs(r[-2]), published=r[-1])
        )

    docs = con.execute(
        """
        WITH seen AS (
            SELECT sha256, min(fetched_at) AS first_seen,
                   max(coalesce(last_seen_at, fetched_at)) AS last_seen
              FROM fetches WHERE sha256 IS NOT NULL GROUP BY sha256
        )
        SELECT dp.project_id, d.url, d.title, d.sha256, dp.method, dp.confidence,
               seen.first_seen, seen.last_seen
          FROM document_projects dp
          JOIN (SELECT unnest(?) AS project_id) i USING (project_id)
          JOIN documents d ON d.sha256 = dp.sha256
          LEFT JOIN seen ON seen.sha256 = d.sha256
         ORDER BY dp.project_id, d.url, seen.first_seen
        """,
        [ids],
    ).fetchall()
    urls = sorted({d[1] for d in docs if d[1]} | {i.url for v in items.values() for i in v
                                                 if i.url})
    versions, current = _versions(con, urls)
    changed = {url: vs for url, vs in versions.items() if len(vs) > 1}
    per_sha = _claims_of(con, sorted({s for vs in changed.values() for s, _ in vs}))

    for pid, u, t, sha, m, c, a, b in docs:
        views[pid].documents.append(
            {"url": u, "title": t, "sha256": sha, "method": m, "confidence": c,
             "first_fetched": a, "last_fetched": b, "current": current.get(u, sha) == sha}
        )
    for pid, view in views.items():
        view.groups = _groups(items.get(pid, []), current)
        for url in sorted({d["url"] for d in view.documents if d["url"] in changed}):
            vs = changed[url]
            for (sha_a, at_a), (sha_b, at_b) in zip(vs, vs[1:], strict=False):
                view.changes.append(Change(url, sha_a, sha_b, at_a, at_b,
                                           _diff(per_sha.get(sha_a, []), per_sha.get(sha_b, []))))

    cups = sorted({v.cup for v in views.values() if v.cup})
    if cups:
        cols = ["dataset", "kind", "field", "label", "value_date", "value_num"]
        by_cup = {v.cup: v for v in views.values() if v.cup}
        for r in con.execute(
            f"SELECT o.cup, {', '.join('o.' + c for c in cols)} FROM official_figures o"
            " JOIN (SELECT unnest(?) AS cup) k ON k.cup = o.cup"
            " ORDER BY o.cup, o.dataset, o.kind, o.field",
            [cups],
        ).fetchall():
            by_cup[r[0]].official.append(dict(zip(cols, r[1:], strict=True)))
        rcols = ["kind", "role", "unit", "claimed_value", "claimed_num", "quote", "url",
                 "official_dataset", "official_field", "official_label", "official_value",
                 "difference", "difference_unit"]
        for r in con.execute(
            f"SELECT r.project_id, {', '.join('r.' + c for c in rcols)} FROM reconciliation r"
            " JOIN (SELECT unnest(?) AS project_id) i USING (project_id)"
            " WHERE r.official_field IS NOT NULL AND r.kind <> 'place'"
            " ORDER BY r.project_id, r.kind, r.role, r.official_field, r.url, r.claim_id",
            [ids],
        ).fetchall():
            views[r[0]].reconciliation.append(dict(zip(rcols, r[1:], strict=True)))
        for cup, region, province, code, comune in con.execute(
            "SELECT DISTINCT l.cup, l.region, l.province, l.province_code, l.comune"
            " FROM ref_opencup_locations l JOIN (SELECT unnest(?) AS cup) k USING (cup)"
            " ORDER BY ALL",
            [cups],
        ).fetchall():
            by_cup[cup].places.append({"region": region, "province": province,
                                       "province_code": code, "comune": comune})
        for cup, cig in con.execute(
            "SELECT DISTINCT g.cup, g.cig FROM ref_opencup_cig g"
            " JOIN (SELECT unnest(?) AS cup) k USING (cup) ORDER BY ALL",
            [cups],
        ).fetchall():
            by_cup[cup].official_cigs.append(cig)
        for cup, comuni, province, regioni in con.execute(
            "SELECT o.cup, o.comuni, o.province, o.regioni FROM ref_opencoesione_projects o"
            " JOIN (SELECT unnest(?) AS cup) k USING (cup) ORDER BY ALL",
            [cups],
        ).fetchall():
            where = ", ".join(x for x in (" · ".join(comuni or []), " · ".join(province or []),
                                          " · ".join(regioni or [])) if x)
            if where and where not in by_cup[cup].oc_places:
                by_cup[cup].oc_places.append(where)
    return [views[pid] for pid in ids]


def project_view(con: duckdb.DuckDBPyConnection, project_id: str) -> ProjectView:
    """Everything known about one project."""
    return project_views(con, [project_id])[0]


def compare(
    con: duckdb.DuckDBPyConnection, cup: str | None = None, entity: str | None = None
) -> list[ProjectView]:
    """Project views for a CUP or an entity (every project when neither is given)."""
    return project_views(con, find_projects(con, cup=cup, entity=entity))


# ---------------------------------------------------------------- output formats


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def to_json(views: list[ProjectView]) -> str:
    """Nested JSON: per project its ``card`` first, then everything the view holds, and the
    conflicts with the values, pages and quotes of each side."""
    from warehouse.card import project_card

    out = []
    for v in views:
        d = {"card": project_card(v).as_dict()} | asdict(v)
        d["conflicts"] = [
            {"kind": g.kind, "role": g.role, "unit": g.unit, "qualifier": g.qualifier,
             "values": g.values, "sides": g.sides()}
            for g in v.conflicts
        ]
        out.append(d)
    return json.dumps(out, ensure_ascii=False, indent=2, default=_jsonable)


CSV_COLUMNS = ["project_id", "cup", "kind", "role", "unit", "value", "conflict", "quote", "url",
               "fetched_at", "sha256", "start", "end", "method", "confidence", "qualifier"]


def to_csv(views: list[ProjectView]) -> str:
    """One line per claim; text cells a spreadsheet would run as formulas are neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in views:
        for g in v.groups:
            for c in g.claims:
                writer.writerow(csvsafe.row([
                    v.project_id, v.cup or "", c.kind, c.role or "", c.unit or "",
                    display_value(c.kind, c.value, c.value_num, c.unit),
                    "yes" if g.conflict else "",
                    c.quote, c.url or "", c.fetched_at.isoformat() if c.fetched_at else "",
                    c.sha256, c.start, c.end, c.method, c.confidence, g.qualifier or "",
                ]))
    return buf.getvalue()


RECONCILE_KEY = ("kind", "role", "unit", "official_dataset", "official_field", "official_value",
                 "claimed_value", "claimed_num", "difference", "difference_unit")


def official_lines(view: ProjectView) -> list[dict[str, Any]]:
    """The reconciliation rows folded to one line per official field and claimed value.

    A figure quoted by a card and by the prose of the same page, or by the HTML page and its PDF,
    is several claims but one statement to set beside the official figure: a reader needs it
    once, with every page that makes it (``urls``) and how many claims say it (``claims``).
    """
    lines: dict[tuple, dict[str, Any]] = {}
    for r in view.reconciliation:
        key = tuple(r[k] for k in RECONCILE_KEY)
        line = lines.get(key)
        if line is None:
            line = lines[key] = {k: r[k] for k in RECONCILE_KEY} | {"urls": [], "claims": 0}
        line["claims"] += 1
        if r["url"] and r["url"] not in line["urls"]:
            line["urls"].append(r["url"])
    return list(lines.values())


def group_label(g: ClaimGroup) -> str:
    """A group's heading in Italian: "Importo — pagato", "Data — inizio (prevista)"."""
    label = KIND_LABELS.get(g.kind, g.kind)
    if g.role:
        label += f" — {ROLE_LABELS.get(g.role, g.role)}"
    if g.unit:
        label += f" ({g.unit})"
    if g.qualifier:
        label += f" [{g.qualifier}]"
    return label


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def to_table(views: list[ProjectView], generated: datetime | None = None) -> str:
    """Plain text for a terminal: per project the card first, then the evidence by field with
    identical values collapsed into one line (control characters from the pages shown as
    ``�``, see ``warehouse.termsafe``)."""
    from warehouse.card import card_lines, project_card

    if not views:
        return "nessun progetto trovato\n"
    when = (generated or datetime.now()).strftime("%Y-%m-%d %H:%M")
    lines: list[str] = [f"inclusio · generato il {when}"]
    for v in views:
        lines.append("=" * 78)
        lines.extend(card_lines(project_card(v)))
        lines.append("  --- Che cosa dicono le fonti ---")
        for g in v.groups:
            flag = "  !! CONFLITTO: " + " vs ".join(g.values) if g.conflict else ""
            lines.append(f"  [{group_label(g)}]{flag}")
            for side in g.sides():
                first = next(c for c in g.claims
                             if display_value(c.kind, c.value, c.value_num, c.unit)
                             == side["value"])
                when_read = first.fetched_at.strftime("%Y-%m-%d") if first.fetched_at else "?"
                quote = " ".join(first.quote.split())
                lines.append(f"    {side['value']:<24} {_n(len(side['pages']), 'fonte', 'fonti')}"
                             f"  «{quote}»  {side['pages'][0]} ({when_read})")
                for other in side["pages"][1:]:
                    lines.append(f"    {'':<24} anche in {other}")
        official = official_lines(v)
        if official:
            lines.append("  --- Cifre ufficiali ---")
        for r in official:
            diff = r["difference"]
            diff = "" if diff is None else f" {diff:+,.2f} {r['difference_unit']}"
            lines.append(f"  ufficiale {r['official_dataset']}.{r['official_field']}: "
                         f"{r['official_value'] or 'dato mancante'} contro dichiarato "
                         f"{r['claimed_value']}{diff}  "
                         f"({_n(r['claims'], 'affermazione', 'affermazioni')}, "
                         f"{_n(len(r['urls']), 'pagina', 'pagine')})")
        if v.changes:
            lines.append("  --- Pagine cambiate ---")
        for ch in v.changes:
            a = ch.before_fetched_at.strftime("%Y-%m-%d") if ch.before_fetched_at else "?"
            b = ch.after_fetched_at.strftime("%Y-%m-%d") if ch.after_fetched_at else "?"
            lines.append(f"  cambiata: {ch.url} tra il {a} e il {b}")
            for d in ch.differences:
                lines.append(f"    {d['kind']}/{d['role'] or '-'}: {', '.join(d['before']) or '—'}"
                             f" -> {', '.join(d['after']) or '—'}")
    return printable("\n".join(lines)) + "\n"
