"""Conversion rates to the reporting currency, and exact conversion with the rate in force.

A rate is the value of one unit of a currency in the reporting currency (the `currency`
setting), valid from its `valid_on` day until the next rate for that currency. Rates are
stored as Decimal strings and amounts are converted with Decimal arithmetic, never floats.
This module uses SQLAlchemy Core only, so the `deal list --sum` hot path can use it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import TYPE_CHECKING

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.money import check_currency, exponent, from_minor
from salescli.tables import CURRENCYRATE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MAX_RATE_PLACES = 10


def parse_rate(text: str) -> Decimal:
    example = "e.g. 1.08 or 0.0067"
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidData(f"rate '{text}' is not a number ({example})") from None
    if not value.is_finite() or value <= 0:
        raise InvalidData(f"rate '{text}' must be a positive number ({example})")
    if value.as_tuple().exponent < -MAX_RATE_PLACES:  # type: ignore[operator]
        raise InvalidData(
            f"rate '{text}' has more than {MAX_RATE_PLACES} decimal places ({example})"
        )
    if value >= Decimal(10) ** 12:
        raise InvalidData(f"rate '{text}' is too large ({example})")
    return value


def _rate_text(value: Decimal) -> str:
    return format(value, "f")


def set_rate(conn: Connection, currency: str, rate: str, on: dt.date, reporting: str) -> dict:
    """Record (or replace) the rate of `currency` valid from `on`."""
    code = check_currency(currency)
    if code == reporting:
        raise InvalidData(
            f"{code} is the reporting currency: its rate is always 1 "
            "(rates are for other currencies, e.g. salescli currency rate set EUR 1.08)"
        )
    value = parse_rate(rate)
    existing = conn.execute(
        CURRENCYRATE.select().where(
            CURRENCYRATE.c.currency == code,
            CURRENCYRATE.c.quote == reporting,
            CURRENCYRATE.c.valid_on == on,
        )
    ).first()
    if existing is None:
        conn.execute(
            CURRENCYRATE.insert().values(
                currency=code, quote=reporting, rate=_rate_text(value), valid_on=on
            )
        )
    else:
        conn.execute(
            CURRENCYRATE.update()
            .where(CURRENCYRATE.c.id == existing.id)
            .values(rate=_rate_text(value))
        )
    return {
        "currency": code,
        "rate": value,
        "valid_on": on,
        "reporting_currency": reporting,
        "replaced": existing is not None,
    }


def list_rates(conn: Connection, reporting: str, currency: str | None = None) -> list[dict]:
    """Rates into the reporting currency, by currency, newest first within each currency."""
    query = (
        CURRENCYRATE.select()
        .where(CURRENCYRATE.c.quote == reporting)
        .order_by(CURRENCYRATE.c.currency, CURRENCYRATE.c.valid_on.desc())
    )
    if currency is not None:
        query = query.where(CURRENCYRATE.c.currency == check_currency(currency))
    return [
        {
            "currency": row.currency,
            "rate": Decimal(row.rate),
            "valid_on": row.valid_on,
            "reporting_currency": reporting,
        }
        for row in conn.execute(query).all()
    ]


class Converter:
    """Converts many amounts with one query per currency (rates cached)."""

    def __init__(self, conn: Connection, reporting: str, today: dt.date | None = None) -> None:
        self.conn = conn
        self.reporting = reporting
        # Open deals convert at the rate in force today, never at one dated in the future.
        self.today = today
        self._rates: dict[str, tuple[list[dt.date], list[Decimal]]] = {}

    def _load(self, currency: str) -> tuple[list[dt.date], list[Decimal]]:
        if currency not in self._rates:
            rows = self.conn.execute(
                sa.select(CURRENCYRATE.c.valid_on, CURRENCYRATE.c.rate)
                .where(CURRENCYRATE.c.currency == currency, CURRENCYRATE.c.quote == self.reporting)
                .order_by(CURRENCYRATE.c.valid_on)
            ).all()
            self._rates[currency] = ([r.valid_on for r in rows], [Decimal(r.rate) for r in rows])
        return self._rates[currency]

    def rate(self, currency: str, on: dt.date | None) -> Decimal:
        """The rate in force on `on` (latest valid_on <= on); for `on` None (open deals), the
        rate in force today, or the latest rate when no today was given."""
        if currency == self.reporting:
            return Decimal(1)
        days, values = self._load(currency)
        if on is None and self.today is not None:
            on = self.today
        if on is None:
            if values:
                return values[-1]
            raise InvalidData(
                f"no {currency} rate: salescli currency rate set {currency} 1.08 "
                f"(1 {currency} in {self.reporting})"
            )
        index = bisect.bisect_right(days, on)
        if index == 0:
            raise InvalidData(
                f"no {currency} rate on or before {on.isoformat()}: "
                f"salescli currency rate set {currency} 1.08 --on {on.isoformat()}"
            )
        return values[index - 1]

    def convert(self, amount_minor: int, currency: str, on: dt.date | None) -> Decimal:
        """`amount_minor` of `currency` in the reporting currency's major units (exact)."""
        amount = from_minor(amount_minor, currency)
        assert amount is not None
        if currency == self.reporting:
            return amount
        return amount * self.rate(currency, on)


def convert(
    conn: Connection,
    amount_minor: int,
    currency: str,
    on: dt.date | None,
    reporting: str,
) -> Decimal:
    """Convert with the rate in force on `on` (None: the latest rate, as for open deals).

    Same currency → unchanged. The result is exact (not rounded): sum first, then round once
    with `round_money`. A missing rate raises InvalidData naming the currency and the fix.
    """
    return Converter(conn, reporting).convert(amount_minor, currency, on)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round a converted figure to the currency's minor unit (half to even)."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_EVEN)
