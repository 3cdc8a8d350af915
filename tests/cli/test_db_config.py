from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from salescli.migrations import HEAD


def test_config_roundtrip(cli):
    assert cli.ok("config", "get", "currency").out.strip() == "USD"
    cli.ok("config", "set", "currency", "eur")
    assert cli.json("config", "get", "currency") == {
        "key": "currency",
        "value": "EUR",
        "default": False,
    }
    bad = cli("config", "set", "currency", "EURO")
    assert bad.code == 1
    assert "currency 'EURO' is not an ISO 4217 code" in bad.err
    assert cli("config", "get", "nosuch").code == 3
    cli.ok("config", "unset", "currency")
    rows = {r["key"]: r for r in cli.json("config", "list")}
    assert rows["currency"]["value"] == "USD" and rows["currency"]["default"] is True
    assert cli.sql("SELECT count(*) FROM setting") == [(0,)]


def test_db_check_ok(cli):
    result = cli.json("db", "check")
    assert result["ok"] is True and result["problems"] == [] and result["revision"] == HEAD


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_files_private_whatever_umask(cli, tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "private" / "sales.db"
        cli.ok("--db", str(target), "db", "init")
        backup = tmp_path / "copies" / "b.db"
        cli.ok("--db", str(target), "db", "backup", str(backup))
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_restore_needs_yes_without_terminal(cli, tmp_path):
    result = cli("db", "restore", str(tmp_path / "x.db"))
    assert result.code == 4
    assert "--yes" in result.err


def test_config_set_accepts_a_negative_number(cli):
    cli.ok("config", "set", "scoring.tag.price-objection", "-10")
    assert cli.ok("config", "get", "scoring.tag.price-objection").out.strip() == "-10"


def test_a_routing_strategy_is_checked_once_with_one_exit_code(cli):
    """`config set routing.strategy` and `lead assign --strategy` share one check: a bad
    strategy is a bad enum value on the command line, a usage error (exit 2) naming where."""
    choices = "(one of round-robin, territory, skill, load)"
    stored = cli("config", "set", "routing.strategy", "fastest")
    assert (stored.code, stored.out) == (2, "")
    assert stored.err == f"Error: routing.strategy 'fastest' is not a strategy {choices}\n"
    cli.ok("lead", "add", "Ana")
    option = cli("lead", "assign", "--auto", "--strategy", "fastest")
    assert (option.code, option.out) == (2, "")
    assert option.err == f"Error: --strategy 'fastest' is not a strategy {choices}\n"
    assert cli.sql("SELECT count(*) FROM setting") == [(0,)]
    assert cli.sql("SELECT owner_id FROM lead") == [(None,)]


def test_settings_are_declared_by_the_modules_that_use_them(cli):
    """The registry `config list` reads: every key once, with its default and help, the
    scoring and routing keys declared by scoring.py and routing.py (config.py imports
    neither)."""
    from salescli.services import config

    rows = {r["key"]: r for r in cli.json("config", "list")}
    assert rows["me"] == {
        "key": "me",
        "value": None,
        "default": True,
        "help": config.lookup("me").help,
    }
    assert rows["routing.strategy"]["value"] == "round-robin"
    assert rows["scoring.tag.hot"]["value"] == "15"
    assert rows["week_start"]["value"] == "monday"
    source = Path(config.__file__).read_text(encoding="utf-8")
    assert "import scoring" not in source and "ROUTING_STRATEGIES" not in source
    cli.ok("config", "set", "scoring.tag.VIP", "7")
    assert cli.sql("SELECT key, value FROM setting") == [("scoring.tag.vip", "7")]
    assert cli.ok("config", "get", "scoring.tag.Vip").out == "7\n"
    unknown = cli("config", "set", "scoring.weights", "1")
    assert unknown.code == 3 and "config key 'scoring.weights' is unknown" in unknown.err


def test_config_set_me_stores_the_reps_spelling(cli):
    cli.ok("rep", "add", "Jürgen Groß")
    cli.ok("config", "set", "me", "JURGEN GROSS")
    assert cli.ok("config", "get", "me").out == "Jürgen Groß\n"
    missing = cli("config", "set", "me", "Nobody")
    assert missing.code == 3
    assert missing.err == "Error: rep 'Nobody' not found (see: salescli rep list)\n"
    assert cli.sql("SELECT key, value FROM setting") == [("me", "Jürgen Groß")]
