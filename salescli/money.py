"""Exact money: Decimal in Python, integer minor units in storage."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from salescli.errors import InvalidData

MAX_MAJOR = Decimal(10) ** 13
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PLAIN = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$|^\d+(,\d+)?$")
_SYMBOLS = "$€£¥₹₽₩₺"
# What a symbol in an amount says: its usual currency, and every currency it can stand for
# ($ is also the Canadian or Australian dollar, ¥ also the yuan).
_SYMBOL_CURRENCIES: dict[str, tuple[str, ...]] = {
    "$": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD", "CLP", "COP", "ARS"),
    "€": ("EUR",),
    "£": ("GBP",),
    "¥": ("JPY", "CNY"),
    "₹": ("INR",),
    "₽": ("RUB",),
    "₩": ("KRW",),
    "₺": ("TRY",),
}
_CODE_IN_AMOUNT = re.compile(r"^\s*([A-Za-z]{3})(?![A-Za-z])|(?<![A-Za-z])([A-Za-z]{3})\s*$")


def stated_currency(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The currency an amount names by symbol or ISO code (`€12,000.50`, `EUR 1250`, `1200 usd`):
    (its usual code, every code it can stand for), or None when it names none."""
    for symbol, codes in _SYMBOL_CURRENCIES.items():
        if symbol in text:
            return codes[0], codes
    match = _CODE_IN_AMOUNT.search(text)
    if match:
        code = check_currency(match.group(1) or match.group(2))
        return code, (code,)
    return None


def amount_currency(text: str | None, currency: str | None, default: str) -> str:
    """The currency of an amount typed with an optional `--currency`: the option when given
    (an amount naming another currency is refused by parse_amount), else the currency the
    amount names (`€12,000.50` is EUR), else `default`."""
    if currency:
        return check_currency(currency)
    stated = stated_currency(text) if text else None
    return stated_or_default(stated, check_currency(default))


def stated_or_default(stated: tuple[str, tuple[str, ...]] | None, default: str) -> str:
    """The currency an amount names, read with the default in mind: `$` is the default currency
    when that is a dollar (CAD, AUD...), else USD; no symbol or code: the default."""
    if stated is None:
        return default
    return default if default in stated[1] else stated[0]


@cache
def exponent(currency: str) -> int:
    """The digits of `currency`'s minor unit (USD 2, JPY 0, BHD 3): babel's data, looked up
    once per currency in a process (every amount read or written asks)."""
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency)


def check_currency(code: str) -> str:
    from babel.numbers import is_currency

    value = code.strip().upper()
    if not _CURRENCY.match(value) or not is_currency(value):
        raise InvalidData(f"currency '{code}' is not an ISO 4217 code (e.g. USD, EUR, JPY)")
    return value


# What an amount naming another currency is told, where a `--currency` option can say which.
OTHER_CURRENCY = (
    "{field} '{text}' is in {stated} but the currency is {currency} "
    "(give --currency {stated}, or the amount without a symbol)"
)


def parse_amount(
    text: str,
    currency: str,
    *,
    field: str = "amount",
    decimal_comma: bool = False,
    other_currency: str = OTHER_CURRENCY,
) -> Decimal:
    """Parse `12000`, `12,000.50`, `$22,700.00`, `EUR 1.250,00` (with decimal_comma) exactly.

    An amount that names a currency (symbol or code) other than `currency` is refused: it
    would silently change meaning (`€12,000.50` stored as USD). The message is
    `other_currency` formatted with `field`, `text`, `stated` (the currency the amount names)
    and `currency`: a caller without a `--currency` option says what its user can do instead.
    """
    raw = text.strip()
    try:
        stated = stated_currency(raw)
    except InvalidData:
        stated = None  # not a currency code: the amount check below names the problem
    if stated and currency not in stated[1]:
        raise InvalidData(
            other_currency.format(field=field, text=text, stated=stated[0], currency=currency)
        )
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
