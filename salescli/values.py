"""Values as they go into a document: JSON values, CSV cells (spreadsheet formulas
neutralised), text cells (control characters shown as escapes, money at its own precision).

Pure functions with no terminal and no file: services (exports, reject files) and the render
side share them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salescli.text import visible

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _local(value: dt.datetime, tz: str | None) -> dt.datetime:
    if tz is None or value.tzinfo is None:
        return value
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz))


def json_value(value: Any, tz: str | None = None) -> Any:
    if isinstance(value, Decimal):
        # Money is exact in storage; amounts are bounded below 10^13, so the shortest float
        # repr carries every digit and JSON gets a number, as the contract says.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return _local(value, tz).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_value(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v, tz) for v in value]
    return value


def text_value(value: Any, tz: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return _local(value, tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(text_value(v, tz) for v in value)
    # Stored text is data: a control character is shown as an escape, never acted upon.
    return visible(str(value), keep="\n")


def decimal_text(value: Decimal) -> str:
    """An exact number as stored: money in its currency's minor units (KWD 100.505, JPY 1,000,
    USD 20,000.00), a rate at its precision (0.0065), a computed figure to the cent."""
    places = -int(value.as_tuple().exponent)
    if places <= 0:
        return f"{value:,f}"
    if places == 1 or places > 10:
        # 2.5 from a division, or a long quotient: not a stored precision, shown to the cent.
        return f"{value.quantize(Decimal('0.01')):,f}"
    return f"{value:,f}"


_FORMULA_FIRST = frozenset("".join(_FORMULA_PREFIXES))


def csv_row(values: list[Any], tz: str | None = None) -> list[Any]:
    """`csv_value` of each cell, in place. Plain ints, floats and text that cannot start a
    formula pass through without a call: `lead duplicates` writes millions of cells."""
    for i, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if value and value[0] in _FORMULA_FIRST:
                values[i] = "'" + value
        elif kind is not int and kind is not float:
            values[i] = csv_value(value, tz)
    return values


def csv_value(value: Any, tz: str | None = None) -> Any:
    if isinstance(value, list | tuple):
        value = ",".join(text_value(v, tz) for v in value)
    elif isinstance(value, dt.datetime | dt.date | Decimal):
        value = json_value(value, tz)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    elif value is None:
        value = ""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        # A spreadsheet would execute it; a leading quote makes it text.
        return "'" + value
    return value
