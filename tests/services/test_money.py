from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescli import money
from salescli.errors import InvalidData


@pytest.mark.parametrize(
    ("text", "currency", "comma", "minor"),
    [
        ("12000", "USD", False, 1200000),
        ("12,000.50", "USD", False, 1200050),
        ("$22,700.00", "USD", False, 2270000),
        ("EUR 1.250,00", "EUR", True, 125000),
        ("1.250,5", "EUR", True, 125050),
        ("1500", "JPY", False, 1500),
        ("0.001", "BHD", False, 1),
    ],
)
def test_parse_amount_exact(text, currency, comma, minor):
    amount = money.parse_amount(text, currency, decimal_comma=comma)
    assert money.to_minor(amount, currency) == minor


@pytest.mark.parametrize("text", ["1.5k", "abc", "12,5.0", "NaN", "Infinity", "-5", "1e3", "0.001"])
def test_parse_amount_refuses(text):
    with pytest.raises(InvalidData, match="amount"):
        money.parse_amount(text, "USD")


def test_suffix_refusal_gives_an_example():
    with pytest.raises(InvalidData, match="write 1500"):
        money.parse_amount("1.5k", "USD")


@given(st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2))
def test_minor_round_trip(amount):
    minor = money.to_minor(amount, "EUR")
    assert money.from_minor(minor, "EUR") == amount
    assert money.parse_amount(f"{amount:,.2f}", "EUR") == amount


def test_currency_codes():
    assert money.check_currency("eur") == "EUR"
    with pytest.raises(InvalidData, match="ISO 4217"):
        money.check_currency("EURO")
