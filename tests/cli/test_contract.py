"""The cross-cutting command-line contract: version, usage errors, busy database, migrations,
integrity checks, backup and restore."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from salescli.migrations import HEAD
from tests.conftest import NOW, clean_env

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def test_version(cli):
    from salescli import __version__

    assert cli.ok("--version").out == f"salescli {__version__}\n"
    fast = subprocess.run(
        [sys.executable, "-m", "salescli", "--version"],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert fast.returncode == 0 and fast.stdout == f"salescli {__version__}\n"


def test_usage_errors_exit_2(cli):
    assert cli("nosuchgroup").code == 2
    assert cli("config", "list", "--format", "yaml").code == 2
    assert cli("config", "get").code == 2


def test_no_traceback_for_an_unreadable_database(cli, tmp_path):
    bogus = tmp_path / "not-a-db.db"
    bogus.write_text("this is not sqlite at all, just text " * 100)
    result = cli("--db", str(bogus), "config", "list")
    assert result.code == 1
    assert "not a SQLite database" in result.err


@sqlite_only
def test_busy_database_exits_75(cli, db_url, monkeypatch):
    cli.ok("db", "init")
    holder = sqlite3.connect(db_url, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        monkeypatch.setenv("SALESCLI_BUSY_TIMEOUT", "0.2")
        result = cli("config", "set", "currency", "EUR")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 75
    assert "database is busy" in result.err
    assert cli.sql("SELECT count(*) FROM setting") == [(0,)]
    # once the lock is gone the same command succeeds
    cli.ok("config", "set", "currency", "EUR")


@sqlite_only
def test_migrate_on_open_backs_up_and_keeps_data(cli, db_url):
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "salescli:migrations")
    config.set_main_option("sqlalchemy.url", f"sqlite:///{db_url}")
    os.remove(db_url)
    command.upgrade(config, "0001")  # an "old" database: schema only, no default pipeline
    conn = sqlite3.connect(db_url)
    conn.execute("INSERT INTO setting (key, value) VALUES ('currency', 'EUR')")
    conn.commit()
    conn.close()
    assert cli.ok("config", "get", "currency").out.strip() == "EUR"
    assert cli.sql("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert cli.sql("SELECT count(*) FROM stage") == [(6,)]
    backup = sqlite3.connect(f"{db_url}.pre-0001.bak")
    assert backup.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    assert backup.execute("SELECT value FROM setting").fetchall() == [("EUR",)]
    backup.close()


@sqlite_only
def test_db_check_reports_a_broken_foreign_key(cli, db_url):
    cli.ok("db", "init")
    conn = sqlite3.connect(db_url)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(
        "INSERT INTO rep (name, name_key, skills, active, created_at, manager_id) "
        "VALUES ('Ghost', 'ghost', '', 1, '2026-11-23 09:00:00', 999)"
    )
    conn.commit()
    conn.close()
    result = cli("db", "check", "--format", "json")
    assert result.code == 1
    report = result.json()
    assert report["ok"] is False
    assert report["problems"] == ["foreign key: table rep row 1 refers to missing rep"]


@sqlite_only
def test_backup_and_restore_round_trip(cli, tmp_path):
    cli.ok("config", "set", "currency", "EUR")
    backup = tmp_path / "copy.db"
    info = cli.json("db", "backup", str(backup))
    assert info["backup"] == str(backup)
    cli.ok("config", "set", "currency", "JPY")
    restored = cli.json("db", "restore", str(backup), "--yes")
    assert cli.ok("config", "get", "currency").out.strip() == "EUR"
    # the database as it was before the restore was saved first
    saved = sqlite3.connect(restored["previous_saved_to"])
    assert saved.execute("SELECT value FROM setting WHERE key='currency'").fetchall() == [("JPY",)]
    saved.close()
    assert cli("db", "restore", str(tmp_path / "missing.db"), "--yes").code == 3
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"junk" * 1000)
    assert cli("db", "restore", str(junk), "--yes").code == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_backup_and_restore(cli, tmp_path):
    import shutil

    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    cli.ok("config", "set", "currency", "EUR")
    dump = tmp_path / "team.dump"
    cli.ok("db", "backup", str(dump))
    assert dump.stat().st_size > 0 and (dump.stat().st_mode & 0o777) == 0o600
    cli.ok("config", "set", "currency", "JPY")
    cli.ok("db", "restore", str(dump), "--yes")
    assert cli.ok("config", "get", "currency").out.strip() == "EUR"


@sqlite_only
def test_closed_pipe_is_quiet(cli, db_url):
    import os

    cli.ok("lead", "import", "--help")
    rows = "\n".join(f"Person {i},p{i}@example.com" for i in range(3000))
    source = os.path.join(os.path.dirname(db_url), "many.csv")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write("name,email\n" + rows + "\n")
    cli.ok("lead", "import", source)
    env = clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW)
    result = subprocess.run(
        f"{sys.executable} -m salescli lead export | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.stdout.startswith("id,name,email")
    assert result.stderr == ""


def test_sources_chart(cli, monkeypatch):
    from salescli import render

    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    for name, source in [("A", "web"), ("B", "web"), ("C", "referral")]:
        cli.ok("lead", "add", name, "--source", source)
    out = cli.ok("lead", "sources", "--chart").out
    bars = {line.split("┤")[0].strip(): line.count("█") for line in out.splitlines() if "┤" in line}
    assert set(bars) == {"web", "referral"} and round(bars["web"] / bars["referral"]) == 2
    assert cli("lead", "sources", "--chart", "--format", "json").code == 2


@sqlite_only
def test_unreachable_server_exits_75(cli):
    result = cli("--db", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", "lead", "list")
    assert result.code == 75
    assert "database server unreachable" in result.err


def test_db_vacuum_keeps_the_data(cli):
    for i in range(200):
        cli.ok("config", "set", "currency", "EUR" if i % 2 else "JPY")
    result = cli.json("db", "vacuum")
    assert set(result) == {"database", "bytes_before", "bytes_after"}
    assert cli.ok("config", "get", "currency").out.strip() == "EUR"
    assert cli.json("db", "check")["ok"] is True


@sqlite_only
def test_a_writer_waits_for_the_lock_instead_of_failing(cli, db_url):
    import threading
    import time

    cli.ok("db", "init")
    holder = sqlite3.connect(db_url, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO setting (key, value) VALUES ('timezone', 'Europe/Berlin')")
    release = threading.Timer(1.0, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        result = cli("lead", "add", "Waiting Person", "--email", "wait@example.com")
    finally:
        release.join()
        holder.close()
    assert result.code == 0, result.err
    assert time.monotonic() - started >= 0.9  # it really waited for the other writer
    assert cli.sql("SELECT name FROM lead") == [("Waiting Person",)]
    assert cli.sql("SELECT value FROM setting WHERE key = 'timezone'") == [("Europe/Berlin",)]
