"""The stage rules firing: a deal entering a stage gets the tasks of that stage's rules
(`task rules --add`). Every path that puts a deal in a stage calls `enter_stage` (deal add,
deal move/win/lose/reopen, lead convert, deal import); `task auto` catches up the entries
that got no task (`stage_rule_selects(..., catch_up=True)`).

Built on the rule frame (auto_frame) and the tables only: the deals import it, and it
imports nothing of the deals.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.services.tasks.auto_frame import (
    Context,
    as_text,
    context,
    insert_tasks,
    instant,
    key_missing,
    offset_due,
    rule_key,
    rule_select,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings


def stage_rule_selects(conn: Connection, ctx: Context, where: Any, catch_up: bool) -> list[Any]:
    """One SELECT per stage rule: the deals matching `where` that are in the rule's stage and
    have no task for their latest entry into it. `catch_up`: entries since the rule exists."""
    from salescli.tables import DEAL, STAGECHANGE, TASKRULE

    selects = []
    for rule in conn.execute(sa.select(TASKRULE).order_by(TASKRULE.c.id)).all():
        entry = (
            sa.select(sa.func.max(STAGECHANGE.c.id))
            .where(STAGECHANGE.c.deal_id == DEAL.c.id, STAGECHANGE.c.to_stage_id == rule.stage_id)
            .correlate(DEAL)
            .scalar_subquery()
        )
        key = rule_key(f"stage:{rule.id}:deal:", DEAL.c.id, as_text(entry))
        query = rule_select(
            ctx, f"stage:{rule.id}", key, sa.literal(rule.title, sa.String),
            instant(offset_due(rule.due, ctx.now, ctx.tz)), False, rule.priority,
            DEAL.c.owner_id, deal_id=DEAL.c.id,
        )  # fmt: skip
        clauses = [where, DEAL.c.stage_id == rule.stage_id, entry.is_not(None), key_missing(key)]
        if catch_up:
            since = (
                sa.select(sa.func.max(STAGECHANGE.c.changed_at))
                .where(STAGECHANGE.c.id == entry)
                .scalar_subquery()
            )
            clauses.append(since >= instant(rule.created_at))
        selects.append(query.where(*clauses))
    return selects


def enter_stage(conn: Connection, where: Any, now: dt.datetime, settings: Settings) -> int:
    """Deals matching `where` (a clause on DEAL: one id, an import batch) have just entered
    their current stage: create the tasks of that stage's rules (one INSERT ... SELECT per
    rule; a deal without an owner and no `task.default_owner` gets none now: `task auto`
    lists it as unassigned). The number of tasks created."""
    from salescli.tables import TASKRULE

    if conn.execute(sa.select(TASKRULE.c.id).limit(1)).first() is None:
        return 0
    ctx = context(conn, now, settings)
    selects = stage_rule_selects(conn, ctx, where, catch_up=False)
    return sum(insert_tasks(conn, ctx, select) for select in selects)
