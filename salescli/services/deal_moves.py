"""A deal through the pipeline: move between open stages, win, lose, reopen.

Each change enters the target stage (its defaults unless overridden) and adds a row to the
deal's stage history.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from salescli.errors import InvalidData
from salescli.services.deals import (
    actor_name,
    apply_stage,
    check_close_day,
    get,
    record_change,
    require_open,
    stage_of,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Deal, Stage
    from salescli.services.config import Settings


def _enter(
    session: Session,
    deal: Deal,
    current: Stage,
    target: Stage,
    *,
    probability: int | None = None,
    category: str | None = None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
    at: dt.datetime | None = None,
) -> Deal:
    """Leave `current` for `target` and record the change, as of `at` (default: now)."""
    from salescli.instants import utc

    apply_stage(deal, target, probability, category, at or now)
    deal.updated_at = utc(now)
    record_change(
        session, deal, current.id, target, at or now, actor_name(actor, settings, session)
    )
    session.flush()
    return deal


def move(
    session: Session,
    deal_id: int | str,
    stage_name: str,
    *,
    probability: int | None,
    category: str | None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Move an open deal to another open stage; the new stage's defaults apply unless overridden."""
    from salescli.services import stages

    deal = get(session, deal_id)
    current = require_open(session, deal, "move")
    target = stages.get(session, stage_name)
    if target.kind != "open":
        verb = "win" if target.kind == "won" else "lose"
        extra = " --reason REASON" if target.kind == "lost" else ""
        raise InvalidData(
            f"a deal reaches the {target.kind} stage through salescli deal {verb} {deal.id}{extra}"
            f", not deal move"
        )
    if target.id == current.id:
        raise InvalidData(
            f"deal {deal.id} is already in {current.name} "
            f"(to change its probability: salescli deal edit {deal.id} --probability 40)"
        )
    return _enter(
        session, deal, current, target, probability=probability, category=category,
        now=now, actor=actor, settings=settings,
    )  # fmt: skip


def _closed_at(session: Session, deal: Deal, on: dt.date, now: dt.datetime) -> dt.datetime:
    """When a deal closed on day `on` enters its won/lost stage: now when `on` is today, else the
    start of that day in the configured zone, but never before the deal's last stage change
    (a deal backfilled after it closed: its close date stays `on`, its history stays in order;
    `closed_before_history` lets the command say so)."""
    import sqlalchemy as sa

    from salescli.instants import utc
    from salescli.models import StageChange

    if on == now.date():
        return now
    last = session.execute(
        sa.select(sa.func.max(StageChange.changed_at)).where(StageChange.deal_id == deal.id)
    ).scalar()
    entered = utc(last or deal.created_at)
    assert entered is not None
    start = dt.datetime.combine(on, dt.time(0), tzinfo=now.tzinfo)
    return max(start, entered.astimezone(now.tzinfo))


def closed_before_history(deal: Deal, tz: dt.tzinfo | None) -> dt.date | None:
    """The day the deal's history records its close, when that is after its close date."""
    from salescli.instants import utc

    entered = utc(deal.stage_entered_at)
    if entered is None or deal.close_date is None:
        return None
    day = entered.astimezone(tz).date()
    return day if day > deal.close_date else None


def win(
    session: Session,
    deal_id: int | str,
    *,
    on: dt.date,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Close an open deal as won on `on` (its close date)."""
    from salescli.services import stages

    check_close_day(on, "won", now.date(), field="on")
    deal = get(session, deal_id)
    current = require_open(session, deal, "win")
    at = _closed_at(session, deal, on, now)
    target = stages.closed_stage(session, "won")
    deal.close_date = on
    return _enter(session, deal, current, target, now=now, actor=actor, settings=settings, at=at)


def lose(
    session: Session,
    deal_id: int | str,
    *,
    reason: str,
    note: str | None,
    on: dt.date,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Close an open deal as lost for a reason from the lost-reason list."""
    from salescli.services import stages

    check_close_day(on, "lost", now.date(), field="on")
    deal = get(session, deal_id)
    current = require_open(session, deal, "lose")
    at = _closed_at(session, deal, on, now)
    lost_reason = stages.get_reason(session, reason)
    if note is not None and len(note) > 500:
        raise InvalidData("note is longer than 500 characters")
    target = stages.closed_stage(session, "lost")
    deal.close_date = on
    deal.lost_reason_id = lost_reason.id
    deal.lost_note = (note or "").strip() or None
    return _enter(session, deal, current, target, now=now, actor=actor, settings=settings, at=at)


def reopen(
    session: Session,
    deal_id: int | str,
    *,
    stage: str | None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Back to the stage the deal was in before it closed (or `stage`); the lost reason goes."""
    import sqlalchemy as sa

    from salescli.models import StageChange
    from salescli.services import stages

    deal = get(session, deal_id)
    current = stage_of(session, deal.stage_id)
    if current.kind == "open":
        raise InvalidData(f"deal {deal.id} is open (in {current.name}): nothing to reopen")
    if stage is not None:
        target = stages.get_open(session, stage)
    else:
        previous = session.execute(
            sa.select(StageChange.from_stage_id)
            .where(StageChange.deal_id == deal.id, StageChange.to_stage_id == current.id)
            .order_by(StageChange.changed_at.desc(), StageChange.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).scalar()
        candidate = stage_of(session, previous) if previous else None
        if candidate is None or candidate.kind != "open":
            candidate = stages.first_open(session)
        target = candidate
    deal.lost_reason_id = None
    deal.lost_note = None
    return _enter(session, deal, current, target, now=now, actor=actor, settings=settings)
