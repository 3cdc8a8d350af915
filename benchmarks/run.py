#!/usr/bin/env python
"""Every interactive salescli command, timed against `python -c pass` and the floor app.

Usage:
    python benchmarks/run.py [--scale 10k|100k|large ...] [--runs N] [--only TEXT ...]
                             [--db URL] [--dir DIR] [--json FILE]

For each scale the database is built with `salescli demo` (10k: 10,000 leads and 10,000 deals
over three years; 100k: 100,000 of each; large: `--size large`, 200,000 leads and 1,000,000
deals), untimed. Then every case runs as a triple, rotating the order: the salescli command,
`python -c pass` and benchmarks/floor.py (Typer + SQLAlchemy Core reading one row). The table
gives the medians, the median of the per-triple ratios to each baseline, and the command's
peak memory (the largest `ru_maxrss` of its runs, from os.wait4, i.e. getrusage of the child).
It also gives the command's CPU time (user + system, from the same rusage) and its ratio to
`python -c pass`'s: on a machine shared with other work the wall clock waits for the CPU,
while CPU time barely does, so the CPU columns are the steadier reading there.

SQLite databases are cached in the temporary directory (`$TMPDIR/salescli-bench/`, or
`--dir DIR`) and reused by the next run: the large one takes minutes to build.
`--db postgresql+psycopg://USER@HOST/NAME` runs the same against PostgreSQL: one database
per scale, `NAME_<scale>`, created (or reused when it already holds the demo) on that server.
Nothing is written into the repository.

After the last scale, a growth table divides each command's figures at every scale by its
figures at the first (10k): the median time, the ratio to the floor (which cancels the
machine's drift between the scales) and the CPU time. The target is at most 1.2x.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PY = sys.executable
ROOT = Path(__file__).resolve().parents[1]
FLOOR = str(ROOT / "benchmarks" / "floor.py")
NOW = "2026-11-23T09:00:00+00:00"
SCALES = {
    "10k": ["--size", "medium", "--leads", "10000", "--deals", "10000", "--activities", "20000"],
    "100k": ["--size", "medium", "--leads", "100000", "--deals", "100000"],
    "large": ["--size", "large"],
}
INTERACTIVE_TARGET = 20.0
HELP_TARGET = 13.0
GROUPS = ("lead", "deal", "task", "account", "contact", "log", "activity", "rep", "product")
GROUPS += ("lost-reason", "currency", "config", "db")


def environment(db: str, home: str) -> dict[str, str]:
    """A newcomer's environment (no SALESCLI_REP...), the demo's clock, this checkout."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "SALESCLI_DB": db,
        "SALESCLI_NOW": NOW,
    }


def finish(rows: list[dict], json_path: str | None) -> int:
    """A benchmark's end: the load average, and its rows to `json_path` when given."""
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """(seconds, peak RSS in KiB, CPU seconds: user + system) of one process; raises
    SystemExit when it fails."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(
                f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n"
                + err.read().decode(errors="replace")
            )
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


class Fixtures:
    """Ids of records the write cases act on: a fresh one for every run."""

    def __init__(self, url: str, runs: int) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(url if "://" in url else f"sqlite:///{url}")
        need = (runs + 2) * 4
        with engine.connect() as conn:
            first_open = conn.execute(
                sa.text("SELECT id FROM stage WHERE kind = 'open' ORDER BY position LIMIT 1")
            ).scalar_one()
            self.stage_after = conn.execute(
                sa.text(
                    "SELECT name FROM stage WHERE kind = 'open' ORDER BY position LIMIT 1 OFFSET 1"
                )
            ).scalar_one()
            self.open_deals = iter(
                list(
                    conn.execute(
                        sa.text(
                            "SELECT id FROM deal WHERE stage_id = :s ORDER BY id DESC LIMIT :n"
                        ),
                        {"s": first_open, "n": need * 3},
                    ).scalars()
                )
            )
            self.leads = [
                lead_id
                for (lead_id,) in conn.execute(
                    sa.text(
                        "SELECT id FROM lead WHERE status NOT IN ('converted', 'lost', "
                        "'unqualified') ORDER BY id DESC LIMIT :n"
                    ),
                    {"n": need},
                )
            ]
            self.reps = list(
                conn.execute(
                    sa.text("SELECT name FROM rep WHERE manager_id IS NOT NULL ORDER BY id LIMIT 2")
                ).scalars()
            )
            # Open tasks of the busiest task owner (the demo's tasks; none before it has them).
            owner = conn.execute(
                sa.text(
                    "SELECT owner_id FROM task WHERE done_at IS NULL GROUP BY owner_id "
                    "ORDER BY count(*) DESC LIMIT 1"
                )
            ).scalar()
            self.task_owner = str(owner) if owner is not None else None
            self.tasks = iter(
                list(
                    conn.execute(
                        sa.text(
                            "SELECT id FROM task WHERE done_at IS NULL AND owner_id = :o "
                            "ORDER BY id DESC LIMIT :n"
                        ),
                        {"o": owner, "n": need},
                    ).scalars()
                )
            )
            self.task_count = conn.execute(sa.text("SELECT count(*) FROM task")).scalar_one()
            self.account = conn.execute(sa.text("SELECT min(id) FROM account")).scalar_one()
            self.deal = conn.execute(sa.text("SELECT max(id) FROM deal")).scalar_one()
        engine.dispose()

    def next_deal(self) -> str:
        return str(next(self.open_deals))

    def lead(self, i: int) -> str:
        return str(self.leads[i % len(self.leads)])


def cases(fx: Fixtures) -> list[tuple[str, Callable[[int], list[str]], float]]:
    """(name, argv for run i, target ratio to `python -c pass`)."""
    n = itertools.count()
    t = INTERACTIVE_TARGET
    deal, account = str(fx.deal), str(fx.account)
    listed: list[tuple[str, Callable[[int], list[str]], float]] = [
        ("lead add", lambda i: ["lead", "add", f"Bench Lead {next(n)}", "--company", "Bench"], t),
        ("lead edit", lambda i: ["lead", "edit", fx.lead(i), "--title", f"Buyer {i}"], t),
        ("lead show", lambda i: ["lead", "show", fx.lead(i)], t),
        ("lead assign", lambda i: ["lead", "assign", fx.lead(i), fx.reps[i % 2]], t),
        ("lead list", lambda i: ["lead", "list"], t),
        (
            "deal add",
            lambda i: ["deal", "add", f"Bench {i}", "--amount", "1000", "--account", account],
            t,
        ),
        ("deal edit", lambda i: ["deal", "edit", deal, "--amount", str(1000 + i)], t),
        ("deal show", lambda i: ["deal", "show", deal], t),
        ("deal move", lambda i: ["deal", "move", fx.next_deal(), fx.stage_after], t),
        ("deal win", lambda i: ["deal", "win", fx.next_deal()], t),
        ("deal lose", lambda i: ["deal", "lose", fx.next_deal(), "--reason", "price"], t),
        ("deal list", lambda i: ["deal", "list"], t),
        (
            "log call",
            lambda i: ["log", "call", "--deal", deal, "--outcome", "connected", "Bench"],
            t,
        ),
        ("log email", lambda i: ["log", "email", "--lead", fx.lead(i), "Sent the proposal"], t),
        ("log meeting", lambda i: ["log", "meeting", "--account", account, "Workshop"], t),
        ("log note", lambda i: ["log", "note", "--deal", deal, "Budget confirmed"], t),
        ("account show", lambda i: ["account", "show", account], t),
        (
            "contact add",
            lambda i: ["contact", "add", f"Bench Contact {i}", "--account", account],
            t,
        ),
        ("rep list", lambda i: ["rep", "list"], t),
        # Not interactive, but they read the whole history: their growth is what counts.
        ("account list --sort won", lambda i: ["account", "list", "--sort", "won"], t),
        ("account list --sort pipeline", lambda i: ["account", "list", "--sort", "pipeline"], t),
        ("deal stale", lambda i: ["deal", "stale"], t),
    ]
    if fx.task_owner is not None:
        who = fx.task_owner
        listed += [
            (
                "task add",
                lambda i: ["task", "add", f"Bench task {i}", "--due", "+2d", "--owner", who],
                t,
            ),
            ("task done", lambda i: ["task", "done", str(next(fx.tasks))], t),
            ("task list", lambda i: ["task", "list", "--owner", who], t),
            ("agenda", lambda i: ["agenda", "--owner", who], t),
        ]
    else:
        print("(no tasks in this database: the task cases are left out)", flush=True)
    listed += [
        ("--help", lambda i: ["--help"], HELP_TARGET),
    ]
    for group in GROUPS:
        listed.append((f"{group} --help", lambda i, g=group: [g, "--help"], HELP_TARGET))
    return listed


def measure(name, argv, target, env, floor_cmd, runs) -> dict:  # type: ignore[no-untyped-def]
    ours = lambda i: [PY, "-m", "salescli", *argv(i)]  # noqa: E731
    cmds = {"salescli": ours, "pass": lambda i: [PY, "-c", "pass"], "floor": lambda i: floor_cmd}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    peak = 0
    for i in range(-1, runs):
        order = list(cmds)
        shift = i % 3
        order = order[shift:] + order[:shift]
        results, used = {}, {}
        for key in order:
            elapsed, rss, seconds = run_once(cmds[key](i), env)
            results[key], used[key] = elapsed, seconds
            if key == "salescli":
                peak = max(peak, rss)
        if i >= 0:  # the first triple warms the caches
            for key, value in results.items():
                times[key].append(value)
                cpu[key].append(used[key])
    row = {
        "case": name,
        "ms": statistics.median(times["salescli"]) * 1000,
        "pass_ms": statistics.median(times["pass"]) * 1000,
        "floor_ms": statistics.median(times["floor"]) * 1000,
        "x_pass": statistics.median(
            a / b for a, b in zip(times["salescli"], times["pass"], strict=True)
        ),
        "x_floor": statistics.median(
            a / b for a, b in zip(times["salescli"], times["floor"], strict=True)
        ),
        "cpu_ms": statistics.median(cpu["salescli"]) * 1000,
        "cpu_x_pass": statistics.median(
            a / b for a, b in zip(cpu["salescli"], cpu["pass"], strict=True)
        ),
        "peak_mib": peak / 1024,
        "target": target,
        "runs": runs,
    }
    verdict = "met" if row["x_pass"] <= target else "missed"
    print(
        f"| `{name}` | {row['ms']:,.0f} ms | {row['x_pass']:.1f}x | {row['x_floor']:.2f}x "
        f"| {row['cpu_ms']:,.0f} ms | {row['cpu_x_pass']:.1f}x "
        f"| {row['peak_mib']:.0f} MiB | ≤ {target:g}x | {verdict} |",
        flush=True,
    )
    return row


def build(scale: str, db: str, env: dict[str, str]) -> None:
    """Fill `db` with the demo of this scale unless it already holds one."""
    cmd = [PY, "-m", "salescli", "--db", db, "demo", *SCALES[scale], "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode == 1 and "already holds data" in proc.stderr:
        print(f"reusing the {scale} database {db}", flush=True)
        return
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    report = json.loads(proc.stdout)
    print(
        f"built {scale}: {report['leads']:,} leads, {report['deals']:,} deals, "
        f"{report['activities']:,} activities in {time.perf_counter() - start:.1f} s",
        flush=True,
    )


GROWTH_TARGET = 1.2


def growth(rows: list[dict]) -> None:
    """Each case at every scale against the first scale measured: time and ratio to the floor."""
    scales = list(dict.fromkeys(row["scale"] for row in rows))
    if len(scales) < 2:
        return
    first = {row["case"]: row for row in rows if row["scale"] == scales[0]}
    for scale in scales[1:]:
        print(f"\ngrowth {scales[0]} -> {scale}\n")
        print("| command | time | ÷ floor | CPU | peak | target | |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for row in rows:
            base = first.get(row["case"])
            if row["scale"] != scale or base is None:
                continue
            by_time = row["ms"] / base["ms"]
            by_floor = row["x_floor"] / base["x_floor"]
            by_cpu = row["cpu_ms"] / base["cpu_ms"]
            verdict = "met" if by_floor <= GROWTH_TARGET else "missed"
            print(
                f"| `{row['case']}` | {by_time:.2f}x | {by_floor:.2f}x | {by_cpu:.2f}x "
                f"| {base['peak_mib']:.0f} → {row['peak_mib']:.0f} MiB | ≤ {GROWTH_TARGET}x "
                f"| {verdict} |",
                flush=True,
            )


def pg_database(url: str, scale: str) -> str:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{scale}"
    # CREATE DATABASE from the server's maintenance database (NAME itself need not exist).
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", nargs="*", default=["10k"], choices=list(SCALES))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="cases whose name contains one of these")
    parser.add_argument("--db", help="a PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--dir", help="keep the SQLite databases here (reused when present)")
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="salescli-bench-home-")
    workdir = Path(args.dir or Path(tempfile.gettempdir()) / "salescli-bench")
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}, {args.runs} runs per case",
        flush=True,
    )
    rows = []
    for scale in args.scale:
        db = pg_database(args.db, scale) if args.db else str(workdir / f"bench-{scale}.db")
        env = environment(db, home)
        build(scale, db, env)
        fx = Fixtures(db, args.runs)
        print(f"\n{scale} ({'PostgreSQL' if args.db else 'SQLite'})\n")
        print(
            "| command | salescli | ÷ python -c pass | ÷ floor | CPU | CPU ÷ pass | peak "
            "| target | |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        floor_cmd = [PY, FLOOR, "show", "--db", db]
        for name, argv, target in cases(fx):
            if args.only and not any(part in name for part in args.only):
                continue
            row = measure(name, argv, target, env, floor_cmd, args.runs)
            rows.append({"scale": scale, "backend": "postgresql" if args.db else "sqlite", **row})
    growth(rows)
    return finish(rows, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
