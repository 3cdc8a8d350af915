"""A manager's judgement: `forecast adjust` stores an adjusted `commit` or `best_case` for a
rep and a period beside the computed figure. Every adjustment is kept; the latest counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, UsageError
from salescli.tables import FORECASTADJUSTMENT, REP

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

CATEGORIES = ("commit", "best_case")
# `forecast adjust` has no --currency: an adjustment is in the reporting currency.
OTHER_CURRENCY = (
    "{field} '{text}' is in {stated}, but forecast adjustments are in the reporting currency "
    "{currency}: give the amount without {stated} (e.g. --amount 120000)"
)


def check_category(category: str) -> str:
    value = category.strip().lower().replace("-", "_")
    if value in ("closed", "pipeline"):
        raise UsageError(
            f"--category '{category}' cannot be adjusted: closed is what was won and pipeline "
            "is what is open; adjust commit or best_case (e.g. --category commit)"
        )
    if value not in CATEGORIES:
        raise UsageError(
            f"--category '{category}' is not one of commit, best_case (e.g. --category commit)"
        )
    return value


def adjusted_rep(conn: Connection, ref: str, settings: Settings) -> int:
    """The rep `--rep` names (id, name, `me`); `none` is refused: an adjustment is a
    manager's judgement of a rep's figure, and deals without an owner have no rep."""
    from salescli.services.scope import owner_ref

    found = owner_ref(conn, ref, settings)
    if found is None:
        raise InvalidData(
            f"--rep '{ref}': a forecast adjustment belongs to a rep, not to the deals without "
            'an owner (e.g. --rep "Wang Fang"; see: salescli rep list)'
        )
    return found


def add(
    conn: Connection,
    *,
    rep_id: int,
    period: Period,
    category: str,
    amount: Decimal,
    currency: str,
    note: str | None,
    adjusted_by: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """Store an adjustment; returns its JSON shape."""
    from salescli.money import to_minor

    values = {
        "rep_id": rep_id,
        "period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "category": category,
        "amount_minor": to_minor(amount, currency),
        "currency": currency,
        "note": note,
        "adjusted_by": adjusted_by,
        "created_at": now,
    }
    key = conn.execute(sa.insert(FORECASTADJUSTMENT).values(**values)).inserted_primary_key
    assert key is not None
    return shape(conn, int(key[0]))


def shape(conn: Connection, adjustment_id: int) -> dict[str, Any]:
    from salescli.money import from_minor

    row = conn.execute(
        sa.select(FORECASTADJUSTMENT, REP.c.name.label("rep"))
        .join(REP, REP.c.id == FORECASTADJUSTMENT.c.rep_id)
        .where(FORECASTADJUSTMENT.c.id == adjustment_id)
    ).one()
    return {
        "id": row.id,
        "rep": row.rep,
        "rep_id": row.rep_id,
        "period": row.period,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "category": row.category,
        "amount": from_minor(row.amount_minor, row.currency),
        "currency": row.currency,
        "note": row.note,
        "adjusted_by": row.adjusted_by,
        "created_at": row.created_at,
    }


def latest(
    conn: Connection, period: Period, rep_ids: set[int] | None
) -> dict[int, dict[str, dict[str, Any]]]:
    """rep id -> category -> the latest adjustment for exactly `period` (by time, then id)."""
    query = (
        sa.select(
            FORECASTADJUSTMENT.c.id, FORECASTADJUSTMENT.c.rep_id, FORECASTADJUSTMENT.c.category
        )
        .where(
            FORECASTADJUSTMENT.c.period_start == period.start,
            FORECASTADJUSTMENT.c.period_end == period.end,
        )
        .order_by(FORECASTADJUSTMENT.c.created_at, FORECASTADJUSTMENT.c.id)
    )
    if rep_ids is not None:
        query = query.where(FORECASTADJUSTMENT.c.rep_id.in_(sorted(rep_ids)))
    last: dict[tuple[int, str], int] = {}
    for row in conn.execute(query):
        last[(int(row.rep_id), row.category)] = int(row.id)
    found: dict[int, dict[str, dict[str, Any]]] = {}
    for (rep, category), adjustment in last.items():
        found.setdefault(rep, {})[category] = shape(conn, adjustment)
    return found
