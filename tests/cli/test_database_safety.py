"""Issue 6: PostgreSQL as safe as SQLite (one writer at a time, bounded waits, honest exit
codes, a backup before a migration) and database errors in one line that never echo SQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salescli.migrations import HEAD
from tests.conftest import NOW, PG_URL, clean_env

pg_only = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _spawn(url: str, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "salescli", *args],
        env=clean_env(SALESCLI_DB=url, SALESCLI_NOW=NOW, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salescli", *args],
        env=clean_env(SALESCLI_DB=url, SALESCLI_NOW=NOW, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    assert PG_URL is not None
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


# ---------------------------------------------------------------- 1. one writer at a time

PATIENT = {"SALESCLI_BUSY_TIMEOUT": "60"}


@pytest.mark.slow
@pg_only
def test_simultaneous_lead_adds_with_one_email_create_one_lead(cli, db_url):
    for run in range(3):
        email = f"same{run}@example.com"
        # a long busy timeout: the eight queue for the write lock rather than give up (75)
        procs = [
            _spawn(db_url, "lead", "add", f"P {run}-{i}", "--email", email, **PATIENT)
            for i in range(8)
        ]
        results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
        for proc in procs:
            proc.stdout.close()
            proc.stderr.close()
        codes = sorted(code for code, _ in results)
        assert codes == [0] + [1] * 7, results
        refused = [err for code, err in results if code == 1]
        assert all("already has email" in err and err.count("\n") == 1 for err in refused)
        assert cli.sql("SELECT count(*) FROM lead WHERE email = :e", e=email) == [(1,)]


@pytest.mark.slow
@pg_only
def test_simultaneous_imports_of_one_file_import_it_once(cli, db_url, tmp_path):
    source = tmp_path / "leads.csv"
    for run in range(3):
        rows = "".join(f"Person {i},p{run}-{i}@example.com\n" for i in range(2000))
        source.write_text("name,email\n" + rows, encoding="utf-8")
        procs = [_spawn(db_url, "lead", "import", str(source), **PATIENT) for _ in range(4)]
        results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
        for proc in procs:
            proc.stdout.close()
            proc.stderr.close()
        assert sorted(code for code, _ in results) == [0, 1, 1, 1], results
        assert sum("already imported" in err for _, err in results) == 3
        assert cli.sql("SELECT count(*) FROM lead WHERE email LIKE :p", p=f"p{run}-%") == [(2000,)]


# ---------------------------------------------------------------- 2. bounded waits


def _timed(url: str, *args: str, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = _run(url, *args, **env)
    return result, time.monotonic() - started


@pg_only
def test_a_write_blocked_by_a_lock_gives_up_after_the_busy_timeout(cli, db_url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from salescli import db

    cli.ok("db", "init")
    holder = create_engine(db_url, poolclass=NullPool)
    with holder.connect() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": db.PG_WRITE_LOCK})
        args = ("lead", "add", "Blocked", "--email", "b@example.com")
        result, waited = _timed(db_url, *args, SALESCLI_BUSY_TIMEOUT="1")
        reader, _ = _timed(db_url, "lead", "list", SALESCLI_BUSY_TIMEOUT="1")
        conn.rollback()
    holder.dispose()
    assert result.returncode == 75, result.stderr
    assert result.stderr == f"Error: {db.BUSY_MESSAGE}\n"
    assert reader.returncode == 0  # readers never wait for the write lock
    assert cli.sql("SELECT count(*) FROM lead") == [(0,)]
    unblocked, baseline = _timed(db_url, *args, SALESCLI_BUSY_TIMEOUT="1")
    assert unblocked.returncode == 0, unblocked.stderr
    # the wait is the timeout (1 s), not forever: process start-up aside, about 1-3 s
    assert waited >= 1.0 and waited - baseline < 3.0, (waited, baseline)


@pg_only
def test_a_write_blocked_by_a_table_lock_gives_up_after_the_busy_timeout(cli, db_url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    cli.ok("lead", "add", "Locked", "--email", "l@example.com")
    holder = create_engine(db_url, poolclass=NullPool)
    with holder.connect() as conn:
        conn.execute(text("LOCK TABLE lead IN ACCESS EXCLUSIVE MODE"))
        args = ("lead", "edit", "1", "--name", "Changed")
        result, waited = _timed(db_url, *args, SALESCLI_BUSY_TIMEOUT="1")
        conn.rollback()
    holder.dispose()
    assert result.returncode == 75, result.stderr
    assert result.stderr.count("\n") == 1 and "busy" in result.stderr
    assert cli.sql("SELECT name FROM lead") == [("Locked",)]
    unblocked, baseline = _timed(db_url, *args, SALESCLI_BUSY_TIMEOUT="1")
    assert unblocked.returncode == 0, unblocked.stderr
    assert waited >= 1.0 and waited - baseline < 3.0, (waited, baseline)


# ---------------------------------------------------------------- 3. permanent vs temporary


@pg_only
def test_a_missing_database_is_not_worth_retrying(cli):
    url = _pg_url("salescli_no_such_database")
    result = cli("--db", url, "lead", "list")
    assert result.code == 1
    assert result.err == (
        'Error: cannot connect to the database: database "salescli_no_such_database" does not '
        "exist (check --db / SALESCLI_DB, or create it with createdb)\n"
    )


@pg_only
def test_a_missing_role_is_not_worth_retrying(cli):
    from sqlalchemy.engine import make_url

    url = make_url(_pg_url("postgres")).set(username="salescli_no_such_role")
    result = cli("--db", url.render_as_string(hide_password=False), "lead", "list")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert 'role "salescli_no_such_role" does not exist' in result.err


def test_an_unreachable_server_is_worth_retrying(cli):
    result = cli("--db", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", "lead", "list")
    assert result.code == 75
    assert result.err.count("\n") == 1
    assert result.err.startswith("Error: database server unreachable")
    assert "Connection refused" in result.err


FATAL = 'connection failed: connection to server at "db", port 5432 failed: FATAL:  '


@pytest.mark.parametrize(
    ("server_says", "code", "line"),
    [
        (
            'password authentication failed for user "ana"',
            1,
            'cannot connect to the database: password authentication failed for user "ana" '
            "(check the password (~/.pgpass or PGPASSWORD))",
        ),
        (
            'no pg_hba.conf entry for host "10.0.0.9", user "ana", database "sales"',
            1,
            'cannot connect to the database: no pg_hba.conf entry for host "10.0.0.9", user '
            '"ana", database "sales" (the server\'s pg_hba.conf does not admit this user or host)',
        ),
        (
            "sorry, too many clients already",
            75,
            "database server busy: sorry, too many clients already; retry later",
        ),
        (
            "the database system is shutting down",
            75,
            "database server busy: the database system is shutting down; retry later",
        ),
    ],
)
def test_connection_failures_are_classified(server_says, code, line):
    # Failures this server (trust auth, always up) cannot produce: the driver's own exception.
    import psycopg
    from sqlalchemy import exc

    from salescli import db

    error = exc.OperationalError(None, None, psycopg.OperationalError(FATAL + server_says))
    translated = db.translate_error(error)
    assert (translated.exit_code, str(translated)) == (code, line)


@pytest.mark.parametrize(
    ("sqlstate", "code"),
    [("55P03", 75), ("40001", 75), ("40P01", 75), ("57P01", 75), ("08006", 75), ("22001", 1)],
)
def test_errors_are_classified_by_sqlstate(sqlstate, code):
    import psycopg
    from sqlalchemy import exc

    from salescli import db

    orig = psycopg.errors.lookup(sqlstate)("message\nDETAIL: Key (email)=(ana@example.com)")
    error = exc.DBAPIError("INSERT INTO lead VALUES (%s)", ("ana@example.com",), orig)
    translated = db.translate_error(error)
    assert translated.exit_code == code
    assert "ana@example.com" not in str(translated) and "INSERT" not in str(translated)


# ---------------------------------------------------------------- 4. backup before a migration


def _downgrade_to_0001(url: str) -> None:
    """Bring a migrated database back to revision 0001 (the default pipeline removed, the
    columns 0003 and 0004 add, the indexes 0005 changes, the table 0006 adds, the task
    columns and indexes 0007 adds, the tables 0007 and 0008 add, the indexes 0009
    changes and the indexes 0010 and 0011 add)."""
    import importlib

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    m0005 = importlib.import_module("salescli.migrations.versions.0005_list_indexes")
    added, replaced = m0005.ADDED, m0005.REPLACED
    m0009 = importlib.import_module("salescli.migrations.versions.0009_task_auto_indexes")
    eng = create_engine(url if "://" in url else f"sqlite:///{url}", poolclass=NullPool)
    with eng.begin() as conn:
        # 0011: the open deals by stage and close date.
        conn.execute(text("DROP INDEX ix_deal_stage_id_close_date"))
        # 0010: the covering index of the money aggregation.
        conn.execute(text("DROP INDEX ix_deal_close_date_totals"))
        # 0009: the wider indexes back to their prefixes.
        for _table, name, _columns in m0009.ADDED:
            conn.execute(text(f"DROP INDEX {name}"))
        for table, name, columns in m0009.REPLACED:
            conn.execute(text(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})"))
        # 0008 and 0007: the quota and forecast tables, the stage rules, the task columns.
        for table in ("forecastsnapshot", "forecastadjustment", "quota", "taskrule"):
            conn.execute(text(f"DROP TABLE {table}"))
        for index in (
            "ux_task_rule_key",
            "ix_task_owner_id_done_at_due_at",
            "ix_task_lead_id",
            "ix_task_deal_id",
            "ix_task_account_id",
            "ix_task_contact_id",
        ):
            conn.execute(text(f"DROP INDEX {index}"))
        for column in ("timed", "every", "note", "done_note", "updated_at", "rule", "rule_key", "series_id"):  # fmt: skip
            conn.execute(text(f"ALTER TABLE task DROP COLUMN {column}"))
        conn.execute(text("ALTER TABLE leadtag DROP COLUMN label"))
        conn.execute(text("ALTER TABLE stagechange DROP COLUMN amount_minor"))
        conn.execute(text("ALTER TABLE stagechange DROP COLUMN currency"))
        for _table, name, _columns in added:
            conn.execute(text(f"DROP INDEX {name}"))
        for table, name, columns in replaced:
            conn.execute(text(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})"))
        conn.execute(text("DROP TABLE leadkey"))
        conn.execute(text("DELETE FROM stage"))
        conn.execute(text("DELETE FROM lostreason"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    eng.dispose()


@pg_only
def test_a_postgresql_migration_takes_a_pg_dump_first(cli, db_url, tmp_path):
    _downgrade_to_0001(db_url)
    home = tmp_path / "home"
    result = subprocess.run(
        [sys.executable, "-m", "salescli", "lead", "list"],
        env=clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW, HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    dumps = list(home.rglob("*.pre-0001.dump"))
    assert len(dumps) == 1, result.stderr
    assert dumps[0].stat().st_mode & 0o077 == 0
    assert f"backup {dumps[0]}" in result.stderr
    listing = subprocess.run(["pg_restore", "--list", str(dumps[0])], capture_output=True)
    assert listing.returncode == 0 and b"TABLE DATA public stage" in listing.stdout
    assert cli.sql("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert cli.sql("SELECT count(*) FROM stage") == [(6,)]


@pg_only
def test_a_postgresql_migration_without_pg_dump_needs_yes(cli, db_url, tmp_path):
    _downgrade_to_0001(db_url)
    bare = tmp_path / "bin"  # a PATH without pg_dump
    bare.mkdir()
    env = clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW)
    env["PATH"] = str(bare)
    run = [sys.executable, "-m", "salescli"]
    result = subprocess.run([*run, "lead", "list"], env=env, capture_output=True, text=True)
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1
    assert "pg_dump" in result.stderr and "salescli db migrate --yes" in result.stderr
    assert cli.sql("SELECT version_num FROM alembic_version") == [("0001",)]
    result = subprocess.run([*run, "db", "migrate"], env=env, capture_output=True, text=True)
    assert result.returncode == 4
    assert cli.sql("SELECT version_num FROM alembic_version") == [("0001",)]
    result = subprocess.run(
        [*run, "db", "migrate", "--yes"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert cli.sql("SELECT version_num FROM alembic_version") == [(HEAD,)]


@sqlite_only
def test_a_sqlite_migration_still_backs_up_on_its_own(cli, db_url):
    _downgrade_to_0001(db_url)
    cli.ok("lead", "list")
    backup = Path(f"{db_url}.pre-0001.bak")
    assert backup.exists()
    assert cli.sql("SELECT version_num FROM alembic_version") == [(HEAD,)]


@pytest.mark.slow
def test_commands_opening_an_old_database_at_once_migrate_it_once(cli, db_url, tmp_path):
    # Each checks the revision, then re-reads it under the write lock: one backs up and
    # migrates, the others find it done (before: a shared backup file, "disk I/O error").
    for run in range(2):
        _downgrade_to_0001(db_url)
        home = tmp_path / f"home{run}"
        procs = [_spawn(db_url, "lead", "list", HOME=str(home)) for _ in range(3)]
        results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
        for proc in procs:
            proc.stdout.close()
            proc.stderr.close()
        assert [code for code, _ in results] == [0, 0, 0], results
        assert sum(err.startswith("Migrated ") for _, err in results) == 1, results
        assert cli.sql("SELECT count(*) FROM stage") == [(6,)]
        assert cli.sql("SELECT version_num FROM alembic_version") == [(HEAD,)]


# ---------------------------------------------------------------- 5. no SQL, no parameters


def _refuse_inserts(cli, sqlstate: str) -> None:
    """A trigger that fails every new lead with `sqlstate`: a driver error no validation sees.
    On SQLite: RAISE(ABORT) (an IntegrityError) or a missing table (an OperationalError)."""
    if "://" not in cli.url:
        action = (
            "SELECT RAISE(ABORT, 'refused by trigger')"
            if sqlstate == "23514"
            else "INSERT INTO refused_by_trigger VALUES (1)"
        )
        cli_sql_script(cli.url, f"CREATE TRIGGER refuse BEFORE INSERT ON lead BEGIN {action}; END;")
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(cli.url, poolclass=NullPool)
    with eng.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION 'refused by trigger' USING ERRCODE = '{sqlstate}'; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON lead FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        )
    eng.dispose()


def cli_sql_script(path: str, script: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(script)
    finally:
        conn.close()


@pytest.mark.parametrize(
    "sqlstate",
    [
        "23514",  # check_violation: IntegrityError
        "22001",  # string_data_right_truncation: DataError
        "XX000",  # internal_error: InternalError
        "42501",  # insufficient_privilege: ProgrammingError
        "53100",  # disk_full: OperationalError
    ],
)
def test_a_driver_error_is_one_line_without_sql_or_data(cli, sqlstate, tmp_path):
    if "://" not in cli.url and sqlstate not in ("23514", "53100"):
        pytest.skip("SQLite triggers raise an IntegrityError or an OperationalError")
    _refuse_inserts(cli, sqlstate)
    result = cli("lead", "add", "Ana Secret", "--email", "ana.secret@example.com")
    assert result.code == 1, result.err
    assert result.err.count("\n") == 1, result.err
    assert "refused by trigger" in result.err or "refused_by_trigger" in result.err
    for leak in ("INSERT", "Ana Secret", "ana.secret", "parameters", "[SQL", "internal error"):
        assert leak not in result.err
    source = tmp_path / "leads.csv"
    source.write_text("name,email\nBea Secret,bea@example.com\n", encoding="utf-8")
    result = cli("lead", "import", str(source))
    assert result.code == 1 and result.err.count("\n") == 1, result.err
    for leak in ("INSERT", "Bea Secret", "bea@example", "[SQL", "internal error"):
        assert leak not in result.err
    assert cli.sql("SELECT count(*) FROM lead") == [(0,)]


@pg_only
def test_a_nul_byte_in_an_import_cell_never_echoes_the_rows(cli, tmp_path):
    source = tmp_path / "leads.csv"
    rows = "".join(f"Person {i},p{i}@example.com,+1555000{i:04d}\n" for i in range(10))
    source.write_text("name,email,phone\n" + rows + "Nul\x00Name,nul@example.com,\n")
    result = cli("lead", "import", str(source))
    assert result.code == 1
    # Refused as an invalid row before any SQL runs: the refusal and the row, nothing else.
    assert result.err.count("\n") == 2, result.err
    assert "\n  line 12: column 'name': contains the control character \\x00 (at" in result.err
    for leak in ("INSERT", "Person 3", "p3@example.com", "[SQL", "internal error"):
        assert leak not in result.err
    assert cli.sql("SELECT count(*) FROM lead") == [(0,)]


# ---------------------------------------------------------------- 6. a failed migration


def test_a_failed_migration_names_itself_and_the_backup(cli, db_url, tmp_path):
    _downgrade_to_0001(db_url)
    url = db_url if "://" in db_url else f"sqlite:///{db_url}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(url, poolclass=NullPool)
    with eng.begin() as conn:  # a stage the default pipeline is about to add
        conn.execute(
            text(
                "INSERT INTO stage (name, position, probability, forecast_category, "
                "stale_days, kind) VALUES ('prospecting', 1, 10, 'pipeline', 14, 'open')"
            )
        )
    eng.dispose()
    for _ in range(2):  # every later command says the same
        result = _run(db_url, "lead", "list", HOME=str(tmp_path / "home"))
        assert result.returncode == 1, result.stderr
        err = result.stderr
        assert err.count("\n") == 1, err
        assert err.startswith(
            "Error: migration 0002 (default pipeline stages and lost reasons) failed: "
        )
        assert "the database is unchanged, still at revision 0001" in err
        backup = err.split("a backup was taken before it: ")[1].split(" ")[0]
        assert Path(backup).exists()
        assert f"salescli db restore {backup} --yes" in err
    assert cli.sql("SELECT version_num FROM alembic_version") == [("0001",)]
    assert cli.sql("SELECT count(*) FROM stage") == [(1,)]


# ---------------------------------------------------------------- 7. not a salescli database


@sqlite_only
def test_a_foreign_sqlite_file_is_refused_untouched(cli, tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.executescript("CREATE TABLE recipe (name TEXT); CREATE TABLE step (n INTEGER);")
    conn.close()
    before = other.read_bytes()
    result = cli("--db", str(other), "lead", "list")
    assert result.code == 1
    assert result.err == (
        f"Error: {other} is not a salescli database (it has tables recipe, step and no "
        "alembic_version); point --db or SALESCLI_DB at a salescli database or a new file\n"
    )
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("other")) == ["other.db"]


def test_an_empty_alembic_version_is_refused_untouched(cli):
    cli.ok("lead", "add", "Kept", "--email", "kept@example.com")
    from salescli import db_migrate

    db_migrate.forget_schema_check()
    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(url, poolclass=NullPool)
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    eng.dispose()
    before = Path(cli.url).read_bytes() if "://" not in cli.url else None
    result = cli("lead", "list")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "has an empty alembic_version table (its schema revision is lost)" in result.err
    assert "CREATE" not in result.err
    if before is not None:
        assert Path(cli.url).read_bytes() == before
    assert cli.sql("SELECT count(*) FROM lead") == [(1,)]
    assert cli.sql("SELECT count(*) FROM alembic_version") == [(0,)]


def test_tables_without_alembic_version_are_refused_untouched(cli):
    cli.ok("lead", "add", "Kept", "--email", "kept@example.com")
    from salescli import db_migrate

    db_migrate.forget_schema_check()
    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(url, poolclass=NullPool)
    with eng.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    eng.dispose()
    result = cli("lead", "list")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "is not a salescli database (it has tables account, activity, " in result.err
    assert "and no alembic_version)" in result.err
    assert cli.sql("SELECT count(*) FROM lead") == [(1,)]


# ---------------------------------------------------------------- 8. unsupported URLs

SUPPORTED = (
    "give a file path, sqlite:///PATH or postgresql://USER@HOST/DATABASE "
    "(postgresql+psycopg://... also works)"
)


@sqlite_only
@pytest.mark.parametrize(
    "value",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "foo://bar",
        "mysql://root:hunter2@localhost/sales",
        "postgresql+psycopg2://u@h/db",
        "postgresql://u@h:notaport/db",
    ],
)
def test_unsupported_database_urls_are_usage_errors(cli, value):
    shown = value.replace("hunter2", "***")
    result = cli("--db", value, "lead", "list")
    assert result.code == 2, result.err
    assert result.err == f"Error: --db '{shown}' is not a supported database: {SUPPORTED}\n"
    result = cli("lead", "list", env={"SALESCLI_DB": value})
    assert result.code == 2, result.err
    assert result.err == (
        f"Error: SALESCLI_DB '{shown}' is not a supported database: {SUPPORTED}\n"
    )


@pg_only
def test_a_plain_postgresql_url_uses_psycopg(cli, db_url):
    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    cli.ok("--db", plain, "lead", "add", "Plain", "--email", "plain@example.com")
    assert cli.sql("SELECT name FROM lead") == [("Plain",)]


def test_a_nul_byte_the_driver_refuses_is_named_without_the_value():
    # The last line of defence if a NUL ever gets past the per-field checks.
    import psycopg
    from sqlalchemy import exc

    from salescli import db

    orig = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    error = exc.DataError("INSERT INTO note (body) VALUES (%s)", ("secret\x00",), orig)
    assert str(db.translate_error(error)) == (
        "a value contains a NUL byte (\\x00), which PostgreSQL cannot store: remove it and retry"
    )


def test_a_path_with_a_question_mark_or_hash_is_refused(tmp_path):
    import subprocess
    import sys

    from tests.conftest import clean_env

    for name in ("we?ird", "we#ird"):
        folder = tmp_path / name
        folder.mkdir()
        target = folder / "sales.db"
        done = subprocess.run(
            [sys.executable, "-m", "salescli", "--db", str(target), "lead", "list"],
            env=clean_env(),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2
        assert done.stderr.startswith(f"Error: --db '{target}' has a '?' or '#' in its path")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            ["we?ird", "we#ird"][: 1 + (name == "we#ird")]
        )
        assert list(folder.iterdir()) == []
