"""Reading tasks: THE JSON shape of a task (`record`), the task list with its filters, the open
tasks of one record (for `lead|deal|account show`) and the agenda.

Every read is one query over TASK joined with the owner and the related record (its name,
last contact, and a deal's stage and amount), ordered in SQL: open tasks by due time (tasks
with no due time last), then priority (high first), then id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import NotFound
from salescli.tables import ACCOUNT, CONTACT, DEAL, LEAD, REP, STAGE, TASK

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

PRIORITIES = ("high", "normal", "low")
STATES = ("open", "done", "all")

_PRIORITY_RANK = sa.case({"high": 0, "normal": 1, "low": 2}, value=TASK.c.priority, else_=1)
_OWNER = REP.alias("task_owner")


def _query() -> sa.Select:
    """Every task column, its owner's name, and what the agenda shows of its record."""
    record_name = sa.func.coalesce(DEAL.c.title, LEAD.c.name, CONTACT.c.name, ACCOUNT.c.name)
    last_contact = sa.case(
        (TASK.c.deal_id.is_not(None), DEAL.c.last_activity_at),
        (TASK.c.lead_id.is_not(None), LEAD.c.last_contact_at),
        (TASK.c.contact_id.is_not(None), CONTACT.c.last_contact_at),
        else_=ACCOUNT.c.last_contact_at,
    )
    joined = (
        TASK.outerjoin(_OWNER, _OWNER.c.id == TASK.c.owner_id)
        .outerjoin(DEAL, DEAL.c.id == TASK.c.deal_id)
        .outerjoin(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .outerjoin(LEAD, LEAD.c.id == TASK.c.lead_id)
        .outerjoin(CONTACT, CONTACT.c.id == TASK.c.contact_id)
        .outerjoin(ACCOUNT, ACCOUNT.c.id == TASK.c.account_id)
    )
    return sa.select(
        TASK,
        _OWNER.c.name.label("owner_name"),
        record_name.label("record_name"),
        last_contact.label("last_contact_at"),
        STAGE.c.name.label("stage_name"),
        DEAL.c.amount_minor.label("deal_amount_minor"),
        DEAL.c.currency.label("deal_currency"),
        LEAD.c.forgotten.label("lead_forgotten"),
    ).select_from(joined)


def shape(row: Mapping[Any, Any], now: dt.datetime, tz: str) -> dict[str, Any]:
    """THE JSON shape of a task (list, show, add, edit, done, agenda)."""
    from salescli.money import from_minor
    from salescli.services.accounts.records import record_ref
    from salescli.services.tasks.due import local, local_day

    due_at = row["due_at"]
    if due_at is None:
        due: dt.date | dt.datetime | None = None
    else:
        due = local(due_at, tz) if row["timed"] else local_day(due_at, tz)
    done = row["done_at"] is not None
    name = row["record_name"]
    if row["lead_forgotten"]:
        name = None
    result: dict[str, Any] = {
        "id": row["id"],
        "title": row["title"],
        "due": due,
        "due_at": due_at,
        "timed": bool(row["timed"]),
        "status": "done" if done else "open",
        "overdue": bool(not done and due_at is not None and due_at < now),
        "priority": row["priority"],
        "owner": row["owner_name"],
        "owner_id": row["owner_id"],
        "record": record_ref(row),
        "record_name": name,
        **{key: row[key] for key in ("lead_id", "deal_id", "account_id", "contact_id")},
        "last_contact_at": row["last_contact_at"],
        "stage": row["stage_name"],
        "amount": (
            from_minor(row["deal_amount_minor"], row["deal_currency"])
            if row["deal_amount_minor"] is not None
            else None
        ),
        "currency": row["deal_currency"],
        "every": row["every"],
        "note": row["note"],
        "done_at": row["done_at"],
        "done_note": row["done_note"],
        "rule": row["rule"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    return result


def record(conn: Connection, task_id: int, now: dt.datetime, tz: str) -> dict[str, Any]:
    """One task in its JSON shape; NotFound (exit 3) when there is none with this id."""
    row = conn.execute(_query().where(TASK.c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(f"task {task_id} not found (see: salescli task list --all)")
    return shape(row, now, tz)


def _ordered(query: sa.Select, state: str) -> sa.Select:
    if state == "done":
        return query.order_by(TASK.c.done_at.desc(), TASK.c.id.desc())
    return query.order_by(TASK.c.due_at.is_(None), TASK.c.due_at, _PRIORITY_RANK, TASK.c.id)


@dataclass
class TaskFilter:
    """Which tasks: every field None means "any"; `state` open (default), done or all.
    `due` is a [start, end) range of UTC instants; `overdue` open tasks due before `now`."""

    owner: str | None = None  # id, name, me, none (services.scope)
    team: str | None = None
    state: str = "open"
    due: tuple[dt.datetime, dt.datetime] | None = None
    overdue: bool = False
    priority: str | None = None
    lead_id: int | None = None
    deal_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    ids: list[int] | None = None


def clauses(
    conn: Connection, wanted: TaskFilter, settings: Settings, now: dt.datetime
) -> list[Any]:
    """WHERE clauses over TASK for `wanted`, owners and teams through services.scope."""
    from salescli.services import scope

    where: list[Any] = []
    if wanted.ids is not None:
        where.append(TASK.c.id.in_(wanted.ids))
    if wanted.owner is not None:
        where.append(scope.owner_clause(conn, TASK.c.owner_id, wanted.owner, settings))
    if wanted.team is not None:
        where.append(scope.team_clause(conn, TASK.c.owner_id, wanted.team, settings))
    if wanted.state == "open" or wanted.overdue:
        where.append(TASK.c.done_at.is_(None))
    elif wanted.state == "done":
        where.append(TASK.c.done_at.is_not(None))
    if wanted.overdue:
        where.append(TASK.c.due_at < now)
    if wanted.due is not None:
        where.append(TASK.c.due_at >= wanted.due[0])
        where.append(TASK.c.due_at < wanted.due[1])
    if wanted.priority is not None:
        where.append(TASK.c.priority == wanted.priority)
    for column, value in (
        (TASK.c.lead_id, wanted.lead_id),
        (TASK.c.deal_id, wanted.deal_id),
        (TASK.c.account_id, wanted.account_id),
        (TASK.c.contact_id, wanted.contact_id),
    ):
        if value is not None:
            where.append(column == value)
    return where


def list_tasks(
    conn: Connection,
    wanted: TaskFilter,
    *,
    settings: Settings,
    now: dt.datetime,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Tasks matching `wanted` in their JSON shape: open ones soonest due first (then
    priority), done ones most recently done first."""
    query = _ordered(_query().where(*clauses(conn, wanted, settings, now)), wanted.state)
    if limit is not None:
        query = query.limit(limit)
    tz = settings.timezone
    return [shape(row, now, tz) for row in conn.execute(query).mappings()]


def any_timed(
    conn: Connection, wanted: TaskFilter, *, settings: Settings, now: dt.datetime
) -> bool:
    """Whether a task matching `wanted` has a time of day (`task export --ics` then writes
    its zone's VTIMEZONE before the entries)."""
    where = clauses(conn, wanted, settings, now)
    return bool(conn.scalar(sa.select(sa.exists().where(*where, TASK.c.timed))))


def each_task(
    conn: Connection, wanted: TaskFilter, *, settings: Settings, now: dt.datetime
) -> Iterator[dict[str, Any]]:
    """Every task matching `wanted` in its JSON shape and `list_tasks`' order, read as it is
    consumed (`paging.each_row`): `task list` with no limit."""
    from salescli.services.paging import each_row

    query = _ordered(_query().where(*clauses(conn, wanted, settings, now)), wanted.state)
    tz = settings.timezone
    return (shape(row._mapping, now, tz) for row in each_row(conn, query))


def open_tasks(conn: Connection, now: dt.datetime, tz: str, **record: int) -> list[dict[str, Any]]:
    """The open tasks of one record (`deal_id=12`, `lead_id=7`, `account_id=3`), soonest first.
    An account's include those on its contacts and deals."""
    where: list[Any] = [TASK.c.done_at.is_(None)]
    account = record.pop("account_id", None)
    if account is not None:
        # The ids of the three kinds of task, each through its own index: as one OR, the
        # PostgreSQL planner cannot estimate the sub-selects and joins whole tables (0.27 s
        # at the large demo, against a few milliseconds).
        on_contacts = sa.select(CONTACT.c.id).where(CONTACT.c.account_id == account)
        on_deals = sa.select(DEAL.c.id).where(DEAL.c.account_id == account)
        ids = sa.union_all(
            sa.select(TASK.c.id).where(TASK.c.account_id == account),
            sa.select(TASK.c.id).where(TASK.c.contact_id.in_(on_contacts)),
            sa.select(TASK.c.id).where(TASK.c.deal_id.in_(on_deals)),
        )
        where.append(TASK.c.id.in_(ids))
    for key, value in record.items():
        where.append(TASK.c[key] == value)
    query = _ordered(_query().where(*where), "open")
    return [shape(row, now, tz) for row in conn.execute(query).mappings()]


def agenda(
    conn: Connection,
    *,
    owner: str | None,
    team: str | None,
    settings: Settings,
    now: dt.datetime,
    days: int,
) -> dict[str, Any]:
    """The agenda: open tasks overdue (due before now, the same rule as `task list
    --overdue`), due later today, and due in the next `days` local days after today (the
    configured time zone), each in the task shape; with counts."""
    from salescli.services.scope import day_start_utc
    from salescli.services.tasks.due import local_day

    tz = settings.timezone
    today = local_day(now, tz)
    tomorrow = day_start_utc(today + dt.timedelta(days=1), tz)
    horizon = day_start_utc(today + dt.timedelta(days=1 + days), tz)
    wanted = TaskFilter(owner=owner, team=team, state="open")
    where = clauses(conn, wanted, settings, now)
    query = _ordered(_query().where(*where, TASK.c.due_at < horizon), "open")
    overdue: list[dict[str, Any]] = []
    due_today: list[dict[str, Any]] = []
    upcoming: list[dict[str, Any]] = []
    for row in conn.execute(query).mappings():
        task = shape(row, now, tz)
        if row["due_at"] < now:
            overdue.append(task)
        elif row["due_at"] < tomorrow:
            due_today.append(task)
        else:
            upcoming.append(task)
    return {
        "today": today,
        "days": days,
        "counts": {"overdue": len(overdue), "today": len(due_today), "upcoming": len(upcoming)},
        "overdue": overdue,
        "due_today": due_today,
        "upcoming": upcoming,
    }
