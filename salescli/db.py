"""Everything about connections: URL resolution, SQLite pragmas and locking, file modes,
one transaction per command, and migrate-on-open (after a backup)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salescli.db_errors import BUSY_MESSAGE, first_line, translate_error  # noqa: F401
from salescli.errors import Busy, Refused, SalesError, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

APP_NAME = "salescli"
# Seconds a write waits for the write lock (SQLite's, or the PostgreSQL advisory lock below).
# Writes hold it only for their own statements (milliseconds), but twenty commands started at
# once on a busy 2-core machine queue behind each other for several seconds (issue 8): 30 s
# lets them all through; a lock held longer than that (a stuck process) still ends in exit 75.
DEFAULT_BUSY_TIMEOUT = 30.0
_ENGINES: dict[tuple[str, bool], Engine] = {}
_CHECKED: set[str] = set()
# pg_advisory_xact_lock key of the one-writer lock: "salescli" in ASCII, a signed 64-bit int.
PG_WRITE_LOCK = int.from_bytes(b"salescli", "big")


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "sales.db"


SUPPORTED_FORMS = (
    "give a file path, sqlite:///PATH or postgresql://USER@HOST/DATABASE "
    "(postgresql+psycopg://... also works)"
)
_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def resolve_url(value: str | None) -> str:
    """`--db`, then SALESCLI_DB, then the platformdirs default; a bare path means SQLite.

    A URL must be a SQLite file (`sqlite:///PATH`) or PostgreSQL through psycopg
    (`postgresql://` and `postgres://` mean `postgresql+psycopg://`); anything else is a
    usage error naming where it came from.
    """
    if value:
        source, raw = "--db", value
    elif os.environ.get("SALESCLI_DB"):
        source, raw = "SALESCLI_DB", os.environ["SALESCLI_DB"]
    else:
        return f"sqlite:///{default_path().absolute()}"
    if "://" not in raw:
        path = Path(raw).expanduser().absolute()
        if "?" in str(path) or "#" in str(path):
            # In a URL they would start a query or a fragment: the database would silently
            # be another file (`/tmp/a?b/sales.db` is `/tmp/a`).
            from salescli.errors import UsageError

            raise UsageError(
                f"{source} '{_masked(raw)}' has a '?' or '#' in its path, which a database "
                "location cannot hold: move the file to a folder without them (e.g. --db "
                "~/sales.db)"
            )
        return f"sqlite:///{path}"
    return _supported_url(raw, source)


def _supported_url(raw: str, source: str) -> str:
    from salescli.errors import UsageError

    scheme = raw.split("://", 1)[0].lower()
    problem = UsageError(
        f"{source} '{_masked(raw)}' is not a supported database: {SUPPORTED_FORMS}"
    )
    if scheme == "sqlite":
        path = raw[len("sqlite:///") :].split("?", 1)[0] if raw.startswith("sqlite:///") else ""
        if not path or path == ":memory:":
            raise problem
        return raw
    if scheme not in _PG_SCHEMES:
        raise problem
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(raw)
    except Exception:  # noqa: BLE001 - sqlalchemy raises ValueError/ArgumentError
        raise problem from None
    if scheme == "postgresql+psycopg":
        return raw
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _masked(raw: str) -> str:
    """A URL as it may be quoted in a message: the password hidden, control characters escaped."""
    import re

    from salescli.text import visible

    return visible(re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", raw))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    if not is_sqlite(url):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


def display_url(url: str) -> str:
    if is_sqlite(url):
        return str(sqlite_path(url) or url)
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def busy_timeout() -> float:
    raw = os.environ.get("SALESCLI_BUSY_TIMEOUT")
    if not raw:
        return DEFAULT_BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise SalesError(
            f"SALESCLI_BUSY_TIMEOUT '{raw}' is not a number of seconds (e.g. 60)"
        ) from None
    return max(value, 0.0)


def prepare_sqlite_file(path: Path) -> None:
    """Create the directory 0700 and the file 0600 before SQLite does (it would follow the umask).

    An existing path is checked, never chmod-ed: a directory or a device is a usage error, a
    file that is not SQLite is refused; its mode stays what its owner chose (SQLite gives the
    -wal and -shm files the database's own mode).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    if info is not None:
        _check_existing_sqlite_file(path, info)
        return
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
        os.chmod(directory, 0o700)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)


def _check_existing_sqlite_file(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(
            f"--db '{path}' is a directory, not a database file "
            f"(--db or SALESCLI_DB names the file, e.g. --db {path / 'sales.db'})"
        )
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(
            f"--db '{path}' is not a regular file (--db or SALESCLI_DB names a SQLite "
            "database file, e.g. --db ~/sales.db)"
        )
    header = b""
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        header = handle.read(16)
    if info.st_size and header and header != b"SQLite format 3\x00":
        raise SalesError(
            f"the database file '{path}' is not a SQLite database (check --db / SALESCLI_DB)"
        )


def read_only_reason(path: Path) -> str | None:
    """Why salescli cannot write the SQLite database at `path` (None when it can)."""
    if not path.exists():
        return None
    if not os.access(path, os.W_OK):
        return "the file is not writable"
    wal_ready = Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
    if not os.access(path.parent, os.W_OK) and not wal_ready:
        return f"its directory {path.parent} is not writable"
    return None


def read_only_uri(path: Path) -> str | None:
    """A URI that reads a database salescli cannot write (None when it can write it).

    `immutable=1` when no write-ahead log is pending: SQLite then needs no -shm file, so
    nothing is created beside a read-only file (a -shm left 0444 would later stop its owner
    from writing). With a pending log, `mode=ro` reads it through the -shm file.
    """
    if not path.exists() or read_only_reason(path) is None:
        return None
    uri = f"file:{quote_path(path)}?mode=ro"
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return uri
    return uri + "&immutable=1"


def engine(url: str, *, write: bool) -> Engine:
    """The process-wide engine for `url`; on SQLite writes take the lock up front."""
    key = (url, write)
    if key in _ENGINES:
        return _ENGINES[key]
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    if is_sqlite(url):
        path = sqlite_path(url)
        read_uri = None
        if path is not None:
            prepare_sqlite_file(path)
            reason = read_only_reason(path)
            if reason and write:
                raise SalesError(
                    f"the database '{path}' is read-only ({reason}): this command changes "
                    "data, so nothing was done; reading commands still work"
                )
            read_uri = read_only_uri(path) if reason else None
        options: dict[str, Any] = {"poolclass": NullPool}
        if read_uri is not None:
            timeout = busy_timeout()
            options["creator"] = lambda: sqlite3.connect(
                read_uri, uri=True, timeout=timeout, check_same_thread=False
            )
        else:
            options["connect_args"] = {"timeout": busy_timeout()}
        eng = create_engine(url, **options)

        @event.listens_for(eng, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN, not pysqlite
            pragmas = ["foreign_keys=ON", "secure_delete=ON", "synchronous=FULL"]
            if read_uri is None:
                pragmas.insert(0, "journal_mode=WAL")
            for pragma in pragmas:
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @event.listens_for(eng, "begin")
        def _on_begin(conn: Any) -> None:
            # A deferred BEGIN that later writes fails at once with SQLITE_BUSY_SNAPSHOT,
            # whatever the busy timeout; BEGIN IMMEDIATE waits for the lock instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    else:
        import logging

        # psycopg logs secondary failures (e.g. "error ignored terminating <Pipeline>") to
        # stderr; the error raised is reported in one line, so keep those out.
        logging.getLogger("psycopg").addHandler(logging.NullHandler())
        eng = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})
        timeout_ms = max(1, round(busy_timeout() * 1000))  # 0 would mean "wait forever"

        @event.listens_for(eng, "begin")
        def _on_pg_begin(conn: Any) -> None:
            # Every wait for a lock (a row, a table, the write lock below) gives up after
            # SALESCLI_BUSY_TIMEOUT, like SQLite's busy timeout: exit 75, never hang.
            # Never through a server-side cursor, even when the first statement of the
            # transaction is a streamed export (stream_results is set on the connection).
            plain = {"stream_results": False}
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}", execution_options=plain)
            if write:
                # One writer at a time, as BEGIN IMMEDIATE gives on SQLite: every
                # check-then-write (duplicates, re-imports, names) is serialised; readers
                # never wait. Released at commit or rollback.
                conn.exec_driver_sql(
                    f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})", execution_options=plain
                )

    _ENGINES[key] = eng
    return eng


def forget_engines(url: str | None = None) -> None:
    """Dispose of the engines of `url` (every engine when None) and forget that its schema
    was checked: the next command opens it afresh (tests, a restore, a forked process)."""
    for key in [key for key in _ENGINES if url is None or key[0] == url]:
        _ENGINES.pop(key).dispose()
    forget_schema_check(url)


def forget_schema_check(url: str | None = None) -> None:
    """Check (and migrate) the schema of `url` (every database when None) again at its next
    open in this process, e.g. after the file was replaced or its revision changed."""
    if url is None:
        _CHECKED.clear()
    else:
        _CHECKED.discard(url)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raise driver failures in the error vocabulary; anything else passes unchanged."""
    try:
        yield
    except Exception as exc:
        translated = translate_error(exc)
        if translated is exc:
            raise
        raise translated from exc


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
        _check_existing_sqlite_file(path, path.stat())  # a directory, a device, not SQLite
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


@contextlib.contextmanager
def connection_scope(url: str, *, write: bool = False) -> Iterator[Connection]:
    """The command's one connection (SQLAlchemy Core: salescli has no ORM): with write=True
    one transaction (BEGIN IMMEDIATE / the advisory lock at its first statement) committed at
    the end; any exception rolls it back (the connection closes without a commit)."""
    ensure_schema(url)
    with translated(), engine(url, write=write).connect() as conn:
        yield conn
        if write:
            conn.commit()


def sqlite_backup(
    source: Path,
    target: Path,
    *,
    exist: str = "replace",
    option: str = "backup path",
    verify: Any = None,
) -> Path:
    """A consistent copy of a live SQLite database (the online backup API), created 0600.

    Written to a temporary file beside `target` (no rollback journal while copying) and put
    in place only when complete and checked by `verify(path)`; see `render.output_file` for
    `exist`. Returns where the copy is.
    """
    from salescli import render

    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=0o700)
    source_uri = read_only_uri(source) or f"file:{quote_path(source)}"
    with render.output_file(target, option=option, exist=exist) as pending:
        src = sqlite3.connect(source_uri, uri=True, timeout=busy_timeout())
        dst = sqlite3.connect(pending.tmp, isolation_level=None)
        try:
            dst.execute("PRAGMA journal_mode=OFF")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        if verify is not None:
            verify(pending.tmp)
    assert pending.final is not None
    return pending.final


def quote_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(path))


def timestamp_name(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
