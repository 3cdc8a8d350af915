"""`task export --ics`: open tasks as an iCalendar file (RFC 5545) that calendar programs
import, written with the icalendar library.

- A task with a time of day (`--at`) is a VEVENT: it starts at its due time, in the
  configured time zone (with its VTIMEZONE), and lasts `EVENT_MINUTES`; every calendar shows
  events.
- A task due on a day is a VTODO with `DUE;VALUE=DATE` (to-do lists: Apple Reminders,
  Thunderbird, Outlook); one without a due date is a VTODO without DUE.
- UIDs are stable (the task's id and creation instant): importing a newer export updates the
  entries instead of doubling them; LAST-MODIFIED and SEQUENCE follow the task's changes.
- DESCRIPTION names the related record (`deal 12: Acme renewal`), its stage and amount, and
  the note. Repeats are not written as RRULEs: the next occurrence is a task of its own,
  created when this one is done, and appears in the next export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

EVENT_MINUTES = 30
PRODID = "-//salescli//tasks//EN"
_PRIORITY = {"high": 1, "normal": 5, "low": 9}


def uid(task: dict[str, Any]) -> str:
    created = task["created_at"].astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"salescli-task-{task['id']}-{created}@salescli"


def description(task: dict[str, Any]) -> str:
    from salescli.values import text_value

    lines = []
    if task["record"]:
        line = task["record"] + (f": {task['record_name']}" if task["record_name"] else "")
        if task["stage"]:
            line += f" ({task['stage']}"
            if task["amount"] is not None:
                line += f", {text_value(task['amount'])} {task['currency']}"
            line += ")"
        lines.append(line)
    if task["owner"]:
        lines.append(f"Owner: {task['owner']}")
    if task["note"]:
        lines.append(task["note"])
    return "\n".join(lines)


def ics(
    tasks: Iterable[dict[str, Any]], *, tz: str, now: dt.datetime, timed: bool
) -> Iterator[str]:
    """The calendar of `tasks` (in the task JSON shape, read once), due times in `tz`, as text
    pieces in order: the calendar's head (with the VTIMEZONE of `tz` when `timed`: some task
    has a time), each entry, its end. Joined, the text icalendar's `Calendar.to_ical()` gives
    for the calendar built whole (its lines are folded one by one), never held whole."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    zone = ZoneInfo(tz)
    head = Calendar()
    head.add("prodid", PRODID)
    head.add("version", "2.0")
    head.add("x-wr-calname", "salescli tasks")
    if timed and tz != "UTC":
        # The VTIMEZONEs icalendar adds for an event in `zone`, before every entry.
        sample = Event()
        sample.add("dtstart", dt.datetime(2000, 1, 1, tzinfo=zone))
        head.add_component(sample)
        head.add_missing_timezones()
        head.subcomponents.remove(sample)
    end = "END:VCALENDAR\r\n"
    yield head.to_ical().decode("utf-8").removesuffix(end)
    stamp = now.astimezone(dt.UTC)
    for task in tasks:
        yield _entry(task, zone, stamp).to_ical().decode("utf-8")
    yield end


def _entry(task: dict[str, Any], zone: Any, stamp: dt.datetime) -> Any:
    """One task as a VEVENT (it has a time) or a VTODO."""
    from icalendar import Event, Todo

    entry: Any = Event() if task["timed"] else Todo()
    entry.add("uid", uid(task))
    entry.add("dtstamp", stamp)
    entry.add("summary", task["title"])
    changed = task.get("updated_at") or task["created_at"]
    entry.add("last-modified", changed.astimezone(dt.UTC))
    entry.add("sequence", int(changed.timestamp()) - int(task["created_at"].timestamp()))
    entry.add("priority", _PRIORITY.get(task["priority"], 5))
    text = description(task)
    if text:
        entry.add("description", text)
    if task["timed"]:
        start = task["due_at"].astimezone(zone)
        entry.add("dtstart", start)
        entry.add("dtend", start + dt.timedelta(minutes=EVENT_MINUTES))
    else:
        entry.add("status", "NEEDS-ACTION")
        if task["due_at"] is not None:
            entry.add("due", task["due"])
    if task["record"]:
        entry.add("categories", [task["record"].split()[0]])
    return entry
