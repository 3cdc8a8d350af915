"""`report weekly`: the manager's Monday report, composed of the other reports (the same
definitions, the same SQL): last week's results (won, lost, new leads, stage moves), the
leaderboard, funnel and lead sources of the quarter to date, and the stale deals and overdue
tasks of now."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import DEAL, LEAD, STAGECHANGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

STALE_LISTED = 20


def results(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    week: Period,
    rep: str | None,
    team: str | None,
) -> dict[str, Any]:
    """The week's won and lost deals (count, amount), new leads and stage moves."""
    from salescli import dates
    from salescli.services import scope
    from salescli.services.deals.queries import grouped_totals

    tz = settings.timezone
    span = (week.start, week.end)

    def closed(state: str) -> dict[str, Any]:
        found = scope.DealScope(owner=rep, team=team, state=state, period=span)
        return grouped_totals(conn, found, settings, [], today, tz)["total"]

    won, lost = closed("won"), closed("lost")
    start, end = dates.day_bounds_utc(week, tz)
    owners: list[Any] = []
    deal_owner: list[Any] = []
    if rep is not None:
        owners.append(scope.owner_clause(conn, LEAD.c.owner_id, rep, settings))
        deal_owner.append(scope.owner_clause(conn, DEAL.c.owner_id, rep, settings))
    if team is not None:
        owners.append(scope.team_clause(conn, LEAD.c.owner_id, team, settings))
        deal_owner.append(scope.team_clause(conn, DEAL.c.owner_id, team, settings))
    new_leads = conn.execute(
        sa.select(sa.func.count()).where(
            LEAD.c.created_at >= start, LEAD.c.created_at < end, *owners
        )
    ).scalar_one()
    moves = conn.execute(
        sa.select(sa.func.count())
        .select_from(STAGECHANGE.join(DEAL, DEAL.c.id == STAGECHANGE.c.deal_id))
        .where(
            STAGECHANGE.c.changed_at >= start,
            STAGECHANGE.c.changed_at < end,
            STAGECHANGE.c.from_stage_id.is_not(None),
            *deal_owner,
        )
    ).scalar_one()
    return {
        "won": won["count"],
        "won_amount": won["amount"],
        "lost": lost["count"],
        "lost_amount": lost["amount"],
        "new_leads": int(new_leads),
        "stage_moves": int(moves),
        "currency": won["currency"],
    }


def weekly(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    now: dt.datetime,
    week: Period,
    quarter: Period,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    from salescli.services.reports import funnel, leaderboard, sources, stale

    common: dict[str, Any] = {"settings": settings, "rep": rep, "team": team}
    return {
        "report": "weekly",
        "week": week.label,
        "from": week.start,
        "to": week.last,
        "quarter": quarter.label,
        "currency": settings.currency,
        "results": results(conn, today=today, week=week, **common),
        "leaderboard": leaderboard.leaderboard(conn, today=today, period=quarter, **common),
        "funnel": funnel.funnel(conn, period=quarter, **common),
        "sources": sources.sources(conn, today=today, period=quarter, **common),
        "stale": stale.stale(conn, now=now, limit=STALE_LISTED, **common),
    }
