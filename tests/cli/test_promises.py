"""Promises of issues 2 and 3 that no other test held to exact figures."""

from __future__ import annotations

import sqlite3

import pytest

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _deal(cli, title: str, close: str) -> int:
    return int(cli.ok("deal", "add", title, "--amount", "1000", "--close", close).out)


def _closing(cli, period: str) -> list[int]:
    return sorted(row["id"] for row in cli.json("deal", "list", "--closing", period))


def test_fiscal_year_start_month_setting_moves_the_quarters(cli):
    # Issue 2 §3: periods honour fiscal_year_start_month (a fiscal year is named by its start).
    may = _deal(cli, "May", "2026-05-10")
    feb = _deal(cli, "February", "2026-02-10")
    nov = _deal(cli, "November", "2026-11-30")
    jan27 = _deal(cli, "January next", "2027-01-15")
    assert _closing(cli, "2026-Q1") == [feb]  # calendar: Jan-Mar 2026
    assert _closing(cli, "this-quarter") == [nov]  # Oct-Dec 2026
    cli.ok("config", "set", "fiscal_year_start_month", "4")
    assert _closing(cli, "2026-Q1") == [may]  # Apr-Jun 2026
    assert _closing(cli, "2026-Q4") == [jan27]  # Jan-Mar 2027
    assert _closing(cli, "this-quarter") == [nov]  # Q3: Oct-Dec 2026
    assert _closing(cli, "2025-Q4") == [feb]  # Jan-Mar 2026


def test_week_start_setting_moves_this_week(cli):
    # SALESCLI_NOW is Monday 2026-11-23.
    sunday_before = _deal(cli, "Sunday before", "2026-11-22")
    sunday_after = _deal(cli, "Sunday after", "2026-11-29")
    assert _closing(cli, "this-week") == [sunday_after]  # Mon 23 .. Sun 29
    cli.ok("config", "set", "week_start", "sunday")
    assert _closing(cli, "this-week") == [sunday_before]  # Sun 22 .. Sat 28


def test_markdown_format_for_a_list_and_a_record(cli):
    # Issue 2 §3: --format markdown; numbers right-aligned, a pipe in a cell escaped.
    cli.ok("deal", "add", "Big | small", "--amount", "12000.50", "--close", "2026-11-27")
    assert cli.ok("deal", "list", "--format", "markdown").out == (
        "| id | title | account | owner | stage | % | amount | cur | close |\n"
        "|---:|---|---|---|---|---:|---:|---|---|\n"
        "| 1 | Big \\| small |  |  | prospecting | 10 | 12,000.50 | USD | 2026-11-27 |\n"
    )
    assert cli.ok("config", "get", "currency", "--format", "markdown").out == (
        "| field | value |\n|---|---|\n| key | currency |\n| value | USD |\n| default | yes |\n"
    )
    shown = cli.ok("deal", "show", "1", "--format", "markdown").out
    assert "| amount | 12,000.50 |\n| currency | USD |\n" in shown
    assert shown.endswith(
        "\n### stage history\n\n"
        "| from | to | changed at | by | % | days |\n"
        "|---|---|---|---|---:|---:|\n"
        "|  | prospecting | 2026-11-23 09:00 | unknown | 10 | 0 |\n"
    )


@sqlite_only
def test_database_location_precedence(cli, tmp_path, monkeypatch):
    # Issue 2 §2: --db, then SALESCLI_DB, then the platformdirs user data dir.
    env_db = tmp_path / "env" / "sales.db"
    flag_db = tmp_path / "flag" / "sales.db"
    monkeypatch.setenv("SALESCLI_DB", str(env_db))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cli.ok("config", "set", "currency", "EUR")
    cli.ok("--db", str(flag_db), "config", "set", "currency", "JPY")
    assert cli.ok("config", "get", "currency").out == "EUR\n"
    assert cli.ok("--db", str(flag_db), "config", "get", "currency").out == "JPY\n"
    monkeypatch.delenv("SALESCLI_DB")
    default = tmp_path / "xdg" / "salescli" / "sales.db"
    assert not default.exists()
    assert cli.json("db", "init")["database"] == str(default)
    assert default.exists()
    assert cli.ok("config", "get", "currency").out == "USD\n"
    for path, currency in ((env_db, "EUR"), (flag_db, "JPY")):
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("SELECT value FROM setting").fetchall() == [(currency,)]
        finally:
            conn.close()


@sqlite_only
def test_sqlite_file_is_in_wal_mode(cli, db_url):
    # The template copy starts in DELETE mode; the first command turns on WAL (persistent).
    cli.ok("lead", "add", "Ana Souza")
    conn = sqlite3.connect(db_url)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


def test_db_migrate_on_a_current_database(cli):
    from salescli.migrations import HEAD

    result = cli.json("db", "migrate")
    assert result["from_revision"] == HEAD and result["revision"] == HEAD
    assert result["backup"] is None


def test_interrupt_exits_130(cli, monkeypatch):
    from salescli.services import config

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(config, "list_all", interrupted)
    result = cli("config", "list")
    assert result.code == 130 and result.out == ""


def test_shell_completion_is_offered(cli):
    text = cli.ok("--help").out
    assert "--install-completion" in text and "--show-completion" in text


def test_a_streamed_first_statement_takes_the_lock_timeout(cli):
    # On PostgreSQL the transaction begins with SET LOCAL lock_timeout: it must not go
    # through the server-side cursor of a streamed export that happens to come first.
    import sqlalchemy as sa

    from salescli import db

    cli.ok("db", "init")
    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    with db.engine(url, write=False).connect() as conn:
        conn.execution_options(stream_results=True)
        rows = list(conn.execute(sa.text("SELECT 7")).yield_per(10))
        timeout = (
            conn.exec_driver_sql(
                "SHOW lock_timeout", execution_options={"stream_results": False}
            ).scalar()
            if "postgresql" in url
            else None
        )
    assert [tuple(r) for r in rows] == [(7,)]
    if timeout is not None:
        assert timeout != "0"
