"""The documentation tells the truth: every command has help with an example, the README's
command reference and walk-through are what the app really is and prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    import typer

    from salescli.cli import app

    def walk(command, path):
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sub.items():
                yield from walk(child, [*path, name])
        else:
            yield " ".join(path), command

    return list(walk(typer.main.get_command(app), []))


@pytest.mark.parametrize(
    ("name", "command"), _commands(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_has_help_with_an_example(name, command):
    assert command.help, f"{name} has no help text"
    assert "Example:" in command.help, f"{name} has no Example: line in its help"


def test_readme_command_reference_is_current():
    script = ROOT / "scripts" / "gen-command-reference"
    result = subprocess.run([sys.executable, str(script), "--check"], cwd=ROOT)
    assert result.returncode == 0, "run scripts/gen-command-reference to update README.md"


def test_readme_walkthrough_is_what_salescli_prints():
    # A newcomer's environment (no PYTHONUNBUFFERED...), and this checkout's salescli.
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gen-walkthrough"), "--check"],
        cwd=ROOT,
        env=clean_env(PYTHON=sys.executable),
    )
    assert result.returncode == 0, "run scripts/gen-walkthrough to update README.md"


def test_readme_documents_every_exit_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 75 |", "| 130 |"):
        assert code in readme


READ_VERBS = {
    "list",
    "show",
    "history",
    "stale",
    "sources",
    "duplicates",
    "stages",
    "export",
    "get",
}


@pytest.mark.parametrize(
    ("name", "command"),
    [(n, c) for n, c in _commands() if n.split()[-1] in READ_VERBS],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_list_and_show_command_takes_format_and_output(name, command):
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert {"--format", "--output"} <= options, name


def test_ci_runs_the_readme_command_in_a_newcomers_environment():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    line = next(line for line in script.splitlines() if line.startswith("env -i "))
    kept = {word.split("=")[0] for word in line.split()[2:] if "=" in word}
    assert kept == {"PATH", "HOME", "LANG", "CI"}
    assert 'SALESCLI_TEST_PG_URL="$SALESCLI_TEST_PG_URL" bash -c "$test_command"' in script
