"""`salescli demo`: a seeded sales team, valid by every rule, in an empty database only."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from tests.conftest import NOW, Cli, clean_env

SMALL = {"reps": 10, "leads": 150, "deals": 200, "activities": 800, "currency_rates": 13}
TABLES = (
    "rep",
    "account",
    "contact",
    "lead",
    "leadtag",
    "leadassignment",
    "deal",
    "stagechange",
    "activity",
    "currencyrate",
    "task",
    "quota",
    "forecastsnapshot",
)


def _norm(value):
    """One spelling per value on both backends (instants as naive UTC text, as SQLite stores)."""
    from salescli.instants import utc

    if isinstance(value, dt.datetime):
        return utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def dump(cli: Cli) -> dict[str, list[tuple]]:
    return {
        table: [
            tuple(_norm(v) for v in row) for row in cli.sql(f"SELECT * FROM {table} ORDER BY 1, 2")
        ]  # noqa: S608
        for table in TABLES
    }


def test_small_demo_reports_what_it_wrote(cli):
    report = cli.json("demo")
    assert {key: report[key] for key in SMALL} == SMALL
    assert report["seed"] == 1
    queries = {
        "reps": "SELECT count(*) FROM rep",
        "managers": "SELECT count(*) FROM rep WHERE manager_id IS NULL",
        "accounts": "SELECT count(*) FROM account",
        "contacts": "SELECT count(*) FROM contact",
        "leads": "SELECT count(*) FROM lead",
        "converted_leads": "SELECT count(*) FROM lead WHERE status = 'converted'",
        "deals": "SELECT count(*) FROM deal",
        "won": "SELECT count(*) FROM deal JOIN stage ON stage.id = deal.stage_id WHERE kind = 'won'",
        "lost": "SELECT count(*) FROM deal JOIN stage ON stage.id = deal.stage_id "
        "WHERE kind = 'lost'",
        "open": "SELECT count(*) FROM deal JOIN stage ON stage.id = deal.stage_id "
        "WHERE kind = 'open'",
        "stage_changes": "SELECT count(*) FROM stagechange",
        "activities": "SELECT count(*) FROM activity",
        "currency_rates": "SELECT count(*) FROM currencyrate",
    }
    assert {key: cli.sql(query)[0][0] for key, query in queries.items()} == {
        key: report[key] for key in queries
    }
    assert report["managers"] == 2
    assert report["won"] and report["lost"] and report["open"]
    assert report["converted_leads"] == 18  # 12 % of the leads


@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_demo_leaves_postgresql_the_statistics_of_what_it_wrote(cli):
    """The demo runs ANALYZE after its bulk load (demo_writer.analyze): without statistics
    PostgreSQL took the new tables for empty and planned the forecast snapshots that follow,
    and the first commands after them, as nested loops over every stage change (minutes at
    the large size). The planner's row counts are those of the tables, right after."""
    cli.ok("demo")
    for table in ("deal", "stagechange", "lead", "activity"):
        (estimate,) = cli.sql(f"SELECT reltuples FROM pg_class WHERE relname = '{table}'")[0]  # noqa: S608
        (count,) = cli.sql(f"SELECT count(*) FROM {table}")[0]  # noqa: S608
        assert count > 0 and estimate == count, table
    analyzed = cli.sql(
        "SELECT count(*) FROM pg_stats WHERE tablename = 'stagechange' AND attname = 'deal_id'"
    )
    assert analyzed == [(1,)]


def test_small_demo_has_open_done_overdue_today_and_repeating_tasks(cli):
    """Tasks come after the deals, from their own seeded stream: exact counts for the small
    size, each recounted from the rows against the demo's now (NOW, 09:00 UTC; the default
    time zone is UTC, so today's tasks are due by 2026-11-23 23:59:59)."""
    report = cli.json("demo")
    figures = ("tasks", "open_tasks", "overdue_tasks", "tasks_due_today", "repeating_tasks")
    assert {key: report[key] for key in figures} == {
        "tasks": 40, "open_tasks": 18, "overdue_tasks": 3, "tasks_due_today": 3,
        "repeating_tasks": 2,
    }  # fmt: skip
    now, tomorrow = "2026-11-23 09:00:00.000000", "2026-11-24 00:00:00.000000"
    recount = {
        "tasks": ("SELECT count(*) FROM task", {}),
        "open_tasks": ("SELECT count(*) FROM task WHERE done_at IS NULL", {}),
        "overdue_tasks": ("SELECT count(*) FROM task WHERE done_at IS NULL AND due_at < :n", {}),
        "tasks_due_today": (
            "SELECT count(*) FROM task WHERE done_at IS NULL AND due_at >= :n AND due_at < :e",
            {"e": tomorrow},
        ),
        "repeating_tasks": ("SELECT count(*) FROM task WHERE every IS NOT NULL", {}),
    }
    for key, (query, params) in recount.items():
        used = {"n": now, **params} if ":n" in query else params
        assert cli.sql(query, **used)[0][0] == report[key], key
    # Repeats are open, weekly or monthly; every task has a rep; done ones are on deals and
    # were done after they were created, never after now.
    assert cli.sql("SELECT DISTINCT every FROM task WHERE every IS NOT NULL ORDER BY 1") == [
        ("1m",), ("1w",),
    ]  # fmt: skip
    assert (
        cli.sql("SELECT count(*) FROM task WHERE every IS NOT NULL AND done_at IS NOT NULL")[0][0]
        == 0
    )
    assert cli.sql(
        "SELECT count(*) FROM task t LEFT JOIN rep r ON r.id = t.owner_id WHERE r.id IS NULL"
    ) == [(0,)]
    assert cli.sql(
        "SELECT count(*) FROM task WHERE done_at IS NOT NULL AND (deal_id IS NULL "
        "OR done_at < created_at OR done_at > :n)",
        n=now,
    ) == [(0,)]
    # Open tasks sit on open deals and open leads; untimed ones are due at the day's end.
    assert cli.sql(
        "SELECT count(*) FROM task t JOIN deal d ON d.id = t.deal_id JOIN stage s "
        "ON s.id = d.stage_id WHERE t.done_at IS NULL AND s.kind <> 'open'"
    ) == [(0,)]
    assert cli.sql(
        "SELECT count(*) FROM task t JOIN lead l ON l.id = t.lead_id "
        "WHERE t.done_at IS NULL AND l.status NOT IN ('new', 'contacted')"
    ) == [(0,)]
    untimed = cli.sql("SELECT due_at FROM task WHERE timed = :f", f=False)
    assert untimed and {_norm(at)[11:19] for (at,) in untimed} == {"23:59:59"}
    assert cli.sql("SELECT count(*) FROM task WHERE timed = :t", t=True)[0][0] > 0
    assert {t for (t,) in cli.sql("SELECT title FROM task")} >= {"Send proposal"}


def _quarters(days: int) -> list[tuple[str, str, str]]:
    """The calendar quarters (the default fiscal year) that begin within `days` of history
    before NOW, up to NOW's: (label, first day, day after)."""
    first = (dt.datetime.fromisoformat(NOW) - dt.timedelta(days=days)).date()
    today = dt.datetime.fromisoformat(NOW).date()
    found = []
    for year in range(first.year, today.year + 1):
        for q in range(4):
            start = dt.date(year, 3 * q + 1, 1)
            end = dt.date(year + (q == 3), (3 * q + 3) % 12 + 1, 1)
            if first <= start <= today:
                found.append((f"{year}-Q{q + 1}", start.isoformat(), end.isoformat()))
    return found


@pytest.mark.parametrize(
    ("args", "reps", "days"),
    [
        ((), 10, 365),
        (("--reps", "2", "--leads", "10", "--deals", "40", "--activities", "0"), 2, 365),
    ],
)
def test_quotas_every_quarter_of_the_history_and_team_quotas(cli, args, reps, days):
    quarters = _quarters(days)
    assert [q[0] for q in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    report = cli.json("demo", *args)
    # A rep quota for every rep who manages nobody, a team quota for every manager of someone.
    managing = cli.sql("SELECT count(DISTINCT manager_id) FROM rep WHERE manager_id IS NOT NULL")[0][0]  # fmt: skip
    assert managing == (2 if reps == 10 else 0)
    assert report["quotas"] == len(quarters) * reps
    rows = cli.sql(
        "SELECT scope, period, period_start, period_end, metric, currency, count(*) FROM quota "
        "GROUP BY scope, period, period_start, period_end, metric, currency ORDER BY 1, 2"
    )
    expected = [("rep", *q, "revenue", "USD", reps - managing) for q in quarters]
    expected += [("team", *q, "revenue", "USD", managing) for q in quarters] if managing else []
    assert [(r[0], r[1], _norm(r[2]), _norm(r[3]), *r[4:]) for r in rows] == sorted(expected)
    # A team quota is its reps' quotas, rounded up to 5,000 (in cents).
    for manager, start, target, summed in cli.sql(
        "SELECT t.rep_id, t.period_start, t.target, sum(q.target) FROM quota t "
        "JOIN rep r ON r.manager_id = t.rep_id JOIN quota q ON q.rep_id = r.id "
        "AND q.period_start = t.period_start AND q.scope = 'rep' WHERE t.scope = 'team' "
        "GROUP BY t.rep_id, t.period_start, t.target"
    ):
        assert target == -(-int(summed) // 500_000) * 500_000, (manager, start)
    # Rep targets in whole hundreds (thousands from 10,000), around what the team wins: the
    # team's targets of a complete quarter against what it won in the average one.
    assert cli.sql("SELECT count(*) FROM quota WHERE target % 10000 != 0") == [(0,)]
    if reps == 10:
        won = [
            cli.json("forecast", "--period", label)["total"]["closed"] for label, *_ in quarters[:3]
        ]
        targets = cli.sql(
            "SELECT sum(target) FROM quota WHERE scope = 'rep' AND period = '2026-Q2'"
        )[0][0]
        assert 0.7 <= int(targets) / 100 / (sum(won) / 3) <= 2.0
        # quota progress and forecast show them right after the demo
        progress = cli.json("quota", "progress")
        assert len(progress) == reps and all(row["target"] is not None for row in progress)
        assert sum(row["team"] is not None for row in progress) == managing
        forecast = cli.json("forecast")["rows"]
        sellers = [r for r in forecast if r["kind"] == "rep" and r["rep_id"] > managing]
        assert len(sellers) == reps - managing and all(r["quota"] for r in sellers)


def test_forecast_snapshots_of_the_last_three_quarters(cli):
    report = cli.json("demo")
    # weighted and category, per rep and for everyone, on the first day of 2026-Q2, Q3, Q4
    assert report["forecast_snapshots"] == 3 * 2 * (10 + 1)
    rows = cli.json("forecast", "accuracy")
    assert len(rows) == 66
    taken = sorted({(r["period"], r["taken_at"], r["method"]) for r in rows})
    assert taken == [
        (period, f"{day}T09:00:00+00:00", method)
        for period, day in (("2026-Q2", "2026-04-01"), ("2026-Q3", "2026-07-01"), ("2026-Q4", "2026-10-01"))
        for method in ("category", "weighted")
    ]  # fmt: skip
    assert all(r["complete"] == (r["period"] != "2026-Q4") for r in rows)
    for period in ("2026-Q2", "2026-Q3"):
        # the actual per rep is what `forecast` says each rep won in the quarter
        won = {r["rep"]: r["closed"] for r in cli.json("forecast", "--period", period)["rows"] if r["kind"] == "rep"}  # fmt: skip
        for method in ("weighted", "category"):
            mine = [r for r in rows if (r["period"], r["method"]) == (period, method)]
            reps = {r["rep"]: r for r in mine if r["rep_id"] is not None}
            assert {name: r["actual"] for name, r in reps.items()} == won
            everyone = next(r for r in mine if r["rep_id"] is None)
            assert everyone["forecast"] == pytest.approx(sum(r["forecast"] for r in reps.values()))
            assert everyone["actual"] == pytest.approx(sum(won.values()))
        # the deals a snapshot counted, found again in SQL: created before the quarter's
        # morning, closing in it, and in an open stage (not omitted) as the quarter began
        start, end = {"2026-Q2": ("2026-04-01", "2026-07-01"), "2026-Q3": ("2026-07-01", "2026-10-01")}[period]  # fmt: skip
        counted = cli.sql(
            "SELECT count(*) FROM deal d WHERE d.created_at < :at AND d.close_date >= :start "
            "AND d.close_date < :end AND (SELECT s.kind || ':' || s.forecast_category "
            "FROM stagechange c JOIN stage s ON s.id = c.to_stage_id WHERE c.deal_id = d.id "
            "AND c.changed_at < :at ORDER BY c.changed_at DESC, c.id DESC LIMIT 1) "
            "IN ('open:commit', 'open:best_case', 'open:pipeline')",
            at=f"{start} 00:00:00+00:00", start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end),
        )[0][0]  # fmt: skip
        figures = cli.sql(
            "SELECT figures FROM forecastsnapshot WHERE rep_id IS NULL AND period = :p",
            p=period,
        )
        assert [json.loads(f)["count"] for (f,) in figures] == [counted, counted] and counted > 0
    assert any(r["forecast"] > 0 for r in rows if r["method"] == "weighted")


def test_table_output_ends_with_three_commands_to_try(cli):
    result = cli.ok("demo")
    assert "deals\t200\n" in result.out
    assert result.err == (
        "Try:\n"
        "  salescli deal list --open --sort amount --sum\n"
        "  salescli lead list --status new --sort score\n"
        "  salescli rep list\n"
    )


def test_same_seed_same_data_on_another_database(cli, tmp_path):
    cli.ok("demo", "--seed", "7")
    other = Cli(str(tmp_path / "other.db"))
    other.ok("--db", other.url, "demo", "--seed", "7")
    first, second = dump(cli), dump(other)
    for table in TABLES:
        assert first[table] == second[table], table
    third = Cli(str(tmp_path / "third.db"))
    third.ok("--db", third.url, "demo", "--seed", "8")
    different = dump(third)
    assert different["lead"] != first["lead"]
    assert different["deal"] != first["deal"]


def test_demo_help_imports_no_heavy_library():
    from tests.test_startup import HEAVY, heavy_modules_after

    out, loaded = heavy_modules_after(["demo", "--help"], heavy=(*HEAVY, "faker"))
    assert "Example: salescli --db demo.db demo" in out
    assert loaded == []


def test_refuses_a_database_that_holds_data(cli):
    cli.ok("lead", "add", "Ana Souza")
    result = cli("demo")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: the database ")
    assert lines[0].endswith(
        "already holds data (lead: 1); salescli demo fills only an empty database "
        "(e.g. salescli --db demo.db demo)"
    )
    assert cli.sql("SELECT count(*) FROM lead")[0][0] == 1
    assert cli.sql("SELECT count(*) FROM deal")[0][0] == 0
    assert cli.sql("SELECT count(*) FROM rep")[0][0] == 0


def test_a_second_demo_is_refused_and_changes_nothing(cli):
    report = cli.json("demo", "--leads", "20", "--deals", "20", "--activities", "50", "--reps", "3")
    before = dump(cli)
    result = cli("demo")
    assert result.code == 1
    held = (
        f"rep: 3, account: {report['accounts']}, contact: {report['contacts']}, lead: 20, "
        f"deal: 20, activity: 50, task: {report['tasks']}, currencyrate: 13, quota: 12, "
        "forecastsnapshot: 24"
    )
    assert report["tasks"] == 12  # at least 4 per rep
    # 3 reps (a manager and two reps) x 4 quarters; 3 quarters x 2 methods x (3 reps + all)
    assert (report["quotas"], report["forecast_snapshots"]) == (12, 24)
    assert f"already holds data ({held}); salescli demo fills" in result.err
    assert dump(cli) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--size", "huge"],
            "Error: --size 'huge' is not one of small, medium, large (e.g. --size small)",
        ),
        (["--leads", "-1"], "Error: --leads '-1' must be 0 or more (e.g. --leads 1000)"),
        (
            ["--reps", "0"],
            "Error: --reps '0' must be at least 1: someone owns the work (e.g. --reps 10)",
        ),
        (
            ["--deals", "2000001"],
            "Error: --deals '2000001' is more than a demo makes (at most 2,000,000) "
            "(e.g. --deals 200000)",
        ),
        (
            ["--reps", "99999999999999999999"],
            "Error: --reps '99999999999999999999' is more than a demo makes (at most 1,000) "
            "(e.g. --reps 100)",
        ),
        (
            ["--leads", "1000001"],
            "Error: --leads '1000001' is more than a demo makes (at most 1,000,000) "
            "(e.g. --leads 100000)",
        ),
        (
            ["--activities", "5000001"],
            "Error: --activities '5000001' is more than a demo makes (at most 5,000,000) "
            "(e.g. --activities 500000)",
        ),
    ],
)
def test_bad_sizes_are_usage_errors(cli, args, message):
    result = cli("demo", *args)
    assert (result.code, result.err) == (2, message + "\n")
    assert cli.sql("SELECT count(*) FROM rep")[0][0] == 0


def test_the_most_reps_a_demo_makes_have_names_of_their_own(cli):
    """More reps than a region has names (about 300 each) still end: numbered names."""
    report = cli.json("demo", "--reps", "1000", "--leads", "0", "--deals", "0", "--activities", "0")
    assert report["reps"] == 1000
    assert cli.sql("SELECT count(DISTINCT name_key) FROM rep") == [(1000,)]


def test_every_deal_has_a_stage_history_that_ends_in_its_stage(cli):
    cli.ok("demo")
    stages = {sid: (prob, cat, kind) for sid, prob, cat, kind in cli.sql(
        "SELECT id, probability, forecast_category, kind FROM stage"
    )}  # fmt: skip
    history: dict[int, list[tuple]] = {}
    for deal_id, from_id, to_id, prob, at in cli.sql(
        "SELECT deal_id, from_stage_id, to_stage_id, probability, changed_at FROM stagechange "
        "ORDER BY deal_id, changed_at, id"
    ):
        history.setdefault(deal_id, []).append((from_id, to_id, prob, _norm(at)))
    deals = cli.sql(
        "SELECT id, stage_id, probability, forecast_category, close_date, lost_reason_id, "
        "created_at, stage_entered_at FROM deal ORDER BY id"
    )
    assert len(deals) == 200 and len(history) == 200
    today = dt.date.fromisoformat(NOW[:10])
    for deal_id, stage_id, prob, category, close, reason, created, entered in deals:
        changes = history[deal_id]
        assert changes[0][0] is None and changes[0][3] == _norm(created)
        for before, after in zip(changes, changes[1:], strict=False):
            assert after[0] == before[1]  # each change leaves the stage the previous entered
            assert after[3] >= before[3]
        for _, to_id, change_prob, _ in changes:
            assert change_prob == stages[to_id][0]  # the stage's default when entered
        assert changes[-1][1] == stage_id
        assert changes[-1][3] == _norm(entered)
        assert (prob, category) == stages[stage_id][:2]
        kind = stages[stage_id][2]
        if kind == "won":
            assert prob == 100 and category == "closed"
            assert dt.date.fromisoformat(str(close)) <= today
            assert dt.date.fromisoformat(str(close)) == dt.date.fromisoformat(changes[-1][3][:10])
            assert reason is None
        elif kind == "lost":
            assert reason is not None and close is not None
        else:
            assert reason is None
            assert all(stages[c[1]][2] == "open" for c in changes)


def test_converted_leads_became_an_account_a_contact_and_a_deal(cli):
    cli.ok("demo")
    converted = cli.sql(
        "SELECT id, name, email, company, owner_id, source, converted_at FROM lead "
        "WHERE status = 'converted' ORDER BY id"
    )
    assert len(converted) == 18
    for lead_id, name, email, company, owner, source, converted_at in converted:
        assert converted_at is not None
        contacts = cli.sql(
            "SELECT id, name, email, account_id, owner_id FROM contact WHERE lead_id = :l",
            l=lead_id,
        )
        assert len(contacts) == 1
        contact_id, contact_name, contact_email, account_id, contact_owner = contacts[0]
        assert (contact_name, contact_email, contact_owner) == (name, email, owner)
        account = cli.sql("SELECT name, created_at FROM account WHERE id = :a", a=account_id)
        assert account and account[0][0].startswith(company)
        assert _norm(account[0][1]) <= _norm(converted_at)  # found or created by then
        deals = cli.sql(
            "SELECT title, account_id, contact_id, owner_id, source, created_at FROM deal "
            "WHERE lead_id = :l",
            l=lead_id,
        )
        assert deals == [
            (f"{account[0][0]} – {name}", account_id, contact_id, owner, source, deals[0][5])
        ]
        assert _norm(deals[0][5]) == _norm(converted_at)
    created = [_norm(at) for (at,) in cli.sql("SELECT created_at FROM deal ORDER BY id")]
    assert created == sorted(created)  # deal ids follow time, conversions included
    others = cli.sql(
        "SELECT count(*) FROM deal JOIN lead ON lead.id = deal.lead_id "
        "WHERE lead.status <> 'converted'"
    )
    assert others == [(0,)]


def test_records_follow_the_rules_of_the_normal_commands(cli):
    from salescli.services.leads.io import clean_email, lead_search_text
    from salescli.text import email_key, fold, phone_key, search_text

    cli.ok("demo")
    for name, email, key, phone, pkey, company, title, text in cli.sql(
        "SELECT name, email, email_key, phone, phone_key, company, title, search_text FROM lead"
    ):
        if email is not None:
            assert clean_email(email) == email and key == email_key(email)
        assert pkey == phone_key(phone)
        values = {"name": name, "email": email, "phone": phone, "company": company, "title": title}
        assert text == lead_search_text(values)
    for name, key in cli.sql("SELECT name, name_key FROM account"):
        assert key == fold(name)
    for title, account, text in cli.sql(
        "SELECT d.title, a.name, d.search_text FROM deal d JOIN account a ON a.id = d.account_id"
    ):
        assert text == search_text(title, account)
    # Scores are what `lead score --all` computes: rescoring changes none.
    result = cli.ok("lead", "score", "--all")
    assert result.err == "0 of 150 lead scores changed\n"
    # Leads with activities are no longer new, and their last contact is the latest one.
    assert cli.sql(
        "SELECT count(*) FROM lead WHERE status = 'new' AND id IN (SELECT lead_id FROM activity)"
    ) == [(0,)]
    mismatched = cli.sql(
        "SELECT count(*) FROM lead l WHERE l.last_contact_at IS NOT NULL AND l.last_contact_at "
        "<> (SELECT max(occurred_at) FROM activity a WHERE a.lead_id = l.id)"
    )
    assert mismatched == [(0,)]
    assert cli.json("db", "check")["ok"] is True


def test_the_everyday_commands_work_on_it(cli):
    cli.ok("demo")
    deals = cli.json("deal", "list", "--all", "--limit", "0")
    assert len(deals) == 200
    assert len(cli.json("lead", "list", "--limit", "0")) == 150
    reps = cli.json("rep", "list")
    assert len(reps) == 10
    assert sum(1 for rep in reps if rep["manager"] is None) == 2
    assert all(rep["territory"] and rep["skills"] for rep in reps)
    account = cli.json("account", "show", "1")
    assert account["id"] == 1 and account["contacts"]
    shown = cli.json("deal", "show", str(deals[0]["id"]))
    assert shown["stage_history"]
    totals = cli.ok("deal", "list", "--all", "--sum").err
    assert "200 deals: amount " in totals
    assert cli.json("db", "check")["ok"] is True


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_killed_demo_leaves_nothing_and_can_run_again(cli, tmp_path):
    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    proc = subprocess.Popen(
        [sys.executable, "-m", "salescli", "demo", "--leads", "20000", "--deals", "60000"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = f"{cli.url}-wal"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(wal) and os.path.getsize(wal) > 4_000_000:
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("the demo finished before it could be killed")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert cli.sql("SELECT count(*) FROM lead")[0][0] == 0
    assert cli.sql("SELECT count(*) FROM rep")[0][0] == 0
    report = cli.json("demo")
    assert report["deals"] == 200
    assert cli.json("db", "check")["ok"] is True
