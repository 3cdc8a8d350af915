"""`report stale`: what is being neglected, by owner: open deals idle past their stage's
stale days (`deal stale`'s definition, `deals.views.stale_clause`) and open tasks past due
(`task list --overdue`'s definition), counted per owner, with both lists."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import REP, TASK

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings


def stale(
    conn: Connection,
    *,
    settings: Settings,
    now: dt.datetime,
    rep: str | None = None,
    team: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    from salescli.services.deals import views
    from salescli.services.tasks import queries as tasks

    # One read of the stale deals, longest idle first: counted per owner here, then cut to
    # the rows listed (finding a deal stale means finding its last touch: the costly part).
    every = views.stale(conn, now=now, owner=rep, team=team, settings=settings)
    deal_counts: dict[int | None, int] = {}
    for deal in every:
        deal_counts[deal["owner_id"]] = deal_counts.get(deal["owner_id"], 0) + 1
    deals = every[:limit] if limit else every
    wanted = tasks.TaskFilter(owner=rep, team=team, overdue=True)
    task_counts: dict[int | None, int] = dict(
        conn.execute(
            sa.select(TASK.c.owner_id, sa.func.count())
            .where(*tasks.clauses(conn, wanted, settings, now))
            .group_by(TASK.c.owner_id)
        ).all()
    )
    names = dict(conn.execute(sa.select(REP.c.id, REP.c.name)).all())
    owners: list[dict[str, Any]] = []
    for owner_id in set(deal_counts) | set(task_counts):
        owners.append(
            {
                "rep": names.get(owner_id) if owner_id is not None else None,
                "rep_id": owner_id,
                "stale_deals": int(deal_counts.get(owner_id, 0)),
                "overdue_tasks": int(task_counts.get(owner_id, 0)),
            }
        )
    owners.sort(
        key=lambda r: (-(r["stale_deals"] + r["overdue_tasks"]), r["rep"] is None, r["rep"] or "")
    )
    # Only the tasks listed are read and shaped (the counts above are the whole).
    overdue = tasks.list_tasks(conn, wanted, settings=settings, now=now, limit=limit or None)
    return {
        "report": "stale",
        "at": now,
        "by_owner": owners,
        "stale_deals": deals,
        "overdue_tasks": overdue,
        "total": {
            "stale_deals": sum(deal_counts.values()),
            "overdue_tasks": sum(task_counts.values()),
        },
    }
