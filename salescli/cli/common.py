"""What every command shares: the per-invocation state, option types, confirmation."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from salescli.errors import Refused
from salescli.ids import MAX_ID
from salescli.render import Format

if TYPE_CHECKING:
    import datetime as dt

    import pendulum
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

T = TypeVar("T")

FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format", "-f", case_sensitive=False, help="Output format: table, json, csv or markdown."
    ),
]


def check_output_option(
    ctx: typer.Context, param: typer.CallbackParam, value: str | None
) -> str | None:
    """Refuse an output file before the command runs (never the database, a directory, a link).

    `--output -` is standard output, as for most Unix tools: the command runs as without it."""
    option = (param.opts or ["--output"])[0]
    if value == "-" and option == "--output":
        return None
    if value is not None:
        from salescli import render

        state(ctx).protect()
        render.check_output(value, option=option)
    return value


OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (created 0600, replaced whole) instead of stdout ('-': stdout).",
        callback=check_output_option,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]

# Whose and when in the lists of tasks and activities (task list|export, agenda, activity list);
# services/scope.py resolves them.
TeamOpt = Annotated[
    str | None,
    typer.Option("--team", metavar="TEAM", help="A team, or a manager and everyone under them."),
]
TaskOwnerOpt = Annotated[
    str | None,
    typer.Option("--owner", metavar="REP", help="Whose tasks: id, name, me or none."),
]
EveryoneOpt = Annotated[
    bool, typer.Option("--everyone", help="Every owner's tasks, not only yours.")
]
DuePeriodOpt = Annotated[
    str | None,
    typer.Option("--due", metavar="PERIOD", help="Due in this period, e.g. this-week."),
]

# A table is read by a person: it shows a page. Every other format feeds a script or a file
# and carries every matching row, so that nothing is dropped silently.
TABLE_LIMIT = 100


def list_limit(limit: int | None, fmt: Format) -> int:
    """The rows a list returns: `--limit` when given (0 = all), else a page for a table and
    every row (0) for json, csv and markdown."""
    if limit is not None:
        return limit
    return TABLE_LIMIT if fmt == Format.table else 0


def cut_rows(rows: list[Any], limit: int) -> tuple[list[Any], bool]:
    """`rows` (fetched with one more than `limit`) cut to `limit`, and whether it cut."""
    if limit and len(rows) > limit:
        return rows[:limit], True
    return rows, False


def write_list(
    limit: int,
    page: Callable[[int], tuple[list[Any], bool]],
    whole: Callable[[], Iterable[Any]],
    noun: str,
    **output: Any,
) -> None:
    """Write a list (`render.write_rows` with `output`: fmt, columns, output, tz) and say on
    stderr when it was cut: with `limit`, `page(limit)`, the service's page (its rows and
    whether more matched); with none (0), `whole()`, the service's `each_*`: every row read as
    it is written, so this is called inside the connection block."""
    from salescli import render

    rows, more = page(limit) if limit else (whole(), False)
    render.write_rows(rows, **output)
    if more:
        say_cut(limit, noun)


def say_cut(limit: int, noun: str) -> None:
    """The stderr line that tells a list was cut (data never carries the hint)."""
    from salescli.render import message

    message(f"(showing the first {limit} {noun}: --limit 0 shows all)")


# Record ids are INTEGER primary keys: 1 .. 2^31-1 on PostgreSQL, and the same bound on SQLite
# so that one rule holds everywhere. Every whole-number argument is parsed by `whole_number`:
# ASCII digits only, bounded, refused with one line naming the option (never an overflow
# deep inside a driver).
_WHOLE = re.compile(r"[+-]?[0-9]{1,40}")


def parse_whole(text: object, low: int, high: int, rule: str | None = None) -> int:
    """`text` as a whole number in [low, high] (ASCII digits only), else a ValueError that
    Typer reports as a usage error (exit 2), one line naming the option and the value, with
    the command's example (cli/usage.py)."""
    value = str(text).strip()
    rule = rule or f"a whole number from {low} to {high}"
    if not _WHOLE.fullmatch(value):
        raise ValueError(f"'{text}' is not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"'{text}' is out of range ({rule})")
    return number


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A Typer `parser=` for a bounded whole-number option or argument."""

    def parse(text: str) -> int:
        return parse_whole(text, low, high)

    return parse


def id_parser() -> Callable[[str], int]:
    """A Typer `parser=` for a record id: 1 .. MAX_ID (exit 2 otherwise)."""

    def parse(text: str) -> int:
        return parse_whole(text, 1, MAX_ID, f"an id is a whole number from 1 to {MAX_ID}")

    return parse


def _parse_limit(text: str) -> int:
    return parse_whole(text, 0, MAX_ID, f"a whole number from 0 (no limit) to {MAX_ID}")


def limit_value(limit: int | None) -> int | None:
    """--limit as the services take it: None for no limit (0 means no limit everywhere)."""
    return limit or None


def LimitOpt(what: str, short: bool = False) -> Any:  # noqa: N802 (reads as a type)
    """The one `--limit` option: 0 = no limit in every list, negative or huge refused."""
    decls = ["--limit", "-n"] if short else ["--limit"]
    return typer.Option(
        *decls,
        metavar="N",
        parser=_parse_limit,
        help=f"At most N {what} (0 = no limit; default: 100 in a table, all in json/csv/markdown).",
    )


class State:
    """Resolved once per invocation: database URL, settings, and "now"."""

    def __init__(self, db: str | None, debug: bool = False) -> None:
        self.db_option = db
        self.debug = debug
        self._url: str | None = None
        self._settings: Settings | None = None
        self._now: pendulum.DateTime | None = None
        self._protected = False
        from salescli import render

        render.protect_database(None)

    @property
    def url(self) -> str:
        if self._url is None:
            from salescli import db

            self._url = db.resolve_url(self.db_option)
            self.protect()
        return self._url

    def protect(self) -> None:
        """Tell render which file is the live database (outputs must never be it), once."""
        if self._protected:
            return
        self._protected = True
        from salescli import db, render

        path = db.sqlite_path(self.url)
        render.protect_database(path, path if db.is_sqlite(self.url) else db.default_path())

    @contextlib.contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Connection]:
        """The command's one Core connection; write=True is one transaction (BEGIN IMMEDIATE
        on SQLite, the advisory lock on PostgreSQL) committed at the end and rolled back on
        any error. Settings and the clock are read before the write lock is taken."""
        from salescli import connect
        from salescli.services import config

        if write:
            _ = self.settings
            _ = self.now
        with connect.connection_scope(self.url, write=write) as conn:
            if self._settings is None:
                self._settings = config.load(conn)
            yield conn

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            with self.connection():
                pass
        assert self._settings is not None
        return self._settings

    @property
    def tz(self) -> str:
        return self.settings.timezone

    @property
    def now(self) -> pendulum.DateTime:
        if self._now is None:
            from salescli import dates

            self._now = dates.now(self.tz)
        return self._now

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def day(self, text: str | None, field: str = "date") -> dt.date | None:
        if text is None:
            return None
        from salescli import dates

        return dates.parse_day(text, today=self.today, field=field)

    def period(self, text: str, field: str = "period") -> Any:
        from salescli import dates

        settings = self.settings
        return dates.parse_period(
            text,
            field=field,
            today=self.today,
            week_start=settings.week_start,
            fy_start_month=settings.fiscal_year_start_month,
        )


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if obj is None:
        obj = State(None)
        ctx.find_root().obj = obj
    return obj


def confirm(question: str, yes: bool, flag: str = "--yes") -> None:
    """Ask on a terminal; without one, refuse (exit 4) unless --yes was given."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Refused(f"{question.rstrip('?')}: refused without {flag} (no terminal to ask on)")
    if not typer.confirm(question, default=False, err=True):
        from salescli.render import message

        message("Nothing changed.")
        raise typer.Exit(1)


def delete_confirmed(
    ctx: typer.Context,
    ask: Callable[[Connection], tuple[str | None, T]],
    delete: Callable[[Connection, T], tuple[dict[str, Any], str]],
    *,
    yes: bool,
    fmt: Format,
) -> None:
    """The one `X delete`: `ask` reads what goes and returns the question with what `delete`
    needs (the question None: nothing to ask, the delete refuses by itself); the question is
    asked (confirm()) before the write lock is taken. `delete` then deletes in one
    transaction and returns the record as it was and the note that render.changed() prints
    after the commit."""
    from salescli import render

    st = state(ctx)
    with st.connection() as conn:
        question, found = ask(conn)
    if question is not None:
        confirm(question, yes)
    with st.connection(write=True) as conn:
        record, note = delete(conn, found)
    render.changed(record, fmt, note=note, tz=st.tz)


def split_csv(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """A rich progress bar on stderr when it is a terminal, as a `progress(done, total)`
    callback; None otherwise (imports, `lead duplicates`)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    bar.start()
    task = bar.add_task(description, total=None)
    try:
        yield lambda done, total: bar.update(task, completed=done, total=total)
    finally:
        bar.stop()
