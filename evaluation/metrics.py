"""Precision, recall and F1 per field, micro-averaged over documents, plus role agreement.

Each field is compared as a set per document: amounts by value to the cent, dates by ISO value
(day or month precision), organisations and programmes by canonical name (ignoring case), CUP
and CIG by code, outcomes by count and the stem of the first word of what was counted
("percorsi formativi" and "percorso" agree; "percorsi" and "tirocini" do not). Roles are scored
apart: of the gold items found, how many were found with the gold role.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from models.records import Claim

KIND_OF = {
    "amounts": "amount",
    "cups": "cup",
    "cigs": "cig",
    "dates": "date",
    "organisations": "organisation",
    "outcomes": "outcome",
    "programmes": "programme",
}


def unit_key(unit: str | None) -> str:
    """Stem of the first word of an outcome unit: drop the final vowel of words over 3 letters."""
    word = (unit or "").lower().replace("é", "e").split(" ")[0] if unit else ""
    return word[:-1] if len(word) > 3 and word[-1] in "aeio" else word


def key_of(field_name: str, value: Any, unit: str | None = None) -> Any:
    if field_name == "amounts":
        return round(float(value), 2)
    if field_name == "outcomes":
        return (int(round(float(value))), unit_key(unit))
    if field_name in ("organisations", "programmes"):
        # "Agenzia del Lavoro" and "Agenzia del lavoro" name one body: case is no difference.
        return str(value).casefold()
    return str(value)


def gold_items(field_name: str, gold: dict[str, Any]) -> dict[Any, str]:
    """``{key: role}`` for the gold of one field (role "" when none is annotated)."""
    out: dict[Any, str] = {}
    for item in gold.get(field_name, []):
        if field_name in ("amounts", "dates"):
            out[key_of(field_name, item[0])] = item[1] if len(item) > 1 else ""
        elif field_name == "outcomes":
            out[key_of(field_name, item[0], item[1])] = ""
        else:
            out[key_of(field_name, item)] = ""
    return out


_INDICATOR_PREFIX = re.compile(r"^(?:n\.|nr\.|num\.|numero(?:\s+(?:di|dei|delle|degli))?)\s*", re.I)


def predicted_items(field_name: str, claims: Iterable[Claim]) -> dict[Any, set[str]]:
    """``{key: roles seen}`` of the claims of one field.

    An indicator-row outcome (one claim per table row, as the tables extractor reads it) carries
    its target and achieved values and the indicator's description in ``attrs``: it is read as
    the two counts it states, of the thing its description names.
    """
    kind = KIND_OF[field_name]
    out: dict[Any, set[str]] = {}
    for c in claims:
        if c.kind != kind:
            continue
        if field_name == "outcomes" and "indicator" in c.attrs:
            what = _INDICATOR_PREFIX.sub("", str(c.attrs["indicator"] or ""))
            for value in (c.attrs.get("target"), c.attrs.get("achieved")):
                if value is not None:
                    out.setdefault(key_of(field_name, value, what), set()).add(c.role or "")
            continue
        key = key_of(field_name, c.value, c.unit)
        out.setdefault(key, set()).add(c.role or "")
    return out


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    role_total: int = 0
    role_right: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    role_misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def role_accuracy(self) -> float | None:
        return self.role_right / self.role_total if self.role_total else None

    def add(self, doc: str, gold: dict[Any, str], predicted: dict[Any, set[str]]) -> None:
        for key, role in gold.items():
            if key in predicted:
                self.tp += 1
                if role:
                    self.role_total += 1
                    right = role in predicted[key]
                    self.role_right += right
                    if not right:
                        got = ",".join(sorted(r or "-" for r in predicted[key]))
                        self.role_misses.append(f"{doc}: {key!r} gold {role}, got {got}")
            else:
                self.fn += 1
                self.misses.append(f"{doc}: {key!r}")
        for key in predicted:
            if key not in gold:
                self.fp += 1
                self.extras.append(f"{doc}: {key!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "role_accuracy": None if self.role_accuracy is None else round(self.role_accuracy, 4),
        }
