#!/usr/bin/env python
"""The SQLite query plan of every list filter and of `deal move` (docs/performance.md).

Usage:
    python benchmarks/explain.py [--db FILE] [--dir DIR] [--all] [--only TEXT ...]

Runs each case as a real salescli process on a demo database (built with `salescli demo` at
the 10k scale of benchmarks/run.py unless `--db FILE` names one), records every statement it
sends to SQLite, then prints `EXPLAIN QUERY PLAN` of the list's main query (its longest
ordered SELECT) or, for write commands and with `--all`, of every statement but the bookkeeping
(settings, the schema revision, pragmas). A write case changes the database it runs on.
Plans do not depend on the size: without `ANALYZE` statistics SQLite plans from the schema.
"""

from __future__ import annotations

import argparse
import pickle
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (benchmarks/run.py: the databases and their environment)

BOOKKEEPING = re.compile(
    r"^\s*(PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)|alembic_version|FROM setting\b"
    r"|sqlite_master|FROM currencyrate\b",
    re.IGNORECASE,
)
WRITE_CASES = ("deal move", "deal win", "deal lose")


def child(outfile: str, argv: list[str]) -> None:
    """Run salescli with `argv`, recording (statement, parameters) of every execute."""
    import sqlalchemy as sa

    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters[0] if executemany else parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    sys.argv = ["salescli", *argv]
    from salescli.__main__ import main

    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        Path(outfile).write_bytes(pickle.dumps((code, seen)))


def statements(argv: list[str], env: dict[str, str]) -> list[tuple[str, object]]:
    with tempfile.NamedTemporaryFile(suffix=".pickle") as out:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", out.name, "--", *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        code, seen = pickle.loads(Path(out.name).read_bytes())
    if code != 0 or proc.returncode != 0:
        raise SystemExit(f"salescli {' '.join(argv)} failed ({code}): {proc.stderr}")
    return [(s, p) for s, p in seen if not BOOKKEEPING.search(s)]


def plan(db: str, statement: str, parameters: object) -> list[str]:
    """EXPLAIN QUERY PLAN as the sqlite3 shell draws it."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ()).fetchall()
    finally:
        conn.close()
    children: dict[int, list[tuple[int, str]]] = {}
    for node, parent, _, detail in rows:
        children.setdefault(parent, []).append((node, detail))
    lines: list[str] = []

    def draw(parent: int, prefix: str) -> None:
        kids = children.get(parent, [])
        for index, (node, detail) in enumerate(kids):
            last = index == len(kids) - 1
            lines.append(f"{prefix}{'`--' if last else '|--'}{detail}")
            draw(node, prefix + ("   " if last else "|  "))

    draw(0, "")
    return lines


def short(statement: str, width: int = 110) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def cases(fx: bench.Fixtures, db: str) -> list[tuple[str, list[str]]]:
    conn = sqlite3.connect(db)
    try:

        def one(sql: str) -> object:
            return conn.execute(sql).fetchone()[0]

        rep = one("SELECT name FROM rep WHERE manager_id IS NOT NULL ORDER BY id LIMIT 1")
        manager = one("SELECT name FROM rep WHERE manager_id IS NULL ORDER BY id LIMIT 1")
        lead = one("SELECT lead_id FROM activity WHERE lead_id IS NOT NULL LIMIT 1")
        contact = one("SELECT contact_id FROM deal WHERE contact_id IS NOT NULL LIMIT 1")
        account = one("SELECT account_id FROM deal WHERE account_id IS NOT NULL LIMIT 1")
        deal = one("SELECT deal_id FROM activity WHERE deal_id IS NOT NULL LIMIT 1")
    finally:
        conn.close()
    return [
        ("lead list", ["lead", "list"]),
        ("lead list --status new", ["lead", "list", "--status", "new"]),
        ("lead list --owner REP", ["lead", "list", "--owner", rep]),
        ("lead list --owner none", ["lead", "list", "--owner", "none"]),
        ("lead list --source web", ["lead", "list", "--source", "web"]),
        ("lead list --tag hot", ["lead", "list", "--tag", "hot"]),
        ("lead list --territory DACH", ["lead", "list", "--territory", "DACH"]),
        ("lead list --search anna", ["lead", "list", "--search", "anna"]),
        ("lead list --sort score", ["lead", "list", "--sort", "score"]),
        ("lead list --sort last-contact", ["lead", "list", "--sort", "last-contact"]),
        ("lead list --sort name", ["lead", "list", "--sort", "name"]),
        ("deal list", ["deal", "list"]),
        ("deal list --stage proposal", ["deal", "list", "--stage", "proposal"]),
        ("deal list --owner REP", ["deal", "list", "--owner", rep]),
        ("deal list --team MANAGER", ["deal", "list", "--team", manager]),
        ("deal list --account ID", ["deal", "list", "--account", str(account)]),
        ("deal list --won", ["deal", "list", "--won"]),
        ("deal list --all --sort created", ["deal", "list", "--all", "--sort", "created"]),
        ("deal list --closing this-quarter", ["deal", "list", "--closing", "this-quarter"]),
        ("deal list --search pilot", ["deal", "list", "--search", "pilot"]),
        ("deal list --sort amount", ["deal", "list", "--sort", "amount"]),
        ("account list", ["account", "list"]),
        ("account list --owner REP", ["account", "list", "--owner", rep]),
        ("account list --customer", ["account", "list", "--customer"]),
        ("account list --sort created", ["account", "list", "--sort", "created"]),
        ("account list --search gmbh", ["account", "list", "--search", "gmbh"]),
        ("contact list", ["contact", "list"]),
        ("contact list --account ID", ["contact", "list", "--account", str(account)]),
        ("contact list --search anna", ["contact", "list", "--search", "anna"]),
        ("activity list", ["activity", "list"]),
        ("activity list --rep REP", ["activity", "list", "--rep", rep]),
        ("activity list --kind call", ["activity", "list", "--kind", "call"]),
        ("activity list --period this-week", ["activity", "list", "--period", "this-week"]),
        ("activity list --lead ID", ["activity", "list", "--lead", str(lead)]),
        ("activity list --deal ID", ["activity", "list", "--deal", str(deal)]),
        ("activity list --contact ID", ["activity", "list", "--contact", str(contact)]),
        ("activity list --account ID", ["activity", "list", "--account", str(account)]),
        ("rep list", ["rep", "list"]),
        ("rep list --team EMEA", ["rep", "list", "--team", "EMEA"]),
        ("rep list --manager MANAGER", ["rep", "list", "--manager", manager]),
        ("deal stale --owner REP", ["deal", "stale", "--owner", rep]),
        ("deal move", ["deal", "move", fx.next_deal(), fx.stage_after]),
        ("deal win", ["deal", "win", fx.next_deal()]),
        ("deal lose", ["deal", "lose", fx.next_deal(), "--reason", "price"]),
    ]


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[4:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an SQLite demo database (default: build the 10k one)")
    parser.add_argument("--dir", help="keep the built database here (reused when present)")
    parser.add_argument("--all", action="store_true", help="every statement of every case")
    parser.add_argument("--only", nargs="*", help="cases whose name contains one of these")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="salescli-explain-home-")
    if args.db:
        db = args.db
    else:
        workdir = Path(args.dir or tempfile.mkdtemp(prefix="salescli-explain-"))
        workdir.mkdir(parents=True, exist_ok=True)
        db = str(workdir / "bench-10k.db")
    env = bench.environment(db, home)
    if not args.db:
        bench.build("10k", db, env)
    # Opening the database migrates it (and its first open may print a notice): do it now.
    subprocess.run(
        [sys.executable, "-m", "salescli", "db", "check"], env=env, capture_output=True, check=False
    )
    fx = bench.Fixtures(db, 1)
    for name, argv in cases(fx, db):
        if args.only and not any(part in name for part in args.only):
            continue
        found = statements(argv, env)
        if not (args.all or name in WRITE_CASES):
            # The list's own query: the longest ordered SELECT (lookups of the records a
            # filter names come first and are not ordered).
            selects = [s for s in found if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]
            ordered = [s for s in selects if " ORDER BY " in s[0]] or selects
            found = [max(ordered, key=lambda s: len(s[0]))] if ordered else []
        print(f"\n`salescli {name}`\n")
        print("```")
        for statement, parameters in found:
            print(short(statement))
            for line in plan(db, statement, parameters):
                print(f"  {line}")
        print("```", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
