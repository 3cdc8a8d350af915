"""render.write_json (orjson) writes the bytes the old path wrote:
json.dumps(json_value(value, tz), ensure_ascii=False, indent=2) and a newline."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.sql.elements import quoted_name

from salescli.render import write_json
from salescli.render.jsonwrite import _STREAM_MIN
from salescli.values import json_value

TZS = [None, "UTC", "America/New_York"]


def old(value: Any, tz: str | None = None) -> str:
    return json.dumps(json_value(value, tz), ensure_ascii=False, indent=2) + "\n"


def new(value: Any, tz: str | None = None) -> str:
    stream = io.StringIO()
    write_json(stream, value, tz)
    return stream.getvalue()


_text = st.text(st.characters(exclude_categories=("Cs",)))
_decimals = st.decimals(
    min_value=Decimal("-9999999999999.9999"),
    max_value=Decimal("9999999999999.9999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
) | st.integers(-(10**12), 10**12).map(Decimal)
_aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 2),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from([dt.UTC, ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Kolkata")]),
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | _text
    | _decimals
    | _aware
    | st.datetimes()
    | st.dates()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=5).map(tuple)
        | st.dictionaries(_text, inner, max_size=5)
    ),
    max_leaves=30,
)
# Keys of a str subclass too: SQLAlchemy's rows have quoted_name keys.
_rows = st.dictionaries(
    st.text(max_size=8) | st.text(max_size=8).map(lambda k: quoted_name(k, None)),
    _scalars,
    max_size=4,
)
# Lists longer than the streaming threshold (a few drawn rows over and over: hypothesis refuses
# to draw hundreds), at the top and under a top-level object.
_long = st.tuples(st.lists(_rows | _values, min_size=1, max_size=12), st.integers(1, 40)).map(
    lambda pair: [pair[0][i % len(pair[0])] for i in range(_STREAM_MIN + pair[1])]
)
_documents = (
    _values
    | _long
    | st.tuples(_long, st.dictionaries(_text, _values, max_size=3)).map(
        lambda pair: {"report": "x", **pair[1], "rows": pair[0], "after": [1, 2]}
    )
)


@settings(max_examples=300, deadline=None)
@given(_documents, st.sampled_from(TZS))
def test_same_text_as_the_old_path(value: Any, tz: str | None) -> None:
    assert new(value, tz) == old(value, tz)


@settings(max_examples=30, deadline=None)
@given(_long, st.sampled_from(TZS))
def test_long_lists_of_rows_are_the_same_text(rows: list[dict], tz: str | None) -> None:
    assert new(rows, tz) == old(rows, tz)
    nested = {"a": 1, "rows": rows, "totals": {"n": len(rows)}, "more": [rows[0]] * 300}
    assert new(nested, tz) == old(nested, tz)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.floats(allow_nan=False, allow_infinity=False), st.lists, max_leaves=10))
def test_native_floats_read_back_the_same(value: Any) -> None:
    """orjson writes 0.00001 where Python's repr writes 1e-05: the same number."""
    assert json.loads(new(value)) == json.loads(old(value))


@pytest.mark.parametrize(
    "value",
    [
        2**64,
        -(2**63) - 1,
        {"big": 10**30, "rows": [{"n": i} for i in range(_STREAM_MIN + 5)]},
        [{"n": 2**70 if i == 3 else i} for i in range(_STREAM_MIN + 5)],
        math.nan,
        [math.nan, None, math.inf, -math.inf],
        {"ratio": math.nan, "other": None},
        [{"x": None, "y": math.nan if i == 7 else 1.5} for i in range(_STREAM_MIN + 5)],
        # A long list is written a chunk at a time: what one item of a later chunk needs.
        [{"x": None, "y": math.nan if i == 200 else 1.5} for i in range(_STREAM_MIN + 5)],
        [{"n": i, "tags": [None] if i == 140 else []} for i in range(_STREAM_MIN + 5)],
        [None if i % 100 == 0 else {"n": i, "note": "null"} for i in range(_STREAM_MIN + 5)],
        {"rows": [[i, None, math.inf if i == 250 else 0.5] for i in range(_STREAM_MIN + 5)]},
        {"note": "nullable", "x": [math.inf]},
        Decimal("NaN"),
        Decimal(10**40),
        Decimal("0.00001"),
        {1: "a non-str key", "b": Decimal("2.50"), None: 1, False: [2**64]},
        {math.inf: "a non-finite key", "b": None},
        {quoted_name("id", None): 1, quoted_name("é\n", None): dt.date(2026, 1, 2)},
        [{quoted_name("id", None): i, "x": None} for i in range(_STREAM_MIN + 5)],
    ],
)
def test_what_orjson_refuses_or_writes_otherwise_reads_as_before(value: Any) -> None:
    assert new(value) == old(value)


def test_what_failed_before_still_fails() -> None:
    for value in [dt.time(9, 30), object(), Decimal("Infinity")]:
        with pytest.raises((TypeError, OverflowError)):
            old(value)
        with pytest.raises((TypeError, OverflowError)):
            new([value])


def test_datetimes_shown_in_tz() -> None:
    when = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert new({"at": when}, "America/New_York") == '{\n  "at": "2026-11-23T04:00:00-05:00"\n}\n'
    assert new([dt.datetime(2026, 1, 2, 3, 4)], "Asia/Tokyo") == '[\n  "2026-01-02T03:04:00"\n]\n'
    # An unknown tz fails only where a datetime is shown in it, as before.
    assert new({"d": dt.date(2026, 1, 2)}, "No/Such_Zone") == old({"d": dt.date(2026, 1, 2)})


def test_rows_as_services_return_them_never_take_the_old_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The speed is orjson's: rows with SQLAlchemy's keys, None, money, dates and tags are
    written without the pure-Python path (which once took every row for its quoted_name keys)."""
    import salescli.render as render

    when = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    rows = [
        {
            quoted_name("id", None): i,
            "name": "nullable null",
            "amount": Decimal("1234.50"),
            "closed": None,
            "at": when,
            "day": dt.date(2026, 1, 2),
            "tags": ["hot", None],
            "ratio": 0.25,
        }
        for i in range(_STREAM_MIN + 5)
    ]
    expected = old(rows, "Europe/Paris")

    def refuse(*args: Any) -> Any:
        raise AssertionError("the old path")

    monkeypatch.setattr(render, "json_value", refuse)
    assert new(rows, "Europe/Paris") == expected
    assert new({"report": "x", "rows": rows[:10]}, "Europe/Paris") == old(
        {"report": "x", "rows": rows[:10]}, "Europe/Paris"
    )
