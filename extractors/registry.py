"""The ordered list of extractors and the one function that runs them over a document."""

from __future__ import annotations

import importlib
from typing import Any

from extractors import orgmodel
from extractors.base import Context, ExtractorModule, full_version
from extractors.merge import merge_claims
from extractors.nlp import chunks, load_nlp
from models.records import Claim, Document

# Module names under extractors/; each exposes NAME, VERSION and extract(ctx).
EXTRACTOR_MODULES: tuple[str, ...] = (
    "cup",
    "amounts",
    "dates",
    "organisations",
    "outcomes",
    "programmes",
    "tables",
    "cards",
)


def extractors() -> list[ExtractorModule]:
    """Import the registered extractor modules that exist (the list grows module by module)."""
    found = []
    for name in EXTRACTOR_MODULES:
        try:
            found.append(importlib.import_module(f"extractors.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"extractors.{name}":
                raise
    return found


def versions() -> dict[str, str]:
    """``{name: VERSION+fingerprint}`` of every extractor, for run records and the evaluation
    report; a stored document is extracted again when any of these changed."""
    out = {m.NAME: full_version(m.NAME, m.VERSION) for m in extractors()}
    if orgmodel.enabled():
        # Turning the organisation model on (or retraining it) changes organisation claims.
        tag = orgmodel.model_tag()
        out[orgmodel.NAME] = f"{full_version(orgmodel.NAME, orgmodel.VERSION)}+{tag}"
    return out


def extract_document(document: Document, nlp: Any = None) -> list[Claim]:
    """Run every extractor over ``document`` chunk by chunk; spans index ``document.text``."""
    nlp = nlp if nlp is not None else load_nlp()
    mods = extractors()
    # The pipeline's components (lemmas, entities) run only when an extractor declares it reads
    # them, so an installed it_core_news_lg costs nothing unused; tokens only, the Doc is made
    # when an extractor first reads ctx.doc (none of the rule extractors does).
    full = any(getattr(m, "USES_PIPELINE", False) for m in mods)
    claims: list[Claim] = []
    first = True
    for offset, piece in chunks(document.text):
        ctx = Context(
            text=piece,
            doc=nlp(piece) if full else None,
            make_doc=None if full else nlp.make_doc,
            offset=offset,
            published=document.published or document.updated,
            tables=document.tables if first else [],
            document=document,
        )
        for mod in mods:
            for claim in mod.extract(ctx):
                if offset:
                    # Claims are fresh objects of this call: shift them in place (replace() is
                    # slow enough to show in the benchmark).
                    claim.start += offset
                    claim.end += offset
                claims.append(claim)
        first = False
    return merge_claims(claims)
