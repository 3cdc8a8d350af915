"""Duplicate leads at scale: prints the figures of issue 9's dedupe part.

- `lead duplicates` (the command, as a process, output to a file) over the demo database
  of each size: wall time and pairs found;
- the near-identical check of `lead add` (`lead_dedupe.similar`, through `leadkey`) at each
  size, median of several names, beside the old way (read every lead, compare each);

Usage: python benchmarks/dedupe.py [--sizes 10000,200000] [--dir /tmp/salescli-bench]
Databases are built once with `salescli demo --leads N --deals 1000 --activities 1000`
and kept in --dir.
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
    subprocess.run(  # brings an older database to the head revision (0006 fills leadkey)
        [sys.executable, "-m", "salescli", "--db", str(path), "db", "init"],
        check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return path


def run_duplicates(path: Path, threshold: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, every thread) and pairs of the command."""
    out = path.with_suffix(f".dup{threshold}.csv")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "salescli", "--db", str(path), "lead", "duplicates",
         "--threshold", str(threshold), "--format", "csv", "--output", str(out)],
        check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(out, encoding="utf-8") as handle:
        pairs = sum(1 for _ in handle) - 1
    out.unlink()
    return took, cpu, pairs


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
    parser.add_argument("--threshold", type=int, default=90)
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for size in (int(s) for s in args.sizes.split(",")):
        path = database(size, folder)
        indexed, scanned = similar_times(path)
        print(
            f"{size:>7} leads  lead add near-identical check: {indexed * 1000:7.1f} ms "
            f"(leadkey)  vs {scanned * 1000:7.1f} ms (read every lead)"
        )
        took, cpu, pairs = run_duplicates(path, args.threshold)
        print(
            f"{size:>7} leads  lead duplicates --threshold {args.threshold}: {took:6.1f} s "
            f"({cpu:.1f} s CPU, load {os.getloadavg()[0]:.1f}), {pairs} pairs"
        )


if __name__ == "__main__":
    main()
