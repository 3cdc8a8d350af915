"""kill -9 at random moments: an import, the Maven deal import, a migration, a backup.

Each test kills TRIALS salescli processes with SIGKILL after a random delay drawn (from a fixed
seed) inside the window where the command works on the database; the window is measured first,
on this machine, from a complete run of the same command. After every kill the database must be
whole (`PRAGMA integrity_check` ok, no broken foreign key) and hold either everything the
command writes or nothing of it: the row count of every table equals its count before the
command or after a complete run. The database is read with the sqlite3 module, not with the
code under test.

The processes come from a fork server (tests/killrunner.py, started in a newcomer's environment)
that imports salescli once: each trial is a real process killed while it works, without a
second of interpreter start-up before the interesting part. Set SALESCLI_TRIAL_SEED to explore
other kill points and SALESCLI_TRIALS_LOG to a file to collect the figures that
docs/reliability.md quotes.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.conftest import DATASETS, NOW, ROOT, clean_env

TRIALS = 20
SEED = int(os.environ.get("SALESCLI_TRIAL_SEED", "20261123"))
MAVEN = DATASETS / "maven-crm-sales-opportunities"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]


# --- helpers ------------------------------------------------------------------------------


def counts(path: Path) -> dict[str, int]:
    """Rows in every table, read with the sqlite3 module (not the code under test)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables
        }
    finally:
        conn.close()


def assert_whole(path: Path, label: str) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], label
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], label
    finally:
        conn.close()


def revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


class Runner:
    """The test's side of tests/killrunner.py."""

    def __init__(self, folder: Path) -> None:
        self.stderr = folder / "stderr.txt"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "killrunner.py")],
            env=clean_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, "the fork server died"
        return json.loads(line)

    def start(self, argv: Sequence[str], db: Path) -> int:
        env = clean_env(SALESCLI_DB=str(db), SALESCLI_NOW=NOW)
        request = {"argv": list(argv), "env": env, "stderr": str(self.stderr)}
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        return self._reply()["pid"]

    def finish(self, argv: Sequence[str], db: Path) -> float:
        """Run to completion (exit 0); the wall time in seconds."""
        started = time.monotonic()
        self.start(argv, db)
        status = self._reply()["status"]
        elapsed = time.monotonic() - started
        assert status == 0, self.stderr.read_text()
        return elapsed

    def kill_after(self, argv: Sequence[str], db: Path, delay: float) -> int | None:
        """Start the command and SIGKILL it after `delay` s: None if killed, else the exit
        status of a run that finished first."""
        pid = self.start(argv, db)
        finished, _, _ = select.select([self.proc.stdout], [], [], delay)
        if not finished:
            # (it may have finished, and been reaped, between the timeout and the kill)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        status = self._reply()["status"]
        return None if status == -signal.SIGKILL else status

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        text = self.stderr.read_text() if self.stderr.exists() else ""
        assert "Traceback" not in text, text


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    runner = Runner(tmp_path)
    yield runner
    runner.close()


def delays(end: float) -> list[float]:
    """TRIALS kill delays, uniform over the working window (a little past its end too, so
    that a kill right after the commit is tried as well)."""
    rng = random.Random(SEED)
    return [round(rng.uniform(0.02, 1.05 * end), 3) for _ in range(TRIALS)]


def record(name: str, **figures: object) -> None:
    log = os.environ.get("SALESCLI_TRIALS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"test": name, "seed": SEED, **figures}) + "\n")


def fresh_copy(template: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    target.chmod(0o600)
    return target


def checkpointed(path: Path) -> Path:
    """Fold the WAL into the file so that a plain copy is the whole database."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


def import_trials(
    name: str, runner: Runner, template: Path, work: Path, argv: Sequence[str]
) -> dict[str, int]:
    """Kill `argv` (an import) TRIALS times, each time on a fresh copy of `template`: every
    table holds the rows it had before, or those of a complete run."""
    before = counts(template)
    end = runner.finish(argv, fresh_copy(template, work))
    after = counts(work)
    assert after != before
    assert_whole(work, "complete run")
    outcomes = {"nothing": 0, "everything": 0}
    started = time.monotonic()
    for trial, delay in enumerate(delays(end)):
        fresh_copy(template, work)
        status = runner.kill_after(argv, work, delay)
        label = f"trial {trial} (seed {SEED}, kill after {delay} s)"
        assert status in (None, 0), f"{label}: exit {status}"
        assert_whole(work, label)
        got = counts(work)
        assert got in (before, after), f"{label}: {got} is neither before nor after"
        outcomes["nothing" if got == before else "everything"] += 1
    record(
        name,
        trials=TRIALS,
        window=round(end, 2),
        seconds=round(time.monotonic() - started, 1),
        **outcomes,
    )
    return outcomes


# --- the trials ---------------------------------------------------------------------------

LEAD_ROWS = 10_000


def test_kill_9_during_a_lead_import_20_trials(cli, db_url, tmp_path, runner):
    """`lead import` of 10,000 rows: all of them and one import batch, or nothing."""
    cli.ok("db", "init")
    source = tmp_path / "leads.csv"
    with source.open("w", encoding="utf-8") as handle:
        handle.write("name,email,phone,company,source\n")
        for i in range(LEAD_ROWS):
            handle.write(f"Person {i},person{i}@example.com,+49 30 {i:07d},Firm {i % 97},web\n")
    template = checkpointed(Path(db_url))
    work = tmp_path / "work" / "sales.db"
    work.parent.mkdir()
    outcomes = import_trials("lead import", runner, template, work, ["lead", "import", str(source)])
    assert sum(outcomes.values()) == TRIALS
    after = counts(work)  # the last trial's database, whichever way it ended
    assert (after["lead"], after["importbatch"]) in ((0, 0), (LEAD_ROWS, 1))


MAVEN_DEALS = [
    "deal", "import", str(MAVEN / "sales_pipeline.csv"),
    "--map", "opportunity_id=external_id", "--map", "sales_agent=owner",
    "--map", "deal_stage=stage", "--map", "engage_date=created_at",
    "--map", "close_value=amount",
    "--map-value", "stage:Prospecting=prospecting", "--map-value", "stage:Engaging=qualification",
    "--map-value", "stage:Won=won", "--map-value", "stage:Lost=lost",
]  # fmt: skip


@pytest.mark.skipif(not MAVEN.exists(), reason="the Maven data set is not here")
def test_kill_9_during_the_maven_deal_import_20_trials(cli, db_url, tmp_path, runner):
    """The deal step of examples/import-maven.sh (the real 8,800 opportunities, with their
    stage history) over the reps, products and accounts of its first step."""
    script = ROOT / "examples" / "import-maven.sh"
    env = clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW)
    setup = subprocess.run(
        ["bash", str(script), str(MAVEN), "--setup-only"], env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    template = checkpointed(Path(db_url))
    work = tmp_path / "work" / "sales.db"
    work.parent.mkdir()
    outcomes = import_trials("maven deal import", runner, template, work, MAVEN_DEALS)
    assert sum(outcomes.values()) == TRIALS
    assert counts(template)["deal"] == 0
    assert counts(work)["deal"] in (0, 8800)


def _leads_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("name,email,company,title,source,notes\n")
        for i in range(rows):
            handle.write(
                f"Person {i},person{i}@example.com,Firm {i % 211},Buyer,web,"
                f"met at the fair in hall {i % 9}; wants a quote for {i % 50 + 1} seats\n"
            )
    return path


DATABASE_FILES = ("sales.db", "sales.db-wal", "sales.db-shm")


def _is_debris(path: Path) -> bool:
    """Not a backup with a final name (`….bak` or `….db`): a temporary file or a marker."""
    name = path.name
    return name.startswith(".") or "tmp" in name or not name.endswith((".bak", ".db"))


MIGRATION_LEADS = 20_000


def test_kill_9_during_a_migration_on_open_20_trials(cli, db_url, tmp_path, runner):
    """A database at revision 0001 holding 20,000 leads is opened by `lead list` (even
    trials) or `db migrate` (odd trials), which back it up (sales.db.pre-0001.bak) and
    migrate it to 0002 (the default pipeline) in one transaction. After any kill: the schema
    is 0001 with no stages or 0002 with all six, no lead is lost, any backup file present is
    complete, and the next command finishes the migration and leaves no temporary file."""
    from alembic import command as alembic
    from alembic.config import Config

    from salescli.migrations import HEAD

    cli.ok("lead", "import", str(_leads_csv(tmp_path / "leads.csv", MIGRATION_LEADS)))
    config = Config()
    config.set_main_option("script_location", "salescli:migrations")
    config.set_main_option("sqlalchemy.url", f"sqlite:///{db_url}")
    alembic.downgrade(config, "0001")
    template = checkpointed(Path(db_url))
    assert revision(template) == "0001"
    before = counts(template)
    assert before["lead"] == MIGRATION_LEADS and before["stage"] == 0

    def work(trial: int | str) -> Path:
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        return fresh_copy(template, folder / "sales.db")

    commands = (["lead", "list", "--limit", "1"], ["db", "migrate"])
    path = work("window")
    end = runner.finish(commands[0], path)
    after = counts(path)
    assert revision(path) == HEAD and after["stage"] == 6 and after["lead"] == MIGRATION_LEADS
    outcomes = {"nothing": 0, "everything": 0}
    debris: list[str] = []
    started = time.monotonic()
    for trial, delay in enumerate(delays(end)):
        path = work(trial)
        label = f"trial {trial} (seed {SEED}, kill after {delay} s)"
        status = runner.kill_after(commands[trial % 2], path, delay)
        assert status in (None, 0), f"{label}: exit {status}"
        assert_whole(path, label)
        got = counts(path)
        assert got in (before, after), f"{label}: {got} is neither before nor after"
        assert revision(path) == ("0001" if got == before else HEAD), label
        outcomes["nothing" if got == before else "everything"] += 1
        for side in path.parent.iterdir():
            if side.name in DATABASE_FILES or _is_debris(side):
                continue
            # a backup that carries a final name is complete: the database as it was
            assert_whole(side, f"{label}: backup {side.name}")
            assert revision(side) == "0001", f"{label}: backup {side.name}"
            assert counts(side) == before, f"{label}: backup {side.name}"
        # the next command (in-process here) finishes the migration, and removes what the
        # kill left behind (a half-written backup, its marker)
        report = cli.json("--db", str(path), "db", "check")
        assert (report["ok"], report["revision"]) == (True, HEAD), label
        assert counts(path) == after, label
        debris += [
            f"{trial}/{side.name}"
            for side in path.parent.iterdir()
            if side.name not in DATABASE_FILES and _is_debris(side)
        ]
    assert debris == []
    record(
        "migration on open",
        trials=TRIALS,
        window=round(end, 2),
        seconds=round(time.monotonic() - started, 1),
        debris=len(debris),
        **outcomes,
    )


BACKUP_LEADS = 40_000


def test_kill_9_during_a_backup_20_trials(cli, db_url, tmp_path, runner):
    """`db backup TARGET` of a live database of 40,000 leads, killed at random: the target is
    absent or a complete, valid copy (mode 0600); the source is untouched; the next command
    leaves no temporary file behind."""
    from salescli.migrations import HEAD

    cli.ok("lead", "import", str(_leads_csv(tmp_path / "leads.csv", BACKUP_LEADS)))
    source = Path(db_url)
    before = counts(source)
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    end = runner.finish(["db", "backup", str(folder / "window.db")], source)
    (folder / "window.db").unlink()
    outcomes = {"absent": 0, "complete": 0}
    started = time.monotonic()
    for trial, delay in enumerate(delays(end)):
        target = folder / f"trial-{trial}.db"
        label = f"trial {trial} (seed {SEED}, kill after {delay} s)"
        status = runner.kill_after(["db", "backup", str(target)], source, delay)
        assert status in (None, 0), f"{label}: exit {status}"
        if target.exists():
            outcomes["complete"] += 1
            assert (target.stat().st_mode & 0o777) == 0o600, label
            assert_whole(target, label)
            assert revision(target) == HEAD, label
            assert counts(target) == before, label
        else:
            outcomes["absent"] += 1
        assert_whole(source, f"{label}: source")
        assert counts(source) == before, f"{label}: source"
    # the next command that opens the database removes what the kills left behind
    runner.finish(["db", "check"], source)
    debris = [side.name for side in folder.iterdir() if not side.name.startswith("trial-")]
    debris += [side.name for side in source.parent.iterdir() if side.name.startswith(".")]
    assert debris == []
    record(
        "db backup",
        trials=TRIALS,
        window=round(end, 2),
        seconds=round(time.monotonic() - started, 1),
        debris=len(debris),
        **outcomes,
    )
