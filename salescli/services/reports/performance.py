"""`report performance`: per rep and in total, for deals closed in a period: deals won and
lost, win rate, average won deal, sales cycle, velocity, and activities.

Definitions (SPEC "Reports"): win rate = won / (won + lost) among deals closed in P; average
deal size = mean won amount (deals with an amount); sales cycle = mean days from creation to
close for deals won in P (whole days from the UTC creation date to the close date, 0 for a
deal closed before that date); velocity = open deals × win rate × average deal size ÷ cycle
days (money per day). A figure that cannot be computed (no closed deal, a zero cycle) is null.
Rates are fractions to 4 places. Money through `deals.queries.grouped_totals`; counts and days
aggregated in SQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import ACTIVITY, DEAL, REP, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

TOTAL = "(total)"


def _key(group: dict[str, Any]) -> int | None:
    return group.get("owner_id")


def _state(closed: dict[str, Any], state: str) -> dict[str, Any]:
    """One state's groups and total out of a grouped_totals by owner and state."""
    return {
        "groups": [g for g in closed["groups"] if g["state"] == state],
        "total": next((g for g in closed["rollups"][0] if g["state"] == state), None),
    }


def _activities(
    conn: Connection, settings: Settings, period: Period, rep: str | None, team: str | None
) -> dict[int | None, int]:
    """Activities in `period` per rep (those with at least one). Counted rep by rep over the
    (rep_id, occurred_at) index, each a range count; one GROUP BY over the period would read
    every activity row of the period for its rep."""
    from salescli import dates
    from salescli.services import scope

    start, end = dates.day_bounds_utc(period, settings.timezone)
    when = [ACTIVITY.c.occurred_at >= start, ACTIVITY.c.occurred_at < end]
    reps: list[Any] = []
    unowned: list[Any] = [ACTIVITY.c.rep_id.is_(None), *when]
    if rep is not None:
        reps.append(scope.owner_clause(conn, REP.c.id, rep, settings))
        unowned.append(scope.owner_clause(conn, ACTIVITY.c.rep_id, rep, settings))
    if team is not None:
        reps.append(scope.team_clause(conn, REP.c.id, team, settings))
        unowned.append(scope.team_clause(conn, ACTIVITY.c.rep_id, team, settings))
    counted = (
        sa.select(sa.func.count())
        .select_from(ACTIVITY)
        .where(ACTIVITY.c.rep_id == REP.c.id, *when)
        .scalar_subquery()
    )
    found: dict[int | None, int] = {
        rep_id: int(n) for rep_id, n in conn.execute(sa.select(REP.c.id, counted).where(*reps)) if n
    }
    none = conn.execute(sa.select(sa.func.count()).select_from(ACTIVITY).where(*unowned)).scalar()
    if none:
        found[None] = int(none)
    return found


def performance(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    period: Period,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    from salescli.services.currency import round_money
    from salescli.services.deals.queries import grouped_totals
    from salescli.services.reports import fraction
    from salescli.services.scope import DealScope, deal_clauses
    from salescli.services.sqltime import days_to_date

    tz = settings.timezone
    span = (period.start, period.end)

    # Won and lost deals of the period in one pass (by owner and state, rolled up to each
    # state's total); the open pipeline, whatever its close dates, in another.
    closed_scope = DealScope(owner=rep, team=team, period=span, states=("won", "lost"))
    closed = grouped_totals(
        conn, closed_scope, settings, ["owner", "state"], today, tz, with_total=False,
        rollups=[["state"]],
    )  # fmt: skip
    won: dict[str, Any] = _state(closed, "won")
    lost: dict[str, Any] = _state(closed, "lost")
    opened = grouped_totals(
        conn, DealScope(owner=rep, team=team, state="open"), settings, ["owner"], today, tz
    )
    won_scope = DealScope(owner=rep, team=team, state="won", period=span)
    # Each owner's days and deals in one pass: their average cycle, and the whole's (the
    # average over every won deal) from the same sums. A deal closed before the day it was
    # created (imported from a CRM that dates creation otherwise, or a creation late in the
    # UTC day) counts 0 days, never a negative cycle.
    elapsed = days_to_date(DEAL.c.created_at, DEAL.c.close_date)
    days = sa.case((elapsed < 0, 0), else_=elapsed)
    cycle_rows = conn.execute(
        sa.select(DEAL.c.owner_id, sa.func.sum(days), sa.func.count(days))
        .select_from(DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id))
        .where(*deal_clauses(conn, won_scope, settings, tz))
        .group_by(DEAL.c.owner_id)
    ).all()
    cycles = {owner: float(total) / n for owner, total, n in cycle_rows if n}
    counted = sum(n for _, _, n in cycle_rows)
    all_cycle = sum(float(t) for _, t, n in cycle_rows if n) / counted if counted else None
    activities = _activities(conn, settings, period, rep, team)
    names = dict(conn.execute(sa.select(REP.c.id, REP.c.name)).all())
    reporting = settings.currency

    def figures(
        won_g: dict[str, Any] | None,
        lost_g: dict[str, Any] | None,
        open_g: dict[str, Any] | None,
        cycle: Any,
        acts: int,
    ) -> dict[str, Any]:
        won_n = won_g["count"] if won_g else 0
        lost_n = lost_g["count"] if lost_g else 0
        known = won_n - (won_g["unknown_amount"] if won_g else 0)
        won_amount = won_g["amount"] if won_g else round_money(Decimal(0), reporting)
        closed_n = won_n + lost_n
        average = round_money(won_amount / known, reporting) if known else None
        cycle_days = Decimal(str(round(float(cycle), 1))) if cycle is not None else None
        open_n = open_g["count"] if open_g else 0
        velocity = None
        if closed_n and average is not None and cycle_days:
            # The exact win rate (won / closed), not the rounded one shown.
            velocity = round_money(
                Decimal(open_n) * won_n * average / closed_n / cycle_days, reporting
            )
        return {
            "won": won_n,
            "lost": lost_n,
            "win_rate": fraction(won_n, closed_n),
            "won_amount": won_amount,
            "average_deal": average,
            "cycle_days": cycle_days,
            "open_deals": open_n,
            "velocity": velocity,
            "activities": acts,
            "currency": reporting,
        }

    by = {name: {_key(g): g for g in found["groups"]} for name, found in (("won", won), ("lost", lost), ("open", opened))}  # fmt: skip
    people = set(by["won"]) | set(by["lost"]) | set(by["open"]) | set(activities)
    rows = []
    for rep_id in people:
        rows.append(
            {
                "rep": names.get(rep_id) if rep_id is not None else None,
                "rep_id": rep_id,
                **figures(
                    by["won"].get(rep_id),
                    by["lost"].get(rep_id),
                    by["open"].get(rep_id),
                    cycles.get(rep_id),
                    int(activities.get(rep_id, 0)),
                ),
            }
        )
    rows.sort(key=lambda r: (r["rep"] is None, (r["rep"] or "").casefold()))
    total = figures(
        won["total"], lost["total"], opened["total"], all_cycle, int(sum(activities.values()))
    )
    return {
        "report": "performance",
        "period": period.label,
        "from": period.start,
        "to": period.last,
        "currency": reporting,
        "rows": rows,
        "total": total,
    }
