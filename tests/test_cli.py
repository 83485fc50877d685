"""The CLI's help is the README's: every command is documented there with its help line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from inclusio.cli import build_parser, main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {c.dest: c.help for c in sub._choices_actions}


def test_core_commands_exist() -> None:
    assert {"demo", "run", "crawl", "parse", "extract", "load", "query"} <= set(_commands())


@pytest.mark.parametrize("name", sorted(_commands()))
def test_each_command_has_help_and_is_in_readme(name: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    assert f"inclusio {name}" in README, f"README does not document `inclusio {name}`"
    assert _commands()[name] in README, f"README lacks the help line of `inclusio {name}`"


def test_no_command_prints_usage() -> None:
    assert main([]) == 2
