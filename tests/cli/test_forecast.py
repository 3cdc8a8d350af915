"""`forecast`: every figure of SPEC "Forecast" worked out by hand here, on both backends.

The scenario (SALESCLI_NOW 2026-11-23, this quarter = 2026-10-01 .. 2026-12-31):
Maria manages Ana and Dee; Ana manages Bob and Cid (a hierarchy two levels deep).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.test_maven import MAVEN, imported  # noqa: F401 (a fixture)

Q4 = "2026-Q4"


def _id(cli, *args: str, env: dict[str, str] | None = None) -> int:
    return int(cli.ok(*args, env=env).out.strip())


def _quota(cli, scope: str, rep: int, target_minor: int, start: str = "2026-10-01", end: str = "2027-01-01", period: str = Q4) -> None:  # fmt: skip
    cli.sql(
        "INSERT INTO quota (scope, rep_id, metric, period, period_start, period_end, target,"
        " currency, created_at, updated_at) VALUES (:scope, :rep, 'revenue', :period,"
        " :start, :end, :target, 'USD', :at, :at)",
        scope=scope, rep=rep, period=period, start=start, end=end, target=target_minor,
        at="2026-11-01 00:00:00+00:00",
    )  # fmt: skip


def _team(cli) -> dict[str, int]:
    ids = {"Maria": _id(cli, "rep", "add", "Maria")}
    ids["Ana"] = _id(cli, "rep", "add", "Ana", "--manager", "Maria")
    ids["Dee"] = _id(cli, "rep", "add", "Dee", "--manager", "Maria")
    ids["Bob"] = _id(cli, "rep", "add", "Bob", "--manager", "Ana")
    ids["Cid"] = _id(cli, "rep", "add", "Cid", "--manager", "Ana")
    return ids


def _deal(cli, title: str, owner: str, stage: str, close: str, *extra: str, created: str | None = None) -> int:  # fmt: skip
    env = {"SALESCLI_NOW": f"{created}T08:00:00+00:00"} if created else None
    return _id(cli, "deal", "add", title, "--owner", owner, "--stage", stage, "--close", close, *extra, env=env)  # fmt: skip


def _scenario(cli) -> dict[str, int]:
    ids = _team(cli)
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-01")
    won = _deal(cli, "Bob won", "Bob", "proposal", "2026-12-01", "--amount", "3000", created="2026-10-15")  # fmt: skip
    cli.ok("deal", "win", str(won), "--on", "2026-10-15")
    early = _deal(cli, "Bob won in Q3", "Bob", "proposal", "2026-12-01", "--amount", "999", created="2026-09-30")  # fmt: skip
    cli.ok("deal", "win", str(early), "--on", "2026-09-30")
    _deal(cli, "Bob commit", "Bob", "negotiation", "2026-12-20", "--amount", "10000")
    _deal(cli, "Bob best", "Bob", "proposal", "2026-12-31", "--amount", "4000")  # last day in
    _deal(cli, "Bob next Q", "Bob", "prospecting", "2027-01-01", "--amount", "2000")  # first out
    _deal(cli, "Cid override", "Cid", "qualification", "2026-11-30", "--amount", "5000", "--probability", "60")  # fmt: skip
    _deal(cli, "Cid euro", "Cid", "proposal", "2026-12-01", "--amount", "1000", "--currency", "EUR")  # fmt: skip
    _deal(cli, "Cid omitted", "Cid", "negotiation", "2026-12-01", "--amount", "7000", "--category", "omitted")  # fmt: skip
    ids["unknown"] = _deal(cli, "Cid no amount", "Cid", "proposal", "2026-12-05")
    _deal(cli, "Dee best", "Dee", "negotiation", "2026-11-24", "--amount", "2000", "--category", "best_case")  # fmt: skip
    lost = _deal(cli, "Dee lost", "Dee", "proposal", "2026-12-01", "--amount", "500")
    cli.ok("deal", "lose", str(lost), "--reason", "price")
    ana_won = _deal(cli, "Ana won", "Ana", "proposal", "2026-12-01", "--amount", "1000", created="2026-11-20")  # fmt: skip
    cli.ok("deal", "win", str(ana_won), "--on", "2026-11-20")
    _quota(cli, "rep", ids["Bob"], 2_000_000)
    _quota(cli, "rep", ids["Dee"], 1_000_000)
    _quota(cli, "team", ids["Ana"], 5_000_000)
    _quota(cli, "rep", ids["Ana"], 50_000)  # closed 1,000 beats it: gap <= 0
    return ids


def _figures(closed, commit, best, pipeline, weighted, quota=None, forecast=None):  # type: ignore[no-untyped-def]
    commit_total = closed + commit
    best_total = commit_total + best
    pipeline_total = best_total + pipeline
    gap = None if quota is None else quota - closed
    open_amount = commit + best + pipeline
    return {
        "closed": closed, "commit": commit, "best_case": best, "pipeline": pipeline,
        "commit_total": commit_total, "best_case_total": best_total,
        "pipeline_total": pipeline_total, "weighted": weighted,
        "forecast": weighted if forecast is None else forecast, "quota": quota, "gap": gap,
        "attainment": None if not quota else round(closed / quota, 4),
        "coverage": None if gap is None or gap <= 0 else round(open_amount / gap, 4),
    }  # fmt: skip


FIGURES = (
    "closed", "commit", "best_case", "pipeline", "commit_total", "best_case_total",
    "pipeline_total", "weighted", "forecast", "quota", "gap", "attainment", "coverage",
)  # fmt: skip


def _pick(row: dict) -> dict:
    return {k: row[k] for k in FIGURES}


def test_forecast_every_figure_per_rep_and_team(cli):
    _scenario(cli)
    result = cli.json("forecast")
    assert (result["period"], result["period_start"], result["period_end"]) == (Q4, "2026-10-01", "2027-01-01")  # fmt: skip
    assert (result["method"], result["currency"]) == ("weighted", "USD")
    rows = [(r["rep"], r["kind"], r["level"]) for r in result["rows"]]
    assert rows == [
        ("Maria", "team", 0), ("Maria", "rep", 1), ("Ana", "team", 1), ("Ana", "rep", 2),
        ("Bob", "rep", 2), ("Cid", "rep", 2), ("Dee", "rep", 1),
    ]  # fmt: skip
    by = {(r["rep"], r["kind"]): r for r in result["rows"]}
    # Bob: won 3,000 in Q4 (not the 999 of Q3); commit 10,000 at 75 %, best case 4,000 at
    # 50 % closing on the quarter's last day; 2,000 closing on 2027-01-01 is out.
    assert _pick(by["Bob", "rep"]) == _figures(3000, 10000, 4000, 0, 3000 + 7500 + 2000, 20000)
    # Cid: 5,000 at an overridden 60 %, 1,000 EUR at 1.10 = 1,100 USD at 50 %; the omitted
    # 7,000 nowhere; the deal without an amount counted, not summed. No quota: nulls.
    assert _pick(by["Cid", "rep"]) == _figures(0, 0, 1100, 5000, 3000 + 550)
    assert (by["Cid", "rep"]["count"], by["Cid", "rep"]["unknown_amount"]) == (3, 1)
    # Dee: a negotiation deal moved to best case keeps its 75 %; the lost deal is nowhere.
    assert _pick(by["Dee", "rep"]) == _figures(0, 0, 2000, 0, 1500, 10000)
    # Ana: won 1,000 against a quota of 500: gap -500, attainment 2, no coverage.
    assert _pick(by["Ana", "rep"]) == _figures(1000, 0, 0, 0, 1000, 500)
    assert by["Ana", "rep"]["gap"] == -500 and by["Ana", "rep"]["coverage"] is None
    assert _pick(by["Maria", "rep"]) == _figures(0, 0, 0, 0, 0)
    # Ana's team: Ana, Bob, Cid, with the team quota of 50,000.
    ana_team = _figures(4000, 10000, 5100, 5000, 1000 + 12500 + 3550, 50000)
    assert _pick(by["Ana", "team"]) == ana_team
    assert ana_team["coverage"] == 0.437  # 20,100 / 46,000
    assert by["Ana", "team"]["quota_source"] == "set"
    # Maria's team: everyone; no team quota, so the sum of every rep's quota under her
    # (Ana 500 + Bob 20,000 + Dee 10,000), and it says so.
    maria = _figures(4000, 10000, 7100, 5000, 18550, 30500)
    assert _pick(by["Maria", "team"]) == maria
    assert by["Maria", "team"]["quota_source"] == "sum of reps"
    assert _pick(result["total"]) == maria
    assert result["total"]["unknown_amount"] == 1
    assert result["notes"] == [
        "1 deal(s) without an amount counted, not summed: "
        f"{cli.sql('SELECT id FROM deal WHERE amount_minor IS NULL')[0][0]} 'Cid no amount'"
    ]


def test_forecast_rep_team_and_other_rows(cli):
    _scenario(cli)
    bob = cli.json("forecast", "--rep", "Bob")
    assert [(r["rep"], r["kind"]) for r in bob["rows"]] == [("Bob", "rep")]
    assert _pick(bob["total"]) == _figures(3000, 10000, 4000, 0, 12500, 20000)
    team = cli.json("forecast", "--team", "Ana", "--method", "category")
    assert [(r["rep"], r["kind"]) for r in team["rows"]] == [
        ("Ana", "team"), ("Ana", "rep"), ("Bob", "rep"), ("Cid", "rep"),
    ]  # fmt: skip
    # category: the forecast is commit_total (closed + commit).
    assert team["rows"][0]["forecast"] == 14000 and team["total"]["forecast"] == 14000
    assert team["total"]["quota"] == 50000
    stages = cli.json("forecast", "--by", "stage")
    assert [
        (r["stage"], r["closed"], r["commit"], r["best_case"], r["pipeline"], r["weighted"])
        for r in stages["rows"]
    ] == [  # fmt: skip
        ("qualification", 0, 0, 0, 5000, 3000),
        ("proposal", 0, 0, 5100, 0, 2550),
        ("negotiation", 0, 10000, 2000, 0, 9000),
        ("won", 4000, 0, 0, 0, 4000),
    ]
    months = cli.json("forecast", "--by", "month")
    assert [(r["month"], r["pipeline_total"]) for r in months["rows"]] == [
        ("2026-10", 3000), ("2026-11", 1000 + 5000 + 2000), ("2026-12", 10000 + 4000 + 1100),
    ]  # fmt: skip
    table = cli.ok("forecast")
    assert "Maria (team)" in table.out and "    Bob" in table.out
    assert "without an amount" in table.err
    # Rates are percentages to a person (Ana: attainment 2; her team: coverage 0.437) and
    # fractions in CSV.
    ana = next(line for line in table.out.splitlines() if line.startswith("    Ana\t"))
    assert "\t200.0%\t" in ana
    team = next(line for line in table.out.splitlines() if line.startswith("  Ana (team)\t"))
    assert "\t43.7%\t" in team
    rows = list(csv.DictReader(io.StringIO(cli.ok("forecast", "--format", "csv").out)))
    by_row = {(r["rep"], r["kind"]): (r["attainment"], r["coverage"]) for r in rows}
    assert by_row["Ana", "rep"] == ("2", "") and by_row["Ana", "team"] == ("0.08", "0.437")


def test_forecast_bad_input(cli):
    _team(cli)
    for args, code, text in [
        (["--method", "guess"], 2, "--method 'guess' is not one of"),
        (["--by", "week"], 2, "--by 'week' is not one of"),
        (["--rep", "Nobody"], 3, "rep 'Nobody' not found"),
        (["--team", "Nobody"], 3, "team 'Nobody' not found"),
        (["--rep", "Bob", "--team", "Ana"], 2, "exclude each other"),
        (["--period", "soon"], 2, "period 'soon'"),
        (["--by", "stage", "--method", "historical"], 2, "use it with --by rep"),
        (["--lookback", "ever", "--method", "historical"], 2, "--lookback 'ever'"),
    ]:
        result = cli("forecast", *args)
        assert result.code == code, (args, result.err)
        assert text in result.err and len(result.err.strip().splitlines()) == 1, result.err
    empty = cli.json("forecast")
    assert _pick(empty["total"]) == _figures(0, 0, 0, 0, 0)


def test_forecast_adjust(cli):
    ids = _scenario(cli)
    for category in ("closed", "pipeline"):
        refused = cli("forecast", "adjust", "--rep", "Bob", "--category", category, "--amount", "1")
        assert refused.code == 2 and "cannot be adjusted" in refused.err
    assert cli("forecast", "adjust", "--rep", "Zed", "--category", "commit", "--amount", "1").code == 3  # fmt: skip
    cli.ok("forecast", "adjust", "--rep", "Bob", "--category", "commit", "--amount", "9000")
    record = cli.json(
        "forecast", "adjust", "--rep", "Bob", "--period", Q4, "--category", "commit",
        "--amount", "8,000", "--note", "Acme slips", env={"SALESCLI_REP": "Ana"},
    )  # fmt: skip
    assert {k: record[k] for k in ("rep", "period", "category", "amount", "currency", "note", "adjusted_by")} == {  # fmt: skip
        "rep": "Bob", "period": Q4, "category": "commit", "amount": 8000, "currency": "USD",
        "note": "Acme slips", "adjusted_by": "Ana",
    }  # fmt: skip
    assert cli.sql("SELECT count(*) FROM forecastadjustment") == [(2,)]  # every one kept
    result = cli.json("forecast")
    by = {(r["rep"], r["kind"]): r for r in result["rows"]}
    bob = by["Bob", "rep"]
    # Both shown; the latest adjustment counts, in the totals and every roll-up.
    assert (bob["commit_computed"], bob["commit_adjusted"], bob["commit"]) == (10000, 8000, 8000)
    assert (bob["best_case_computed"], bob["best_case_adjusted"]) == (4000, None)
    assert (bob["commit_total"], bob["pipeline_total"]) == (11000, 15000)
    assert bob["weighted"] == 12500  # the weighted figure is the deals', not a judgement
    assert by["Ana", "team"]["commit"] == 8000 and by["Ana", "team"]["adjusted_reps"] == ["Bob"]
    assert result["total"]["commit_total"] == 12000
    assert "adjusted figures (a manager's judgement) used in totals and roll-ups for: Bob" in result["notes"]  # fmt: skip
    table = cli.ok("forecast")
    assert "8,000.00*" in table.out
    assert "Bob: commit adjusted to 8,000.00 USD (computed 10,000.00) by Ana: Acme slips" in table.err  # fmt: skip
    # Another period is untouched.
    assert cli.json("forecast", "--period", "2027-Q1", "--rep", "Bob")["rows"][0].get("commit_adjusted") is None  # fmt: skip
    assert ids["Bob"]


def test_fiscal_quarters_and_period_boundary(cli):
    _team(cli)
    cli.ok("config", "set", "fiscal_year_start_month", "4")
    _deal(cli, "Dec 31", "Bob", "negotiation", "2026-12-31", "--amount", "100")
    _deal(cli, "Jan 1", "Bob", "negotiation", "2027-01-01", "--amount", "200")
    _deal(cli, "Mar 31", "Bob", "negotiation", "2027-03-31", "--amount", "400")
    _deal(cli, "Apr 1", "Bob", "negotiation", "2027-04-01", "--amount", "800")
    # SALESCLI_NOW on the first instant of fiscal Q4 2026 (January - March 2027).
    result = cli.json("forecast", env={"SALESCLI_NOW": "2027-01-01T00:00:00+00:00"})
    assert (result["period"], result["period_start"], result["period_end"]) == ("2026-Q4", "2027-01-01", "2027-04-01")  # fmt: skip
    assert result["total"]["commit"] == 600
    # A second before, this quarter is fiscal Q3 (October - December 2026).
    before = cli.json("forecast", env={"SALESCLI_NOW": "2026-12-31T23:59:59+00:00"})
    assert (before["period"], before["total"]["commit"]) == ("2026-Q3", 100)
    first = cli.json("forecast", "--period", "2027-Q1")
    assert (first["period_start"], first["total"]["commit"]) == ("2027-04-01", 800)


def _history(cli, owner: str, stage: str, won: bool, on: str = "2026-09-15") -> None:
    deal = _deal(cli, f"{owner} past", owner, stage, "2026-12-01", "--amount", "100", created=on)
    if won:
        cli.ok("deal", "win", str(deal), "--on", on)
    else:
        cli.ok("deal", "lose", str(deal), "--reason", "price", "--on", on)


def test_historical_rates_and_each_fallback(cli):
    _id(cli, "rep", "add", "Ana")
    _id(cli, "rep", "add", "Bob", "--manager", "Ana")
    _id(cli, "rep", "add", "Cid", "--manager", "Ana")
    _id(cli, "rep", "add", "Eve")
    for won in (True, True, False):
        _history(cli, "Bob", "proposal", won)
    _history(cli, "Cid", "proposal", True)
    _history(cli, "Eve", "qualification", False, on="2025-11-22")  # outside 12 months
    _deal(cli, "Bob p", "Bob", "proposal", "2026-12-10", "--amount", "3000")
    _deal(cli, "Bob n", "Bob", "negotiation", "2026-12-10", "--amount", "1000")
    _deal(cli, "Cid p", "Cid", "proposal", "2026-12-10", "--amount", "1000")
    _deal(cli, "Eve p", "Eve", "proposal", "2026-12-10", "--amount", "600")
    result = cli.json("forecast", "--method", "historical", "--min-deals", "2")
    by = {(r["rep"], r["kind"]): r for r in result["rows"]}
    # Bob: 2 of his 3 deals closed from proposal were won (own); negotiation has no history
    # anywhere: each deal keeps its probability (the stage default, 75 %).
    assert by["Bob", "rep"]["forecast"] == 2000 + 750
    assert by["Bob", "rep"]["rates"] == [
        {"stage": "negotiation", "rate": 0.75, "source": "stage default", "won": 0, "closed": 0},
        {"stage": "proposal", "rate": 0.6667, "source": "own", "won": 2, "closed": 3},
    ]
    # Cid: 1 closed < 2: his team's (Ana, Bob, Cid: 3 of 4).
    assert by["Cid", "rep"]["rates"] == [
        {"stage": "proposal", "rate": 0.75, "source": "team", "won": 3, "closed": 4}
    ]
    assert by["Cid", "rep"]["forecast"] == 750
    # Eve: no manager and nobody under her: everyone's (3 of 4).
    assert by["Eve", "rep"]["rates"][0]["source"] == "everyone"
    assert by["Eve", "rep"]["forecast"] == 450
    assert by["Ana", "team"]["forecast"] == 3500 and result["total"]["forecast"] == 3950
    assert "historical rates for Bob: negotiation 75.0% (stage default); proposal 66.7% (own, 2/3)" in result["notes"]  # fmt: skip
    # Too few closed deals anywhere, or none in the window: the stage default (= weighted).
    for args in (["--min-deals", "5"], ["--min-deals", "2", "--lookback", "30d"]):
        fallback = cli.json("forecast", "--method", "historical", *args)
        assert fallback["total"]["forecast"] == fallback["total"]["weighted"] == 1500 + 750 + 500 + 300  # fmt: skip
        assert {r["source"] for row in fallback["rows"] for r in row.get("rates", [])} == {"stage default"}  # fmt: skip


def test_monte_carlo_seeded_and_close_to_weighted(cli, tmp_path):
    _id(cli, "rep", "add", "Ana")
    lines = ["title,owner,stage,amount,close_date,probability"]
    stages = ["prospecting", "qualification", "proposal", "negotiation"]
    expected = 0
    for n in range(3000):
        amount = 1000 + (n * 37) % 9000
        probability = 5 + (n * 13) % 90
        expected += amount * probability
        lines.append(f"Deal {n},Ana,{stages[n % 4]},{amount},2026-12-{1 + n % 28:02d},{probability}")  # fmt: skip
    path = tmp_path / "deals.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli.ok("deal", "import", str(path))
    args = ("forecast", "--method", "monte-carlo", "--seed", "7")
    first, again = cli.json(*args), cli.json(*args)
    assert first == again
    other = cli.json("forecast", "--method", "monte-carlo", "--seed", "8")
    assert other["total"]["p50"] != first["total"]["p50"]
    total = first["total"]
    assert total["weighted"] == expected / 100
    assert abs(total["mean"] - total["weighted"]) / total["weighted"] < 0.01
    assert total["p10"] < total["p50"] < total["p90"]
    assert total["forecast"] == total["p50"] and total["quota_chance"] is None
    assert (first["runs"], first["seed"]) == (10000, 7)
    _quota(cli, "rep", 1, int(total["p50"] * 100))
    with_quota = cli.json(*args)["total"]
    # At least half the runs reach the median; the chance of the P90 is about 10 %.
    assert 0.5 <= with_quota["quota_chance"] <= 0.51


def test_snapshot_then_accuracy_later(cli):
    ids = _team(cli)
    a = _deal(cli, "Bob big", "Bob", "negotiation", "2026-12-10", "--amount", "10000")
    _deal(cli, "Bob small", "Bob", "proposal", "2026-12-10", "--amount", "2000")
    c = _deal(cli, "Cid", "Cid", "qualification", "2026-12-10", "--amount", "5000")
    assert cli("forecast", "snapshot").code == 0
    stored = cli.sql("SELECT method, rep_id, forecast_minor FROM forecastsnapshot ORDER BY method, rep_id")  # fmt: skip
    weighted = {rep: minor for method, rep, minor in stored if method == "weighted"}
    assert weighted == {
        ids["Maria"]: 0, ids["Ana"]: 0, ids["Dee"]: 0, ids["Bob"]: 850000,
        ids["Cid"]: 100000, None: 950000,
    }  # fmt: skip
    category = {rep: minor for method, rep, minor in stored if method == "category"}
    assert (category[ids["Bob"]], category[None]) == (1000000, 1000000)
    assert {m for m, _, _ in stored} == {"weighted", "category", "historical", "monte-carlo"}
    figures = json.loads(cli.sql("SELECT figures FROM forecastsnapshot WHERE method = 'weighted' AND rep_id IS NULL")[0][0])  # fmt: skip
    assert figures["pipeline_total"] == 17000
    later = {"SALESCLI_NOW": "2027-01-05T09:00:00+00:00"}
    cli.ok("deal", "win", str(a), "--on", "2026-12-15", env=later)
    cli.ok("deal", "win", str(c), "--on", "2026-12-20", env=later)
    rows = cli.json("forecast", "accuracy", "--period", Q4, env=later)
    found = {(r["method"], r["rep"]): r for r in rows}
    bob = found["weighted", "Bob"]
    assert (bob["forecast"], bob["actual"], bob["error"], bob["ape"]) == (8500, 10000, -1500, 0.15)
    cid = found["weighted", "Cid"]
    assert (cid["forecast"], cid["actual"], cid["error"], cid["ape"]) == (1000, 5000, -4000, 0.8)
    everyone = found["weighted", "(everyone)"]
    assert (everyone["forecast"], everyone["actual"], everyone["error"]) == (9500, 15000, -5500)
    assert everyone["ape"] == round(5500 / 15000, 4) and everyone["complete"] is True
    assert found["category", "(everyone)"]["error"] == -5000
    maria = found["weighted", "Maria"]
    assert (maria["actual"], maria["ape"]) == (0, None)  # no division by zero
    assert len(rows) == 4 * 6
    assert cli.json("forecast", "accuracy", "--period", "2027-Q1", env=later) == []


@pytest.mark.skipif(not MAVEN.exists(), reason="the Maven data set is not here")
def test_backtest_on_maven_rebuilds_the_pipeline_from_stage_history(imported):  # noqa: F811
    """The open pipeline at the start of each month of 2017, rebuilt from stage history,
    equals a count straight from the CSV: engaged before that day, closed on or after it."""
    import datetime as dt
    from decimal import Decimal

    from tests.cli.test_maven import read

    cli, _ = imported  # tests/cli/test_maven.py's fixture: examples/import-maven.sh
    deals = read("sales_pipeline.csv")
    result = cli.json(
        "forecast", "backtest", "--from", "2017-01", "--to", "2017-12", "--by", "month",
        "--method", "weighted",
    )  # fmt: skip
    assert [r["period"] for r in result["rows"]] == [f"2017-{m:02d}" for m in range(1, 13)]
    for row in result["rows"]:
        day = dt.date.fromisoformat(row["period_start"])
        end = (day + dt.timedelta(days=32)).replace(day=1)
        pipeline = [
            d for d in deals
            if d["engage_date"] and dt.date.fromisoformat(d["engage_date"]) < day
            and (not d["close_date"] or dt.date.fromisoformat(d["close_date"]) >= day)
        ]  # fmt: skip
        assert row["pipeline_deals"] == len(pipeline), row["period"]
        assert row["unknown_amount"] == sum(1 for d in pipeline if not d["close_value"])
        amount = sum((Decimal(d["close_value"]) for d in pipeline if d["close_value"]), Decimal(0))
        assert Decimal(str(row["pipeline"])) == amount
        won = sum(
            (Decimal(d["close_value"]) for d in deals
             if d["deal_stage"] == "Won" and day <= dt.date.fromisoformat(d["close_date"]) < end),
            Decimal(0),
        )  # fmt: skip
        assert Decimal(str(row["actual"])) == won
        assert Decimal(str(row["error"])) == Decimal(str(row["forecast"])) - won
    assert result["methods"][0]["method"] == "weighted"
    every = cli.json("forecast", "backtest", "--from", "2017-06", "--to", "2017-06")
    assert [r["method"] for r in every["rows"]] == ["weighted", "category", "historical", "monte-carlo"]  # fmt: skip
    june = next(r for r in result["rows"] if r["period"] == "2017-06")
    assert every["rows"][0]["forecast"] == june["forecast"]
    assert cli("forecast", "backtest", "--from", "2017-06", "--to", "2017-01").code == 2


def test_forecast_chart_a_stacked_bar_per_rep_with_the_quota_marked(cli, monkeypatch):
    from rich.cells import cell_len

    from salescli import render

    _scenario(cli)
    piped = cli.ok("forecast", "--chart")
    assert piped.err.strip().endswith("(chart left out: stdout is not a terminal)")
    assert "┤" not in piped.out
    assert cli("forecast", "--chart", "--format", "json").code == 2
    by_stage = cli("forecast", "--chart", "--by", "stage")
    assert by_stage.code == 2 and "--by rep" in by_stage.err

    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    out = cli.ok("forecast", "--chart", env={"COLUMNS": "80"}).out
    chart = out[out.index("Forecast 2026-Q4 per rep (USD)") :].splitlines()
    assert "\x1b[" not in out  # no colour off a real terminal
    assert all(cell_len(line) <= 80 for line in chart)
    assert "█ closed  ▓ commit  ▒ best case  ░ pipeline  ┃ quota" in chart[1]
    bars = {line.split("┤")[0].strip(): line.split("┤")[1] for line in chart if "┤" in line}
    assert list(bars) == ["Maria", "Ana", "Bob", "Cid", "Dee"]  # reps only, the table's order
    # Bob's quota (20,000) is the axis's end: the scale of every bar. Bob: 3,000 closed,
    # 10,000 commit, 4,000 best case; a part covers the cells up to where it ends, give or
    # take the cell the next part starts in.
    cells = bars["Bob"].index("┃") / 20000

    def close(count: int, amount: float) -> bool:
        return abs(count - amount * cells) <= 1.5

    bob = bars["Bob"]
    assert close(bob.count("█"), 3000) and close(bob.count("▓"), 10000)
    assert close(bob.count("▒"), 4000) and "░" not in bob
    assert close(bars["Cid"].count("▒"), 1100) and close(bars["Cid"].count("░"), 5000)
    assert "┃" not in bars["Cid"] and "█" not in bars["Cid"]  # no quota, nothing won
    assert close(bars["Dee"].index("┃"), 10000) and close(bars["Dee"].count("▒"), 2000)
    assert bars["Ana"].index("┃") < bars["Ana"].count("█") + 1  # 1,000 won beats 500
    assert bars["Maria"].strip(" │") == ""  # nothing at all: no bar, no mark
    ticks = [line for line in chart if line.strip()][-1].split()
    assert ticks == ["0", "5k", "10k", "15k", "20k"]
