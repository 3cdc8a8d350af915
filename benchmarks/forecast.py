#!/usr/bin/env python
"""`salescli forecast` (each method) and `salescli quota progress` over the large demo, each
beside its floor: the same figure computed by the `sqlite3` shell from one SQL statement on
the same file, and its stack floor (Python importing SQLAlchemy and Typer, then the floor's
statement through the sqlite3 module: what any program on salescli's stack pays at least).

Usage:
    python benchmarks/forecast.py [--db FILE] [--dir DIR] [--runs N] [--json FILE]

The database is the `large` demo of benchmarks/run.py (1,000,000 deals; built once and cached
in `$TMPDIR/salescli-bench/`, or `--dir DIR`) unless `--db FILE` names a copy of it. For each
case salescli, its floor and its stack floor run in turn `--runs` times (after one warm-up
round, the order rotated every round); the table gives the medians, the median of the
per-round ratios to the floor (target <= 2x; the verdict says when the stack floor alone is
over it), the CPU time and salescli's peak memory (ru_maxrss; target < 200 MiB).

The floors, per owner for this quarter (what the forecast's rows are made of):
- weighted: closed + Σ amount × probability, converted at the rate in force (close date for
  won deals, today for open ones) by a correlated sub-select on currencyrate;
- category: closed + commit;
- historical: the win rate per owner and stage from stage history over 365 days joined to
  the open amount per owner and stage (CTEs in one statement);
- monte-carlo: SQL cannot draw; its floor is the weighted statement (the same read). The
  simulation's own cost is what remains.
- quota progress (revenue, this quarter): every quota's target and actual (the won amount
  converted at the close date's rate; the manager's whole tree for a team quota, by a
  recursive CTE) and the attainment.
It also checks that salescli's total equals the floor's to the cent (weighted, category:
the exact sum rounded once), and every `quota progress` row's target, actual and attainment.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (benchmarks/run.py: the databases and their environment)

TODAY = bench.NOW[:10]
TIME_TARGET = 2.0
MEMORY_TARGET_MIB = 200

RATE = """(CASE WHEN d.currency = '{cur}' THEN 1.0 ELSE (SELECT CAST(r.rate AS REAL)
 FROM currencyrate r WHERE r.currency = d.currency AND r.quote = '{cur}'
 AND r.valid_on <= (CASE WHEN s.kind = 'won' THEN d.close_date ELSE '{today}' END)
 ORDER BY r.valid_on DESC LIMIT 1) END)"""

WEIGHTED = """SELECT d.owner_id, round(SUM(d.amount_minor * {rate} *
 (CASE WHEN s.kind = 'won' THEN 1.0 ELSE d.probability / 100.0 END)) / 100.0, 2)
FROM deal d JOIN stage s ON s.id = d.stage_id
WHERE d.close_date >= '{start}' AND d.close_date < '{end}' AND d.amount_minor IS NOT NULL
 AND (s.kind = 'won' OR (s.kind = 'open' AND d.forecast_category != 'omitted'))
GROUP BY d.owner_id;"""

CATEGORY = """SELECT d.owner_id, round(SUM(d.amount_minor * {rate}) / 100.0, 2)
FROM deal d JOIN stage s ON s.id = d.stage_id
WHERE d.close_date >= '{start}' AND d.close_date < '{end}' AND d.amount_minor IS NOT NULL
 AND (s.kind = 'won' OR (s.kind = 'open' AND d.forecast_category = 'commit'))
GROUP BY d.owner_id;"""

HISTORICAL = """WITH hist AS (
 SELECT d.owner_id, c.to_stage_id AS stage_id,
  COUNT(DISTINCT CASE WHEN cur.kind = 'won' THEN d.id END) * 1.0 / COUNT(DISTINCT d.id) AS rate
 FROM stagechange c JOIN deal d ON d.id = c.deal_id JOIN stage cur ON cur.id = d.stage_id
 JOIN stage p ON p.id = c.to_stage_id
 WHERE cur.kind IN ('won', 'lost') AND p.kind = 'open'
  AND d.close_date >= date('{today}', '-365 days') AND d.close_date < '{today}'
 GROUP BY d.owner_id, c.to_stage_id),
open_amount AS (
 SELECT d.owner_id, d.stage_id, SUM(d.amount_minor * {rate}) AS amount
 FROM deal d JOIN stage s ON s.id = d.stage_id
 WHERE d.close_date >= '{start}' AND d.close_date < '{end}' AND d.amount_minor IS NOT NULL
  AND s.kind = 'open' AND d.forecast_category != 'omitted'
 GROUP BY d.owner_id, d.stage_id)
SELECT o.owner_id, round(SUM(o.amount * COALESCE(h.rate, 0)) / 100.0, 2)
FROM open_amount o LEFT JOIN hist h ON h.owner_id = o.owner_id AND h.stage_id = o.stage_id
GROUP BY o.owner_id;"""


# `quota progress` (revenue, this quarter): each quota's target beside its actual, the won
# amount converted at the close date's rate, of the rep alone (a rep quota) or of the
# manager's whole tree (a team quota), found by a recursive CTE over rep.manager_id.
QUOTA_PROGRESS = """WITH RECURSIVE tree(manager, member) AS (
 SELECT id, id FROM rep
 UNION ALL SELECT t.manager, r.id FROM tree t JOIN rep r ON r.manager_id = t.member),
won AS (
 SELECT d.owner_id, SUM(d.amount_minor * {rate}) AS amount
 FROM deal d JOIN stage s ON s.id = d.stage_id
 WHERE s.kind = 'won' AND d.close_date >= '{start}' AND d.close_date < '{end}'
  AND d.amount_minor IS NOT NULL
 GROUP BY d.owner_id)
SELECT q.scope, q.rep_id, q.target / 100.0, round(COALESCE(SUM(w.amount), 0) / 100.0, 2),
 round(COALESCE(SUM(w.amount), 0) / q.target, 4)
FROM quota q JOIN tree t ON t.manager = q.rep_id AND (q.scope = 'team' OR t.member = q.rep_id)
 LEFT JOIN won w ON w.owner_id = t.member
WHERE q.metric = 'revenue' AND q.period_start = '{start}' AND q.period_end = '{end}'
GROUP BY q.id ORDER BY q.scope, q.rep_id;"""


def quarter(day: str) -> tuple[str, str]:
    year, month = int(day[:4]), int(day[5:7])
    first = (month - 1) // 3 * 3 + 1
    end = f"{year + 1}-01-01" if first == 10 else f"{year}-{first + 3:02d}-01"
    return f"{year}-{first:02d}-01", end


def database(path: str | None, directory: str | None, home: str) -> str:
    """The large demo's file: `path` when given, else built once (or reused) in `directory`
    (default `$TMPDIR/salescli-bench/`)."""
    if path:
        return path
    workdir = Path(directory or Path(tempfile.gettempdir()) / "salescli-bench")
    workdir.mkdir(parents=True, exist_ok=True)
    db = str(workdir / "bench-large.db")
    bench.build("large", db, bench.environment(db, home))
    return db


# The floor of any Python process on salescli's stack: start Python, import the two libraries
# every salescli command stands on (SQLAlchemy, Typer), and run the floor's statements through
# the sqlite3 module (the same SQLite library as the shell), fetching every row.
STACK = """import sqlite3, sys
import sqlalchemy, typer
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for part in open(sys.argv[2], encoding="utf-8").read().split(";\\n"):
    if part.strip():
        db.execute(part).fetchall()
"""


def stack_floor(db: str, script: Path) -> list[str]:
    """The command of the stack floor (`STACK`) for the floor's SQL in `script`."""
    return [bench.PY, "-c", STACK, db, str(script)]


def paired(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], int]:
    """`runs` rounds of the commands ("ours" first in the dict, then its floors) after one
    warm-up round, the order rotated every round: (wall seconds, CPU seconds) per command, and
    ours' peak RSS in KiB."""
    names = list(commands)
    times: dict[str, list[float]] = {key: [] for key in names}
    cpu: dict[str, list[float]] = {key: [] for key in names}
    peak = 0
    for i in range(-1, runs):
        shift = i % len(names)
        for key in names[shift:] + names[:shift]:
            elapsed, rss, seconds = bench.run_once(commands[key], env)
            if i >= 0:
                times[key].append(elapsed)
                cpu[key].append(seconds)
            if key == "ours":
                peak = max(peak, rss)
    return times, cpu, peak


def verdict(met: bool, stack_x_floor: float) -> str:
    """met / missed; a miss where the stack floor alone is over the target says so."""
    if met:
        return "met"
    if stack_x_floor > TIME_TARGET:
        return f"missed (the stack floor alone is {stack_x_floor:.1f}x)"
    return "missed"


def options(description: str) -> argparse.ArgumentParser:
    """The options of a benchmark against the sqlite3 floor: --db, --dir, --runs, --json."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", help="a large demo database file (default: build or reuse)")
    parser.add_argument("--dir", help="where the cached demo databases live")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="write the rows to this file")
    return parser


def prepare(args: argparse.Namespace) -> tuple[str, dict[str, str], str, str]:
    """(database file, environment, the sqlite3 shell, a fresh HOME) for `options`' args."""
    home = tempfile.mkdtemp(prefix="salescli-bench-home-")
    db = database(args.db, args.dir, home)
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        raise SystemExit("the sqlite3 shell is not on PATH")
    return db, bench.environment(db, home), sqlite3, home


def main() -> int:
    args = options(__doc__.splitlines()[0]).parse_args()
    db, env, sqlite3, home = prepare(args)
    start, end = quarter(TODAY)
    values = {"start": start, "end": end, "today": TODAY, "cur": "USD"}
    rate = RATE.format(**values)
    floors = {
        "weighted": WEIGHTED.format(rate=rate, **values),
        "category": CATEGORY.format(rate=rate, **values),
        "historical": HISTORICAL.format(rate=rate, **values),
    }
    floors["monte-carlo"] = floors["weighted"]
    floors["quota progress"] = QUOTA_PROGRESS.format(rate=rate, **values)
    print(f"database {db}; this quarter {start} .. {end}; {args.runs} runs each", flush=True)
    print(
        "| method | salescli | sqlite3 floor | x floor | CPU | CPU floor | stack floor "
        "| stack x floor | peak | verdict |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    for method, sql in floors.items():
        script = Path(home) / f"{method.replace(' ', '-')}.sql"
        script.write_text(sql, encoding="utf-8")
        if method == "quota progress":
            ours = [bench.PY, "-m", "salescli", "quota", "progress", "--format", "json"]
        else:
            ours = [bench.PY, "-m", "salescli", "forecast", "--method", method, "--format", "json"]  # fmt: skip
        if method == "monte-carlo":
            ours += ["--seed", "1"]
        floor = ["sh", "-c", f"{sqlite3} -readonly '{db}' < '{script}'"]
        commands = {"ours": ours, "floor": floor, "stack": stack_floor(db, script)}
        times, cpu, peak = paired(commands, env, args.runs)
        ratio = statistics.median(a / b for a, b in zip(times["ours"], times["floor"], strict=True))  # fmt: skip
        stack = statistics.median(a / b for a, b in zip(times["stack"], times["floor"], strict=True))  # fmt: skip
        row = {
            "method": method,
            "ms": statistics.median(times["ours"]) * 1000,
            "floor_ms": statistics.median(times["floor"]) * 1000,
            "x_floor": ratio,
            "cpu_ms": statistics.median(cpu["ours"]) * 1000,
            "floor_cpu_ms": statistics.median(cpu["floor"]) * 1000,
            "stack_ms": statistics.median(times["stack"]) * 1000,
            "stack_x_floor": stack,
            "peak_mib": peak / 1024,
        }
        met = ratio <= TIME_TARGET and row["peak_mib"] < MEMORY_TARGET_MIB
        print(
            f"| {method} | {row['ms']:,.0f} ms | {row['floor_ms']:,.0f} ms | {ratio:.2f}x "
            f"| {row['cpu_ms']:,.0f} ms | {row['floor_cpu_ms']:,.0f} ms "
            f"| {row['stack_ms']:,.0f} ms | {stack:.2f}x | {row['peak_mib']:.0f} MiB "
            f"| {verdict(met, stack)} |",
            flush=True,
        )
        rows.append(row)
    check(db, env, floors, sqlite3)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


def check(db: str, env: dict[str, str], floors: dict[str, str], sqlite3: str) -> None:
    """salescli's total beside the floor's sum, for the methods SQL computes exactly, and
    every `quota progress` row's target, actual and attainment beside the floor's."""
    import subprocess

    out = subprocess.run(
        [bench.PY, "-m", "salescli", "quota", "progress", "--format", "json"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    ours_rows = {
        ("team" if r["team"] == r["rep"] else "rep", r["rep_id"]): r for r in json.loads(out)
    }
    lines = subprocess.run(
        [sqlite3, "-readonly", db], input=floors["quota progress"], capture_output=True,
        text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    different = 0
    for line in lines:
        scope, rep_id, target, actual, attainment = line.split("|")
        mine = ours_rows.pop((scope, int(rep_id)), None)
        figures = (Decimal(target), Decimal(actual), Decimal(attainment))
        if mine is None or (
            abs(Decimal(str(mine["target"])) - figures[0]) > Decimal("0.01")
            or abs(Decimal(str(mine["actual"])) - figures[1]) > Decimal("0.01")
            or abs(Decimal(str(mine["attainment"])) - figures[2]) > Decimal("0.0001")
        ):
            different += 1
            print(f"  DIFFERENT quota progress {scope} {rep_id}: {mine} vs floor {figures}")
    print(
        f"quota progress: {len(lines)} rows compared (target, actual, attainment), "
        f"{different} different, {len(ours_rows)} rows the floor has not"
    )

    for method in ("weighted", "category"):
        out = subprocess.run(
            [bench.PY, "-m", "salescli", "forecast", "--method", method, "--format", "json"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        ours = Decimal(str(json.loads(out)["total"]["forecast"]))
        lines = subprocess.run(
            [sqlite3, "-readonly", db], input=floors[method], capture_output=True, text=True,
            check=True,
        ).stdout.split()  # fmt: skip
        per_owner = sum((Decimal(line.split("|")[1] or "0") for line in lines), Decimal(0))
        # salescli's total is the exact sum rounded once (not the sum of the rounded owners'):
        # the floor's statement without its per-owner round, summed, then rounded once.
        unrounded = floors[method].replace("round(SUM(", "(SUM(", 1).replace(", 2)", ") AS v", 1)
        once = subprocess.run(
            [sqlite3, "-readonly", db],
            input=f"SELECT printf('%.2f', SUM(v)) FROM ({unrounded.rstrip().rstrip(';')});",  # noqa: S608 (this file's constants)
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        floor = Decimal(once)
        print(
            f"{method}: salescli {ours:,} vs sqlite3 {floor:,} (difference {ours - floor}; "
            f"the owners' rounded figures sum to {per_owner:,})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
