"""A deal through the pipeline: move between open stages, win, lose, reopen (Core).

Each change enters the target stage (its defaults unless overridden: deals.rules.stage_values) and
adds a row to the deal's stage history (deals.rules.history_row), as `deal add` and import do.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services import rows
from salescli.services.deals.records import actor_name, get, require_open, stage_of
from salescli.services.deals.rules import check_close_day, clean_note, history_row, stage_values
from salescli.tables import DEAL, STAGECHANGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings


def enter(
    conn: Connection,
    deal: Any,
    target: Any,
    *,
    probability: int | None = None,
    category: str | None = None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
    at: dt.datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    """Leave the deal's stage for `target` and record the change, as of `at` (default: now);
    `extra` are other values written with it (close date, lost reason). The deal's id."""
    entered = stage_values(target, probability, category, at or now)
    who = actor_name(conn, actor, settings)
    rows.update(conn, DEAL, deal["id"], {**entered, **(extra or {}), "updated_at": now})
    change = history_row(
        deal["id"], deal["stage_id"], entered, who, deal["amount_minor"], deal["currency"]
    )
    rows.insert(conn, STAGECHANGE, change)
    from salescli.services.tasks import stage_rules  # a deal entered a stage

    stage_rules.enter_stage(conn, DEAL.c.id == deal["id"], now, settings)
    return int(deal["id"])


def move(
    conn: Connection,
    deal_id: int | str,
    stage_name: str,
    *,
    probability: int | None,
    category: str | None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> int:
    """Move an open deal to another open stage; the new stage's defaults apply unless overridden."""
    from salescli.services.deals import stages as stages

    deal = get(conn, deal_id)
    current = require_open(conn, deal, "move")
    target = stages.get(conn, stage_name)
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
    return enter(
        conn, deal, target, probability=probability, category=category,
        now=now, actor=actor, settings=settings,
    )  # fmt: skip


def _closed_at(conn: Connection, deal: Any, on: dt.date, now: dt.datetime) -> dt.datetime:
    """When a deal closed on day `on` enters its won/lost stage: now when `on` is today, else the
    start of that day in the configured zone, but never before the deal's last stage change
    (a deal backfilled after it closed: its close date stays `on`, its history stays in order;
    `closed_before_history` lets the command say so)."""
    from salescli.instants import utc

    if on == now.date():
        return now
    last = conn.execute(
        sa.select(sa.func.max(STAGECHANGE.c.changed_at)).where(STAGECHANGE.c.deal_id == deal.id)
    ).scalar()
    entered = utc(last) or deal.created_at
    assert entered is not None
    start = dt.datetime.combine(on, dt.time(0), tzinfo=now.tzinfo)
    return max(start, entered.astimezone(now.tzinfo))


def closed_before_history(deal: Any, tz: dt.tzinfo | None) -> dt.date | None:
    """The day the deal's history records its close, when that is after its close date
    (`deal` a row or a record: `stage_entered_at`, `close_date`)."""
    entered = deal["stage_entered_at"]
    if entered is None or deal["close_date"] is None:
        return None
    day = entered.astimezone(tz).date()
    return day if day > deal["close_date"] else None


def win(
    conn: Connection,
    deal_id: int | str,
    *,
    on: dt.date,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> int:
    """Close an open deal as won on `on` (its close date)."""
    from salescli.services.deals import stages as stages

    check_close_day(on, "won", now.date(), field="on")
    deal = get(conn, deal_id)
    require_open(conn, deal, "win")
    at = _closed_at(conn, deal, on, now)
    target = stages.closed_stage(conn, "won")
    return enter(
        conn, deal, target, now=now, actor=actor, settings=settings, at=at,
        extra={"close_date": on},
    )  # fmt: skip


def lose(
    conn: Connection,
    deal_id: int | str,
    *,
    reason: str,
    note: str | None,
    on: dt.date,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> int:
    """Close an open deal as lost for a reason from the lost-reason list."""
    from salescli.services.deals import stages as stages

    check_close_day(on, "lost", now.date(), field="on")
    deal = get(conn, deal_id)
    require_open(conn, deal, "lose")
    at = _closed_at(conn, deal, on, now)
    lost_reason = stages.get_reason(conn, reason)
    extra = {"close_date": on, "lost_reason_id": lost_reason.id, "lost_note": clean_note(note)}
    target = stages.closed_stage(conn, "lost")
    return enter(conn, deal, target, now=now, actor=actor, settings=settings, at=at, extra=extra)


def reopen(
    conn: Connection,
    deal_id: int | str,
    *,
    stage: str | None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> int:
    """Back to the stage the deal was in before it closed (or `stage`); the lost reason goes."""
    from salescli.services.deals import stages as stages

    deal = get(conn, deal_id)
    current = stage_of(conn, deal.stage_id)
    if current.kind == "open":
        raise InvalidData(f"deal {deal.id} is open (in {current.name}): nothing to reopen")
    if stage is not None:
        target = stages.get_open(conn, stage)
    else:
        previous = conn.execute(
            sa.select(STAGECHANGE.c.from_stage_id)
            .where(STAGECHANGE.c.deal_id == deal.id, STAGECHANGE.c.to_stage_id == current.id)
            .order_by(STAGECHANGE.c.changed_at.desc(), STAGECHANGE.c.id.desc())
            .limit(1)
        ).scalar()
        candidate = rows.get(conn, stages.STAGE, previous) if previous else None
        if candidate is None or candidate.kind != "open":
            candidate = stages.first_open(conn)
        target = candidate
    return enter(
        conn, deal, target, now=now, actor=actor, settings=settings,
        extra={"lost_reason_id": None, "lost_note": None},
    )  # fmt: skip
