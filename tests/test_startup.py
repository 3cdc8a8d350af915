"""Start-up cost: `salescli --help` and `salescli lead --help` must not import the heavy
libraries (they are imported inside the commands that need them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import clean_env

HEAVY = ("sqlalchemy", "sqlmodel", "pendulum", "plotext")


def heavy_modules_after(
    args: list[str], preload: str = "", heavy: tuple[str, ...] = HEAVY, env: dict | None = None
) -> tuple[str, list[str]]:
    """Run salescli in a fresh interpreter; return its stdout and the heavy modules loaded."""
    probe = f"""
import sys
{preload}
sys.argv = ["salescli", *{args!r}]
from salescli.__main__ import main
try:
    main()
except SystemExit:
    pass
print("HEAVY=" + ",".join(name for name in {heavy!r} if name in sys.modules), file=sys.stderr)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(**(env or {})),
    )
    assert result.returncode == 0, result.stderr
    marker = [line for line in result.stderr.splitlines() if line.startswith("HEAVY=")]
    assert len(marker) == 1, result.stderr
    loaded = marker[0].removeprefix("HEAVY=")
    return result.stdout, loaded.split(",") if loaded else []


@pytest.mark.parametrize(
    "args",
    [["--help"], ["lead", "--help"], ["task", "--help"], ["agenda", "--help"]],
    ids=["root", "lead", "task", "agenda"],
)
def test_help_imports_no_heavy_library(args):
    out, loaded = heavy_modules_after(args)
    assert "Usage:" in out
    assert loaded == []


def test_probe_sees_a_heavy_import():
    _, loaded = heavy_modules_after(["--help"], preload="import pendulum")
    assert loaded == ["pendulum"]


def test_lead_list_hot_path_skips_the_orm(tmp_path):
    """`lead list` and `lead sources` run on SQLAlchemy Core: no ORM, no clock, no charts."""
    env = {"SALESCLI_DB": str(tmp_path / "sales.db"), "SALESCLI_NOW": "2026-11-23T09:00:00+00:00"}
    subprocess.run(
        [sys.executable, "-m", "salescli", "lead", "add", "Ana Souza"],
        check=True,
        capture_output=True,
        env=clean_env(**env),
    )
    expected = {"list": '"name": "Ana Souza"', "sources": "source\tcount\n\t1\n"}
    for command, text in expected.items():
        out, loaded = heavy_modules_after(
            ["lead", command, *(["--format", "json"] if command == "list" else [])],
            heavy=("sqlalchemy.orm", "pendulum", "plotext"),
            env=env,
        )
        assert text in out, out
        assert loaded == [], command


def test_write_commands_never_import_an_orm(tmp_path):
    """The interactive write paths run on SQLAlchemy Core alone (issue 9: lean write paths),
    and never import pydantic (Typer's parameter adapters: cli/quick_params.py)."""
    env = {"SALESCLI_DB": str(tmp_path / "sales.db"), "SALESCLI_NOW": "2026-11-23T09:00:00+00:00"}
    commands = [
        ["rep", "add", "Ana Souza"],
        ["lead", "add", "Bo Berg", "--owner", "Ana Souza"],
        ["lead", "edit", "1", "--company", "Acme"],
        ["lead", "assign", "1", "Ana Souza"],
        ["log", "call", "--lead", "1", "Intro"],
        ["account", "add", "Acme GmbH"],
        ["contact", "add", "Cy Chen", "--account", "Acme GmbH"],
        ["deal", "add", "Acme – 5 seats", "--amount", "100", "--account", "Acme GmbH"],
        ["deal", "move", "1", "qualification"],
        ["deal", "win", "1"],
        ["task", "add", "Call Bo", "--lead", "1", "--due", "tomorrow", "--at", "10:00"],
        ["task", "done", "1", "--log", "call"],
        ["task", "list", "--owner", "Ana Souza", "--all"],
        ["agenda", "--owner", "Ana Souza"],
    ]
    for command in commands:
        _, loaded = heavy_modules_after(
            command, heavy=("sqlalchemy.orm", "sqlmodel", "pydantic"), env=env
        )
        assert loaded == [], command
    import sqlite3

    db = sqlite3.connect(tmp_path / "sales.db")
    try:  # every command above did its work
        assert db.execute("SELECT company, owner_id FROM lead").fetchall() == [("Acme", 1)]
        assert db.execute("SELECT count(*) FROM activity").fetchone() == (2,)
        assert db.execute("SELECT owner_id, done_at IS NOT NULL FROM task").fetchall() == [(1, 1)]
        assert db.execute("SELECT count(*) FROM contact").fetchone() == (1,)
        won = "SELECT s.kind FROM deal d JOIN stage s ON s.id = d.stage_id"
        assert db.execute(won).fetchall() == [("won",)]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["deal", "show", "abc"], "invalid value for ID: 'abc' is not a whole number"),
        (["deal", "list", "--limit", "x"], "invalid value for --limit: 'x' is not a whole number"),
        (
            ["deal", "list", "--format", "bogus"],
            "invalid value for --format: 'bogus' is not one of 'table', 'json', 'csv'",
        ),
        (
            ["lead", "list", "--status", "new", "--status", "gone"],
            "invalid value for --status: 'gone' is not one of 'new'",
        ),
    ],
    ids=["id", "limit", "choice", "repeated-choice"],
)
def test_refused_values_still_get_typers_check(tmp_path, args, error):
    """cli/quick_params.py answers the values it knows and hands the rest to Typer, whose
    check (through pydantic) refuses them with the usual line and exit 2."""
    result = subprocess.run(
        [sys.executable, "-m", "salescli", *args],
        capture_output=True,
        text=True,
        env=clean_env(SALESCLI_DB=str(tmp_path / "sales.db")),
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"Error: {error}"), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_root_help_lists_every_group_as_the_full_app_does():
    """`salescli --help` lists the groups without building their commands (`listing=True`):
    the same text as the full app's help, at two widths, and through the real entry point."""
    from typer.testing import CliRunner

    from salescli import cli

    runner = CliRunner()
    for width in (80, 140):
        env = {"COLUMNS": str(width), "NO_COLOR": "1"}
        full = runner.invoke(cli.full_app(), ["--help"], prog_name="salescli", env=env)
        listing = runner.invoke(
            cli._register(cli._root(), listing=True), ["--help"], prog_name="salescli", env=env
        )
        assert full.exit_code == listing.exit_code == 0
        assert listing.output == full.output
        for _, group in cli.GROUPS:
            assert f" {group} " in full.output
    real = subprocess.run(
        [sys.executable, "-m", "salescli", "--help"],
        capture_output=True,
        text=True,
        env=clean_env(COLUMNS="140"),
    )
    assert real.returncode == 0
    assert (
        "Manage deals: add, list, move through the pipeline, win, lose, line items." in real.stdout
    )
