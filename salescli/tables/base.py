"""The schema's foundations: `Instant` (UTC instants on both backends) and `METADATA`, the
one MetaData every table of salescli.tables (core, plans) is defined on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from salescli.instants import storage_instant, utc


class Instant(sa.types.TypeDecorator):
    """An aware instant stored as UTC: naive UTC text on SQLite, timestamptz on PostgreSQL.

    Binds an aware `datetime` (a naive one is refused) or a value already in storage form
    (`instants.storage_instant`, what the bulk paths pass); reads back an aware UTC
    `datetime` (`instants.utc`).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Callable[[Any], Any]:
        name = dialect.name

        def process(value: Any) -> Any:
            if value is None or isinstance(value, str):
                return value
            if not isinstance(value, dt.datetime) or value.utcoffset() is None:
                raise ValueError("naive datetime refused; attach a time zone")
            return storage_instant(value, name)

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        return utc


METADATA = sa.MetaData()
