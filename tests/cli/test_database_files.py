"""The database file and its copies (issues 6 and 8): unique backups that never overwrite
without --yes, no debris after a killed backup, no mode changed on a path salescli did not
create, read-only databases readable, damaged files reported by `db check`."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salescli.migrations import HEAD
from tests.conftest import NOW, clean_env

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _leads_csv(path: Path, count: int) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "company", "phone"])
        for n in range(count):
            writer.writerow(
                [f"Person {n}", f"person{n}@example.com", f"Company {n % 97}", f"+4930{n:07d}"]
            )
    return path


# ----------------------------------------------------------------------------- backups


def test_two_backups_in_one_second_are_two_files(cli, tmp_path):
    folder = tmp_path / "copies"
    folder.mkdir()
    first = cli.json("db", "backup", str(folder))["backup"]
    cli.ok("config", "set", "currency", "EUR")
    second = cli.json("db", "backup", str(folder))["backup"]
    suffix = ".db" if cli.url.endswith(".db") else ".dump"
    assert first == str(folder / f"sales-20261123T090000Z{suffix}")
    assert second == str(folder / f"sales-20261123T090000Z-2{suffix}")
    assert sorted(os.listdir(folder)) == sorted([Path(first).name, Path(second).name])
    for name in (first, second):
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600


@sqlite_only
def test_default_backups_and_restore_safety_copies_are_unique(cli, db_url, tmp_path):
    backups = tmp_path / "backups"
    paths = [cli.json("db", "backup")["backup"] for _ in range(3)]
    assert paths == [
        str(backups / "sales-20261123T090000Z.db"),
        str(backups / "sales-20261123T090000Z-2.db"),
        str(backups / "sales-20261123T090000Z-3.db"),
    ]
    cli.ok("config", "set", "currency", "EUR")
    saved = [cli.json("db", "restore", paths[0], "--yes")["previous_saved_to"] for _ in range(2)]
    assert saved == [
        str(backups / "sales-20261123T090000Z-before-restore.db"),
        str(backups / "sales-20261123T090000Z-before-restore-2.db"),
    ]
    first = sqlite3.connect(saved[0])
    assert first.execute("SELECT value FROM setting").fetchall() == [("EUR",)]
    first.close()
    assert len(os.listdir(backups)) == 5


@sqlite_only
def test_backup_never_overwrites_without_yes(cli, db_url, tmp_path):
    cli.ok("config", "set", "currency", "EUR")
    target = tmp_path / "monday.db"
    target.write_bytes(b"last week's backup")
    result = cli("db", "backup", str(target))
    assert result.code == 4
    assert result.err == (
        f"Error: Replace the existing file {target}: refused without --yes "
        "(no terminal to ask on)\n"
    )
    assert target.read_bytes() == b"last week's backup"
    assert cli.json("db", "backup", str(target), "--yes")["backup"] == str(target)
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT value FROM setting").fetchall() == [("EUR",)]
    copy.close()


@sqlite_only
def test_backup_refuses_the_live_database_even_with_yes(cli, db_url):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    before = Path(db_url).read_bytes()
    for args in (["--yes"], []):
        result = cli("db", "backup", db_url, *args)
        assert result.code == 1
        assert result.err == (
            f"Error: backup path '{db_url}' is the database: writing there would destroy it; "
            "give another file (e.g. salescli db backup ~/sales-copy.db)\n"
        )
    assert Path(db_url).read_bytes() == before
    assert cli.sql("SELECT name FROM lead") == [("Ana Souza",)]


def _debris(*folders: Path) -> list[str]:
    return sorted(
        name
        for folder in folders
        for name in os.listdir(folder)
        if ".tmp" in name or ".partial-" in name
    )


@pytest.mark.slow
@sqlite_only
def test_a_killed_backup_leaves_no_debris_after_the_next_command(cli, db_url, tmp_path):
    cli.ok("lead", "import", str(_leads_csv(tmp_path / "leads.csv", 20000)))
    size = os.path.getsize(db_url)
    assert size > 4_000_000  # a few MB: the copy takes long enough to be killed in the middle
    folder = tmp_path / "copies"
    folder.mkdir()
    env = clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW)
    caught = 0
    for trial in range(20):
        target = folder / f"copy-{trial}.db"
        proc = subprocess.Popen(
            [sys.executable, "-m", "salescli", "db", "backup", str(target)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            partial = [
                n for n in os.listdir(folder) if n.lstrip(".").startswith(f"copy-{trial}.db.")
            ]
            if partial and os.path.getsize(folder / partial[0]) > 0:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            caught += 1
            assert _debris(folder, tmp_path), "the kill left nothing to clean up"
            assert not target.exists()
            # The next command on the database, whatever it is, removes what was left.
            done = subprocess.run(
                [sys.executable, "-m", "salescli", "lead", "list", "--limit", "1"],
                env=env,
                capture_output=True,
            )
            assert done.returncode == 0
            assert _debris(folder, tmp_path) == []
        if caught == 3:
            break
    assert caught == 3
    assert cli.sql("SELECT count(*) FROM lead") == [(20000,)]
    assert sorted(os.listdir(folder)) == sorted(f"copy-{n}.db" for n in range(trial + 1) if (folder / f"copy-{n}.db").exists())  # fmt: skip


# ----------------------------------------------------------------------------- --db modes


@sqlite_only
def test_db_naming_a_directory_is_refused_and_left_alone(cli, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    folder.chmod(0o755)
    result = cli("--db", str(folder), "lead", "list")
    assert result.code == 2
    assert result.err == (
        f"Error: --db '{folder}' is a directory, not a database file (--db or SALESCLI_DB "
        f"names the file, e.g. --db {folder / 'sales.db'})\n"
    )
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert os.listdir(folder) == []


@sqlite_only
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting notes\n", encoding="utf-8")
    notes.chmod(0o644)
    result = cli("--db", str(notes), "lead", "list")
    assert result.code == 1
    assert result.err == (
        f"Error: the database file '{notes}' is not a SQLite database (check --db / SALESCLI_DB)\n"
    )
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644
    assert notes.read_text(encoding="utf-8") == "meeting notes\n"
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "sales.db"]


@sqlite_only
def test_an_existing_database_keeps_the_mode_its_owner_chose(cli, db_url):
    os.chmod(db_url, 0o640)
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    cli.ok("lead", "list")
    assert stat.S_IMODE(os.stat(db_url).st_mode) == 0o640


# ----------------------------------------------------------------------------- read-only


def _unprivileged() -> list[str]:
    """A command prefix under which permission bits apply, even when the tests run as root
    (root writes through a 0444 file): the same uid without the capabilities that bypass
    file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    prefix = [setpriv or "setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
    if setpriv is None or subprocess.run([*prefix, "true"]).returncode != 0:
        pytest.skip("running as root without setpriv: root writes through read-only modes")
    return prefix


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_unprivileged(), sys.executable, "-m", "salescli", *args],
        env=clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW),
        capture_output=True,
        text=True,
    )


@pytest.fixture
def read_only(cli, db_url):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com", "--phone", "+49301234567")
    folder = Path(db_url).parent
    yield folder
    folder.chmod(0o700)
    os.chmod(db_url, 0o600)


@pytest.mark.slow
@sqlite_only
@pytest.mark.parametrize("folder_mode", [0o755, 0o555], ids=["file", "file-and-folder"])
def test_a_read_only_database_reads_and_refuses_writes_in_one_line(
    cli, db_url, read_only, folder_mode
):
    os.chmod(db_url, 0o444)
    read_only.chmod(folder_mode)
    before = Path(db_url).read_bytes()
    listed = _run(db_url, "lead", "list", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].startswith("1,Ana Souza,,ana@example.com,new,")
    checked = _run(db_url, "db", "check", "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert '"ok": true' in checked.stdout
    for args in (
        ["lead", "add", "Bo Berg", "--email", "bo@example.com"],
        ["lead", "edit", "1", "--email", "new@example.com"],
        ["config", "set", "currency", "EUR"],
    ):
        refused = _run(db_url, *args)
        assert refused.returncode == 1
        assert refused.stderr == (
            f"Error: the database '{db_url}' is read-only (the file is not writable): this "
            "command changes data, so nothing was done; reading commands still work\n"
        )
    assert Path(db_url).read_bytes() == before
    assert os.listdir(read_only) == ["sales.db"]  # no -wal or -shm left beside it
    assert stat.S_IMODE(os.stat(db_url).st_mode) == 0o444


@pytest.mark.slow
@sqlite_only
def test_a_database_in_a_read_only_folder_reads(cli, db_url, read_only):
    read_only.chmod(0o555)
    listed = _run(db_url, "lead", "show", "1", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert '"name": "Ana Souza"' in listed.stdout
    refused = _run(db_url, "lead", "add", "Bo Berg")
    assert refused.returncode == 1
    assert refused.stderr == (
        f"Error: the database '{db_url}' is read-only (its directory {read_only} is not "
        "writable): this command changes data, so nothing was done; reading commands still "
        "work\n"
    )
    assert os.listdir(read_only) == ["sales.db"]


@pytest.mark.slow
@sqlite_only
def test_a_driver_error_never_quotes_sql_or_personal_data(cli, db_url, read_only):
    # Another program holds the database open and its -shm file is read-only to us: the
    # file and folder look writable, so only SQLite notices (it used to print an internal
    # error quoting the SQL statement).
    holder = sqlite3.connect(db_url)
    holder.execute("SELECT count(*) FROM lead").fetchall()
    try:
        os.chmod(f"{db_url}-shm", 0o400)
        refused = _run(db_url, "lead", "edit", "1", "--email", "new.address@example.com")
    finally:
        os.chmod(f"{db_url}-shm", 0o600)
        holder.close()
    assert refused.returncode == 1
    assert refused.stderr == (
        "Error: the database is read-only: this command changes data, so nothing was done; "
        "reading commands still work\n"
    )
    assert cli.sql("SELECT email FROM lead") == [("ana@example.com",)]


# ----------------------------------------------------------------------------- damaged files


@pytest.fixture
def filled(cli, db_url, tmp_path):
    cli.ok("lead", "import", str(_leads_csv(tmp_path / "leads.csv", 3000)))
    return Path(db_url)


def _check(cli, db: Path) -> tuple[int, dict, str]:
    as_json = cli("--db", str(db), "db", "check", "--format", "json")
    as_table = cli("--db", str(db), "db", "check")
    assert as_table.code == as_json.code
    return as_json.code, as_json.json(), as_table.out


@sqlite_only
def test_db_check_reports_pages_overwritten_with_garbage(cli, filled):
    size = filled.stat().st_size
    with open(filled, "r+b") as handle:
        handle.seek((size // 2) // 4096 * 4096)
        handle.write(b"\xde\xad\xbe\xef" * 1024 * 8)  # eight pages in the middle
    code, report, table = _check(cli, filled)
    assert code == 1
    assert report == {
        "database": str(filled),
        "revision": None,
        "ok": False,
        "problems": [
            "the file cannot be read as a SQLite database: database disk image is malformed"
        ],  # fmt: skip
    }
    assert "ok\tno\n" in table
    listed = cli("lead", "list", "--limit", "0")  # reads the damaged pages
    assert listed.code == 1
    assert listed.err == (
        "Error: the database file is damaged (database disk image is malformed); run "
        "`salescli db check`, then `salescli db restore BACKUP --yes`\n"
    )


@sqlite_only
def test_db_check_reports_a_damaged_page_line_by_line(cli, filled):
    with open(filled, "r+b") as handle:
        handle.seek(150 * 4096 + 100)
        handle.write(b"\x00" * 1000)
    code, report, _ = _check(cli, filled)
    assert code == 1
    assert report["ok"] is False and report["revision"] == HEAD
    assert report["problems"][0].startswith("integrity: On tree page 151 ")
    assert all(p.startswith("integrity: ") and "\n" not in p for p in report["problems"])


@sqlite_only
def test_db_check_reports_a_truncated_file(cli, filled, tmp_path):
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(filled.read_bytes()[: filled.stat().st_size // 2])
    code, report, table = _check(cli, truncated)
    assert code == 1
    assert report == {
        "database": str(truncated),
        "revision": None,
        "ok": False,
        "problems": [
            "the file cannot be read as a SQLite database: database disk image is malformed"
        ],  # fmt: skip
    }
    assert "ok\tno\n" in table
