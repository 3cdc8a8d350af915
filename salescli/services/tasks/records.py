"""Writing tasks: the task rules (title, priority, repeat, owner) and the verbs add, edit,
done, skip, snooze, reopen and delete. Reads and the JSON shape are in `queries`.

The owner of a new task: `--owner` when given; else the owner of the record it is on; else
you (`me`). A task always has an owner: with none of these, the add is refused and says how
to set one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, UsageError
from salescli.services import rows
from salescli.services.tasks import due as due_time
from salescli.services.tasks.queries import PRIORITIES
from salescli.tables import CONTACT, TASK

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings

NO_OWNER = (
    "a task needs an owner: give --owner REP, or set yourself with "
    "`salescli config set me NAME` (or SALESCLI_REP)"
)
RECORD_KINDS = ("lead", "deal", "account", "contact")


def check_title(title: str | None) -> str:
    """A task title: one line, not blank, at most the column's length."""
    from salescli.services.accounts.rules import clean_text

    text = clean_text("title", title, TASK.c.title.type.length)  # type: ignore[attr-defined]
    if text is None:
        raise InvalidData('a task needs a title (e.g. salescli task add "Call Ana" --due tomorrow)')
    return text


def check_priority(value: str | None) -> str:
    text = (value or "normal").strip().lower()
    if text not in PRIORITIES:
        raise UsageError(f"--priority '{value}' is not one of: {', '.join(PRIORITIES)}")
    return text


def check_note(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


@dataclass(frozen=True)
class Due:
    """A due time as typed: a local day and, with --at, a wall-clock time."""

    day: dt.date
    clock: dt.time | None

    def instant(self, tz: str) -> dt.datetime:
        return due_time.due_at(self.day, self.clock, tz)


def parse_due(
    day_text: str | None, at_text: str | None, *, today: dt.date, field: str = "--due"
) -> Due | None:
    """`--due tomorrow --at 14:00` → Due; `--at` alone is today at that time; neither is None."""
    from salescli import dates

    if day_text is None and at_text is None:
        return None
    day = dates.parse_day(day_text, today=today, field=field) if day_text else today
    clock = due_time.parse_clock(at_text) if at_text else None
    return Due(day, clock)


def related(conn: Connection, kind: str, ref: str) -> RowMapping:
    """The lead, deal, account or contact a task is on (services.activities' lookup)."""
    from salescli.services.activities import resolve_target

    return resolve_target(conn, kind, ref)


def owner_for(
    conn: Connection,
    owner: str | None,
    settings: Settings,
    record: Mapping[Any, Any] | None = None,
) -> int:
    """The owner of a new task: `owner` (id, name, me); else the record's owner; else me."""
    from salescli.services import scope

    if owner is not None and owner.strip():
        found = scope.owner_ref(conn, owner, settings)
        if found is None:
            raise InvalidData(f"--owner '{owner}': {NO_OWNER}")
        return found
    if record is not None and record.get("owner_id") is not None:
        return int(record["owner_id"])
    found = scope.owner_or_me(conn, None, settings)
    if found is None:
        raise InvalidData(NO_OWNER)
    return found


def add(
    conn: Connection,
    *,
    title: str,
    due: Due | None,
    owner_id: int,
    now: dt.datetime,
    tz: str,
    priority: str = "normal",
    target: tuple[str, int] | None = None,
    every: str | None = None,
    note: str | None = None,
) -> int:
    """Create a task; its id. A repeating task needs a due date."""
    every = due_time.check_every(every)
    if every and due is None:
        raise InvalidData(f"--every {every} needs a first due date (e.g. --due mon --every 1w)")
    values: dict[str, Any] = {
        "title": check_title(title),
        "priority": check_priority(priority),
        "owner_id": owner_id,
        "due_at": due.instant(tz) if due else None,
        "timed": bool(due and due.clock),
        "every": every,
        "note": check_note(note),
        "created_at": now,
        "updated_at": now,
    }
    if target is not None:
        kind, record_id = target
        values[f"{kind}_id"] = record_id
        if kind == "contact":
            # A contact's task is also its account's: `account show` lists it.
            values["account_id"] = conn.execute(
                sa.select(CONTACT.c.account_id).where(CONTACT.c.id == record_id)
            ).scalar()
    return rows.insert(conn, TASK, values)


def get(conn: Connection, task_id: int) -> RowMapping:
    return rows.one(conn, TASK, task_id, "task")


def _open(task: RowMapping, verb: str) -> None:
    if task["done_at"] is not None:
        raise InvalidData(
            f"task {task['id']} is already done, it cannot be {verb} "
            f"(reopen it first: salescli task reopen {task['id']})"
        )


def edit(
    conn: Connection,
    task_id: int,
    *,
    now: dt.datetime,
    tz: str,
    title: str | None = None,
    due: Due | None = None,
    at_only: str | None = None,
    priority: str | None = None,
    owner_id: int | None = None,
    note: str | None = None,
    every: str | None = None,
) -> list[str]:
    """Change the given fields; the names of the fields changed. `at_only` (an --at without
    --due) keeps the due day and sets its time; `every` "never" stops a repeat."""
    task = get(conn, task_id)
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = check_title(title)
    if at_only is not None:
        if task["due_at"] is None:
            raise InvalidData(f"task {task_id} has no due date to set a time on (add --due DAY)")
        due = Due(due_time.local_day(task["due_at"], tz), due_time.parse_clock(at_only))
    if due is not None:
        changes["due_at"] = due.instant(tz)
        changes["timed"] = due.clock is not None
    if priority is not None:
        changes["priority"] = check_priority(priority)
    if owner_id is not None:
        changes["owner_id"] = owner_id
    if note is not None:
        changes["note"] = check_note(note)
    if every is not None:
        if every.strip().lower() in ("never", "none", ""):
            changes["every"] = None
        else:
            changes["every"] = due_time.check_every(every)
            if (changes.get("due_at") or task["due_at"]) is None:
                raise InvalidData(f"--every {every} needs a due date (add --due DAY)")
    changed = [k for k, v in changes.items() if task[k] != v]
    if changed:
        rows.update(conn, TASK, task_id, {**changes, "updated_at": now})
    names = {"due_at": "due", "owner_id": "owner"}
    return [names.get(k, k) for k in changed if k != "timed"]


def _anchor_day(conn: Connection, task: RowMapping, tz: str) -> int | None:
    """The day of month a monthly series keeps (its first occurrence's local day)."""
    first = task
    if task["series_id"] is not None:
        first = rows.get(conn, TASK, task["series_id"]) or task
    if first["due_at"] is None:
        return None
    return due_time.local_day(first["due_at"], tz).day


def _next_due(conn: Connection, task: RowMapping, tz: str) -> dt.datetime:
    return due_time.next_due(
        task["due_at"], task["every"], bool(task["timed"]), tz, _anchor_day(conn, task, tz)
    )


def done(
    conn: Connection,
    task_id: int,
    *,
    now: dt.datetime,
    tz: str,
    note: str | None = None,
    log: str | None = None,
) -> tuple[int | None, int | None]:
    """Mark a task done; (the next occurrence's id for a repeating task, the logged activity's
    id with `log` = call|email|meeting|note on the task's record)."""
    task = get(conn, task_id)
    _open(task, "done again")
    activity_id = None
    if log is not None:
        activity_id = _log_outcome(conn, task, log, note, now)
    rows.update(
        conn, TASK, task_id, {"done_at": now, "done_note": check_note(note), "updated_at": now}
    )
    next_id = None
    if task["every"] and task["due_at"] is not None:
        series = task["series_id"] or task["id"]
        following = _next_due(conn, task, tz)
        # Done, reopened and done again: the next occurrence is there already.
        there = conn.execute(
            sa.select(TASK.c.id).where(
                sa.or_(TASK.c.series_id == series, TASK.c.id == series),
                TASK.c.id != task_id,
                TASK.c.due_at == following,
            )
        ).scalar()
        if there is not None:
            return int(there), activity_id
        values = {
            key: task[key]
            for key in (
                "title",
                "priority",
                "owner_id",
                "lead_id",
                "deal_id",
                "account_id",
                "contact_id",
                "timed",
                "every",
                "note",
            )
        }
        values.update(due_at=following, created_at=now, updated_at=now, series_id=series)
        next_id = rows.insert(conn, TASK, values)
    return next_id, activity_id


def _log_outcome(
    conn: Connection, task: RowMapping, kind: str, note: str | None, now: dt.datetime
) -> int:
    from salescli.services import activities

    for target in ("deal", "lead", "contact", "account"):
        if task[f"{target}_id"] is not None:
            record = activities.resolve_target(conn, target, str(task[f"{target}_id"]))
            text = task["title"] + (f": {note.strip()}" if note and note.strip() else "")
            return activities.log(
                conn,
                kind=kind,
                target=target,
                record=record,
                at=now,
                now=now,
                rep_id=task["owner_id"],
                text=text,
            )
    raise InvalidData(
        f"task {task['id']} is on no lead, deal, account or contact: there is nothing to "
        f"log --log {kind} on (mark it done without --log)"
    )


def skip(conn: Connection, task_id: int, *, now: dt.datetime, tz: str) -> dt.datetime:
    """Move a repeating task to its next occurrence without doing it; the new due time."""
    task = get(conn, task_id)
    _open(task, "skipped")
    if not task["every"] or task["due_at"] is None:
        raise InvalidData(
            f"task {task_id} does not repeat: there is no next occurrence to skip to "
            f"(move it with: salescli task snooze {task_id} +1d)"
        )
    following = _next_due(conn, task, tz)
    rows.update(conn, TASK, task_id, {"due_at": following, "updated_at": now})
    return following


def snooze(conn: Connection, task_id: int, until: str, *, now: dt.datetime, tz: str) -> dt.datetime:
    """Put a task off: `+2d`, `tomorrow`, `mon` or a date, counted from today; a timed task
    keeps its time of day. The new due time."""
    from salescli import dates

    task = get(conn, task_id)
    _open(task, "snoozed")
    today = due_time.local_day(now, tz)
    day = dates.parse_day(until, today=today, field="until")
    if day < today:
        raise InvalidData(
            f"until '{until}' is in the past ({day.isoformat()}): snooze puts a task off "
            "(e.g. +2d, tomorrow, mon)"
        )
    clock = None
    if task["timed"] and task["due_at"] is not None:
        when = due_time.local(task["due_at"], tz)
        clock = dt.time(when.hour, when.minute, when.second)
    new_due = due_time.due_at(day, clock, tz)
    rows.update(conn, TASK, task_id, {"due_at": new_due, "updated_at": now})
    return new_due


def reopen(conn: Connection, task_id: int, *, now: dt.datetime) -> None:
    task = get(conn, task_id)
    if task["done_at"] is None:
        raise InvalidData(f"task {task_id} is open already (nothing to reopen)")
    rows.update(conn, TASK, task_id, {"done_at": None, "done_note": None, "updated_at": now})


def delete(conn: Connection, task_id: int) -> None:
    get(conn, task_id)
    rows.delete(conn, TASK, task_id)
