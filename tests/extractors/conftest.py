"""Shared helpers for extractor tests: run one extractor module over a short text."""

from __future__ import annotations

from datetime import date

from extractors.base import Context, full_version


def run(module, text: str, published: date | None = None) -> list:
    """Claims of ``module`` over ``text``, checking every quote is the exact slice it claims."""
    claims = sorted(
        module.extract(Context(text=text, published=published)), key=lambda c: (c.start, c.end)
    )
    for c in claims:
        assert text[c.start : c.end] == c.text
        assert c.extractor == f"{module.NAME}@{full_version(module.NAME, module.VERSION)}"
    return claims
