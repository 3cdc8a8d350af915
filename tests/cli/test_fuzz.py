"""Hypothesis: whatever a user types, salescli answers with a clean exit code and one line,
never an internal error or a traceback, and a refused command changes nothing.

`test_every_command` walks the Typer app: every command of every group gets hostile values
(empty, blank, huge and negative numbers, other scripts' digits, control characters, invalid
UTF-8, markup, SQL-ish text, dates at year 1 and 10000, very long strings...) in its arguments
and options, against a seeded database. After a non-zero exit, a dump of every table through
plain SQL must equal the dump taken before the command.

Profiles (HYPOTHESIS_PROFILE): `ci` (default; ~1 min on SQLite, fewer examples on PostgreSQL),
`thorough` (10x the examples, for a hunt by hand).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
EXAMPLES = settings.default.max_examples

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
FUZZ = settings(max_examples=max(EXAMPLES * 5, 40))
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)

# Values that broke, or could break, a CLI over two databases.
HOSTILE = [
    "",
    " ",
    "\t",
    "0",
    "-0",
    "+1",
    " 1 ",
    "-1",
    "1.5",
    "1e308",
    "NaN",
    "inf",
    "0x10",
    "1_000",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "1" * 400,
    "²",
    "٣",
    "Ⅻ",
    "true",
    "[/]",
    "[bold red]x[/bold red]",
    "[link=http://x]y[/link]",
    "%s",
    "%",
    "_",
    "\\",
    "*",
    "'; DROP TABLE lead; --",
    "' OR 1=1 --",
    '"',
    "`",
    "$(id)",
    "../../etc/passwd",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x07",
    "a\nb",
    "\r\n",
    "\u202eevil",
    "\ufeff",
    "\u200b",
    "a\x00b",
    "\udcff\udcfe",
    "é" * 3,
    "王芳",
    "İ",
    "ß" * 50,
    "x" * 5000,
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "2026-11-23T25:00",
    "+9999y",
    "-9999y",
    "+9999m",
    "-9999d",
    "0001-01-01..9999-12-31",
    "2026-11-30..2026-11-01",
    "..",
    "9999",
    "0000",
    "1899",
    "2200",
    "9999-W53",
    "2026-W00",
    "2026-Q5",
    "2026-Q0",
    "this-eon",
    "next-year",
    "fri",
    "today",
    "me",
    "none",
    "all",
    "Ana Souza",
    "Acme GmbH",
    "EUR",
    "XXX",
    "usd",
    "€1e400",
    "-5",
    "1,000,000,000,000,000",
    "100%",
    "101%",
    "-1%",
    "price",
    "proposal",
    "won",
    "lost",
    "new",
    "timezone",
    "UTC",
    "Mars/Olympus",
    "currency",
    "fiscal_year_start_month",
    "week_start",
]
PLAUSIBLE = ["1", "2", "3", "Ana Souza", "Acme GmbH", "proposal", "EUR", "timezone", "price"]
FILE_PARAMS = {"output", "reject_file", "path", "file"}
value = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(PLAUSIBLE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def _commands() -> list[tuple[list[str], Any]]:
    import typer

    from salescli.cli import app

    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sub.items():
                walk(child, [*path, name])
        else:
            found.append((path, command))

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _commands()
GROUPS = sorted({path[0] for path, _ in COMMANDS})


def test_fuzz_covers_every_command():
    assert len(COMMANDS) >= 89
    assert len(GROUPS) >= 12


# --- what a refusal must leave alone -------------------------------------------------


class Dump:
    """Every table's rows, sorted, through plain SQL (not the code under test)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.engine = create_engine(url if "://" in url else f"sqlite:///{url}", poolclass=NullPool)
        self.names: list[str] | None = None

    def __call__(self) -> dict[str, list[str]]:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            if self.names is None:
                self.names = sa.inspect(conn).get_table_names()
            names = self.names
            return {
                name: sorted(
                    repr(tuple(row)) for row in conn.execute(sa.text(f'SELECT * FROM "{name}"'))
                )
                for name in names
            }

    def close(self) -> None:
        self.engine.dispose()


def _seed(cli, tmp: Path) -> None:
    cli.ok("rep", "add", "Ana Souza", "--email", "ana@example.com")
    cli.ok("rep", "add", "Bruno Lima", "--manager", "Ana Souza")
    cli.ok("lead", "add", "Lead One", "--email", "one@example.com", "--owner", "Ana Souza")
    cli.ok("lead", "add", "Lead Two", "--company", "Two Co", "--tag", "vip")
    cli.ok("account", "add", "Acme GmbH")
    cli.ok("contact", "add", "Carla Dias", "--account", "Acme GmbH")
    cli.ok("product", "add", "Widget", "--price", "100")
    cli.ok("deal", "add", "Deal One", "--amount", "1000", "--account", "Acme GmbH")
    cli.ok("deal", "add", "Deal Two", "--amount", "50", "--stage", "proposal")
    cli.ok("log", "call", "first call", "--lead", "1")
    (tmp / "leads.csv").write_text("name,email\nCsv Person,csv@example.com\n", encoding="utf-8")
    (tmp / "empty.csv").write_text("", encoding="utf-8")
    (tmp / "dir").mkdir()


# Sensible values by parameter name, so that a command gets past its other parameters to
# the one being fuzzed.
GOOD = {
    "close": ["+2w", "2026-12-15"],
    "closing": ["this-month", "2026-Q4", "2026-11-01..2026-12-31"],
    "period": ["this-week", "2026-11"],
    "at": ["2026-11-20T14:30", "yesterday"],
    "on": ["today", "2026-11-20"],
    "amount": ["100", "1,000.50"],
    "price": ["100", "9.99"],
    "currency": ["USD", "EUR"],
    "owner": ["Ana Souza", "1", "me", "none"],
    "rep": ["Ana Souza", "1"],
    "manager": ["Ana Souza", "none"],
    "team": ["Ana Souza"],
    "account": ["Acme GmbH", "1"],
    "contact": ["Carla Dias", "1"],
    "lead": ["1", "2"],
    "deal": ["1", "2"],
    "email": ["fuzz@example.com"],
    "phone": ["+49 30 1234567"],
    "probability": ["40"],
    "qty": ["2"],
    "discount": ["10%"],
    "limit": ["0", "5"],
    "days": ["14"],
    "stale_days": ["14"],
    "threshold": ["85"],
    "stage": ["proposal", "qualification"],
    "key": ["timezone", "currency", "week_start"],
    "value": ["UTC", "EUR", "monday"],
    "rate": ["1.1"],
    "tags": ["vip"],
    "tag": ["vip"],
    "reason": ["price"],
    "search": ["acme"],
    "product": ["Widget", "1"],
    "ref": ["1", "Acme GmbH"],
    "lead_id": ["1", "2"],
    "deal_id": ["1", "2"],
    "keep": ["1"],
    "drop": ["2"],
    "line_id": ["1"],
}


@st.composite
def _argv(draw: Any, path: list[str], command: Any, tmp: Path) -> list[str]:
    """The command with sensible values everywhere but one parameter, which gets a hostile
    value (sometimes two: a second hostile draw is as likely as any other value)."""
    files = st.sampled_from(
        [
            str(tmp / "out.csv"),
            str(tmp / "leads.csv"),
            str(tmp / "empty.csv"),
            str(tmp / "dir"),
            str(tmp / "no" / "such" / "dir" / "x.csv"),
            "",
            str(tmp / "bad\udcff.csv"),
        ]
    )
    params = [p for p in command.params if p.name != "help"]
    target = draw(st.sampled_from(params)) if params else None
    args = list(path)
    options: list[str] = []
    for param in params:
        name = param.name or ""
        choices = param.type_descriptor.choices
        if name in FILE_PARAMS:
            good, bad = files, files
        elif choices:
            good = st.sampled_from([str(getattr(c, "value", c)) for c in choices])
            bad = st.one_of(good, value)
        else:
            good = st.sampled_from(GOOD.get(name, PLAUSIBLE))
            bad = value
        hostile = param is target or draw(st.integers(0, 9)) == 0
        strategy = bad if hostile else good
        if param.param_type_name == "argument":
            count = 1 if param.nargs == 1 else draw(st.integers(0, 2))
            if param.nargs == 1 and not param.required and not hostile and draw(st.booleans()):
                count = 0
            args.extend(draw(strategy) for _ in range(count))
            continue
        if getattr(param, "is_flag", False):
            if draw(st.integers(0, 3)) == 0 or param is target:
                options.append(param.opts[0])
            continue
        if param.required or hostile or draw(st.integers(0, 3)) == 0:
            options.extend([param.opts[0], draw(strategy)])
    # Options after the arguments; a value that starts with "-" is then read as an option
    # or an option's value, which is part of the fuzzing.
    return args + options


def _check(path: list[str], result, before, after) -> None:
    where = f"{' '.join(path)}: exit {result.code}, stderr {result.err!r}"
    assert result.code in (0, 1, 2, 3, 4), where
    assert "Traceback" not in result.err + result.out, where
    assert "internal error" not in result.err, where
    if result.code:
        assert result.err.startswith("Error: "), where
        if path[-1] != "import":  # an import lists its bad rows, one line each
            assert result.err.count("\n") == 1, where
        assert before == after, f"{where}: a refused command changed the database"


@pytest.mark.parametrize("group", GROUPS)
def test_every_command(cli, tmp_path, monkeypatch, backend, group):
    monkeypatch.chdir(tmp_path)  # any relative path a fuzzed value names lands here
    _seed(cli, tmp_path)
    dump = Dump(cli.url)
    state = {"dump": dump()}
    commands = [(path, command) for path, command in COMMANDS if path[0] == group]
    examples = EXAMPLES if backend == "sqlite" else max(2, EXAMPLES // 4)

    @settings(max_examples=examples)
    @given(data=st.data())
    def run(data: Any) -> None:
        for path, command in commands:
            argv = data.draw(_argv(path, command, tmp_path), label=" ".join(path))
            result = cli(*argv)
            after = dump()
            _check(path, result, state["dump"], after)
            state["dump"] = after

    try:
        run()
    finally:
        dump.close()


@pytest.mark.parametrize(
    ("variable", "args"),
    [
        ("SALESCLI_NOW", ("deal", "add", "Fuzz deal", "--close", "+1m")),
        ("SALESCLI_NOW", ("activity", "list", "--period", "this-week")),
        ("SALESCLI_REP", ("lead", "list", "--owner", "me")),
        ("SALESCLI_BUSY_TIMEOUT", ("lead", "add", "Fuzz Person")),
    ],
)
def test_hostile_environment(cli, backend, variable, args):
    dump = Dump(cli.url)

    @settings(max_examples=EXAMPLES * 3 if backend == "sqlite" else EXAMPLES)
    @given(env_value=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)))
    def run(env_value: str) -> None:
        if "\x00" in env_value:  # no environment can hold a NUL
            return
        before = dump()
        result = cli(*args, env={variable: env_value})
        _check(list(args[:2]), result, before, dump())

    try:
        run()
    finally:
        dump.close()


def _clean(result) -> None:
    assert result.code in (0, 1, 2, 3), result
    assert "internal error" not in result.err, result.err
    if result.code:
        assert result.err.startswith("Error:"), result.err
        assert result.err.count("\n") == 1, result.err


@sqlite_only
@FUZZ
@given(amount=text)
def test_deal_amount(cli, amount):
    _clean(cli("deal", "add", "Fuzz deal", "--amount", amount))


@sqlite_only
@FUZZ
@given(email=text, phone=text)
def test_lead_contact_fields(cli, email, phone):
    _clean(cli("lead", "add", "Fuzz Person", "--email", email, "--allow-duplicate"))
    _clean(cli("lead", "add", "Fuzz Person", "--phone", phone, "--allow-duplicate"))


@sqlite_only
@FUZZ
@given(value=text)
def test_dates_and_periods(cli, value):
    _clean(cli("deal", "list", "--closing", value))
    _clean(cli("activity", "list", "--period", value))
    _clean(cli("deal", "add", "Fuzz deal", "--close", value))


@sqlite_only
@FUZZ
@given(query=text)
def test_search_any_text(cli, query):
    _clean(cli("lead", "list", "--search", query))
    _clean(cli("deal", "list", "--search", query))
    _clean(cli("account", "list", "--search", query))
