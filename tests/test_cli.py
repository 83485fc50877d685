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


ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _documented_commands() -> list[tuple[str, str]]:
    """Every `inclusio ...` line of the README's and docs' shell blocks (file, line)."""
    found = []
    for doc in DOCS:
        fence: str | None = None  # the open block's language ("" when none), None outside
        for line in doc.read_text(encoding="utf-8").splitlines():
            if line.startswith("```"):
                fence = line.strip()[3:] if fence is None else None
                continue
            block = fence in ("sh", "")
            stripped = line.strip()
            for prefix in ("uv run inclusio ", ".venv/bin/inclusio ", "inclusio "):
                if block and stripped.startswith(prefix):
                    found.append((doc.name, stripped[len(prefix) - len("inclusio "):]))
                    break
    return found


@pytest.mark.parametrize(("doc", "line"), _documented_commands())
def test_documented_commands_parse(doc: str, line: str) -> None:
    """What the README tells a newcomer to type is a valid command line, options included."""
    import shlex

    argv = shlex.split(line, comments=True)
    if ">" in argv:  # a shell redirection
        argv = argv[: argv.index(">")]
    assert argv[0] == "inclusio"
    args = build_parser().parse_args(argv[1:])  # SystemExit (exit 2) on an unknown option
    assert getattr(args, "func", None) is not None, line


def test_the_readme_puts_inclusio_on_path_and_uses_one_form() -> None:
    assert "source .venv/bin/activate" in README and "uv run inclusio" in README
    lines = [line for _, line in _documented_commands()]
    assert lines and all(line.startswith("inclusio ") for line in lines)
    for doc in DOCS:
        assert ".venv/bin/inclusio " not in doc.read_text(encoding="utf-8").replace(
            "`.venv/bin/inclusio`", ""), doc.name


@pytest.mark.parametrize("unit", sorted((ROOT / "deploy").glob("*.service")),
                         ids=lambda p: p.name)
def test_systemd_units_run_valid_commands(unit: Path) -> None:
    """The units' ExecStart lines are commands this CLI accepts, with an explicit home."""
    import configparser
    import shlex

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit, encoding="utf-8")
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    argv = shlex.split(parser["Service"]["ExecStart"])
    assert argv[0].endswith("/.venv/bin/inclusio") and argv[1] == "--home"
    args = build_parser().parse_args(argv[1:])
    assert args.func is not None and str(args.home) == parser["Service"]["WorkingDirectory"]
    assert parser["Service"]["Restart"] == "on-failure"
    assert unit.name in README
