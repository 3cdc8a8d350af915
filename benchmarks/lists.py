#!/usr/bin/env python
"""Whole lists over the large demo: each `X list` with no limit in JSON and CSV (what a cron
script exports), beside the `sqlite3` shell writing the same rows as JSON.

Usage:
    python benchmarks/lists.py [--db FILE] [--dir DIR] [--runs N] [--only NAME ...]
                               [--json FILE]

The database is the `large` demo (1,000,000 deals, 200,000 leads, 2,000,000 activities,
375,528 contacts, 195,200 accounts, 100,000 tasks; built once and cached, or `--db FILE`),
the clock benchmarks/run.py's. A list with no limit is written as it is read (services'
`each_*` over `paging.each_row`): its peak memory should not grow with the list. The table
gives, per command, the medians of wall and CPU time over `--runs` rounds (after a warm-up,
the order rotated), salescli's peak memory (the largest ru_maxrss of its runs) and the
floor: `sqlite3 -json` selecting the list's table whole in the same order (no joins, no
shaping: a reference for the size of the job, not a target). Output goes to /dev/null.
"""

# The floors are SQL text built from this file's constants, never from input.
# ruff: noqa: S608

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (benchmarks/run.py: the databases and their environment)
from forecast import options, paired, prepare  # noqa: E402

# name: (salescli arguments, the floor's table and order)
LISTS: dict[str, tuple[list[str], str]] = {
    "deal list --all": (
        ["deal", "list", "--all"],
        "deal ORDER BY close_date IS NULL, close_date, id",
    ),
    "deal list (open)": (
        ["deal", "list"],
        "deal WHERE stage_id IN (SELECT id FROM stage WHERE kind = 'open') "
        "ORDER BY close_date IS NULL, close_date, id",
    ),
    "lead list": (["lead", "list"], "lead ORDER BY created_at DESC, id DESC"),
    "activity list": (["activity", "list"], "activity ORDER BY occurred_at DESC, id DESC"),
    "contact list": (["contact", "list"], "contact ORDER BY search_text, id"),
    "account list": (["account", "list"], "account ORDER BY name_key, id"),
    "task list --all": (["task", "list", "--all", "--everyone"], "task ORDER BY due_at, id"),
}
MEMORY_TARGET_MIB = 200


def main() -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="these lists only (e.g. 'lead list')")
    args = parser.parse_args()
    db, env, shell, home = prepare(args)
    print(
        f"database {db}; now {bench.NOW}; {args.runs} runs each; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print("| command | format | ours (s) | CPU (s) | peak MiB | sqlite3 -json (s) | 200 MiB |")
    print("|---|---|---:|---:|---:|---:|---|")
    rows = []
    for name, (argv, table) in LISTS.items():
        if args.only and name not in args.only:
            continue
        script = Path(home) / f"{name.replace(' ', '-')}.sql"
        script.write_text(f"SELECT * FROM {table};\n", encoding="utf-8")
        floor = ["sh", "-c", f"{shell} -readonly -json '{db}' < '{script}'"]
        for fmt in ("json", "csv"):
            ours = [bench.PY, "-m", "salescli", *argv, "--format", fmt]
            times, cpu, peak = paired({"ours": ours, "floor": floor}, env, args.runs)
            row = {
                "command": name,
                "format": fmt,
                "s": statistics.median(times["ours"]),
                "cpu_s": statistics.median(cpu["ours"]),
                "peak_mib": peak / 1024,
                "floor_s": statistics.median(times["floor"]),
            }
            rows.append(row)
            held = "under" if row["peak_mib"] < MEMORY_TARGET_MIB else "over"
            print(
                f"| `{name}` | {fmt} | {row['s']:.2f} | {row['cpu_s']:.2f} "
                f"| {row['peak_mib']:.0f} | {row['floor_s']:.2f} | {held} |",
                flush=True,
            )
    return bench.finish(rows, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
