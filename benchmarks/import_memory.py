#!/usr/bin/env python
"""Peak memory and write-lock window of a large `lead import` (issue 6).

Usage: python benchmarks/import_memory.py [--mb 200] [--keep DIR]

Generates a lead CSV of about --mb megabytes (unique e-mails and phones, tags, multi-line
notes) in a temporary directory, imports it into a fresh SQLite database with
`python -m salescli lead import`, and prints:

- the import's wall time and peak RSS (`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` of
  the salescli process alone: the generator runs before it, in this process);
- the write-lock window: a probe thread tries `BEGIN IMMEDIATE` (no wait) every 20 ms and
  lists the stretches of 0.1 s or more when the lock was taken, and the longest: how long
  another writer (`lead add`) would have had to wait.

Nothing is written to the repository (pass --keep DIR to keep the file and database).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST = ["Ana", "Jürgen", "Иван", "Çağrı", "王", "Maria", "John", "Aiko", "Lars", "Fatima"]
LAST = ["Souza", "Groß", "Петров", "Yılmaz", "芳", "Rossi", "Smith", "Tanaka", "Berg", "Haddad"]
SOURCES = ["web", "referral", "event", "cold-call", "campaign", "partner"]
TITLES = ["CEO", "Head of Sales", "Buyer", "CTO", "Procurement Manager", "Owner"]


def generate(path: Path, megabytes: int) -> int:
    """A lead file of about `megabytes` MB; returns its number of data rows."""
    rng = random.Random(6)
    target = megabytes * 1_000_000
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["name", "email", "phone", "company", "title", "source", "status", "tags", "notes"]
        )
        while handle.tell() < target:
            rows += 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            writer.writerow(
                [
                    f"{first} {last} {rows}",
                    f"lead{rows}@example{rows % 997}.com",
                    f"+1 555 {rows:08d}",
                    f"Company {rows % 50_000} GmbH",
                    rng.choice(TITLES),
                    rng.choice(SOURCES),
                    rng.choice(["new", "contacted", "qualified"]),
                    "a, b" if rows % 3 == 0 else "",
                    f"Met at the fair.\nCall back about offer {rows}." if rows % 4 == 0 else "",
                ]
            )
    return rows


class LockProbe(threading.Thread):
    """Every 20 ms: can another connection take the write lock right now?"""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.busy: list[tuple[float, float]] = []  # (start, end) of each stretch taken

    def run(self) -> None:
        since = None
        while not self.stop.is_set():
            now = time.monotonic()
            try:
                conn = sqlite3.connect(self.db, timeout=0, isolation_level=None)
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("ROLLBACK")
                    if since is not None:
                        self.busy.append((since, now))
                        since = None
                finally:
                    conn.close()
            except sqlite3.OperationalError:
                if since is None:
                    since = now
            time.sleep(0.02)
        if since is not None:
            self.busy.append((since, time.monotonic()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the file (MB)")
    parser.add_argument("--keep", metavar="DIR", help="keep the file and database in DIR")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="salescli-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path, db = work / "leads.csv", work / "sales.db"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    started = time.monotonic()
    rows = generate(csv_path, args.mb)
    size = csv_path.stat().st_size
    print(
        f"file: {size / 1e6:.0f} MB, {rows:,} leads (generated in {time.monotonic() - started:.0f} s)"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "SALESCLI_DB": str(db),
    }
    cmd = [sys.executable, "-m", "salescli"]
    subprocess.run([*cmd, "db", "init"], env=env, check=True, capture_output=True, cwd=ROOT)
    probe = LockProbe(db)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    probe.start()
    started = time.monotonic()
    result = subprocess.run(
        [*cmd, "lead", "import", str(csv_path)], env=env, capture_output=True, text=True, cwd=ROOT
    )
    ended = time.monotonic()
    probe.stop.set()
    probe.join()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"import: exit {result.returncode}, {ended - started:.1f} s; {result.stderr.strip()}")
    if peak_kib <= before:
        print("peak RSS: not measurable (an earlier child used more)")
    else:
        print(f"peak RSS of the import: {peak_kib / 1024:.0f} MiB")
    count = sqlite3.connect(db).execute("SELECT count(*) FROM lead").fetchone()[0]
    print(f"leads in the database: {count:,}")
    stretches = [(a - started, b - started) for a, b in probe.busy if b - a >= 0.1]
    if stretches:
        shown = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in stretches)
        longest = max(b - a for a, b in stretches)
        print(
            f"write lock taken (stretches of 0.1 s or more, from the start of the import): "
            f"{shown}; longest {longest:.1f} s of {ended - started:.1f} s"
        )
    else:
        print("write lock: never seen taken for 0.1 s or more")
    if not args.keep:
        for path in (csv_path, db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
