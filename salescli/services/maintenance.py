"""Database upkeep: init, migrate, check, backup, restore."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from salescli import db
from salescli.errors import InvalidData, NotFound, SalesError


def init(url: str) -> dict:
    db.ensure_schema(url)
    return {"database": db.display_url(url), "revision": db.current_revision(url)}


def migrate(url: str, *, without_backup: bool = False) -> dict:
    """Migrate to head after a backup; `without_backup` lets PostgreSQL proceed when pg_dump
    cannot run (the user backed up another way)."""
    from salescli.migrations import HEAD

    before = db.current_revision(url)
    backup = None
    if before != HEAD:
        backup = db.migrate(url, before, without_backup=without_backup)
    return {
        "database": db.display_url(url),
        "from_revision": before,
        "revision": db.current_revision(url),
        "backup": str(backup) if backup else None,
    }


def check(url: str) -> dict:
    """Integrity and foreign-key checks; `ok` is False on any fault."""
    from sqlalchemy import text

    from salescli.migrations import HEAD

    db.ensure_schema(url)
    problems: list[str] = []
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


def vacuum(url: str) -> dict:
    """Rebuild the file to reclaim space left by deletes (SQLite); VACUUM ANALYZE on PostgreSQL."""
    from sqlalchemy import text

    db.ensure_schema(url)
    path = db.sqlite_path(url)
    before = path.stat().st_size if path else None
    # VACUUM cannot run inside a transaction: on SQLite the raw driver connection is in
    # autocommit (isolation_level None, see db.engine); on PostgreSQL ask for AUTOCOMMIT.
    if db.is_sqlite(url):
        raw = db.engine(url, write=False).raw_connection()
        try:
            raw.driver_connection.execute("VACUUM")
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
    suffix = ".db" if path else ".sql"
    return base / "backups" / f"sales-{db.timestamp_name(now)}{suffix}"


def backup(url: str, target: Path) -> dict:
    db.ensure_schema(url)
    target = target.expanduser().absolute()
    if target.exists() and target.is_dir():
        raise InvalidData(
            f"backup path '{target}' is a directory; give a file name (e.g. sales-copy.db)"
        )
    if db.is_sqlite(url):
        source = db.sqlite_path(url)
        if source is None:
            raise InvalidData("an in-memory database cannot be backed up")
        _private_dir(target.parent)
        db.sqlite_backup(source, target)
        _quick_check(target)
    else:
        _pg_dump(url, target)
    return {"database": db.display_url(url), "backup": str(target), "bytes": target.stat().st_size}


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
        safety = default_backup_path(url, now).with_name(
            f"sales-{db.timestamp_name(now)}-before-restore.db"
        )
        _private_dir(safety.parent)
        db.sqlite_backup(target, safety)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=db.busy_timeout())
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)
    db._CHECKED.discard(url)
    db.ensure_schema(url)
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
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
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


def _pg_dump(url: str, target: Path) -> None:
    _private_dir(target.parent)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(target, 0o600)
    with os.fdopen(fd, "wb") as out:
        result = subprocess.run(
            [_pg_command("pg_dump"), "--format=custom", "--no-owner", "--dbname", _libpq_url(url)],
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise SalesError(f"pg_dump failed: {result.stderr.decode(errors='replace').strip()}")


def _pg_restore(url: str, source: Path, now: dt.datetime) -> dict:
    safety = default_backup_path(url, now).with_name(
        f"sales-{db.timestamp_name(now)}-before-restore.dump"
    )
    _pg_dump(url, safety)
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
    db._CHECKED.discard(url)
    return {
        "database": db.display_url(url),
        "restored_from": str(source),
        "previous_saved_to": str(safety),
    }
