"""Exact money: Decimal in Python, integer minor units in storage."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from salescli.errors import InvalidData

MAX_MAJOR = Decimal(10) ** 13
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PLAIN = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$|^\d+(,\d+)?$")
_SYMBOLS = "$€£¥₹₽₩₺"


def exponent(currency: str) -> int:
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency)


def check_currency(code: str) -> str:
    from babel.numbers import is_currency

    value = code.strip().upper()
    if not _CURRENCY.match(value) or not is_currency(value):
        raise InvalidData(f"currency '{code}' is not an ISO 4217 code (e.g. USD, EUR, JPY)")
    return value


def parse_amount(
    text: str, currency: str, *, field: str = "amount", decimal_comma: bool = False
) -> Decimal:
    """Parse `12000`, `12,000.50`, `$22,700.00`, `EUR 1.250,00` (with decimal_comma) exactly."""
    raw = text.strip()
    value = raw
    for symbol in _SYMBOLS:
        value = value.replace(symbol, "")
    value = re.sub(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$", "", value.strip()).replace(" ", "")
    value = value.replace("\u00a0", "")
    example = "e.g. 12000, 12,000.50" if not decimal_comma else "e.g. 12000, 12.000,50"
    pattern = _DECIMAL_COMMA if decimal_comma else _PLAIN
    if not pattern.match(value):
        hint = (
            " (suffixes such as 1.5k are not accepted: write 1500)"
            if re.search(r"\d[kKmM]$", raw)
            else ""
        )
        raise InvalidData(f"{field} '{text}' is not an amount{hint} ({example})")
    if decimal_comma:
        value = value.replace(".", "").replace(",", ".")
    else:
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidData(f"{field} '{text}' is not an amount ({example})") from None
    places = exponent(currency)
    if amount.as_tuple().exponent < -places:  # type: ignore[operator]
        raise InvalidData(
            f"{field} '{text}' has more than {places} decimal places for {currency} ({example})"
        )
    if amount >= MAX_MAJOR:
        raise InvalidData(f"{field} '{text}' is too large (at most 9999999999999)")
    return amount


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(exponent(currency)).to_integral_value(rounding=ROUND_HALF_EVEN))


def from_minor(minor: int | None, currency: str) -> Decimal | None:
    if minor is None:
        return None
    return Decimal(minor).scaleb(-exponent(currency))


def format_money(minor: int | None, currency: str) -> str:
    """Human display: thousands separators and the currency code, e.g. `12,000.50 EUR`."""
    if minor is None:
        return ""
    places = exponent(currency)
    amount = Decimal(minor).scaleb(-places)
    return f"{amount:,.{places}f} {currency}"


def parse_decimal(text: str, *, field: str, example: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidData(f"{field} '{text}' is not a number ({example})") from None
    if not value.is_finite():
        raise InvalidData(f"{field} '{text}' is not a finite number ({example})")
    return value
