#!/usr/bin/env python
"""salescli benchmarks: whole-process timings, each paired with a baseline in one run.

Usage: python benchmarks/bench.py [--runs N] [--only NAME ...]

Each case runs its command (A) and its baseline (B) alternately, A B A B ..., and reports the
median of A, the median of B and the median of the per-pair ratios A/B. Data is generated in a
temporary directory; nothing is written to the repository. Targets (issue 2 and 3, on the
2-core development machine) are printed beside each ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PY = sys.executable
SALESCLI = [PY, "-m", "salescli"]
MAVEN = (
    Path(__file__).resolve().parents[2] / "shared" / "datasets" / "maven-crm-sales-opportunities"
)
if not MAVEN.exists():
    MAVEN = Path("/work/shared/datasets/maven-crm-sales-opportunities")
SOURCES = ["web", "referral", "event", "cold-call", "campaign", "partner"]
FIRST = ["Ana", "Jürgen", "Иван", "Çağrı", "王", "Maria", "John", "Aiko", "Lars", "Fatima"]
LAST = ["Souza", "Groß", "Петров", "Yılmaz", "芳", "Rossi", "Smith", "Tanaka", "Berg", "Haddad"]


def timed(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        cmd, env=env, input=stdin, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{result.stderr}")
    return elapsed


def paired(
    name: str,
    a: Callable[[int], float],
    b: Callable[[int], float],
    runs: int,
    target: float | None,
    b_name: str,
    warmup: int = 1,
) -> dict:
    for i in range(warmup):
        a(-1 - i)
        b(-1 - i)
    a_times, b_times, ratios = [], [], []
    for i in range(runs):
        ta, tb = a(i), b(i)
        a_times.append(ta)
        b_times.append(tb)
        ratios.append(ta / tb)
    row = {
        "case": name,
        "a_ms": statistics.median(a_times) * 1000,
        "b_ms": statistics.median(b_times) * 1000,
        "ratio": statistics.median(ratios),
        "target": target,
        "baseline": b_name,
        "runs": runs,
    }
    verdict = "" if target is None else ("  ok" if row["ratio"] <= target else "  OVER TARGET")
    limit = "" if target is None else f" (target <= {target:g}x)"
    print(
        f"{name:38s} {row['a_ms']:9.1f} ms  vs {b_name:22s} {row['b_ms']:8.1f} ms"
        f"  ratio {row['ratio']:6.2f}x{limit}{verdict}",
        flush=True,
    )
    return row


def write_leads_csv(path: Path, count: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "phone", "company", "source", "territory"])
        for i in range(count):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            writer.writerow(
                [
                    name,
                    f"lead{i}@example{i % 97}.com",
                    f"+49 30 {1000000 + i}",
                    f"Company {i % 5000}",
                    rng.choice(SOURCES),
                    rng.choice(["EMEA", "APAC", "AMER"]),
                ]
            )


def write_deals_csv(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    stages = ["prospecting", "qualification", "proposal", "negotiation"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "amount", "account", "stage", "close_date", "source"])
        for i in range(count):
            writer.writerow(
                [
                    f"Deal {i}",
                    f"{rng.randint(500, 90000)}.00",
                    f"Account {i % 800}",
                    rng.choice(stages),
                    f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    rng.choice(SOURCES),
                ]
            )


def env_for(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"SALESCLI_DB": str(db), "SALESCLI_NOW": "2026-11-23T09:00:00+00:00"})
    env.pop("NO_COLOR", None)
    return env


def run_cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([*SALESCLI, *args], env=env, check=True, stdout=subprocess.DEVNULL)


def timed_on_fresh_db(db: Path, setup: list[str], measured: list[str]) -> float:
    """Build a database with `setup` (untimed), time `measured` on it, then delete its files."""
    env = env_for(db)
    subprocess.run(setup, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = timed(measured, env)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="salescli-bench-"))
    rows = []
    passing = lambda _i: timed([PY, "-c", "pass"], dict(os.environ))  # noqa: E731
    wanted = lambda name: not args.only or name in args.only  # noqa: E731
    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus, runs={args.runs}"
    )
    try:
        base_env = env_for(work / "empty.db")
        run_cli(base_env, "db", "init")
        if wanted("version"):
            rows.append(
                paired(
                    "salescli --version",
                    lambda _i: timed([*SALESCLI, "--version"], base_env),
                    passing,
                    args.runs,
                    15,
                    "python -c pass",
                )
            )
        if wanted("help"):
            rows.append(
                paired(
                    "salescli --help",
                    lambda _i: timed([*SALESCLI, "--help"], base_env),
                    passing,
                    args.runs,
                    None,
                    "python -c pass",
                )
            )
        if wanted("lead-list") or wanted("lead-add"):
            leads_db = work / "leads.db"
            env = env_for(leads_db)
            leads_csv = work / "leads10k.csv"
            write_leads_csv(leads_csv, 10_000)
            run_cli(env, "lead", "import", str(leads_csv))
            if wanted("lead-list"):
                rows.append(
                    paired(
                        "lead list (10,000 leads)",
                        lambda _i: timed([*SALESCLI, "lead", "list"], env),
                        passing,
                        args.runs,
                        35,
                        "python -c pass",
                    )
                )
            if wanted("lead-add"):
                rows.append(
                    paired(
                        "lead add",
                        lambda i: timed(
                            [
                                *SALESCLI,
                                "lead",
                                "add",
                                f"Bench Person {i}",
                                "--email",
                                f"bench{i + 100}@example.org",
                                "--source",
                                "web",
                            ],
                            env,
                        ),
                        passing,
                        args.runs,
                        None,
                        "python -c pass",
                    )
                )
        if wanted("lead-import"):
            big = work / "leads100k.csv"
            write_leads_csv(big, 100_000)

            def ours(i: int) -> float:
                return timed_on_fresh_db(
                    work / f"imp{i}.db",
                    [*SALESCLI, "db", "init"],
                    [*SALESCLI, "lead", "import", str(big)],
                )

            sqlite_cli = shutil.which("sqlite3")

            def theirs(i: int) -> float:
                db = work / f"raw{i}.db"
                if sqlite_cli:
                    elapsed = timed(
                        [sqlite_cli, str(db)],
                        dict(os.environ),
                        stdin=f".mode csv\n.import {big} lead\n",
                    )
                else:
                    start = time.perf_counter()
                    conn = sqlite3.connect(db)
                    with big.open(encoding="utf-8") as handle:
                        reader = csv.reader(handle)
                        header = next(reader)
                        conn.execute(f"CREATE TABLE lead ({', '.join(header)})")
                        marks = ", ".join("?" * len(header))
                        conn.executemany(f"INSERT INTO lead VALUES ({marks})", reader)  # noqa: S608
                    conn.commit()
                    conn.close()
                    elapsed = time.perf_counter() - start
                db.unlink(missing_ok=True)
                return elapsed

            rows.append(
                paired(
                    "lead import (100,000 leads)",
                    ours,
                    theirs,
                    max(3, args.runs // 5),
                    4,
                    "sqlite3 .import" if sqlite_cli else "python sqlite3 executemany",
                )
            )
        if any(wanted(n) for n in ("deal-list", "deal-add", "deal-move")):
            deals_db = work / "deals.db"
            env = env_for(deals_db)
            deals_csv = work / "deals10k.csv"
            write_deals_csv(deals_csv, 10_000)
            run_cli(env, "deal", "import", str(deals_csv))
            if wanted("deal-list"):
                rows.append(
                    paired(
                        "deal list (10,000 deals)",
                        lambda _i: timed([*SALESCLI, "deal", "list"], env),
                        passing,
                        args.runs,
                        35,
                        "python -c pass",
                    )
                )
            if wanted("deal-add"):
                rows.append(
                    paired(
                        "deal add",
                        lambda i: timed(
                            [
                                *SALESCLI,
                                "deal",
                                "add",
                                f"Bench deal {i}",
                                "--amount",
                                "12,000.50",
                                "--account",
                                "Account 1",
                                "--close",
                                "fri",
                            ],
                            env,
                        ),
                        passing,
                        args.runs,
                        None,
                        "python -c pass",
                    )
                )
            if wanted("deal-move"):
                # One deal moves back and forth between two open stages, so every call is a change.
                subprocess.run(
                    [*SALESCLI, "deal", "move", "1", "qualification"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                moves = iter(["proposal", "qualification"] * (args.runs + 5))
                rows.append(
                    paired(
                        "deal move",
                        lambda _i: timed([*SALESCLI, "deal", "move", "1", next(moves)], env),
                        passing,
                        args.runs,
                        None,
                        "python -c pass",
                    )
                )
        if wanted("maven-import"):
            script = Path(__file__).resolve().parents[1] / "examples" / "import-maven.sh"

            def maven(i: int) -> float:
                return timed_on_fresh_db(
                    work / f"maven{i}.db",
                    ["bash", str(script), str(MAVEN), "--setup-only"],
                    ["bash", str(script), str(MAVEN), "--deals-only"],
                )

            rows.append(
                paired(
                    "deal import (Maven, 8,800 deals)",
                    maven,
                    passing,
                    max(3, args.runs // 5),
                    None,
                    "python -c pass",
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
