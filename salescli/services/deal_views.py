"""Read-only views of deals over the ORM: `show` (the record with its stage history,
activities, tasks and line items), the stage `history` and the `stale` deals."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData
from salescli.instants import utc
from salescli.services.deal_lines import list_lines
from salescli.services.deals import get, record

if TYPE_CHECKING:
    from sqlmodel import Session


def show(session: Session, deal_id: int | str, now: dt.datetime) -> dict[str, Any]:
    """The record plus `stage_history`, `activities`, `tasks` and `lines`."""
    import sqlalchemy as sa

    from salescli.models import Activity, Rep, Task

    deal = get(session, deal_id)
    result = record(session, deal)
    result["stage_history"] = history(session, deal.id, now)  # type: ignore[arg-type]
    acts = session.execute(
        sa.select(Activity, Rep.name)
        .outerjoin(Rep, Rep.id == Activity.rep_id)
        .where(Activity.deal_id == deal.id)
        .order_by(Activity.occurred_at, Activity.id)
    ).all()
    result["activities"] = [
        {
            "id": a.id,
            "kind": a.kind,
            "at": utc(a.occurred_at),
            "rep": rep,
            "rep_id": a.rep_id,
            "outcome": a.outcome,
            "text": a.text,
        }
        for a, rep in acts
    ]
    tasks = session.execute(
        sa.select(Task, Rep.name)
        .outerjoin(Rep, Rep.id == Task.owner_id)
        .where(Task.deal_id == deal.id)
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)  # type: ignore[union-attr]
    ).all()
    result["tasks"] = [
        {
            "id": t.id,
            "title": t.title,
            "due_at": utc(t.due_at),
            "owner": owner,
            "owner_id": t.owner_id,
            "priority": t.priority,
            "done": t.done_at is not None,
        }
        for t, owner in tasks
    ]
    result["lines"] = list_lines(session, deal.id)  # type: ignore[arg-type]
    return result


def history(session: Session, deal_id: int | str, now: dt.datetime) -> list[dict[str, Any]]:
    """Every stage the deal entered, oldest first, with whole days spent in it."""
    import sqlalchemy as sa

    from salescli.models import Stage, StageChange

    deal = get(session, deal_id)
    names = dict(session.execute(sa.select(Stage.id, Stage.name)).all())
    changes = list(
        session.execute(
            sa.select(StageChange)
            .where(StageChange.deal_id == deal.id)
            .order_by(StageChange.changed_at, StageChange.id)
        ).scalars()
    )
    rows = []
    for index, change in enumerate(changes):
        start = utc(change.changed_at)
        end = utc(changes[index + 1].changed_at) if index + 1 < len(changes) else utc(now)
        assert start is not None and end is not None
        rows.append(
            {
                "from": names.get(change.from_stage_id) if change.from_stage_id else None,
                "to": names.get(change.to_stage_id),
                "changed_at": start,
                "changed_by": change.changed_by,
                "probability": change.probability,
                "days_in_stage": max((end - start).days, 0),
            }
        )
    return rows


def stale(
    session: Session, *, now: dt.datetime, days: int | None = None, owner_id: int | None = None
) -> list[dict[str, Any]]:
    """Open deals idle (no stage change, no activity) for at least their stage's stale days
    (or `days`), the longest idle first."""
    import sqlalchemy as sa

    from salescli.models import Activity, Deal, Rep, Stage

    if days is not None and days < 1:
        raise InvalidData(f"days '{days}' must be at least 1 (e.g. --days 30)")
    last_act = (
        sa.select(Activity.deal_id, sa.func.max(Activity.occurred_at).label("at"))
        .where(Activity.deal_id.is_not(None))  # type: ignore[union-attr]
        .group_by(Activity.deal_id)
        .subquery()
    )
    query = (
        sa.select(Deal, Stage.name, Stage.stale_days, Rep.name, last_act.c.at)
        .join(Stage, Stage.id == Deal.stage_id)
        .outerjoin(Rep, Rep.id == Deal.owner_id)
        .outerjoin(last_act, last_act.c.deal_id == Deal.id)
        .where(Stage.kind == "open")
    )
    if owner_id is not None:
        query = query.where(Deal.owner_id == owner_id)
    at_now = utc(now)
    rows = []
    for deal, stage_name, stage_days, owner, activity_at in session.execute(query).all():
        times = [utc(deal.stage_entered_at), utc(deal.last_activity_at)]
        times.append(utc(activity_at))
        last = max(t for t in times if t is not None)
        limit = days if days is not None else stage_days
        idle = at_now - last
        if idle >= dt.timedelta(days=limit):
            rows.append(
                {
                    "id": deal.id,
                    "title": deal.title,
                    "owner": owner,
                    "owner_id": deal.owner_id,
                    "stage": stage_name,
                    "idle_days": idle.days,
                    "stale_after": limit,
                    "last_touch_at": last,
                    "_idle": idle,
                }
            )
    rows.sort(key=lambda r: (-r["_idle"], r["id"]))
    for row in rows:
        del row["_idle"]
    return rows
