"""Third-sector bodies and firms whose legal form follows their name: "Il Faro ODV", "Alfa
cooperativa sociale", "Delta Servizi s.r.l.", "CONSIP SPA"; the name is read back from the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.common import line_start
from extractors.organisations.names import (
    BODY_WORDS,
    GENERIC,
    PATTERNS,
    STOP,
    WORD,
    Found,
    tidy,
    unshout,
)

# "Il Mosaico società cooperativa sociale", "Lariana Solidale Cooperativa Sociale", "Il Faro
# ODV": the name comes first and the legal form after it.
FORM_AFTER = re.compile(
    r"[ \t]+(?P<form>(?:[Ss]ociet[àa][ \t]+)?[Cc]ooperativa(?:[ \t]+[Ss]ociale)?"
    r"|ODV|OdV|APS|Onlus|ONLUS|ETS"
    r"|S\.p\.A\.?|SpA|SPA|S\.r\.l\.?|Srl|SRL|s\.r\.l\.?|S\.n\.c\.?|Snc|SNC|S\.a\.s\.?|Sas|SAS)"
    r"(?![\w])"
)
# A firm's legal form (S.p.A., s.r.l., s.n.c., s.a.s.): the name alone is its canonical name.
FIRM_FORMS = {"spa", "srl", "snc", "sas"}
# Words of an act that come before a firm's name in a title ("ADESIONE CONVENZIONE CONSIP SPA",
# "affidamento alla ditta Rossi srl"): the name starts after the last of them.
FIRM_NAME_STOPS = re.compile(rf"\b(?:{'|'.join(PATTERNS['firm_name_stops'])})\b[ \t]*", re.I)
NAME_BEFORE = re.compile(
    # an article may end the line before the name ("l'associazione La\nFenice ETS")
    rf"((?:(?:Il|La|Lo|I|Gli|Le)[ \t]*\n?[ \t]*|L['’])?{WORD}"
    rf"(?:[ \t]+(?:(?:di|del|della|dei|delle|e|the|of|and|for)[ \t]+)?{WORD}){{0,4}}"
    r"(?:[ \t]+\d{1,4})?)$"
)
TYPE_WORD = re.compile(r"\b(?:cooperativa|società|fondazione|associazione|consorzio)\b", re.I)
# An association's legal forms; "Onlus" and "ETS" after a bare name are read as one too.
FORM_TYPES = {"odv": "associazione", "aps": "associazione", "onlus": "associazione",
              "ets": "associazione"}


def name_first(text: str) -> Iterator[Found]:
    """Bodies whose legal form follows their name, read back from the form to the name."""
    for m in FORM_AFTER.finditer(text):
        lo = max(line_start(text, m.start()), m.start() - 80)
        if lo == line_start(text, m.start()) and lo > 0:
            lo = max(lo - 4, 0)  # room for an article closing the line before
        before = NAME_BEFORE.search(text, lo, m.start())
        if before is None:
            continue
        start = before.start(1)
        form = re.sub(r"[^a-z]", "", m.group("form").lower())
        if form in FIRM_FORMS:
            stops = list(FIRM_NAME_STOPS.finditer(text, start, m.start()))
            if stops:
                start = stops[-1].end()
            name = tidy(text[start : m.start()])
            if name and name not in STOP and name.lower() not in GENERIC:
                yield Found(start, m.start(), unshout(name), "impresa", "name_then_firm_form")
            continue
        name = tidy(before.group(1))
        if FORM_TYPES.get(form) and form in ("onlus", "ets") and TYPE_WORD.search(name):
            continue  # "Alfa Società Cooperativa Sociale Onlus" is read from its type word
        head = name.split(" ")[0].split("'")[-1]
        if head in BODY_WORDS or head in ("Società", "Cooperativa", "Associazione"):
            continue  # "Cooperativa Alfa ODV" is read from its type word
        if name.lower() in GENERIC or name in STOP:
            continue
        kind = FORM_TYPES.get(m.group("form").lower(), "cooperativa")
        label = "Associazione" if kind == "associazione" else "Cooperativa"
        yield Found(start, before.end(1), f"{label} {unshout(name)}", kind,
                    "name_then_legal_form")
