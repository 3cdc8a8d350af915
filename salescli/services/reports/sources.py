"""`report sources`: per lead source, where the effective leads come from: leads created in
the period, the share of them converted, deals created from the source, won revenue, win
rate, average won deal, and the cost per won deal where the source's spend is configured.

A source is matched ignoring case and accents (`Google` and `google` are one) and shown in its
most common spelling among its leads. Deals carry their lead's source (`lead convert` keeps it). The spend is
`source.cost.<source>`: money per month in the reporting currency; a period's cost is the
monthly spend times the share of each month the period covers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.services import config
from salescli.tables import LEAD
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

COST_PREFIX = "source.cost."


def _cost(value: str) -> str:
    from salescli.errors import InvalidData
    from salescli.money import parse_decimal

    amount = parse_decimal(value, field="source cost", example="e.g. 1500 per month")
    if amount < 0:
        raise InvalidData(f"source cost '{value}' is negative (a monthly spend, e.g. 1500)")
    return str(amount)


COST = config.declare(
    COST_PREFIX,
    None,
    "monthly spend on a lead source, in the reporting currency (report sources: cost per won "
    "deal), e.g. source.cost.web 1500",
    _cost,
    family=True,
    fold_suffix=True,
)


def period_cost(monthly: Decimal, period: Period) -> Decimal:
    """`monthly` spend over `period`: each month it touches, pro rata of its days."""
    total = Decimal(0)
    day = dt.date(period.start.year, period.start.month, 1)
    while day < period.end:
        days = calendar.monthrange(day.year, day.month)[1]
        following = day + dt.timedelta(days=days)
        covered = (min(following, period.end) - max(day, period.start)).days
        total += monthly * Decimal(covered) / Decimal(days)
        day = following
    return total


def sources(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    period: Period,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    from salescli import dates
    from salescli.services import scope
    from salescli.services.currency import round_money
    from salescli.services.deals.queries import grouped_totals
    from salescli.services.reports import fraction

    tz = settings.timezone
    reporting = settings.currency
    start, end = dates.day_bounds_utc(period, tz)
    where: list[Any] = [LEAD.c.created_at >= start, LEAD.c.created_at < end]
    if rep is not None:
        where.append(scope.owner_clause(conn, LEAD.c.owner_id, rep, settings))
    if team is not None:
        where.append(scope.team_clause(conn, LEAD.c.owner_id, team, settings))
    converted = sa.func.sum(sa.case((LEAD.c.status == "converted", 1), else_=0))
    rows: dict[str | None, dict[str, Any]] = {}
    spellings: dict[str | None, dict[str, int]] = {}

    def row(source: str | None, leads: int = 0) -> dict[str, Any]:
        """The row of `source`; its spelling is the one most leads use (a deal's when no
        lead has the source)."""
        key = fold(source) or None if source is not None else None
        if key not in rows:
            rows[key] = {
                "source": None,
                "leads": 0,
                "converted": 0,
                "deals": 0,
                "won": 0,
                "lost": 0,
                "won_amount": round_money(Decimal(0), reporting),
            }
        if source:
            counts = spellings.setdefault(key, {})
            counts[source] = counts.get(source, 0) + leads
        return rows[key]

    for source, leads, done in conn.execute(
        sa.select(LEAD.c.source, sa.func.count(), converted).where(*where).group_by(LEAD.c.source)
    ).all():
        found = row(source, int(leads))
        found["leads"] += int(leads)
        found["converted"] += int(done or 0)
    span = (period.start, period.end)

    def deals(group_by: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        found = scope.DealScope(owner=rep, team=team, period=span, **kwargs)
        return grouped_totals(conn, found, settings, group_by, today, tz, with_total=False)[
            "groups"
        ]

    for group in deals(["source"], on="created"):
        row(group["source"])["deals"] += group["count"]
    # The deals won and lost in the period: one pass, by source and state.
    for group in deals(["source", "state"], states=("won", "lost")):
        found = row(group["source"])
        found[group["state"]] += group["count"]
        if group["state"] == "won":
            found["won_amount"] += group["amount"]
            found["_known"] = found.get("_known", 0) + group["count"] - group["unknown_amount"]
    costs = {fold(k): v for k, v in settings.prefixed(COST_PREFIX).items()}
    result = []
    for key, found in rows.items():
        names = spellings.get(key)
        found["source"] = min(names, key=lambda s: (-names[s], s)) if names else None
        known = found.pop("_known", 0)
        closed = found["won"] + found["lost"]
        monthly = costs.get(key) if key is not None else None
        cost = round_money(period_cost(Decimal(monthly), period), reporting) if monthly else None
        result.append(
            {
                **found,
                "converted_rate": fraction(found["converted"], found["leads"]),
                "win_rate": fraction(found["won"], closed),
                "average_deal": (
                    round_money(found["won_amount"] / known, reporting) if known else None
                ),
                "cost": cost,
                "cost_per_won": (
                    round_money(cost / found["won"], reporting)
                    if cost is not None and found["won"]
                    else None
                ),
                "currency": reporting,
            }
        )
    result.sort(key=lambda r: (-r["won_amount"], -r["leads"], r["source"] is None, r["source"] or ""))  # fmt: skip
    return {
        "report": "sources",
        "period": period.label,
        "from": period.start,
        "to": period.last,
        "currency": reporting,
        "rows": result,
    }
