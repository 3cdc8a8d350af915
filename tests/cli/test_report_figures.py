"""Report figures that must stay sane: a close date before a deal's creation (a win logged
after the fact, or imported dates) counted as a 0-day cycle, and rates rounded to 4 places
in every format (never a float artefact or scientific notation in a CSV). Every figure worked out by hand; both backends.

NOW is Monday 2026-11-23 09:00 UTC.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path


def _id(cli, *args: str, env: dict[str, str] | None = None) -> str:
    return cli.ok(*args, env=env).out.strip()


def test_a_win_entered_after_the_fact_counts_a_zero_day_cycle(cli):
    """A deal added today and won last week (logged after the fact) is accepted as it always
    was; its close date is before its creation date, so its sales cycle counts 0 days: the
    cycle and the velocity are never negative (they were -22 days and -45.45 a day)."""
    cli.ok("rep", "add", "Neg Rep")
    deal = _id(cli, "deal", "add", "Backdated", "--amount", "1000", "--owner", "Neg Rep", "--close", "2026-11-25")  # fmt: skip
    cli.ok("deal", "win", deal, "--on", "2026-11-01")
    assert [(str(d),) for (d,) in cli.sql("SELECT close_date FROM deal")] == [("2026-11-01",)]
    cli.ok("deal", "add", "Open", "--amount", "500", "--owner", "Neg Rep", "--close", "2026-12-20")
    report = cli.json("report", "performance", "--period", "2026-11")
    [row] = report["rows"]
    # One won deal of 0 days: no velocity (a zero cycle), never a negative one.
    assert (row["won"], row["cycle_days"], row["velocity"], row["open_deals"]) == (1, 0, None, 1)
    assert (report["total"]["cycle_days"], report["total"]["velocity"]) == (0, None)


def test_the_cycle_counts_from_the_utc_creation_date(cli):
    """Created at 03:00 UTC on the 23rd is the 22nd in New York: won on the 22nd (local) is a
    close date one day before the UTC creation date: 0 days, not -1."""
    cli.ok("config", "set", "timezone", "America/New_York")
    cli.ok("rep", "add", "Ana Souza")
    early = {"SALESCLI_NOW": "2026-11-23T03:00:00+00:00"}
    deal = _id(cli, "deal", "add", "Late night", "--amount", "900", "--owner", "Ana Souza", env=early)  # fmt: skip
    cli.ok("deal", "win", deal, "--on", "2026-11-22")
    cli.ok("deal", "add", "Open", "--amount", "100", "--owner", "Ana Souza")
    report = cli.json("report", "performance", "--period", "2026-11")
    [row] = report["rows"]
    assert (row["won"], row["cycle_days"], row["velocity"], row["open_deals"]) == (1, 0, None, 1)


def test_an_imported_deal_closed_before_its_creation_counts_a_zero_day_cycle(cli, tmp_path):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Bo Lind")
    path = Path(tmp_path / "deals.csv")
    path.write_text(
        "title,amount,owner,stage,created_at,close_date\n"
        # Ana: 10 days, and one closed 5 days before its (engage) date: 0 days.
        "A1,1000,Ana Souza,won,2026-11-01,2026-11-11\n"
        "A2,500,Ana Souza,won,2026-11-10,2026-11-05\n"
        "A3,200,Ana Souza,lost,2026-11-02,2026-11-04\n"
        "A4,300,Ana Souza,proposal,2026-11-03,2026-12-15\n"
        # Bo: only the backwards one, and an open deal.
        "B1,800,Bo Lind,won,2026-11-20,2026-11-12\n"
        "B2,100,Bo Lind,,2026-11-20,2026-12-20\n",
        encoding="utf-8",
    )
    cli.ok("deal", "import", str(path))
    stored = cli.sql(
        "SELECT title, close_date FROM deal WHERE title IN ('A2', 'B1') ORDER BY title"
    )
    assert [(t, str(d)) for t, d in stored] == [("A2", "2026-11-05"), ("B1", "2026-11-12")]
    report = cli.json("report", "performance", "--period", "2026-11")
    keys = ("rep", "won", "lost", "win_rate", "won_amount", "average_deal", "cycle_days", "open_deals", "velocity")  # fmt: skip
    assert [tuple(r[k] for k in keys) for r in report["rows"]] == [
        # (10 + 0) / 2 = 5 days; 1 open × 2/3 × 750 / 5 = 100.00
        ("Ana Souza", 2, 1, 0.6667, 1500, 750, 5, 1, 100),
        # 0 days: no velocity (a zero cycle is null), never a negative one
        ("Bo Lind", 1, 0, 1, 800, 800, 0, 1, None),
    ]
    # (10 + 0 + 0) / 3 = 3.3 days; 2 open × 3/4 × 766.67 / 3.3 = 348.49
    total = report["total"]
    assert tuple(total[k] for k in keys[1:]) == (3, 1, 0.75, 2300, 766.67, 3.3, 2, 348.49)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_rates_are_rounded_to_four_places_in_json_and_csv(cli):
    cli.ok("rep", "add", "Anthony Skinner")
    october = {"SALESCLI_NOW": "2026-10-01T09:00:00+00:00"}

    def deal(title: str, amount: str, env: dict[str, str] | None = None) -> str:
        return _id(cli, "deal", "add", title, "--amount", amount, "--owner", "Anthony Skinner", "--source", "web", env=env)  # fmt: skip

    old = deal("Old", "300", october)
    cli.ok("deal", "win", old, "--on", "2026-10-15", env=october | {"SALESCLI_NOW": "2026-10-15T09:00:00+00:00"})  # fmt: skip
    won = deal("Won", "1000")
    cli.ok("deal", "win", won)
    for title in ("L1", "L2"):
        cli.ok("deal", "lose", deal(title, "50"), "--reason", "price")
    cli.ok("quota", "set", "Anthony Skinner", "9999999999999", "--period", "2026-Q4")

    # November: 1 won, 2 lost: 1/3.
    performance = cli.json("report", "performance", "--period", "2026-11")
    assert performance["rows"][0]["win_rate"] == 0.3333
    assert performance["total"]["win_rate"] == 0.3333
    # The quarter: 2 won (1300), 2 lost: 0.5; 1300 / 9,999,999,999,999 = 1.3e-10 → 0.
    board = cli.json("report", "leaderboard", "--period", "2026-11")
    assert (board["rows"][0]["win_rate"], board["rows"][0]["attainment"]) == (0.3333, None)
    rows = _csv(cli.ok("report", "leaderboard", "--period", "2026-Q4", "--format", "csv").out)
    assert [(r["won_amount"], r["attainment"], r["win_rate"]) for r in rows] == [("1300", "0", "0.5")]  # fmt: skip
    rows = _csv(cli.ok("report", "leaderboard", "--period", "2026-11", "--format", "csv").out)
    assert [(r["win_rate"], r["attainment"]) for r in rows] == [("0.3333", "")]
    rows = _csv(cli.ok("report", "performance", "--period", "2026-11", "--format", "csv").out)
    assert [r["win_rate"] for r in rows] == ["0.3333"]
    # Sources: web won 1 of 3 in November.
    sources = cli.json("report", "sources", "--period", "2026-11")
    assert [(r["source"], r["win_rate"]) for r in sources["rows"]] == [("web", 0.3333)]
    # Funnel of November: 3 created, 1 reached each later stage (the won one): 1/3, then 1.
    funnel = cli.json("report", "funnel", "--period", "2026-11")
    assert [(s["stage"], s["reached"], s["conversion"]) for s in funnel["stages"]] == [
        ("prospecting", 3, None), ("qualification", 1, 0.3333), ("proposal", 1, 1),
        ("negotiation", 1, 1), ("won", 1, 1),
    ]  # fmt: skip
    assert funnel["leaky_bucket"]["conversion"] == 0.3333
    # Trend: revenue 300 in October, 1000 in November: (1000 - 300) / 300 = 2.3333.
    trend = cli.json("report", "trend", "--last", "2")
    assert [(r["month"], r["revenue"], r["change"]) for r in trend["rows"]] == [
        ("2026-10", 300, None), ("2026-11", 1000, 2.3333),
    ]  # fmt: skip
    rows = _csv(cli.ok("report", "trend", "--last", "2", "--format", "csv").out)
    assert [r["change"] for r in rows] == ["", "2.3333"]
    # Win rate per month: October 1/1, November 1/3: change (1/3 - 1) / 1 = -0.6667.
    rates = cli.json("report", "trend", "--metric", "win-rate", "--last", "2")
    assert [(r["win_rate"], r["change"]) for r in rates["rows"]] == [(1, None), (0.3333, -0.6667)]
    # The weekly composite uses the same figures: the quarter's leaderboard (2 won of 4).
    weekly = cli.json("report", "weekly")
    leader = weekly["leaderboard"]["rows"][0]
    assert (leader["attainment"], leader["win_rate"]) == (0, 0.5)
