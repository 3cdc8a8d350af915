#!/usr/bin/env python
"""Every `salescli report` over the large demo, each beside its floor: the same figures
computed by the `sqlite3` shell from equivalent SQL on the same file.

Usage:
    python benchmarks/reports.py [--db FILE] [--dir DIR] [--runs N] [--only NAME ...]
                                 [--check] [--json FILE]

The database is the `large` demo of benchmarks/run.py (1,000,000 deals, 200,000 leads,
2,000,000 activities; built once and cached in `$TMPDIR/salescli-bench/`, or `--dir DIR`)
unless `--db FILE` names one. The clock is benchmarks/run.py's `SALESCLI_NOW` (Monday
2026-11-23 09:00 UTC, inside the demo's three years of history); the reporting currency is
the demo's USD and its time zone UTC. Each report runs with `--format json` (the JSON carries
every row: `report stale`'s lists whole) and its default period, except `report activity`
(`--period last-month`: its default, this week, is two hours old on a Monday morning).
`report commission` needs a plan: when the database has none, `commission plan set --new
10% --existing 5% --accelerator 1.5x-above-100%` is stored first (settings only).

For each report the salescli process, the sqlite3 process and the stack floor (a Python
process importing SQLAlchemy and Typer, then running the floor's statements through the
sqlite3 module: what any program on salescli's stack pays at least) run in turn `--runs`
times (after one warm-up round, the order rotated every round); the table gives the medians
of wall and CPU time (user + system of the child), the median of the per-round wall ratios
to the floor (target <= 2x; `report weekly` also under 3 s; the verdict says when the stack
floor alone is over it) and of the CPU ratios (the steadier reading on a shared machine,
where the wall clock waits for a core), and salescli's peak memory (the largest ru_maxrss of
its runs; target < 200 MiB).

The floors (one script per report, fed to `sqlite3 -readonly`): the same filters and period
bounds, every section of the report, money converted in SQL to the reporting currency by a
correlated sub-select on `currencyrate` (closed deals at the rate in force on their close
date, open deals at today's), amounts summed in SQL; the few divisions (win rate, average,
velocity, conversion, changes) done in SQL too. `--check` compares salescli's figures with
the floor's (run through Python's sqlite3 module: the same statements) for every report but
the leaderboard (performance's figures): each group's figures for pipeline, lost, performance,
activity, funnel, trend and sources; the counts, list lengths and payouts for stale,
commission and weekly. It exits 1 on a difference over a cent.
"""

# The floors are SQL text built from this file's constants and dates, never from input.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (benchmarks/run.py: the databases and their environment)
from forecast import (  # noqa: E402
    MEMORY_TARGET_MIB,
    TIME_TARGET,
    options,
    paired,
    prepare,
    quarter,
    stack_floor,
    verdict,
)

TODAY = bench.NOW[:10]
NOW = bench.NOW[:19].replace("T", " ") + ".000000"  # instants are stored as naive UTC text
CURRENCY = "USD"
WEEKLY_TARGET_S = 3.0
PLAN = ["--new", "10%", "--existing", "5%", "--accelerator", "1.5x-above-100%"]


def month_start(day: str, back: int = 0) -> str:
    """The first day of the month `back` months before the one holding `day`."""
    index = int(day[:4]) * 12 + int(day[5:7]) - 1 - back
    return f"{index // 12}-{index % 12 + 1:02d}-01"


def instant(day: str) -> str:
    return f"{day} 00:00:00.000000"


def money(on: str) -> str:
    """A deal's amount (alias d) in the reporting currency, at the rate in force on `on`."""
    return (
        f"(d.amount_minor / 100.0 * (CASE WHEN d.currency = '{CURRENCY}' THEN 1.0 ELSE"
        f" (SELECT CAST(r.rate AS REAL) FROM currencyrate r WHERE r.currency = d.currency"
        f" AND r.quote = '{CURRENCY}' AND r.valid_on <= {on}"
        " ORDER BY r.valid_on DESC LIMIT 1) END))"
    )


CLOSED = money("d.close_date")
OPEN = money(f"'{TODAY}'")


def pipeline_sql() -> str:
    return f"""WITH o AS (
 SELECT s.name AS stage, s.position AS pos, d.owner_id, rp.name AS rep, d.amount_minor,
  {OPEN} AS amount, {OPEN} * d.probability / 100.0 AS weighted
 FROM deal d JOIN stage s ON s.id = d.stage_id LEFT JOIN rep rp ON rp.id = d.owner_id
 WHERE d.stage_id IN (SELECT id FROM stage WHERE kind = 'open'))
SELECT 'row', stage, rep, count(*), round(sum(amount), 2), round(sum(weighted), 2),
 count(*) - count(amount_minor) FROM o GROUP BY pos, stage, owner_id
UNION ALL SELECT 'stage', stage, NULL, count(*), round(sum(amount), 2),
 round(sum(weighted), 2), count(*) - count(amount_minor) FROM o GROUP BY pos, stage
UNION ALL SELECT 'total', NULL, NULL, count(*), round(sum(amount), 2), round(sum(weighted), 2),
 count(*) - count(amount_minor) FROM o;
"""


def lost_sql(start: str, end: str) -> str:
    return f"""WITH l AS (
 SELECT d.owner_id, rp.name AS rep, lr.name AS reason, d.amount_minor, {CLOSED} AS amount,
  (SELECT f.from_stage_id FROM stagechange f JOIN stage ls ON ls.id = f.to_stage_id
   WHERE f.deal_id = d.id AND ls.kind = 'lost' ORDER BY f.id DESC LIMIT 1) AS lost_at
 FROM deal d JOIN stage s ON s.id = d.stage_id LEFT JOIN rep rp ON rp.id = d.owner_id
 LEFT JOIN lostreason lr ON lr.id = d.lost_reason_id
 WHERE s.kind = 'lost' AND d.close_date >= '{start}' AND d.close_date < '{end}')
SELECT 'reason', reason, count(*), round(sum(amount), 2), count(*) - count(amount_minor)
 FROM l GROUP BY reason
UNION ALL SELECT 'stage', st.name, count(*), round(sum(amount), 2),
 count(*) - count(amount_minor) FROM l LEFT JOIN stage st ON st.id = l.lost_at
 GROUP BY st.position, st.name
UNION ALL SELECT 'rep', rep, count(*), round(sum(amount), 2), count(*) - count(amount_minor)
 FROM l GROUP BY owner_id
UNION ALL SELECT 'total', NULL, count(*), round(sum(amount), 2), count(*) - count(amount_minor)
 FROM l;
"""


def performance_sql(start: str, end: str, leaderboard: bool = False) -> str:
    """Per rep, then the total row: won, lost, win rate, won amount, average deal, cycle days,
    open deals, velocity, activities (the leaderboard adds the covering revenue quota)."""
    quota = (
        f""" LEFT JOIN quota q ON q.scope = 'rep' AND q.rep_id = o.owner_id
 AND q.metric = 'revenue' AND q.period_start <= '{start}' AND q.period_end >= '{end}'"""
        if leaderboard
        else ""
    )
    target = ", q.target / 100.0, o.won_amount / (q.target / 100.0)" if leaderboard else ""
    where = (
        " WHERE o.owner_id IS NOT NULL AND o.owner_id != -1 ORDER BY 6 DESC" if leaderboard else ""
    )
    return f"""WITH closed AS (
 SELECT d.owner_id, s.kind, d.amount_minor, {CLOSED} AS amount,
  max(julianday(d.close_date) - julianday(date(d.created_at)), 0) AS cycle
 FROM deal d JOIN stage s ON s.id = d.stage_id
 WHERE s.kind IN ('won', 'lost') AND d.close_date >= '{start}' AND d.close_date < '{end}'),
per AS (SELECT owner_id, sum(kind = 'won') AS won, sum(kind = 'lost') AS lost,
  coalesce(sum(CASE WHEN kind = 'won' THEN amount END), 0) AS won_amount,
  count(CASE WHEN kind = 'won' THEN amount_minor END) AS known,
  sum(CASE WHEN kind = 'won' THEN cycle END) AS cycle_sum,
  count(CASE WHEN kind = 'won' THEN cycle END) AS cycle_n
 FROM closed GROUP BY owner_id),
opened AS (SELECT owner_id, count(*) AS open_deals FROM deal
 WHERE stage_id IN (SELECT id FROM stage WHERE kind = 'open') GROUP BY owner_id),
acts AS (SELECT rep_id AS owner_id, count(*) AS activities FROM activity
 WHERE occurred_at >= '{instant(start)}' AND occurred_at < '{instant(end)}' GROUP BY rep_id),
owners AS (SELECT owner_id FROM per UNION SELECT owner_id FROM opened
 UNION SELECT owner_id FROM acts),
fig AS (SELECT o.owner_id, coalesce(p.won, 0) AS won, coalesce(p.lost, 0) AS lost,
  coalesce(p.won_amount, 0) AS won_amount, p.known, p.cycle_sum, p.cycle_n,
  coalesce(op.open_deals, 0) AS open_deals, coalesce(a.activities, 0) AS activities
 FROM owners o LEFT JOIN per p ON p.owner_id IS o.owner_id
 LEFT JOIN opened op ON op.owner_id IS o.owner_id LEFT JOIN acts a ON a.owner_id IS o.owner_id
 UNION ALL SELECT -1, sum(won), sum(lost), sum(won_amount), sum(known), sum(cycle_sum),
  sum(cycle_n), (SELECT sum(open_deals) FROM opened), (SELECT sum(activities) FROM acts)
 FROM per),
rates AS (SELECT *, CASE WHEN won + lost > 0 THEN won * 1.0 / (won + lost) END AS win_rate,
  CASE WHEN known > 0 THEN round(won_amount / known, 2) END AS average,
  CASE WHEN cycle_n > 0 THEN round(cycle_sum / cycle_n, 1) END AS cycle FROM fig)
SELECT rp.name, o.owner_id, won, lost, win_rate, round(won_amount, 2) AS won_amount, average,
 cycle, open_deals, CASE WHEN cycle > 0 THEN round(open_deals * win_rate * average / cycle, 2)
 END, activities{target}
FROM rates o LEFT JOIN rep rp ON rp.id = o.owner_id
{quota}{where};
"""


def funnel_sql(start: str, end: str) -> str:
    return f"""WITH cohort AS (SELECT id, stage_id FROM deal
 WHERE created_at >= '{instant(start)}' AND created_at < '{instant(end)}'),
reach AS (SELECT deal_id, max(position) AS reach FROM (
  SELECT c.deal_id, s.position FROM stagechange c JOIN cohort k ON k.id = c.deal_id
  JOIN stage s ON s.id = c.to_stage_id WHERE s.kind != 'lost'
  UNION ALL SELECT k.id, s.position FROM cohort k JOIN stage s ON s.id = k.stage_id
  WHERE s.kind != 'lost') GROUP BY deal_id),
stays AS (SELECT c.to_stage_id AS stage_id, julianday(lead(c.changed_at) OVER (
  PARTITION BY c.deal_id ORDER BY c.changed_at, c.id)) - julianday(c.changed_at) AS days
 FROM stagechange c JOIN cohort k ON k.id = c.deal_id),
ranked AS (SELECT stage_id, days, row_number() OVER (PARTITION BY stage_id ORDER BY days) AS rn,
  count(*) OVER (PARTITION BY stage_id) AS n FROM stays WHERE days IS NOT NULL),
medians AS (SELECT stage_id, avg(days) AS median FROM ranked
 WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY stage_id),
reached AS (SELECT s.id, s.name, s.kind, s.position,
  (SELECT count(*) FROM reach WHERE reach >= s.position) AS reached
 FROM stage s WHERE s.kind != 'lost')
SELECT x.name, x.kind, x.reached, x.reached * 1.0 / nullif(lag(x.reached) OVER (
  ORDER BY x.position), 0) AS conversion, CASE WHEN x.kind = 'open' THEN round(m.median, 1) END,
 (SELECT count(*) FROM cohort)
FROM reached x LEFT JOIN medians m ON m.stage_id = x.id ORDER BY x.position;
"""


def sources_sql(start: str, end: str) -> str:
    return f"""WITH leads AS (SELECT source, count(*) AS leads, sum(status = 'converted') AS converted
 FROM lead WHERE created_at >= '{instant(start)}' AND created_at < '{instant(end)}'
 GROUP BY source),
made AS (SELECT source, count(*) AS deals FROM deal
 WHERE created_at >= '{instant(start)}' AND created_at < '{instant(end)}' GROUP BY source),
closed AS (SELECT d.source, sum(s.kind = 'won') AS won, sum(s.kind = 'lost') AS lost,
  coalesce(sum(CASE WHEN s.kind = 'won' THEN {CLOSED} END), 0) AS won_amount,
  count(CASE WHEN s.kind = 'won' THEN d.amount_minor END) AS known
 FROM deal d JOIN stage s ON s.id = d.stage_id
 WHERE s.kind IN ('won', 'lost') AND d.close_date >= '{start}' AND d.close_date < '{end}'
 GROUP BY d.source),
keys AS (SELECT source FROM leads UNION SELECT source FROM made UNION SELECT source FROM closed)
SELECT k.source, coalesce(l.leads, 0) AS leads, coalesce(l.converted, 0),
 l.converted * 1.0 / l.leads, coalesce(m.deals, 0), coalesce(c.won, 0), coalesce(c.lost, 0),
 round(coalesce(c.won_amount, 0), 2) AS won_amount, c.won * 1.0 / nullif(c.won + c.lost, 0),
 round(c.won_amount / nullif(c.known, 0), 2)
FROM keys k LEFT JOIN leads l ON l.source IS k.source LEFT JOIN made m ON m.source IS k.source
 LEFT JOIN closed c ON c.source IS k.source
ORDER BY won_amount DESC, leads DESC;
"""


def activity_sql(start: str, end: str) -> str:
    return f"""WITH a AS (SELECT date(occurred_at) AS day, rep_id, kind FROM activity
 WHERE occurred_at >= '{instant(start)}' AND occurred_at < '{instant(end)}')
SELECT 'row', a.day, rp.name, sum(kind = 'call'), sum(kind = 'email'), sum(kind = 'meeting'),
 sum(kind = 'note'), count(*) FROM a LEFT JOIN rep rp ON rp.id = a.rep_id
 GROUP BY a.day, a.rep_id
UNION ALL SELECT 'rep', NULL, rp.name, sum(kind = 'call'), sum(kind = 'email'),
 sum(kind = 'meeting'), sum(kind = 'note'), count(*) FROM a LEFT JOIN rep rp ON rp.id = a.rep_id
 GROUP BY a.rep_id
UNION ALL SELECT 'total', NULL, NULL, sum(kind = 'call'), sum(kind = 'email'),
 sum(kind = 'meeting'), sum(kind = 'note'), count(*) FROM a;
"""


def trend_sql(start: str, end: str) -> str:
    """Won revenue per month from `start` (a year before the first month shown) to `end`,
    with the change from the month before and from a year before."""
    return f"""WITH RECURSIVE months(first) AS (SELECT '{start}' UNION ALL
 SELECT date(first, '+1 month') FROM months WHERE date(first, '+1 month') < '{end}'),
m AS (SELECT substr(d.close_date, 1, 7) AS month, round(sum({CLOSED}), 2) AS revenue
 FROM deal d JOIN stage s ON s.id = d.stage_id
 WHERE s.kind = 'won' AND d.close_date >= '{start}' AND d.close_date < '{end}'
 GROUP BY month),
c AS (SELECT substr(x.first, 1, 7) AS month, coalesce(m.revenue, 0) AS revenue,
  lag(coalesce(m.revenue, 0)) OVER w AS previous,
  lag(coalesce(m.revenue, 0), 12) OVER w AS year_ago
 FROM months x LEFT JOIN m ON m.month = substr(x.first, 1, 7) WINDOW w AS (ORDER BY x.first))
SELECT month, revenue, previous, revenue / nullif(previous, 0) - 1, year_ago,
 revenue / nullif(year_ago, 0) - 1 FROM c ORDER BY month;
"""


def stale_sql(limit: int | None = None) -> str:
    """The stale deals and overdue tasks: counts per owner, then both lists (all, or the
    first `limit`): two statements each, as the report makes them."""
    page = f" LIMIT {limit}" if limit else ""
    deals = f"""WITH cut AS (SELECT id AS stage_id, name AS stage, stale_days,
  datetime('{NOW[:19]}', '-' || stale_days || ' days') || '.000000' AS cutoff
 FROM stage WHERE kind = 'open'),
idle AS (SELECT d.id, d.title, d.owner_id, c.stage, c.stale_days, c.cutoff,
  max(d.stage_entered_at, coalesce(d.last_activity_at, d.stage_entered_at),
   coalesce((SELECT max(a.occurred_at) FROM activity a WHERE a.deal_id = d.id),
    d.stage_entered_at)) AS touched
 FROM cut c CROSS JOIN deal d ON d.stage_id = c.stage_id AND d.stage_entered_at <= c.cutoff
 WHERE d.last_activity_at IS NULL OR d.last_activity_at <= c.cutoff)"""
    tasks = f"""FROM task t LEFT JOIN rep o ON o.id = t.owner_id
 LEFT JOIN deal d ON d.id = t.deal_id LEFT JOIN stage s ON s.id = d.stage_id
 LEFT JOIN lead l ON l.id = t.lead_id LEFT JOIN contact c ON c.id = t.contact_id
 LEFT JOIN account ac ON ac.id = t.account_id
 WHERE t.done_at IS NULL AND t.due_at < '{NOW}'"""
    return f"""{deals}
SELECT owner_id, count(*) FROM idle WHERE touched <= cutoff GROUP BY owner_id;
{deals}
SELECT i.id, i.title, rp.name, i.stage, i.stale_days, i.touched,
 julianday('{NOW[:19]}') - julianday(i.touched) FROM idle i LEFT JOIN rep rp ON rp.id = i.owner_id
 WHERE i.touched <= i.cutoff ORDER BY i.touched, i.id{page};
SELECT t.owner_id, count(*) {tasks} GROUP BY t.owner_id;
SELECT t.*, o.name, coalesce(d.title, l.name, c.name, ac.name), CASE
 WHEN t.deal_id IS NOT NULL THEN d.last_activity_at WHEN t.lead_id IS NOT NULL
 THEN l.last_contact_at WHEN t.contact_id IS NOT NULL THEN c.last_contact_at
 ELSE ac.last_contact_at END, s.name, d.amount_minor, d.currency, l.forgotten
{tasks}
ORDER BY t.due_at IS NULL, t.due_at, CASE t.priority WHEN 'high' THEN 0 WHEN 'low' THEN 2
 ELSE 1 END, t.id{page};
"""


def commission_sql(start: str, end: str) -> str:
    """Each won deal of the period as a line (converted, its rate by deal type, commission to
    the cent, half to even as salescli rounds: SQLite's round() goes half away from zero), the
    rep's running won total (where the accelerator starts) and payout."""
    return f"""WITH plan AS (SELECT
  (SELECT CAST(value AS REAL) FROM setting WHERE key = 'commission.new') AS new,
  (SELECT CAST(value AS REAL) FROM setting WHERE key = 'commission.existing') AS existing),
line AS (SELECT rp.name AS rep, d.owner_id, d.id, d.title, d.close_date,
  CASE WHEN d.deal_type = 'existing' THEN 'existing' ELSE 'new' END AS type, {CLOSED} AS amount,
  CASE WHEN d.deal_type = 'existing' THEN plan.existing ELSE plan.new END AS rate
 FROM deal d JOIN stage s ON s.id = d.stage_id JOIN rep rp ON rp.id = d.owner_id, plan
 WHERE s.kind = 'won' AND d.close_date >= '{start}' AND d.close_date < '{end}'),
paid AS (SELECT *, amount * rate * 100 AS cents FROM line),
cent AS (SELECT *, (CAST(cents AS INTEGER) + CASE
  WHEN cents - CAST(cents AS INTEGER) > 0.5000005 THEN 1
  WHEN cents - CAST(cents AS INTEGER) < 0.4999995 THEN 0
  ELSE CAST(cents AS INTEGER) % 2 END) / 100.0 AS commission FROM paid)
SELECT l.rep, l.owner_id, l.id, l.title, l.close_date, l.type, round(l.amount, 2), l.rate,
 l.commission, sum(l.amount) OVER (PARTITION BY l.owner_id ORDER BY l.close_date, l.id),
 sum(l.commission) OVER (PARTITION BY l.owner_id) AS payout, q.target / 100.0
FROM cent l LEFT JOIN quota q ON q.scope = 'rep' AND q.rep_id = l.owner_id
 AND q.metric = 'revenue' AND q.period_start <= '{start}' AND q.period_end >= '{end}'
ORDER BY l.rep, l.owner_id, l.close_date, l.id;
"""


def weekly_sql(week: tuple[str, str], this_quarter: tuple[str, str]) -> str:
    start, end = week
    results = f"""SELECT s.kind, count(*), round(sum({CLOSED}), 2) FROM deal d
 JOIN stage s ON s.id = d.stage_id
 WHERE s.kind IN ('won', 'lost') AND d.close_date >= '{start}' AND d.close_date < '{end}'
 GROUP BY s.kind;
SELECT count(*) FROM lead WHERE created_at >= '{instant(start)}' AND created_at < '{instant(end)}';
SELECT count(*) FROM stagechange WHERE changed_at >= '{instant(start)}'
 AND changed_at < '{instant(end)}' AND from_stage_id IS NOT NULL;
"""
    return (
        results
        + performance_sql(*this_quarter, leaderboard=True)
        + funnel_sql(*this_quarter)
        + sources_sql(*this_quarter)
        + stale_sql(limit=20)
    )


def reports() -> dict[str, tuple[list[str], str]]:
    """Each report: (salescli's arguments, the floor's SQL)."""
    this_quarter = quarter(TODAY)
    this_month = (month_start(TODAY), month_start(TODAY, -1))
    last_month = (month_start(TODAY, 1), month_start(TODAY))
    monday = dt.date.fromisoformat(TODAY) - dt.timedelta(days=dt.date.fromisoformat(TODAY).weekday())  # fmt: skip
    last_week = ((monday - dt.timedelta(days=7)).isoformat(), monday.isoformat())
    # 12 months shown, each compared with the one a year before: 24 months read.
    trend_span = (month_start(TODAY, 23), month_start(TODAY, -1))
    return {
        "pipeline": (["report", "pipeline"], pipeline_sql()),
        "funnel": (["report", "funnel"], funnel_sql(*this_quarter)),
        "performance": (["report", "performance"], performance_sql(*this_quarter)),
        "leaderboard": (
            ["report", "leaderboard"],
            performance_sql(*this_quarter, leaderboard=True),
        ),
        "sources": (["report", "sources"], sources_sql(*this_quarter)),
        "activity": (
            ["report", "activity", "--period", "last-month"],
            activity_sql(*last_month),
        ),
        "trend": (["report", "trend"], trend_sql(*trend_span)),
        "stale": (["report", "stale"], stale_sql()),
        "lost": (["report", "lost"], lost_sql(*this_quarter)),
        "commission": (["report", "commission"], commission_sql(*this_month)),
        "weekly": (["report", "weekly"], weekly_sql(last_week, this_quarter)),
    }


def ensure_plan(db: str, env: dict[str, str]) -> None:
    """`report commission` of a database without a plan pays nothing: store one."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        found = conn.execute("SELECT count(*) FROM setting WHERE key LIKE 'commission.%'")
        if found.fetchone()[0]:
            return
    cmd = [bench.PY, "-m", "salescli", "commission", "plan", "set", *PLAN]
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    print(f"stored the commission plan {' '.join(PLAN)}", flush=True)


def measure(name: str, commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict:
    """One report's row: `commands` are "ours", "floor" (the sqlite3 shell) and "stack"."""
    times, cpu, peak = paired(commands, env, runs)
    ratios = [a / b for a, b in zip(times["ours"], times["floor"], strict=True)]
    cpu_ratios = [a / b for a, b in zip(cpu["ours"], cpu["floor"], strict=True)]
    stack_ratios = [a / b for a, b in zip(times["stack"], times["floor"], strict=True)]
    row = {
        "report": name,
        "s": statistics.median(times["ours"]),
        "floor_s": statistics.median(times["floor"]),
        "x_floor": statistics.median(ratios),
        "cpu_s": statistics.median(cpu["ours"]),
        "floor_cpu_s": statistics.median(cpu["floor"]),
        "cpu_x_floor": statistics.median(cpu_ratios),
        "stack_s": statistics.median(times["stack"]),
        "stack_x_floor": statistics.median(stack_ratios),
        "peak_mib": peak / 1024,
        "runs": runs,
    }
    met = row["x_floor"] <= TIME_TARGET and row["peak_mib"] < MEMORY_TARGET_MIB
    target = f"≤ {TIME_TARGET:g}x"
    if name == "weekly":
        met = met and row["s"] < WEEKLY_TARGET_S
        target += f", < {WEEKLY_TARGET_S:g} s"
    print(
        f"| {name} | {row['s']:.2f} | {row['floor_s']:.2f} | {row['x_floor']:.2f}x "
        f"| {row['cpu_s']:.2f} | {row['floor_cpu_s']:.2f} | {row['cpu_x_floor']:.2f}x "
        f"| {row['stack_s']:.2f} | {row['stack_x_floor']:.2f}x | {target} "
        f"| {row['peak_mib']:.0f} | {verdict(met, row['stack_x_floor'])} |",
        flush=True,
    )
    return row


def main() -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="these reports only (e.g. pipeline lost)")
    parser.add_argument("--check", action="store_true", help="compare the figures, no timing")
    args = parser.parse_args()
    db, env, shell, home = prepare(args)
    ensure_plan(db, env)
    wanted = {k: v for k, v in reports().items() if not args.only or k in args.only}
    if args.check:
        return check(db, env, wanted)
    print(
        f"database {db}; now {bench.NOW}; {args.runs} runs each; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print("| report | ours (s) | floor (s) | ratio | CPU (s) | floor CPU (s) | CPU ratio | stack floor (s) | stack ratio | target | peak MiB | |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
    rows = []
    for name, (argv, sql) in wanted.items():
        script = Path(home) / f"{name}.sql"
        script.write_text(sql, encoding="utf-8")
        ours = [bench.PY, "-m", "salescli", *argv, "--format", "json"]
        floor = ["sh", "-c", f"{shell} -readonly '{db}' < '{script}'"]
        commands = {"ours": ours, "floor": floor, "stack": stack_floor(db, script)}
        rows.append(measure(name, commands, env, args.runs))
    return bench.finish(rows, args.json)


def check(db: str, env: dict[str, str], wanted: dict[str, tuple[list[str], str]]) -> int:
    """salescli's figures beside the floor's, for the reports whose floor is one statement."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    bad = 0

    def same(label: str, ours: object, floor: object, within: float = 0.011) -> None:
        nonlocal bad
        a = float(ours) if ours is not None else None  # type: ignore[arg-type]
        b = float(floor) if floor is not None else None  # type: ignore[arg-type]
        ok = a == b or (a is not None and b is not None and abs(a - b) <= within)
        if not ok:
            bad += 1
            print(f"  DIFFERENT {label}: salescli {ours} vs floor {floor}")

    for name, (argv, sql) in wanted.items():
        if name not in CHECKS:
            continue
        out = subprocess.run(
            [bench.PY, "-m", "salescli", *argv, "--format", "json"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        before = bad
        # The floor's statements one by one: a report of one statement checks its rows, the
        # others (stale, commission, weekly) the rows of each statement.
        results = [conn.execute(part).fetchall() for part in sql.split(";\n") if part.strip()]
        rows = results[0] if len(results) == 1 else results
        compared = CHECKS[name](json.loads(out), rows, same)
        print(f"{name}: {compared} figures compared, {bad - before} different", flush=True)
    return 1 if bad else 0


def check_pipeline(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    total = report["total"]
    floor_total = next(r for r in rows if r[0] == "total")
    for i, key in enumerate(("count", "amount", "weighted", "unknown_amount")):
        same(f"total {key}", total[key], floor_total[3 + i])
    stages = {r[1]: r for r in rows if r[0] == "stage"}
    n = 4
    for g in report["stages"]:
        for i, key in enumerate(("count", "amount", "weighted", "unknown_amount")):
            same(f"{g['stage']} {key}", g[key], stages[g["stage"]][3 + i])
            n += 1
    cells = {(r[1], r[2]): r for r in rows if r[0] == "row"}
    for g in report["rows"]:
        for i, key in enumerate(("count", "amount", "weighted")):
            same(f"{g['stage']} × {g['rep']} {key}", g[key], cells[(g["stage"], g["rep"])][3 + i])
            n += 1
    same("stage × rep cells", len(report["rows"]), len(cells))
    return n + 1


def check_lost(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    n = 0
    for section, kind, key in (("by_reason", "reason", "reason"), ("by_stage", "stage", "stage"),
                               ("by_rep", "rep", "rep")):  # fmt: skip
        floor = {r[1]: r for r in rows if r[0] == kind}
        same(f"{section} groups", len(report[section]), len(floor))
        for g in report[section]:
            for i, figure in enumerate(("count", "amount", "unknown_amount")):
                same(f"{section} {g[key]} {figure}", g[figure], floor[g[key]][2 + i])
                n += 1
    floor_total = next(r for r in rows if r[0] == "total")
    for i, figure in enumerate(("count", "amount", "unknown_amount")):
        same(f"total {figure}", report["total"][figure], floor_total[2 + i])
    return n + 3


def check_performance(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    keys = ("won", "lost", "win_rate", "won_amount", "average_deal", "cycle_days", "open_deals")
    keys += ("velocity", "activities")
    floor = {r[1]: r for r in rows}
    n = 0
    for g in [*report["rows"], {**report["total"], "rep_id": -1}]:
        for i, key in enumerate(keys):
            value = floor[g["rep_id"]][2 + i]
            # salescli rounds the cycle's days half to even (Python), SQLite's round() half
            # away from zero: a tie (87.85) is one step (0.1 day) apart, and the velocity,
            # divided by the cycle, by that step's share of it (0.1 / 87.9: 0.11 %).
            cycle = floor[g["rep_id"]][2 + keys.index("cycle_days")]
            step = abs(value or 0) * 0.1001 / (cycle - 0.1) if cycle and cycle > 0.1 else 0
            within = {"cycle_days": 0.1001, "velocity": step + 0.011}
            same(f"rep {g['rep_id']} {key}", g[key], value, within.get(key, 0.011))
            n += 1
    return n


def check_activity(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    keys = ("calls", "emails", "meetings", "notes", "total")
    cells = {(r[1], r[2]): r for r in rows if r[0] == "row"}
    same("cells", len(report["rows"]), len(cells))
    n = 1
    for g in report["rows"]:
        for i, key in enumerate(keys):
            same(f"{g['day']} {g['rep']} {key}", g[key], cells[(g["day"], g["rep"])][3 + i])
            n += 1
    floor_total = next(r for r in rows if r[0] == "total")
    for i, key in enumerate(keys):
        same(f"total {key}", report["total"][key], floor_total[3 + i])
    return n + len(keys)


def check_funnel(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    floor = {r[0]: r for r in rows}
    same("created", report["created"], rows[0][5])
    n = 1
    for g in report["stages"]:
        for i, key in ((2, "reached"), (3, "conversion"), (4, "median_days")):
            same(f"{g['stage']} {key}", g[key], floor[g["stage"]][i])
            n += 1
    return n


def check_trend(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    floor = {r[0]: r for r in rows}
    n = 0
    for g in report["rows"]:
        f = floor.get(g["month"], (g["month"], 0, None, None, None, None))
        for i, key in ((1, "revenue"), (2, "previous"), (4, "year_ago")):
            same(f"{g['month']} {key}", g[key], f[i])
            n += 1
    return n


def check_sources(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    keys = ((1, "leads"), (2, "converted"), (4, "deals"), (5, "won"), (6, "lost"))
    keys += ((7, "won_amount"), (9, "average_deal"))
    floor = {r[0]: r for r in rows}
    same("sources", len(report["rows"]), len(floor))
    n = 1
    for g in report["rows"]:
        for i, key in keys:
            same(f"{g['source']} {key}", g[key], floor[g["source"]][i])
            n += 1
    return n


def check_stale(report: dict, results: list[list[tuple]], same) -> int:  # type: ignore[no-untyped-def]
    deals, listed, tasks, overdue = results
    same("stale deals", report["total"]["stale_deals"], sum(n for _, n in deals))
    same("overdue tasks", report["total"]["overdue_tasks"], sum(n for _, n in tasks))
    same("stale deals listed", len(report["stale_deals"]), len(listed))
    same("overdue tasks listed", len(report["overdue_tasks"]), len(overdue))
    same("first stale deal", report["stale_deals"][0]["id"] if listed else None,
         listed[0][0] if listed else None)  # fmt: skip
    return 5


def check_commission(report: dict, rows: list[tuple], same) -> int:  # type: ignore[no-untyped-def]
    same("lines", len(report["lines"]), len(rows))
    payout = {r[1]: r[10] for r in rows}
    for g in report["rows"]:
        same(f"rep {g['rep_id']} commission", g["commission"], payout[g["rep_id"]])
    same("total", report["total"]["commission"], sum(payout.values()))
    return len(report["rows"]) + 2


def check_weekly(report: dict, results: list[list[tuple]], same) -> int:  # type: ignore[no-untyped-def]
    closed = {kind: (n, amount) for kind, n, amount in results[0]}
    got = report["results"]
    for kind in ("won", "lost"):
        same(f"{kind}", got[kind], closed.get(kind, (0, 0))[0])
        same(f"{kind}_amount", got[f"{kind}_amount"], closed.get(kind, (0, 0))[1] or 0)
    same("new_leads", got["new_leads"], results[1][0][0])
    same("stage_moves", got["stage_moves"], results[2][0][0])
    same("funnel created", report["funnel"]["created"], results[4][0][5])
    same("stale deals", report["stale"]["total"]["stale_deals"], sum(n for _, n in results[6]))
    return 8


CHECKS = {
    "pipeline": check_pipeline,
    "lost": check_lost,
    "performance": check_performance,
    "activity": check_activity,
    "funnel": check_funnel,
    "trend": check_trend,
    "sources": check_sources,
    "stale": check_stale,
    "commission": check_commission,
    "weekly": check_weekly,
}


if __name__ == "__main__":
    raise SystemExit(main())
