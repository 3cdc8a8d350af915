"""Concurrent writers, on SQLite and on PostgreSQL, with real processes (tests.conftest.clean_env).

- Four writers and a reader at once: every write lands (exact counts), every command exits 0,
  the reader never fails and never sees the data go backwards.
- Twenty `lead add` started at once (issue 8): all succeed within the default busy timeout,
  because a write holds the lock only for its own statements.

Set SALESCLI_TRIALS_LOG to a file to collect the figures that docs/reliability.md quotes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, ROOT, clean_env

pytestmark = pytest.mark.slow

WRITERS = 4
PER_WRITER = 25


def record(name: str, **figures: object) -> None:
    log = os.environ.get("SALESCLI_TRIALS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"test": name, **figures}) + "\n")


def errors(run: dict) -> list[str]:
    """stderr lines other than `lead add`'s warnings about near-identical names."""
    return [line for line in run["err"].splitlines() if not line.startswith("Warning: ")]


def writer_plan(writer: int, lead_id: int) -> list[list[str]]:
    """25 commands: lead add, deal add and log call in turn, each with values of its own."""
    plan = []
    for i in range(PER_WRITER):
        tag = f"w{writer}-{i}"
        if i % 3 == 0:
            plan.append(["lead", "add", f"Writer {tag}", "--email", f"{tag}@example.com"])
        elif i % 3 == 1:
            plan.append(["deal", "add", f"Deal {tag}", "--amount", f"{1000 + i}.50"])
        else:
            plan.append(["log", "call", "--lead", str(lead_id), f"Call {tag}"])
    return plan


def test_four_writers_and_a_reader(cli, backend, tmp_path):
    lead_id = int(cli.ok("lead", "add", "Shared Lead", "--email", "shared@example.com").out)
    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    stop = tmp_path / "writers-done"
    loop = str(ROOT / "tests" / "cliloop.py")

    def start(name: str, plan: dict) -> tuple[subprocess.Popen, Path]:
        plan_file = tmp_path / f"{name}.json"
        plan_file.write_text(json.dumps(plan))
        results = tmp_path / f"{name}.jsonl"
        proc = subprocess.Popen(
            [sys.executable, loop, str(plan_file), str(results)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        return proc, results

    reading = [
        ["lead", "list", "--format", "json", "--limit", "0"],
        ["deal", "list", "--format", "json", "--limit", "0"],  # the deals are all open
    ]
    started = time.monotonic()
    reader = start("reader", {"commands": reading, "until": str(stop)})
    writers = [start(f"writer{w}", {"commands": writer_plan(w, lead_id)}) for w in range(WRITERS)]
    for proc, _ in writers:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    elapsed = time.monotonic() - started
    stop.touch()
    assert reader[0].wait(timeout=120) == 0, reader[0].stderr.read()

    # every writer command exited 0, with nothing on stderr but near-identical name warnings
    runs = [json.loads(line) for _, path in writers for line in path.read_text().splitlines()]
    assert len(runs) == WRITERS * PER_WRITER
    failures = [(r["argv"], r["code"], r["err"]) for r in runs if r["code"] != 0 or errors(r)]
    assert failures == []

    # exact counts: 100 of 100
    expected_leads = {f"Writer w{w}-{i}" for w in range(WRITERS) for i in range(0, PER_WRITER, 3)}
    expected_deals = {f"Deal w{w}-{i}" for w in range(WRITERS) for i in range(1, PER_WRITER, 3)}
    expected_calls = {f"Call w{w}-{i}" for w in range(WRITERS) for i in range(2, PER_WRITER, 3)}
    assert len(expected_leads) + len(expected_deals) + len(expected_calls) == 100
    leads = {name for (name,) in cli.sql("SELECT name FROM lead WHERE name LIKE 'Writer %'")}
    deals = {title for (title,) in cli.sql("SELECT title FROM deal")}
    calls = cli.sql("SELECT text, lead_id FROM activity WHERE kind = 'call'")
    assert leads == expected_leads
    assert deals == expected_deals
    assert sorted(text for text, _ in calls) == sorted(expected_calls)
    assert {lead for _, lead in calls} == {lead_id}
    ids = [int(r["out"]) for r in runs if r["argv"][:2] == ["lead", "add"]]
    assert sorted(ids) == sorted(
        i for (i,) in cli.sql("SELECT id FROM lead WHERE id != :i", i=lead_id)
    )

    # the reader never failed, and never saw the data go backwards
    reads = [json.loads(line) for line in reader[1].read_text().splitlines()]
    assert [r for r in reads if r["code"] != 0 or r["err"]] == []
    assert len(reads) >= len(reading)
    seen = {"lead": [], "deal": []}
    for r in reads:
        seen[r["argv"][0]].append(len(json.loads(r["out"])))
    for kind, sizes in seen.items():
        assert sizes == sorted(sizes), kind
    assert seen["lead"][-1] == 1 + len(expected_leads)
    assert seen["deal"][-1] == len(expected_deals)
    record(
        "four writers and a reader",
        backend=backend,
        commands=len(runs),
        reads=len(reads),
        seconds=round(elapsed, 1),
    )


BURST = 20


def test_twenty_simultaneous_lead_adds_all_succeed(cli, backend, tmp_path):
    """Issue 8: twenty `lead add` processes started at once, default busy timeout."""
    cli.ok("db", "init")
    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    assert "SALESCLI_BUSY_TIMEOUT" not in env
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "salescli",
                "lead",
                "add",
                f"Burst {i}",
                "--email",
                f"burst{i}@example.com",
                "--company",
                "Burst Ltd",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for i in range(BURST)
    ]
    results = [(proc.wait(timeout=120), *proc.communicate()) for proc in procs]
    elapsed = time.monotonic() - started
    assert [(code, errors({"err": err})) for code, _, err in results] == [(0, [])] * BURST
    ids = sorted(int(out) for _, out, _ in results)
    assert ids == sorted(i for (i,) in cli.sql("SELECT id FROM lead"))
    assert len(ids) == BURST
    assert sorted(n for (n,) in cli.sql("SELECT name FROM lead")) == sorted(
        f"Burst {i}" for i in range(BURST)
    )
    record("twenty lead add at once", backend=backend, seconds=round(elapsed, 1))
