"""The demo's tasks of the reps, from their own stream (`random.Random("SEED:tasks")`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from salescli.services.demo_data import (
    ACCOUNT_TASKS,
    DAY,
    DEAL_TASKS,
    LEAD_TASKS,
    ROUTINES,
    TASK_END_OF_DAY,
    TASK_NOTES,
    TASK_PRIORITIES,
    TASK_PRIORITY_WEIGHTS,
)

if TYPE_CHECKING:
    from salescli.services.demo_context import Context


def tasks(ctx: Context) -> None:
    """Tasks of the reps: done ones over the history (on deals, within each deal's life)
    and open ones on open deals, open leads and their accounts, some overdue, some due
    today, some repeating (`every` 1w / 1m, personal routines and account check-ins),
    a third at a time of day, the others due at the end of their local day. About one
    task for every 12 leads and deals (large: 100,000), at least 4 per rep."""
    rng, size, writer, storage = ctx.task_rng, ctx.size, ctx.writer, ctx.instant
    if not (size.leads or size.deals):
        return
    total = max(4 * size.reps, (size.leads + size.deals) // 12)
    deals = len(ctx.deal_owner)
    done_count = int(total * 0.55) if deals else 0
    reps = sorted(ctx.rep_names)
    zone, now = ctx.zone, ctx.now
    today = dt.datetime.fromtimestamp(now, zone).date()
    end_of_today = int(dt.datetime.combine(today, TASK_END_OF_DAY, tzinfo=zone).timestamp())

    def due(day: dt.date, timed: bool) -> tuple[int, bool]:
        if timed:
            clock = dt.time(rng.randint(8, 17), rng.choice((0, 15, 30, 45)))
            return int(dt.datetime.combine(day, clock, tzinfo=zone).timestamp()), True
        return int(dt.datetime.combine(day, TASK_END_OF_DAY, tzinfo=zone).timestamp()), False

    def priority() -> str:
        return rng.choices(TASK_PRIORITIES, cum_weights=TASK_PRIORITY_WEIGHTS)[0]

    def note() -> str | None:
        return rng.choice(TASK_NOTES) if rng.random() < 0.15 else None

    task_id = 0
    spans, owners = ctx.deal_spans, ctx.deal_owner
    for _ in range(done_count):  # the history: done, on deals while they were worked
        index = int(rng.random() * deals)
        start, end = spans[2 * index], spans[2 * index + 1]
        moment = start + int(rng.random() * (end - start))
        due_at, timed = due(dt.datetime.fromtimestamp(moment, zone).date(), rng.random() < 0.35)
        created = max(start, min(moment, due_at) - int((1 + rng.random() * 9) * DAY))
        done_at = min(now, max(created + 3600, due_at + int((rng.random() * 5 - 2) * DAY)))
        owner = owners[index] or reps[int(rng.random() * len(reps))]
        task_id += 1
        writer.add(
            "task",
            (
                task_id, rng.choice(DEAL_TASKS), storage(due_at), timed, owner, priority(),
                None, index + 1, None, None, storage(done_at), storage(created),
                storage(done_at), None, note(),
            ),
        )  # fmt: skip
        writer.checkpoint()
    counts = ctx.counts
    for _ in range(total - done_count):  # open: overdue, today, the weeks ahead
        where = rng.random()
        lead_id = deal_id = account_id = contact_id = None
        every = None
        if where < 0.6 and ctx.open_deals:
            deal_id, owner, account_id, contact_id, start = rng.choice(ctx.open_deals)
            title = rng.choice(DEAL_TASKS)
            account_id = contact_id = None
        elif where < 0.85 and ctx.open_leads:
            lead_id, owner, start = rng.choice(ctx.open_leads)
            title = rng.choice(LEAD_TASKS)
        elif where < 0.93 and ctx.open_deals:
            _, owner, account_id, _, start = rng.choice(ctx.open_deals)
            title = rng.choice(ACCOUNT_TASKS)
            if rng.random() < 0.4:
                title, every = "Monthly check-in call", "1m"
        else:
            owner = reps[int(rng.random() * len(reps))]
            start = now - 60 * DAY
            title, every = rng.choice(ROUTINES)
        when = rng.random()
        if when < 0.25:  # overdue: due 1-21 days ago
            day = today - dt.timedelta(days=rng.randint(1, 21))
        elif when < 0.4:  # due today
            day = today
        else:
            day = today + dt.timedelta(days=rng.randint(1, 30))
        due_at, timed = due(day, rng.random() < 0.35)
        if day == today and due_at < now:  # today's tasks are still ahead of "now"
            due_at, timed = end_of_today, False
        created = max(start, min(now, due_at) - int((1 + rng.random() * 13) * DAY))
        task_id += 1
        writer.add(
            "task",
            (
                task_id, title, storage(due_at), timed, owner, priority(), lead_id, deal_id,
                account_id, contact_id, None, storage(created), None, every, note(),
            ),
        )  # fmt: skip
        counts["open_tasks"] += 1
        counts["overdue_tasks"] += due_at < now
        counts["tasks_due_today"] += day == today and due_at >= now
        counts["repeating_tasks"] += every is not None
        writer.checkpoint()
    counts["tasks"] = task_id
