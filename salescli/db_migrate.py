"""Migrate-on-open: the schema check of a database at its first open in a process
(`ensure_schema`, `current_revision`), the Alembic migrations to head in one transaction
(`migrate`) after a backup (a copy beside a SQLite file, `pg_backup` on PostgreSQL), and a
failed migration as one line naming it and the backup. Connections come from salescli.db."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from salescli.db import (
    busy_timeout,
    check_existing_sqlite_file,
    default_path,
    display_url,
    engine,
    is_sqlite,
    quote_path,
    read_only_reason,
    read_only_uri,
    sqlite_backup,
    sqlite_path,
    translated,
)
from salescli.db_errors import BUSY_MESSAGE, first_line, translate_error
from salescli.errors import Busy, Refused, SalesError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


_CHECKED: set[str] = set()


def forget_schema_check(url: str | None = None) -> None:
    """Check (and migrate) the schema of `url` (every database when None) again at its next
    open in this process, e.g. after the file was replaced or its revision changed."""
    if url is None:
        _CHECKED.clear()
    else:
        _CHECKED.discard(url)


class BackupUnavailable(Refused):
    """No backup could be taken before a migration (PostgreSQL without a working pg_dump)."""


class MigrationFailed(SalesError):
    """A migration raised: nothing was changed; the message names it and the backup."""


def ensure_schema(url: str) -> None:
    """Migrate forward on first open in this process; a backup is taken before a migration."""
    if url in _CHECKED:
        return
    from salescli.migrations import HEAD

    current = current_revision(url)
    if is_sqlite(url):
        # The check above read the file without changing it; now that it is known to be
        # salescli's, open it once as every command does (WAL mode, file modes).
        with translated(), engine(url, write=False).connect():
            pass
    if current != HEAD:
        before = current
        backup, applied = _migrate(url, current)
        if before is not None and applied:  # another process may have just done it
            from salescli.render import message

            saved = f"; backup {backup}" if backup else ""
            message(f"Migrated {display_url(url)} from revision {before} to {HEAD}{saved}")
    _CHECKED.add(url)


def current_revision(url: str) -> str | None:
    """The schema revision; None for a blank database. A database with tables but no
    revision (another program's, or an emptied alembic_version) is refused untouched."""
    state = _sqlite_schema(url) if is_sqlite(url) else None
    if state is None:
        state = _schema_via_engine(url)
    tables, has_version, revision = state
    where = display_url(url)
    if has_version and revision is None:
        raise SalesError(
            f"{where} has an empty alembic_version table (its schema revision is lost): "
            "restore a backup (salescli db restore BACKUP --yes); salescli will not guess "
            "the revision and changed nothing"
        )
    if not has_version and tables:
        shown = ", ".join(tables[:5]) + (f", … ({len(tables)} in all)" if len(tables) > 5 else "")
        raise SalesError(
            f"{where} is not a salescli database (it has tables {shown} and no "
            "alembic_version); point --db or SALESCLI_DB at a salescli database or a new file"
        )
    return revision


def _sqlite_schema(url: str) -> tuple[list[str], bool, str | None] | None:
    """Read the schema through a read-only connection that changes nothing in the file
    (the engine would switch it to WAL); None when that cannot be opened (the engine tries)."""
    path = sqlite_path(url)
    if path is not None and path.exists():
        check_existing_sqlite_file(path, path.stat())  # a directory, a device, not SQLite
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return [], False, None
    try:
        # A file salescli cannot write is read as the engine reads it (immutable when no log
        # is pending: a read-only folder has no room for a -shm file).
        uri = read_only_uri(path) or f"file:{quote_path(path)}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout())
    except sqlite3.Error:
        return None
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        revision = None
        if "alembic_version" in tables:
            revision = conn.execute("SELECT max(version_num) FROM alembic_version").fetchone()[0]
    except sqlite3.Error as exc:
        if "unable to open" in str(exc):
            return None
        raise translate_error(exc) from exc
    finally:
        conn.close()
    return [t for t in tables if t != "alembic_version"], "alembic_version" in tables, revision


def _schema_via_engine(url: str) -> tuple[list[str], bool, str | None]:
    with translated(), engine(url, write=False).connect() as conn:
        return _schema_on(conn, url)


def _schema_on(conn: Connection, url: str) -> tuple[list[str], bool, str | None]:
    from sqlalchemy import text

    query = (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
        if is_sqlite(url)
        else "SELECT table_name FROM information_schema.tables WHERE table_schema = "
        "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables = [str(name) for (name,) in conn.execute(text(query))]
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT max(version_num) FROM alembic_version")).scalar()
    return [t for t in tables if t != "alembic_version"], "alembic_version" in tables, revision


def migrate(url: str, current: str | None, *, without_backup: bool = False) -> Path | None:
    """Run the Alembic migrations to head in one transaction, after a backup of an existing
    database: a copy beside a SQLite file, a pg_dump on PostgreSQL (refused when pg_dump
    cannot run, unless `without_backup`). A failure names the migration and the backup.
    Returns the backup taken, if any."""
    return _migrate(url, current, without_backup=without_backup)[0]


def _migrate(
    url: str, current: str | None, *, without_backup: bool = False
) -> tuple[Path | None, list[str]]:
    from salescli.migrations import HEAD

    _refuse_newer(current)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "salescli:migrations")
    applied: list[str] = []
    config.attributes["applied"] = applied
    backup_path = None
    try:
        with translated(), engine(url, write=True).connect() as conn:
            # Under the write lock (taken as the transaction begins): read the revision
            # again, so that of several commands opening an old database at once, one backs
            # up and migrates and the others find it done.
            tables, _, current = _schema_on(conn, url)
            if current == HEAD:
                conn.rollback()
                _CHECKED.add(url)
                return None, []
            _refuse_newer(current)
            if current is not None or tables:
                backup_path = _backup_before_migrating(url, current, without_backup)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
    except (Busy, BackupUnavailable):
        raise
    except Exception as exc:
        raise _migration_failed(exc, current, applied, backup_path) from exc
    _CHECKED.add(url)
    return backup_path, applied


def _refuse_newer(current: str | None) -> None:
    from salescli.migrations import KNOWN_REVISIONS

    if current is not None and current not in KNOWN_REVISIONS:
        raise SalesError(
            f"the database schema ({current}) is newer than this salescli; upgrade salescli"
        )


def _backup_before_migrating(url: str, current: str | None, without_backup: bool) -> Path | None:
    """A copy beside a SQLite file; a pg_dump on PostgreSQL, or a refusal when pg_dump cannot
    run (unless `without_backup`: the user backed up another way)."""
    from salescli.migrations import HEAD

    if is_sqlite(url):
        path = sqlite_path(url)
        if path is None:
            return None
        reason = read_only_reason(path)
        if reason:
            raise SalesError(
                f"the database '{path}' needs migrating from {current} but is read-only "
                f"({reason}): make it writable, then run `salescli db migrate`"
            )
        return sqlite_backup(path, path.with_name(f"{path.name}.pre-{current}.bak"), exist="unique")
    try:
        return pg_backup(url, _pg_backup_target(url, current or "empty"))
    except BackupUnavailable as exc:
        if without_backup:
            return None
        raise BackupUnavailable(
            f"{display_url(url)} needs migrating from revision {current} to {HEAD} "
            f"and no backup could be taken ({exc}): back it up yourself "
            f"(pg_dump --format=custom --file=sales-{current}.dump '{_libpq_url(url)}'), "
            "then run: salescli db migrate --yes"
        ) from None


def _migration_failed(
    exc: Exception, current: str | None, applied: list[str], backup: Path | None
) -> MigrationFailed:
    from salescli.migrations import KNOWN_REVISIONS

    done = applied[-1] if applied else current
    index = KNOWN_REVISIONS.index(done) + 1 if done in KNOWN_REVISIONS else 0
    revision = KNOWN_REVISIONS[min(index, len(KNOWN_REVISIONS) - 1)]
    if isinstance(exc, SalesError):
        reason = str(exc)
    else:
        translated = translate_error(exc)
        reason = str(translated) if translated is not exc else first_line(f"{exc!r}")
    reason = reason.removeprefix("refused by the database: ")
    state = f"still at revision {current}" if current else "still empty"
    if backup is not None:
        restore = (
            f"a backup was taken before it: {backup} "
            f"(to put it back: salescli db restore {backup} --yes)"
        )
    else:
        restore = "no backup was taken"
    return MigrationFailed(
        f"migration {revision} ({_revision_title(revision)}) failed: {reason}; "
        f"the database is unchanged, {state}; {restore}"
    )


def _revision_title(revision: str) -> str:
    """The first words of a migration's docstring ("default pipeline stages ...")."""
    import importlib.resources

    for item in importlib.resources.files("salescli.migrations.versions").iterdir():
        if item.name.startswith(f"{revision}_") and item.name.endswith(".py"):
            body = item.read_text(encoding="utf-8").lstrip()
            title = body.strip('"').splitlines()[0].strip('"').strip()
            return title.split(" (", 1)[0]
    return revision


def _libpq_url(url: str) -> str:
    """The URL as pg_dump/psql take it (no +psycopg), the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)


def _pg_backup_target(url: str, current: str) -> Path:
    from sqlalchemy.engine import make_url

    name = make_url(url).database or "postgres"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return default_path().parent / "backups" / f"{name}-{stamp}.pre-{current}.dump"


def pg_backup(url: str, target: Path) -> Path:
    """`pg_dump --format=custom` of the database into `target` (0600, written whole or not
    at all); BackupUnavailable when pg_dump is missing or fails, Busy when it waits too long."""
    import shutil
    import subprocess

    from sqlalchemy.engine import make_url

    exe = shutil.which("pg_dump")
    if exe is None:
        raise BackupUnavailable("pg_dump not found on PATH")
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)  # not on the command line (ps shows it)
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            result = subprocess.run(
                [
                    exe,
                    "--format=custom",
                    "--no-owner",
                    f"--lock-wait-timeout={max(1, round(busy_timeout() * 1000))}",
                    "--dbname",
                    libpq,
                ],
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                check=False,
            )
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        error = first_line(result.stderr.decode(errors="replace").removeprefix("pg_dump: error: "))
        if "could not obtain lock" in error:
            raise Busy(BUSY_MESSAGE)
        raise BackupUnavailable(f"pg_dump failed: {error}")
    os.replace(tmp, target)
    return target
