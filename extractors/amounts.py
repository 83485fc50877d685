"""Amounts in euro, with the role the text gives them (allocated, admitted, committed, paid, ...).

"Missing is not zero; financed is not paid": the role comes only from words next to the amount
(its sentence, or the label line of a card such as "Importo erogato\\n€ 36.500,93"). Numbers that
are years, ranges, percentages, codes or act numbers never become amounts because an amount needs
a currency word, a scale with "di euro", or cents under a money label.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from extractors.base import Context, load_patterns, make_claim
from extractors.common import (
    Spans,
    context_after,
    context_before,
    group_to_role,
    keyword_pattern,
    line_end,
    line_start,
    nearest_keyword,
    parse_it_number,
    pipe_tables,
    previous_line,
    sentence_before,
    words_to_int,
)
from models.records import Claim

NAME = "amounts"
VERSION = "1.6.0"

_P = load_patterns("amounts")
_NUM = _P["number"]
_CUR = _P["currency"]
_SCALES: dict[str, int] = _P["scales"]
_SCALE_RE = "|".join(sorted(_SCALES, key=len, reverse=True))
_HALF = r"(?P<half{n}>\s+e\s+mezzo)?"



def _after_any(words: list[str]) -> str:
    """A zero-width check that one of ``words`` ends right here (a set of fixed lookbehinds)."""
    return "(?:" + "|".join(f"(?<=(?i:{re.escape(w)}))" for w in words) + ")"


_TAILS = "|".join(
    rf"{_after_any(heads)}\s+(?:e\s+)?(?P<n{i}>{_NUM})\s*"
    rf"(?P<s{i}>(?i:{'|'.join(re.escape(t) for t in tails)}))(?![\w])"
    for i, (heads, tails) in enumerate(_P["compound_tails"], start=2)
)
_TAIL_GROUPS = [str(i) for i in range(2, 2 + len(_P["compound_tails"]))]
# Every amount written with digits starts with a number: one digit-led scan finds them all, and
# the currency is then looked for just before ("€ 609.734") or just after ("150mila euro").
# "6 milioni e 900mila euro": a smaller scaled figure joined by "e" is part of the same amount
# ("5 milioni e 3 milioni" is two figures: only a smaller scale may follow).
NUMBER_RE = re.compile(
    rf"(?:(?<=€\.)|(?<=[Ee][Uu][Rr][Oo]\.)|(?<![\w.,/-]))(?P<n>{_NUM})"
    rf"(?:\s*(?P<s>(?i:{_SCALE_RE}))(?![\w])"
    rf"(?:{_TAILS})?(?P<half>\s+e\s+mezzo)?)?"
    r"(?P<cur>\s*(?:\([a-zà-ù ]+(?:/\d\d)?\)\s*)?(?:(?i:di)\s+)?(?:€|(?i:euro)(?![\w])))?"
)
# "un miliardo e 238 milioni di euro": a larger scaled head, in digits or words, before "e".
COMPOUND_HEAD = re.compile(
    rf"(?<![\w.,])(?:(?P<hn>{_NUM})|(?P<hw>[a-zà-ù]+))\s*"
    r"(?P<hs>(?i:miliard[oi]|milion[ei]|mld|mln))\s+e\s+$",
    re.IGNORECASE,
)
CARRY_FOLLOW = re.compile(_P["carry_follow"], re.IGNORECASE)
# The unit a figure carries on to the next: only a scaled amount passes its scale's currency on.
SCALED = re.compile(rf"(?<![\w])(?:{_SCALE_RE})|\dmila", re.IGNORECASE)
CARRY_NOT_AFTER = re.compile(_P["carry_not_after"], re.IGNORECASE)
COUNT_COLUMN_RE = re.compile(_P["count_columns"], re.IGNORECASE)
MONEY_NOUNS_AFTER = re.compile(_P["money_nouns_after"], re.IGNORECASE)
MONEY_HEAD_RE = re.compile(r"(?<![\w])(?:" + "|".join(_P["money_heads"]) + r")", re.IGNORECASE)
GROUPED_WHOLE = re.compile(r"\d{1,3}(?:\.\d{3})+")
ABBREVIATED_SCALE = re.compile("|".join(_P["abbreviated_scales"]), re.IGNORECASE)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
WORD_EURO_RE = re.compile(r"(?<![\w/])(?P<w>[a-zà-ù]+)\s+(?i:euro)(?![\w])", re.IGNORECASE)
WORDS_IN_BRACKETS = re.compile(_P["words_in_brackets_after"], re.IGNORECASE)
HEADER_SCALES: dict[str, int] = _P["header_scales"]
LIST_CAPTION_RE = re.compile(_P["list_caption"], re.IGNORECASE)
LIST_CELL_RE = re.compile(_P["list_cell"], re.MULTILINE)
YEAR_RE = re.compile(r"(?:19|20)\d\d")
# How far a caption's unit reaches: to a blank line, a pipe table or a line of prose.
_LIST_LINES = 40
_PROSE_LINE = 160
# "eur. 500" is an abbreviation; "85mila euro.\n3. Povertà" ends a sentence before a heading.
# "€.1.000,00", "€. 500" and "Euro.500" (acts) put a dot after the sign; "euro. 300" ends a
# sentence instead.
CURRENCY_BEFORE = re.compile(
    r"(?:€\.?|(?<![\w])(?i:euro)(?:\.(?=$))?|(?<![\w])(?i:eur)\.?)\s*$"
)
BARE_CENTS = re.compile(r"\d{1,3}(?:\.\d{3})+,\d{2}|\d+,\d{2}")
NOT_AFTER_BARE = re.compile(r"[\w]|[.,]\d|\s*%|\s*per\s?cento", re.IGNORECASE)
DI_CUI_BEFORE = re.compile(r"(?<![\w])di cui\s*(?:€|euro)?\s*$", re.IGNORECASE)
SHARE_BEFORE = re.compile(r"(?<![\w])(?i:di cui)\s+$")
_SHARE_SCALES = {"milioni", "milione", "mln", "miliardi", "mila"}
# "tredici milioni e mezzo di euro", "un milione di euro": found from the scale word backwards.
WORD_SCALE_RE = re.compile(
    r"(?P<s>(?i:milion[ei]|miliard[oi]))(?P<half>\s+e\s+mezzo)?\s+di\s+(?i:euro)(?![\w])"
)
# "quarantacinquemila euro"
WORD_MILA_RE = re.compile(r"(?<=[a-zà-ù])mila[a-zà-ù]*\s+(?i:euro)(?![\w])")
WORD_BEFORE = re.compile(r"(?<![\w])(?P<w>[a-zà-ù]+)\s+$", re.IGNORECASE)
WORD_HEAD = re.compile(r"(?<![\w])[a-zà-ù]+$", re.IGNORECASE)
ROLE_RE = keyword_pattern(_P["roles"])
MONEY_LABEL_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(w) for w in _P["money_labels"]) + r")", re.IGNORECASE
)
NOT_MONEY_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(_P["not_money_before"]) + r")\s*[:.°]?\s*(?:n\.?\s*)?$",
    re.IGNORECASE,
)
CURRENCY_HEADER_RE = re.compile(rf"(?:{_CUR})", re.IGNORECASE)
HEADER_SCALE_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(sorted(HEADER_SCALES, key=len, reverse=True)) + r")", re.IGNORECASE
)
_CURRENCY_ONLY = rf"^(?:{_CUR})\.?$"
# "anno 2023 euro 4.935,42": a currency word followed by a number is that number's currency,
# unless that number carries its own ("vale 348.500,00 euro: 310.000,00 euro provengono ...").
NUMBER_AFTER = re.compile(r"\s*[:.]?\s*\d")
OWN_CURRENCY_AFTER = re.compile(rf"\s*[:.]?\s*(?:{_NUM})\s*(?:€|(?i:euro)(?![\w]))")


def _scale(word: str | None) -> int:
    if not word:
        return 1
    w = word.lower()
    for key, val in _SCALES.items():
        if re.fullmatch(key, w):
            return val
    return 1


WEAK_ROLE_RE = re.compile(r"(?:" + "|".join(_P["weak_roles"]) + r")$", re.IGNORECASE)
# The words between an amount and a keyword that still belongs to it ("di", "a titolo di", ...).
AFTER_GAP_RE = re.compile(
    r"[\s,]*(?:(?:" + "|".join(_P["after_links"]) + r")\s+(?:[\w'’]+\s+){0,3}?)?", re.IGNORECASE
)
DI_CUI_IN = re.compile(r"(?<![\w])di cui(?![\w])", re.IGNORECASE)
OWN_FUNDS_RE = re.compile(r"(?<![\w])(?:" + "|".join(_P["own_funds"]) + r")", re.IGNORECASE)
OWN_SUBJECT_RE = re.compile(_P["own_funds_subject"], re.IGNORECASE)
OWN_BEFORE_RE = re.compile("|".join(f"(?:{p})" for p in _P["own_funds_before"]), re.IGNORECASE)
SHARE_OF_WHOLE_RE = re.compile(_P["share_of_whole"], re.IGNORECASE)
ADDITION_AFTER_RE = re.compile(_P["addition_after"], re.IGNORECASE)
STATE_AFTER_RE = keyword_pattern({k: [v] for k, v in _P["state_after"].items()})
# What may stand between a total word and the amount it names: "complessivamente 1,2 milioni",
# "per un totale di € 90.000", "complessivo pari a", "Il costo del servizio, stimato in".
TOTAL_GAP_RE = re.compile(
    r"\s*(?:,?\s*(?:pari\s+a|(?:stimat|previst|quantificat|calcolat)\w*\s+(?:in|a))\s+"
    r"|(?:di|a|ad)\s+)?(?:(?:circa|oltre|quasi)\s+)?(?:€|euro)?\s*",
    re.IGNORECASE,
)
LIST_ITEM_RE = re.compile(_P["list_item"], re.MULTILINE)
# What ends the clause of a verb before the amount: punctuation or another amount.
CLAUSE_BREAK = re.compile(r"[,;:()\n]|(?:€|(?<![\w])euro)\s*\d|\d\s*(?:€|euro\b)", re.IGNORECASE)
# An amount in words before a later one: "euro 348.500,00", "€ 1.000", "62mila euro".
MONEY_IN = re.compile(
    r"(?:€|(?<![\w])euro)\s*\d|\d(?:mila|\s*(?:mila|milioni|mln))?\s*(?:€|euro\b)", re.I
)
# Where the clause of an amount ends: a new coordinated clause, another part ("coperti per
# 60mila euro dal Fondo e per il resto con risorse comunali") or the next amount.
CLAUSE_END = re.compile(r",\s+(?:e|ed|mentre|ma)\s|;|\s(?:e|ed)\s+per\s", re.IGNORECASE)
# "come segue: anno 2024 euro 59.225,00; anno 2025 euro 54.289,58": items of a list after a colon.
LIST_HEAD = re.compile(r":(?:[^:.\n]|\.(?=\d))*$")


def _after_phrase(text: str, end: int) -> str | None:
    """The role keyword that follows the amount in its own noun phrase, if any.

    "5 mila euro di cofinanziamento", "€ 20.000 liquidati", "1,2 mln, finanziati dal": such a
    word says what this amount is, so it beats any verb earlier in the sentence.
    """
    after = context_after(text, end, limit=50)
    m = ROLE_RE.search(after)
    if m is None or not AFTER_GAP_RE.fullmatch(after, 0, m.start()):
        return None
    return m.lastgroup


def _keywords(window: str) -> list[re.Match[str]]:
    return list(ROLE_RE.finditer(window))


def _strong(hits: list[re.Match[str]]) -> list[re.Match[str]]:
    return [h for h in hits if not WEAK_ROLE_RE.match(h.group(0))]


def _role_before(before: str) -> str | None:
    """Role of the nearest keyword before the amount, with totals read as the text says."""
    hits = _keywords(before)
    # "vale complessivamente 348.500 euro: 310.000 euro provengono ...": a total names the
    # amount right after it; the amounts that follow that one are its parts.
    hits = [
        h for h in hits if h.lastgroup != "total" or not MONEY_IN.search(before, h.end())
    ]
    if not hits:
        return None
    found = hits[-1].lastgroup
    if found == "allocated":
        # "di liquidare il contributo concesso di", "impegnare le risorse assegnate pari a",
        # "sono stati erogati contributi per": the act done on the money governs the words that
        # only name it, within one clause.
        verbs = [
            h for h in hits[:-1]
            if h.lastgroup in ("committed", "paid", "admitted")
            and not CLAUSE_BREAK.search(before, h.end())
        ]
        return verbs[-1].lastgroup if verbs else found
    if found != "total":
        return found
    # "impegnare la spesa complessiva di", "ammesso ... per l'importo complessivo di": the verb
    # governs the total; "risorse complessive", "budget complessivo" stay a total.
    other = [h for h in _strong(hits) if h.lastgroup != "total"]
    return other[-1].lastgroup if other else "total"


def _own_funds(text: str, start: int, end: int, found: str | None) -> str | None:
    """An allocation paid from the body's own budget or by a foundation is co-financing."""
    if found not in (None, "allocated"):
        return found
    after = context_after(text, end, limit=110)
    cut = [m.start() for m in (CLAUSE_END.search(after), MONEY_IN.search(after)) if m]
    if OWN_FUNDS_RE.search(after, 0, min(cut, default=len(after))):
        return "co_financing"
    if OWN_SUBJECT_RE.search(sentence_before(text, start, limit=300)):
        return "co_financing"
    if OWN_BEFORE_RE.search(sentence_before(text, start, limit=200)):
        return "co_financing"
    return found


def _list_head_role(text: str, start: int) -> str | None:
    """Role named by the head line of a bulleted list the amount is an item of.

    "impegnare la spesa ... come segue:\n- anno 2024: euro X;\n- anno 2025: euro Y": every item
    takes the head's role. An item is a part, never the total: "Le risorse disponibili ammontano
    a € 260.000, così ripartite:" gives its items the allocation words of the head.
    """
    ls = line_start(text, start)
    if not LIST_ITEM_RE.match(text, ls):
        return None
    for _ in range(30):
        if ls <= 0:
            return None
        ls = line_start(text, ls - 1)
        line = text[ls : line_end(text, ls)]
        if not line.strip() or LIST_ITEM_RE.match(line):
            continue
        if not line.rstrip().endswith(":"):
            return None
        hits = _keywords(line)
        parts = [h for h in hits if h.lastgroup != "total"]
        if hits and hits[-1].lastgroup == "total":
            strong = [h for h in _strong(parts)]
            return (strong or parts)[-1].lastgroup if parts else None
        return _role_before(line)
    return None


def _row_label_role(text: str, start: int) -> str | None:
    """Role named by the first cell of a pipe-table row ("| Risorse ... impegnate (€) | 250.000 |").

    A row "di cui ..." is a share of the row above it and takes that row's role. A "Totale" row
    gives none: its cells keep the role of their column or of the caption, as in the table
    extractor.
    """
    ls = line_start(text, start)
    for _ in range(5):
        row = text[ls : line_end(text, ls)]
        if not row.lstrip().startswith("|"):
            return None
        cells = row.strip().strip("|").split("|")
        if ls + row.find(cells[0]) + len(cells[0]) >= start:
            return None  # the amount is in the label cell itself
        label = cells[0].strip()
        if not DI_CUI_IN.match(label):
            # A "Totale" row sums its column: total, unless the caption names a role (below).
            return _role_before(label)
        if ls <= 0:
            return None
        ls = line_start(text, ls - 1)
    return None


def _own_clause_after(text: str, end: int, limit: int) -> str:
    """The words after the amount up to the next amount, ";" or the end of its sentence."""
    after = context_after(text, end, limit=limit)
    m = MONEY_IN.search(after)
    after = after[: m.start()] if m else after
    return after.split(";", 1)[0]


def _addition_follows(text: str, end: int) -> bool:
    """"X, a cui si aggiungono Y", "X, ai quali l'ente aggiunge Y": X is a part of the money."""
    return ADDITION_AFTER_RE.search(_own_clause_after(text, end, limit=200)) is not None


def _share_of_whole(text: str, start: int, end: int) -> tuple[bool, str | None]:
    """Role of a share opened by its whole: "Dell'importo complessivo, € X sono destinati ...".

    The total word names the whole; the share takes the keyword after it, else the non-total
    words of the opening ("Del finanziamento regionale, € X ..."), else none. The flag says
    whether the amount is such a share at all.
    """
    m = SHARE_OF_WHOLE_RE.search(sentence_before(text, start, limit=120))
    if m is None or not _keywords(m.group(0)):
        return False, None
    after = [h for h in _keywords(_own_clause_after(text, end, limit=60)) if h.lastgroup != "total"]
    if after:
        return True, after[0].lastgroup
    whole = [h for h in _keywords(m.group(0)) if h.lastgroup != "total"]
    return True, whole[-1].lastgroup if whole else None


def _total_governs(before: str) -> bool:
    """A total word right before the amount ("vale complessivamente 1,2 milioni di euro")."""
    hits = _keywords(before)
    if not hits or hits[-1].lastgroup != "total":
        return False
    return TOTAL_GAP_RE.fullmatch(before, hits[-1].end()) is not None and (
        _role_before(before) == "total"
    )


def _table_caption_role(text: str, pos: int) -> str | None:
    """Role named by the line above a pipe table ("Risorse assegnate (importi in euro)")."""
    ls = line_start(text, pos)
    for _ in range(60):
        if ls <= 0 or not text.startswith("|", ls):
            break
        ls = line_start(text, ls - 1)
    caption = text[ls : line_end(text, ls)].strip() or previous_line(text, ls)
    return None if "|" in caption else _role_before(caption)


# --------------------------------------------------------------------------- the role rules
# The role of an amount in prose is chosen by the first rule of a cascade that fires, then may be
# corrected by an override. Names, reasons and examples live in patterns/amounts.toml
# ([[role_rules]]); every claim records the rule that decided its role in attrs["role_rule"], and
# the rule that read its value in attrs["rule"] (the [[named_rule]] list, as other extractors).

NO_ROLE = ""  # a rule that fires and says the amount has no role


@dataclass(slots=True)
class Site:
    """An amount in its text, with the words around it that most rules read."""

    text: str
    start: int
    end: int
    own: str | None = None  # the role word in the amount's own noun phrase, if any
    before: str = ""  # its sentence or label before it (widened to a "di cui" that opens it)
    line_head: str = ""  # its line up to the amount

    @classmethod
    def at(cls, text: str, start: int, end: int) -> Site:
        before = context_before(text, start, limit=120, bare=_CURRENCY_ONLY)
        if not DI_CUI_IN.search(before):
            # "di cui €\n1.215.000 dal Fondo e € 480.000 dal PNRR": the share list may wrap.
            wide = sentence_before(text, start)
            if DI_CUI_IN.search(wide):
                before = wide
        return cls(text, start, end, _after_phrase(text, end), before,
                   text[line_start(text, start) : start])


def _rule_total_before_own_phrase(s: Site) -> str | None:
    if s.own != "allocated" or not _total_governs(s.before):
        return None
    return None if _addition_follows(s.text, s.end) else "total"


def _rule_own_phrase(s: Site) -> str | None:
    return s.own if s.own not in (None, "total") else None


def _rule_share_di_cui(s: Site) -> str | None:
    shares = list(DI_CUI_IN.finditer(s.before))
    if not shares or _keywords(s.before[shares[-1].end() :]):
        return None
    found = nearest_keyword(ROLE_RE, context_after(s.text, s.end, limit=40), last=False)
    if found is None or found == "total":
        cut = s.start - len(s.before) + shares[-1].start()
        head = sentence_before(s.text, cut, limit=300)
        whole = [h for h in _keywords(head) if h.lastgroup != "total"]
        found = whole[-1].lastgroup if whole else None
    return found or NO_ROLE


def _rule_share_of_whole(s: Site) -> str | None:
    if DI_CUI_IN.search(s.before):
        return None
    is_share, share = _share_of_whole(s.text, s.start, s.end)
    return (share or NO_ROLE) if is_share else None


def _list_head(s: Site) -> str | None:
    if LIST_ITEM_RE.match(s.line_head) and not _keywords(s.line_head):
        return _list_head_role(s.text, s.start)
    return None


def _rule_whole_divided(s: Site) -> str | None:
    if s.own != "total":
        return None
    found = _list_head(s) or _role_before(s.before)
    return "total" if found is None or not _strong(_keywords(s.before)) else None


def _rule_list_head(s: Site) -> str | None:
    return _list_head(s)


def _rule_keyword_before(s: Site) -> str | None:
    return _role_before(s.before)


def _rule_keyword_after(s: Site) -> str | None:
    return nearest_keyword(ROLE_RE, context_after(s.text, s.end, limit=40), last=False)


def _rule_colon_list_head(s: Site) -> str | None:
    head = LIST_HEAD.search(s.text, max(0, s.start - 200), s.start)
    if head is None or head.start() <= line_start(s.text, s.start) - 1:
        return None
    return _role_before(context_before(s.text, head.start(), limit=120))


def _rule_table_row_label(s: Site) -> str | None:
    if "|" not in s.line_head:
        return None
    row = _row_label_role(s.text, s.start)
    if row is not None and row != "total":
        return row
    return None if _table_caption_role(s.text, s.start) else row


def _rule_table_caption(s: Site) -> str | None:
    return _table_caption_role(s.text, s.start) if "|" in s.line_head else None


def _rule_wrapped_sentence(s: Site) -> str | None:
    if "|" in s.line_head:
        return None
    return _role_before(sentence_before(s.text, s.start, limit=200))


def _fix_own_funds(s: Site, found: str | None) -> str | None:
    if found not in (None, "allocated"):
        return None
    fixed = _own_funds(s.text, s.start, s.end, found)
    return fixed if fixed != found else None


def _fix_state_after(s: Site, found: str | None) -> str | None:
    if found not in (None, "allocated", "total", "admitted"):
        return None
    after = _own_clause_after(s.text, s.end, limit=150)
    return nearest_keyword(STATE_AFTER_RE, after, last=False)


def _fix_addition_follows(s: Site, found: str | None) -> str | None:
    if found in (None, "total") and _addition_follows(s.text, s.end):
        return "allocated"
    return None


RuleFn = Callable[[Site], "str | None"]
FixFn = Callable[[Site, "str | None"], "str | None"]
_CHOOSERS: dict[str, RuleFn] = {
    "total_before_own_phrase": _rule_total_before_own_phrase,
    "own_phrase": _rule_own_phrase,
    "share_di_cui": _rule_share_di_cui,
    "share_of_whole": _rule_share_of_whole,
    "whole_divided": _rule_whole_divided,
    "list_head": _rule_list_head,
    "keyword_before": _rule_keyword_before,
    "keyword_after": _rule_keyword_after,
    "colon_list_head": _rule_colon_list_head,
    "table_row_label": _rule_table_row_label,
    "table_caption": _rule_table_caption,
    "wrapped_sentence": _rule_wrapped_sentence,
}
_FIXES: dict[str, FixFn] = {
    "own_funds": _fix_own_funds,
    "state_after": _fix_state_after,
    "addition_follows": _fix_addition_follows,
}
# Rules that read table cells and captions, applied by the cell readers themselves.
_CELL_RULES = ("column_header", "row_label", "cell_table_caption", "list_caption")


def _rule_order() -> tuple[list[str], list[str]]:
    """The cascade and the overrides in the order amounts.toml lists them (checked complete)."""
    names = [r["name"] for r in _P["role_rules"]]
    known = set(_CHOOSERS) | set(_FIXES) | set(_CELL_RULES)
    if set(names) != known:
        raise ValueError(f"role_rules in amounts.toml differ from the code: {set(names) ^ known}")
    return [n for n in names if n in _CHOOSERS], [n for n in names if n in _FIXES]


_ORDER, _FIX_ORDER = _rule_order()


def role_with_rule(text: str, start: int, end: int) -> tuple[str | None, str]:
    """The role of the amount at ``start:end`` and the name of the rule that decided it.

    The first rule of the cascade that fires chooses (possibly "no role"); the overrides then
    correct it in order, and the last one that changes the role is named instead.
    """
    site = Site.at(text, start, end)
    found: str | None = None
    rule = "none"
    for name in _ORDER:
        got = _CHOOSERS[name](site)
        if got is not None:
            found, rule = got or None, name
            break
    for name in _FIX_ORDER:
        fixed = _FIXES[name](site, found)
        if fixed is not None and fixed != found:
            found, rule = fixed, name
    return group_to_role(found), rule


def role_for(text: str, start: int, end: int) -> str | None:
    """The role of the amount at ``start:end`` ("allocated", "paid", ... or None)."""
    return role_with_rule(text, start, end)[0]


def _header_scale(label: str) -> int:
    """The multiplier a header or caption names ("Dotazione (milioni di euro)" → 1 000 000)."""
    m = HEADER_SCALE_RE.search(label)
    if m is None:
        return 1
    word = m.group(0).lower()
    return next((v for k, v in HEADER_SCALES.items() if re.fullmatch(k, word)), 1)


def _number(raw: str) -> float | None:
    """``parse_it_number`` of a figure whose cents may be set apart ("1.628.922, 72")."""
    return parse_it_number(re.sub(r",\s+", ",", raw))


def _money_words_before(text: str, start: int, abbreviated: bool) -> bool:
    """A money label or role word names the scaled figure: anywhere in its label or sentence for
    "mln"/"mld" ("Dotazione: 4 mln"), right before it for "milioni" ("stanziati 2 milioni")."""
    if abbreviated:
        return MONEY_LABEL_RE.search(context_before(text, start, limit=120)) is not None
    near = _clause_on_line(text, start)[-40:]
    return bool(MONEY_LABEL_RE.search(near) or ROLE_RE.search(near))


def _clause_on_line(text: str, start: int) -> str:
    """The words of the figure's sentence on its own line, before it (at most 200 characters)."""
    head = text[max(line_start(text, start), start - 200) : start]
    ends = [m.end() for m in re.finditer(r"[.;:!?](?=\s)", head)]
    return head[ends[-1] :] if ends else head


def _compound_head(text: str, start: int, value: float) -> tuple[int, float] | None:
    """Start and value of "un miliardo e 238 milioni": a larger scaled head before "e"."""
    m = COMPOUND_HEAD.search(text, max(0, start - 40), start)
    if m is None:
        return None
    head = _number(m.group("hn")) if m.group("hn") else words_to_int(m.group("hw").lower())
    if m.group("hw") and m.group("hw").lower() in ("un", "uno"):
        head = 1
    scale = _scale(m.group("hs"))
    if head is None or value >= scale:
        return None
    return m.start(), round(head * scale + value, 2)


def _digits(
    m: re.Match[str], text: str, carry_from: int | None
) -> tuple[int, int, float, str] | None:
    """Span, value and value rule of a number that is money; None when nothing marks it so.

    ``carry_from`` is where the last scaled amount before it ended ("830 milioni di euro"), if
    any: a scaled figure with no currency of its own may take that amount's currency and unit
    (rule "carried_currency"). An abbreviation "mln"/"mld" under a money label ("Dotazione: 4
    mln") or a scaled figure right after a money word ("stanziati 2 milioni per") is money too
    (rule "money_label_scale"), and so is one followed by a money noun ("5 milioni di
    investimenti", rule "money_noun_after").
    """
    base = _number(m.group("n"))
    if base is None:
        return None
    scale = _scale(m.group("s"))
    if m.group("half") and scale > 1:
        base += 0.5
    value = round(base * scale, 2)
    number_end = max(m.end("n"), m.end("s"), m.end("half"))
    compound = ""
    tail_group = next((g for g in _TAIL_GROUPS if m.group("s" + g)), "")
    if tail_group:
        tail = _number(m.group("n" + tail_group)) or 0
        value = round(value + tail * _scale(m.group("s" + tail_group)), 2)
        number_end = max(number_end, m.end("s" + tail_group))
        compound = "compound_scale"
    n_start = m.start("n")
    before = CURRENCY_BEFORE.search(text, max(0, n_start - 8), n_start)
    if before is not None:
        return before.start(), number_end, value, compound or "currency_before"
    if m.group("s") and "€" in m.group("s") and not m.group("cur"):
        return n_start, number_end, value, compound or "currency_after"
    if m.group("cur"):
        after = m.end("cur")
        if (
            not m.group("s")
            and NUMBER_AFTER.match(text, after)
            and not OWN_CURRENCY_AFTER.match(text, after)
        ):
            return None
        return n_start, m.end("cur"), value, compound or "currency_after"
    if m.group("s"):
        lead = SHARE_BEFORE.search(text, max(0, n_start - 12), n_start)
        if lead is not None and m.group("s").lower() in _SHARE_SCALES:
            # "126,9 milioni di euro, di cui 86 milioni": the share inherits the currency.
            return n_start, number_end, value, compound or "share_scale"
        if (
            carry_from is not None
            and not PARAGRAPH_BREAK.search(text, carry_from, n_start)
            and CARRY_FOLLOW.match(text, number_end)
            and not CARRY_NOT_AFTER.search(_clause_on_line(text, n_start))
        ):
            return n_start, number_end, value, compound or "carried_currency"
        if (
            CARRY_FOLLOW.match(text, number_end)
            and not CARRY_NOT_AFTER.search(_clause_on_line(text, n_start))
            and _money_words_before(text, n_start, bool(ABBREVIATED_SCALE.fullmatch(m.group("s"))))
        ):
            return n_start, number_end, value, compound or "money_label_scale"
        if MONEY_NOUNS_AFTER.match(text, number_end):
            return n_start, number_end, value, compound or "money_noun_after"
        return None
    if NOT_AFTER_BARE.match(text, m.end("n")):
        return None
    if not BARE_CENTS.fullmatch(m.group("n")):
        # "Importo finanziato: 1.200.000": a whole figure with grouped thousands on a money label.
        label = context_before(text, n_start, limit=60)
        if (
            GROUPED_WHOLE.fullmatch(m.group("n"))
            and CARRY_FOLLOW.match(text, m.end("n"))
            and MONEY_HEAD_RE.search(label)
            and not CARRY_NOT_AFTER.search(label)
            and not NOT_MONEY_RE.search(text[max(0, n_start - 30) : n_start])
        ):
            return n_start, m.end("n"), value, "money_label_grouped"
        return None
    if NOT_MONEY_RE.search(text[max(0, n_start - 30) : n_start]):
        return None
    grouped = "." in m.group("n")
    if not grouped and not MONEY_LABEL_RE.search(context_before(text, n_start, limit=120)):
        return None
    return n_start, m.end("n"), value, "money_label_cents" if not grouped else "grouped_cents"


def _words(text: str) -> Iterator[tuple[int, int, float, str]]:
    """Amounts in words: "tredici milioni e mezzo di euro", "quarantacinquemila euro",
    "cinquecento euro"."""
    for m in WORD_SCALE_RE.finditer(text):
        head = WORD_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if head is None:
            continue
        word = head.group("w").lower()
        base = 0.5 if word == "mezzo" else words_to_int(word)
        if base is None:
            continue
        if m.group("half"):
            base += 0.5
        yield head.start(), m.end(), round(base * _scale(m.group("s")), 2), "words_scale"
    for m in WORD_MILA_RE.finditer(text):
        head = WORD_HEAD.search(text, max(0, m.start() - 40), m.start())
        if head is None:
            continue
        word = text[head.start() : m.end()].split()[0]
        base = words_to_int(word)
        if base is not None:
            yield head.start(), m.end(), float(base), "words_mila"
    for m in WORD_EURO_RE.finditer(text):
        base = words_to_int(m.group("w"))
        if base is None or base < 2 or "mila" in m.group("w").lower():
            continue
        if WORDS_IN_BRACKETS.search(text, max(0, m.start() - 30), m.start()):
            continue  # "€ 500,00 (cinquecento euro)" repeats the figure
        yield m.start(), m.end(), float(base), "words_currency"


def extract(ctx: Context) -> Iterator[Claim]:
    """Amounts in digits and words, then table and list cells.

    Cells whose header or caption gives a scale ("milioni di euro") are read first: "1.239,40"
    under such a header is 1 239 400 000, not the 1 239,40 a prose reading would take.
    """
    text = ctx.text
    taken = Spans()
    yield from _list_cells(text, taken)
    yield from _table_cells(ctx, taken, scaled=True)
    words = sorted(_words(text)) if "mil" in text or "euro" in text.lower() else []
    word_ends = sorted(w[1] for w in words if SCALED.search(text, w[0], w[1]))
    last_end: int | None = None
    found_list: list[tuple[int, int, float, str]] = []
    for m in NUMBER_RE.finditer(text):
        i = bisect_right(word_ends, m.start())
        prior = [word_ends[i - 1]] if i else []
        carry_from = max([*prior, *([last_end] if last_end is not None else [])], default=None)
        found = _digits(m, text, carry_from)
        if found is None:
            continue
        if SCALED.search(text, found[0], found[1]):
            last_end = found[1]
        found_list.append(found)
    for start, end, value, rule in [*found_list, *words]:
        if taken.overlaps(start, end):
            continue
        head = _compound_head(text, start, value)
        if head is not None:
            start, value = head
            rule = "compound_scale"
        taken.add(start, end)
        role, role_rule = role_with_rule(text, start, end)
        yield make_claim(
            NAME, VERSION, "amount", value, text, start, end,
            currency="EUR", role=role, attrs={"rule": rule, "role_rule": role_rule},
        )
    yield from _table_cells(ctx, taken, scaled=False)


def _list_cells(text: str, taken: Spans) -> Iterator[Claim]:
    """Figures under a caption that gives their unit ("Dotazione (milioni di euro)" then "Lazio
    239,4" or "239,4" on its own line): amounts at that scale, with the caption's role."""
    for cap in LIST_CAPTION_RE.finditer(text):
        word = (cap.group("s") or cap.group("s2") or cap.group("s3") or "").lower()
        scale = _header_scale(word)
        caption = text[line_start(text, cap.start()) : cap.start()]
        group = _role_before(caption) if caption.strip() else None
        pos = cap.end()
        for _ in range(_LIST_LINES):
            end = line_end(text, pos)
            line = text[pos:end]
            if "|" in line or len(line) > (_PROSE_LINE if pos > cap.end() else 40):
                break  # the caption's own line may end with one figure, not a sentence
            for m in LIST_CELL_RE.finditer(text, pos, end):
                n = m.group("n")
                start, stop = m.start("n"), m.end("n")
                if taken.overlaps(start, stop) or ("," not in n and YEAR_RE.fullmatch(n)):
                    continue
                if NOT_MONEY_RE.search(text[max(0, start - 30) : start]):
                    continue
                if not _money_column(text[pos:start]):
                    continue  # "Progetti finanziati: 12" under the caption is a count
                value = _number(n)
                if value is None or value == 0:
                    continue
                taken.add(start, stop)
                yield make_claim(
                    NAME, VERSION, "amount", round(value * scale, 2), text, start, stop,
                    currency="EUR", role=group_to_role(group),
                    attrs={"table_header": text[line_start(text, cap.start()) : cap.end()].strip(),
                           "rule": "list_caption",
                           "role_rule": "list_caption" if group else "none"},
                )
            if end >= len(text) or PARAGRAPH_BREAK.match(text, end):
                break
            pos = end + 1


def _caption_scale(text: str, pos: int) -> tuple[str, int] | None:
    """Caption above a pipe table that names its unit ("Importi in migliaia di euro")."""
    ls = line_start(text, pos)
    for _ in range(60):
        if ls <= 0 or not text.startswith("|", ls):
            break
        ls = line_start(text, ls - 1)
    caption = text[ls : line_end(text, ls)].strip() or previous_line(text, ls)
    if "|" in caption or not CURRENCY_HEADER_RE.search(caption):
        return None
    return caption, _header_scale(caption)


def _money_column(header: str) -> bool:
    """Under a caption that gives the unit, a column of figures that is not a count or a share:
    "Assegnato", "Importo", "2024", "Totale" (not "Progetti", "Quota %", "N. beneficiari")."""
    return not (COUNT_COLUMN_RE.search(header) or CARRY_NOT_AFTER.search(header))


def _table_cells(ctx: Context, taken: Spans, scaled: bool) -> Iterator[Claim]:
    """Number cells under a header that names the currency or a money scale ("Importo (€)",
    "milioni di euro", "mln"), or under a money header of a table whose caption names the unit
    ("Importi in migliaia di euro"): the cells are amounts at that scale. ``scaled`` picks the
    columns with a scale (read before prose) or those without one (read after it)."""
    text = ctx.text
    for table in pipe_tables(text):
        caption = _caption_scale(text, table.header[0].start)
        first = table.header[0].text
        if caption is None and CURRENCY_HEADER_RE.search(first):
            # "| Milioni di euro | 2024 | 2025 |": the corner cell gives the unit of the others.
            caption = first, _header_scale(first)
        money_cols: dict[int, tuple[int, str, str]] = {}
        for i, cell in enumerate(table.header):
            scale = _header_scale(cell.text)
            if CURRENCY_HEADER_RE.search(cell.text) or scale > 1:
                money_cols[i] = (scale, cell.text, "table_header")
            elif caption is not None and i > 0 and _money_column(cell.text):
                money_cols[i] = (caption[1], cell.text, "table_caption")
            elif i > 0 and MONEY_HEAD_RE.match(cell.text.strip()):
                money_cols[i] = (1, cell.text, "money_column")
        if not money_cols:
            continue
        # "Risorse assegnate (importi in euro)" above the table names the role of all its cells.
        caption_role = _table_caption_role(text, table.header[0].start)
        for row in table.rows:
            for i, (scale, header, rule) in money_cols.items():
                if i >= len(row) or (scale > 1) != scaled:
                    continue
                cell = row[i]
                if taken.overlaps(cell.start, cell.end):
                    continue
                num = re.sub(rf"^(?:{_CUR})\s*|\s*(?:{_CUR})$", "", cell.text, flags=re.IGNORECASE)
                value = _number(num)
                if value is None or (value == 0 and rule != "table_header"):
                    continue  # a nil balance under a caption is no sum of money
                taken.add(cell.start, cell.end)
                role_rule = "column_header"
                group = nearest_keyword(ROLE_RE, header)
                if group is None:
                    group, role_rule = nearest_keyword(ROLE_RE, row[0].text), "row_label"
                if group is None:
                    group, role_rule = caption_role, "cell_table_caption"
                yield make_claim(
                    NAME, VERSION, "amount", round(value * scale, 2), text, cell.start, cell.end,
                    currency="EUR", role=group_to_role(group),
                    attrs={"table_header": header,
                           "rule": rule, "role_rule": role_rule if group else "none"},
                )

