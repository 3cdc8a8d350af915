"""THE money aggregation (`deals.queries.grouped_totals`): closed deals in another currency
summed per rate period (not per close day), open ones at today's rate, the weighted amount
from Σ amount × probability — every figure exact to the cent."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import NOW  # 2026-11-23T09:00:00+00:00, a Monday

assert NOW.startswith("2026-11-23")


def _id(result) -> int:
    return int(result.out)


def _rates(cli) -> None:
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-10-01")
    cli.ok("currency", "rate", "set", "EUR", "1.2345", "--on", "2026-11-01")
    cli.ok("currency", "rate", "set", "EUR", "2.00", "--on", "2026-12-01")  # not yet in force


def _won(cli, title: str, amount: str, on: str) -> None:
    day = {"SALESCLI_NOW": f"{on}T08:00:00+00:00"}  # created the day it was won
    deal = _id(cli.ok("deal", "add", title, "--amount", amount, "--currency", "EUR", env=day))
    cli.ok("deal", "win", str(deal), "--on", on)


def test_closed_deals_convert_per_rate_period_and_open_ones_at_todays_rate(cli):
    _rates(cli)
    # Two close days in October's rate period, two in November's, one in USD.
    _won(cli, "Oct A", "100.01", "2026-10-05")  # × 1.10   = 110.011
    _won(cli, "Oct B", "200.00", "2026-10-31")  # × 1.10   = 220.00
    _won(cli, "Nov A", "300.00", "2026-11-01")  # × 1.2345 = 370.35
    _won(cli, "Nov B", "0.03", "2026-11-20")  # × 1.2345 = 0.037035
    usd = _id(cli.ok("deal", "add", "Dollars", "--amount", "50", env={"SALESCLI_NOW": "2026-10-10T08:00:00+00:00"}))  # fmt: skip
    cli.ok("deal", "win", str(usd), "--on", "2026-10-10")
    # Open: at today's rate (1.2345), weighted by each deal's own probability.
    cli.ok("deal", "add", "Open A", "--amount", "1000", "--currency", "EUR", "--probability", "33")
    cli.ok("deal", "add", "Open B", "--amount", "333.33", "--currency", "EUR", "--probability", "7")
    cli.ok("deal", "add", "Open C", "--amount", "10", "--probability", "50")  # USD
    # won: 110.011 + 220 + 370.35 + 0.037035 + 50 = 750.398035 -> 750.40
    assert cli.ok("deal", "list", "--won", "--sum").err.strip() == (
        "5 deals: amount 750.40 USD, weighted (open) 0.00 USD"
    )
    # open: 1234.50 + 411.495885 + 10 = 1655.995885 -> 1,656.00;
    # weighted: 1234.50 × .33 + 411.495885 × .07 + 10 × .5 = 407.385 + 28.80471195 + 5
    #         = 441.18971195 -> 441.19
    assert cli.ok("deal", "list", "--sum").err.strip() == (
        "3 deals: amount 1,656.00 USD, weighted (open) 441.19 USD"
    )
    # all: 750.398035 + 1655.995885 = 2406.39392 -> 2,406.39
    assert cli.ok("deal", "list", "--all", "--sum").err.strip() == (
        "8 deals: amount 2,406.39 USD, weighted (open) 441.19 USD"
    )
    listed = cli.ok("deal", "list", "--won", "--group-by", "close-month", "-f", "json").out
    rows = json.loads(listed, parse_float=Decimal)
    by_month = {g["close_month"]: (g["count"], g["amount"]) for g in rows["groups"]}
    # October: 110.011 + 220 + 50 = 380.011 -> 380.01; November: 370.387035 -> 370.39
    assert by_month == {"2026-10": (3, Decimal("380.01")), "2026-11": (2, Decimal("370.39"))}


def test_a_close_date_before_the_first_rate_names_that_day(cli):
    _rates(cli)
    _won(cli, "Early", "100", "2026-09-30")
    result = cli("deal", "list", "--won", "--sum")
    assert result.code == 1
    assert "no EUR rate on or before 2026-09-30" in result.err
    assert "Traceback" not in result.err


def test_many_rates_group_per_close_day_with_the_same_figures(cli, monkeypatch):
    from salescli.services.deals import queries

    monkeypatch.setattr(queries, "RATE_PERIODS_MAX", 1)  # 3 rates: past the limit
    _rates(cli)
    _won(cli, "Oct A", "100.01", "2026-10-05")  # × 1.10   = 110.011
    _won(cli, "Nov A", "300.00", "2026-11-01")  # × 1.2345 = 370.35
    cli.ok("deal", "add", "Open A", "--amount", "1000", "--currency", "EUR", "--probability", "33")
    # 110.011 + 370.35 + 1234.50 = 1714.861 -> 1,714.86; weighted 1234.50 × .33 = 407.385 -> 407.38
    assert cli.ok("deal", "list", "--all", "--sum").err.strip() == (
        "3 deals: amount 1,714.86 USD, weighted (open) 407.38 USD"
    )


def test_roll_ups_round_once_from_the_exact_sums(cli):
    """`report pipeline` reads stage × owner once and rolls it up per stage and in total:
    each roll-up is rounded from the exact converted sum, not summed from rounded rows."""
    _rates(cli)  # today's EUR rate: 1.2345
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang")
    for owner in ("Ana Souza", "Wang Fang"):
        cli.ok(
            "deal", "add", f"Cents {owner}", "--amount", "0.02", "--currency", "EUR",
            "--probability", "50", "--owner", owner,
        )  # fmt: skip
    cli.ok(
        "deal", "add", "Dollars", "--amount", "10", "--owner", "Ana Souza", "--stage", "proposal"
    )
    report = json.loads(cli.ok("report", "pipeline", "-f", "json").out, parse_float=Decimal)
    cells = {
        (r["stage"], r["rep"]): (r["count"], r["amount"], r["weighted"]) for r in report["rows"]
    }
    # Each EUR deal: 0.02 × 1.2345 = 0.02469 -> 0.02; weighted × 0.5 = 0.012345 -> 0.01.
    first = next(r["stage"] for r in report["rows"] if r["stage"] != "proposal")
    assert cells == {
        (first, "Ana Souza"): (1, Decimal("0.02"), Decimal("0.01")),
        (first, "Wang Fang"): (1, Decimal("0.02"), Decimal("0.01")),
        ("proposal", "Ana Souza"): (1, Decimal("10.00"), cells["proposal", "Ana Souza"][2]),
    }
    stages = {s["stage"]: (s["count"], s["amount"], s["weighted"]) for s in report["stages"]}
    # The stage: 0.04938 -> 0.05 (not 0.02 + 0.02); weighted 0.02469 -> 0.02 (not 0.01 + 0.01).
    assert stages[first] == (2, Decimal("0.05"), Decimal("0.02"))
    assert report["total"]["count"] == 3
    assert report["total"]["amount"] == Decimal("10.05")  # 10 + 0.04938 = 10.04938
