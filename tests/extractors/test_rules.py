"""Named rules of the pattern files run on their own examples.

A pattern file may list ``[[named_rule]]``, each with a ``name``, a ``why`` and examples: every
``must`` text is one the rule applies to, every ``must_not`` text one it must leave alone. A rule
that adds claims (``drops`` false, the default) must yield on a ``must`` text a claim of the
example's value carrying ``attrs["rule"] == name``, and no such claim on a ``must_not`` text. A
rule that drops readings (``drops = true``) must leave no claim of that value on a ``must`` text
and keep one on a ``must_not`` text. So a rule edited in a data file is checked against what it
was made for.
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from extractors.base import load_patterns
from tests.extractors.conftest import run

PATTERNS = Path(__file__).resolve().parents[2] / "extractors" / "patterns"


def _cases() -> list[Any]:
    out = []
    for path in sorted(PATTERNS.glob("*.toml")):
        for rule in load_patterns(path.stem).get("named_rule", []):
            for key in ("must", "must_not"):
                for i, example in enumerate(rule.get(key, [])):
                    out.append(
                        pytest.param(path.stem, rule, key, example, id=f"{rule['name']}-{key}-{i}")
                    )
    return out


def _hits(claims: list, rule: dict[str, Any], example: dict[str, Any]) -> list:
    value = example["value"]
    got = [c for c in claims if c.value == value]
    if "unit" in example:
        got = [c for c in got if (c.unit or "").startswith(example["unit"])]
    if not rule.get("drops"):
        got = [c for c in got if c.attrs.get("rule") == rule["name"]]
    return got


def test_every_rule_has_a_reason_and_both_kinds_of_example():
    names = []
    for path in sorted(PATTERNS.glob("*.toml")):
        for rule in load_patterns(path.stem).get("named_rule", []):
            names.append(rule["name"])
            assert rule.get("why"), rule["name"]
            assert rule.get("must") and rule.get("must_not"), rule["name"]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("module_name", "rule", "key", "example"), _cases())
def test_rule_example(module_name: str, rule: dict[str, Any], key: str, example: dict) -> None:
    module = importlib.import_module(f"extractors.{module_name}")
    published = date.fromisoformat(example["published"]) if "published" in example else None
    claims = run(module, example["text"], published)
    found = bool(_hits(claims, rule, example))
    applies = key == "must"
    expect_found = applies != bool(rule.get("drops"))
    assert found == expect_found, [(c.value, c.unit, c.attrs) for c in claims]
