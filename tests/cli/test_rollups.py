"""Roll-ups along the manager hierarchy (forecast, quota progress, backtest, weekly report):
money summed exactly and rounded once, seeded draws in one order on both backends, and the
quota of a team row whose members the scope cut. Every figure worked out by hand here."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal

JANUARY = "2026-01"


def _id(cli, *args: str) -> int:
    return int(cli.ok(*args).out.strip())


def _json(cli, *args: str, env: dict | None = None):  # type: ignore[no-untyped-def]
    return json.loads(cli.ok(*args, "--format", "json", env=env).out, parse_float=Decimal)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def _rate(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def _euro_team(cli) -> None:
    """Mia manages Ben and Cal; each won a EUR deal in January and has another open (commit,
    75 %) closing in January; 1 EUR = 1.1248 USD since 2026-01-01."""
    cli.ok("rep", "add", "Mia")
    cli.ok("rep", "add", "Ben", "--manager", "Mia")
    cli.ok("rep", "add", "Cal", "--manager", "Mia")
    cli.ok("currency", "rate", "set", "EUR", "1.1248", "--on", "2026-01-01")
    for owner, amount, won_on in (("Ben", "44370", "2026-01-15"), ("Cal", "23210", "2026-01-20")):
        won = _id(cli, "deal", "add", f"{owner} won", "--owner", owner, "--amount", amount, "--currency", "EUR")  # fmt: skip
        cli.ok("deal", "win", str(won), "--on", won_on)
        cli.ok(
            "deal", "add", f"{owner} commit", "--owner", owner, "--amount", amount,
            "--currency", "EUR", "--stage", "negotiation", "--close", "2026-01-30",
        )  # fmt: skip
    cli.ok("quota", "set", "Ben", "50000", "--period", JANUARY)
    cli.ok("quota", "set", "Cal", "30000", "--period", JANUARY)


# Exact conversions: 44,370.00 × 1.1248 = 49,907.376; 23,210.00 × 1.1248 = 26,106.608.
BEN, CAL = Decimal("49907.376"), Decimal("26106.608")
TEAM = BEN + CAL  # 76,013.984: 76,013.98, where the rounded reps add up to 76,013.99
OPEN_WEIGHTED = TEAM * Decimal("0.75")  # 57,010.488


def test_team_and_total_money_round_once_from_the_exact_sums(cli):
    _euro_team(cli)
    summed = cli.ok("deal", "list", "--won", "--closing", JANUARY, "--sum").err
    assert "2 deals: amount 76,013.98 USD" in summed
    by_team = cli.ok("deal", "list", "--won", "--closing", JANUARY, "--team", "Mia", "--sum").err
    assert "2 deals: amount 76,013.98 USD" in by_team

    forecast = _json(cli, "forecast", "--period", JANUARY)
    rows = {(r["kind"], r["rep"]): r for r in forecast["rows"]}
    assert rows["rep", "Ben"]["closed"] == _cents(BEN) == Decimal("49907.38")
    assert rows["rep", "Cal"]["closed"] == _cents(CAL) == Decimal("26106.61")
    quota = Decimal(80000)  # no team quota: Ben's 50,000 + Cal's 30,000
    gap = quota - TEAM  # 3,986.016
    expected = {
        "closed": Decimal("76013.98"),
        "commit": Decimal("76013.98"),
        "best_case": Decimal("0.00"),
        "pipeline": Decimal("0.00"),
        "commit_total": Decimal("152027.97"),  # 152,027.968 (rounded reps: .98)
        "best_case_total": Decimal("152027.97"),
        "pipeline_total": Decimal("152027.97"),
        "weighted": Decimal("133024.47"),  # 76,013.984 + 57,010.488 (rounded reps: .48)
        "forecast": Decimal("133024.47"),
        "quota": quota,
        "gap": Decimal("3986.02"),  # 3,986.016 (from .99: 3,986.01)
        "attainment": _rate(TEAM / quota),
        "coverage": _rate(TEAM / gap),
        "count": 4,
    }
    assert _cents(TEAM + OPEN_WEIGHTED) == expected["weighted"]
    for row in (rows["team", "Mia"], forecast["total"]):
        assert {key: row[key] for key in expected} == expected
    assert rows["team", "Mia"]["quota_source"] == "sum of reps"

    progress = _json(cli, "quota", "progress", "--period", JANUARY, "--team", "Mia")
    team = next(r for r in progress if r["team"] == "Mia")
    assert (team["target"], team["actual"], team["needed"]) == (
        quota,
        Decimal("76013.98"),
        Decimal("3986.02"),
    )
    assert team["attainment"] == team["pace"] == _rate(TEAM / quota) == Decimal("0.9502")
    actuals = {r["rep"]: r["actual"] for r in progress if r["team"] is None}
    assert actuals == {"Ben": Decimal("49907.38"), "Cal": Decimal("26106.61")}

    backtest = _json(cli, "forecast", "backtest", "--from", JANUARY, "--to", JANUARY, "--method", "weighted")  # fmt: skip
    (row,) = backtest["rows"]
    # Every deal was created on 2026-11-23: nothing was open on 1 January.
    assert (row["pipeline_deals"], row["forecast"], row["actual"], row["error"]) == (
        0,
        Decimal("0.00"),
        Decimal("76013.98"),
        Decimal("-76013.98"),
    )

    weekly = _json(cli, "report", "weekly", env={"SALESCLI_NOW": "2026-01-31T12:00:00+00:00"})
    month = next(r for r in weekly["forecast"]["rows"] if r["period"] == JANUARY)
    assert (month["closed"], month["commit_total"], month["weighted"], month["gap"]) == (
        Decimal("76013.98"),
        Decimal("152027.97"),
        Decimal("133024.47"),
        Decimal("3986.02"),
    )


def test_backtest_monte_carlo_gives_the_same_figures_on_both_backends(cli):
    """The seeded draws land on the rebuilt pipeline's groups in one order (by owner, stage,
    probability, currency, amount) whatever the backend groups them in: this run of the
    small demo gives these figures on SQLite and on PostgreSQL (the fixture runs it on
    each); without the order PostgreSQL gave 57,511.14 and SQLite 57,386.17."""
    cli.ok("demo")
    backtest = _json(cli, "forecast", "backtest", "--from", "2026-03", "--to", "2026-03", "--method", "monte-carlo")  # fmt: skip
    (row,) = backtest["rows"]
    assert (row["pipeline_deals"], row["pipeline"], row["actual"]) == (
        20,
        Decimal("267180.00"),
        Decimal("92796.17"),
    )
    assert row["forecast"] == Decimal("57974.53")
    # The forecast's own Monte Carlo: already in one order (owner, currency, amount, chance).
    total = _json(cli, "forecast", "--method", "monte-carlo", "--seed", "3")["total"]
    assert (total["p10"], total["p50"], total["p90"]) == (
        Decimal("888418.70"),
        Decimal("913845.33"),
        Decimal("948205.33"),
    )


def _cut_team(cli) -> None:
    """Maria manages Ana and Dee, Ana manages Bob and Cid; all are team EMEA but Cid (APAC),
    two levels under Maria. Q4 quotas: team Maria 100,000, team Ana 55,000; Ana 10,000,
    Bob 20,000, Cid 30,000, Dee 40,000. Won on 2 November: Bob 3,000, Cid 5,000, Dee 7,000."""
    cli.ok("rep", "add", "Maria", "--team", "EMEA")
    cli.ok("rep", "add", "Ana", "--manager", "Maria", "--team", "EMEA")
    cli.ok("rep", "add", "Dee", "--manager", "Maria", "--team", "EMEA")
    cli.ok("rep", "add", "Bob", "--manager", "Ana", "--team", "EMEA")
    cli.ok("rep", "add", "Cid", "--manager", "Ana", "--team", "APAC")
    cli.ok("quota", "set", "--team", "Maria", "100000", "--period", "2026-Q4")
    cli.ok("quota", "set", "--team", "Ana", "55000", "--period", "2026-Q4")
    for rep, target in (("Ana", "10000"), ("Bob", "20000"), ("Cid", "30000"), ("Dee", "40000")):
        cli.ok("quota", "set", rep, target, "--period", "2026-Q4")
    for owner, amount in (("Bob", "3000"), ("Cid", "5000"), ("Dee", "7000")):
        won = _id(cli, "deal", "add", f"{owner} won", "--owner", owner, "--amount", amount)
        cli.ok("deal", "win", str(won), "--on", "2026-11-02")


def _quotas(forecast: dict) -> dict[tuple[str, str], tuple]:
    return {
        (r["kind"], r["rep"]): (r["closed"], r["quota"], r["quota_source"], r["attainment"])
        for r in forecast["rows"]
    }


def test_a_team_row_cut_by_the_scope_has_the_quota_of_the_reps_shown(cli):
    _cut_team(cli)
    cut = _json(cli, "forecast", "--team", "EMEA")
    assert _quotas(cut) == {
        # Maria, Ana, Bob, Dee shown (Cid is APAC): 10,000 + 20,000 + 40,000, not 100,000.
        ("team", "Maria"): (Decimal(10000), Decimal(70000), "sum of reps", Decimal("0.1429")),
        ("rep", "Maria"): (Decimal(0), None, None, None),
        # Ana and Bob shown: 10,000 + 20,000, not Ana's team quota of 55,000.
        ("team", "Ana"): (Decimal(3000), Decimal(30000), "sum of reps", Decimal("0.1000")),
        ("rep", "Ana"): (Decimal(0), Decimal(10000), "set", Decimal(0)),
        ("rep", "Bob"): (Decimal(3000), Decimal(20000), "set", Decimal("0.1500")),
        ("rep", "Dee"): (Decimal(7000), Decimal(40000), "set", Decimal("0.1750")),
    }
    assert (cut["total"]["closed"], cut["total"]["quota"]) == (Decimal(10000), Decimal(70000))
    summed = cli.ok("deal", "list", "--won", "--team", "EMEA", "--closing", "2026-Q4", "--sum")
    assert "2 deals: amount 10,000.00 USD" in summed.err  # the same deals: Bob's and Dee's
    assert (
        "Ana (team): the quota is the sum of the quotas of the reps shown, not the whole "
        "team's (the scope leaves out Cid)"
    ) in cut["notes"]

    # The whole tree (a manager's name): the team quotas as set.
    whole = _quotas(_json(cli, "forecast", "--team", "Maria"))
    assert whole["team", "Maria"] == (Decimal(15000), Decimal(100000), "set", Decimal("0.1500"))
    assert whole["team", "Ana"] == (Decimal(8000), Decimal(55000), "set", Decimal("0.1455"))
    assert not any("leaves out" in n for n in _json(cli, "forecast", "--team", "Maria")["notes"])

    weekly = _json(cli, "report", "weekly", "--team", "EMEA")["forecast"]
    quarter = next(r for r in weekly["rows"] if r["period"] == "2026-Q4")
    assert (quarter["closed"], quarter["quota"], quarter["gap"], quarter["attainment"]) == (
        Decimal(10000),
        Decimal(70000),
        Decimal(60000),
        Decimal("0.1429"),
    )
    assert quarter["quota_source"] == "sum of reps"
