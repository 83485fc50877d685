"""The real-text set: real public texts annotated by hand, kept outside the repository.

The folder (``../shared/realtext`` beside the checkout, by default) holds ``docs/rNN.txt`` and a
``gold.jsonl`` with one line per document:

    {"doc": "r07.txt", "kind": "news", "publication_date": "2016-10-05" or null,
     "amounts": [{"value": 142000000.0, "text": "..."}], "cups": ["..."], "cigs": ["..."],
     "dates": [{"date": "2016-10-31", "text": "..."}],
     "organisations": [{"name": "Comune di Potenza", "text": "..."}],
     "outcomes": [{"quantity": 30, "unit": "tirocini", "text": "..."}], "programmes": ["..."]}

Each line is turned into the gold dict the ``.gold.toml`` sets give (see ``evaluation.corpus``),
so the set is scored by the same code. The texts belong to their publishers and are read from that
folder at run time; nothing of them is copied into the repository.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from evaluation.corpus import GoldDocument

SET_NAME = "real"
ENV_VAR = "INCLUSIO_REALTEXT"
GOLD_FILE = "gold.jsonl"
DOCS_FOLDER = "docs"


def default_candidates() -> list[Path]:
    """Where the folder is looked for when neither an option nor the env var names one."""
    repo = Path(__file__).resolve().parent.parent
    return [repo.parent / "shared" / "realtext", Path("/work/shared/realtext")]


def candidates(option: Path | None = None) -> list[Path]:
    """The folders to look at, in order: ``--realtext``, else ``$INCLUSIO_REALTEXT``, else defaults.

    An explicit folder (option or env var) is the only one looked at: a wrong path is reported,
    never replaced by another copy of the set.
    """
    if option is not None:
        return [Path(option)]
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return [Path(env)]
    return default_candidates()


def find_folder(option: Path | None = None) -> Path | None:
    """The first candidate folder holding a ``gold.jsonl``, or None."""
    for folder in candidates(option):
        if (folder / GOLD_FILE).is_file():
            return folder
    return None


def not_found_message(option: Path | None = None) -> str:
    looked = ", ".join(str(p / GOLD_FILE) for p in candidates(option))
    return (
        f"no real-text set found: looked for {looked} "
        f"(give the folder with --realtext DIR or ${ENV_VAR})"
    )


def gold_of(line: dict[str, Any]) -> tuple[date | None, dict[str, Any]]:
    """The publication date and the gold dict, in the ``.gold.toml`` shape, of one gold line.

    The real gold names no roles: amounts and dates get role "".
    """
    published = line.get("publication_date")
    gold: dict[str, Any] = {
        "amounts": [[float(a["value"]), ""] for a in line.get("amounts") or []],
        "cups": list(line.get("cups") or []),
        "cigs": list(line.get("cigs") or []),
        "dates": [[str(d["date"]), ""] for d in line.get("dates") or []],
        "organisations": [o["name"] for o in line.get("organisations") or []],
        "outcomes": [[int(o["quantity"]), str(o["unit"])] for o in line.get("outcomes") or []],
        "programmes": list(line.get("programmes") or []),
    }
    return (date.fromisoformat(published) if published else None), gold


def load(folder: Path) -> list[GoldDocument]:
    """Every document of ``gold.jsonl``, in file order, its path under ``folder/docs``."""
    docs = []
    text = (folder / GOLD_FILE).read_text("utf-8")
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            published, gold = gold_of(line)
            path = folder / DOCS_FOLDER / line["doc"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{folder / GOLD_FILE} line {number}: {exc!r}") from exc
        docs.append(GoldDocument(path=path, set_name=SET_NAME, published=published, gold=gold))
    return docs
