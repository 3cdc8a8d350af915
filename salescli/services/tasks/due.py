"""Due times: kept in UTC, read and shown in the configured time zone.

A task due on a day without a time (`--due fri`) is due at the end of that local day
(23:59:59 there); one with `--at 14:00` at that local wall-clock time. Repeats step from the
previous due time in local time, so a weekly Monday 09:00 task stays on Monday 09:00 across a
DST change, and month steps clamp to the month's end (31 Jan + 1m = 28/29 Feb) while keeping
the series' day of month (31 Jan, 28 Feb, 31 Mar...).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from salescli.errors import UsageError

EVERY = ("1d", "1w", "2w", "1m")
EVERY_HELP = "1d (daily), 1w (weekly), 2w (every two weeks) or 1m (monthly)"
END_OF_DAY = dt.time(23, 59, 59)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def check_every(text: str | None) -> str | None:
    """A repeat step (`1d`, `1w`, `2w`, `1m`), or None; UsageError (exit 2) otherwise."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if value not in EVERY:
        raise UsageError(f"--every '{text}' is not one of: {EVERY_HELP} (e.g. --every 1w)")
    return value


def parse_clock(text: str) -> dt.time:
    """`14:00`, `9:30` → a wall-clock time; UsageError (exit 2) otherwise."""
    match = _CLOCK.match(text.strip())
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return dt.time(int(match.group(1)), int(match.group(2)))
    raise UsageError(f"--at '{text}' is not a time of day HH:MM (e.g. --at 14:00)")


def local_instant(day: dt.date, clock: dt.time, tz: str) -> dt.datetime:
    """The UTC instant of wall-clock `clock` on `day` in `tz`. A time skipped by a DST change
    (02:30 on a spring-forward night) moves forward by the gap; a repeated one (the autumn
    hour) is its first occurrence."""
    # fold=0: a skipped wall time reads with the offset before the gap (02:30 CET is 03:30
    # CEST), a repeated one as its first occurrence.
    zone = ZoneInfo(tz)
    return dt.datetime.combine(day, clock).replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def end_of_day(day: dt.date, tz: str) -> dt.datetime:
    """When a task due on `day` (no time) falls due: 23:59:59 that local day, in UTC."""
    return local_instant(day, END_OF_DAY, tz)


def due_at(day: dt.date, clock: dt.time | None, tz: str) -> dt.datetime:
    return end_of_day(day, tz) if clock is None else local_instant(day, clock, tz)


def local(instant: dt.datetime, tz: str) -> dt.datetime:
    return instant.astimezone(ZoneInfo(tz))


def local_day(instant: dt.datetime, tz: str) -> dt.date:
    return local(instant, tz).date()


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """`day` moved by `months`, on `anchor_day` (default `day.day`) clamped to the month's end."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(anchor_day or day.day, last))


def step_day(day: dt.date, every: str, anchor_day: int | None = None) -> dt.date:
    """The next occurrence's local day after `day`."""
    if every == "1d":
        return day + dt.timedelta(days=1)
    if every == "1w":
        return day + dt.timedelta(weeks=1)
    if every == "2w":
        return day + dt.timedelta(weeks=2)
    if every == "1m":
        return add_months(day, 1, anchor_day)
    raise UsageError(f"--every '{every}' is not one of: {EVERY_HELP}")


def next_due(
    due: dt.datetime, every: str, timed: bool, tz: str, anchor_day: int | None = None
) -> dt.datetime:
    """The next occurrence of a repeat due at `due` (UTC): the same local wall-clock time
    (or the end of the day) one step later; month steps keep `anchor_day`."""
    when = local(due, tz)
    day = step_day(when.date(), every, anchor_day)
    clock = dt.time(when.hour, when.minute, when.second) if timed else None
    return due_at(day, clock, tz)
