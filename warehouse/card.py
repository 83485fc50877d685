"""One summary card per project: what a journalist looks for first, each value traced.

The card answers, before any single claim: who leads the project and with whom, under which
programme and call, where, from when to when, and how much money by role (allocated, admitted,
committed, paid, co-financing, with the share paid), its outcomes as target against achieved, and
its CIGs. Every value says how many pages state it and where its quotes are; values that pages
disagree on are all shown and marked; official figures (OpenCoesione, OpenCUP) sit beside the
claimed ones with the difference. Built from a ``ProjectView`` alone, so every output format
shows the same card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from warehouse.compare import ClaimGroup, ProjectView, display_value

# Money by role, in the order of a project's life: what it was given, what it spent.
MONEY_ROLES = (
    ("allocated", "Finanziamento assegnato"),
    ("admitted", "Importo ammesso"),
    ("total", "Costo totale"),
    ("committed", "Impegni"),
    ("paid", "Pagamenti"),
    ("co-financing", "Cofinanziamento"),
)
# Official fields answering each role (see the official_field_roles view), first found wins.
OFFICIAL_MONEY = {
    "allocated": ("FINANZ_TOTALE_PUBBLICO", "FINANZIAMENTO_PROGETTO"),
    "admitted": ("FINANZ_TOTALE_PUBBLICO", "FINANZIAMENTO_PROGETTO"),
    "total": ("COSTO_PROGETTO", "FINANZ_TOTALE_PUBBLICO"),
    "committed": ("IMPEGNI",),
    "paid": ("TOT_PAGAMENTI",),
}
OFFICIAL_DATES = {
    "start": ("OC_DATA_INIZIO_PROGETTO",),
    "end": ("OC_DATA_FINE_PROGETTO_EFFETTIVA", "OC_DATA_FINE_PROGETTO_PREVISTA"),
}
DATASET_LABELS = {"opencoesione": "OpenCoesione", "opencup": "OpenCUP"}
LEAD_ROLES = ("lead", "capofila", "lead_body")
MAX_PLACES = 6


@dataclass(slots=True)
class CardValue:
    """One value of a field and who states it."""

    value: str
    sources: int  # pages stating it
    quotes: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CardField:
    """A line of the card: label, claimed values (most stated first), the official figure."""

    key: str  # anchor of the evidence group the values come from
    label: str
    values: list[CardValue] = field(default_factory=list)
    conflict: bool = False
    official: str | None = None
    official_source: str | None = None
    difference: str | None = None
    note: str | None = None
    role: str | None = None  # the claim role of a money line (allocated, paid, ...)


@dataclass(slots=True)
class OutcomeLine:
    label: str
    target: str | None
    achieved: str | None
    sources: int
    key: str
    # OpenCoesione's indicator of the same unit: programmed and achieved.
    official_target: str | None = None
    official_achieved: str | None = None
    official_label: str | None = None


@dataclass(slots=True)
class CigLine:
    cig: str
    sources: int  # pages quoting it
    in_opencup: bool

    @property
    def confirmed(self) -> bool:
        """Quoted in a document and listed by OpenCUP for the same CUP."""
        return self.sources > 0 and self.in_opencup


@dataclass(slots=True)
class ProjectCard:
    title: str
    cup: str | None
    project_id: str
    lead: CardField | None
    partners: list[str]
    programme: str | None
    call: str | None
    place: list[str]
    place_source: str | None
    dates: list[CardField]
    money: list[CardField]
    paid_share: str | None
    official_paid_share: str | None
    outcomes: list[OutcomeLine]
    cigs: list[CigLine]
    conflicts: int

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (CIG lines carry their ``confirmed`` verdict)."""
        from dataclasses import asdict

        out = asdict(self)
        for line, cig in zip(out["cigs"], self.cigs, strict=True):
            line["confirmed"] = cig.confirmed
        return out


def group_key(g: ClaimGroup) -> str:
    """A stable anchor for an evidence group ("amount-paid", "date-start-prevista")."""
    parts = [g.kind, g.role or "", g.unit or "", g.qualifier or ""]
    return re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts if p).lower()).strip("-")


def readable_title(title: str | None, url: str | None) -> str | None:
    """A title a reader can use: a PDF without one is named after its file."""
    title = (title or "").strip()
    looks_like_file = bool(re.fullmatch(r"[\w.\-]+\.(?:pdf|docx?|odt|p7m)", title, re.I))
    if title and not looks_like_file:
        return title
    name = title
    if url:
        try:
            name = PurePosixPath(unquote(urlsplit(url).path)).name or name
        except ValueError:
            pass
    if not name:
        return None
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    words = re.sub(r"[-_]+", " ", stem).strip() or name
    words = words[:1].upper() + words[1:]
    return f"{words} ({ext.upper()})" if ext else words


def fold_generic_names(names: list[str]) -> list[str]:
    """Drop a name that only names the kind of body another name of the list spells out:
    "Centro per l'Impiego" beside "Centro per l'Impiego di Livorno" is the same partner once,
    not a second one."""
    lowered = [n.casefold() for n in names]
    return [n for n, low in zip(names, lowered, strict=True)
            if not any(other != low and other.startswith(low + " ") for other in lowered)]


def _pct(part: float | None, whole: float | None) -> str | None:
    if part is None or not whole:
        return None
    return f"{100 * part / whole:.1f} %".replace(".", ",")


def _values(g: ClaimGroup) -> list[CardValue]:
    return [CardValue(s["value"], len(s["pages"]), s["quotes"][:3], s["pages"])
            for s in g.sides()]


def _main_num(g: ClaimGroup | None) -> float | None:
    """The value most pages state (the first of ``sides``), as a number."""
    if g is None:
        return None
    best = g.sides()[0]["value"]
    for c in g.claims:
        if display_value(c.kind, c.value, c.value_num, c.unit) == best:
            return c.value_num
    return None


def _official(view: ProjectView, fields: tuple[str, ...]) -> dict[str, Any] | None:
    for name in fields:
        for o in view.official:
            if o["field"] == name and (o["value_num"] is not None or o["value_date"]):
                return o
    return None


def _euro_diff(diff: float) -> str:
    if abs(diff) < 0.005:
        return "uguale"
    sign = "+" if diff > 0 else "-"
    return "€ " + sign + display_value("amount", None, abs(diff), None)[2:]


def _money(view: ProjectView, groups: dict[tuple, ClaimGroup]) -> list[CardField]:
    out = []
    for role, label in MONEY_ROLES:
        g = groups.get(("amount", role))
        o = _official(view, OFFICIAL_MONEY.get(role, ()))
        if g is None and o is None:
            continue
        line = CardField(group_key(g) if g else f"amount-{role}", label,
                         _values(g) if g else [], bool(g and g.conflict), role=role)
        if o is not None:
            line.official = display_value("amount", None, o["value_num"], None)
            line.official_source = f"{DATASET_LABELS.get(o['dataset'], o['dataset'])} · " \
                                   f"{o['field']}"
            claimed = _main_num(g)
            if claimed is not None:
                line.difference = _euro_diff(claimed - o["value_num"])
        out.append(line)
    return out


def _dates(view: ProjectView, view_groups: list[ClaimGroup]) -> list[CardField]:
    out = []
    for role, label in (("start", "Inizio"), ("end", "Fine")):
        mine = [g for g in view_groups if g.kind == "date" and g.role == role
                and g.qualifier in (None, "prevista", "effettiva")]
        note = None
        if not mine:
            activities = [g for g in view_groups if g.kind == "date" and g.role == role
                          and g.qualifier == "date di un'attività"]
            if activities:
                values = sorted({c.value for g in activities for c in g.claims if c.value})
                edge = values[0] if role == "start" else values[-1]
                g = activities[0]
                pages = sorted({c.url or c.sha256 for c in g.claims if c.value == edge})
                quotes = sorted({c.quote for c in g.claims if c.value == edge})
                line = CardField(group_key(g), label, [CardValue(edge, len(pages), quotes,
                                                                 pages)],
                                 note="dalla tabella delle attività")
                _official_date(view, role, line, edge)
                out.append(line)
                continue
        values: list[CardValue] = []
        for g in mine:
            for v in _values(g):
                if g.qualifier:
                    v.value = f"{v.value} ({g.qualifier})"
                values.append(v)
        line = CardField(group_key(mine[0]) if mine else f"date-{role}", label, values,
                         any(g.conflict for g in mine), note=note)
        first = mine[0].sides()[0]["value"] if mine else None
        _official_date(view, role, line, first)
        if values or line.official:
            out.append(line)
    return out


def _official_date(view: ProjectView, role: str, line: CardField, claimed: str | None) -> None:
    o = _official(view, OFFICIAL_DATES[role])
    if o is None:
        return
    official: date = o["value_date"]
    line.official = official.isoformat()
    line.official_source = f"{DATASET_LABELS.get(o['dataset'], o['dataset'])} · {o['field']}"
    try:
        days = (date.fromisoformat(claimed) - official).days if claimed else None
    except ValueError:
        days = None
    if days is not None:
        line.difference = "uguale" if days == 0 else (
            f"{'+' if days > 0 else '-'}{abs(days)} {'giorno' if abs(days) == 1 else 'giorni'}")


def _num(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _official_outcomes(view: ProjectView, rows: dict[str, OutcomeLine]) -> None:
    """Set OpenCoesione's indicators beside the claimed outcome of the same unit (the label
    names the unit, as in the reconciliation view); an indicator no page speaks of gets a line
    of its own."""
    for o in view.official:
        if o["kind"] != "outcome" or not o["label"]:
            continue
        label = o["label"]
        line = next((r for u, r in rows.items() if u and u.lower() in label.lower()), None)
        if line is None:
            line = rows.setdefault(label, OutcomeLine(label, None, None, 0, ""))
        line.official_label = label
        if o["field"].startswith("PROGRAMMATO_"):
            line.official_target = _num(o["value_num"])
        else:
            line.official_achieved = _num(o["value_num"])


def _outcomes(view_groups: list[ClaimGroup]) -> dict[str, OutcomeLine]:
    rows: dict[str, OutcomeLine] = {}
    for g in view_groups:
        if g.kind != "outcome":
            continue
        label = g.unit or "risultato"
        line = rows.setdefault(label, OutcomeLine(label, None, None, 0, group_key(g)))
        shown = " / ".join(g.values)
        pages = {c.url or c.sha256 for c in g.claims}
        line.sources = max(line.sources, len(pages))
        if g.qualifier == "obiettivo":
            line.target = shown
        else:
            line.achieved = shown
            targets = sorted({c.attrs.get("target") for c in g.claims
                              if c.attrs.get("target") is not None}, key=str)
            if targets and line.target is None:
                line.target = " / ".join(
                    str(int(t)) if isinstance(t, float) and t.is_integer() else str(t)
                    for t in targets)
    return rows


def _place(view: ProjectView) -> tuple[list[str], str | None]:
    if view.places:
        seen: list[str] = []
        for p in view.places:
            comune = (p.get("comune") or "").strip()
            prov = (p.get("province_code") or p.get("province") or "").strip()
            region = (p.get("region") or "").strip()
            text = ", ".join(x for x in (f"{comune} ({prov})" if comune and prov else comune
                                         or prov, region) if x)
            if text and text not in seen:
                seen.append(text)
        if len(seen) > MAX_PLACES:
            seen = seen[:MAX_PLACES] + [f"e altri {len(seen) - MAX_PLACES} luoghi"]
        return seen, "OpenCUP"
    if view.oc_places:
        return view.oc_places, "OpenCoesione"
    named = []
    for g in view.groups:
        if g.kind == "organisation" and g.role in LEAD_ROLES:
            for c in g.claims:
                m = re.match(r"Comune di (.+)$", c.value or "")
                if m and m.group(1) not in named:
                    named.append(m.group(1))
    if named:
        return named, "dichiarato (comune capofila)"
    return [], None


def project_card(view: ProjectView) -> ProjectCard:
    """The card of one project, from what its view already holds."""
    groups = {(g.kind, g.role): g for g in view.groups
              if g.kind == "amount" and g.qualifier is None}
    lead = None
    leads = [g for g in view.groups if g.kind == "organisation" and g.role in LEAD_ROLES]
    if leads:
        g = leads[0]
        lead = CardField(group_key(g), "Capofila", _values(g), g.conflict)
    elif view.entity:
        lead = CardField("", "Ente", [CardValue(view.entity, 0)],
                         note="ente che pubblica le pagine")
    partners: list[str] = []
    for g in view.groups:
        if g.kind == "organisation" and g.role == "partner":
            for v in g.values:
                if v not in partners:
                    partners.append(v)
    partners = fold_generic_names(partners)
    money = _money(view, groups)
    paid = _main_num(groups.get(("amount", "paid")))
    base = next((_main_num(groups.get(("amount", r))) for r in ("admitted", "allocated", "total")
                 if groups.get(("amount", r))), None)
    o_paid = _official(view, ("TOT_PAGAMENTI",))
    o_base = _official(view, ("FINANZ_TOTALE_PUBBLICO",))
    cig_pages: dict[str, set[str]] = {}
    for g in view.groups:
        if g.kind == "cig":
            for c in g.claims:
                if c.value:
                    cig_pages.setdefault(c.value.upper(), set()).add(c.url or c.sha256)
    cigs = [CigLine(cig, len(cig_pages.get(cig, ())), cig in view.official_cigs)
            for cig in sorted(set(cig_pages) | set(view.official_cigs))]
    place, place_source = _place(view)
    outcomes = _outcomes(view.groups)
    _official_outcomes(view, outcomes)
    title = readable_title(view.title, next((d["url"] for d in view.documents if d["url"]),
                                            None)) or view.project_id
    return ProjectCard(
        title=title, cup=view.cup, project_id=view.project_id, lead=lead, partners=partners,
        programme=view.programme, call=view.call, place=place, place_source=place_source,
        dates=_dates(view, view.groups), money=money, paid_share=_pct(paid, base),
        official_paid_share=_pct(o_paid["value_num"] if o_paid else None,
                                 o_base["value_num"] if o_base else None),
        outcomes=list(outcomes.values()), cigs=cigs, conflicts=len(view.conflicts),
    )


def card_lines(card: ProjectCard) -> list[str]:
    """The card as plain text lines for a terminal (Italian labels)."""

    def values(f: CardField) -> str:
        if not f.values:
            return "—"
        text = " | ".join(f"{v.value} ({v.sources} {'fonte' if v.sources == 1 else 'fonti'})"
                          if v.sources else v.value for v in f.values)
        return ("!! DISACCORDO: " if f.conflict else "") + text

    lines = [card.title, "  CUP " + (card.cup or f"assente (chiave {card.project_id})")]
    if card.lead:
        lines.append(f"  {card.lead.label}: {values(card.lead)}")
    if card.partners:
        lines.append("  Partner: " + ", ".join(card.partners))
    lines.append("  Programma: " + (card.programme or "—")
                 + (f" · Avviso: {card.call}" if card.call else ""))
    if card.place:
        lines.append(f"  Luogo: {'; '.join(card.place)} (fonte: {card.place_source})")
    for f in card.dates + card.money:
        official = (f"  · ufficiale {f.official} ({f.official_source})"
                    + (f", differenza {f.difference}" if f.difference else "")
                    if f.official else "")
        note = f"  [{f.note}]" if f.note else ""
        lines.append(f"  {f.label}: {values(f)}{official}{note}")
    if card.paid_share or card.official_paid_share:
        lines.append(f"  Pagato: {card.paid_share or '—'} dichiarato"
                     + (f", {card.official_paid_share} ufficiale" if card.official_paid_share
                        else ""))
    for o in card.outcomes:
        official = (f" · ufficiale: obiettivo {o.official_target or '—'}, raggiunto "
                    f"{o.official_achieved or '—'} ({o.official_label})"
                    if o.official_label else "")
        lines.append(f"  Risultato {o.label}: obiettivo {o.target or '—'}, "
                     f"raggiunto {o.achieved or '—'}{official}")
    for c in card.cigs:
        state = "confermato da OpenCUP" if c.confirmed else (
            "solo OpenCUP" if c.in_opencup else "solo nei documenti")
        lines.append(f"  CIG {c.cig}: {state}")
    return lines
