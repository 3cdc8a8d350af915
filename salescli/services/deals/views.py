"""Read-only views of deals (Core): `show` (the record with its stage history, activities,
tasks and line items), the stage `history` and the `stale` deals."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services.deals.lines import list_lines
from salescli.services.deals.records import get, record
from salescli.tables import ACTIVITY, DEAL, REP, STAGE, STAGECHANGE, TASK

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings


def show(conn: Connection, deal_id: int | str, now: dt.datetime) -> dict[str, Any]:
    """The record plus `stage_history`, `activities`, `tasks` and `lines`."""
    deal = get(conn, deal_id)
    result = record(conn, deal)
    result["stage_history"] = history(conn, deal.id, now)
    acts = conn.execute(
        sa.select(ACTIVITY, REP.c.name.label("rep_name"))
        .outerjoin(REP, REP.c.id == ACTIVITY.c.rep_id)
        .where(ACTIVITY.c.deal_id == deal.id)
        .order_by(ACTIVITY.c.occurred_at, ACTIVITY.c.id)
    ).all()
    result["activities"] = [
        {
            "id": a.id,
            "kind": a.kind,
            "at": a.occurred_at,
            "rep": a.rep_name,
            "rep_id": a.rep_id,
            "outcome": a.outcome,
            "text": a.text,
        }
        for a in acts
    ]
    tasks = conn.execute(
        sa.select(TASK, REP.c.name.label("owner_name"))
        .outerjoin(REP, REP.c.id == TASK.c.owner_id)
        .where(TASK.c.deal_id == deal.id)
        .order_by(TASK.c.due_at.is_(None), TASK.c.due_at, TASK.c.id)
    ).all()
    result["tasks"] = [
        {
            "id": t.id,
            "title": t.title,
            "due_at": t.due_at,
            "owner": t.owner_name,
            "owner_id": t.owner_id,
            "priority": t.priority,
            "done": t.done_at is not None,
        }
        for t in tasks
    ]
    result["lines"] = list_lines(conn, deal.id)
    return result


def history(conn: Connection, deal_id: int | str, now: dt.datetime) -> list[dict[str, Any]]:
    """Every stage the deal entered, oldest first, with whole days spent in it."""
    deal = get(conn, deal_id)
    names = dict(conn.execute(sa.select(STAGE.c.id, STAGE.c.name)).all())
    changes = conn.execute(
        sa.select(STAGECHANGE)
        .where(STAGECHANGE.c.deal_id == deal.id)
        .order_by(STAGECHANGE.c.changed_at, STAGECHANGE.c.id)
    ).all()
    found = []
    for index, change in enumerate(changes):
        start = change.changed_at
        end = changes[index + 1].changed_at if index + 1 < len(changes) else now
        found.append(
            {
                "from": names.get(change.from_stage_id) if change.from_stage_id else None,
                "to": names.get(change.to_stage_id),
                "changed_at": start,
                "changed_by": change.changed_by,
                "probability": change.probability,
                "days_in_stage": max((end - start).days, 0),
            }
        )
    return found


def stale(
    conn: Connection,
    *,
    now: dt.datetime,
    days: int | None = None,
    owner: str | None = None,
    team: str | None = None,
    settings: Settings | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Open deals idle (no stage change, no activity) for at least their stage's stale days
    (or `days`), the longest idle first (at most `limit`; None: all); `owner` / `team` as
    everywhere (services.scope: `me`, `none`, an id or a name).

    One query: the last touch of each open deal (its stage entry, `last_activity_at` and its
    latest activity row, looked up through `ix_activity_deal_id`) is compared in SQL with the
    cutoff of its stage (`now` - stale days, computed here per stage), and sorted there."""
    from salescli.services.scope import DealScope, deal_clauses
    from salescli.tables import Instant

    if days is not None and days < 1:
        raise InvalidData(f"days '{days}' must be at least 1 (e.g. --days 30)")
    entered = DEAL.c.stage_entered_at
    latest = (
        sa.select(sa.func.max(ACTIVITY.c.occurred_at))
        .where(ACTIVITY.c.deal_id == DEAL.c.id)
        .scalar_subquery()
    )
    # The latest of three instants, NULLs ignored (stage_entered_at never is NULL): SQLite's
    # scalar max() and PostgreSQL's greatest() (text in storage form / timestamptz).
    greatest = sa.func.max if conn.dialect.name == "sqlite" else sa.func.greatest
    touched = greatest(
        entered,
        sa.func.coalesce(DEAL.c.last_activity_at, entered),
        sa.func.coalesce(latest, entered),
    )
    stale_after = STAGE.c.stale_days if days is None else sa.literal(days, sa.Integer())
    if days is not None:
        cutoff: Any = sa.literal(now - dt.timedelta(days=days), Instant())
    else:
        open_stages = conn.execute(
            sa.select(STAGE.c.id, STAGE.c.stale_days).where(STAGE.c.kind == "open")
        ).all()
        if not open_stages:
            return []
        cutoff = sa.case(
            {
                stage_id: sa.literal(now - dt.timedelta(days=stale_days), Instant())
                for stage_id, stale_days in open_stages
            },
            value=DEAL.c.stage_id,
        )
    inner = (
        sa.select(
            DEAL.c.id,
            DEAL.c.title,
            DEAL.c.owner_id,
            STAGE.c.name.label("stage_name"),
            stale_after.label("stale_after"),
            REP.c.name.label("owner_name"),
            touched.label("touched"),
            cutoff.label("cutoff"),
        )
        .select_from(DEAL)
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .outerjoin(REP, REP.c.id == DEAL.c.owner_id)
    )
    if owner is not None or team is not None:
        assert settings is not None
        scope = DealScope(owner=owner, team=team, state="open")
        inner = inner.where(*deal_clauses(conn, scope, settings))
    else:
        inner = inner.where(
            DEAL.c.stage_id.in_(sa.select(STAGE.c.id).where(STAGE.c.kind == "open"))
        )
    idle = inner.subquery("open_deals")
    query = (
        sa.select(idle, sa.type_coerce(idle.c.touched, Instant()).label("last_touch_at"))
        .where(idle.c.touched <= idle.c.cutoff)
        .order_by(idle.c.touched, idle.c.id)
    )
    if limit:
        query = query.limit(limit)
    found = []
    for deal in conn.execute(query).all():
        last = deal.last_touch_at
        found.append(
            {
                "id": deal.id,
                "title": deal.title,
                "owner": deal.owner_name,
                "owner_id": deal.owner_id,
                "stage": deal.stage_name,
                "idle_days": (now - last).days,
                "stale_after": deal.stale_after,
                "last_touch_at": last,
            }
        )
    return found
