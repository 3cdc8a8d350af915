"""`--limit` for the list hot paths: at most `limit` rows, and whether more matched."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
