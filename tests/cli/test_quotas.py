"""Quotas: set/replace/list/delete, import (the real AdventureWorks quota history), and
progress (team quota vs sum of reps, fiscal quarters, prorate, combined months, pace on and
off boundaries, a second currency, working days). Every figure is worked out here."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from tests.conftest import DATASETS

AW = DATASETS / "adventureworks-sales-quotas"
Q4 = (dt.date(2026, 10, 1), dt.date(2027, 1, 1))


def _rate(numerator: Decimal, denominator: Decimal) -> float:
    return float((numerator / denominator).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def _working_days(first: dt.date, end: dt.date, weekdays=(0, 1, 2, 3, 4)) -> int:
    return sum(
        (first + dt.timedelta(days=i)).weekday() in weekdays for i in range((end - first).days)
    )


def _team(cli) -> None:
    """Maria Lopez > Ana Souza > Bo Chen; Maria Lopez > Cy Diaz."""
    cli.ok("rep", "add", "Maria Lopez")
    cli.ok("rep", "add", "Ana Souza", "--manager", "Maria Lopez")
    cli.ok("rep", "add", "Bo Chen", "--manager", "Ana Souza")
    cli.ok("rep", "add", "Cy Diaz", "--manager", "Maria Lopez")


def _won(cli, owner: str, amount: str, on: str, *extra: str) -> None:
    day = {"SALESCLI_NOW": f"{on}T08:00:00+00:00"}  # created the day it was won
    deal = cli.ok("deal", "add", f"{owner} {amount} {on}", "--owner", owner, "--amount", amount, *extra, env=day).out.strip()  # fmt: skip
    cli.ok("deal", "win", deal, "--on", on)


# ---------------------------------------------------------------------------- set / list / delete


def test_set_replace_list_delete(cli):
    _team(cli)
    first = int(cli.ok("quota", "set", "Ana Souza", "50000", "--period", "2026-Q4").out)
    again = cli.ok("quota", "set", "ana souza", "60,000", "--period", "2026-10-01..2026-12-31")
    assert again.out == ""
    assert f"Replaced quota {first} for Ana Souza, 2026-Q4 revenue: 60,000.00 USD" in again.err
    assert cli.sql("SELECT scope, target, currency, period FROM quota") == [
        ("rep", 6_000_000, "USD", "2026-Q4")
    ]
    team = cli.json("quota", "set", "--team", "Maria Lopez", "150000", "--period", "2026-Q4")
    assert team == {
        "id": first + 1,
        "scope": "team",
        "rep": "Maria Lopez",
        "rep_id": team["rep_id"],
        "metric": "revenue",
        "period": "2026-Q4",
        "first_day": "2026-10-01",
        "last_day": "2026-12-31",
        "target": 150000,
        "currency": "USD",
        "created_at": "2026-11-23T09:00:00+00:00",
        "updated_at": "2026-11-23T09:00:00+00:00",
    }
    cli.ok("quota", "set", "Bo Chen", "12", "--period", "2026-11", "--metric", "deals")
    cli.ok("quota", "set", "Cy Diaz", "USD 7,500.50", "--period", "2027-01")

    # bad input: one line, the SPEC's exit codes, nothing written
    for args, code, text in [
        (("Bo Chen", "EUR 5000", "--period", "2026-Q4"), 1, "not in the reporting currency USD"),
        (("Bo Chen", "1.5k", "--period", "2026-Q4"), 1, "is not an amount"),
        (("Bo Chen", "0", "--period", "2026-Q4"), 1, "must be more than 0"),
        (("Bo Chen", "1.5", "--period", "2026-Q4", "--metric", "deals"), 1, "whole number"),
        (("Bo Chen", "5", "--period", "2026-Q4", "--metric", "calls"), 2, "metric 'calls'"),
        (("Bo Chen", "5", "--period", "soon"), 2, "period 'soon'"),
        (("Nobody", "5", "--period", "2026-Q4"), 3, "rep 'Nobody' not found"),
        (("Bo Chen", "5", "--team", "Ana Souza", "--period", "2026-Q4"), 2, "takes AMOUNT"),
        (("5", "--period", "2026-Q4"), 2, "takes REP AMOUNT"),
    ]:
        result = cli("quota", "set", *args)
        assert result.code == code, (args, result.err)
        assert text in result.err and result.err.count("\n") == 1
        assert "Traceback" not in result.err
    assert cli.sql("SELECT count(*) FROM quota") == [(4,)]

    listed = cli.json("quota", "list")
    assert [(q["rep"], q["scope"], q["metric"], q["period"], q["target"]) for q in listed] == [
        ("Ana Souza", "rep", "revenue", "2026-Q4", 60000),
        ("Maria Lopez", "team", "revenue", "2026-Q4", 150000),
        ("Bo Chen", "rep", "deals", "2026-11", 12),
        ("Cy Diaz", "rep", "revenue", "2027-01", 7500.5),
    ]
    assert [q["period"] for q in cli.json("quota", "list", "--period", "2026-11")] == [
        "2026-Q4", "2026-Q4", "2026-11"
    ]  # fmt: skip
    assert [q["rep"] for q in cli.json("quota", "list", "--rep", "Bo Chen")] == ["Bo Chen"]
    assert [q["rep"] for q in cli.json("quota", "list", "--team", "Ana Souza")] == [
        "Ana Souza", "Bo Chen"
    ]  # fmt: skip
    assert [q["rep"] for q in cli.json("quota", "list", "--team", "Maria Lopez")] == [
        "Ana Souza", "Maria Lopez", "Bo Chen", "Cy Diaz"
    ]  # fmt: skip
    assert [q["metric"] for q in cli.json("quota", "list", "--metric", "deals")] == ["deals"]
    nowhere = cli("quota", "list", "--team", "West")
    assert nowhere.code == 3 and "a quota team is a manager and everyone under them" in nowhere.err
    assert cli("quota", "set", "--team", "West", "5", "--period", "2026-Q4").code == 3
    assert cli("quota", "list", "--team", "me").code == 3  # me is not set
    csv_out = cli.ok("quota", "list", "--format", "csv", "--metric", "deals").out.splitlines()
    assert csv_out[0] == "id,scope,rep,metric,period,first_day,last_day,target,currency"
    assert csv_out[1] == f"{first + 2},rep,Bo Chen,deals,2026-11,2026-11-01,2026-11-30,12,"

    refused = cli("quota", "delete", str(first))
    assert refused.code == 4 and "--yes" in refused.err
    gone = cli.json("quota", "delete", str(first), "--yes")
    assert gone["id"] == first and gone["target"] == 60000
    assert cli.sql("SELECT count(*) FROM quota WHERE id = :i", i=first) == [(0,)]
    assert cli("quota", "delete", str(first), "--yes").code == 3
    assert cli("quota", "delete", "abc", "--yes").code == 2


# ---------------------------------------------------------------------------- progress


def _q4_scenario(cli) -> None:
    _team(cli)
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-01")
    cli.ok("quota", "set", "Bo Chen", "40000", "--period", "2026-Q4")
    cli.ok("quota", "set", "Cy Diaz", "30000", "--period", "2026-Q4")
    cli.ok("quota", "set", "Ana Souza", "20000", "--period", "2026-Q4")
    cli.ok("quota", "set", "--team", "Maria Lopez", "100000", "--period", "2026-Q4")
    _won(cli, "Bo Chen", "10000", "2026-11-02")
    _won(cli, "Bo Chen", "5000", "2026-09-30")  # before the quarter
    _won(cli, "Cy Diaz", "12000", "2026-10-15")
    _won(cli, "Ana Souza", "1000", "2026-11-10", "--currency", "EUR")  # 1,100 USD at 1.10
    cli.ok("deal", "add", "Cy open", "--owner", "Cy Diaz", "--amount", "50000")  # open: not actual
    lost = cli.ok("deal", "add", "Bo lost", "--owner", "Bo Chen", "--amount", "7000").out.strip()
    cli.ok("deal", "lose", lost, "--reason", "price")


def test_progress_teams_reps_pace_currency(cli):
    _q4_scenario(cli)
    rows = cli.json("quota", "progress", "--period", "2026-Q4")
    today = dt.date(2026, 11, 23)
    elapsed = Decimal((today - Q4[0]).days + 1) / Decimal((Q4[1] - Q4[0]).days)  # 54/92
    left = _working_days(today + dt.timedelta(days=1), Q4[1])
    assert left == 28
    expected = {
        # (team?, name): (target, actual, source)
        (True, "Ana Souza"): (Decimal(60000), Decimal(11100), "sum of reps"),  # 20,000 + 40,000
        (True, "Maria Lopez"): (Decimal(100000), Decimal(23100), "set"),
        (False, "Ana Souza"): (Decimal(20000), Decimal(1100), "set"),
        (False, "Bo Chen"): (Decimal(40000), Decimal(10000), "set"),
        (False, "Cy Diaz"): (Decimal(30000), Decimal(12000), "set"),
    }
    assert [(r["team"] is not None, r["rep"]) for r in rows] == list(expected)
    for row in rows:
        target, actual, source = expected[(row["team"] is not None, row["rep"])]
        needed = max(target - actual, Decimal(0))
        assert row == {
            "rep": row["rep"],
            "rep_id": row["rep_id"],
            "team": row["rep"] if row["team"] else None,
            "metric": "revenue",
            "period": "2026-Q4",
            "target": float(target),
            "actual": float(actual),
            "attainment": _rate(actual, target),
            "pace": _rate(actual, target * elapsed),
            "needed": float(needed),
            "working_days_left": 28,
            "per_working_day": _cents(needed / 28),
            "currency": "USD",
            "source": source,
            "note": None,
        }, row["rep"]
    bo = next(r for r in rows if r["rep"] == "Bo Chen")
    assert (bo["attainment"], bo["pace"], bo["per_working_day"]) == (0.25, 0.4259, 1071.43)

    team = cli.json("quota", "progress", "--period", "2026-Q4", "--team", "Ana Souza")
    assert [(r["team"], r["rep"], r["actual"]) for r in team] == [
        ("Ana Souza", "Ana Souza", 11100), (None, "Ana Souza", 1100), (None, "Bo Chen", 10000)
    ]  # fmt: skip
    one = cli.json("quota", "progress", "--period", "this-quarter", "--rep", "Cy Diaz")
    assert [(r["rep"], r["actual"], r["target"]) for r in one] == [("Cy Diaz", 12000, 30000)]
    table = cli.ok("quota", "progress", "--period", "2026-Q4", "--rep", "Bo Chen")
    assert "25.0%" in table.out and "42.6%" in table.out and "1,071.43" in table.out
    assert "28 working day(s) left" in table.err
    chart = cli.ok("quota", "progress", "--period", "2026-Q4", "--chart")
    assert "chart left out" in chart.err
    assert cli("quota", "progress", "--chart", "--format", "json").code == 2
    assert cli("quota", "progress", "--rep", "Bo Chen", "--team", "Ana Souza").code == 2
    assert cli("quota", "progress", "--rep", "Nobody").code == 3


def test_progress_without_quota_combined_and_prorated(cli):
    _q4_scenario(cli)
    nov = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen")
    assert nov[0]["target"] is None and nov[0]["attainment"] is None and nov[0]["pace"] is None
    assert nov[0]["actual"] == 10000
    assert nov[0]["note"] == "no quota covers 2026-11 (--prorate to use a longer period's quota)"
    pro = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen", "--prorate")
    target = Decimal(40000) * 30 / 92  # 13,043.48
    elapsed = Decimal(23) / 30
    left = _working_days(dt.date(2026, 11, 24), dt.date(2026, 12, 1))  # 5
    assert (pro[0]["source"], pro[0]["target"]) == ("prorated", _cents(target))
    assert pro[0]["attainment"] == _rate(Decimal(10000), Decimal("13043.48"))
    assert pro[0]["pace"] == _rate(Decimal(10000), Decimal("13043.48") * elapsed)
    assert pro[0]["needed"] == _cents(Decimal("13043.48") - 10000)
    assert pro[0]["per_working_day"] == _cents((Decimal("13043.48") - 10000) / left)

    # a won deal with an unknown amount is counted in the note, never summed as zero
    unknown = cli.ok("deal", "add", "No amount", "--owner", "Bo Chen", env={"SALESCLI_NOW": "2026-11-05T08:00:00+00:00"}).out.strip()  # fmt: skip
    cli.ok("deal", "win", unknown, "--on", "2026-11-05")
    pro = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen", "--prorate")
    assert pro[0]["actual"] == 10000
    assert pro[0]["note"] == "1 won deal(s) with an unknown amount not summed"
    team = cli.json("quota", "progress", "--period", "2026-Q4", "--team", "Ana Souza")
    assert team[0]["actual"] == 11100 and team[0]["note"] == pro[0]["note"]
    deals = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen", "--metric", "deals")  # fmt: skip
    assert deals[0]["actual"] == 2  # counted as a won deal

    # a year's quota as well: November still takes the shortest period holding it (Q4)
    cli.ok("quota", "set", "Bo Chen", "365000", "--period", "2026")
    both = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen", "--prorate")
    assert both[0]["target"] == _cents(target)
    week = cli.json("quota", "progress", "--period", "2026-W02", "--rep", "Bo Chen", "--prorate")
    assert (week[0]["period"], week[0]["target"]) == ("2026-W02", 7000)  # 365,000 x 7/365
    # 2026-W01 starts on Monday 2025-12-29: partly in 2025, so no 2026 quota holds it
    w01 = cli.json("quota", "progress", "--period", "2026-W01", "--rep", "Bo Chen", "--prorate")
    assert w01[0]["target"] is None and w01[0]["note"] == "no quota covers 2026-W01"

    # three monthly quotas make the quarter's (deals: won count)
    for month, count in (("2026-10", "3"), ("2026-11", "4"), ("2026-12", "5")):
        cli.ok("quota", "set", "Cy Diaz", count, "--period", month, "--metric", "deals")
    combined = cli.json("quota", "progress", "--period", "2026-Q4", "--rep", "Cy Diaz", "--metric", "deals")  # fmt: skip
    assert combined[0] == {
        **combined[0],
        "target": 12,
        "actual": 1,
        "source": "combined",
        "attainment": _rate(Decimal(1), Decimal(12)),
        "needed": 11,
        "per_working_day": float((Decimal(11) / 28).quantize(Decimal("0.01"))),
        "currency": None,
    }
    # the team row sums its reps' combined quotas: Cy's 12 only (nobody else has deals quotas)
    maria = cli.json("quota", "progress", "--period", "2026-Q4", "--team", "Maria Lopez", "--metric", "deals")  # fmt: skip
    teams = [(r["rep"], r["target"], r["actual"], r["source"]) for r in maria if r["team"]]
    assert teams == [
        ("Ana Souza", None, 3, None),  # Ana 1 + Bo 2 won in Q4; no deals quota under Ana
        ("Maria Lopez", 12, 4, "sum of reps"),  # + Cy 1
    ]


def test_progress_with_no_reps(cli):
    empty = cli.ok("quota", "progress")
    assert empty.err == "Quota progress, revenue, 2026-Q4\n"
    assert empty.out.splitlines() == [
        "rep / team\ttarget\tactual\tattain\tpace\tneeded\tper day\tquota"
    ]
    assert cli.json("quota", "progress") == []


def test_pace_on_boundaries(cli):
    _team(cli)
    cli.ok("quota", "set", "Bo Chen", "9200", "--period", "2026-Q4")
    first = {"SALESCLI_NOW": "2026-10-01T12:00:00+00:00"}
    deal = cli.ok("deal", "add", "First day", "--owner", "Bo Chen", "--amount", "4600", env=first).out.strip()  # fmt: skip
    cli.ok("deal", "win", deal, "--on", "2026-10-01", env=first)

    def bo(now: str) -> dict:
        rows = cli.json("quota", "progress", "--period", "2026-Q4", "--rep", "Bo Chen", env={"SALESCLI_NOW": now})  # fmt: skip
        return rows[0]

    before = bo("2026-09-30T12:00:00+00:00")  # the quarter has not begun: no pace
    assert (before["pace"], before["attainment"]) == (None, 0.5)
    assert before["working_days_left"] == _working_days(*Q4) == 66
    assert before["per_working_day"] == _cents(Decimal(4600) / 66)
    first = bo("2026-10-01T00:00:00+00:00")  # day 1 of 92 counts as gone
    assert first["pace"] == _rate(Decimal(4600), Decimal(9200) / 92)  # 46.0
    assert first["working_days_left"] == 65
    last = bo("2026-12-31T23:00:00+00:00")
    assert (last["pace"], last["working_days_left"], last["per_working_day"]) == (0.5, 0, None)
    assert last["note"] == "no working day left"
    after = bo("2027-01-02T00:00:00+00:00")
    assert (after["pace"], after["needed"], after["working_days_left"]) == (0.5, 4600, 0)


def test_fiscal_quarters(cli):
    _team(cli)
    cli.ok("config", "set", "fiscal_year_start_month", "4")
    q3 = cli.json("quota", "set", "Bo Chen", "9000", "--period", "2026-Q3")
    assert (q3["first_day"], q3["last_day"]) == ("2026-10-01", "2026-12-31")
    q1 = cli.json("quota", "set", "Bo Chen", "7000", "--period", "2026-Q1")
    assert (q1["first_day"], q1["last_day"]) == ("2026-04-01", "2026-06-30")
    _won(cli, "Bo Chen", "3000", "2026-11-02")
    _won(cli, "Bo Chen", "1000", "2026-06-30")
    now = cli.json("quota", "progress", "--rep", "Bo Chen")  # this-quarter: fiscal 2026-Q3
    assert [(r["period"], r["target"], r["actual"], r["source"]) for r in now] == [
        ("2026-Q3", 9000, 3000, "set")
    ]
    year = cli.json(
        "quota", "progress", "--rep", "Bo Chen", "--period", "2026"
    )  # Apr 2026-Mar 2027
    assert year[0]["target"] is None and year[0]["actual"] == 4000
    assert "no quota covers 2026" in year[0]["note"]


def test_leads_activities_local_days_and_working_days(cli):
    _team(cli)
    cli.ok("config", "set", "timezone", "America/New_York")
    cli.ok("quota", "set", "Bo Chen", "3", "--period", "2026-11", "--metric", "leads")
    cli.ok("quota", "set", "Bo Chen", "4", "--period", "2026-11", "--metric", "activities")
    # 02:00 UTC on 1 November is still 31 October in New York: October's lead
    for name, at in (("Early", "2026-11-01T02:00:00+00:00"), ("In", "2026-11-01T05:00:00+00:00"), ("Late", "2026-11-20T15:00:00+00:00")):  # fmt: skip
        cli.ok("lead", "add", name, "--owner", "Bo Chen", env={"SALESCLI_NOW": at})
    contact = cli.ok("contact", "add", "Ana Client").out.strip()
    for at in ("2026-10-31T23:30", "2026-11-02T10:00", "2026-11-20T10:00"):
        cli.ok("log", "call", "--contact", contact, "--rep", "Bo Chen", "--at", at, "Called")
    leads = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen", "--metric", "leads")  # fmt: skip
    assert (leads[0]["actual"], leads[0]["target"], leads[0]["needed"]) == (2, 3, 1)
    days_left = _working_days(dt.date(2026, 11, 24), dt.date(2026, 12, 1))
    assert leads[0]["working_days_left"] == days_left == 5
    assert leads[0]["per_working_day"] == 0.2
    acts = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen", "--metric", "activities")  # fmt: skip
    assert (acts[0]["actual"], acts[0]["attainment"], acts[0]["needed"]) == (2, 0.5, 2)

    cli.ok("config", "set", "quota.working_days", "mon,tue,wed,thu,fri,sat")
    six = _working_days(dt.date(2026, 11, 24), dt.date(2026, 12, 1), (0, 1, 2, 3, 4, 5))
    acts = cli.json("quota", "progress", "--period", "2026-11", "--rep", "Bo Chen", "--metric", "activities")  # fmt: skip
    assert acts[0]["working_days_left"] == six == 6
    assert acts[0]["per_working_day"] == float((Decimal(2) / 6).quantize(Decimal("0.01")))
    bad = cli("config", "set", "quota.working_days", "mon,funday")
    assert bad.code == 1 and "funday" in bad.err


# ---------------------------------------------------------------------------- import


def test_import_small_file_rules(cli, tmp_path):
    _team(cli)
    good = tmp_path / "q.csv"
    good.write_text(
        "rep,team,amount,metric,period,start\n"
        "Bo Chen,,40000,,2026-Q4,\n"
        ",Ana Souza,70000,revenue,2026-Q4,\n"
        "Cy Diaz,,5,deals,,2026-11-17\n",
        encoding="utf-8",
    )
    no_length = cli("quota", "import", str(good))
    assert no_length.code == 1 and "--period-length" in no_length.err
    assert cli.sql("SELECT count(*) FROM quota") == [(0,)]
    dry = cli.ok("quota", "import", str(good), "--period-length", "month", "--dry-run")
    assert "Dry run: 3 quotas would be imported" in dry.err
    assert cli.sql("SELECT count(*) FROM quota") == [(0,)]
    cli.ok("quota", "import", str(good), "--period-length", "month")
    assert sorted(cli.sql("SELECT scope, metric, period, target, currency FROM quota")) == [
        ("rep", "deals", "2026-11", 5, None),
        ("rep", "revenue", "2026-Q4", 4_000_000, "USD"),
        ("team", "revenue", "2026-Q4", 7_000_000, "USD"),
    ]
    twice = cli("quota", "import", str(good), "--period-length", "month")
    assert twice.code == 1 and "--again" in twice.err
    again = cli("quota", "import", str(good), "--period-length", "month", "--again")
    assert again.code == 1 and "duplicate of quota" in again.err
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "rep,team,amount,period\nBo Chen,Ana Souza,1,2026-Q1\nNobody,,1,2026-Q1\n"
        "Bo Chen,,EUR 5,2026-Q1\nBo Chen,,100,2026-Q1\nBo Chen,,100,2026-Q1\n",
        encoding="utf-8",
    )
    result = cli("quota", "import", str(bad), "--skip-invalid")
    assert result.code == 1
    assert cli.sql("SELECT count(*) FROM quota WHERE period = '2026-Q1'") == [(1,)]
    rejects = (tmp_path / "bad.csv.rejects.csv").read_text(encoding="utf-8")
    assert "exactly one of rep" in rejects and "is not a rep" in rejects
    assert "reporting currency" in rejects and "duplicate of line 5" in rejects
    assert cli("quota", "import", str(good), "--period-length", "fortnight").code == 2


def test_import_adventureworks_quota_history(cli):
    staff = str(AW / "sales_staff.csv")
    history = AW / "quota_history.csv"
    cli.ok("rep", "import", staff, "--map", "login_id=name", "--map", "manager_login_id=manager")
    result = cli.ok(
        "quota", "import", str(history), "--map", "login_id=rep", "--map",
        "quota_date=period_start", "--map", "sales_quota=amount", "--period-length", "quarter",
    )  # fmt: skip
    assert "Imported 163 quotas" in result.err
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    with history.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["quota_date"])
            expected[(row["login_id"], f"{day.year}-Q{(day.month - 1) // 3 + 1}")] += Decimal(
                row["sales_quota"]
            )
    listed = cli.json("quota", "list")
    got: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for quota in listed:
        assert (quota["scope"], quota["metric"], quota["currency"]) == ("rep", "revenue", "USD")
        got[(quota["rep"], quota["period"])] += Decimal(str(quota["target"]))
    assert len(listed) == 163 and got == expected
    assert sum(got.values()) == sum(expected.values())
    # a manager's team (sum of reps) for one quarter, straight from the file
    stephen = {
        r["login_id"]
        for r in csv.DictReader((AW / "sales_staff.csv").open(encoding="utf-8", newline=""))
        if r["manager_login_id"] == "adventure-works\\stephen0"
    } | {"adventure-works\\stephen0"}
    team = cli.json("quota", "progress", "--period", "2013-Q3", "--team", "adventure-works\\stephen0")  # fmt: skip
    assert team[0]["source"] == "sum of reps"
    assert Decimal(str(team[0]["target"])) == sum(
        expected.get((login, "2013-Q3"), Decimal(0)) for login in stephen
    )


def test_quota_for_preloaded_agrees_with_queries(cli, db_url):
    """The rule read per rep (the forecast's way) and preloaded (quota progress) agree."""
    from salescli import dates
    from salescli.cli.common import State
    from salescli.services.quotas.targets import preload, quota_for

    _q4_scenario(cli)
    for month, amount in (("2026-10", "1000"), ("2026-11", "2000"), ("2026-12", "3000")):
        cli.ok("quota", "set", "Cy Diaz", amount, "--period", month)
    cli.ok("quota", "set", "--team", "Ana Souza", "9", "--period", "2026", "--metric", "deals")
    with State(db_url).connection() as conn:
        reps = [int(r) for (r,) in cli.sql("SELECT id FROM rep")]
        for label in ("2026-Q4", "2026-11", "2026-W47", "2026", "2026-10-05..2026-10-20"):
            period = dates.parse_period(label, today=dt.date(2026, 11, 23))
            for metric in ("revenue", "deals"):
                known = preload(conn, metric, period)
                for rep in reps:
                    for team in (False, True):
                        for prorate in (False, True):
                            args = dict(rep_id=rep, period=period, team=team, metric=metric, prorate=prorate)  # fmt: skip
                            assert quota_for(conn, **args) == quota_for(
                                conn, **args, preloaded=known
                            )


def test_progress_chart_one_labelled_bar_per_row_at_80_and_40_columns(cli, monkeypatch):
    from rich.cells import cell_len

    from salescli import render

    cli.ok("rep", "add", "Maria Lopez")
    for name in ("黄婷婷", "李宇", "Варвара Блинова"):
        cli.ok("rep", "add", name, "--manager", "Maria Lopez")
    cli.ok("quota", "set", "--team", "Maria Lopez", "100000", "--period", "2026-Q4")
    cli.ok("quota", "set", "黄婷婷", "40000", "--period", "2026-Q4")
    cli.ok("quota", "set", "李宇", "20000", "--period", "2026-Q4")
    cli.ok("quota", "set", "Варвара Блинова", "40000", "--period", "2026-Q4")
    _won(cli, "黄婷婷", "20000", "2026-11-02")
    _won(cli, "李宇", "30000", "2026-10-15")  # over target; Варвара Блинова won nothing
    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    table = ["team Maria Lopez", "Варвара Блинова", "李宇", "黄婷婷"]  # the table's labels
    assert [r["rep"] for r in cli.json("quota", "progress")] == ["Maria Lopez", *table[1:]]
    for width in (80, 40):
        out = cli.ok("quota", "progress", "--chart", env={"COLUMNS": str(width)}).out
        chart = out[out.index("revenue: actual vs target") :].splitlines()
        assert all(cell_len(line) <= width for line in chart)
        assert chart[1].strip() == "█ actual  ┃ target"
        rows = [line for line in chart if "┤" in line]
        # Every row of the table has its own labelled line, in the table's order (a name cut
        # with … only where it would crowd out the bars), the axis in one column.
        labels = [line.split("┤")[0].strip() for line in rows]
        assert [label.rstrip("…") for label in labels] == [
            name if cell_len(name) <= width - 30 else name[: len(label) - 1]
            for name, label in zip(table, labels, strict=True)
        ]
        assert len({cell_len(line.split("┤")[0]) for line in rows}) == 1
        # No bar or mark on a line without a label (under the title and legend).
        assert [
            line for line in chart[2:] if ("█" in line or "┃" in line) and "┤" not in line
        ] == []
        bars = dict(zip(table, (line.split("┤")[1] for line in rows), strict=True))
        cells = bars["team Maria Lopez"].index("┃") / 100000  # the team's target: the axis end

        def close(count: int, amount: float, cells: float = cells) -> bool:
            return abs(count - amount * cells) <= 1.5

        assert close(bars["team Maria Lopez"].count("█"), 50000)
        assert close(bars["黄婷婷"].count("█"), 20000) and close(bars["黄婷婷"].index("┃"), 40000)
        assert close(bars["李宇"].count("█"), 30000) and close(bars["李宇"].index("┃"), 20000)
        assert "█" not in bars["Варвара Блинова"] and close(bars["Варвара Блинова"].index("┃"), 40000)  # fmt: skip
