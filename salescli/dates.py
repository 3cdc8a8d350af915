"""All time handling: "now", date and period arguments, ISO weeks and fiscal quarters.

Dates (close dates, periods) are calendar dates in the configured time zone; instants are
stored in UTC. Fiscal quarters and ISO weeks are computed here in Python, never with SQL
`extract`, which means different things on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

import pendulum

from salescli.errors import UsageError

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = re.compile(r"^([+-])(\d{1,4})([dwmy])$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{2})$")
DAY_EXAMPLES = "today, tomorrow, yesterday, +3d, -2w, +1m, fri, 2026-11-30"
# Business dates (close dates, periods, "now", logged times) lie in these years: wide enough for
# any history or plan, narrow enough that no arithmetic on them (a period's end, a time zone
# shift, +1y) can leave what Python's dates and both databases hold.
FIRST_YEAR = 1900
LAST_YEAR = 2199
DATE_RANGE = f"dates lie in the years {FIRST_YEAR}-{LAST_YEAR}"
PERIOD_EXAMPLES = (
    "this-week, last-month, this-quarter, 2026, 2026-11, 2026-Q4, 2026-W47, 2026-11-01..2026-11-15"
)


def timezone(name: str) -> pendulum.Timezone:
    try:
        return pendulum.timezone(name)
    except Exception as exc:
        raise UsageError(
            f"timezone '{name}' is not an IANA zone name (e.g. Europe/Berlin, UTC)"
        ) from exc


def _check_year(year: int, field: str, text: str, example: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise UsageError(f"{field} '{text}' is out of range ({DATE_RANGE}, e.g. {example})")


def now(tz_name: str = "UTC", env: str | None = None) -> pendulum.DateTime:
    """The current instant in `tz_name`, or the one frozen by SALESCLI_NOW."""
    frozen = env if env is not None else os.environ.get("SALESCLI_NOW")
    tz = timezone(tz_name)
    if not frozen:
        return pendulum.now(tz)
    try:
        parsed = pendulum.parse(frozen, tz=tz)
    except Exception as exc:
        raise UsageError(
            f"SALESCLI_NOW '{frozen}' is not an ISO 8601 date or datetime (e.g. 2026-11-23T09:00:00+00:00)"
        ) from exc
    if isinstance(parsed, pendulum.Date) and not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=tz)
    if not isinstance(parsed, pendulum.DateTime):
        raise UsageError(f"SALESCLI_NOW '{frozen}' is not a date or datetime (e.g. 2026-11-23)")
    # Checked before the shift into `tz`, which would overflow at the edges of year 1 and 9999.
    _check_year(parsed.year, "SALESCLI_NOW", frozen, "2026-11-23T09:00:00+00:00")
    return parsed.in_timezone(tz)


def _add_months(day: dt.date, months: int) -> dt.date:
    return pendulum.Date(day.year, day.month, day.day).add(months=months)


def _plain(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, day.day)


def parse_day(text: str, *, today: dt.date, field: str = "date") -> dt.date:
    """A calendar day from `today`, `+3d`, `fri`, `2026-11-30` ...; weekday names mean the next such day.

    Refused (UsageError) outside the years FIRST_YEAR..LAST_YEAR."""
    try:
        day = _parse_day(text, today=today, field=field)
    except (OverflowError, ValueError):  # +9999y and the like: past any date Python holds
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UsageError(f"{field} '{text}' is out of range ({DATE_RANGE}, e.g. 2026-11-30)")
    return day


def _parse_day(text: str, *, today: dt.date, field: str) -> dt.date:
    value = text.strip().lower()
    if value == "today":
        return _plain(today)
    if value == "tomorrow":
        return _plain(today) + dt.timedelta(days=1)
    if value == "yesterday":
        return _plain(today) - dt.timedelta(days=1)
    match = _RELATIVE.match(value)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        amount = int(match.group(2)) * sign
        unit = match.group(3)
        if unit == "d":
            return _plain(today) + dt.timedelta(days=amount)
        if unit == "w":
            return _plain(today) + dt.timedelta(weeks=amount)
        if unit == "m":
            return _plain(_add_months(today, amount))
        return _plain(_add_months(today, 12 * amount))
    for index, name in enumerate(WEEKDAYS):
        if len(value) >= 3 and name.startswith(value):
            ahead = (index - today.weekday()) % 7 or 7
            return _plain(today) + dt.timedelta(days=ahead)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{field} '{text}' is not a date (use one of: {DAY_EXAMPLES})") from None


def parse_instant(text: str, *, now: pendulum.DateTime, field: str = "time") -> dt.datetime:
    """An instant (returned in UTC) from an ISO datetime, or a day keyword at the current time of day."""
    value = text.strip()
    if "T" in value or " " in value or re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        try:
            parsed = pendulum.parse(value, tz=now.timezone)
        except Exception:
            raise UsageError(
                f"{field} '{text}' is not a date-time (e.g. 2026-11-20T14:30, 2026-11-20 14:30+01:00, yesterday)"
            ) from None
        if isinstance(parsed, pendulum.DateTime):
            # Checked in local time, before the shift to UTC that overflows near year 1 or 9999.
            _check_year(parsed.year, field, text, "2026-11-20T14:30")
            return parsed.in_timezone("UTC")
    if value.lower() == "now":
        return now.in_timezone("UTC")
    day = parse_day(value, today=now.date(), field=field)
    local = now.set(year=day.year, month=day.month, day=day.day)
    return local.in_timezone("UTC")


@dataclass(frozen=True)
class Period:
    """A half-open range of calendar days [start, end)."""

    label: str
    start: dt.date
    end: dt.date

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class FiscalQuarter:
    fiscal_year: int
    quarter: int
    start: dt.date
    end: dt.date


def fiscal_quarter(day: dt.date, fy_start_month: int = 1) -> FiscalQuarter:
    """The fiscal quarter holding `day`; a fiscal year is labelled by the year it starts in."""
    offset = (day.month - fy_start_month) % 12
    fy_year = day.year if day.month >= fy_start_month else day.year - 1
    fy_start = dt.date(fy_year, fy_start_month, 1)
    quarter = offset // 3 + 1
    start = _plain(_add_months(fy_start, (quarter - 1) * 3))
    return FiscalQuarter(fy_year, quarter, start, _plain(_add_months(start, 3)))


def fiscal_year_start(fiscal_year: int, fy_start_month: int = 1) -> dt.date:
    return dt.date(fiscal_year, fy_start_month, 1)


def week_start_of(day: dt.date, week_start: int = 0) -> dt.date:
    return _plain(day) - dt.timedelta(days=(day.weekday() - week_start) % 7)


def iso_week_label(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekday_index(name: str) -> int:
    value = name.strip().lower()
    for index, candidate in enumerate(WEEKDAYS):
        if len(value) >= 3 and candidate.startswith(value):
            return index
    raise UsageError(f"week_start '{name}' is not a weekday (e.g. monday, sunday)")


def parse_period(
    text: str,
    *,
    today: dt.date,
    week_start: int = 0,
    fy_start_month: int = 1,
    field: str = "period",
) -> Period:
    """A period argument: this-week ... last-year, 2026, 2026-11, 2026-Q4, 2026-W47, FROM..TO.

    Every day of the period lies in the years FIRST_YEAR..LAST_YEAR (else a UsageError)."""
    period = _parse_period(
        text, today=today, week_start=week_start, fy_start_month=fy_start_month, field=field
    )
    if period.start.year < FIRST_YEAR or period.last.year > LAST_YEAR:
        raise UsageError(f"{field} '{text}' is out of range ({DATE_RANGE}, e.g. 2026-Q4)")
    return period


def _parse_period(
    text: str, *, today: dt.date, week_start: int, fy_start_month: int, field: str
) -> Period:
    value = text.strip().lower()
    labelled = [p.match(value) for p in (_YEAR, _MONTH, _QUARTER, _WEEK)]
    for match in labelled:
        if match:
            _check_year(int(match.group(1)), field, text, "2026-Q4")
    if ".." in value:
        first, _, last = value.partition("..")
        start = parse_day(first, today=today, field=f"{field} start")
        end = parse_day(last, today=today, field=f"{field} end")
        if end < start:
            raise UsageError(
                f"{field} '{text}' ends before it starts (e.g. 2026-11-01..2026-11-15)"
            )
        return Period(f"{start.isoformat()}..{end.isoformat()}", start, end + dt.timedelta(days=1))
    relative = re.match(r"^(this|last|next)-(week|month|quarter|year)$", value)
    if relative:
        shift = {"this": 0, "last": -1, "next": 1}[relative.group(1)]
        unit = relative.group(2)
        if unit == "week":
            start = week_start_of(today, week_start) + dt.timedelta(weeks=shift)
            return _week_period(start, week_start)
        if unit == "month":
            month_start = _plain(_add_months(dt.date(today.year, today.month, 1), shift))
            return month_period(month_start.year, month_start.month)
        if unit == "quarter":
            current = fiscal_quarter(today, fy_start_month)
            shifted = _plain(_add_months(current.start, 3 * shift))
            quarter = fiscal_quarter(shifted, fy_start_month)
            return quarter_period(quarter.fiscal_year, quarter.quarter, fy_start_month)
        fy = fiscal_quarter(today, fy_start_month).fiscal_year + shift
        return year_period(fy, fy_start_month)
    if match := _YEAR.match(value):
        return year_period(int(match.group(1)), fy_start_month)
    if match := _MONTH.match(value):
        month = int(match.group(2))
        if 1 <= month <= 12:
            return month_period(int(match.group(1)), month)
    if match := _QUARTER.match(value):
        return quarter_period(int(match.group(1)), int(match.group(2)), fy_start_month)
    if match := _WEEK.match(value):
        year, week = int(match.group(1)), int(match.group(2))
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise UsageError(f"{field} '{text}': {year} has no ISO week {week}") from None
        return Period(f"{year}-W{week:02d}", monday, monday + dt.timedelta(days=7))
    raise UsageError(f"{field} '{text}' is not a period (use one of: {PERIOD_EXAMPLES})")


def _week_period(start: dt.date, week_start: int) -> Period:
    label = iso_week_label(start) if week_start == 0 else f"week of {start.isoformat()}"
    return Period(label, start, start + dt.timedelta(days=7))


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    return Period(f"{year}-{month:02d}", start, _plain(_add_months(start, 1)))


def quarter_period(fiscal_year: int, quarter: int, fy_start_month: int = 1) -> Period:
    start = _plain(_add_months(fiscal_year_start(fiscal_year, fy_start_month), 3 * (quarter - 1)))
    return Period(f"{fiscal_year}-Q{quarter}", start, _plain(_add_months(start, 3)))


def year_period(fiscal_year: int, fy_start_month: int = 1) -> Period:
    start = fiscal_year_start(fiscal_year, fy_start_month)
    return Period(str(fiscal_year), start, _plain(_add_months(start, 12)))


def day_bounds_utc(period: Period, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants that bound a period of local calendar days, for filtering timestamps."""
    tz = timezone(tz_name)
    start = pendulum.datetime(period.start.year, period.start.month, period.start.day, tz=tz)
    end = pendulum.datetime(period.end.year, period.end.month, period.end.day, tz=tz)
    return start.in_timezone("UTC"), end.in_timezone("UTC")
