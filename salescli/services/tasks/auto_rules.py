"""The built-in rules of `task auto` (see services.tasks.auto): follow-up, first-contact,
check-in and stale-deal, each a function returning its SELECTs of candidate tasks in the
rule frame (auto_frame.rule_select)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.services.tasks.auto_frame import (
    Context,
    greatest,
    instant,
    instant_text,
    key_missing,
    no_open_rule_task,
    offset_due,
    rule_key,
    rule_select,
    task_title,
)
from salescli.services.tasks.auto_settings import (
    CHECK_IN_DAYS,
    CHECK_IN_PRIORITY,
    FIRST_CONTACT_HOURS,
    FIRST_CONTACT_PRIORITY,
    FOLLOW_UP_DAYS,
    FOLLOW_UP_PRIORITY,
    FOLLOW_UP_WINDOW,
    STALE_PRIORITY,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

CONTACT_KINDS = ("call", "email", "meeting")


def _local_day_case(ctx: Context, column: Any, since: dt.datetime, days: int) -> Any:
    """End of the local day `days` after `column`'s local day, for instants from `since` on:
    a CASE over the (few) local days of the window, exact across DST changes."""
    from salescli.services.tasks.due import end_of_day, local_day, local_instant

    first, last = local_day(since, ctx.tz), local_day(ctx.now, ctx.tz)
    whens = []
    day = first
    while day <= last:
        next_start = local_instant(day + dt.timedelta(days=1), dt.time(0), ctx.tz)
        due = end_of_day(day + dt.timedelta(days=days), ctx.tz)
        whens.append((column < instant(next_start), instant(due)))
        day += dt.timedelta(days=1)
    return sa.case(*whens, else_=instant(end_of_day(last + dt.timedelta(days=days), ctx.tz)))


def follow_up(ctx: Context) -> list[Any]:
    from salescli.services.leads.statuses import CLOSED_STATUSES
    from salescli.tables import ACTIVITY, DEAL, LEAD, STAGE, TASK

    days = int(ctx.settings.get(FOLLOW_UP_DAYS.key) or 3)
    window = int(ctx.settings.get(FOLLOW_UP_WINDOW.key) or 30)
    priority = ctx.settings.get(FOLLOW_UP_PRIORITY.key) or "normal"
    since = ctx.now - dt.timedelta(days=window)
    selects = []
    for target in ("lead", "deal"):
        contact = ACTIVITY.alias("contact")
        task = TASK.alias("next_step")
        column = f"{target}_id"
        # The contacts of the window, newest first per record (a later contact is in the
        # window too): one read of the window from ix_activity_kind_occurred_at_lead_id_deal_id,
        # rank 1 is the latest (ties: the higher id), the one that may need a follow-up.
        rank = sa.func.row_number().over(
            partition_by=contact.c[column],
            order_by=(contact.c.occurred_at.desc(), contact.c.id.desc()),
        )
        act = (
            sa.select(contact.c.id, contact.c[column], contact.c.occurred_at, rank.label("rank"))
            .where(
                contact.c.kind.in_(CONTACT_KINDS),
                contact.c.occurred_at >= instant(since),
                contact.c[column].is_not(None),
            )
            .subquery("act")
        )
        key = rule_key("follow-up:activity:", act.c.id)
        next_step = ~sa.exists().where(
            task.c[column] == act.c[column],
            task.c.done_at.is_(None),
            sa.or_(task.c.created_at >= act.c.occurred_at, task.c.due_at >= act.c.occurred_at),
        )
        due = _local_day_case(ctx, act.c.occurred_at, since, days)
        where = [
            act.c.rank == 1,
            next_step,
            key_missing(key),
        ]
        if target == "lead":
            title = task_title("Follow up: ", LEAD.c.name)
            query = rule_select(
                ctx, "follow-up", key, title, due, False, priority, LEAD.c.owner_id,
                lead_id=LEAD.c.id,
            ).select_from(act.join(LEAD, LEAD.c.id == act.c.lead_id))  # fmt: skip
            where += [LEAD.c.forgotten.is_(False), LEAD.c.status.not_in(CLOSED_STATUSES)]
        else:
            title = task_title("Follow up: ", DEAL.c.title)
            joined = act.join(DEAL, DEAL.c.id == act.c.deal_id).join(
                STAGE, STAGE.c.id == DEAL.c.stage_id
            )
            query = rule_select(
                ctx, "follow-up", key, title, due, False, priority, DEAL.c.owner_id,
                deal_id=DEAL.c.id,
            ).select_from(joined)  # fmt: skip
            where.append(STAGE.c.kind == "open")
        selects.append(query.where(*where))
    return selects


def first_contact(ctx: Context) -> list[Any]:
    from salescli.tables import LEAD

    hours = int(ctx.settings.get(FIRST_CONTACT_HOURS.key) or 24)
    priority = ctx.settings.get(FIRST_CONTACT_PRIORITY.key) or "high"
    key = rule_key("first-contact:lead:", LEAD.c.id)
    query = rule_select(
        ctx,
        "first-contact",
        key,
        task_title("First contact: ", LEAD.c.name),
        instant(ctx.now),
        True,
        priority,
        LEAD.c.owner_id,
        lead_id=LEAD.c.id,
    ).where(
        LEAD.c.status == "new",
        LEAD.c.last_contact_at.is_(None),
        LEAD.c.forgotten.is_(False),
        LEAD.c.created_at <= instant(ctx.now - dt.timedelta(hours=hours)),
        no_open_rule_task("lead_id", LEAD.c.id, "first-contact"),
        key_missing(key),
    )
    return [query]


def check_in(ctx: Context) -> list[Any]:
    from salescli.tables import ACCOUNT, DEAL, STAGE

    days = int(ctx.settings.get(CHECK_IN_DAYS.key) or 90)
    priority = ctx.settings.get(CHECK_IN_PRIORITY.key) or "normal"
    won_stages = sa.select(STAGE.c.id).where(STAGE.c.kind == "won").scalar_subquery()
    won = (
        sa.select(DEAL.c.account_id, sa.func.max(DEAL.c.stage_entered_at).label("won_at"))
        .where(DEAL.c.stage_id.in_(won_stages), DEAL.c.account_id.is_not(None))
        .group_by(DEAL.c.account_id)
        .subquery("won")
    )
    touched = greatest(
        ctx.dialect, sa.func.coalesce(ACCOUNT.c.last_contact_at, won.c.won_at), won.c.won_at
    )
    key = rule_key("check-in:account:", ACCOUNT.c.id, instant_text(ctx.dialect, touched))
    query = (
        rule_select(
            ctx,
            "check-in",
            key,
            task_title("Check in with ", ACCOUNT.c.name),
            instant(_today_due(ctx)),
            False,
            priority,
            ACCOUNT.c.owner_id,
            account_id=ACCOUNT.c.id,
        )  # fmt: skip
        .select_from(won.join(ACCOUNT, ACCOUNT.c.id == won.c.account_id))
        .where(
            touched <= instant(ctx.now - dt.timedelta(days=days)),
            no_open_rule_task("account_id", ACCOUNT.c.id, "check-in"),
            key_missing(key),
        )
    )
    return [query]


def _today_due(ctx: Context) -> dt.datetime:
    return offset_due("+0d", ctx.now, ctx.tz)


def stale_deal(ctx: Context, conn: Connection) -> list[Any]:
    from salescli.services.deals.views import last_touch, stale_clause
    from salescli.tables import DEAL

    priority = ctx.settings.get(STALE_PRIORITY.key) or "normal"
    touched = last_touch(ctx.dialect)
    key = rule_key("stale:deal:", DEAL.c.id, instant_text(ctx.dialect, touched))
    query = rule_select(
        ctx,
        "stale-deal",
        key,
        task_title("Stale deal: ", DEAL.c.title),
        instant(_today_due(ctx)),
        False,
        priority,
        DEAL.c.owner_id,
        deal_id=DEAL.c.id,
    ).where(
        stale_clause(conn, ctx.now),
        no_open_rule_task("deal_id", DEAL.c.id, "stale-deal"),
        key_missing(key),
    )
    return [query]
