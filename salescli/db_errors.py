"""Database failures in the error vocabulary: one line that never quotes the SQL statement or
its parameters (they hold personal data). Busy or unreachable -> Busy (exit 75, worth a
retry); everything else the database raises -> SalesError (exit 1). Pure: no engine, no I/O.
"""

from __future__ import annotations

from salescli.errors import Busy, SalesError
from salescli.text import visible

BUSY_MESSAGE = (
    "database is busy (another salescli is writing); retry, or raise SALESCLI_BUSY_TIMEOUT"
)
# SQLSTATEs worth retrying: lock timeout, serialization failure, deadlock, statement timeout,
# too many connections, server shutting down or starting, and the connection-exception class.
_PG_BUSY = {"55P03", "40001", "40P01", "57014", "53300"}
_PG_UNREACHABLE = {"57P01", "57P02", "57P03"}
# A connection refused for good (no retry can fix it): the database, role or password.
_PG_PERMANENT = (
    ("does not exist", "check --db / SALESCLI_DB, or create it with createdb"),
    ("password authentication failed", "check the password (~/.pgpass or PGPASSWORD)"),
    ("no password supplied", "give a password (~/.pgpass or PGPASSWORD)"),
    ("authentication failed", "check the user and its credentials"),
    ("no pg_hba.conf entry", "the server's pg_hba.conf does not admit this user or host"),
    ("permission denied", "the role may not connect to this database"),
    ("not permitted to log in", "the role may not log in"),
    ("invalid connection option", "check the options in --db / SALESCLI_DB"),
    ("invalid dsn", "check --db / SALESCLI_DB"),
    ("invalid uri", "check --db / SALESCLI_DB"),
)


def first_line(text: str, limit: int = 300) -> str:
    """The first non-blank line of a driver message, printable, at most `limit` characters."""

    for line in str(text).splitlines():
        if line.strip():
            line = visible(line.strip())
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def translate_error(exc: BaseException) -> BaseException:
    """Map a database failure to the error vocabulary, in one line that never quotes the SQL
    statement or its parameters (they hold personal data). Busy or unreachable → Busy (75);
    everything else the database raises → SalesError (1). Other exceptions pass unchanged."""
    module = type(exc).__module__
    if not module.startswith(("sqlalchemy", "psycopg", "sqlite3")):
        return exc
    orig = getattr(exc, "orig", None) if module.startswith("sqlalchemy") else exc
    if orig is None:  # a SQLAlchemy error of its own: drop any "[SQL: ...]" it carries
        reason = str(exc).split("[SQL:", 1)[0].split("(Background on", 1)[0]
        return SalesError(f"database error ({type(exc).__name__}): {first_line(reason)}")
    if isinstance(orig, SalesError):  # raised by our own type inside a statement
        return orig
    name = type(orig).__name__
    sqlstate = getattr(orig, "sqlstate", None)
    raw = str(orig)
    reason = first_line(raw)
    text = raw.lower()
    if type(orig).__module__.startswith("psycopg"):
        return _translate_pg(name, sqlstate, raw, reason)
    if "locked" in text or "busy" in text:
        return Busy(BUSY_MESSAGE)
    if "unable to open database" in text:
        return SalesError(f"cannot open the database file: {reason}")
    if "not a database" in text:
        return SalesError("the database file is not a SQLite database (check --db / SALESCLI_DB)")
    if "readonly database" in text or "read-only" in text:
        return SalesError(
            "the database is read-only: this command changes data, so nothing was done; "
            "reading commands still work"
        )
    if "malformed" in text:
        return SalesError(
            "the database file is damaged (database disk image is malformed); "
            "run `salescli db check`, then `salescli db restore BACKUP --yes`"
        )
    if name == "IntegrityError":
        return SalesError(f"refused by the database: {reason}")
    return SalesError(f"database error ({name}): {reason}")


def _translate_pg(name: str, sqlstate: str | None, raw: str, reason: str) -> SalesError:
    text = raw.lower()
    if sqlstate is None and name == "OperationalError":
        # psycopg reports a failed connection without a SQLSTATE: the server's words decide.
        detail = raw.split("FATAL:", 1)[-1] if "FATAL:" in raw else raw
        detail = first_line(detail.removeprefix("connection failed: "))
        for marker, hint in _PG_PERMANENT:
            if marker in text:
                return SalesError(f"cannot connect to the database: {detail} ({hint})")
        if any(
            marker in text
            for marker in (
                "too many",
                "connection slots",
                "shutting down",
                "starting up",
                "recovery",
            )
        ):
            return Busy(f"database server busy: {detail}; retry later")
        return Busy(f"database server unreachable: {detail}")
    if sqlstate in _PG_BUSY:
        return Busy(BUSY_MESSAGE)
    if sqlstate in _PG_UNREACHABLE or (sqlstate or "").startswith("08"):
        return Busy(f"database server unreachable: {reason}")
    if sqlstate in ("3D000", "28000", "28P01"):
        return SalesError(f"cannot connect to the database: {reason}")
    if "nul (0x00)" in text:
        return SalesError(
            "a value contains a NUL byte (\\x00), which PostgreSQL cannot store: "
            "remove it and retry"
        )
    if name == "IntegrityError" or (sqlstate or "").startswith("23"):
        return SalesError(f"refused by the database: {reason}")
    return SalesError(f"database error ({name}): {reason}")
