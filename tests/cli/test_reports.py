"""Reports: pipeline, lost and activity with every figure worked out by hand, in every format
(the HTML parsed, with no external reference), on both backends.

NOW is Monday 2026-11-23 09:00 UTC.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser


def _id(cli, *args: str, env: dict[str, str] | None = None) -> int:
    return int(cli.ok(*args, env=env).out.strip())


def _team(cli) -> None:
    cli.ok("rep", "add", "Dana Lee")
    cli.ok("rep", "add", "Ana Souza", "--manager", "Dana Lee")
    cli.ok("rep", "add", "Wang Fang")


def _pipeline_data(cli) -> None:
    _team(cli)
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-01")
    add = ("deal", "add")
    cli.ok(*add, "A1", "--amount", "1000", "--owner", "Ana Souza", "--stage", "proposal", "--close", "2026-12-10")  # fmt: skip
    cli.ok(*add, "A2", "--amount", "EUR 500", "--owner", "Ana Souza", "--stage", "proposal", "--close", "2027-01-15")  # fmt: skip
    cli.ok(
        *add, "A3", "--owner", "Ana Souza", "--stage", "proposal", "--close", "2026-12-01"
    )  # no amount
    cli.ok(*add, "D1", "--amount", "200", "--owner", "Dana Lee", "--stage", "negotiation", "--close", "2026-12-20")  # fmt: skip
    cli.ok(
        *add, "W1", "--amount", "300", "--owner", "Wang Fang", "--close", "2026-12-05"
    )  # prospecting
    won = _id(cli, *add, "Won", "--amount", "9999", "--owner", "Ana Souza")
    cli.ok("deal", "win", str(won))


def test_pipeline_by_stage_and_owner(cli):
    _pipeline_data(cli)
    report = cli.json("report", "pipeline", "--format", "json")
    assert report["currency"] == "USD" and report["period"] is None
    rows = [(r["stage"], r["rep"], r["count"], r["amount"], r["weighted"], r["unknown_amount"]) for r in report["rows"]]  # fmt: skip
    # EUR 500 at 1.10 = 550.00; proposal 50 %, negotiation 75 %, prospecting 10 %.
    assert rows == [
        ("prospecting", "Wang Fang", 1, 300, 30, 0),
        ("proposal", "Ana Souza", 3, 1550, 775, 1),
        ("negotiation", "Dana Lee", 1, 200, 150, 0),
    ]
    assert [(s["stage"], s["count"], s["amount"]) for s in report["stages"]] == [
        ("prospecting", 1, 300),
        ("proposal", 3, 1550),
        ("negotiation", 1, 200),
    ]
    assert report["total"]["amount"] == 2050 and report["total"]["weighted"] == 955
    assert report["total"]["unknown_amount"] == 1
    team = cli.json("report", "pipeline", "--team", "Dana Lee", "--format", "json")
    assert team["total"]["count"] == 4 and team["total"]["amount"] == 1750
    december = cli.json("report", "pipeline", "--period", "2026-12", "--format", "json")
    assert december["total"]["count"] == 4 and december["total"]["amount"] == 1500
    assert (december["from"], december["to"]) == ("2026-12-01", "2026-12-31")
    table = cli.ok("report", "pipeline")
    assert "1 deals without an amount are counted, not summed." in table.out
    assert "proposal\tAna Souza\t3\t1,550.00\t775.00\t1" in table.out


def test_formats_and_html_is_self_contained(cli):
    _pipeline_data(cli)
    cli.ok("rep", "edit", "Wang Fang", "--name", "Wang <b>Fang</b> & Co")
    rows = list(csv.DictReader(io.StringIO(cli.ok("report", "pipeline", "--format", "csv").out)))
    assert [(r["stage"], r["rep"], r["amount"]) for r in rows] == [
        ("prospecting", "Wang <b>Fang</b> & Co", "300"),
        ("proposal", "Ana Souza", "1550"),
        ("negotiation", "Dana Lee", "200"),
    ]
    markdown = cli.ok("report", "pipeline", "--format", "markdown").out
    assert markdown.startswith("# Pipeline\n")
    assert "| proposal | Ana Souza | 3 | 1,550.00 | 775.00 | 1 |" in markdown
    page = cli.ok("report", "pipeline", "--format", "html").out

    class Check(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.cells: list[str] = []
            self.refs: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.refs += [v for k, v in attrs if k in ("src", "href") and v]

        def handle_data(self, data):
            self.cells.append(data)

    parsed = Check()
    parsed.feed(page)
    parsed.close()
    assert "script" not in parsed.tags and "img" not in parsed.tags and "link" not in parsed.tags
    assert parsed.refs == [] and "http" not in page
    assert "Wang <b>Fang</b> & Co" in parsed.cells  # stored text is text, never markup
    assert "1,550.00" in parsed.cells
    bad = cli("report", "pipeline", "--format", "pdf")
    assert bad.code == 2 and "--format 'pdf'" in bad.err


def test_lost_by_reason_stage_and_rep(cli):
    _team(cli)
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-10-01")

    def lost(title, amount, owner, stage, reason, on):
        day = {"SALESCLI_NOW": f"{on}T08:00:00+00:00"}  # created the day it was lost
        deal = _id(cli, "deal", "add", title, "--amount", amount, "--owner", owner, env=day)
        if stage != "prospecting":
            cli.ok("deal", "move", str(deal), stage, env=day)
        cli.ok("deal", "lose", str(deal), "--reason", reason, "--on", on)

    lost("L1", "100", "Ana Souza", "prospecting", "price", "2026-10-05")
    lost("L2", "EUR 200", "Ana Souza", "proposal", "price", "2026-11-02")  # 220.00
    lost("L3", "300", "Wang Fang", "proposal", "timing", "2026-11-20")
    lost("L4", "400", "Dana Lee", "negotiation", "competitor", "2026-11-23")
    lost("Old", "999", "Wang Fang", "proposal", "price", "2026-09-30")  # last quarter
    report = cli.json("report", "lost", "--format", "json")  # this quarter: Oct-Dec 2026
    assert [(r["reason"], r["count"], r["amount"]) for r in report["by_reason"]] == [
        ("competitor", 1, 400),
        ("price", 2, 320),
        ("timing", 1, 300),
    ]
    assert [(r["stage"], r["count"], r["amount"]) for r in report["by_stage"]] == [
        ("prospecting", 1, 100),
        ("proposal", 2, 520),
        ("negotiation", 1, 400),
    ]
    assert [(r["rep"], r["count"], r["amount"]) for r in report["by_rep"]] == [
        ("Ana Souza", 2, 320),
        ("Dana Lee", 1, 400),
        ("Wang Fang", 1, 300),
    ]
    assert report["total"] == {"count": 4, "amount": 1020, "unknown_amount": 0, "currency": "USD"}
    team = cli.json("report", "lost", "--team", "Dana Lee", "--period", "2026-11", "--format", "json")  # fmt: skip
    assert team["total"]["count"] == 2 and team["total"]["amount"] == 620  # L2 + L4
    rows = list(csv.DictReader(io.StringIO(cli.ok("report", "lost", "--format", "csv").out)))
    assert [r["reason"] for r in rows] == ["competitor", "price", "timing"]
    # The same groupings through `deal list --group-by` (one money aggregation).
    listed = cli.ok("deal", "list", "--lost", "--closing", "this-quarter", "--group-by", "lost-at,lost-reason", "--format", "csv")  # fmt: skip
    groups = [(r["lost_at"], r["reason"], r["count"]) for r in csv.DictReader(io.StringIO(listed.out))]  # fmt: skip
    assert groups == [
        ("prospecting", "price", "1"),
        ("proposal", "price", "1"),
        ("proposal", "timing", "1"),
        ("negotiation", "competitor", "1"),
    ]


def test_lost_at_is_the_stage_of_the_last_loss(cli):
    """A deal lost, reopened and lost again counts at the stage of its last loss; lost-at
    groups beside stage (both order by stage position) without a clash."""
    _team(cli)
    october = {"SALESCLI_NOW": "2026-10-01T09:00:00+00:00"}
    twice = _id(cli, "deal", "add", "Twice", "--amount", "500", "--owner", "Ana Souza", env=october)  # fmt: skip
    cli.ok("deal", "lose", str(twice), "--reason", "price", "--on", "2026-10-05")
    cli.ok("deal", "reopen", str(twice), "--stage", "negotiation")
    cli.ok("deal", "lose", str(twice), "--reason", "timing", "--on", "2026-11-05")
    once = _id(cli, "deal", "add", "Once", "--amount", "70", "--owner", "Wang Fang", env=october)  # fmt: skip
    cli.ok("deal", "move", str(once), "proposal")
    cli.ok("deal", "lose", str(once), "--reason", "price", "--on", "2026-11-06")
    report = cli.json("report", "lost", "--format", "json")
    assert [(r["stage"], r["count"], r["amount"]) for r in report["by_stage"]] == [
        ("proposal", 1, 70),
        ("negotiation", 1, 500),
    ]
    listed = cli.ok("deal", "list", "--lost", "--group-by", "stage,lost-at", "--format", "csv")
    groups = [(r["stage"], r["lost_at"], r["count"]) for r in csv.DictReader(io.StringIO(listed.out))]  # fmt: skip
    assert groups == [("lost", "proposal", "1"), ("lost", "negotiation", "1")]


def test_activity_per_rep_per_local_day_and_week(cli):
    _team(cli)
    cli.ok("config", "set", "timezone", "Asia/Tokyo")  # UTC+9
    lead = _id(cli, "lead", "add", "Ana Lima")

    def log(kind, rep, at):
        cli.ok("log", kind, "--lead", str(lead), "--rep", rep, "--at", at, "x")

    # Tokyo days: 14:59 UTC on the 16th is still Monday the 16th there; 15:00 is Tuesday.
    log("call", "Ana Souza", "2026-11-16T14:59:00+00:00")
    log("call", "Ana Souza", "2026-11-16T15:00:00+00:00")
    log("email", "Ana Souza", "2026-11-17T01:00:00+00:00")
    log("meeting", "Wang Fang", "2026-11-20T03:00:00+00:00")
    log("note", "Dana Lee", "2026-11-22T14:00:00+00:00")  # Sunday 23:00 in Tokyo: last week
    log("call", "Dana Lee", "2026-11-22T15:00:00+00:00")  # Monday 00:00 in Tokyo: this week
    report = cli.json("report", "activity", "--period", "last-week", "--format", "json")
    assert (report["from"], report["to"]) == ("2026-11-16", "2026-11-22")
    rows = [(r["day"], r["rep"], r["calls"], r["emails"], r["meetings"], r["notes"], r["total"]) for r in report["rows"]]  # fmt: skip
    assert rows == [
        ("2026-11-16", "Ana Souza", 1, 0, 0, 0, 1),
        ("2026-11-17", "Ana Souza", 1, 1, 0, 0, 2),
        ("2026-11-20", "Wang Fang", 0, 0, 1, 0, 1),
        ("2026-11-22", "Dana Lee", 0, 0, 0, 1, 1),
    ]
    assert report["total"] == {"calls": 2, "emails": 1, "meetings": 1, "notes": 1, "total": 5}
    weekly = cli.json("report", "activity", "--period", "2026-11-16..2026-11-29", "--by", "week", "--format", "json")  # fmt: skip
    assert [(r["week"], r["rep"], r["total"]) for r in weekly["rows"]] == [
        ("2026-11-16", "Ana Souza", 3),
        ("2026-11-16", "Dana Lee", 1),
        ("2026-11-16", "Wang Fang", 1),
        ("2026-11-23", "Dana Lee", 1),
    ]
    mine = cli.json("report", "activity", "--period", "last-week", "--rep", "ana souza", "--format", "json")  # fmt: skip
    assert [r["rep"] for r in mine["reps"]] == ["Ana Souza"] and mine["total"]["total"] == 3
    team = cli.json("report", "activity", "--period", "last-week", "--team", "Dana Lee", "--format", "json")  # fmt: skip
    assert [(r["rep"], r["total"]) for r in team["reps"]] == [("Ana Souza", 3), ("Dana Lee", 1)]
    bad = cli("report", "activity", "--by", "month")
    assert bad.code == 2 and "--by 'month'" in bad.err


def test_funnel_counts_skipped_stages_and_marks_the_leaky_bucket(cli):
    _team(cli)

    def at(day: str, *args: str) -> str:
        return cli.ok(*args, env={"SALESCLI_NOW": f"2026-11-{day}T09:00:00+00:00"}).out.strip()

    d1 = at("02", "deal", "add", "D1", "--amount", "100", "--owner", "Ana Souza")
    at("04", "deal", "move", d1, "qualification")
    at("08", "deal", "move", d1, "proposal")
    at("10", "deal", "win", d1)
    d2 = at("03", "deal", "add", "D2", "--amount", "100", "--owner", "Wang Fang")
    at("05", "deal", "move", d2, "proposal")  # skips qualification
    at("09", "deal", "lose", d2, "--reason", "price")
    at("05", "deal", "add", "D3", "--owner", "Ana Souza")  # still in prospecting
    at("06", "deal", "add", "D5", "--stage", "qualification", "--owner", "Dana Lee")
    old = cli.ok(
        "deal", "add", "Old", env={"SALESCLI_NOW": "2026-10-20T09:00:00+00:00"}
    ).out.strip()
    at("02", "deal", "move", old, "negotiation")
    report = cli.json("report", "funnel", "--period", "2026-11", "--format", "json")
    assert report["created"] == 4
    stages = [(s["stage"], s["reached"], s["conversion"], s["median_days"], s["leaky"]) for s in report["stages"]]  # fmt: skip
    assert stages == [
        ("prospecting", 4, None, 2.0, False),  # D1 2 days, D2 2 days; D3 still there
        ("qualification", 3, 0.75, 4.0, False),  # D2 skipped it: counted as passed
        ("proposal", 2, 0.6667, 3.0, False),  # 2/3; D1 2 days, D2 4 days
        ("negotiation", 1, 0.5, None, True),  # D1 passed it on its way to won
        ("won", 1, 1, None, False),
    ]
    assert report["leaky_bucket"] == {"from": "proposal", "to": "negotiation", "conversion": 0.5}
    team = cli.json("report", "funnel", "--period", "2026-11", "--team", "Dana Lee", "--format", "json")  # fmt: skip
    assert team["created"] == 3 and [s["reached"] for s in team["stages"]] == [3, 2, 1, 1, 1]
    table = cli.ok("report", "funnel", "--period", "2026-11")
    assert "Leaky bucket: proposal → negotiation (50.0% convert)." in table.out
    empty = cli.json("report", "funnel", "--period", "2025", "--format", "json")
    assert empty["created"] == 0 and empty["leaky_bucket"] is None


def test_performance_per_rep_and_total(cli):
    _team(cli)
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-01")

    def deal(title: str, created: str, *args: str) -> str:
        env = {"SALESCLI_NOW": f"{created}T09:00:00+00:00"}
        return cli.ok("deal", "add", title, *args, env=env).out.strip()

    w1 = deal("W1", "2026-11-01", "--amount", "1000", "--owner", "Ana Souza")
    w2 = deal("W2", "2026-11-05", "--amount", "EUR 500", "--owner", "Ana Souza")
    l1 = deal("L1", "2026-11-02", "--amount", "50", "--owner", "Ana Souza")
    deal("O1", "2026-11-06", "--amount", "10", "--owner", "Ana Souza")
    deal("O2", "2026-11-07", "--owner", "Ana Souza")
    w3 = deal("W3", "2026-10-01", "--amount", "300", "--owner", "Wang Fang")
    l2 = deal("L2", "2026-10-02", "--owner", "Wang Fang")
    l3 = deal("L3", "2026-10-03", "--owner", "Wang Fang")
    old = deal("Old", "2026-09-01", "--amount", "5000", "--owner", "Wang Fang")
    cli.ok("deal", "win", w1, "--on", "2026-11-11")  # cycle 10 days
    cli.ok("deal", "win", w2, "--on", "2026-11-20")  # cycle 15 days, EUR 500 = 550.00
    cli.ok("deal", "lose", l1, "--reason", "price", "--on", "2026-11-10")
    cli.ok("deal", "win", w3, "--on", "2026-11-03")  # cycle 33 days
    cli.ok("deal", "lose", l2, "--reason", "price", "--on", "2026-11-04")
    cli.ok("deal", "lose", l3, "--reason", "price", "--on", "2026-11-05")
    cli.ok("deal", "win", old, "--on", "2026-10-30")  # October: not in the period
    lead = _id(cli, "lead", "add", "Someone")
    for rep, at in (("Ana Souza", "2026-11-02"), ("Ana Souza", "2026-11-20"), ("Ana Souza", "2026-10-31"), ("Wang Fang", "2026-11-15")):  # fmt: skip
        cli.ok(
            "log", "call", "--lead", str(lead), "--rep", rep, "--at", f"{at}T12:00:00+00:00", "x"
        )
    report = cli.json("report", "performance", "--period", "2026-11", "--format", "json")
    keys = ("rep", "won", "lost", "win_rate", "won_amount", "average_deal", "cycle_days", "open_deals", "velocity", "activities")  # fmt: skip
    rows = [tuple(r[k] for k in keys) for r in report["rows"]]
    assert rows == [
        # 2 × 2/3 × 775 / 12.5 = 82.666… → 82.67
        ("Ana Souza", 2, 1, 0.6667, 1550, 775, 12.5, 2, 82.67, 2),
        ("Wang Fang", 1, 2, 0.3333, 300, 300, 33, 0, 0, 1),
    ]
    total = report["total"]
    # 1850 / 3 = 616.67; cycle (10 + 15 + 33) / 3 = 19.3; 2 × 0.5 × 616.67 / 19.3 = 31.95
    assert tuple(total[k] for k in keys[1:]) == (3, 3, 0.5, 1850, 616.67, 19.3, 2, 31.95, 3)
    alone = cli.json("report", "performance", "--period", "2026-11", "--rep", "wang fang", "--format", "json")  # fmt: skip
    assert [r["rep"] for r in alone["rows"]] == ["Wang Fang"] and alone["total"]["won"] == 1
    # Activities are counted rep by rep, and those of no rep apart: each scope sees its own.
    cli.ok("log", "note", "--lead", str(lead), "--at", "2026-11-16T12:00:00+00:00", "unowned")
    everyone = cli.json("report", "performance", "--period", "2026-11", "--format", "json")
    assert [(r["rep"], r["activities"]) for r in everyone["rows"]] == [
        ("Ana Souza", 2), ("Wang Fang", 1), (None, 1),
    ]  # fmt: skip
    assert everyone["total"]["activities"] == 4
    nobody = cli.json("report", "performance", "--period", "2026-11", "--rep", "none", "--format", "json")  # fmt: skip
    assert [(r["rep"], r["activities"]) for r in nobody["rows"]] == [(None, 1)]
    team = cli.json("report", "performance", "--period", "2026-11", "--team", "Dana Lee", "--format", "json")  # fmt: skip
    assert team["total"]["activities"] == 2
    empty = cli.json("report", "performance", "--period", "2025", "--format", "json")
    assert empty["total"]["win_rate"] is None and empty["total"]["velocity"] is None


def test_trend_by_month_with_period_and_year_over_year_change(cli):
    _team(cli)

    def won(amount: str, on: str) -> None:
        day = {"SALESCLI_NOW": f"{on}T08:00:00+00:00"}  # created the day it was won
        deal = _id(cli, "deal", "add", f"Won {on}", "--amount", amount, "--owner", "Ana Souza", env=day)  # fmt: skip
        cli.ok("deal", "win", str(deal), "--on", on)

    won("100", "2025-10-15")
    won("200", "2026-09-10")
    won("300", "2026-10-05")
    won("100", "2026-10-20")
    won("500", "2026-11-02")
    lost = _id(cli, "deal", "add", "Lost", "--owner", "Wang Fang", env={"SALESCLI_NOW": "2026-11-03T08:00:00+00:00"})  # fmt: skip
    cli.ok("deal", "lose", str(lost), "--reason", "price", "--on", "2026-11-03")
    report = cli.json("report", "trend", "--last", "3", "--format", "json")
    rows = [(r["month"], r["revenue"], r["change"], r["year_ago"], r["yoy_change"], r["partial"]) for r in report["rows"]]  # fmt: skip
    assert rows == [
        ("2026-09", 200, None, 0, None, False),  # August had nothing: no change to give
        ("2026-10", 400, 1.0, 100, 3.0, False),
        ("2026-11", 500, 0.25, 0, None, True),
    ]
    assert report["currency"] == "USD"
    deals = cli.json("report", "trend", "--metric", "deals", "--last", "3", "--format", "json")
    assert [(r["deals"], r["change"]) for r in deals["rows"]] == [(1, None), (2, 1.0), (1, -0.5)]
    rate = cli.json("report", "trend", "--metric", "win-rate", "--last", "2", "--format", "json")
    assert [(r["win_rate"], r["change"]) for r in rate["rows"]] == [(1.0, 0.0), (0.5, -0.5)]
    quarters = cli.json("report", "trend", "--by", "quarter", "--last", "2", "--format", "json")
    assert [(r["quarter"], r["revenue"], r["year_ago"]) for r in quarters["rows"]] == [
        ("2026-Q3", 200, 0),
        ("2026-Q4", 900, 100),
    ]
    team = cli.json("report", "trend", "--metric", "deals", "--last", "1", "--team", "Wang Fang", "--format", "json")  # fmt: skip
    assert team["rows"][0]["deals"] == 0
    table = cli.ok("report", "trend", "--last", "3")
    assert "2026-10\t400.00\t+100.0%\t+300.0%\t100.00\t" in table.out
    assert cli("report", "trend", "--metric", "profit").code == 2
    assert cli("report", "trend", "--last", "0").code == 2


def test_trend_of_leads_follows_local_months(cli):
    _team(cli)
    cli.ok("config", "set", "timezone", "America/New_York")
    for at in ("2026-10-10T12:00:00+00:00", "2026-11-01T03:00:00+00:00", "2026-11-01T05:00:00+00:00"):  # fmt: skip
        cli.ok("lead", "add", f"Lead {at}", "--owner", "Ana Souza", env={"SALESCLI_NOW": at})
    report = cli.json("report", "trend", "--metric", "leads", "--last", "2", "--format", "json")
    # 03:00 UTC on 1 November is 23:00 on 31 October in New York.
    assert [(r["month"], r["leads"]) for r in report["rows"]] == [("2026-10", 2), ("2026-11", 1)]


def test_sources_attribute_leads_deals_and_cost(cli):
    _team(cli)
    october = {"SALESCLI_NOW": "2026-10-15T09:00:00+00:00"}
    cli.ok("lead", "add", "Old web", "--source", "web", env=october)
    converted = _id(
        cli,
        "lead",
        "add",
        "Ana Lima",
        "--source",
        "Web",
        "--owner",
        "Ana Souza",
        "--company",
        "Lima SA",
    )
    cli.ok("lead", "add", "Bo Berg", "--source", "Web")
    cli.ok("lead", "add", "Cy Chen", "--source", "web")
    cli.ok("lead", "add", "Di Dorn", "--source", "Referral")
    cli.ok("lead", "convert", str(converted), "--amount", "1000")
    deal = cli.sql("SELECT id, source FROM deal")[0]
    assert deal[1] == "Web"  # the lead's source goes with the deal
    cli.ok("deal", "win", str(deal[0]))
    lost = _id(cli, "deal", "add", "D2", "--source", "WEB", "--amount", "500")
    cli.ok("deal", "lose", str(lost), "--reason", "price")
    won = _id(cli, "deal", "add", "D3", "--source", "referral", "--amount", "300")
    cli.ok("deal", "win", str(won))
    cli.ok("config", "set", "source.cost.web", "1000")
    report = cli.json("report", "sources", "--period", "2026-11", "--format", "json")
    keys = ("source", "leads", "converted", "converted_rate", "deals", "won", "lost", "won_amount", "win_rate", "average_deal", "cost", "cost_per_won")  # fmt: skip
    assert [tuple(r[k] for k in keys) for r in report["rows"]] == [
        ("Web", 3, 1, 0.3333, 2, 1, 1, 1000, 0.5, 1000, 1000, 1000),
        ("Referral", 1, 0, 0.0, 1, 1, 0, 300, 1.0, 300, None, None),
    ]
    # Half of November: half the month's spend.
    half = cli.json("report", "sources", "--period", "2026-11-16..2026-11-30", "--format", "json")
    assert half["rows"][0]["source"] == "Web" and half["rows"][0]["cost"] == 500
    bad = cli("config", "set", "source.cost.web", "-5")
    assert bad.code == 1 and "negative" in bad.err


def test_stale_deals_and_overdue_tasks_by_owner(cli):
    _team(cli)
    early = {"SALESCLI_NOW": "2026-11-01T09:00:00+00:00"}
    idle = _id(cli, "deal", "add", "Idle", "--owner", "Ana Souza", "--amount", "10", env=early)
    touched = _id(cli, "deal", "add", "Touched", "--owner", "Ana Souza", env=early)
    cli.ok("log", "call", "--deal", str(touched), "--at", "2026-11-15T09:00:00+00:00", "x")
    _id(cli, "deal", "add", "Fresh", "--owner", "Dana Lee", env={"SALESCLI_NOW": "2026-11-20T09:00:00+00:00"})  # fmt: skip
    late = _id(cli, "task", "add", "Late", "--owner", "Wang Fang", "--due", "yesterday")
    _id(cli, "task", "add", "Soon", "--owner", "Wang Fang", "--due", "tomorrow")
    report = cli.json("report", "stale", "--format", "json")
    # 22 days idle against the default 14; the touched deal has been idle 8 days.
    assert [(r["rep"], r["stale_deals"], r["overdue_tasks"]) for r in report["by_owner"]] == [
        ("Ana Souza", 1, 0),
        ("Wang Fang", 0, 1),
    ]
    assert [(d["id"], d["idle_days"]) for d in report["stale_deals"]] == [(idle, 22)]
    assert [t["id"] for t in report["overdue_tasks"]] == [late]
    assert report["total"] == {"stale_deals": 1, "overdue_tasks": 1}
    team = cli.json("report", "stale", "--team", "Dana Lee", "--format", "json")
    assert team["total"] == {"stale_deals": 1, "overdue_tasks": 0}
    assert cli.json("deal", "stale", "--format", "json")[0]["id"] == idle  # the same definition


def test_commission_line_by_line_with_the_accelerator(cli):
    _team(cli)
    cli.ok("commission", "plan", "set", "--new", "10%", "--existing", "5%", "--accelerator", "1.5x-above-100%")  # fmt: skip
    _quota(cli, "Ana Souza", 100000)  # 1,000.00 for 2026-11

    def won(title: str, amount: str, kind: str, owner: str, on: str) -> int:
        day = {"SALESCLI_NOW": f"{on}T08:00:00+00:00"}  # created the day it was won
        deal = _id(cli, "deal", "add", title, "--amount", amount, "--type", kind, "--owner", owner, env=day)  # fmt: skip
        cli.ok("deal", "win", str(deal), "--on", on)
        return deal

    d1 = won("D1", "600", "new", "Ana Souza", "2026-11-05")
    d2 = won("D2", "300", "existing", "Ana Souza", "2026-11-10")
    d3 = won("D3", "400", "new", "Ana Souza", "2026-11-15")  # crosses the quota at 1,000
    d4 = won("D4", "200", "existing", "Ana Souza", "2026-11-20")
    d5 = won("D5", "1000", "new", "Wang Fang", "2026-11-12")  # no quota: no accelerator
    report = cli.json("report", "commission", "--period", "2026-11", "--format", "json")
    lines = [(x["rep"], x["deal_id"], x["amount"], x["rate"], x["accelerated"], x["commission"]) for x in report["lines"]]  # fmt: skip
    assert lines == [
        ("Ana Souza", d1, 600, 0.1, False, 60),
        ("Ana Souza", d2, 300, 0.05, False, 15),
        ("Ana Souza", d3, 100, 0.1, False, 10),
        ("Ana Souza", d3, 300, 0.15, True, 45),
        ("Ana Souza", d4, 200, 0.075, True, 15),
        ("Wang Fang", d5, 1000, 0.1, False, 100),
    ]
    assert [
        (r["rep"], r["won_amount"], r["quota"], r["attainment"], r["commission"])
        for r in report["rows"]
    ] == [  # fmt: skip
        ("Ana Souza", 1500, 1000, 1.5, 145),
        ("Wang Fang", 1000, None, None, 100),
    ]
    assert report["total"] == {"commission": 245, "won_amount": 2500}
    table = cli.ok("report", "commission", "--period", "2026-11")
    assert "No revenue quota covers 2026-11 for: Wang Fang (no accelerator)." in table.out
    assert cli("commission", "plan", "set", "--new", "150%").code == 1
    assert cli("commission", "plan", "set").code == 2


def _quota(cli, rep: str, minor: int, period: str = "2026-11") -> None:
    cli.ok("quota", "set", rep, str(minor / 100), "--period", period)


def test_leaderboard_ranks_by_revenue_or_another_metric(cli):
    _team(cli)
    _quota(cli, "Ana Souza", 100000)  # 1,000.00
    _quota(cli, "Dana Lee", 10000)  # 100.00

    def won(amount: str, owner: str, on: str) -> None:
        day = {"SALESCLI_NOW": f"{on}T08:00:00+00:00"}  # created the day it was won
        deal = _id(cli, "deal", "add", f"{owner} {amount}", "--amount", amount, "--owner", owner, env=day)  # fmt: skip
        cli.ok("deal", "win", str(deal), "--on", on)

    won("900", "Ana Souza", "2026-11-05")
    won("600", "Ana Souza", "2026-11-06")
    won("1000", "Wang Fang", "2026-11-07")
    won("200", "Dana Lee", "2026-11-08")
    lost = _id(cli, "deal", "add", "Lost", "--owner", "Dana Lee", env={"SALESCLI_NOW": "2026-11-09T08:00:00+00:00"})  # fmt: skip
    cli.ok("deal", "lose", str(lost), "--reason", "price", "--on", "2026-11-09")

    def board(*args: str) -> list[tuple]:
        report = cli.json("report", "leaderboard", "--period", "2026-11", *args, "--format", "json")
        return [(r["rank"], r["rep"], r["won_amount"], r["quota"], r["attainment"], r["won"], r["win_rate"]) for r in report["rows"]]  # fmt: skip

    assert board() == [
        (1, "Ana Souza", 1500, 1000, 1.5, 2, 1.0),
        (2, "Wang Fang", 1000, None, None, 1, 1.0),
        (3, "Dana Lee", 200, 100, 2.0, 1, 0.5),
    ]
    assert [r[1] for r in board("--metric", "attainment")] == ["Dana Lee", "Ana Souza", "Wang Fang"]
    assert [r[1] for r in board("--metric", "win-rate")] == ["Ana Souza", "Wang Fang", "Dana Lee"]
    assert [r[1] for r in board("--team", "Dana Lee")] == ["Ana Souza", "Dana Lee"]
    table = cli.ok("report", "leaderboard", "--period", "2026-11")
    assert "1\tAna Souza\t1,500.00\t1,000.00\t150.0%\t2\t100.0%\t0" in table.out
    assert cli("report", "leaderboard", "--metric", "charm").code == 2
