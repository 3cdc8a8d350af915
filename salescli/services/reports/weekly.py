"""`report weekly`: the manager's Monday report, composed of the other reports (the same
definitions, the same SQL): last week's results (won, lost, new leads, stage moves), the
forecast of this month and this quarter against quota (the forecast engine's totals), the
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
    from salescli.services.deals.queries import grouped_totals, round_zero

    tz = settings.timezone
    span = (week.start, week.end)

    # Won and lost in one pass, by state.
    closed = scope.DealScope(owner=rep, team=team, states=("won", "lost"), period=span)
    found = grouped_totals(conn, closed, settings, ["state"], today, tz, with_total=False)
    by_state = {group["state"]: group for group in found["groups"]}
    zero = {"count": 0, "amount": round_zero(settings.currency)}
    won, lost = by_state.get("won", zero), by_state.get("lost", zero)
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
        "currency": found["currency"],
    }


# The forecast figures the weekly report shows, as `forecast` defines them (weighted method).
FORECAST_KEYS = (
    "closed", "commit_total", "best_case_total", "pipeline_total", "weighted", "quota", "gap",
    "attainment", "coverage", "count", "unknown_amount", "quota_source",
)  # fmt: skip


EVERYONE = "sum of top-level"
QUOTA_SOURCES = {
    EVERYONE: "the sum of the quotas of each top-level team and rep",
    "combined": "the sum of the quotas set for the periods inside it",
    "prorated": "prorated from a longer period",
    "sum of reps": (
        "the sum of the reps' quotas (no team quota is set, or the scope shows only part of "
        "the team)"
    ),
}


def forecast(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    periods: list[Period],
    rep: str | None,
    team: str | None,
) -> dict[str, Any]:
    """This month's and this quarter's forecast against quota: one row per period, the totals
    of `forecast --method weighted` for the same rep, team or everyone."""
    from salescli.services import scope
    from salescli.services.forecast import engine, figures

    if rep is not None and scope.is_none(rep):
        return {"rows": [], "notes": ["No forecast for deals without an owner (a forecast is per rep)."]}  # fmt: skip
    if rep is not None:
        who = figures.Who(rep_id=scope.rep_id(conn, rep, settings))
    else:
        who = figures.Who(team=team)
    options = engine.Options(method="weighted")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for period in periods:
        result = engine.forecast(conn, settings, period, who, today, options, settings.timezone)
        total = dict(result["total"])
        tops = [row for row in result["rows"] if row["level"] == 0 and row["rep_id"] is not None]
        if len(tops) == 1:  # one rep or one team: its quota is the total's, found its own way
            total["quota_source"] = tops[0]["quota_source"]
        elif total["quota"] is not None:  # everyone: the top-level teams' and reps' quotas
            total["quota_source"] = EVERYONE
        rows.append(
            {
                "period": period.label,
                "from": period.start,
                "to": period.last,
                "currency": settings.currency,
            }
            | {key: total.get(key) for key in FORECAST_KEYS}
        )
        notes.extend(f"{period.label}: {note}" for note in result["notes"])
    if any(row["quota"] is None for row in rows):
        missing = ", ".join(row["period"] for row in rows if row["quota"] is None)
        notes.append(f"No revenue quota covers {missing}: no gap or attainment.")
    for row in rows:
        how = QUOTA_SOURCES.get(row["quota_source"])
        if how:
            notes.append(f"{row['period']} quota: {how}.")
    return {"rows": rows, "notes": notes}


def weekly(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    now: dt.datetime,
    week: Period,
    quarter: Period,
    month: Period | None = None,
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
        "forecast": forecast(
            conn, today=today, periods=[p for p in (month, quarter) if p is not None], **common
        ),
        "leaderboard": leaderboard.leaderboard(conn, today=today, period=quarter, **common),
        "funnel": funnel.funnel(conn, period=quarter, **common),
        "sources": sources.sources(conn, today=today, period=quarter, **common),
        "stale": stale.stale(conn, now=now, limit=STALE_LISTED, **common),
    }
