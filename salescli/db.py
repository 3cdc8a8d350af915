"""Engines and files: URL resolution, SQLite pragmas and locking, file modes, SQLite
backups. Migrate-on-open (the schema check, Alembic, the backup before a migration) is
salescli.db_migrate; the command's connection, which checks the schema first, is
salescli.connect.connection_scope."""

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
from salescli.errors import SalesError, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

APP_NAME = "salescli"
# Seconds a write waits for the write lock (SQLite's, or the PostgreSQL advisory lock below).
# Writes hold it only for their own statements (milliseconds), but twenty commands started at
# once on a busy 2-core machine queue behind each other for several seconds (issue 8): 30 s
# lets them all through; a lock held longer than that (a stuck process) still ends in exit 75.
DEFAULT_BUSY_TIMEOUT = 30.0
_ENGINES: dict[tuple[str, bool], Engine] = {}
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
        check_existing_sqlite_file(path, info)
        return
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
        os.chmod(directory, 0o700)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)


def check_existing_sqlite_file(path: Path, info: os.stat_result) -> None:
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
    """Dispose of the engines of `url` (every engine when None). `connect.forget()` also
    forgets that the schema was checked."""
    for key in [key for key in _ENGINES if url is None or key[0] == url]:
        _ENGINES.pop(key).dispose()


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
