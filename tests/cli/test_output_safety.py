"""Every file salescli writes is safe (issue 6 §Data loss): an output is never the live
database, is written whole or not at all, and never changes the mode of a file, device or
link target that salescli did not create."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import clean_env

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _commands_with(option: str) -> list[str]:
    """Every command of the app that takes `option` (as tests/test_docs.py walks them)."""
    import typer

    from salescli.cli import app

    def walk(command, path):
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sub.items():
                yield from walk(child, [*path, name])
        else:
            yield " ".join(path), command

    return [
        name
        for name, command in walk(typer.main.get_command(app), [])
        if any(option in param.opts for param in command.params)
    ]


def _digest(db_url: str) -> dict[str, str | None]:
    """The bytes of the database and its side files."""
    found = {}
    for side in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{db_url}{side}")
        found[side] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return found


@pytest.fixture
def seeded(cli, tmp_path):
    """One record of each kind (ids 1) and a backup file, so every command has valid args."""
    cli.ok("rep", "add", "Rita Reps")
    cli.ok("account", "add", "Acme")
    cli.ok("contact", "add", "Wang Fang", "--account", "Acme")
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    cli.ok("deal", "add", "Renewal", "--account", "Acme", "--amount", "1000")
    cli.ok("product", "add", "Widget", "--price", "10")
    backup = tmp_path / "seed-backup.db"
    cli.ok("db", "backup", str(backup))
    return {"backup": str(backup)}


def _args(name: str, seeded: dict, tmp_path: Path) -> list[str]:
    return {
        "lead show": ["1"],
        "lead export-person": ["1"],
        "lead score": ["--all"],
        "lead assign": ["--auto"],
        "deal show": ["1"],
        "deal history": ["1"],
        "deal line list": ["1"],
        "account show": ["Acme"],
        "contact show": ["Wang Fang"],
        "rep show": ["Rita Reps"],
        "product show": ["Widget"],
        "config get": ["currency"],
        "db backup": [str(tmp_path / "new-backup.db")],
        "db restore": [seeded["backup"], "--yes"],
    }.get(name, [])


OUTPUT_COMMANDS = _commands_with("--output")
REJECT_COMMANDS = _commands_with("--reject-file")


def test_the_enumeration_found_the_commands():
    assert len(OUTPUT_COMMANDS) >= 37  # 37 when written; new commands join automatically
    assert {"lead list", "db init", "rep show", "account list", "db restore"} <= set(
        OUTPUT_COMMANDS
    )
    assert REJECT_COMMANDS == [
        "lead import",
        "deal import",
        "account import",
        "contact import",
        "quota import",
        "rep import",
        "product import",
    ]


@sqlite_only
@pytest.mark.parametrize("name", OUTPUT_COMMANDS)
def test_no_output_can_be_the_database(cli, db_url, seeded, tmp_path, name):
    before = _digest(db_url)
    args = [*name.split(), *_args(name, seeded, tmp_path)]
    for flag in ("--output", "-o"):
        result = cli(*args, flag, db_url)
        assert result.code == 1, (result.code, result.err)
        assert result.err == (
            f"Error: --output '{db_url}' is the database: writing there would destroy it; "
            "give another file (e.g. --output leads.csv)\n"
        )
        assert result.out == ""
    assert _digest(db_url) == before
    assert not (tmp_path / "new-backup.db").exists()  # refused before the command ran


@sqlite_only
@pytest.mark.parametrize("name", REJECT_COMMANDS)
def test_no_reject_file_can_be_the_database(cli, db_url, tmp_path, name):
    path = tmp_path / "in.csv"
    path.write_text("name,email\nGood One,good@example.com\n,bad\n", encoding="utf-8")
    before = _digest(db_url)
    result = cli(*name.split(), str(path), "--skip-invalid", "--reject-file", db_url)
    assert result.code == 1
    assert result.err == (
        f"Error: --reject-file '{db_url}' is the database: writing there would destroy it; "
        "give another file (e.g. --reject-file rejects.csv)\n"
    )
    assert _digest(db_url) == before


@pytest.mark.parametrize("name", REJECT_COMMANDS)
def test_a_reject_file_named_dash_is_refused(cli, tmp_path, monkeypatch, name):
    """`--output -` is stdout; `--reject-file -` would mix the rejects with the summary there,
    so it is refused before anything is imported, and no file named `-` appears."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "in.csv"
    path.write_text("name,email\nGood One,good@example.com\n,bad\n", encoding="utf-8")
    result = cli(*name.split(), str(path), "--skip-invalid", "--reject-file", "-")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "Error: --reject-file '-' would be standard output, which carries the command's own "
        "output: give a file name (e.g. --reject-file rejects.csv)\n"
    )
    assert not (tmp_path / "-").exists()
    table = name.split()[0]  # the entity's table: nothing was imported
    assert cli.sql(f"SELECT count(*) FROM {table}") == [(0,)]  # noqa: S608


def test_a_backup_named_dash_is_refused(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("db", "backup", "-")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "Error: backup path '-' would be standard output, which carries the command's own "
        "output: give a file name (e.g. salescli db backup ~/sales-copy.db)\n"
    )
    assert not (tmp_path / "-").exists()


@sqlite_only
def test_the_database_is_found_by_any_name(cli, db_url, tmp_path, monkeypatch):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    before = _digest(db_url)
    os.symlink(db_url, tmp_path / "link.db")
    os.link(db_url, tmp_path / "hard.db")
    monkeypatch.chdir(tmp_path)
    names = {
        "./sales.db": "the database",
        "../" + tmp_path.name + "/sales.db": "the database",
        "link.db": "the database",
        "hard.db": "the database",
        "sales.db-wal": "the database's write-ahead log",
        "sales.db-shm": "the database's shared-memory file",
        "sales.db-journal": "the database's journal",
    }
    for name, what in names.items():
        result = cli("lead", "export", "--output", name)
        assert result.code == 1, name
        assert result.err.startswith(f"Error: --output '{name}' is {what}: "), result.err
    assert cli("db", "backup", "hard.db", "--yes").code == 1
    assert _digest(db_url) == before
    assert sorted(os.listdir(tmp_path)) == ["hard.db", "link.db", "sales.db"]
    assert cli.sql("SELECT name FROM lead") == [("Ana Souza",)]


@sqlite_only
def test_an_interrupted_export_leaves_the_existing_file_as_it_was(cli, tmp_path, monkeypatch):
    for n in range(5):
        cli.ok("lead", "add", f"Lead {n}", "--email", f"lead{n}@example.com")
    target = tmp_path / "out" / "leads.csv"
    target.parent.mkdir()
    target.write_text("yesterday's export\n", encoding="utf-8")
    target.chmod(0o644)
    from salescli.render import export

    written = []
    real = export.csv_value

    def interrupted(value, tz=None):
        written.append(value)
        if len(written) > 30:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the export
        return real(value, tz)

    monkeypatch.setattr(export, "csv_value", interrupted)
    result = cli("lead", "export", "--output", str(target))
    assert result.code == 130
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.listdir(target.parent) == ["leads.csv"]  # no temporary file left
    monkeypatch.setattr(export, "csv_value", real)
    cli.ok("lead", "export", "--output", str(target))
    assert target.read_text(encoding="utf-8").count("\n") == 6
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["leads.csv"]


@sqlite_only
def test_a_failed_command_never_touches_its_output(cli, tmp_path):
    target = tmp_path / "lead.json"
    target.write_text("kept\n", encoding="utf-8")
    assert cli("lead", "show", "999", "--format", "json", "--output", str(target)).code == 3
    assert target.read_text(encoding="utf-8") == "kept\n"
    result = cli("lead", "list", "--output", str(tmp_path / "missing" / "x.csv"))
    assert result.code == 1
    assert result.err == (
        f"Error: --output '{tmp_path / 'missing' / 'x.csv'}': directory "
        f"'{tmp_path / 'missing'}' does not exist (e.g. --output leads.csv)\n"
    )
    result = cli("lead", "list", "--output", str(tmp_path))
    assert result.code == 1
    assert result.err == (
        f"Error: --output '{tmp_path}' is a directory: give a file name "
        f"(e.g. --output {tmp_path / 'leads.csv'})\n"
    )


# ----------------------------------------------------------------------------- modes


@sqlite_only
def test_output_to_a_device_keeps_its_mode(cli, tmp_path):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    if os.geteuid() == 0:
        # As root, a null device of our own (never chmod the machine's /dev/null in a test).
        device = tmp_path / "null"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        device.chmod(0o666)
    else:
        device = Path("/dev/null")
    before = os.stat(device)
    cli.ok("lead", "list", "--output", str(device))
    cli.ok("lead", "export", "--output", str(device))
    after = os.stat(device)
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert sorted(os.listdir(tmp_path)) == (
        ["null", "sales.db"] if os.geteuid() == 0 else ["sales.db"]
    )


@sqlite_only
def test_output_to_a_pipe_is_written_in_place(cli, tmp_path):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    fifo.chmod(0o644)
    received = []

    def read() -> None:
        with open(fifo, encoding="utf-8") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read)
    reader.start()
    cli.ok("lead", "list", "--format", "csv", "--output", str(fifo))
    reader.join(timeout=10)
    assert received[0].splitlines()[1].startswith("1,Ana Souza,")
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_IMODE(fifo.stat().st_mode) == 0o644


@sqlite_only
def test_output_through_a_symlink_is_refused_and_the_victim_untouched(cli, tmp_path):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    victim.chmod(0o644)
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    for target in (link, dangling):
        result = cli("lead", "export", "--output", str(target))
        assert result.code == 1
        assert result.err == (
            f"Error: --output '{target}' is a symbolic link: salescli writes only to a file "
            "it names directly, never through a link; give the real file name "
            "(e.g. --output leads.csv)\n"
        )
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert link.is_symlink() and not (tmp_path / "nowhere.csv").exists()
    assert cli("db", "backup", str(link), "--yes").code == 1
    assert victim.read_text(encoding="utf-8") == "precious\n"


@sqlite_only
def test_output_to_dev_stdout_goes_to_standard_output(cli, db_url, tmp_path):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    command = [sys.executable, "-m", "salescli", "lead", "list", "--format", "csv"]
    env = clean_env(SALESCLI_DB=db_url, SALESCLI_NOW="2026-11-23T09:00:00+00:00")
    piped = subprocess.run(
        [*command, "--output", "/dev/stdout"], capture_output=True, text=True, env=env
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines()[1].startswith("1,Ana Souza,")
    # Redirected to a file by the shell: appended to it, its mode left alone.
    redirected = tmp_path / "shell.csv"
    redirected.write_text("# report\n", encoding="utf-8")
    redirected.chmod(0o644)
    with open(redirected, "a", encoding="utf-8") as handle:
        done = subprocess.run([*command, "-o", "/dev/stdout"], stdout=handle, env=env)
    assert done.returncode == 0
    lines = redirected.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# report" and lines[2].startswith("1,Ana Souza,")
    assert stat.S_IMODE(redirected.stat().st_mode) == 0o644


@sqlite_only
def test_an_existing_output_is_replaced_not_rewritten(cli, tmp_path):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    target = tmp_path / "leads.csv"
    target.write_text("old\n", encoding="utf-8")
    other_name = tmp_path / "also.csv"
    os.link(target, other_name)  # a second name for the old contents
    cli.ok("lead", "export", "--output", str(target))
    assert target.read_text(encoding="utf-8").startswith("id,name,")
    assert other_name.read_text(encoding="utf-8") == "old\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@sqlite_only
def test_output_dash_is_standard_output_in_every_command(cli, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv_leads = cli.ok("lead", "list", "--format", "csv").out
    assert cli.ok("lead", "list", "--format", "csv", "--output", "-").out == csv_leads
    assert csv_leads.splitlines()[1].startswith("1,Ana Souza,,ana@example.com,new,")
    pipeline = cli.ok("report", "pipeline", "--format", "markdown").out
    assert cli.ok("report", "pipeline", "--format", "markdown", "-o", "-").out == pipeline
    assert "| prospecting |  | 1 | 1,000.00 | 100.00 | 0 |" in pipeline  # no owner
    exported = cli.ok("account", "export", "--output", "-").out
    assert exported.splitlines()[1].startswith("1,Acme,")
    cli.ok("task", "add", "Call Acme", "--owner", "Rita Reps")
    needs = {
        "agenda": ["--owner", "Rita Reps"],
        "task show": ["1"],
        "forecast adjust": ["--rep", "Rita Reps", "--period", "2026-Q4", "--category",
                            "commit", "--amount", "100", "--note", "n"],
        "forecast backtest": ["--from", "2026-01", "--to", "2026-10", "--by", "month"],
    }  # fmt: skip
    failed = []
    for name in OUTPUT_COMMANDS:
        args = needs.get(name) or _args(name, seeded, tmp_path)
        result = cli(*name.split(), *args, "--output", "-")
        if result.code:
            failed.append((name, result.err))
    assert failed == [], "\n".join(map(str, failed))
    assert not (tmp_path / "-").exists()
