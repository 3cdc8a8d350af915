from __future__ import annotations

import os
import stat

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
