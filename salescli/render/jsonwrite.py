"""Indented JSON for `--format json`, written by orjson: the bytes
`json.dumps(json_value(value, tz), ensure_ascii=False, indent=2)` wrote (Python's json falls
back to its pure-Python encoder with `indent`, and `json_value` walked every value first:
most of the time of a long `--format json`). `render.write_json` is its door.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import orjson

from salescli.values import json_value

# A top-level list longer than this (or such a list under a top-level object) is written item
# by item, so that a 200,000-row list never holds its whole text; anything shorter is one dumps.
_STREAM_MIN = 256
# How many items of a streamed list orjson writes in one call, and go to the stream in one write.
_STREAM_CHUNK = 128
# OPT_NON_STR_KEYS: rows from SQLAlchemy have keys of a str subclass (quoted_name), which orjson
# refuses without it; int, bool and None keys are then written as Python's json writes them.
_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
# Python's json writes these for non-finite floats (orjson writes null).
_NONFINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _json_default(tz: str | None) -> Any:
    """orjson's `default`: what `json_value` does to one value orjson does not write itself.

    Floats are written as Fragments of Python's repr, so that an amount reads exactly as
    `json.dumps(json_value(...))` writes it. The ZoneInfo of `tz` is made once, at the first
    aware datetime (as before, an unknown tz fails only where a datetime is shown in it).
    """
    zones: list[Any] = []

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            if value == value.to_integral_value():
                number = int(value)
                if -(2**63) <= number < 2**64:
                    return number
                return orjson.Fragment(str(number))  # beyond 64 bits: orjson refuses the int
            return _float_fragment(float(value))
        if isinstance(value, dt.datetime):
            if value.tzinfo is dt.UTC and tz == "UTC":  # as stored and shown: no shift
                return value.isoformat()
            if tz is not None and value.tzinfo is not None:
                if not zones:
                    from zoneinfo import ZoneInfo

                    zones.append(ZoneInfo(tz))
                value = value.astimezone(zones[0])
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float):
            return _float_fragment(value)  # a float subclass (numpy.float64): json uses its repr
        if isinstance(value, list | tuple):
            return list(value)  # a tuple subclass (a namedtuple): json_value makes it a list
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    return default


def _float_fragment(number: float) -> Any:
    text = float.__repr__(number)
    return orjson.Fragment(_NONFINITE.get(text, text))


def _has_nonfinite(value: Any) -> bool:
    """Whether `value` holds a NaN or infinite float, a key too (orjson would write null)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_nonfinite(k) or _has_nonfinite(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nonfinite(v) for v in value)
    return False


def _nulls_are_none(value: Any, text: bytes) -> bool:
    """Whether every null orjson wrote for `value` stands for a None, cheaply when it can be
    told: as many "null" in the text as None among the top-level values means no float became
    null (a "null" inside a string only makes this walk the value)."""
    nulls = text.count(b"null")
    if not nulls:
        return True
    return nulls == _top_nones(value) or not _has_nonfinite(value)


def _top_nones(value: Any) -> int:
    """How many Nones `value` holds at its top level (itself, a list's items, a dict's values):
    what `_nulls_are_none` counts."""
    if isinstance(value, dict):
        return list(value.values()).count(None)
    if isinstance(value, list | tuple):
        return value.count(None)
    return int(value is None)


class _JsonWriter:
    """One `write_json` call: its stream, its tz and its `default` (one ZoneInfo per call)."""

    def __init__(self, stream: Any, tz: str | None) -> None:
        self.stream = stream
        self.tz = tz
        self.default = _json_default(tz)

    def dumps(self, value: Any, depth: int) -> str:
        """`value`'s text as it stands at `depth` levels of indentation."""
        try:
            data = orjson.dumps(value, default=self.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            data = None  # an int beyond 64 bits, a dict key that is not str, a surrogate...
        if data is None or not _nulls_are_none(value, data):
            # What orjson refuses or writes otherwise (NaN and Infinity): the old path, which
            # writes it as before (or fails as before).
            text = json.dumps(json_value(value, self.tz), ensure_ascii=False, indent=2)
        else:
            text = data.decode()
        # JSON text holds a raw newline only between tokens (never inside a string).
        return text.replace("\n", "\n" + "  " * depth) if depth else text

    def write(self, value: Any, depth: int) -> None:
        if isinstance(value, list | tuple) and len(value) > _STREAM_MIN:
            self._write_list(value, depth)
        elif (
            isinstance(value, dict)
            and any(isinstance(v, list | tuple) and len(v) > _STREAM_MIN for v in value.values())
            and all(isinstance(k, str) for k in value)
        ):
            self._write_dict(value, depth)
        else:
            self.stream.write(self.dumps(value, depth))

    def _write_list(self, items: Iterable[Any], depth: int) -> None:
        """`items` (a long list, or an iterator read once) as a list at `depth`, a chunk at a
        time: the text one dumps of the whole list would give, never held whole."""
        pad = "  " * depth
        each = iter(items)
        opened = False
        while chunk := list(itertools.islice(each, _STREAM_CHUNK)):
            self.stream.write(("," if opened else "[") + self._items(chunk, depth, pad))
            opened = True
        self.stream.write("\n" + pad + "]" if opened else "[]")

    def _items(self, chunk: Sequence[Any], depth: int, pad: str) -> str:
        """The text of `chunk`'s items in a list at `depth`, each after its newline and
        indentation, joined by commas: one orjson call for the chunk when it writes every
        item as the old path would (its nulls all Nones of top-level values, as `dumps`
        checks one item), else item by item."""
        try:
            data = orjson.dumps(list(chunk), default=self.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            data = None
        if data is not None and data.count(b"null") == sum(map(_top_nones, chunk)):
            text = data.decode()[1:-2]  # "[" and "\n]" off: "\n  item,\n  item..."
            return text.replace("\n", "\n" + pad) if depth else text
        inner = "\n" + pad + "  "
        return ",".join(inner + self.dumps(item, depth + 1) for item in chunk)

    def _write_dict(self, value: dict[str, Any], depth: int) -> None:
        inner = "\n" + "  " * (depth + 1)
        self.stream.write("{")
        for i, (key, item) in enumerate(value.items()):
            self.stream.write(("," if i else "") + inner + self.dumps(key, 0) + ": ")
            self.write(item, depth + 1)
        self.stream.write("\n" + "  " * depth + "}")


def write_json(stream: Any, value: Any, tz: str | None = None) -> None:
    """`value` (raw: Decimal, datetime, date as services return them) as indented JSON and a
    newline: the text `json.dumps(json_value(value, tz), ensure_ascii=False, indent=2)` writes,
    written by orjson (Python's json falls back to its pure-Python encoder with `indent`, and
    json_value walked every value first: most of the time of a long `--format json`).

    Decimals become ints or floats written as Python's repr (byte-identical); datetimes are
    shown in `tz`. A long top-level list (or such a list under a top-level object) is written
    item by item, so its whole text is never held. What orjson refuses or writes otherwise
    (ints beyond 64 bits, NaN and Infinity) goes through the old path.
    One difference is accepted: a NATIVE float (a value or a key) is written in orjson's
    notation where Python's repr uses an exponent (0.00001 for 1e-05): the same number, other
    text. Amounts are Decimals, so only a few computed figures (leaderboard attainment) can
    show it. Keys json refuses (dates, UUIDs) orjson writes as text: where json failed.
    """
    writer = _JsonWriter(stream, tz)
    writer.write(value, 0)
    stream.write("\n")


def write_json_items(stream: Any, items: Iterable[Any], tz: str | None = None) -> None:
    """`items` (an iterator, read once) as the JSON list `write_json(list(items))` writes, a
    chunk at a time: a whole `deal list` written as it is read from the database."""
    _JsonWriter(stream, tz)._write_list(items, 0)
    stream.write("\n")
