"""The real Maven "CRM + Sales Opportunities" data set, imported by examples/import-maven.sh.

Every expected figure is computed here from the CSV files with Python's csv module; the
database is read with plain SQL (cli.sql) and through `deal list --format json`.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import subprocess
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from tests.conftest import DATASETS, NOW, clean_env

ROOT = Path(__file__).resolve().parents[2]
MAVEN = DATASETS / "maven-crm-sales-opportunities"
SCRIPT = ROOT / "examples" / "import-maven.sh"
STAGES = {"Prospecting": "prospecting", "Engaging": "qualification", "Won": "won", "Lost": "lost"}

pytestmark = pytest.mark.skipif(not MAVEN.exists(), reason="the Maven data set is not here")


def read(name: str) -> list[dict[str, str]]:
    with (MAVEN / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def utc(value: object) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def day(value: object) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


@pytest.fixture
def imported(cli):
    """Run the example script itself against the test database (SQLite or PostgreSQL)."""
    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    result = subprocess.run(
        ["bash", str(SCRIPT), str(MAVEN)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return cli, result


def test_maven_import_end_to_end(imported):
    cli, result = imported
    pipeline = read("sales_pipeline.csv")
    assert result.stderr.splitlines() == [
        f"Imported 35 reps from {MAVEN}/sales_teams.csv (batch 1).",
        "Created 6 manager(s) named in the file: Dustin Brinkmann, Melvin Marxen, Cara Losch, "
        "Rocco Neubert, Celia Rouche, Summer Sewald",
        f"Imported 7 products from {MAVEN}/products.csv (batch 2).",
        f"Imported 85 accounts from {MAVEN}/accounts.csv (batch 3).",
        f"Imported {len(pipeline)} deals from {MAVEN}/sales_pipeline.csv (batch 4).",
    ]

    # Deals per stage, computed from the file.
    expected = collections.Counter(STAGES[row["deal_stage"]] for row in pipeline)
    assert expected == {"won": 4238, "lost": 2473, "qualification": 1589, "prospecting": 500}
    got = cli.sql(
        "SELECT s.name, count(*) FROM deal d JOIN stage s ON s.id = d.stage_id GROUP BY s.name"
    )
    assert dict(got) == expected

    # Won amount per agent, in cents, from the file; from the database in plain SQL.
    won: dict[str, int] = collections.defaultdict(int)
    for row in pipeline:
        if row["deal_stage"] == "Won":
            won[row["sales_agent"]] += int(Decimal(row["close_value"]) * 100)
    per_agent = cli.sql(
        "SELECT r.name, CAST(sum(d.amount_minor) AS BIGINT) FROM deal d "
        "JOIN stage s ON s.id = d.stage_id JOIN rep r ON r.id = d.owner_id "
        "WHERE s.kind = 'won' GROUP BY r.name"
    )
    assert dict(per_agent) == won
    assert len(won) == 30

    # ... and through `deal list` for one agent.
    darcel = cli.json("deal", "list", "--won", "--owner", "Darcel Schlecht", "--limit", "0")
    assert len(darcel) == sum(
        1 for r in pipeline if r["deal_stage"] == "Won" and r["sales_agent"] == "Darcel Schlecht"
    )
    assert sum(Decimal(str(d["amount"])) for d in darcel) * 100 == won["Darcel Schlecht"]

    # Open deals: unknown amount; lost deals: 0; blank accounts stay blank.
    amounts = cli.sql(
        "SELECT s.name, count(d.amount_minor), CAST(sum(d.amount_minor) AS BIGINT), "
        "count(d.account_id), count(d.close_date) FROM deal d JOIN stage s ON s.id = d.stage_id "
        "GROUP BY s.name"
    )
    for stage, with_amount, total, with_account, with_close in amounts:
        rows = [r for r in pipeline if STAGES[r["deal_stage"]] == stage]
        assert with_amount == sum(1 for r in rows if r["close_value"])
        assert (total or 0) == sum(int(r["close_value"] or 0) * 100 for r in rows)
        assert with_account == sum(1 for r in rows if r["account"])
        assert with_close == sum(1 for r in rows if r["close_date"])
    assert cli.sql("SELECT count(*) FROM deal WHERE account_id IS NULL")[0][0] == 1425

    # Every won deal: exactly 2 history rows, the last at its close date (UTC midnight).
    close_of = {r["opportunity_id"]: r["close_date"] for r in pipeline if r["deal_stage"] == "Won"}
    engage_of = {r["opportunity_id"]: r["engage_date"] for r in pipeline}
    history = cli.sql(
        "SELECT d.external_id, c.changed_at, t.name FROM stagechange c "
        "JOIN deal d ON d.id = c.deal_id JOIN stage t ON t.id = c.to_stage_id "
        "JOIN stage s ON s.id = d.stage_id WHERE s.kind = 'won' ORDER BY c.deal_id, c.changed_at, c.id"
    )
    by_deal: dict[str, list] = collections.defaultdict(list)
    for external, at, stage in history:
        by_deal[external].append((utc(at), stage))
    assert set(by_deal) == set(close_of)
    for external, rows in by_deal.items():
        assert len(rows) == 2, external
        created = dt.datetime.fromisoformat(engage_of[external]).replace(tzinfo=dt.UTC)
        closed = dt.datetime.fromisoformat(close_of[external]).replace(tzinfo=dt.UTC)
        assert rows == [(created, "prospecting"), (closed, "won")], external
    assert cli.sql("SELECT count(*) FROM stagechange")[0][0] == len(pipeline) + 4238 + 2473

    # `GTXPro` found the product `GTX Pro`: one line per closed deal, at its amount.
    lines = cli.sql(
        "SELECT p.name, count(*), CAST(sum(l.amount_minor) AS BIGINT) FROM dealline l "
        "JOIN product p ON p.id = l.product_id GROUP BY p.name"
    )
    closed_rows = [r for r in pipeline if r["close_value"]]
    expected_lines: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for row in closed_rows:
        name = "GTX Pro" if row["product"] == "GTXPro" else row["product"]
        expected_lines[name][0] += 1
        expected_lines[name][1] += int(row["close_value"]) * 100
    assert {name: [n, total] for name, n, total in lines} == expected_lines
    assert expected_lines["GTX Pro"][0] == sum(1 for r in closed_rows if r["product"] == "GTXPro")

    # Reps (35 agents + 6 managers), accounts with parents and fixed typos, products.
    teams = read("sales_teams.csv")
    managers = cli.sql(
        "SELECT r.name, m.name, r.team FROM rep r JOIN rep m ON m.id = r.manager_id ORDER BY r.id"
    )
    assert managers == [(t["sales_agent"], t["manager"], t["regional_office"]) for t in teams]
    accounts = read("accounts.csv")
    parents = cli.sql(
        "SELECT a.name, p.name FROM account a JOIN account p ON p.id = a.parent_id ORDER BY a.id"
    )
    assert parents == [(a["account"], a["subsidiary_of"]) for a in accounts if a["subsidiary_of"]]
    industries = dict(cli.sql("SELECT industry, count(*) FROM account GROUP BY industry"))
    assert industries["technology"] == sum(1 for a in accounts if a["sector"] == "technolgy")
    assert "technolgy" not in industries
    assert cli.sql("SELECT count(*) FROM account WHERE country = 'Philippines'")[0][0] == 1
    assert cli.sql("SELECT count(*) FROM product")[0][0] == 7

    # Deal types: a closed deal is `existing` when its account had an earlier win.
    first_win: dict[str, str] = {}
    for row in pipeline:
        account, close = row["account"], row["close_date"]
        if row["deal_stage"] == "Won" and (account not in first_win or close < first_win[account]):
            first_win[account] = close
    existing = sum(
        1
        for r in pipeline
        if r["account"]
        and r["account"] in first_win
        and (not r["close_date"] or first_win[r["account"]] < r["close_date"])
    )
    assert cli.sql("SELECT count(*) FROM deal WHERE deal_type = 'existing'")[0][0] == existing

    # The same files again are refused (the script stops at the first one).
    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    again = subprocess.run(
        ["bash", str(SCRIPT), str(MAVEN)], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 1
    assert "was already imported on 2026-11-23 09:00 UTC as batch 1" in again.stderr


def test_reports_agree_with_the_csv(imported):
    """report performance, trend and funnel on the real data, every figure from the CSV."""
    cli, _ = imported
    pipeline = read("sales_pipeline.csv")
    teams = {row["sales_agent"]: row["manager"] for row in read("sales_teams.csv")}
    closed = [r for r in pipeline if r["close_date"].startswith("2017")]

    # Won revenue, deals won and win rate per agent for 2017.
    won: dict[str, list] = collections.defaultdict(lambda: [0, Decimal(0), 0])
    for row in closed:
        figures = won[row["sales_agent"]]
        if row["deal_stage"] == "Won":
            figures[0] += 1
            figures[1] += Decimal(row["close_value"])
        elif row["deal_stage"] == "Lost":
            figures[2] += 1
    report = cli.json("report", "performance", "--period", "2017", "--format", "json")
    got = {
        r["rep"]: (r["won"], Decimal(str(r["won_amount"])), r["lost"], r["win_rate"])
        for r in report["rows"]
        if r["won"] or r["lost"]
    }
    # Rates to 4 places, half to even (docs/reports.md).
    assert got == {
        agent: (
            n,
            amount,
            lost,
            float((Decimal(n) / (n + lost)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)),
        )  # fmt: skip
        for agent, (n, amount, lost) in won.items()
    }

    # Each manager's team totals.
    for manager in sorted(set(teams.values())):
        members = [a for a, m in teams.items() if m == manager]
        team = cli.json("report", "performance", "--period", "2017", "--team", manager, "--format", "json")  # fmt: skip
        assert team["total"]["won"] == sum(won[a][0] for a in members), manager
        assert Decimal(str(team["total"]["won_amount"])) == sum(
            (won[a][1] for a in members), Decimal(0)
        ), manager

    # Deals won per product in 2017 (`deal list --group-by product`; GTXPro is GTX Pro).
    per_product = collections.Counter(
        "GTX Pro" if r["product"] == "GTXPro" else r["product"]
        for r in closed
        if r["deal_stage"] == "Won"
    )
    grouped = cli.json("deal", "list", "--won", "--closing", "2017", "--group-by", "product", "--format", "json")  # fmt: skip
    assert {g["product"]: g["count"] for g in grouped["groups"]} == per_product

    # The monthly won-revenue trend of 2017 (NOW is 2026-11: 119 months back to 2017-01).
    monthly: dict[str, Decimal] = collections.defaultdict(Decimal)
    for row in closed:
        if row["deal_stage"] == "Won":
            monthly[row["close_date"][:7]] += Decimal(row["close_value"])
    trend = cli.json("report", "trend", "--by", "month", "--last", "119", "--format", "json")
    series = {r["month"]: Decimal(str(r["revenue"])) for r in trend["rows"] if r["month"].startswith("2017")}  # fmt: skip
    assert series == {
        f"2017-{m:02d}": monthly.get(f"2017-{m:02d}", Decimal(0)) for m in range(1, 13)
    }

    # The funnel of the deals engaged in 2017: history is engage → close, so a won deal has
    # passed every open stage, an engaging one reached qualification, a lost one prospecting.
    cohort = [r for r in pipeline if r["engage_date"].startswith("2017")]
    stage_of = collections.Counter(STAGES[r["deal_stage"]] for r in cohort)
    funnel = cli.json("report", "funnel", "--period", "2017", "--format", "json")
    assert funnel["created"] == len(cohort)
    assert [(s["stage"], s["reached"]) for s in funnel["stages"]] == [
        ("prospecting", len(cohort)),
        ("qualification", stage_of["qualification"] + stage_of["won"]),
        ("proposal", stage_of["won"]),
        ("negotiation", stage_of["won"]),
        ("won", stage_of["won"]),
    ]
