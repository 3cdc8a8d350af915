"""`report activity`: calls, emails, meetings and notes per rep per day or week.

Days and weeks are local (the configured `timezone` and `week_start`): their UTC bounds are
computed here, joined as a small table of buckets, and the activities counted per bucket, rep
and kind in SQL (no date arithmetic in SQL, which SQLite and PostgreSQL spell differently).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import UsageError
from salescli.services.activities import KINDS
from salescli.tables import ACTIVITY, REP, Instant

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

BY = ("day", "week")
MAX_BUCKETS = 1200


def buckets(
    period: Period, by: str, tz: str, week_start: int = 0
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(label, UTC start, UTC end) of each local day or week of `period`; a week is labelled
    by its first day and clipped to the period."""
    from salescli.dates import week_start_of
    from salescli.services.scope import day_start_utc

    if by not in BY:
        raise UsageError(f"--by '{by}' is not one of: {', '.join(BY)} (e.g. --by week)")
    found = []
    day = period.start
    while day < period.end:
        if by == "day":
            following = day + dt.timedelta(days=1)
        else:
            following = min(week_start_of(day, week_start) + dt.timedelta(days=7), period.end)
        found.append((day.isoformat(), day_start_utc(day, tz), day_start_utc(following, tz)))
        day = following
        if len(found) > MAX_BUCKETS:
            raise UsageError(
                f"--period {period.label} has more than {MAX_BUCKETS} {by}s (choose a shorter "
                "period or --by week)"
            )
    return found


def bucket_table(found: list[tuple[str, dt.datetime, dt.datetime]]) -> Any:
    """The buckets as a small table (label, b_start, b_end) to join on: a UNION ALL of
    literal rows (SQLite has no column list on a VALUES alias)."""
    rows = [
        sa.select(
            sa.literal(label, sa.String()).label("label"),
            sa.literal(start, Instant()).label("b_start"),
            sa.literal(end, Instant()).label("b_end"),
        )
        for label, start, end in found
    ]
    return sa.union_all(*rows).subquery("bucket") if len(rows) > 1 else rows[0].subquery("bucket")


def activity(
    conn: Connection,
    *,
    settings: Settings,
    period: Period,
    by: str = "day",
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """Per rep and local day (or week) of `period`: calls, emails, meetings, notes, total;
    and per rep over the whole period."""
    from salescli.services import scope

    tz = settings.timezone
    found = buckets(period, by, tz, settings.week_start)
    table = bucket_table(found)
    # The buckets' inner join bounds the instants: a range on the period as well would leave
    # SQLite reading the whole period's index range once per bucket.
    where: list[Any] = []
    if rep is not None:
        where.append(scope.owner_clause(conn, ACTIVITY.c.rep_id, rep, settings))
    if team is not None:
        where.append(scope.team_clause(conn, ACTIVITY.c.rep_id, team, settings))
    # Grouped by rep id; the names are read apart (a join per activity costs a quarter more).
    query = (
        sa.select(table.c.label, ACTIVITY.c.rep_id, ACTIVITY.c.kind, sa.func.count().label("n"))
        .select_from(
            ACTIVITY.join(
                table,
                sa.and_(
                    ACTIVITY.c.occurred_at >= table.c.b_start,
                    ACTIVITY.c.occurred_at < table.c.b_end,
                ),
            )
        )
        .where(*where)
        .group_by(table.c.label, ACTIVITY.c.rep_id, ACTIVITY.c.kind)
    )
    names: dict[int | None, str | None] = dict(conn.execute(sa.select(REP.c.id, REP.c.name)).all())
    cells: dict[tuple[str, int | None], dict[str, Any]] = {}
    totals: dict[int | None, dict[str, Any]] = {}
    plural = {kind: f"{kind}s" for kind in KINDS}

    def empty(name: str | None, rep_id: int | None, **bucket: Any) -> dict[str, Any]:
        return {
            "rep": name,
            "rep_id": rep_id,
            **bucket,
            **{plural[k]: 0 for k in KINDS},
            "total": 0,
        }

    for label, rep_id, kind, count in conn.execute(query).all():
        name = names.get(rep_id)
        cell = cells.get((label, rep_id))
        if cell is None:
            cell = cells[(label, rep_id)] = empty(
                name, rep_id, **{by: dt.date.fromisoformat(label)}
            )
        total = totals.get(rep_id)
        if total is None:
            total = totals[rep_id] = empty(name, rep_id)
        for row in (cell, total):
            row[plural[kind]] += count
            row["total"] += count

    def rep_order(row: dict[str, Any]) -> tuple:
        return (row["rep"] is None, (row["rep"] or "").casefold())

    rows = sorted(cells.values(), key=lambda r: (r[by], *rep_order(r)))
    per_rep = sorted(totals.values(), key=rep_order)
    return {
        "report": "activity",
        "period": period.label,
        "from": period.start,
        "to": period.last,
        "by": by,
        "rows": rows,
        "reps": per_rep,
        "total": {
            **{plural[k]: sum(r[plural[k]] for r in per_rep) for k in KINDS},
            "total": sum(r["total"] for r in per_rep),
        },
    }
