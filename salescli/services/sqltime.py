"""Time arithmetic in SQL, the one place it differs between SQLite and PostgreSQL.

`seconds_between(start, end)`: the seconds from one instant column to another, as a float:
`julianday()` on SQLite (instants are stored as naive UTC text), `EXTRACT(EPOCH FROM ...)` on
PostgreSQL (timestamptz). Reports and forecasts measure durations (days in a stage, sales
cycle) with it, in SQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

DAY = 86_400.0


class seconds_between(FunctionElement):  # noqa: N801 (reads as an SQL function)
    """`seconds_between(start, end)`: end − start in seconds (NULL when either is NULL)."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def days_between(start: Any, end: Any) -> Any:
    """end − start in days (a float)."""
    return seconds_between(start, end) / DAY


class days_to_date(FunctionElement):  # noqa: N801 (reads as an SQL function)
    """`days_to_date(instant, day)`: whole days from the UTC date of `instant` to the date
    `day` (a sales cycle: created → closed)."""

    type = sa.Float()
    name = "days_to_date"
    inherit_cache = True


@compiles(days_to_date, "sqlite")
def _sqlite_days(element: Any, compiler: Any, **kw: Any) -> str:
    instant, day = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(julianday({day}) - julianday(date({instant})))"


@compiles(days_to_date, "postgresql")
def _postgresql_days(element: Any, compiler: Any, **kw: Any) -> str:
    instant, day = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(({day}) - CAST(({instant}) AT TIME ZONE 'UTC' AS DATE))"
