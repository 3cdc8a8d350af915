"""Duplicate leads at scale: prints the figures of issue 9's dedupe part.

- `lead duplicates` (the command, as a process, output to a file) over the demo database
  of each size: wall time, CPU (user + system), peak memory and pairs found, and where
  the time goes (the same steps timed in this process: reading the leads and folding
  their keys, the key search, listing the pairs, writing the CSV);
- the near-identical check of `lead add` (`lead_dedupe.similar`, through `leadkey`) at each
  size, median of several names, beside the old way (read every lead, compare each);

Usage: python benchmarks/dedupe.py [--sizes 10000,200000] [--dir /tmp/salescli-bench]
       python benchmarks/dedupe.py --db COPY-OF-THE-LARGE-DEMO.db
Databases are built once with `salescli demo --leads N --deals 1000 --activities 1000`
and kept in --dir; --db measures an existing database instead (never written to but by
`db init`, which brings it to the head revision: pass a copy).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAMES = [
    ("Ana Souza", "Acme"),
    ("Christopher Cochran", None),
    ("Jürgen Groß", "Groß Maschinenbau GmbH"),
    ("刘敏", "华远软件信息有限公司"),
    ("Ладимир Шестаков", "ИП «Стрелкова»"),
    ("Harold Dennis", "Santiago, Lewis and Logan"),
    ("Zeynep Akar", "Bilgin Gülen Manco San."),
]


def database(size: int, folder: Path) -> Path:
    path = folder / f"dedupe-{size}.db"
    if not path.exists():
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "salescli", "--db", str(path), "demo", "--leads", str(size),
             "--deals", "1000", "--activities", "1000"],
            check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        print(f"built {path.name} in {time.perf_counter() - start:.1f} s")
    return database_at(path)


def run_duplicates(path: Path, threshold: int) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system, every thread), peak MiB and pairs of the
    command, run as a process of its own (`/usr/bin/time -v` gives the same figures)."""
    out = path.with_suffix(f".dup{threshold}.csv")
    command = [
        sys.executable, "-c",
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        sys.executable, "-m", "salescli", "--db", str(path), "lead", "duplicates",
        "--threshold", str(threshold), "--format", "csv", "--output", str(out),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command, check=True, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = int(done.stdout.split()[-1]) / 1024  # KiB on Linux
    with open(out, encoding="utf-8") as handle:
        pairs = sum(1 for _ in handle) - 1
    out.unlink()
    return took, cpu, peak, pairs


def duplicate_steps(path: Path, threshold: int) -> dict[str, float]:
    """CPU seconds of the command's steps, timed in this process: reading the leads and
    folding their keys, the key search (`_alike_keys`), listing the pairs, writing the CSV."""
    import sqlalchemy as sa

    from salescli import render
    from salescli.cli.lead_dedupe import DUPLICATE_COLUMNS
    from salescli.services.leads import dedupe as lead_dedupe
    from salescli.services.leads import dedupe_pairs

    search = dedupe_pairs._alike_keys
    spent: dict[str, float] = {}

    def timed_search(*args: Any, **kwargs: Any) -> Any:
        begin = time.process_time()
        try:
            return search(*args, **kwargs)
        finally:
            spent["key search"] = time.process_time() - begin

    engine = sa.create_engine(f"sqlite:///{path}")
    dedupe_pairs._alike_keys = timed_search
    try:
        begin = time.process_time()
        with engine.connect() as conn:
            pairs, names = lead_dedupe.duplicate_pairs(conn, threshold)
        spent["read, fold, list pairs"] = time.process_time() - begin - spent["key search"]
    finally:
        dedupe_pairs._alike_keys = search
        engine.dispose()
    out = path.with_suffix(f".steps{threshold}.csv")
    begin = time.process_time()
    render.write_csv_tuples(
        ((a, names[a], b, names[b], reason, score) for a, b, reason, score in pairs),
        DUPLICATE_COLUMNS,
        output=str(out),
    )
    spent["write CSV"] = time.process_time() - begin
    out.unlink()
    return spent


def similar_times(path: Path, repeat: int = 3) -> tuple[float, float]:
    """Median seconds of the indexed check and of the old full read, over NAMES."""
    import sqlalchemy as sa
    from rapidfuzz import fuzz, process

    from salescli.services.leads import dedupe as lead_dedupe
    from salescli.services.leads import dedupe_keys as lead_keys
    from salescli.tables import LEAD

    engine = sa.create_engine(f"sqlite:///{path}")
    indexed, scanned = [], []
    with engine.connect() as conn:
        for name, company in NAMES * repeat:
            start = time.perf_counter()
            found = lead_dedupe.similar(conn, name, company)
            indexed.append(time.perf_counter() - start)
            start = time.perf_counter()
            query = sa.select(LEAD.c.id, LEAD.c.name, LEAD.c.company).where(
                LEAD.c.forgotten.is_(False)
            )
            choices = {i: lead_keys.fuzzy_key(n, c) for i, n, c in conn.execute(query)}
            hits = process.extract(
                lead_keys.fuzzy_key(name, company), choices, scorer=fuzz.ratio,
                score_cutoff=90, limit=5,
            )  # fmt: skip
            scanned.append(time.perf_counter() - start)
            assert found == sorted((k, round(s, 1)) for _, s, k in hits), (name, found, hits)
    engine.dispose()
    return statistics.median(indexed), statistics.median(scanned)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--dir", default="/tmp/salescli-bench")
    parser.add_argument("--db", help="measure this database (a copy) instead of --sizes")
    parser.add_argument("--threshold", type=int, default=90)
    args = parser.parse_args()
    folder = Path(args.dir)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.db:
        paths = [(Path(args.db).name, database_at(Path(args.db)))]
    else:
        folder.mkdir(parents=True, exist_ok=True)
        paths = [(f"{size:>7} leads", database(size, folder)) for size in sizes(args.sizes)]
    for label, path in paths:
        indexed, scanned = similar_times(path)
        print(
            f"{label}  lead add near-identical check: {indexed * 1000:7.1f} ms "
            f"(leadkey)  vs {scanned * 1000:7.1f} ms (read every lead)"
        )
        took, cpu, peak, pairs = run_duplicates(path, args.threshold)
        print(
            f"{label}  lead duplicates --threshold {args.threshold}: {took:6.1f} s "
            f"({cpu:.1f} s CPU, {peak:.0f} MiB peak, load {os.getloadavg()[0]:.1f}), "
            f"{pairs} pairs"
        )
        steps = duplicate_steps(path, args.threshold)
        print(
            f"{label}  where the CPU goes (in process): "
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items())
        )


def sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",")]


def database_at(path: Path) -> Path:
    """An existing database brought to the head revision (0006 fills leadkey)."""
    subprocess.run(
        [sys.executable, "-m", "salescli", "--db", str(path), "db", "init"],
        check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return path


if __name__ == "__main__":
    main()
