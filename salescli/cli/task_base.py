"""The `task` group's Typer app and what its command modules share (options, columns,
small helpers). cli/task.py adds the commands and gathers the cli/task_*.py modules,
which import from here, never from cli/task.py: no import circle."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import (
    id_parser,
)
from salescli.render import Column

if TYPE_CHECKING:
    from salescli.cli.common import State
    from salescli.services.tasks.queries import TaskFilter

app = typer.Typer(
    no_args_is_help=True,
    help="Tasks: what is due, what is overdue, what to do next; follow-up automation.",
)


class Priority(str, enum.Enum):
    high = "high"
    normal = "normal"
    low = "low"


TaskArg = Annotated[int, typer.Argument(metavar="ID", help="Task id.", parser=id_parser())]
DueOpt = Annotated[
    str | None,
    typer.Option(
        "--due",
        metavar="DATE",
        help="Due day: today, tomorrow, fri, +3d, 2026-12-01 (due at the end of that day).",
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", metavar="HH:MM", help="Due at this time of day (local time zone)."),
]
PriorityOpt = Annotated[
    Priority | None, typer.Option("--priority", case_sensitive=False, help="high, normal or low.")
]
EveryOpt = Annotated[
    str | None,
    typer.Option(
        "--every",
        metavar="1d|1w|2w|1m",
        help="Repeat: the next one is created when this one is done.",
    ),
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note kept with the task.")]
OwnerOpt = Annotated[
    str | None,
    typer.Option(
        "--owner",
        metavar="REP",
        help="Whose task: id, name or me (default: the record's, else me).",
    ),
]
LeadOpt = Annotated[str | None, typer.Option("--lead", metavar="ID", help="On this lead.")]
DealOpt = Annotated[str | None, typer.Option("--deal", metavar="ID", help="On this deal.")]
AccountOpt = Annotated[
    str | None, typer.Option("--account", metavar="ID", help="On this account (id or name).")
]
ContactOpt = Annotated[
    str | None, typer.Option("--contact", metavar="ID", help="On this contact (id or name).")
]

COLUMNS = [
    Column("id", "id", "right"),
    Column("due", "due"),
    Column("priority", "priority"),
    Column("title", "title"),
    Column("record", "record"),
    Column("owner", "owner"),
]
# The open tasks section of `lead|deal|account show`: the columns of `task list`.
SHOW_COLUMNS = COLUMNS
DONE_COLUMNS = [
    Column("id", "id", "right"),
    Column("done_at", "done"),
    Column("title", "title"),
    Column("record", "record"),
    Column("owner", "owner"),
    Column("done_note", "note"),
]


def task_filter(
    st: State,
    *,
    owner: str | None,
    team: str | None,
    everyone: bool,
    due: str | None,
    **fields: Any,
) -> TaskFilter:
    """The tasks that --owner, --team, --everyone and --due (a period) name: without --owner,
    --team or --everyone, yours (`me`) when `me` is set, else every owner's."""
    from salescli import dates
    from salescli.services.tasks import queries

    wanted = queries.TaskFilter(owner=owner, team=team, **fields)
    if due is not None:
        wanted.due = dates.day_bounds_utc(st.period(due, field="--due"), st.tz)
    if owner is None and team is None and not everyone and st.settings.me:
        wanted.owner = "me"
    return wanted
