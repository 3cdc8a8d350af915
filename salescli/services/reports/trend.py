"""`report trend`: a metric per week, month or quarter over the last N periods, with the
change from the period before (period over period) and from the same period a year before
(year over year).

Metrics: `revenue` (won amount by close date, reporting currency, through
`deals.queries.grouped_totals`), `deals` (deals won), `leads` (leads created, local days),
`win-rate` (won ÷ (won + lost) among the deals closed in the period). The last period is the
current one, to date (`partial`). Changes are fractions (0.25 = +25 %), null when the earlier
value is zero or missing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import UsageError
from salescli.tables import LEAD, Instant

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

METRICS = ("revenue", "deals", "leads", "win-rate")
BY = ("week", "month", "quarter")
PER_YEAR = {"week": 52, "month": 12, "quarter": 4}
MAX_LAST = 260


def periods(today: dt.date, by: str, count: int, settings: Settings) -> list[Period]:
    """The `count` periods of kind `by` up to the one holding `today`, oldest first."""
    from salescli import dates

    found: list[Period] = []
    if by == "week":
        start = dates.week_start_of(today, settings.week_start)
        for back in range(count):
            first = start - dt.timedelta(weeks=back)
            label = (
                dates.iso_week_label(first)
                if settings.week_start == 0
                else f"week of {first.isoformat()}"
            )
            found.append(dates.Period(label, first, first + dt.timedelta(days=7)))
    elif by == "month":
        for back in range(count):
            index = today.year * 12 + today.month - 1 - back
            found.append(dates.month_period(index // 12, index % 12 + 1))
    else:
        fy = settings.fiscal_year_start_month
        current = dates.fiscal_quarter(today, fy)
        index = current.fiscal_year * 4 + current.quarter - 1
        for back in range(count):
            year, quarter = divmod(index - back, 4)
            found.append(dates.quarter_period(year, quarter + 1, fy))
    return found[::-1]


def _shown(value: Any) -> Any:
    """A value as the report shows it: a win rate (an exact Fraction) rounded to 4 places."""
    from salescli.services.reports import fraction

    if isinstance(value, Fraction):
        return fraction(value.numerator, value.denominator)
    return value


def _change(now: Any, before: Any) -> Decimal | None:
    """(now − before) ÷ before, from the exact values, rounded as every rate."""
    if now is None or before is None or before == 0:
        return None
    return _shown((Fraction(now) - Fraction(before)) / Fraction(before))


def _lead_counts(
    conn: Connection, buckets: list[Period], settings: Settings, rep: str | None, team: str | None
) -> dict[str, int]:
    from salescli import dates
    from salescli.services import scope

    tz = settings.timezone
    rows = []
    for period in buckets:
        start, end = dates.day_bounds_utc(period, tz)
        rows.append(
            sa.select(
                sa.literal(period.label, sa.String()).label("label"),
                sa.literal(start, Instant()).label("b_start"),
                sa.literal(end, Instant()).label("b_end"),
            )
        )
    table = (sa.union_all(*rows) if len(rows) > 1 else rows[0]).subquery("bucket")
    where: list[Any] = []
    if rep is not None:
        where.append(scope.owner_clause(conn, LEAD.c.owner_id, rep, settings))
    if team is not None:
        where.append(scope.team_clause(conn, LEAD.c.owner_id, team, settings))
    query = (
        sa.select(table.c.label, sa.func.count())
        .select_from(
            LEAD.join(
                table,
                sa.and_(LEAD.c.created_at >= table.c.b_start, LEAD.c.created_at < table.c.b_end),
            )
        )
        .where(*where)
        .group_by(table.c.label)
    )
    return {label: int(n) for label, n in conn.execute(query).all()}


def trend(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    metric: str = "revenue",
    by: str = "month",
    last: int = 12,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    from salescli.services.deals.queries import grouped_totals, round_zero
    from salescli.services.scope import DealScope

    if metric not in METRICS:
        raise UsageError(f"--metric '{metric}' is not one of: {', '.join(METRICS)} (e.g. --metric revenue)")  # fmt: skip
    if by not in BY:
        raise UsageError(f"--by '{by}' is not one of: {', '.join(BY)} (e.g. --by month)")
    if not 1 <= last <= MAX_LAST:
        raise UsageError(f"--last {last} is out of range (1 to {MAX_LAST}, e.g. --last 12)")
    back = PER_YEAR[by]
    every = periods(today, by, last + back, settings)
    # The "bucket" dimension bounds the close dates by the first and the last period.
    buckets = [(p.label, p.start, p.end) for p in every]
    tz = settings.timezone
    values: dict[str, Any] = {}
    currency = None
    if metric in ("revenue", "deals"):
        found = grouped_totals(
            conn,
            DealScope(owner=rep, team=team, state="won"),
            settings,
            ["bucket"],
            today,
            tz,
            buckets=buckets,
            with_total=False,
        )
        for g in found["groups"]:
            values[g["bucket"]] = g["amount"] if metric == "revenue" else g["count"]
        if metric == "revenue":
            currency = found["currency"]
            zero = round_zero(found["currency"])
            values = {p.label: values.get(p.label, zero) for p in every}
        else:
            values = {p.label: values.get(p.label, 0) for p in every}
    elif metric == "leads":
        counts = _lead_counts(conn, every, settings, rep, team)
        values = {p.label: counts.get(p.label, 0) for p in every}
    else:
        closed: dict[str, dict[str, int]] = {}
        found = grouped_totals(
            conn,
            DealScope(owner=rep, team=team, states=("won", "lost")),
            settings,
            ["bucket", "state"],
            today,
            tz,
            buckets=buckets,
            with_total=False,
        )
        for g in found["groups"]:
            closed.setdefault(g["bucket"], {})[g["state"]] = g["count"]
        for p in every:
            won = closed.get(p.label, {}).get("won", 0)
            lost = closed.get(p.label, {}).get("lost", 0)
            # Exact (a Fraction): the changes are computed from it; the rate shown is rounded.
            values[p.label] = Fraction(won, won + lost) if won + lost else None
    key = metric.replace("-", "_")
    series = []
    for index in range(back, len(every)):
        period = every[index]
        value = values[period.label]
        previous = values[every[index - 1].label]
        year_ago = values[every[index - back].label]
        series.append(
            {
                by: period.label,
                "from": period.start,
                "to": period.last,
                key: _shown(value),
                "previous": _shown(previous),
                "change": _change(value, previous),
                "year_ago": _shown(year_ago),
                "yoy_change": _change(value, year_ago),
                "partial": period.contains(today),
            }
        )
    return {
        "report": "trend",
        "metric": metric,
        "by": by,
        "last": last,
        "currency": currency,
        "rows": series,
    }
