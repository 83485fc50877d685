"""Linking documents and claims to projects: by CUP first, then by explicit rules, then by hand.

A CUP is the only key that identifies a project for sure. Without one, a document is tied to a
project only by a rule on facts it states (programme, call such as "Avviso 3/2016", lead body or
ambito) and the link carries a confidence below 1. Names are never compared for similarity: two
projects with look-alike titles stay two projects. A manual links file has the last word.

Every run recomputes the links from the claims, so running it twice leaves the same rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from warehouse.memory import bounded, give_back, in_force

CUP_SHAPE = re.compile(r"^[A-Z][0-9]{2}[A-Z][0-9]{11}$")
# "Avviso 3/2016", "Avviso n. 1/2019", "avviso pubblico n.4/2017": the call a project answered.
CALL_RE = re.compile(r"\bavviso\s+(?:pubblico\s+)?(?:n\.?\s*)?(\d{1,3})\s*/\s*(\d{4})\b", re.I)
# Roles that name the body leading a project (extractors may use either word).
LEAD_ROLES = ("lead", "capofila", "lead_body", "beneficiary")
# Programme labels that name a measure or a fund rather than the programme a project answers:
# a page about "PON Inclusione" that mentions SIA six times is still a PON Inclusione page.
MEASURES = {"sia", "rei", "reddito di cittadinanza", "assegno di inclusione", "garanzia giovani",
            "supporto per la formazione e il lavoro"}
FUNDS = {"fse", "fse+", "fesr", "fead", "fondo povertà", "fondo poverta"}

CONF_CUP = 1.0
CONF_CUP_NEAREST = 0.8  # a claim in a page naming several CUPs, tied to the nearest one
CONF_RULE_CALL = 0.8  # programme or call + lead body match one project
CONF_RULE_PROGRAMME = 0.6  # programme + lead body only
CONF_RULE_LEAD = 0.5  # a page naming only a measure or fund joins its lead body's one project
# Paths of a site's home page: a listing of everything the body publishes, never one project.
HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.php", "/home", "/home.html"}
CONF_MANUAL = 1.0


class ManualLinksError(ValueError):
    """The manual links file cannot be read; the message says which line and why."""


@dataclass(frozen=True, slots=True)
class ManualLink:
    """One line of the manual links file."""

    project: str
    url: str | None = None
    sha256: str | None = None
    action: str = "link"  # link | unlink
    title: str | None = None
    entity: str | None = None
    programme: str | None = None


@dataclass(slots=True)
class _Doc:
    """What linking needs of one document, read from its claims and text (neither is kept)."""

    sha256: str
    home: bool  # its URL is a site's home page (``is_home_page``)
    title: str | None
    entity: str | None  # the source's
    n_claims: int = 0
    cups: list[tuple[int, str]] | None = None  # (start, CUP) of well-formed CUP claims
    programme: str | None = None
    call: str | None = None
    n_programmes: int = 0
    lead: str | None = None  # the lead body most named
    claim_entity: str | None = None  # who the claims say the project belongs to


def rule_project_id(programme: str | None, call: str | None, lead: str) -> str:
    """A stable key for a project known only by its programme/call and lead body."""
    key = "|".join([(programme or "").lower(), (call or "").lower(), lead.lower()])
    return "rule:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def find_call(text: str) -> str | None:
    """The first call (avviso) the text names, normalised to "Avviso N/YYYY"."""
    m = CALL_RE.search(text or "")
    return f"Avviso {int(m.group(1))}/{m.group(2)}" if m else None


def is_programme_proper(programme: str | None) -> bool:
    """True for a programme ("PON Inclusione"), False for a measure (SIA) or a fund (FSE+)."""
    return bool(programme) and programme.lower() not in MEASURES | FUNDS


def is_home_page(url: str | None) -> bool:
    """A site's home page lists every project its body publishes: it is about none of them."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.path.lower() in HOME_PATHS and not parts.query


def programme_and_call(values: list[str], text: str) -> tuple[str | None, str | None, int]:
    """The programme and call a page speaks of, and how many distinct programmes it names.

    Programmes proper win over funds, funds over measures; calls ("Avviso 3/2016") named as
    programmes count as the call. Ties go to the label named first.
    """
    programme, call, n_programmes = _labels(values)
    return programme, call or find_call(text), n_programmes


def _labels(values: list[str]) -> tuple[str | None, str | None, int]:
    """:func:`programme_and_call` from the programme labels alone (the call None when no
    label names one: the text may)."""
    calls, proper, funds, measures = [], [], [], []
    for v in values:
        m = CALL_RE.search(v)
        if m:
            calls.append(f"Avviso {int(m.group(1))}/{m.group(2)}")
        elif v.lower() in MEASURES:
            measures.append(v)
        elif v.lower() in FUNDS:
            funds.append(v)
        else:
            proper.append(v)
    call = _most_common(calls)
    programme = _most_common(proper) or _most_common(funds) or _most_common(measures)
    return programme, call, len(set(proper))


def read_manual_links(path: Path) -> list[ManualLink]:
    """Read a manual links file (TOML ``[[link]]`` tables or CSV with a header)."""
    if not path.exists():
        raise ManualLinksError(f"manual links file {path} does not exist")
    rows: list[dict[str, Any]]
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ManualLinksError(f"{path}: not valid TOML: {exc}") from exc
        rows = list(data.get("link", []))
    elif path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [dict(r) for r in csv.DictReader(fh)]
    else:
        raise ManualLinksError(f"{path}: manual links must be a .toml or .csv file")
    links = []
    for n, row in enumerate(rows, start=1):
        row = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
        project = row.get("project") or row.get("cup") or row.get("project_id")
        if not project:
            raise ManualLinksError(f"{path}: link {n} names no project (key 'project')")
        if not (row.get("url") or row.get("sha256")):
            raise ManualLinksError(f"{path}: link {n} names no document (key 'url' or 'sha256')")
        action = (row.get("action") or "link").lower()
        if action not in ("link", "unlink"):
            raise ManualLinksError(f"{path}: link {n}: action must be 'link' or 'unlink'")
        links.append(
            ManualLink(
                project=str(project), url=row.get("url") or None, sha256=row.get("sha256") or None,
                action=action, title=row.get("title") or None, entity=row.get("entity") or None,
                programme=row.get("programme") or None,
            )
        )
    return links


# Rows handed from DuckDB to Python at a time while linking reads the documents (their texts
# among them) and claims: linking keeps a few facts per document, never every text or claim.
READ_ROWS = 1_000
# DuckDB's memory while the documents' facts and the claims are read (every text passes
# through; past the bound DuckDB drops the blocks it read instead of keeping them cached).
READ_MEMORY_LIMIT = "48MB"
# Claim links written to the warehouse at a time (into a temporary table, sorted in at the end).
WRITE_ROWS = 20_000

# Per document: its source's entity, its claim count and the claims linking reads (CUPs,
# programmes and organisations, in the order they appear). Its text is read apart (_TEXTS):
# joined here, DuckDB may build its hash table on the documents' side and hold every text of
# a slice (and the table blocks they are in) at once.
_FACTS = """
    SELECT d.sha256, d.url, d.title, s.entity, coalesce(c.n, 0), c.cups, c.programmes, c.orgs
      FROM documents d
      LEFT JOIN sources s ON s.source_id = d.source_id
      LEFT JOIN (
        SELECT sha256, count(*) AS n,
               list(struct_pack(s := start_char, v := value) ORDER BY start_char, claim_id)
                   FILTER (WHERE kind = 'cup') AS cups,
               list(value ORDER BY start_char, claim_id)
                   FILTER (WHERE kind = 'programme') AS programmes,
               list(struct_pack(v := value, r := role) ORDER BY start_char, claim_id)
                   FILTER (WHERE kind = 'organisation') AS orgs
          FROM claims WHERE {where} GROUP BY sha256
      ) c ON c.sha256 = d.sha256
     WHERE {where_d}
"""
_TEXTS = "SELECT sha256, coalesce(text, '') FROM documents WHERE {where}"
# The facts are gathered a slice of sha256 values at a time (about this many documents each):
# the per-document lists are built for one slice, so DuckDB's memory for them stays bounded.
FACT_SLICE_DOCS = 5_000


def _slices(n_docs: int) -> list[tuple[str | None, str | None]]:
    """sha256 ranges [low, high) that split ``n_docs`` documents (digests spread evenly over
    hex) into slices of about FACT_SLICE_DOCS; None for no bound, so every value is in one."""
    k = min(4096, max(1, -(-n_docs // FACT_SLICE_DOCS)))
    bounds: list[str | None] = [None, *(format(i * 4096 // k, "03x") for i in range(1, k)),
                                None]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _facts(con: duckdb.DuckDBPyConnection) -> Iterator[list[tuple]]:
    """The rows of _FACTS with each document's text last, every document once, a slice of
    sha256 values after another: a slice's facts are kept while its texts stream past."""
    n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    for lo, hi in _slices(int(n_docs)):
        def cond(col: str, lo: str | None = lo, hi: str | None = hi) -> str:
            parts = [f"{col} >= '{lo}'" if lo else "", f"{col} < '{hi}'" if hi else ""]
            return " AND ".join(p for p in parts if p) or "true"
        facts = {row[0]: row for rows in _batches(
            con, _FACTS.format(where=cond("sha256"), where_d=cond("d.sha256"))) for row in rows}
        for rows in _batches(con, _TEXTS.format(where=cond("sha256"))):
            yield [(*facts.pop(sha), text) for sha, text in rows]


def _batches(con: duckdb.DuckDBPyConnection, sql: str, rows: int | None = None
             ) -> Iterator[list[tuple]]:
    """The rows of ``sql``, ``rows`` (default READ_ROWS) at a time, read on a cursor of their
    own (so the caller may write on ``con`` meanwhile)."""
    cur = con.cursor()
    try:
        cur.execute(sql)
        while batch := cur.fetchmany(rows or READ_ROWS):
            yield batch
    finally:
        cur.close()


def _documents(con: duckdb.DuckDBPyConnection, wanted_urls: set[str], wanted_shas: set[str]
               ) -> tuple[dict[str, _Doc], int, dict[str, list[str]]]:
    """The documents rules may link (those naming a CUP, a programme or a call) with their
    facts, and those the manual links name; how many documents there are; the documents of
    each URL the manual links name. Texts and claims are read a batch at a time and only
    their facts kept, so the memory this takes follows the documents linked, not their text."""
    docs: dict[str, _Doc] = {}
    by_url: dict[str, list[str]] = defaultdict(list)
    total = 0
    for rows in _facts(con):
        total += len(rows)
        for sha, url, title, entity, n, cups, programmes, orgs, text in rows:
            programme, call, n_programmes = _labels([v for v in programmes or () if v])
            found = [(c["s"], c["v"]) for c in cups or () if c["v"] and CUP_SHAPE.match(c["v"])]
            call = call or find_call(text)
            if url in wanted_urls:
                by_url[url].append(sha)
            if not (found or programme or call or sha in wanted_shas or url in wanted_urls):
                continue  # nothing links it
            named = [(o["v"], o["r"]) for o in orgs or () if o["v"]]
            # Entities, programmes, calls and bodies repeat over thousands of documents: one
            # string each, not one per document.
            docs[sha] = _Doc(sha, is_home_page(url), title, _shared(entity), n, found,
                             _shared(programme), _shared(call), n_programmes,
                             _shared(_most_common([v for v, r in named if r in LEAD_ROLES])),
                             _shared(_entity(named)))
    return docs, total, by_url


def _shared(value: str | None) -> str | None:
    return None if value is None else sys.intern(value)


# Who a CUP project belongs to, by the role a document gives a body: the lead first, then the
# city acting as intermediate body (PN Metro cards), then the beneficiary; else the source's entity.
ENTITY_ROLES = (("lead", "capofila", "lead_body"), ("intermediate_body",), ("beneficiary",))


def _entity(named: list[tuple[str, str | None]]) -> str | None:
    """The body ``named`` (organisations as (name, role), in order) gives a CUP project."""
    for roles in ENTITY_ROLES:
        found = [v for v, role in named if role in roles]
        if found:
            return _most_common(found)
    return None


def _most_common(values: list[str]) -> str | None:
    """The most frequent value, ties going to the first seen."""
    if not values:
        return None
    counts = Counter(values)
    return max(values, key=lambda v: (counts[v], -values.index(v)))


# The linking code itself is part of what links are computed from: a changed rule links again.
_CODE = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()
STATE = "projects"


def _fingerprint(con: duckdb.DuckDBPyConnection, manual: list[ManualLink]) -> str:
    """A digest of everything linking reads: one pass over the documents' keys (not their
    text or claims: a document's claims change only with its extraction time)."""
    # Per document a digest of its keys, folded by XOR with the count: one pass that holds
    # no text of all the documents at once (order does not matter, each sha256 is once).
    docs, n_claims, entities = con.execute(
        """
        SELECT (SELECT concat(count(*), ':', coalesce(bit_xor(md5_number(CAST(to_json([sha256,
                        CAST(parsed_at AS VARCHAR), CAST(extracted_at AS VARCHAR),
                        CAST(n_chars AS VARCHAR), url, title, source_id]) AS VARCHAR))), 0))
                  FROM documents),
               (SELECT count(*) FROM claims),
               (SELECT coalesce(md5(string_agg(concat_ws(chr(31), source_id, entity), chr(30)
                        ORDER BY source_id)), '') FROM sources)
        """
    ).fetchone()
    text = "\x1e".join([_CODE, docs, str(n_claims), entities, repr(manual)])
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


def link_all(con: duckdb.DuckDBPyConnection, manual_file: Path | None = None, *,
             if_changed: bool = False) -> dict[str, int]:
    """Recompute projects, document links and claim links; return counts by method.

    ``manual_file`` replaces the manual links kept in the warehouse; without it the links
    last loaded are applied again (an empty file clears them).

    Projects made by earlier runs are kept when something still links to them (their
    ``created_at`` stays), rule-made projects nothing links to any more are removed.

    ``if_changed`` (the load stage): when nothing linking reads changed since the links were
    last computed (``link_state``), they are left as they are and the counts of then are
    returned, so an unchanged run does not re-read every document and claim.
    """
    if manual_file is not None:
        manual = read_manual_links(manual_file)
        _store_manual(con, manual, manual_file.name)
    else:
        manual = _stored_manual(con)
    fingerprint = _fingerprint(con, manual)
    if if_changed:
        row = con.execute("SELECT fingerprint, stats FROM link_state WHERE name = ?",
                          [STATE]).fetchone()
        if row and row[0] == fingerprint and row[1]:
            return json.loads(row[1])
    docs, n_docs, by_url = bounded(con, lambda: _documents(
        con, {link.url for link in manual if link.url}, {link.sha256 for link in manual
                                                         if link.sha256}), READ_MEMORY_LIMIT)
    now = datetime.now()

    projects: dict[str, dict[str, Any]] = {}
    doc_links: dict[tuple[str, str], tuple[str, float]] = {}
    # What each document's claims are linked to, as steps replayed over its claims when the
    # claim links are written (``_claim_links``): ("cup",), ("all", project, method,
    # confidence), ("unlink", project) or ("clear",).
    steps: dict[str, list[tuple]] = defaultdict(list)

    def want_project(pid: str, **attrs: Any) -> None:
        current = projects.setdefault(pid, {"project_id": pid})
        for key, val in attrs.items():
            if val and not current.get(key):
                current[key] = val

    # 1. CUP: a document naming a CUP speaks of that project.
    rest: list[str] = []
    for sha in sorted(docs):
        doc = docs[sha]
        if not doc.cups:
            rest.append(sha)
            continue
        distinct = sorted({cup for _, cup in doc.cups})
        entity = doc.claim_entity or doc.entity
        for cup in distinct:
            want_project(cup, cup=cup, title=doc.title, entity=entity, programme=doc.programme,
                         call=doc.call, key_method="cup")
            doc_links[(sha, cup)] = ("cup", CONF_CUP)
        steps[sha].append(("cup",))

    # Keys of CUP projects, so a page without a CUP can join one by the same rule keys.
    cup_keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pid, p in projects.items():
        if p.get("entity") and p.get("programme"):
            cup_keys[(p["entity"].lower(), p["programme"].lower())].append(pid)

    # 2. Rules: programme or call, and the lead body (or the publishing entity).
    stats_ambiguous = 0
    stats_overview = 0
    weak: list[tuple[str, str | None]] = []
    for sha in rest:
        doc = docs[sha]
        programme, call = doc.programme, doc.call
        if not (programme or call) or doc.home:
            continue
        lead = doc.lead
        if not (is_programme_proper(programme) or call):
            # Only a measure (SIA) or a fund (FSE+): not enough to make a project of its own;
            # the page may still join the one project its lead body has (checked below).
            weak.append((sha, lead or doc.entity))
            continue
        if not lead:
            if doc.n_programmes > 1:
                # No lead body stated and several programmes named: an overview or listing
                # page of the publisher, not a page about one project.
                stats_overview += 1
                continue
            lead = doc.entity
        if not lead:
            continue
        confidence = CONF_RULE_CALL if call else CONF_RULE_PROGRAMME
        target = None
        if not call and programme:
            same = cup_keys.get((lead.lower(), programme.lower()), [])
            if len(same) == 1:
                target = same[0]
            elif len(same) > 1:
                stats_ambiguous += 1
                continue
        if target is None:
            target = rule_project_id(programme, call, lead)
            want_project(target, title=doc.title, entity=lead, programme=programme,
                         call=call, lead_body=lead, key_method="rule")
        doc_links[(sha, target)] = ("rule", confidence)
        steps[sha].append(("all", target, "rule", confidence))

    # A page naming only a measure or fund joins the one project its lead body has, if one.
    stats_weak = 0
    by_lead: dict[str, set[str]] = defaultdict(set)
    for pid, p in projects.items():
        for name in (p.get("entity"), p.get("lead_body")):
            if name:
                by_lead[name.lower()].add(pid)
    for sha, lead in weak:
        same = by_lead.get((lead or "").lower(), set())
        if len(same) != 1:
            stats_weak += 1
            continue
        [target] = same
        doc_links[(sha, target)] = ("rule", CONF_RULE_LEAD)
        steps[sha].append(("all", target, "rule", CONF_RULE_LEAD))

    # 3. Manual links override whatever the rules said about the documents they name.
    manual_missing = 0
    for link in manual:
        shas = [link.sha256] if link.sha256 in docs else by_url.get(link.url or "", [])
        if not shas:
            manual_missing += 1
            continue
        pid = link.project
        for sha in shas:
            if link.action == "unlink":
                doc_links.pop((sha, pid), None)
                steps[sha].append(("unlink", pid))
                continue
            # The document now speaks of this project only: drop its automatic links.
            for key in [k for k in doc_links if k[0] == sha]:
                del doc_links[key]
            is_cup = bool(CUP_SHAPE.match(pid))
            want_project(pid, cup=pid if is_cup else None, title=link.title or docs[sha].title,
                         entity=link.entity or docs[sha].entity, programme=link.programme,
                         key_method="manual", manual_title=link.title)
            doc_links[(sha, pid)] = ("manual", CONF_MANUAL)
            steps[sha] += [("clear",), ("all", pid, "manual", CONF_MANUAL)]

    linked = {pid for _, pid in doc_links}
    # A project's title is the title of its linked document with the most claims (its card).
    best: dict[str, tuple[int, str]] = {}
    for sha, pid in sorted(doc_links):
        score = docs[sha].n_claims
        if docs[sha].title and (pid not in best or score > best[pid][0]):
            best[pid] = (score, docs[sha].title)
    for pid, (_, title) in best.items():
        if pid in projects and not projects[pid].get("manual_title"):
            projects[pid]["title"] = title
    by_method = Counter(method for method, _ in doc_links.values())
    cups = {sha: (docs[sha].cups or [], sorted({c for _, c in docs[sha].cups or ()}))
            for sha in steps}
    del docs
    give_back()  # the documents' facts: the claim links are read and written in their place
    try:
        claims_linked = bounded(con, lambda: _claim_links(con, steps, cups), READ_MEMORY_LIMIT)
        stats = {
            "projects": len(linked),
            "documents_linked": len({sha for sha, _ in doc_links}),
            "documents_unlinked": n_docs - len({sha for sha, _ in doc_links}),
            "links_cup": by_method.get("cup", 0),
            "links_rule": by_method.get("rule", 0),
            "links_manual": by_method.get("manual", 0),
            "claims_linked": claims_linked,
            "ambiguous": stats_ambiguous,
            "overview_pages": stats_overview,
            "measure_only_pages": stats_weak,
            "manual_unmatched": manual_missing,
        }
        # The tables are replaced in one transaction, under the bound in force. One that does
        # not fit there runs again alone under a larger bound: what linking gathered (and the
        # claim links in their table) is kept for it, not read and worked out a second time.
        bounded(con, lambda: _write(con, {pid: p for pid, p in projects.items() if pid in linked},
                                    doc_links, now, (fingerprint, stats)), in_force(con))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_CLAIM_LINKS}")
    return stats


_CLAIM_LINKS = "_link_claims"  # the temporary table the claim links are gathered in


def _claim_links(con: duckdb.DuckDBPyConnection, steps: dict[str, list[tuple]],
                 cups: dict[str, tuple[list[tuple[int, str]], list[str]]]) -> int:
    """Replay each document's ``steps`` over its claims, read a batch at a time, into the
    temporary table ``_link_claims`` (which ``_write`` moves into ``claim_projects``); return
    how many claims got a link. A claim's links depend only on it and its document's steps,
    so the claims are read in any order and none is kept."""
    import pyarrow as pa

    con.execute(f"CREATE OR REPLACE TEMP TABLE {_CLAIM_LINKS} (claim_id VARCHAR,"
                " project_id VARCHAR, method VARCHAR, confidence DOUBLE)")
    out: tuple[list, list, list, list] = ([], [], [], [])
    linked = 0

    def flush() -> None:
        if out[0]:
            frame = pa.table({"claim_id": pa.array(out[0], pa.string()),
                              "project_id": pa.array(out[1], pa.string()),
                              "method": pa.array(out[2], pa.string()),
                              "confidence": pa.array(out[3], pa.float64())})
            con.register("_link_claims_part", frame)
            try:
                con.execute(f"INSERT INTO {_CLAIM_LINKS} SELECT * FROM _link_claims_part")
            finally:
                con.unregister("_link_claims_part")
            for column in out:
                column.clear()

    if steps:
        for rows in _batches(con, "SELECT sha256, claim_id, kind, value, start_char FROM claims",
                             rows=10 * READ_ROWS):
            for sha, claim_id, kind, value, start in rows:
                todo = steps.get(sha)
                if not todo:
                    continue
                links = _replay(todo, *cups[sha], kind, value, start)
                if links:
                    linked += 1
                    for pid, (method, confidence) in links.items():
                        out[0].append(claim_id)
                        out[1].append(pid)
                        out[2].append(method)
                        out[3].append(confidence)
            if len(out[0]) >= WRITE_ROWS:
                flush()
        flush()
    return linked


def _replay(todo: list[tuple], cups: list[tuple[int, str]], distinct: list[str], kind: str,
            value: str | None, start: int) -> dict[str, tuple[str, float]]:
    """One claim's links (project -> (method, confidence)) after its document's steps;
    ``cups``: the document's (start, CUP) claims in order, ``distinct``: its CUPs sorted."""
    links: dict[str, tuple[str, float]] = {}
    for step in todo:
        if step[0] == "cup":
            if kind == "cup" and value in distinct:
                links[value] = ("cup", CONF_CUP)
            elif len(distinct) == 1:
                links[distinct[0]] = ("cup", CONF_CUP)
            else:
                nearest = min(cups, key=lambda pc: abs(pc[0] - start))[1]
                links[nearest] = ("cup", CONF_CUP_NEAREST)
        elif step[0] == "all":
            links[step[1]] = (step[2], step[3])
        elif step[0] == "unlink":
            links.pop(step[1], None)
        else:  # "clear"
            links.clear()
    return links


MANUAL_FIELDS = ("project", "url", "sha256", "action", "title", "entity", "programme")


def _store_manual(con: duckdb.DuckDBPyConnection, links: list[ManualLink], name: str) -> None:
    """Keep the file's links in the warehouse: later runs without the file still apply them."""
    import pandas as pd

    frame = pd.DataFrame(
        [(n, *(getattr(link, f) for f in MANUAL_FIELDS)) for n, link in enumerate(links, 1)],
        columns=["line_no", *MANUAL_FIELDS],
    ).astype(object)
    con.register("_manual_new", frame)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM manual_links")
        con.execute(
            f"INSERT INTO manual_links SELECT CAST(line_no AS INTEGER), {', '.join(MANUAL_FIELDS)},"
            " ?, ? FROM _manual_new",
            [name, datetime.now()],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_manual_new")


def _stored_manual(con: duckdb.DuckDBPyConnection) -> list[ManualLink]:
    rows = con.execute(
        f"SELECT {', '.join(MANUAL_FIELDS)} FROM manual_links ORDER BY line_no"
    ).fetchall()
    return [ManualLink(**dict(zip(MANUAL_FIELDS, r, strict=True))) for r in rows]


def _write(
    con: duckdb.DuckDBPyConnection,
    projects: dict[str, dict[str, Any]],
    doc_links: dict[tuple[str, str], tuple[str, float]],
    now: datetime,
    state: tuple[str, dict[str, int]],
) -> None:
    """Replace the link tables in one transaction, keeping surviving projects' created_at,
    and record what they were computed from (``state``: fingerprint and counts)."""
    import pyarrow as pa

    # Arrow columns, not pandas frames of Python objects: a fraction of the memory.
    ordered = sorted(projects.items())
    text = pa.string()
    proj_df = pa.table({
        "project_id": pa.array([pid for pid, _ in ordered], text),
        **{name: pa.array([p.get(name) for _, p in ordered], text)
           for name in ("cup", "title", "entity", "programme")}})
    keys_df = pa.table({
        "project_id": pa.array([pid for pid, _ in ordered], text),
        **{name: pa.array([p.get(name) for _, p in ordered], text)
           for name in ("programme", "call", "lead_body")},
        "method": pa.array([p.get("key_method") for _, p in ordered], text)})
    del ordered
    links = sorted(doc_links.items())
    dl_df = pa.table({
        "sha256": pa.array([sha for (sha, _), _ in links], text),
        "project_id": pa.array([pid for (_, pid), _ in links], text),
        "method": pa.array([m for _, (m, _) in links], text),
        "confidence": pa.array([c for _, (_, c) in links], pa.float64())})
    del links
    con.register("_link_projects", proj_df)
    con.register("_link_keys", keys_df)
    con.register("_link_docs", dl_df)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM document_projects")
        con.execute("DELETE FROM claim_projects")
        con.execute("DELETE FROM project_keys")
        # Projects nothing links to any more go; the others are updated in place.
        con.execute(
            "DELETE FROM projects WHERE project_id NOT IN (SELECT project_id FROM _link_projects)"
        )
        con.execute(
            "INSERT INTO projects (project_id, cup, title, entity, programme, created_at)"
            " SELECT project_id, cup, title, entity, programme, ? FROM _link_projects"
            " ON CONFLICT (project_id) DO UPDATE SET title = excluded.title,"
            " entity = excluded.entity, programme = excluded.programme",
            [now],
        )
        con.execute("INSERT INTO project_keys SELECT * FROM _link_keys")
        con.execute(
            "INSERT INTO document_projects (sha256, project_id, method, confidence)"
            " SELECT sha256, project_id, method, confidence FROM _link_docs"
        )
        con.execute(
            "INSERT INTO claim_projects (claim_id, project_id, method, confidence)"
            f" SELECT claim_id, project_id, method, confidence FROM {_CLAIM_LINKS}"
            " ORDER BY claim_id, project_id"
        )
        con.execute("DELETE FROM link_state WHERE name = ?", [STATE])
        con.execute("INSERT INTO link_state VALUES (?, ?, ?, ?)",
                    [STATE, state[0], json.dumps(state[1]), now])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_link_projects", "_link_keys", "_link_docs"):
            con.unregister(name)
