"""One function builds the spaCy pipeline every extractor reads.

``it_core_news_lg`` is used when installed (its NER adds PER/LOC/ORG/MISC hints); otherwise a
blank Italian pipeline with the lookup lemmatizer from spacy-lookups-data, which is what the
tests run on. The name returned by :func:`pipeline_name` is stored on every document.
"""

from __future__ import annotations

from functools import cache
from typing import Any

PREFERRED_MODEL = "it_core_news_lg"
# Chunks stay well under spaCy's default max_length so long PDFs cost the same per word.
CHUNK_CHARS = 100_000


@cache
def load_nlp(prefer: str = PREFERRED_MODEL) -> Any:
    """Return the installed Italian model, else ``spacy.blank('it')`` with lookup lemmas."""
    import spacy

    try:
        return spacy.load(prefer)
    except OSError:
        pass
    nlp = spacy.blank("it")
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    except (ValueError, OSError, ImportError):
        # spacy-lookups-data missing: keep the tokenizer, lemmas stay empty.
        if "lemmatizer" in nlp.pipe_names:
            nlp.remove_pipe("lemmatizer")
    return nlp


@cache
def expected_pipeline_name(prefer: str = PREFERRED_MODEL) -> str | None:
    """The name :func:`pipeline_name` will give ``load_nlp(prefer)``, found without loading
    spaCy (seconds): from the installed model package, else the blank pipeline's pipes.
    None when it cannot be told; callers then load the pipeline and ask it."""
    import importlib.metadata
    import importlib.util

    try:
        if importlib.util.find_spec(prefer) is not None:
            # A model package's version is its meta.json version; its name is lang_name.
            return f"{prefer}-{importlib.metadata.version(prefer)}"
        lookups = importlib.util.find_spec("spacy_lookups_data") is not None
    except (ImportError, ValueError):
        return None
    return "blank:it[lemmatizer]" if lookups else "blank:it[tokenizer]"


def pipeline_name(nlp: Any) -> str:
    """A short, stable description such as ``it_core_news_lg-3.8.0`` or ``blank:it+lookup``."""
    meta = nlp.meta
    if meta.get("name") and meta.get("name") != "pipeline":
        return f"{meta.get('lang')}_{meta['name']}-{meta.get('version')}"
    pipes = "+".join(nlp.pipe_names) or "tokenizer"
    return f"blank:{nlp.lang}[{pipes}]"


def chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """Split ``text`` into ``(offset, chunk)`` pieces at paragraph or line breaks near ``size``."""
    out: list[tuple[int, str]] = []
    pos = 0
    n = len(text)
    while pos < n:
        end = min(pos + size, n)
        if end < n:
            cut = text.rfind("\n\n", pos + size // 2, end)
            if cut < 0:
                cut = text.rfind("\n", pos + size // 2, end)
            if cut < 0:
                cut = text.rfind(" ", pos + size // 2, end)
            if cut > pos:
                end = cut + 1
        out.append((pos, text[pos:end]))
        pos = end
    return out
