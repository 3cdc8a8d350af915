"""`--limit` for the list hot paths: at most `limit` rows, and whether more matched; or every
row, read as it is written (`each_row`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Select
    from sqlalchemy.engine import Connection, Row


def first_rows(conn: Connection, query: Select, limit: int) -> tuple[list[Row[Any]], bool]:
    """The first `limit` rows of `query` (all for 0) and whether more matched beyond them.

    Fetches one row more than asked, so the caller can say that the list was cut.
    """
    if limit:
        query = query.limit(limit + 1)
    rows = list(conn.execute(query).all())
    more = bool(limit) and len(rows) > limit
    return (rows[:limit] if more else rows), more


# Rows read per round trip when a whole list is streamed (a server-side cursor on PostgreSQL).
STREAM_BATCH = 1000


def each_row(conn: Connection, query: Select) -> Iterator[Row[Any]]:
    """Every row of `query`, read as it is consumed, STREAM_BATCH at a time (a server-side
    cursor on PostgreSQL): a whole list (`deal list --format json`, a million deals) written as
    it is read, never held whole. The query runs now; the rows must be consumed before the
    connection closes."""
    return iter(conn.execute(query.execution_options(yield_per=STREAM_BATCH)))
