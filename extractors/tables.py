"""Claims from tables: indicator, activity (timeline) and financial tables.

The model is a performance-plan objective: an indicator table (description, type, expected and
achieved value) gives outcome claims with target and achieved; an activity table (description,
% progress, planned/actual start and end) gives dated claims with roles; a financial table
(programmed / admitted / committed / paid columns) gives amounts with roles. Tables are read from
the pipe rows in the document text, so every claim quotes its own cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.base import Context, load_patterns, make_claim
from extractors.pipetables import (
    Cell,
    PipeTable,
    aligned_tables,
    caption_above,
    find_dates,
    match_column,
    parse_amount,
    parse_number,
    pipe_tables,
)
from models.records import Claim

NAME = "tables"
VERSION = "1.6.0"

_P = load_patterns("tables")
TOTAL_ROW = re.compile(_P["financial"]["total_rows"], re.IGNORECASE)


def _column(
    header: list[Cell], options: list[str], taken: set[int], unless: list[str] | None = None
) -> int | None:
    for i, cell in enumerate(header):
        if i in taken or not match_column(cell.text, options):
            continue
        if unless and match_column(cell.text, unless):
            continue
        return i
    return None


def _cell(row: list[Cell], i: int | None) -> Cell | None:
    return row[i] if i is not None and i < len(row) and row[i].text else None


def extract(ctx: Context) -> Iterator[Claim]:
    for table in pipe_tables(ctx.text):
        if not table.header:
            continue
        yield from _indicators(ctx.text, table)
        yield from _activities(ctx.text, table)
        yield from _financial(ctx.text, table)
    # Indicator tables typed with columns lined up by spaces (a report pasted as plain text):
    # only their indicator reading is taken, since their header must name a target and an
    # achieved column, which a signature block or a list of amounts never does.
    for table in aligned_tables(ctx.text):
        yield from _indicators(ctx.text, table, rule="aligned_indicator_table")


# --------------------------------------------------------------------------- indicators


def _indicators(text: str, table: PipeTable, rule: str | None = None) -> Iterator[Claim]:
    spec = _P["indicator"]
    taken: set[int] = set()
    target = _column(table.header, spec["target"], taken)
    taken.add(target if target is not None else -1)
    achieved = _column(table.header, spec["achieved"], taken, spec.get("achieved_not"))
    if target is None or achieved is None:
        return
    money = ["€", "euro", "importo"]
    if any(match_column(table.header[i].text, money) for i in (target, achieved)):
        return  # money columns belong to the financial reader
    taken |= {achieved}
    desc = _column(table.header, spec["description"], taken)
    kind_col = _column(table.header, spec["type"], taken)
    unit_col = _column(table.header, spec["unit"], taken)
    for row in table.rows:
        t_cell, a_cell = _cell(row, target), _cell(row, achieved)
        t_val = parse_number(t_cell.text) if t_cell else None
        a_val = parse_number(a_cell.text) if a_cell else None
        if t_val is None and a_val is None:
            continue
        d_cell = _cell(row, desc) or _cell(row, 0)
        first = d_cell if d_cell is not None else (t_cell or a_cell)
        last = a_cell or t_cell
        assert first is not None and last is not None
        start, end = min(first.start, last.start), max(first.end, last.end)
        u_cell = _cell(row, unit_col)
        description = d_cell.text if d_cell else ""
        unit = u_cell.text if u_cell else ("%" if "%" in description else None)
        if _not_a_count(description, unit):
            continue  # rates, shares and durations are indicators, not outcomes counted
        status = None
        if t_val is not None and a_val is not None:
            status = "achieved" if a_val >= t_val else "not_achieved"
        k_cell = _cell(row, kind_col)
        attrs = {"indicator": description, "target": t_val, "achieved": a_val,
                 "target_text": t_cell.text if t_cell else None,
                 "achieved_text": a_cell.text if a_cell else None}
        if rule:
            attrs["rule"] = rule
        yield make_claim(
            NAME, VERSION, "outcome", a_val if a_val is not None else t_val, text, start, end,
            role="indicator", unit=unit, status=status,
            type=k_cell.text.lower() if k_cell else None,
            attrs=attrs,
        )


def _not_a_count(description: str, unit: str | None) -> bool:
    spec = _P["not_counts"]
    low_unit = (unit or "").lower()
    if any(re.search(p, low_unit) for p in spec["units"]):
        return True
    low = " ".join(description.lower().split())
    return any(re.search(p, low) for p in spec["descriptions"])


# --------------------------------------------------------------------------- activities


def _activities(text: str, table: PipeTable) -> Iterator[Claim]:
    spec = _P["activity"]
    cols: dict[str, list[int]] = {}
    for key in ("start_planned", "start_actual", "end_planned", "end_actual"):
        cols[key] = [i for i, c in enumerate(table.header) if match_column(c.text, spec[key])]
    if not any(cols.values()):
        return
    date_cols = {i for v in cols.values() for i in v}
    desc = _column(table.header, spec["description"], date_cols)
    skip = date_cols | {desc if desc is not None else -1}
    progress = _column(table.header, spec["progress"], skip)
    for row in table.rows:
        d_cell = _cell(row, desc)
        p_cell = _cell(row, progress)
        activity = d_cell.text if d_cell else None
        pct = parse_number(p_cell.text) if p_cell else None
        for i in sorted(date_cols):
            cell = _cell(row, i)
            if cell is None:
                continue
            # One header cell may name two columns ("Inizio prev. Inizio eff."): its dates
            # are read in the order the header names them.
            names = [k for k in cols if i in cols[k]]
            names.sort(key=lambda k: _position(table.header[i].text, spec[k]))
            for (iso, s, e), name in zip(find_dates(cell.text), names, strict=False):
                edge, schedule = name.split("_")
                yield make_claim(
                    NAME, VERSION, "date", iso, text, cell.start + s, cell.start + e,
                    role=edge, precision="day",
                    attrs={"schedule": schedule, "activity": activity, "progress": pct},
                )


def _position(header: str, options: list[str]) -> int:
    import re

    h = " ".join(header.lower().split())
    found = [m.start() for p in options for m in [re.search(p, h)] if m]
    return min(found) if found else 0


# --------------------------------------------------------------------------- money


def _financial(text: str, table: PipeTable) -> Iterator[Claim]:
    spec = _P["financial"]
    roles: dict[int, str] = {}
    for i, cell in enumerate(table.header):
        for role in spec["order"]:
            if match_column(cell.text, spec[role]):
                roles[i] = role
                break
    if not roles:
        return
    if _indicator_like(table):
        return
    caption = caption_above(text, table.start)
    caption_scale = _scale(caption) if re.search(spec["currency"], caption, re.I) else 1
    scales = {i: _scale(table.header[i].text) or caption_scale for i in roles}
    for row in table.rows:
        item = row[0].text if row and 0 not in roles else None
        is_total = item is not None and TOTAL_ROW.match(item) is not None
        for i, role in roles.items():
            cell = _cell(row, i)
            if cell is None:
                continue
            value = parse_amount(cell.text)
            if value is None:
                continue
            value = round(value * (scales[i] or 1), 2)
            # The rules that read its value and its role, named as amount claims name theirs.
            scaled = "" if (scales[i] or 1) == 1 else "_scaled"
            attrs = {"column": table.header[i].text, "item": item,
                     "rule": "financial_column" + scaled,
                     "role_rule": "total_row" if is_total else "financial_column"}
            if is_total:
                attrs["of"] = role.replace("_", "-")
            yield make_claim(
                NAME, VERSION, "amount", value, text, cell.start, cell.end,
                role="total" if is_total else role.replace("_", "-"), currency="EUR",
                attrs=attrs,
            )


def _scale(label: str) -> int:
    """The multiplier a header or caption names ("milioni di euro", "mln"); 0 when none."""
    low = label.lower()
    for word, factor in _P["financial"]["scales"].items():
        if re.search(rf"(?<![\w]){word}", low):
            return int(factor)
    return 0


def _indicator_like(table: PipeTable) -> bool:
    spec = _P["indicator"]
    headers = [c.text for c in table.header]
    has_target = any(match_column(h, spec["target"]) for h in headers)
    has_achieved = any(
        match_column(h, spec["achieved"]) and not match_column(h, spec.get("achieved_not", []))
        for h in headers
    )
    money = any(match_column(h, ["€", "euro", "importo", "spesa", "costo"]) for h in headers)
    return has_target and has_achieved and not money
