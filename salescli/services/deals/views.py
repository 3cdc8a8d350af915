"""Read-only views of deals (Core): `show` (the record with its stage history, activities,
tasks and line items), the stage `history` and the `stale` deals."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services.deals.lines import list_lines
from salescli.services.deals.records import get, record
from salescli.services.tasks.queries import open_tasks
from salescli.tables import ACTIVITY, DEAL, REP, STAGE, STAGECHANGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings


def show(conn: Connection, deal_id: int | str, now: dt.datetime, tz: str = "UTC") -> dict[str, Any]:
    """The record plus `stage_history`, `activities`, its open `tasks` and `lines`."""
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
    result["tasks"] = open_tasks(conn, now, tz, deal_id=deal.id)
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


def last_touch(dialect: str) -> Any:
    """A deal's last touch, in SQL: the latest of when it entered its stage, its last activity
    (`last_activity_at`) and its newest logged activity. The one definition of idleness:
    `deal stale` and the stale-deal rule of `task auto` use it."""
    from salescli.tables import Instant

    newest = (
        sa.select(sa.func.max(ACTIVITY.c.occurred_at))
        .where(ACTIVITY.c.deal_id == DEAL.c.id)
        .correlate(DEAL)  # also from deeper (the rule key's NOT EXISTS in task auto)
        .scalar_subquery()
    )
    entered = DEAL.c.stage_entered_at
    values = [
        entered,
        sa.func.coalesce(DEAL.c.last_activity_at, entered),
        sa.func.coalesce(newest, entered),
    ]
    func = sa.func.max if dialect == "sqlite" else sa.func.greatest
    return sa.type_coerce(func(*values), Instant())


def stale_clause(conn: Connection, now: dt.datetime, days: int | None = None) -> Any:
    """Open deals idle (no stage change, no activity) for at least their stage's stale days
    (or `days`): `last_touch <= now - days`, the cutoff of each open stage bound as a value."""
    from salescli.tables import Instant

    touched = last_touch(conn.dialect.name)
    stages = conn.execute(
        sa.select(STAGE.c.id, STAGE.c.stale_days).where(STAGE.c.kind == "open")
    ).all()
    if not stages:
        return sa.false()
    cutoffs = {
        stage.id: now - dt.timedelta(days=days if days is not None else stage.stale_days)
        for stage in stages
    }
    cutoff = sa.case(
        *((DEAL.c.stage_id == sid, sa.literal(at, Instant())) for sid, at in cutoffs.items()),
        else_=sa.null(),
    )
    # The stage change and `last_activity_at` are parts of the last touch: a deal touched
    # since the cutoff by either is out before its newest activity is looked up.
    return sa.and_(
        DEAL.c.stage_id.in_(list(cutoffs)),
        DEAL.c.stage_entered_at <= cutoff,
        sa.or_(DEAL.c.last_activity_at.is_(None), DEAL.c.last_activity_at <= cutoff),
        touched <= cutoff,
    )


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
    everywhere (services.scope: `me`, `none`, an id or a name). Idleness is `last_touch`,
    filtered (`stale_clause`), sorted and cut in SQL."""
    from salescli.instants import utc
    from salescli.services.scope import DealScope, deal_clauses

    if days is not None and days < 1:
        raise InvalidData(f"days '{days}' must be at least 1 (e.g. --days 30)")
    touched = last_touch(conn.dialect.name)
    stale_after = STAGE.c.stale_days if days is None else sa.literal(days, sa.Integer())
    query = (
        sa.select(
            DEAL.c.id,
            DEAL.c.title,
            DEAL.c.owner_id,
            STAGE.c.name.label("stage_name"),
            stale_after.label("stale_after"),
            REP.c.name.label("owner_name"),
            touched.label("last_touch_at"),
        )
        .select_from(DEAL)
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .outerjoin(REP, REP.c.id == DEAL.c.owner_id)
        .where(stale_clause(conn, now, days))
        .order_by(touched, DEAL.c.id)
    )
    if owner is not None or team is not None:
        assert settings is not None
        scope = DealScope(owner=owner, team=team, state="open")
        query = query.where(*deal_clauses(conn, scope, settings))
    if limit:
        query = query.limit(limit)
    found = []
    plain_now = utc(now)  # a stdlib datetime: pendulum's subtraction is ~50x slower per row
    for deal in conn.execute(query).all():
        last = utc(deal.last_touch_at)
        found.append(
            {
                "id": deal.id,
                "title": deal.title,
                "owner": deal.owner_name,
                "owner_id": deal.owner_id,
                "stage": deal.stage_name,
                "idle_days": (plain_now - last).days,
                "stale_after": deal.stale_after,
                "last_touch_at": last,
            }
        )
    return found
