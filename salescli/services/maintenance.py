"""Database upkeep: init, migrate, check, backup, restore."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from salescli import db, db_migrate
from salescli.errors import InvalidData, NotFound, SalesError


def init(url: str) -> dict:
    db_migrate.ensure_schema(url)
    return {"database": db.display_url(url), "revision": db_migrate.current_revision(url)}


def migrate(url: str, *, without_backup: bool = False) -> dict:
    """Migrate to head after a backup; `without_backup` lets PostgreSQL proceed when pg_dump
    cannot run (the user backed up another way)."""
    from salescli.migrations import HEAD

    before = db_migrate.current_revision(url)
    backup = None
    if before != HEAD:
        backup = db_migrate.migrate(url, before, without_backup=without_backup)
    return {
        "database": db.display_url(url),
        "from_revision": before,
        "revision": db_migrate.current_revision(url),
        "backup": str(backup) if backup else None,
    }


def check(url: str) -> dict:
    """Integrity and foreign-key checks; `ok` is False on any fault."""
    from sqlalchemy import text

    from salescli.migrations import HEAD

    path = db.sqlite_path(url)
    if path is not None:
        damaged = _sqlite_file_problems(path)
        if damaged is not None:
            revision, problems = damaged
            return {
                "database": db.display_url(url),
                "revision": revision,
                "ok": False,
                "problems": problems,
            }
    db_migrate.ensure_schema(url)
    problems = []
    with db.engine(url, write=False).connect() as conn:
        if db.is_sqlite(url):
            for (line,) in conn.execute(text("PRAGMA integrity_check")).all():
                if line != "ok":
                    problems.append(f"integrity: {line}")
            for row in conn.execute(text("PRAGMA foreign_key_check")).all():
                problems.append(
                    f"foreign key: table {row[0]} row {row[1]} refers to missing {row[2]}"
                )
        else:
            invalid = conn.execute(
                text(
                    "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                    "WHERE contype = 'f' AND NOT convalidated"
                )
            ).all()
            problems.extend(f"foreign key not validated: {t}.{c}" for t, c in invalid)
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision != HEAD:
            problems.append(f"schema revision {revision} is not the current {HEAD}")
    return {
        "database": db.display_url(url),
        "revision": revision,
        "ok": not problems,
        "problems": problems,
    }


def _sqlite_file_problems(path: Path) -> tuple[str | None, list[str]] | None:
    """(revision, problems) when the file fails SQLite's integrity check, else None.

    Runs on a connection of its own that only reads, before anything else touches the file,
    so a damaged file is reported (ok: false) instead of failing the first query.
    """
    if not path.exists():
        return None
    # A file salescli may write is opened normally (a read-only connection would leave -wal
    # and -shm files behind); nothing is written either way.
    uri = db.read_only_uri(path) or f"file:{db.quote_path(path)}"
    revision = None
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=db.busy_timeout())
    except sqlite3.Error as exc:
        return None, [f"the file cannot be opened as a SQLite database: {_first_line(exc)}"]
    try:
        try:
            lines = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            return None, [f"the file cannot be read as a SQLite database: {_first_line(exc)}"]
        if lines == ["ok"]:
            return None
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except (sqlite3.Error, TypeError):
            revision = None
        problems = [
            f"integrity: {part}"
            for line in lines
            for part in str(line).splitlines()
            if part.strip() and not part.startswith("*** in database")
        ]
        return revision, problems
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def vacuum(url: str) -> dict:
    """Rebuild the file to reclaim space left by deletes (SQLite); VACUUM ANALYZE on PostgreSQL."""
    from sqlalchemy import text

    db_migrate.ensure_schema(url)
    path = db.sqlite_path(url)
    before = path.stat().st_size if path else None
    # VACUUM cannot run inside a transaction: on SQLite the raw driver connection is in
    # autocommit (isolation_level None, see db.engine); on PostgreSQL ask for AUTOCOMMIT.
    if db.is_sqlite(url):
        raw = db.engine(url, write=False).raw_connection()
        try:
            driver: Any = raw.driver_connection
            driver.execute("VACUUM")
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    else:
        with db.engine(url, write=False).connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    after = path.stat().st_size if path else None
    return {"database": db.display_url(url), "bytes_before": before, "bytes_after": after}


def default_backup_path(url: str, now: dt.datetime) -> Path:
    path = db.sqlite_path(url)
    base = path.parent if path else db.default_path().parent
    return base / "backups" / backup_name(url, now)


def backup_name(url: str, now: dt.datetime, label: str = "") -> str:
    """`sales-<UTC time><label>.db` (`.dump` on PostgreSQL); a second one in the same second
    gets `-2`, `-3`... when it is written (see `files.output_file`, exist="unique")."""
    suffix = ".db" if db.is_sqlite(url) else ".dump"
    return f"sales-{db.timestamp_name(now)}{label}{suffix}"


def backup_target(url: str, path: str | None, now: dt.datetime) -> tuple[Path, str]:
    """Where `db backup [PATH]` writes, and how (`files.output_file` exist=): a new uniquely
    named file in the default folder or in PATH when it is a directory ("unique"), else PATH
    itself ("new": an existing file needs --yes). The live database is always refused."""
    from salescli import files

    if path is None:
        return default_backup_path(url, now), "unique"
    target = Path(path).expanduser()
    if target.is_dir() and not target.is_symlink():
        return target.absolute() / backup_name(url, now), "unique"
    if target.parent.is_dir() or target.exists() or target.is_symlink():
        files.check_output(str(target), option="backup path")
    return target.absolute(), "new"


def backup(url: str, target: Path, exist: str = "new") -> dict:
    """A consistent copy of the database at `target` (see `backup_target` for `exist`)."""
    db_migrate.ensure_schema(url)
    target = target.expanduser().absolute()
    if db.is_sqlite(url):
        source = db.sqlite_path(url)
        if source is None:
            raise InvalidData("an in-memory database cannot be backed up")
        written = db.sqlite_backup(source, target, exist=exist, verify=_quick_check)
    else:
        written = _pg_dump(url, target, exist)
    return {
        "database": db.display_url(url),
        "backup": str(written),
        "bytes": written.stat().st_size,
    }


def restore(url: str, source: Path, now: dt.datetime) -> dict:
    """Replace the database with a backup, after backing up the current one."""
    source = source.expanduser().absolute()
    if not source.is_file():
        raise NotFound(f"backup file '{source}' not found")
    if not db.is_sqlite(url):
        return _pg_restore(url, source, now)
    _quick_check(source)
    target = db.sqlite_path(url)
    if target is None:
        raise InvalidData("an in-memory database cannot be restored")
    safety = None
    if target.exists() and target.stat().st_size > 0:
        reason = db.read_only_reason(target)
        if reason:
            raise SalesError(f"the database '{target}' is read-only ({reason}): nothing restored")
        safety = default_backup_path(url, now).with_name(backup_name(url, now, "-before-restore"))
        _private_dir(safety.parent)
        safety = db.sqlite_backup(target, safety, exist="unique")
    db.prepare_sqlite_file(target)
    src = sqlite3.connect(f"file:{db.quote_path(source)}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=db.busy_timeout())
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    db_migrate.forget_schema_check(url)
    db_migrate.ensure_schema(url)
    return {
        "database": str(target),
        "restored_from": str(source),
        "previous_saved_to": str(safety) if safety else None,
    }


def _private_dir(path: Path) -> None:
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)


def _quick_check(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{db.quote_path(path)}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()
            has_schema = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise InvalidData(f"'{path}' is not a SQLite database") from None
    if result is None or result[0] != "ok":
        raise InvalidData(f"'{path}' failed its integrity check: {result}")
    if not has_schema:
        raise InvalidData(f"'{path}' is not a salescli database (no schema version)")


def _pg_command(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SalesError(
            f"{name} is needed to back up or restore PostgreSQL; install the PostgreSQL client"
        )
    return found


def _libpq_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_dump(url: str, target: Path, exist: str) -> Path:
    from salescli import files

    _private_dir(target.parent)
    with files.output_file(target, option="backup path", exist=exist) as pending:
        with open(pending.tmp, "wb") as out:
            result = subprocess.run(
                [
                    _pg_command("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--dbname",
                    _libpq_url(url),
                ],
                stdout=out,
                stderr=subprocess.PIPE,
                check=False,
            )
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            raise SalesError(f"pg_dump failed: {detail[-1] if detail else result.returncode}")
    assert pending.final is not None
    return pending.final


def _pg_restore(url: str, source: Path, now: dt.datetime) -> dict:
    safety = default_backup_path(url, now).with_name(backup_name(url, now, "-before-restore"))
    safety = _pg_dump(url, safety, "unique")
    result = subprocess.run(
        [
            _pg_command("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(url),
            str(source),
        ],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise SalesError(f"pg_restore failed: {result.stderr.decode(errors='replace').strip()}")
    db_migrate.forget_schema_check(url)
    return {
        "database": db.display_url(url),
        "restored_from": str(source),
        "previous_saved_to": str(safety),
    }
