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

from salescli.errors import Busy, SalesError, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

APP_NAME = "salescli"
DEFAULT_BUSY_TIMEOUT = 5.0
_ENGINES: dict[tuple[str, bool], Engine] = {}
_CHECKED: set[str] = set()


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "sales.db"


def resolve_url(value: str | None) -> str:
    """`--db`, then SALESCLI_DB, then the platformdirs default; a bare path means SQLite."""
    raw = value or os.environ.get("SALESCLI_DB") or str(default_path())
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).expanduser().absolute()}"


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


def _prepare_sqlite_file(path: Path) -> None:
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


def _read_only_uri(path: Path) -> str | None:
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
            _prepare_sqlite_file(path)
            reason = read_only_reason(path)
            if reason and write:
                raise SalesError(
                    f"the database '{path}' is read-only ({reason}): this command changes "
                    "data, so nothing was done; reading commands still work"
                )
            read_uri = _read_only_uri(path) if reason else None
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
        eng = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})
    _ENGINES[key] = eng
    return eng


def _translate(exc: BaseException) -> BaseException:
    """Map driver failures to the error vocabulary (busy/unreachable → exit 75)."""
    name = type(exc).__name__
    module = type(exc).__module__
    if not module.startswith("sqlalchemy"):
        return exc
    text = str(getattr(exc, "orig", exc)).lower()
    if name == "OperationalError":
        if "locked" in text or "busy" in text:
            return Busy(
                "database is busy (another salescli is writing); retry, or raise SALESCLI_BUSY_TIMEOUT"
            )
        if "connection" in text or "could not" in text or "server" in text or "timeout" in text:
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            return Busy(f"database server unreachable: {first}")
        if "unable to open database" in text:
            return SalesError(f"cannot open the database file: {text}")
        if "readonly database" in text or "read-only" in text:
            return SalesError(
                "the database is read-only: this command changes data, so nothing was done; "
                "reading commands still work"
            )
    if name == "IntegrityError":
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return SalesError(f"refused by the database: {first}")
    if name in ("OperationalError", "DatabaseError") and "not a database" in text:
        return SalesError("the database file is not a SQLite database (check --db / SALESCLI_DB)")
    if name in ("OperationalError", "DatabaseError") and "malformed" in text:
        return SalesError(
            "the database file is damaged (database disk image is malformed); "
            "run `salescli db check`, then `salescli db restore BACKUP --yes`"
        )
    return exc


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Re-raise driver failures in the error vocabulary; anything else passes unchanged."""
    try:
        yield
    except Exception as exc:
        translated = _translate(exc)
        if translated is exc:
            raise
        raise translated from exc


def ensure_schema(url: str) -> None:
    """Migrate forward on first open in this process; a backup is taken before a migration."""
    if url in _CHECKED:
        return
    from salescli.migrations import HEAD

    eng = engine(url, write=False)
    from sqlalchemy import text

    current = None
    with _translated(), eng.connect() as conn:
        has_version = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'alembic_version'"
                if not is_sqlite(url)
                else "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            )
        ).scalar_one()
        if has_version:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current != HEAD:
        migrate(url, current)
    _CHECKED.add(url)


def current_revision(url: str) -> str | None:
    from sqlalchemy import text

    with engine(url, write=False).connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - a blank database has no version table
            return None


def migrate(url: str, current: str | None) -> Path | None:
    """Run the Alembic migrations to head in one transaction; back up an existing SQLite DB first."""
    from salescli.migrations import KNOWN_REVISIONS

    if current is not None and current not in KNOWN_REVISIONS:
        raise SalesError(
            f"the database schema ({current}) is newer than this salescli; upgrade salescli"
        )
    backup_path = None
    if current is not None and is_sqlite(url):
        path = sqlite_path(url)
        reason = read_only_reason(path) if path is not None else None
        if reason:
            raise SalesError(
                f"the database '{path}' needs migrating from {current} but is read-only "
                f"({reason}): make it writable, then run `salescli db migrate`"
            )
        if path is not None:
            backup_path = sqlite_backup(
                path, path.with_name(f"{path.name}.pre-{current}.bak"), exist="unique"
            )
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "salescli:migrations")
    with _translated(), engine(url, write=True).connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()
    _CHECKED.add(url)
    return backup_path


@contextlib.contextmanager
def session_scope(url: str, *, write: bool = True) -> Iterator[Session]:
    """One transaction per command: commit at the end, roll back on any error."""
    ensure_schema(url)
    from sqlmodel import Session

    session = Session(engine(url, write=write), expire_on_commit=False)
    with _translated():
        try:
            yield session
            if write:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


@contextlib.contextmanager
def connection_scope(url: str, *, write: bool = False) -> Iterator[Connection]:
    """A Core connection for the fast read paths (no ORM import)."""
    ensure_schema(url)
    with _translated(), engine(url, write=write).connect() as conn:
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
    source_uri = _read_only_uri(source) or f"file:{quote_path(source)}"
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
