"""Hostile argument values: one escaped line naming the option and the value, the right exit
code, never "internal error" or a traceback (issue 6). See README "Argument rules"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import NOW, clean_env

ID_RANGE = "an id is a whole number from 1 to 2147483647"
LIMIT_RANGE = "a whole number from 0 (no limit) to 2147483647"
DATE_RANGE = "dates lie in the years 1900-2199"


def _seed(cli) -> None:
    cli.ok("rep", "add", "Ana Souza", "--email", "ana@example.com")
    cli.ok("lead", "add", "Lead One", "--email", "one@example.com")
    cli.ok("deal", "add", "Deal One", "--amount", "100")
    cli.ok("task", "add", "Task One", "--owner", "Ana Souza")


def _one_line(result, code: int, text: str) -> None:
    assert result.code == code, (result.code, result.err)
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("Error: "), result.err
    assert text in result.err, result.err
    assert "internal error" not in result.err


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (
            ("lead", "show", "9223372036854775808"),
            f"invalid value for ID: '9223372036854775808' is out of range ({ID_RANGE})",
        ),
        (
            ("lead", "show", "9223372036854775807"),
            f"invalid value for ID: '9223372036854775807' is out of range ({ID_RANGE})",
        ),
        (
            ("deal", "show", "2147483648"),
            f"invalid value for ID: '2147483648' is out of range ({ID_RANGE})",
        ),
        (("deal", "show", "0"), f"invalid value for ID: '0' is out of range ({ID_RANGE})"),
        (
            ("deal", "line", "remove", "1", "99999999999"),
            "invalid value for LINE_ID: '99999999999' is out of range",
        ),
        (
            ("lead", "merge", "1", "9223372036854775808", "--yes"),
            "invalid value for DROP: '9223372036854775808' is out of range",
        ),
        (
            ("lead", "show", "²"),
            "invalid value for ID: '²' is not a whole number (e.g. salescli lead show 12",
        ),
        (
            ("lead", "list", "--limit", "99999999999999999999"),
            f"invalid value for --limit: '99999999999999999999' is out of range ({LIMIT_RANGE})",
        ),
        (
            ("deal", "list", "--limit", "9223372036854775808"),
            "invalid value for --limit: '9223372036854775808' is out of range",
        ),
        (
            ("account", "list", "--limit", "-1"),
            f"invalid value for --limit: '-1' is out of range ({LIMIT_RANGE})",
        ),
        (
            ("deal", "add", "X", "--probability", "99999999999999999999"),
            "invalid value for --probability: '99999999999999999999' is out of range",
        ),
        (
            ("deal", "stale", "--days", "99999999999"),
            "invalid value for --days: '99999999999' is out of range",
        ),
        (
            ("deal", "list", "--closing", "0001-01-01..9999-12-31"),
            f"--closing start '0001-01-01' is out of range ({DATE_RANGE}",
        ),
        (("deal", "list", "--closing", "9999"), f"--closing '9999' is out of range ({DATE_RANGE}"),
        (
            ("activity", "list", "--period", "9999-W52"),
            f"--period '9999-W52' is out of range ({DATE_RANGE}",
        ),
        (
            ("deal", "add", "X", "--close", "0001-01-01"),
            f"--close '0001-01-01' is out of range ({DATE_RANGE}",
        ),
        (
            ("deal", "add", "X", "--close", "9999-12-31"),
            f"--close '9999-12-31' is out of range ({DATE_RANGE}",
        ),
        (
            ("deal", "add", "X", "--close", "+9999y"),
            f"--close '+9999y' is out of range ({DATE_RANGE}",
        ),
        (
            ("log", "call", "--lead", "1", "--at", "9999-12-31T23:59:59-14:00"),
            f"--at '9999-12-31T23:59:59-14:00' is out of range ({DATE_RANGE}",
        ),
        (
            ("log", "call", "--lead", "1", "--at", "0001-01-01T00:00:00+14:00"),
            f"--at '0001-01-01T00:00:00+14:00' is out of range ({DATE_RANGE}",
        ),
        (
            ("task", "add", "X", "--due", "+9999y", "--owner", "1"),
            f"--due '+9999y' is out of range ({DATE_RANGE}",
        ),
        (
            ("task", "snooze", "1", "0001-01-01"),
            f"until '0001-01-01' is out of range ({DATE_RANGE}",
        ),
        (
            ("deal", "win", "1", "--on", "0001-01-01"),
            f"--on '0001-01-01' is out of range ({DATE_RANGE}",
        ),
        (
            ("currency", "rate", "set", "EUR", "1.1", "--on", "9999-12-31"),
            f"--on '9999-12-31' is out of range ({DATE_RANGE}",
        ),
    ],
)
def test_out_of_range_values_are_one_usage_line(cli, args, text):
    _seed(cli)
    before = cli.sql("select count(*) from deal")
    _one_line(cli(*args), 2, text)
    assert cli.sql("select count(*) from deal") == before


@pytest.mark.parametrize(
    "args",
    [
        ("lead", "list", "--owner", "9223372036854775808"),
        ("deal", "list", "--owner", "2147483648"),
        ("deal", "list", "--account", "9223372036854775808"),
        ("lead", "convert", "9223372036854775808"),
        ("log", "call", "--deal", "9223372036854775808"),
        ("lead", "export", "--owner", "99999999999999999999"),
        ("deal", "add", "X", "--owner", "²"),
    ],
)
def test_references_that_cannot_be_ids_are_not_found(cli, args):
    """A name-or-id reference that is no possible id is looked up as a name: not found."""
    _seed(cli)
    result = cli(*args)
    _one_line(result, 3, "not found")


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00", "9999-12-31"]
)
def test_a_frozen_clock_out_of_range_is_refused(cli, value):
    result = cli("deal", "add", "X", env={"SALESCLI_NOW": value})
    _one_line(result, 2, f"SALESCLI_NOW '{value}' is out of range ({DATE_RANGE}")
    assert cli.sql("select count(*) from deal") == [(0,)]


def test_dates_at_the_bounds_are_accepted(cli):
    cli.ok("deal", "add", "Early", "--close", "1900-01-01")
    cli.ok("deal", "add", "Late", "--close", "2199-12-31")
    rows = cli.json("deal", "list", "--closing", "1900-01-01..2199-12-31")
    assert sorted(r["close_date"] for r in rows) == ["1900-01-01", "2199-12-31"]
    assert [p["close_date"] for p in cli.json("deal", "list", "--closing", "2199")] == [
        "2199-12-31"
    ]


def test_control_characters_in_quoted_values_are_escaped(cli):
    """Arguments lose their control characters on the way in (newline and tab stay, for
    notes); whatever still reaches an error message (a newline, the environment, a bidi
    override) is shown as an escape, so the message is one line that cannot drive a terminal."""
    result = cli("lead", "show", "\x1b[31m1")
    _one_line(result, 2, "invalid value for ID: '[31m1' is not a whole number")
    assert "\x1b" not in result.err
    result = cli("lead", "list", "--owner", "Bob\nEvil\tTwin")
    _one_line(result, 3, "rep 'Bob\\nEvil\\tTwin' not found")
    result = cli("deal", "list", "--closing", "next\u202eweek")
    _one_line(result, 2, "--closing 'next\\u202eweek' is not a period")
    result = cli("deal", "add", "X", env={"SALESCLI_NOW": "2026\x1b]0;pwned\x07"})
    _one_line(result, 2, "SALESCLI_NOW '2026\\x1b]0;pwned\\x07' is not an ISO 8601 date")


def test_usage_errors_are_one_line(cli):
    _one_line(cli("lead", "list", "--bogus"), 2, "no such option: --bogus")
    _one_line(cli("lead", "bogus"), 2, "no such command 'bogus'")
    _one_line(cli("lead", "show"), 2, "missing argument ID")
    _one_line(cli("lead", "list", "--status", "nope"), 2, "'nope' is not one of 'new'")


def _limit_commands() -> list[str]:
    import typer

    from salescli.cli import app

    found = []

    def walk(command, path):
        for name, child in (getattr(command, "commands", None) or {}).items():
            walk(child, [*path, name])
        if any("--limit" in getattr(p, "opts", []) for p in command.params):
            found.append(" ".join(path))

    walk(typer.main.get_command(app), [])
    return sorted(found)


def test_every_list_with_a_limit_is_enumerated():
    assert _limit_commands() == [
        "account list",
        "activity list",
        "contact list",
        "deal list",
        "deal stale",
        "lead list",
        "report stale",
        "task list",
    ]


@pytest.mark.parametrize("command", _limit_commands())
def test_limit_zero_means_no_limit_and_negative_is_refused(cli, command):
    args = command.split()
    assert cli.ok(*args, "--limit", "0").code == 0
    _one_line(
        cli(*args, "--limit", "-1"),
        2,
        f"invalid value for --limit: '-1' is out of range ({LIMIT_RANGE})",
    )


def test_limit_zero_lists_every_row(cli):
    for n in range(3):
        cli.ok("account", "add", f"Account {n}")
        cli.ok("contact", "add", f"Contact {n}", "--account", f"Account {n}")
    assert len(cli.json("account", "list", "--limit", "0")) == 3
    assert len(cli.json("contact", "list", "--limit", "0")) == 3
    assert len(cli.json("account", "list", "--limit", "2")) == 2


def test_only_tables_are_paged_by_default(cli):
    """SPEC: tables show a page of 100 and say so; json, csv and markdown return every row
    unless --limit is given (lead list and deal list cut json at 100 before)."""
    cli.ok("lead", "import", _leads_csv(cli.url, 120))
    cli.ok("deal", "import", _deals_csv(120))
    for group in ("lead", "deal"):
        assert len(cli.json(group, "list")) == 120
        csv_rows = cli.ok(group, "list", "--format", "csv")
        assert len(csv_rows.out.splitlines()) == 121 and csv_rows.err == ""
        table = cli.ok(group, "list")
        assert len(table.out.splitlines()) == 101
        assert f"(showing the first 100 {group}s: --limit 0 shows all)" in table.err
        assert len(cli.ok(group, "list", "--limit", "0").out.splitlines()) == 121
        assert len(cli.json(group, "list", "--limit", "7")) == 7


def _deals_csv(rows: int) -> str:
    import tempfile

    path = os.path.join(tempfile.mkdtemp(prefix="salescli-hostile-"), "deals.csv")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("title,amount\n")
        for n in range(rows):
            handle.write(f"Deal {n},{n + 1}\n")
    return path


# --- processes: bytes on the command line, Ctrl-C, closed pipes -------------------------


def _run(args: list, db: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salescli", *args],
        capture_output=True,
        env=clean_env(SALESCLI_DB=db, SALESCLI_NOW=NOW),
        timeout=60,
        **kwargs,
    )


def test_invalid_utf8_arguments_are_refused_in_one_line(db_url, cli):
    _seed(cli)
    for args, text in [
        ([b"lead", b"add", b"\xff\xfe"], b"Error: argument 3 '\\xff\\xfe' is not valid UTF-8 text"),
        (
            [b"lead", b"add", b"X", b"--email", b"caf\xe9@x.com"],
            b"Error: --email 'caf\\xe9@x.com' is not valid UTF-8",
        ),
        ([b"lead", b"list", b"--search=\xc3"], b"Error: --search '\\xc3' is not valid UTF-8"),
        ([b"lead", b"show", b"\xff"], b"Error: argument 3 '\\xff' is not valid UTF-8"),
    ]:
        done = _run(args, db_url)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count(b"\n") == 1 and done.stderr.startswith(text), done.stderr
    assert cli.sql("select count(*) from lead") == [(1,)]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_ctrl_c_at_any_moment_exits_130_quietly(db_url, cli):
    """30 Ctrl-C's spread over a `lead list` run, from the first instant to its end.

    A signal that lands while the Python interpreter itself still starts (its `site` module,
    before the first line of salescli runs) is Python's to report; every one from salescli's
    first line on ends with exit 130 (or -SIGINT once the interpreter is finalising, which a
    shell shows as 130 too), never a traceback. The moments are spread over the length of
    one uninterrupted run, measured first: a fast (idle) machine and a slow (loaded) one
    both see most signals land inside salescli."""
    cli.ok("lead", "import", _leads_csv(db_url, 20000))
    env = clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW)
    command = [sys.executable, "-m", "salescli", "lead", "list", "--limit", "0"]
    started = time.monotonic()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    whole = time.monotonic() - started
    outcomes = []
    for attempt in range(30):
        delay = attempt * 0.9 * whole / 29
        proc = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        text = err.decode("utf-8", "replace")
        in_salescli = f"{os.sep}salescli{os.sep}" in text
        if "Traceback" in text or "Fatal Python error" in text:
            # Python's own start-up (site, runpy): no frame of salescli anywhere.
            assert not in_salescli, (delay, text)
            outcomes.append("python-startup")
            continue
        assert proc.returncode in (0, 130, -signal.SIGINT), (delay, proc.returncode, text)
        assert text == "", (delay, text)
        outcomes.append(proc.returncode)
    assert outcomes.count(130) >= 15, outcomes


def _leads_csv(db_url: str, rows: int) -> str:
    import tempfile

    path = os.path.join(tempfile.mkdtemp(prefix="salescli-hostile-"), "leads.csv")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("name,email,company\n")
        for n in range(rows):
            handle.write(f"Person {n},p{n}@example.com,Company {n % 40}\n")
    return path


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly_with_exit_0(db_url, cli):
    cli.ok("lead", "import", _leads_csv(db_url, 3000))
    env = clean_env(SALESCLI_DB=db_url, SALESCLI_NOW=NOW)
    for command in [
        "lead export",
        "lead export --format json",
        "lead list --limit 0",
        "lead list --format csv",
        "account list --format json",
    ]:
        script = (
            f'"{sys.executable}" -m salescli {command} | head -1 >/dev/null; '
            'echo "status=${PIPESTATUS[0]}"'
        )
        done = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.stdout.strip() == "status=0", (command, done.stdout, done.stderr)
        assert done.stderr == "", (command, done.stderr)


@pytest.mark.parametrize(
    ("group", "header", "value", "line"),
    [
        ("lead", "name,email,owner", "²", "line 2: owner '²' is not a rep"),
        ("rep", "name,email,manager", "²", "line 2: manager '²' is not a rep id"),
        (
            "rep",
            "name,email,manager",
            "99999999999999999999",
            "line 2: manager '99999999999999999999' is not a rep id",
        ),
    ],
)
def test_ids_in_csv_references_are_parsed_like_arguments(cli, tmp_path, group, header, value, line):
    path = tmp_path / "in.csv"
    path.write_text(f"{header}\nSome One,one@example.com,{value}\n", encoding="utf-8")
    result = cli(group, "import", str(path))
    assert result.code == 1, result.err
    assert "internal error" not in result.err
    assert result.err.splitlines()[1].strip().startswith(line), result.err
    assert cli.sql(f"select count(*) from {group}") == [(0,)]
