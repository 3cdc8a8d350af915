"""`forecast snapshot` stores the forecast of every method (per rep and the total) with the
time it was taken; `forecast accuracy` compares each stored figure with what was actually won
in its period: error = forecast − actual, absolute percentage error = |error| / actual.

A snapshot is one per period and local day (the `timezone` setting): taking it again the same
day replaces that day's rows of the period, in the same transaction, so that a retried cron
job never doubles them (SPEC: idempotent runs)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import FORECASTSNAPSHOT, REP

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

# A snapshot's Monte Carlo is reproducible: the same seed every time.
SNAPSHOT_SEED = 0


@dataclass
class Taken:
    """What `take` stored (one row per method and rep, the total last) and how many rows of
    the same period taken earlier the same local day it replaced."""

    stored: list[dict[str, Any]]
    replaced: int


def take(
    conn: Connection,
    settings: Settings,
    period: Period,
    today: dt.date,
    now: dt.datetime,
    tz: str = "UTC",
) -> Taken:
    """Store every method's forecast of `period` for each rep (their own deals) and for
    everyone, in place of the snapshot of `period` taken earlier on the local day `today`."""
    from salescli.money import to_minor
    from salescli.services.forecast import engine, figures
    from salescli.services.scope import day_start_utc
    from salescli.values import json_value

    currency = settings.currency
    same_day = (
        FORECASTSNAPSHOT.c.period_start == period.start,
        FORECASTSNAPSHOT.c.period_end == period.end,
        FORECASTSNAPSHOT.c.taken_at >= day_start_utc(today, tz),
        FORECASTSNAPSHOT.c.taken_at < day_start_utc(today + dt.timedelta(days=1), tz),
    )
    replaced = int(conn.execute(sa.delete(FORECASTSNAPSHOT).where(*same_day)).rowcount or 0)
    stored: list[dict[str, Any]] = []
    for method in engine.METHODS:
        options = engine.Options(method=method, seed=SNAPSHOT_SEED)
        result = engine.forecast(conn, settings, period, figures.Who(), today, options, tz)
        rows = [r for r in result["rows"] if r["kind"] == "rep" and r["rep_id"] is not None]
        for row in [*rows, {**result["total"], "rep": None, "rep_id": None}]:
            values = {
                "taken_at": now,
                "period": period.label,
                "period_start": period.start,
                "period_end": period.end,
                "method": method,
                "rep_id": row["rep_id"],
                "forecast_minor": to_minor(Decimal(row["forecast"]), currency),
                "currency": currency,
                "figures": json.dumps(json_value(row, tz), sort_keys=True),
            }
            conn.execute(sa.insert(FORECASTSNAPSHOT).values(**values))
            stored.append(
                {
                    "period": period.label,
                    "method": method,
                    "rep": row["rep"],
                    "rep_id": row["rep_id"],
                    "forecast": row["forecast"],
                    "currency": currency,
                    "taken_at": now,
                }
            )
    return Taken(stored, replaced)


def accuracy(
    conn: Connection,
    settings: Settings,
    period: Period | None,
    today: dt.date,
    tz: str = "UTC",
) -> list[dict[str, Any]]:
    """Every stored snapshot (of `period`, or all) beside what was won in its period, per rep
    (their own deals) and for everyone (rep None): error and absolute percentage error."""
    from salescli.dates import Period as PeriodType
    from salescli.money import from_minor
    from salescli.services.currency import Converter, round_money
    from salescli.services.forecast import figures

    query = (
        sa.select(FORECASTSNAPSHOT, REP.c.name.label("rep"))
        .outerjoin(REP, REP.c.id == FORECASTSNAPSHOT.c.rep_id)
        .order_by(
            FORECASTSNAPSHOT.c.period_start,
            FORECASTSNAPSHOT.c.taken_at,
            FORECASTSNAPSHOT.c.method,
            FORECASTSNAPSHOT.c.id,
        )
    )
    if period is not None:
        query = query.where(
            FORECASTSNAPSHOT.c.period_start == period.start,
            FORECASTSNAPSHOT.c.period_end == period.end,
        )
    currency = settings.currency
    actuals: dict[tuple[dt.date, dt.date], dict[Any, Decimal]] = {}
    converter = Converter(conn, currency, today)
    found = []
    for row in conn.execute(query):
        span = (row.period_start, row.period_end)
        if span not in actuals:
            cells = figures.cells(
                conn, settings, PeriodType(row.period, *span), figures.Who(), today, "rep", tz
            )
            won = {owner: cell.closed for owner, cell in cells.items()}
            won[None] = sum((c.closed for c in cells.values()), Decimal(0))
            actuals[span] = won
        actual = actuals[span].get(row.rep_id, Decimal(0))
        value = from_minor(row.forecast_minor, row.currency)
        assert value is not None
        if row.currency != currency:
            value = converter.convert(row.forecast_minor, row.currency, None)
        error = value - actual
        ape = None if actual == 0 else abs(error) / actual
        found.append(
            {
                "period": row.period,
                "taken_at": row.taken_at,
                "method": row.method,
                "rep": row.rep if row.rep_id is not None else "(everyone)",
                "rep_id": row.rep_id,
                "forecast": round_money(value, currency),
                "actual": round_money(actual, currency),
                "error": round_money(error, currency),
                "ape": None if ape is None else figures.rate(ape),
                "complete": today >= row.period_end,
                "currency": currency,
            }
        )
    return found


def stored_periods(conn: Connection) -> list[str]:
    """The periods that have snapshots, earliest first (what `forecast accuracy` can show)."""
    query = (
        sa.select(FORECASTSNAPSHOT.c.period, FORECASTSNAPSHOT.c.period_start)
        .group_by(FORECASTSNAPSHOT.c.period, FORECASTSNAPSHOT.c.period_start)
        .order_by(FORECASTSNAPSHOT.c.period_start, FORECASTSNAPSHOT.c.period)
    )
    return [row.period for row in conn.execute(query)]
