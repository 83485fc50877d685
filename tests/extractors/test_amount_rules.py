"""Every named amount rule in extractors/patterns/amounts.toml proves its examples.

Role rules (`[[role_rules]]`): in `must` the amount of that value gets that role and names this
rule in attrs["role_rule"]; in `must_not` this rule does not decide that amount (a neighbouring
case it must leave to another rule, or to none). Value rules (`[[named_rule]]`): in `must` an
amount of that value is read by this rule (attrs["rule"]); in `must_not` none is.
"""

from __future__ import annotations

from typing import Any

import pytest

from extractors import amounts
from extractors.base import load_patterns
from tests.extractors.conftest import run

RULES: list[dict[str, Any]] = load_patterns("amounts")["role_rules"]


def _claim(text: str, value: float):
    found = [c for c in run(amounts, text) if c.value == value]
    assert found, f"no amount {value} in {text!r}: {[c.value for c in run(amounts, text)]}"
    return found[0]


def test_every_rule_has_a_reason_and_both_kinds_of_example():
    for rule in RULES:
        assert rule["why"].strip(), rule["name"]
        assert rule["must"] and rule["must_not"], rule["name"]


@pytest.mark.parametrize(
    ("name", "example"),
    [(r["name"], ex) for r in RULES for ex in r["must"]],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_rule_decides_its_examples(name: str, example: dict[str, Any]):
    claim = _claim(example["text"], example["value"])
    assert (claim.role, claim.attrs["role_rule"]) == (example["role"], name)


@pytest.mark.parametrize(
    ("name", "example"),
    [(r["name"], ex) for r in RULES for ex in r["must_not"]],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_rule_leaves_its_counter_examples(name: str, example: dict[str, Any]):
    claim = _claim(example["text"], example["value"])
    assert claim.attrs["role_rule"] != name, claim.role


def test_every_amount_records_how_its_value_and_role_were_read():
    text = "Sono stati assegnati 6 milioni e 900mila euro e 71,4 milioni per la casa."
    got = [(c.value, c.attrs["rule"], c.attrs["role_rule"]) for c in run(amounts, text)]
    assert got == [
        (6_900_000.0, "compound_scale", "keyword_before"),
        (71_400_000.0, "carried_currency", "keyword_before"),
    ]


VALUE_RULES: list[dict[str, Any]] = load_patterns("amounts")["named_rule"]


def _value_rules(text: str, value: float) -> list[str]:
    return [c.attrs["rule"] for c in run(amounts, text) if c.value == value]


@pytest.mark.parametrize(
    ("name", "example"),
    [(r["name"], ex) for r in VALUE_RULES for ex in r["must"]],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_value_rule_reads_its_examples(name: str, example: dict[str, Any]):
    rules = _value_rules(example["text"], example["value"])
    assert name in rules, rules


@pytest.mark.parametrize(
    ("name", "example"),
    [(r["name"], ex) for r in VALUE_RULES for ex in r["must_not"]],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_value_rule_leaves_its_counter_examples(name: str, example: dict[str, Any]):
    rules = _value_rules(example["text"], example["value"])
    assert name not in rules, rules


def test_every_value_rule_the_code_records_is_documented():
    names = {r["name"] for r in VALUE_RULES}
    recorded = {
        r
        for rule in VALUE_RULES
        for ex in rule["must"]
        for r in _value_rules(ex["text"], ex["value"])
    }
    assert recorded <= names
