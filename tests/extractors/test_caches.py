"""Caches keyed by what texts contain are bounded: a national run meets words without end."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import extractors
import parsers

# Keyed by names the code itself holds (extractor, pattern file and model names): finite.
KEYED_BY_CODE = {"extractors.base.fingerprint", "extractors.base.load_patterns",
                 "extractors.nlp.load_nlp", "extractors.nlp.expected_pipeline_name"}


def _modules() -> list[str]:
    names = []
    for pkg in (extractors, parsers):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            names.append(info.name)
    return names


def test_caches_with_arguments_have_a_bound() -> None:
    unbounded = []
    for name in _modules():
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional model or library not installed here
            continue
        for attr, fn in vars(module).items():
            info = getattr(fn, "cache_info", None)
            wrapped = getattr(fn, "__wrapped__", None)
            if info is None or wrapped is None or getattr(fn, "__module__", None) != name:
                continue
            if not inspect.signature(wrapped).parameters:
                continue  # a loader: one value
            if info().maxsize is None and f"{name}.{attr}" not in KEYED_BY_CODE:
                unbounded.append(f"{name}.{attr}")
    assert not unbounded, unbounded
