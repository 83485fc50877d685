"""A static HTML report a journalist can open offline or on a phone.

One index of projects and the bodies involved, and one page per project with every claim, its
quote and link, the conflicts between sources, the changes of a page over time and the official
figures. Plain HTML and one CSS file, no script, every text HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from warehouse.card import CardField, ProjectCard, group_key, project_card, readable_title
from warehouse.compare import (
    KIND_LABELS,
    ROLE_LABELS,
    ClaimGroup,
    ProjectView,
    compare,
    display_value,
    group_label,
    official_lines,
)

METHOD_LABELS = {"cup": "per CUP", "rule": "per regola", "manual": "manuale"}

CSS = """
:root { --fg: #1b1b1b; --muted: #5b5b5b; --line: #d9d9d9; --accent: #0b5cad;
        --warn-bg: #fff3e0; --warn: #a14b00; --bg: #ffffff; --soft: #f5f7fa; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); }
main, header.site, footer { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header.site { padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
header.site a { color: var(--muted); text-decoration: none; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 1rem 0 .5rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
a { color: var(--accent); overflow-wrap: anywhere; }
.meta { color: var(--muted); margin: 0 0 .25rem; overflow-wrap: anywhere; }
.code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: .85rem;
         background: var(--soft); border: 1px solid var(--line); }
.badge.warn { background: var(--warn-bg); color: var(--warn); border-color: #f0c58a; }
ul.cards { list-style: none; padding: 0; margin: 0; }
ul.cards > li { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem;
                margin: 0 0 .75rem; background: var(--bg); }
.value { font-weight: 600; font-size: 1.1rem; overflow-wrap: anywhere; }
mark { background: #fff1a8; color: inherit; padding: 0 .1rem; }
blockquote { margin: .5rem 0; padding: .25rem .75rem; border-left: 3px solid var(--accent);
             background: var(--soft); overflow-wrap: anywhere; }
section.conflict { border: 1px solid #f0c58a; background: var(--warn-bg); border-radius: .5rem;
                   padding: .5rem .75rem; margin-bottom: .75rem; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line);
         vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--soft); }
td.num { text-align: right; white-space: nowrap; }
footer { color: var(--muted); font-size: .85rem; padding: 2rem 1rem; }
section.card { border: 2px solid var(--accent); border-radius: .6rem; padding: .5rem .75rem;
               margin: .5rem 0 1rem; }
section.card table { font-size: .9rem; margin: 0 0 .5rem; }
section.card table.money tbody th { width: 34%; overflow-wrap: normal; hyphens: auto; }
section.card table.outcomes td:first-child { width: 60%; }
section.card .value { font-size: 1rem; }
section.card .amount { white-space: nowrap; }
section.card p.head { margin: .1rem 0 .4rem; overflow-wrap: anywhere; }
.diff { font-size: .85rem; }
dl.facts { margin: .25rem 0; }
dl.facts > div { display: flex; flex-wrap: wrap; gap: 0 .5rem; border-bottom: 1px solid var(--line);
                 padding: .2rem 0; }
dl.facts dt { color: var(--muted); min-width: 6.5rem; }
dl.facts dd { margin: 0; flex: 1 1 12rem; overflow-wrap: anywhere; }
ul.cigs { list-style: none; padding: 0; margin: 0; }
a.src { font-size: .85rem; }
.badge.ok { background: #e6f4ea; color: #1e6b33; border-color: #a8d5b5; }
@media (max-width: 600px) {
  body { font-size: 15px; }
  h1 { font-size: 1.3rem; }
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.stack td { border: 0; padding: .1rem 0; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  td.num { text-align: left; white-space: normal; }
  section.card { padding: .4rem .5rem; }
  section.card table { font-size: .82rem; }
  section.card th, section.card td { padding: .25rem .3rem; }
  section.card .value { font-size: .9rem; }
  section.card .meta.field { display: none; }
}
"""


def page_name(project_id: str) -> str:
    """A file name safe on every system for a project id, one per id.

    A CUP (capital letters and digits) is its own name. Any other id (rule ids hold ':') is
    spelled with safe characters and a short hash of the id itself, so that ``a/b`` and ``a:b``,
    or ``Ab`` and ``aB`` on a case-blind disk, never share a file.
    """
    if re.fullmatch(r"[A-Z0-9]{1,64}", project_id):
        return project_id + ".html"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", project_id).strip("-.")[:80] or "progetto"
    digest = hashlib.sha256(project_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{safe}-{digest}.html"


def content_policy(inline_css: str | None) -> str:
    """The page's Content-Security-Policy: no script, no plugin, no form, nothing fetched but
    the stylesheet (the report's own file, or the page's one inline block by its hash).

    Page text comes from crawled sites and imported files: the escaping keeps it text, and this
    policy keeps a browser from running anything even if an escape were ever missed.
    """
    if inline_css is None:
        style = "'self'"
    else:
        digest = base64.b64encode(hashlib.sha256(inline_css.encode("utf-8")).digest()).decode()
        style = f"'sha256-{digest}'"
    return (f"default-src 'none'; style-src {style}; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'")


def _e(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return escape(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return escape(value.isoformat())
    return escape(str(value))


def safe_href(url: str | None) -> str | None:
    """The URL when it is an http(s) address a reader can follow, else None.

    Document URLs come from remote pages and imported files; a ``javascript:`` or ``data:``
    URL turned into a link would run code in the reader's browser when clicked.
    """
    url = (url or "").strip()
    if any(ch <= " " or ch == "\x7f" for ch in url):
        return None  # browsers drop tabs and newlines: "java\tscript:" is still javascript:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def link(url: str | None, text: str | None) -> str:
    """``<a>`` to an http(s) URL; any other URL is shown as plain text, never as a link."""
    label = text or url or ""
    href = safe_href(url)
    if href is None:
        shown = escape(label) if not url or label == url else f"{escape(label)} · {escape(url)}"
        return f'<span class="code">{shown}</span>'
    return f'<a href="{escape(href, quote=True)}">{escape(label)}</a>'


def difference_text(diff: float | None, unit: str | None) -> str:
    """Claimed minus official as a reader expects it: "€ -1.258,87", "+3 giorni", "uguale"."""
    if diff is None:
        return "dato mancante"
    if diff == 0:
        return "uguale"
    sign = "+" if diff > 0 else "-"
    if unit == "EUR":
        return "€ " + sign + display_value("amount", None, abs(diff), None)[2:]
    if unit == "days":
        days = int(abs(diff))
        return f"{sign}{days} {'giorno' if days == 1 else 'giorni'}"
    return f"{sign}{abs(diff):g} {unit or ''}".strip()


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _page(title: str, body: str, css_href: str | None, home: str | None,
          generated: datetime | None = None) -> str:
    """A whole page; its header and footer say when it was generated (figures move)."""
    style = (f'<link rel="stylesheet" href="{escape(css_href)}">' if css_href
             else f"<style>{CSS}</style>")
    policy = content_policy(None if css_href else CSS)
    when = _e(generated or datetime.now())
    stamp = f'<span class="meta"> · generato il <time>{when}</time></span>'
    nav = (f'<header class="site"><a href="{escape(home)}">inclusio · indice</a>{stamp}</header>'
           if home else f'<header class="site"><span class="meta">inclusio</span>{stamp}</header>')
    return (
        "<!DOCTYPE html>\n<html lang=\"it\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{escape(policy, quote=True)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{style}\n</head>\n<body>\n{nav}\n<main>\n{body}\n</main>\n"
        "<footer>Ogni cifra riporta la frase da cui è stata letta e il collegamento alla fonte. "
        f"Generato da inclusio il {when}.</footer>\n</body>\n</html>\n"
    )


def _field_values(f: CardField) -> str:
    """Claimed values of a card line, each with its count of pages and a link to its quotes."""
    if not f.values:
        return '<span class="meta">non dichiarato</span>'
    out = []
    for v in f.values:
        count = (f' <a class="src" href="#{escape(f.key)}">'
                 f'{_n(v.sources, "fonte", "fonti")}</a>' if v.sources and f.key else "")
        out.append(f'<span class="value amount">{escape(v.value)}</span>{count}')
    mark = ('<span class="badge warn">⚠ fonti in disaccordo</span> ' if f.conflict else "")
    note = f' <span class="meta">({escape(f.note)})</span>' if f.note else ""
    return mark + " · ".join(out) + note


def card_html(card: ProjectCard) -> str:
    """The project card: money by role first (what a reader looks for), then who, what, where,
    when, outcomes and CIGs; official figures beside the claimed ones."""
    parts = ['<section class="card" id="scheda" aria-label="Scheda del progetto">']
    head = [f'CUP <span class="code">{escape(card.cup)}</span>' if card.cup else "senza CUP"]
    head += [escape(x) for x in (card.programme, card.call) if x]
    if card.place:
        head.append(escape(card.place[0]) + (" …" if len(card.place) > 1 else ""))
    parts.append(f'<p class="head">{" · ".join(head)}</p>')
    if card.money:
        # Without any official figure (no CUP, nothing imported) the column would be empty.
        with_official = any(f.official for f in card.money)
        parts.append('<table class="money"><thead><tr><th>Risorse</th><th>Dichiarato</th>'
                     + ("<th>Ufficiale</th>" if with_official else "")
                     + "</tr></thead><tbody>")
        for f in card.money:
            official = (f'<span class="amount">{escape(f.official)}</span>'
                        + (f'<br><span class="diff">differenza {escape(f.difference)}</span>'
                           if f.difference else "")
                        + f'<br><span class="meta field">{escape(f.official_source)}</span>'
                        ) if f.official else '<span class="meta">—</span>'
            parts.append(f"<tr><th>{escape(f.label)}</th><td>{_field_values(f)}</td>"
                         + (f"<td>{official}</td>" if with_official else "") + "</tr>")
        if card.paid_share or card.official_paid_share:
            parts.append(f"<tr><th>% pagato</th><td>{escape(card.paid_share or '—')}</td>"
                         + (f"<td>{escape(card.official_paid_share or '—')}</td>"
                            if with_official else "") + "</tr>")
        parts.append("</tbody></table>")
    else:
        parts.append('<p class="meta">Nessun importo dichiarato né ufficiale.</p>')
    facts: list[tuple[str, str]] = []
    facts.append(("CUP", f'<span class="code">{escape(card.cup)}</span>' if card.cup else
                  f'senza CUP · chiave <span class="code">{escape(card.project_id)}</span>'))
    if card.lead:
        facts.append((card.lead.label, _field_values(card.lead)))
    if card.partners:
        facts.append(("Partner", escape(", ".join(card.partners))))
    facts.append(("Programma", escape(card.programme or "—")))
    if card.call:
        facts.append(("Avviso", escape(card.call)))
    if card.place:
        facts.append(("Luogo", escape("; ".join(card.place))
                      + f' <span class="meta">(fonte: {escape(card.place_source or "")})</span>'))
    for f in card.dates:
        official = (f' · ufficiale {escape(f.official)} <span class="meta">'
                    f'({escape(f.official_source)}'
                    + (f", differenza {escape(f.difference)}" if f.difference else "")
                    + ")</span>") if f.official else ""
        facts.append((f.label, _field_values(f) + official))
    parts.append('<dl class="facts">' + "".join(
        f"<div><dt>{escape(k)}</dt><dd>{v}</dd></div>" for k, v in facts) + "</dl>")
    if card.outcomes:
        parts.append('<table class="outcomes"><thead><tr><th>Risultato</th><th>Obiettivo</th>'
                     "<th>Raggiunto</th></tr></thead><tbody>")
        for o in card.outcomes:
            name = (f'<a href="#{escape(o.key)}">{escape(o.label)}</a>' if o.key
                    else escape(o.label))
            official = ""
            if o.official_label:
                official = (f'<br><span class="meta">ufficiale (OpenCoesione): obiettivo '
                            f"{escape(o.official_target or '—')}, raggiunto "
                            f"{escape(o.official_achieved or '—')}</span>")
            parts.append(f"<tr><td>{name}{official}</td>"
                         f"<td>{escape(o.target or '—')}</td>"
                         f"<td>{escape(o.achieved or '—')}</td></tr>")
        parts.append("</tbody></table>")
    if card.cigs:
        items = []
        for c in card.cigs:
            state = ('<span class="badge ok">confermato da OpenCUP</span>' if c.confirmed else
                     '<span class="badge">solo OpenCUP</span>' if c.in_opencup else
                     '<span class="badge">solo nei documenti</span>')
            items.append(f'<li><span class="code">{escape(c.cig)}</span> {state}</li>')
        parts.append('<p class="meta">CIG</p><ul class="cigs">' + "".join(items) + "</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _side_html(g: ClaimGroup, side: dict[str, Any]) -> str:
    """One value of a group, stated by one or more pages: one line, its first quote in its
    sentence, and every page that states it."""
    claims = [c for c in g.claims
              if display_value(c.kind, c.value, c.value_num, c.unit) == side["value"]]
    first = claims[0]
    pages = []
    for url in side["pages"]:
        c = next(x for x in claims if (x.url or x.sha256) == url)
        title = readable_title(c.title, c.url) or url
        fetched = f" · letto il {_e(c.fetched_at)}" if c.fetched_at else ""
        where = link(c.url, title) if c.url else f'<span class="code">{escape(url[:12])}</span>'
        pages.append(f"{where}{fetched}")
    more = len(side["quotes"]) - 1
    return (
        f'<li><span class="value">{escape(side["value"])}</span> '
        f'<span class="badge">{_n(len(side["pages"]), "fonte", "fonti")}</span>'
        f"<blockquote>{escape(first.before)}<mark>{escape(first.quote)}</mark>"
        f"{escape(first.after)}</blockquote>"
        + (f'<p class="meta">e {_n(more, "altra citazione", "altre citazioni")}: '
           + " · ".join(f"«{escape(q)}»" for q in side["quotes"][1:]) + "</p>" if more > 0
           else "")
        + f'<p class="meta">{" · ".join(pages)} · collegamento '
        f'{escape(METHOD_LABELS.get(first.method, first.method))} ({first.confidence:.1f})</p>'
        "</li>"
    )


def _title(v: ProjectView) -> str:
    """The project's title, or a readable one made from its first page's file name."""
    url = next((d["url"] for d in v.documents if d["url"]), None)
    return readable_title(v.title, url) or v.project_id


def project_body(v: ProjectView) -> str:
    """The body of a project page (shared by the report and ``inclusio compare --format html``)."""
    card = project_card(v)
    parts = [f"<h1>{escape(card.title)}</h1>"]
    n_conf = len(v.conflicts)
    parts.append(
        f'<p class="meta">{_n(len(v.documents), "documento", "documenti")} · '
        f'{_n(sum(len(g.claims) for g in v.groups), "affermazione", "affermazioni")} · '
        + (f'<a class="badge warn" href="#conflitti">{_n(n_conf, "conflitto", "conflitti")}'
           "</a>" if n_conf
           else '<span class="badge">nessun conflitto</span>')
        + (f' · <span class="badge">{_n(len(v.changes), "pagina cambiata", "pagine cambiate")}'
           "</span>" if v.changes else "")
        + "</p>"
    )
    parts.append(card_html(card))

    if v.conflicts:
        parts.append('<h2 id="conflitti">Conflitti tra fonti</h2>')
        for g in v.conflicts:
            parts.append(f'<section class="conflict"><h3>{escape(group_label(g))}: '
                         f'{escape(" / ".join(g.values))}</h3><ul class="cards">')
            parts.extend(_side_html(g, side) for side in g.sides())
            parts.append("</ul></section>")

    if v.official or v.reconciliation:
        parts.append('<h2 id="ufficiali">Cifre ufficiali</h2>')
    if v.reconciliation:
        parts.append(
            '<div class="table-wrap"><table class="stack"><thead><tr><th>Voce</th>'
            "<th>Dichiarato</th><th>Ufficiale</th><th>Differenza</th><th>Fonte</th></tr>"
            "</thead><tbody>"
        )
        for r in official_lines(v):
            claimed = display_value(r["kind"], r["claimed_value"], r["claimed_num"], r["unit"])
            official = r["official_value"]
            if r["kind"] in ("amount", "outcome") and official is not None:
                official = display_value(r["kind"], None, float(official), r["unit"])
            diff_txt = difference_text(r["difference"], r["difference_unit"])
            if r["kind"] == "cig":
                diff_txt = "confermato" if official else "non elencato da OpenCUP"
            role = ROLE_LABELS.get(r["role"], r["role"] or "")
            voce = f"{KIND_LABELS.get(r['kind'], r['kind'])} {role}"
            src = f"{r['official_dataset']} · {r['official_field']}"
            pages = " ".join(
                link(u, f'pagina{"" if n == 1 else f" {n}"}')
                for n, u in enumerate(r["urls"], start=1)
            )
            parts.append(
                f'<tr><td data-label="Voce">{escape(voce)}</td>'
                f'<td data-label="Dichiarato" class="num">{escape(claimed)} {pages}</td>'
                f'<td data-label="Ufficiale" class="num">{escape(official or "dato mancante")}</td>'
                f'<td data-label="Differenza" class="num">{escape(diff_txt)}</td>'
                f'<td data-label="Fonte">{escape(src)}</td></tr>'
            )
        parts.append("</tbody></table></div>")
    if v.official:
        parts.append("<h3>Tutti i dati ufficiali per questo CUP</h3><ul>")
        for o in v.official:
            val = o["value_date"] if o["kind"] == "date" else (
                display_value(o["kind"], None, o["value_num"], None)
                if o["value_num"] is not None else None
            )
            label = f" — {o['label']}" if o["label"] else ""
            parts.append(f"<li>{_e(o['dataset'])} · <span class=\"code\">{_e(o['field'])}</span>"
                         f"{_e(label)}: <strong>{_e(val if val is not None else 'dato mancante')}"
                         "</strong></li>")
        parts.append("</ul>")

    parts.append('<h2 id="affermazioni">Che cosa dicono le fonti</h2>')
    if not v.groups:
        parts.append("<p>Nessuna affermazione collegata a questo progetto.</p>")
    for g in v.groups:
        badge = ' <span class="badge warn">conflitto</span>' if g.conflict else ""
        parts.append(f'<h3 id="{escape(group_key(g))}">{escape(group_label(g))}{badge}</h3>'
                     '<ul class="cards">')
        parts.extend(_side_html(g, side) for side in g.sides())
        parts.append("</ul>")

    if v.changes:
        parts.append('<h2 id="cambiamenti">Pagine cambiate nel tempo</h2><ul class="cards">')
        for ch in v.changes:
            items = "".join(
                f"<li>{escape(KIND_LABELS.get(d['kind'], d['kind']))}"
                f"{' — ' + escape(ROLE_LABELS.get(d['role'], d['role'])) if d['role'] else ''}: "
                f"{escape(', '.join(d['before']) or '—')} → "
                f"<strong>{escape(', '.join(d['after']) or '—')}</strong></li>"
                for d in ch.differences
            ) or "<li>testo cambiato, nessuna cifra diversa</li>"
            parts.append(
                f"<li>{link(ch.url, ch.url)}"
                f'<p class="meta">tra {_e(ch.before_fetched_at)} e {_e(ch.after_fetched_at)}</p>'
                f"<ul>{items}</ul></li>"
            )
        parts.append("</ul>")

    parts.append('<h2 id="fonti">Fonti</h2><ul class="cards">')
    for d in v.documents:
        state = "versione attuale" if d["current"] else "versione precedente"
        parts.append(
            f'<li>{link(d["url"], readable_title(d["title"], d["url"]) or d["url"] or "")}'
            f'<p class="meta">{escape(state)} · letto dal {_e(d["first_fetched"])} al '
            f'{_e(d["last_fetched"])} · collegamento '
            f'{escape(METHOD_LABELS.get(d["method"], d["method"]))} ({d["confidence"]:.1f}) · '
            f'<span class="code">{escape(d["sha256"][:12])}</span></p></li>'
        )
    parts.append("</ul>")
    return "\n".join(parts)


def project_page(v: ProjectView, *, standalone: bool = False, feed: str | None = None) -> str:
    """A whole HTML page for one project; standalone pages carry their CSS inline. ``feed``
    is the relative path of the project's Atom feed of changes, when it has one."""
    title = f"{_title(v)} — inclusio"
    if standalone:
        return _page(title, project_body(v), None, None)
    body = project_body(v)
    if feed:
        body += (f'\n<p class="meta"><a href="{escape(feed, quote=True)}">Feed Atom dei '
                 "cambiamenti di questo progetto</a></p>")
    return _page(title, body, "../style.css", "../index.html")


def pages_html(views: list[ProjectView]) -> str:
    """Several projects in one standalone page (``inclusio compare --format html``)."""
    if not views:
        return _page("inclusio", "<h1>Nessun progetto trovato</h1>", None, None)
    body = "\n<hr>\n".join(project_body(v) for v in views)
    return _page("Confronto — inclusio", body, None, None)


def _index(views: list[ProjectView], entities: dict[str, list[str]]) -> str:
    by_id = {v.project_id: v for v in views}
    parts = ["<h1>Progetti di inclusione sociale</h1>",
             f'<p class="meta">{_n(len(views), "progetto", "progetti")} · '
             f'{_n(len(entities), "ente", "enti")} · '
             '<a href="changes.xml">feed Atom dei cambiamenti</a></p>',
             '<h2 id="progetti">Progetti</h2>']
    if not views:
        parts.append("<p>Il magazzino non contiene ancora progetti.</p>")
    parts.append('<ul class="cards">')
    for v in views:
        n = len(v.conflicts)
        conf = f' <span class="badge warn">{_n(n, "conflitto", "conflitti")}</span>' if n else ""
        key = f'CUP <span class="code">{escape(v.cup)}</span>' if v.cup else "senza CUP"
        card = project_card(v)
        money = " · ".join(
            f"{escape(f.label.lower())} {escape(f.values[0].value)}"
            for f in card.money if f.values and f.role in ("allocated", "paid")
        )
        if card.paid_share:
            money += f" ({escape(card.paid_share)} pagato)"
        parts.append(
            f'<li><a href="projects/{escape(page_name(v.project_id))}">'
            f"{escape(card.title)}</a>{conf}"
            + (f'<p class="value">{money}</p>' if money else "")
            + f'<p class="meta">{key} · {escape(v.entity or "")} · {escape(v.programme or "")} · '
            f'{_n(len(v.documents), "documento", "documenti")}</p></li>'
        )
    parts.append("</ul>")
    parts.append('<h2 id="enti">Enti</h2><ul class="cards">')
    for name in sorted(entities, key=str.lower):
        links = ", ".join(
            f'<a href="projects/{escape(page_name(pid))}">'
            f"{escape(_title(by_id[pid]))}</a>"
            for pid in entities[name] if pid in by_id
        )
        parts.append(f"<li><strong>{escape(name)}</strong><p class=\"meta\">{links}</p></li>")
    parts.append("</ul>")
    return _page("inclusio — progetti", "\n".join(parts), "style.css", None)


def _entities(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Bodies and the projects they lead, publish or take part in (organisation claims)."""
    rows = con.execute(
        """
        SELECT DISTINCT name, project_id FROM (
            SELECT entity AS name, project_id FROM projects WHERE entity IS NOT NULL
            UNION ALL SELECT lead_body, project_id FROM project_keys WHERE lead_body IS NOT NULL
            UNION ALL SELECT c.value, cp.project_id FROM claim_projects cp
                JOIN claims c USING (claim_id)
                WHERE c.kind = 'organisation' AND c.value IS NOT NULL
        ) ORDER BY name, project_id
        """
    ).fetchall()
    out: dict[str, list[str]] = defaultdict(list)
    for name, pid in rows:
        out[name].append(pid)
    return dict(out)


def build_report(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write index.html, style.css and projects/<id>.html under ``out_dir``."""
    out_dir = Path(out_dir)
    (out_dir / "projects").mkdir(parents=True, exist_ok=True)
    from warehouse.changes import write_feeds

    views = compare(con)
    feeds = write_feeds(con, out_dir)
    with_feed = {p.stem for p in (out_dir / "feeds").glob("*.xml")}
    (out_dir / "style.css").write_text(CSS.lstrip(), encoding="utf-8")
    (out_dir / "index.html").write_text(_index(views, _entities(con)), encoding="utf-8")
    for v in views:
        feed = page_name(v.project_id).removesuffix(".html")
        (out_dir / "projects" / page_name(v.project_id)).write_text(
            project_page(v, feed=f"../feeds/{feed}.xml" if feed in with_feed else None),
            encoding="utf-8",
        )
    return {"projects": len(views), "conflicts": sum(len(v.conflicts) for v in views),
            "pages": len(views) + 1, "feed_entries": feeds["entries"]}
