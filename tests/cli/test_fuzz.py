"""Hypothesis: whatever a user types, salescli answers with a clean exit code and one line,
never an internal error or a traceback (one field fuzzed at a time, the others valid)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


def _clean(result) -> None:
    assert result.code in (0, 1, 2, 3), result
    assert "internal error" not in result.err, result.err
    if result.code:
        assert result.err.startswith(("Error:", "Usage:")), result.err


@sqlite_only
@FUZZ
@given(amount=text)
def test_deal_amount(cli, amount):
    _clean(cli("deal", "add", "Fuzz deal", "--amount", amount))


@sqlite_only
@FUZZ
@given(email=text, phone=text)
def test_lead_contact_fields(cli, email, phone):
    _clean(cli("lead", "add", "Fuzz Person", "--email", email, "--allow-duplicate"))
    _clean(cli("lead", "add", "Fuzz Person", "--phone", phone, "--allow-duplicate"))


@sqlite_only
@FUZZ
@given(value=text)
def test_dates_and_periods(cli, value):
    _clean(cli("deal", "list", "--closing", value))
    _clean(cli("activity", "list", "--period", value))
    _clean(cli("deal", "add", "Fuzz deal", "--close", value))


@sqlite_only
@FUZZ
@given(query=text)
def test_search_any_text(cli, query):
    _clean(cli("lead", "list", "--search", query))
    _clean(cli("deal", "list", "--search", query))
    _clean(cli("account", "list", "--search", query))
