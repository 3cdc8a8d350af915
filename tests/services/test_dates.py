"""Date and period arguments, ISO weeks and fiscal quarters (property-tested)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescli import dates
from salescli.errors import UsageError

TODAY = dt.date(2026, 11, 23)  # a Monday
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
months = st.integers(min_value=1, max_value=12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", "2026-11-23"),
        ("tomorrow", "2026-11-24"),
        ("yesterday", "2026-11-22"),
        ("+3d", "2026-11-26"),
        ("-2w", "2026-11-09"),
        ("+1m", "2026-12-23"),
        ("-1y", "2025-11-23"),
        ("fri", "2026-11-27"),
        ("friday", "2026-11-27"),
        ("mon", "2026-11-30"),  # the NEXT Monday, not today
        ("2026-11-30", "2026-11-30"),
    ],
)
def test_parse_day(text, expected):
    assert dates.parse_day(text, today=TODAY).isoformat() == expected


@pytest.mark.parametrize("text", ["next friday", "30/11/2026", "1.5w", "+3x", ""])
def test_parse_day_refuses_with_examples(text):
    with pytest.raises(UsageError, match="e.g.|use one of"):
        dates.parse_day(text, today=TODAY)


@pytest.mark.parametrize(
    ("text", "fy", "start", "end"),
    [
        ("this-week", 1, "2026-11-23", "2026-11-30"),
        ("last-week", 1, "2026-11-16", "2026-11-23"),
        ("next-week", 1, "2026-11-30", "2026-12-07"),
        ("this-month", 1, "2026-11-01", "2026-12-01"),
        ("last-month", 1, "2026-10-01", "2026-11-01"),
        ("next-month", 1, "2026-12-01", "2027-01-01"),
        ("this-quarter", 1, "2026-10-01", "2027-01-01"),
        ("last-quarter", 1, "2026-07-01", "2026-10-01"),
        ("next-quarter", 1, "2027-01-01", "2027-04-01"),
        ("this-year", 1, "2026-01-01", "2027-01-01"),
        ("last-year", 1, "2025-01-01", "2026-01-01"),
        ("2026", 1, "2026-01-01", "2027-01-01"),
        ("2026-11", 1, "2026-11-01", "2026-12-01"),
        ("2026-Q4", 1, "2026-10-01", "2027-01-01"),
        ("2026-W47", 1, "2026-11-16", "2026-11-23"),
        ("2026-W53", 1, "2026-12-28", "2027-01-04"),
        ("2026-11-01..2026-11-15", 1, "2026-11-01", "2026-11-16"),
        # fiscal year starting in April: 2026-Q1 is April-June 2026
        ("2026-Q1", 4, "2026-04-01", "2026-07-01"),
        ("this-quarter", 4, "2026-10-01", "2027-01-01"),
        ("next-quarter", 4, "2027-01-01", "2027-04-01"),
        ("this-year", 4, "2026-04-01", "2027-04-01"),
    ],
)
def test_parse_period(text, fy, start, end):
    period = dates.parse_period(text, today=TODAY, fy_start_month=fy)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_week_start_sunday():
    period = dates.parse_period("this-week", today=TODAY, week_start=6)
    assert (period.start, period.end) == (dt.date(2026, 11, 22), dt.date(2026, 11, 29))


@pytest.mark.parametrize(
    "text", ["2026-W54", "2025-W53", "2026-13", "2026-Q5", "2026-11-30..2026-11-01", "soon"]
)
def test_parse_period_refuses(text):
    with pytest.raises(UsageError):
        dates.parse_period(text, today=TODAY)


@given(day=days, start_month=months)
def test_fiscal_quarter_contains_day_and_tiles_the_year(day, start_month):
    quarter = dates.fiscal_quarter(day, start_month)
    assert quarter.start <= day < quarter.end
    assert 1 <= quarter.quarter <= 4
    assert quarter.start.day == 1
    assert (quarter.start.month - start_month) % 3 == 0
    following = dates.fiscal_quarter(quarter.end, start_month)
    assert following.start == quarter.end
    assert following.quarter == quarter.quarter % 4 + 1
    # the period named after the quarter is the same range
    period = dates.quarter_period(quarter.fiscal_year, quarter.quarter, start_month)
    assert (period.start, period.end) == (quarter.start, quarter.end)


@given(day=days)
def test_iso_week_period_contains_day(day):
    label = dates.iso_week_label(day)
    period = dates.parse_period(label, today=TODAY)
    assert period.start <= day < period.end
    assert period.start.weekday() == 0
    assert (period.end - period.start).days == 7
    assert label == day.strftime("%G-W%V")


@given(day=days, start=st.integers(min_value=0, max_value=6))
def test_week_contains_day(day, start):
    period = dates.parse_period("this-week", today=day, week_start=start)
    assert period.start <= day < period.end
    assert period.start.weekday() == start


@given(day=days)
def test_relative_days_round_trip(day):
    target = dates.parse_day("+10d", today=day)
    assert (target - day).days == 10
    assert dates.parse_day("-10d", today=target) == day


def test_now_honours_salescli_now_in_timezone():
    now = dates.now("Asia/Tokyo", env="2026-11-22T23:30:00+00:00")
    assert now.date() == dt.date(2026, 11, 23)
    assert now.utcoffset() == dt.timedelta(hours=9)
    date_only = dates.now("Europe/Berlin", env="2026-11-23")
    assert date_only.isoformat() == "2026-11-23T00:00:00+01:00"
    with pytest.raises(UsageError):
        dates.now("UTC", env="next tuesday")


def test_day_bounds_in_timezone():
    period = dates.parse_period("2026-11-23..2026-11-23", today=TODAY)
    start, end = dates.day_bounds_utc(period, "Asia/Tokyo")
    assert start.isoformat() == "2026-11-22T15:00:00+00:00"
    assert end.isoformat() == "2026-11-23T15:00:00+00:00"
