"""Run the extractors (and the baselines) over corpus sets and collect the scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation import baselines
from evaluation.corpus import FIELDS, GoldDocument, load_set, read
from evaluation.metrics import Score, gold_items, key_of, predicted_items


@dataclass
class SetResult:
    set_name: str
    documents: int = 0
    errors: list[str] = field(default_factory=list)
    scores: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    baselines: dict[str, Score] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "set": self.set_name,
            "documents": self.documents,
            "errors": self.errors,
            "fields": {f: s.as_dict() for f, s in self.scores.items()},
            "baselines": {f: s.as_dict() for f, s in self.baselines.items()},
        }


def evaluate_set(root: Path, set_name: str, with_baselines: bool = True) -> SetResult:
    """Score one set of the corpus under ``root`` (a folder of documents with .gold.toml)."""
    return evaluate_documents(set_name, load_set(root, set_name), with_baselines)


def evaluate_real(folder: Path, with_baselines: bool = True) -> SetResult:
    """Score the real-text set in ``folder`` (docs/ and gold.jsonl, see evaluation.realtext)."""
    from evaluation import realtext

    return evaluate_documents(realtext.SET_NAME, realtext.load(folder), with_baselines)


def evaluate_documents(
    set_name: str, docs: list[GoldDocument], with_baselines: bool = True
) -> SetResult:
    from extractors.nlp import load_nlp
    from extractors.registry import extract_document

    nlp = load_nlp()
    result = SetResult(set_name)
    use_dateparser = with_baselines and baselines.dateparser_available()
    if with_baselines:
        result.baselines["amounts (plain regex)"] = Score()
        if use_dateparser:
            result.baselines["dates (dateparser)"] = Score()
    for doc in docs:
        result.documents += 1
        try:
            document = read(doc)
            claims = extract_document(document, nlp)
        except Exception as exc:  # a corpus file that fails counts as all misses
            result.errors.append(f"{doc.name}: {exc}")
            document, claims = None, []
        for f in FIELDS:
            result.scores[f].add(doc.name, gold_items(f, doc.gold), predicted_items(f, claims))
        if document is not None and with_baselines:
            _baselines(result, doc, document.text, use_dateparser)
    return result


def _baselines(result: SetResult, doc: GoldDocument, text: str, use_dateparser: bool) -> None:
    amounts = {key_of("amounts", v): {""} for v in baselines.regex_amounts(text)}
    # Baselines give no roles: they are scored on values only.
    gold_amounts = dict.fromkeys(gold_items("amounts", doc.gold), "")
    result.baselines["amounts (plain regex)"].add(doc.name, gold_amounts, amounts)
    if use_dateparser:
        dates = {v: {""} for v in baselines.dateparser_dates(text)}
        gold_dates = dict.fromkeys(gold_items("dates", doc.gold), "")
        result.baselines["dates (dateparser)"].add(doc.name, gold_dates, dates)


def format_result(result: SetResult, details: bool = False) -> str:
    lines = [f"== {result.set_name}: {result.documents} documents =="]
    head = f"{'field':<24}{'P':>7}{'R':>7}{'F1':>7}{'TP':>5}{'FP':>5}{'FN':>5}  roles"
    lines.append(head)
    rows = list(result.scores.items()) + [(k, v) for k, v in result.baselines.items()]
    for i, (name, s) in enumerate(rows):
        if i == len(result.scores):
            lines.append("-- baselines, same documents --")
        ra = "" if s.role_accuracy is None else f"{s.role_accuracy:.2f} of {s.role_total}"
        lines.append(
            f"{name:<24}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}"
            f"{s.tp:>5}{s.fp:>5}{s.fn:>5}  {ra}"
        )
    for err in result.errors:
        lines.append(f"error: {err}")
    if details:
        for name, s in result.scores.items():
            for miss in s.misses:
                lines.append(f"  miss  {name:<14}{miss}")
            for extra in s.extras:
                lines.append(f"  extra {name:<14}{extra}")
            for wrong in s.role_misses:
                lines.append(f"  role  {name:<14}{wrong}")
    return "\n".join(lines)
