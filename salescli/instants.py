"""Instants between the application and the database, standard library only (hot paths use it).

`utc()` turns any instant into a plain aware UTC `datetime`: the CLI's `now` (a pendulum
subclass), values the ORM returns, and what Core returns through the untyped instant columns
of salescli.tables (naive UTC or text on SQLite, aware on PostgreSQL). `storage_instant()`
is the reverse for Core inserts: what `models.UTCDateTime` would store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, overload


@overload
def utc(value: None) -> None: ...
@overload
def utc(value: dt.datetime | str) -> dt.datetime: ...
def utc(value: dt.datetime | str | None) -> dt.datetime | None:
    """A plain aware UTC datetime; naive values (and ISO text) are taken as UTC; None stays."""
    if value is None:
        return None
    if type(value) is dt.datetime:  # what the database gives: a hot path (every row's instants)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        if value.tzinfo is dt.UTC:
            return value
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:  # what SQLite gives: naive UTC text (every row's instants)
            return value.replace(tzinfo=dt.UTC)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    if type(value) is not dt.datetime:  # pendulum's subclass made plain
        value = dt.datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            tzinfo=dt.UTC,
        )
    return value


def storage_instant(value: dt.datetime | None, dialect: str) -> Any:
    """Store like models.UTCDateTime: naive UTC text on SQLite, aware UTC on PostgreSQL."""
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    if dialect == "sqlite":
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return value
