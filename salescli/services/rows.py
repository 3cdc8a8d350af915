"""Reading and writing one record by id, in SQLAlchemy Core: the few verbs every service uses.

Records are `RowMapping`s (read-only, `row["name"]`); a change is a dict of new values
written with `update()`. There is no ORM and no identity map: read a record again after
changing it when its new values are needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping


def get(conn: Connection, table: sa.Table, record_id: int) -> RowMapping | None:
    """The row of `table` with this id, or None."""
    return conn.execute(sa.select(table).where(table.c.id == record_id)).mappings().first()


def one(conn: Connection, table: sa.Table, record_id: int, noun: str | None = None) -> RowMapping:
    """The row of `table` with this id; NotFound (exit 3) naming it otherwise."""
    row = get(conn, table, record_id)
    if row is None:
        noun = noun or table.name
        raise NotFound(f"{noun} {record_id} not found (see: salescli {noun} list)")
    return row


def insert(conn: Connection, table: sa.Table, values: Mapping[str, Any]) -> int:
    """Insert one row; its new id."""
    return int(conn.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one())


def update(conn: Connection, table: sa.Table, record_id: int, values: Mapping[str, Any]) -> None:
    """Write `values` into the row with this id (nothing when `values` is empty)."""
    if values:
        conn.execute(sa.update(table).where(table.c.id == record_id).values(**values))


def delete(conn: Connection, table: sa.Table, record_id: int) -> None:
    conn.execute(sa.delete(table).where(table.c.id == record_id))
