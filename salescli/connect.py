"""The command's connection: the schema checked (and migrated on open, salescli.db_migrate),
then one connection on the engine of salescli.db. Above both, so that neither imports the
other's caller."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@contextlib.contextmanager
def connection_scope(url: str, *, write: bool = False) -> Iterator[Connection]:
    """The command's one connection (SQLAlchemy Core: salescli has no ORM): with write=True
    one transaction (BEGIN IMMEDIATE / the advisory lock at its first statement) committed at
    the end; any exception rolls it back (the connection closes without a commit)."""
    from salescli import db
    from salescli.db_migrate import ensure_schema

    ensure_schema(url)
    with db.translated(), db.engine(url, write=write).connect() as conn:
        yield conn
        if write:
            conn.commit()


def forget(url: str | None = None) -> None:
    """Dispose of the engines of `url` (every engine when None) and forget that its schema
    was checked: the next command opens it afresh (tests, a restore, a forked process)."""
    from salescli import db
    from salescli.db_migrate import forget_schema_check

    db.forget_engines(url)
    forget_schema_check(url)
