"""Dates: day-first numeric, two-digit years, written Italian, month precision, relative days.

A day and month printed without a year ("il 19 dicembre scorso", "ieri, 20 febbraio",
"entro il 31 ottobre prossimo"), a month alone ("conclusa a giugno") and a bare relative day
("presentato ieri") take their year or day from the publication date, so they are only claimed
when the document has one. Bare years, durations ("18 mesi"), percentages and clock times never
match, because every pattern needs a day and a month or a month name and a year.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from datetime import date, timedelta

from extractors.base import Context, load_patterns, make_claim
from extractors.common import (
    context_after,
    context_before,
    group_to_role,
    keyword_pattern,
    line_start,
    nearest_keyword,
    previous_line,
    words_to_int,
)
from models.records import Claim

NAME = "dates"
VERSION = "1.6.0"

_P = load_patterns("dates")
MONTHS: dict[str, int] = _P["months"]
SHORT: dict[str, int] = _P["short_months"]
_FULL = "|".join(sorted(MONTHS, key=len, reverse=True))
_ANY = "|".join(sorted([*MONTHS, *SHORT], key=len, reverse=True))
_WD = _P["weekdays"]
PIVOT = int(_P["two_digit_pivot"])

# Every date but "gennaio 2017" and "primo dicembre" starts with a digit: one scan
# (case-sensitive, with month names matched case-insensitively in place) finds them;
# month-and-year dates are found from their year backwards.
DATE_RE = re.compile(
    r"(?<![\w./,-])(?:"
    # "2024-04-01"
    r"(?P<iso>(?P<y5>(?:19|20)\d{2})-(?P<m5>[01]\d)-(?P<d5>[0-3]\d)(?![\w]|-\d))"
    # "04/07/2017", "01/04/24", "31.12.2018", "09-05-2022": day first, same separator twice
    r"|(?P<n>(?P<d4>[0-3]?\d)(?P<sep>[/.\-])(?P<m4>[01]?\d)(?P=sep)"
    r"(?P<y4>(?:19|20)\d{2}|\d{2})(?![\w]|[.,/-]\d))"
    # "19 Maggio, 2021", "1° gennaio 2024", "19 mag. 2021"
    rf"|(?P<w>(?P<d1>[0-3]?\d)(?:\s?[°º])?,?\s+(?P<m1>(?i:{_ANY}))\.?,?\s+"
    r"(?:del(?:l')?\s+)?(?P<y1>(?:19|20)\d{2})(?!\d))"
    # "il 19 dicembre scorso": year from the publication date
    rf"|(?P<r>(?P<d2>[0-3]?\d|(?i:primo))(?:\s?[°º])?\s+(?P<m2>(?i:{_FULL}))(?![\w]))"
    r")"
)
WEEKDAY_BEFORE = re.compile(rf"(?<![\w])(?i:{_WD}),?\s+$")
YEAR_RE = re.compile(r"(?<![\w./-])(?:19|20)\d{2}(?![\d])")
MONTH_BEFORE = re.compile(rf"(?<![\w])(?P<m>(?i:{_FULL}))\s+(?:(?i:del|di)\s+)?$")
ROLE_RE = keyword_pattern(_P["roles"])
# The formula of acts: "L'anno 2021, il giorno 20 del mese di dicembre" (numbers may be words).
_DAYW = r"\d{1,2}|[a-zà-ù]{3,15}"
_YEARW = r"(?:19|20)\d{2}|(?:mille|duemila)[a-zà-ù]*"
ACT_DATE_RE = re.compile(
    rf"(?:[Aa]dd[iì]|[Gg]iorno)\s+(?P<d>{_DAYW})\s+(?:del\s+mese\s+di\s+|di\s+)(?P<m>(?i:{_FULL}))"
    rf"(?:,?\s+(?:dell['’]\s?anno\s+)?(?P<y2>{_YEARW})(?![\w]))?"
)
ACT_YEAR_BEFORE = re.compile(
    rf"(?i:l['’]\s?anno)\s+(?P<y1>{_YEARW}),?\s+(?:il\s+)?$|(?<![\w])il\s+$"
)
_REL = _P["relative"]
PAST_AFTER = re.compile(r"^[\s,]*(?:" + "|".join(_REL["past_after"]) + r")(?![\w])", re.I)
FUTURE_AFTER = re.compile(r"^[\s,]*(?:" + "|".join(_REL["future_after"]) + r")(?![\w])", re.I)
PAST_BEFORE = re.compile(r"(?:" + "|".join(_REL["past_before"]) + r")\W{0,12}$", re.I)
FUTURE_BEFORE = re.compile(
    r"(?:" + "|".join(_REL["future_before"]) + r")(?:\s+(?:il|l'|al|lo|la))?\W{0,4}$", re.I
)

_RW = _P["relative_weekdays"]
_WD_NAMES = "|".join(f"(?P<wd{i}>{n})" for i, n in enumerate(_RW["names"]))
_XD_NAMES = _WD_NAMES.replace("?P<wd", "?P<xd")
_W_PAST, _W_FUTURE = "|".join(_RW["past"]), "|".join(_RW["future"])
# "martedì scorso", "lo scorso venerdì", "giovedì prossimo", "il prossimo lunedì".
RELATIVE_DAY_RE = re.compile(
    r"(?<![\w'’])(?:"
    rf"(?:{_WD_NAMES})\s+(?:(?P<past>{_W_PAST})|(?P<future>{_W_FUTURE}))"
    rf"|(?:lo|la|il)\s+(?:(?P<past2>{_W_PAST})|(?P<future2>{_W_FUTURE}))\s+(?:{_XD_NAMES})"
    r")(?![\w])",
    re.IGNORECASE,
)

_RD = _P["relative_days"]
RELATIVE_OFFSETS: dict[str, int] = {k.lower(): v for k, v in _RD["offsets"].items()}
BARE_DAY_RE = re.compile(
    r"(?<![\w'’])(?:"
    + "|".join(re.escape(k) for k in sorted(RELATIVE_OFFSETS, key=len, reverse=True))
    + r")(?![\w'’])",
    re.IGNORECASE,
)
BARE_NOT_BEFORE = re.compile(r"(?<![\w])(?:" + "|".join(_RD["not_before"]) + r")\s*$", re.I)
BARE_NOT_AFTER = re.compile(r"\s*(?:" + "|".join(_RD["not_after"]) + r")(?![\w])", re.I)

_MO = _P["month_only"]
_LEAD = "|".join(sorted(_MO["lead"], key=len, reverse=True))
# "a giugno", "a fine gennaio", "dal novembre scorso": the month word (lower case) after a lead
# word, with no day before it and no year after it.
MONTH_ONLY_RE = re.compile(
    rf"(?<![\w'’])(?i:{_LEAD})\s+(?P<m>{_FULL})"
    r"(?![\w])(?!\s*,?\s*(?:(?:del|dell['’]anno|di)\s+)?(?:19|20)\d{2}(?!\d))"
)
# "tra maggio e giugno", "da giugno a settembre": the second month of a pair.
MONTH_PAIR_RE = re.compile(rf"\s+(?:e|a|ad|fino a)\s+(?P<m>{_FULL})(?![\w])")
TENSE_RE = re.compile(
    r"(?<![\w])(?:(?P<future>" + "|".join(_MO["future"]) + r")|(?P<past>"
    + "|".join(_MO["past"]) + r"))(?![\w])",
    re.IGNORECASE,
)
PARTICIPLE_RE = re.compile(r"(?<![\w])(?:" + "|".join(_MO["participle"]) + r")(?![\w])", re.I)


def relative_day(m: re.Match[str], published: date) -> date:
    """The weekday a relative expression names: the nearest one before or after ``published``."""
    groups = m.groupdict()
    weekday = next(int(k[2:]) for k, v in groups.items() if k[:2] in ("wd", "xd") and v)
    if m.group("past") or m.group("past2"):
        back = (published.weekday() - weekday) % 7 or 7
        return published - timedelta(days=back)
    ahead = (weekday - published.weekday()) % 7 or 7
    return published + timedelta(days=ahead)


def _tense(text: str, start: int, end: int) -> int:
    """-1, 1 or 0: whether the verb nearest a month in its sentence is past, future or absent.

    Finite verbs decide; a bare participle before the month ("conclusa a giugno") only when the
    sentence has no finite verb of the listed tenses.
    """
    before = context_before(text, start, limit=90)
    after = context_after(text, end, limit=60)
    best: tuple[int, int] | None = None
    for m in TENSE_RE.finditer(before):
        dist = len(before) - m.end()
        if best is None or dist <= best[0]:
            best = (dist, 1 if m.group("future") else -1)
    for m in TENSE_RE.finditer(after):
        if best is None or m.start() < best[0]:
            best = (m.start(), 1 if m.group("future") else -1)
        break
    if best is None and PARTICIPLE_RE.search(before):
        return -1
    return best[1] if best else 0


def resolve_month(month: int, published: date, direction: int) -> str:
    """``YYYY-MM`` of a month near ``published``: past (-1), future (+1) or nearest (0)."""
    here = published.year * 12 + published.month - 1
    years = (published.year - 1, published.year, published.year + 1)
    options = [y * 12 + month - 1 for y in years]
    if direction < 0:
        chosen = max(o for o in options if o <= here)
    elif direction > 0:
        chosen = min(o for o in options if o >= here)
    else:
        chosen = min(options, key=lambda o: abs(o - here))
    return f"{chosen // 12:04d}-{chosen % 12 + 1:02d}"


def _direction(text: str, start: int, end: int) -> int:
    """Past or future from "scorso"/"prossimo" words around a date, else 0."""
    after = text[end : end + 20]
    before = text[max(0, start - 30) : start]
    if PAST_AFTER.search(after) or PAST_BEFORE.search(before):
        return -1
    if FUTURE_AFTER.search(after) or FUTURE_BEFORE.search(before):
        return 1
    return 0


def _months_alone(text: str, published: date, taken: list[tuple[int, int]]) -> Iterator[
    tuple[int, int, str]
]:
    """Months named without a year, as ``(start, end, YYYY-MM)``, outside spans already read."""
    for m in MONTH_ONLY_RE.finditer(text):
        months = [(m.start("m"), m.end("m"))]
        pair = MONTH_PAIR_RE.match(text, m.end())
        if pair is not None:
            months.append((pair.start("m"), pair.end("m")))
        for start, end in months:
            if any(s < end and start < e for s, e in taken):
                continue
            tail = text[end : end + 20]
            suffix = PAST_AFTER.search(tail) or FUTURE_AFTER.search(tail)
            stop = end + suffix.end() if suffix is not None else end
            direction = _direction(text, start, end) or _tense(text, start, stop)
            value = resolve_month(MONTHS[text[start:end].lower()], published, direction)
            yield start, stop, value


def _bare_days(text: str, published: date, taken: list[tuple[int, int]]) -> Iterator[
    tuple[int, int, str]
]:
    """"ieri", "oggi", "domani" as days, unless a printed day follows or they mean "nowadays"."""
    for m in BARE_DAY_RE.finditer(text):
        start, end = m.span()
        if any(s < end and start < e for s, e in taken):
            continue
        if BARE_NOT_BEFORE.search(text, max(0, start - 20), start):
            continue
        if BARE_NOT_AFTER.match(text, end):
            continue
        # "ieri, 7 febbraio": the printed day is the claim.
        gap = text[end : end + 4]
        if DATE_RE.match(text, end + len(gap) - len(gap.lstrip(" ,"))):
            continue
        offset = RELATIVE_OFFSETS[m.group(0).lower()]
        yield start, end, (published + timedelta(days=offset)).isoformat()


def _year(raw: str) -> int:
    y = int(raw)
    if len(raw) == 2:
        y += 2000 if y < PIVOT else 1900
    return y


def _month(word: str) -> int:
    w = word.lower().rstrip(".")
    return MONTHS.get(w) or SHORT[w]


def resolve_year(day: int, month: int, published: date, direction: int) -> date | None:
    """Date of a day and month near ``published``: past (-1), future (+1) or nearest (0)."""
    # Look one year either side (29 February only exists in some of them).
    candidates = []
    for y in (published.year - 1, published.year, published.year + 1):
        try:
            candidates.append(date(y, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    if direction < 0:
        past = [c for c in candidates if c <= published]
        return max(past) if past else None
    if direction > 0:
        future = [c for c in candidates if c >= published]
        return min(future) if future else None
    return min(candidates, key=lambda c: abs((c - published).days))


def _read(m: re.Match[str], text: str, published: date | None) -> tuple[str, str] | None:
    """``(iso value, precision)`` of a match, or None when it is no valid date."""
    try:
        if m.group("w"):
            d = date(int(m.group("y1")), _month(m.group("m1")), int(m.group("d1")))
        elif m.group("r"):
            if published is None:
                return None
            raw = m.group("d2")
            day = 1 if raw.lower() == "primo" else int(raw)
            month = MONTHS[m.group("m2").lower()]
            if not 1 <= day <= 31:
                return None
            direction = _direction(text, m.start(), m.end())
            found = resolve_year(day, month, published, direction)
            if found is None:
                return None
            return found.isoformat(), "day"
        elif m.group("n"):
            d = date(_year(m.group("y4")), int(m.group("m4")), int(m.group("d4")))
        else:
            d = date(int(m.group("y5")), int(m.group("m5")), int(m.group("d5")))
    except (ValueError, KeyError):
        return None
    return d.isoformat(), "day"


WEAK_RE = re.compile(r"(?:" + "|".join(_P["weak"]) + r")$", re.IGNORECASE)
ADJACENT_START = re.compile(r"(?<![\w])" + _P["adjacent_start"], re.IGNORECASE)


ACT_NUMBER_BEFORE = re.compile(_P["act_number_before"], re.IGNORECASE)
REFERENCED_BEFORE = re.compile(r"(?<![\w])(?:" + "|".join(_P["referenced_before"]) + ")", re.I)
PLACE_LINE_BEFORE = re.compile(_P["place_line_before"])
SIGNATORY_AFTER = re.compile(_P["signatory_after"], re.IGNORECASE)
SIGNED_LINE_BEFORE = re.compile(r"(?<![\w])(?:" + _P["signed_line_before"] + ")", re.IGNORECASE)
PUBLISHED_RE = re.compile(r"(?<![\w])(?:" + "|".join(_P["roles"]["published"]) + ")", re.I)
MODAL_BEFORE = re.compile(r"(?<![\w])(?:" + "|".join(_P["modal_before"]) + r")", re.IGNORECASE)
MINUTES_OPENING = re.compile(_P["minutes_opening_before"], re.IGNORECASE)
MINUTES_WORDS = re.compile(r"(?<![\w])(?:" + "|".join(_P["minutes_words"]) + ")", re.IGNORECASE)
APPLICATION_RE = re.compile(r"(?<![\w])(?:" + "|".join(_P["application_words"]) + r")", re.I)
UNTIL_RE = re.compile(r"(?:" + "|".join(_P["until"]) + r")", re.IGNORECASE)
TERM_SUBJECT_RE = re.compile(r"(?<![\w])(?:" + "|".join(_P["term_subjects"]) + r")", re.I)
EXPIRY_RE = re.compile(r"(?:" + "|".join(_P["expiry"]) + r")", re.IGNORECASE)


def closes_a_call(text: str, start: int) -> bool:
    """An end date in a sentence about applications ("domande fino al") is their deadline."""
    return APPLICATION_RE.search(context_before(text, start, limit=160)) is not None


def _signed_here(text: str, start: int, end: int) -> bool:
    """The date of the act itself: its number line, or the place line above the signatory."""
    if ACT_NUMBER_BEFORE.search(text, max(0, start - 40), start):
        return REFERENCED_BEFORE.search(text, line_start(text, start), start) is None
    if not PLACE_LINE_BEFORE.match(text[line_start(text, start) : start]):
        return False
    nl = text.find("\n", end)
    rest_of_line = text[end : nl if nl >= 0 else len(text)]
    if rest_of_line.strip():
        # "Arezzo, 10 gennaio 2025. Il Responsabile dell'Ufficio di Piano."
        return rest_of_line.startswith(".") and SIGNATORY_AFTER.match(text, end + 1) is not None
    # "Letto, approvato e sottoscritto." on the line above the place and date.
    if SIGNED_LINE_BEFORE.search(previous_line(text, start)):
        return True
    if nl < 0:
        return False
    # The signatory may follow after a blank line, as "Per il Comune di X - Il Dirigente".
    rest = text[nl + 1 :]
    skipped = len(rest) - len(rest.lstrip("\n"))
    return skipped <= 2 and SIGNATORY_AFTER.match(text, nl + 1 + skipped) is not None


def _minutes_opening(text: str, start: int, end: int) -> bool:
    """"Il giorno 18 giugno 2025, alle ore 10, ... si è riunito": the date of the minutes."""
    if not MINUTES_OPENING.search(text, max(0, start - 30), start):
        return False
    return MINUTES_WORDS.search(text, end, end + 200) is not None


POINT_IN_MONTH = re.compile(r"(?:^|\s)(?:a|ad|verso|entro la|alla)\s+$", re.IGNORECASE)


MONTH_NEXT = re.compile(rf"\s+(?:di\s+)?(?i:{_FULL})(?![\w])")


def _point_in_month(before: str, hit: re.Match[str]) -> bool:
    """True for "fine"/"inizio" after "a" that name a time of a month: "a fine gennaio", right
    before the date or anywhere earlier in its sentence ("che a fine gennaio ricevevano ..., la
    misura che dal 1° gennaio")."""
    if hit.group(0).strip().lower() not in ("fine", "inizio"):
        return False
    if before[hit.end() :].strip() and not MONTH_NEXT.match(before, hit.end()):
        return False
    return POINT_IN_MONTH.search(before, 0, hit.start()) is not None


def role_for(text: str, start: int, end: int, formula: bool = False) -> str | None:
    before = context_before(text, start, limit=70)
    # "a fine gennaio", "a inizio marzo": a time of the month, not the end or start of anything.
    hits = [h for h in ROLE_RE.finditer(before) if not _point_in_month(before, h)]
    if hits:
        chosen = hits[-1]
        if WEAK_RE.fullmatch(chosen.group(0).strip()):
            # "pubblicato all'albo dal 4 marzo": a weak word loses to a stronger one before it.
            strong = [h for h in hits if not WEAK_RE.fullmatch(h.group(0).strip())]
            if not strong and PUBLISHED_RE.search(context_before(text, start, limit=200)):
                # "è pubblicato all'Albo ... per quindici giorni a partire dal": publication
                # named further back in the sentence.
                return "published"
            chosen = strong[-1] if strong else chosen
        word, role = chosen.group(0), chosen.lastgroup
        if role == "deadline" and word.lower() == "entro" and len(hits) > 1:
            # "si chiuderanno entro dicembre" ends then; a passive or an obligation ("saranno
            # completate entro", "dovrà chiudersi entro") sets a deadline.
            verb = hits[-2]
            at = start - len(before) + verb.start()
            if (
                verb.lastgroup in ("start", "end")
                and not before[verb.end() : chosen.start()].strip()
                and not PARTICIPLE_RE.fullmatch(verb.group(0))
                and not MODAL_BEFORE.search(text, max(0, at - 40), at)
            ):
                return group_to_role(verb.lastgroup)
        if role == "end" and UNTIL_RE.match(word) and closes_a_call(text, start):
            return "deadline"
        if role == "deadline" and EXPIRY_RE.fullmatch(word) and TERM_SUBJECT_RE.search(
            context_before(text, start, limit=160)
        ):
            # "la convenzione decorre dal ... e scade il ...": the end of its term.
            return "end"
        return group_to_role(role)
    if formula or _signed_here(text, start, end) or _minutes_opening(text, start, end):
        return "signed"
    if ADJACENT_START.search(before):
        return "start"
    found = nearest_keyword(ROLE_RE, context_after(text, end, limit=30), last=False)
    return group_to_role(found)


def _number(raw: str | None) -> int | None:
    if not raw:
        return None
    return int(raw) if raw.isdigit() else words_to_int(raw)


def _act_dates(text: str) -> Iterator[tuple[int, int, str]]:
    for m in ACT_DATE_RE.finditer(text):
        start = m.start()
        lead = ACT_YEAR_BEFORE.search(text, max(0, start - 40), start)
        y1 = lead.group("y1") if lead is not None else None
        day, year = _number(m.group("d")), _number(y1) or _number(m.group("y2"))
        if day is None or year is None or not 1900 <= year <= 2100:
            continue
        try:
            value = date(year, MONTHS[m.group("m").lower()], day).isoformat()
        except ValueError:
            continue
        yield (lead.start() if lead is not None else start), m.end(), value


# "dal 1° settembre al 31 dicembre 2025": a start without a year, then the full end date.
RANGE_START_RE = re.compile(
    rf"(?<![\w])(?i:{_P['range_lead']})\s*(?P<d>[0-3]?\d|(?i:primo))(?:\s?[°º])?"
    rf"(?:\s+(?P<m>(?i:{_FULL})))?(?P<stop>\s+(?i:{_P['range_link']})\s+)"
    rf"[0-3]?\d(?:\s?[°º])?\s+(?P<m2>(?i:{_FULL}))\s+(?P<y>(?:19|20)\d{{2}})(?!\d)"
    # "1 settembre - 31 dicembre 2025": without a lead, a month and a dash
    rf"|(?<![\w/.,-])(?P<d3>[0-3]?\d)(?:\s?[°º])?\s+(?P<m3>(?i:{_FULL}))(?P<stop3>\s*[-–]\s*)"
    rf"[0-3]?\d(?:\s?[°º])?\s+(?P<m4>(?i:{_FULL}))\s+(?P<y3>(?:19|20)\d{{2}})(?!\d)"
    # "dal 10/03 al 30/04/2024": day and month in figures
    rf"|(?<![\w])(?i:{_P['range_lead']})\s*(?P<d5>[0-3]?\d)(?P<sep>[/.])(?P<m5>[01]?\d)"
    rf"(?P<stop5>\s+(?i:{_P['range_link']})\s+)[0-3]?\d(?P=sep)(?P<m6>[01]?\d)(?P=sep)"
    rf"(?P<y5>(?:19|20)\d{{2}})(?!\d)"
)


# "dal 1° settembre 2025 al 31 gennaio": an end without a year, after a full start date.
RANGE_END_NO_YEAR_RE = re.compile(
    rf"(?<![\w])(?i:{_P['range_lead']})\s*[0-3]?\d(?:\s?[°º])?\s+(?P<m1>(?i:{_FULL}))\s+"
    rf"(?P<y1>(?:19|20)\d{{2}})(?P<stop>\s+(?i:{_P['range_link']})\s+)(?P<d>[0-3]?\d)(?:\s?[°º])?"
    rf"\s+(?P<m>(?i:{_FULL}))(?![\w])(?!,?\s+(?:(?:del|dell['’]anno|di)\s+)?(?:19|20)\d{{2}})"
)


def _range_ends(text: str) -> dict[int, tuple[int, str, str]]:
    """``{start: (end, iso value)}`` of range ends that borrow their start's year."""
    out: dict[int, tuple[int, str, str]] = {}
    for m in RANGE_END_NO_YEAR_RE.finditer(text):
        month, start_month = MONTHS[m.group("m").lower()], MONTHS[m.group("m1").lower()]
        year = int(m.group("y1")) + (1 if month < start_month else 0)
        try:
            value = date(year, month, int(m.group("d"))).isoformat()
        except ValueError:
            continue
        out[m.start("d")] = (m.end("m"), value, "range_end_takes_start_year")
    return out


def _range_starts(text: str) -> dict[int, tuple[int, str, str]]:
    """``{start: (end, iso value)}`` of range starts that borrow their end's year (and month)."""
    out: dict[int, tuple[int, str, str]] = {}
    for m in RANGE_START_RE.finditer(text):
        if m.group("d5"):
            group, day, month = "d5", int(m.group("d5")), int(m.group("m5"))
            end_month, year, end = int(m.group("m6")), int(m.group("y5")), m.start("stop5")
        elif m.group("d3"):
            group, day, month = "d3", int(m.group("d3")), MONTHS[m.group("m3").lower()]
            end_month, year, end = MONTHS[m.group("m4").lower()], int(m.group("y3")), m.end("m3")
        else:
            raw = m.group("d")
            group, day = "d", 1 if raw.lower() == "primo" else int(raw)
            end_month, year = MONTHS[m.group("m2").lower()], int(m.group("y"))
            month = MONTHS[m.group("m").lower()] if m.group("m") else end_month
            end = m.end("m") if m.group("m") else m.start("stop")
        try:
            value = date(year - (1 if month > end_month else 0), month, day).isoformat()
        except ValueError:
            continue
        out[m.start(group)] = (end, value, "range_start_takes_end_year")
    return out


RANGE_END = re.compile(r"^\s*(?:al|all['’]|fino al|sino al|a|-|–|/)\s*$", re.IGNORECASE)


def _found(text: str, published: date | None) -> list[tuple[int, int, str, str, dict]]:
    """Every date as ``(start, end, value, precision, attrs)``, in text order."""
    out: list[tuple[int, int, str, str, dict]] = []
    formulas = list(_act_dates(text)) if ("iorno" in text or "dd" in text) else []
    for start, end, value in formulas:
        out.append((start, end, value, "day", {"formula": True}))
    spans = [(s, e) for s, e, _ in formulas]
    range_starts = _range_starts(text)
    range_starts.update(_range_ends(text))
    for m in DATE_RE.finditer(text):
        if formulas and any(s < m.end() and m.start() < e for s, e, _ in formulas):
            continue
        if m.group("r") and m.start() in range_starts:
            end, value, rule = range_starts.pop(m.start())
            spans.append((m.start(), end))
            out.append((m.start(), end, value, "day", {"rule": rule}))
            continue
        read = _read(m, text, published)
        if read is None:
            continue
        value, precision = read
        start, end = m.span()
        if m.group("w"):
            weekday = WEEKDAY_BEFORE.search(text, max(0, start - 15), start)
            if weekday is not None:
                start = weekday.start()
        spans.append((start, end))
        out.append((start, end, value, precision, {"relative": True} if m.group("r") else {}))
    for start, (end, value, rule) in range_starts.items():  # "dal 3 al 17 marzo 2024"
        spans.append((start, end))
        out.append((start, end, value, "day", {"rule": rule}))
    spans.sort()
    starts = [s for s, _ in spans]
    if published is not None:
        for m in RELATIVE_DAY_RE.finditer(text):
            # "lunedì prossimo, 14 ottobre": the printed day that follows is already claimed.
            i = bisect_right(starts, m.end() + 15) - 1
            if i >= 0 and spans[i][1] > m.start() and not text[m.end() : spans[i][0]].strip(" ,"):
                continue
            value = relative_day(m, published).isoformat()
            out.append((m.start(), m.end(), value, "day", {"relative": True}))
    month_spans: list[tuple[int, int]] = []
    for y in YEAR_RE.finditer(text):
        i = bisect_right(starts, y.start()) - 1
        if i >= 0 and spans[i][1] > y.start():
            continue
        month = MONTH_BEFORE.search(text, max(0, y.start() - 16), y.start())
        if month is None:
            continue
        value = f"{int(y.group(0)):04d}-{MONTHS[month.group('m').lower()]:02d}"
        out.append((month.start(), y.end(), value, "month", {}))
        month_spans.append((month.start(), y.end()))
    if published is not None:
        taken = sorted(spans + month_spans + [(s, e) for s, e, *_ in out])
        for start, end, value in _months_alone(text, published, taken):
            out.append((start, end, value, "month", {"relative": True}))
        for start, end, value in _bare_days(text, published, taken):
            out.append((start, end, value, "day", {"relative": True}))
    out.sort(key=lambda f: f[0])
    return out


def extract(ctx: Context) -> Iterator[Claim]:
    text = ctx.text
    prev_end = -100
    for start, end, value, precision, attrs in _found(text, ctx.published):
        # "dal 01.09.2021 al 31.08.2024": the second date of a range is its end.
        if start - prev_end < 12 and RANGE_END.match(text[prev_end:start]):
            role = "deadline" if closes_a_call(text, start) else "end"
        else:
            role = role_for(text, start, end, formula=bool(attrs.get("formula")))
        prev_end = end
        yield make_claim(
            NAME, VERSION, "date", value, text, start, end,
            precision=precision, role=role, attrs=attrs,
        )
