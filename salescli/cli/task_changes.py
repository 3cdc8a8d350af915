"""`salescli task done|skip|snooze|reopen|delete`: a task done, put off, reopened or gone."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import FormatOpt, YesOpt, delete_confirmed, state
from salescli.cli.task_base import TaskArg, app
from salescli.render import Format

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection

    from salescli.cli.common import State


class LogKind(str, enum.Enum):
    call = "call"
    email = "email"
    meeting = "meeting"
    note = "note"


@app.command("done")
def task_done(
    ctx: typer.Context,
    task_id: TaskArg,
    note: Annotated[str | None, typer.Option("--note", help="How it went.")] = None,
    log: Annotated[
        LogKind | None,
        typer.Option(
            "--log",
            case_sensitive=False,
            help="Also log the outcome as a call, email, meeting or note on the task's record.",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Mark a task done; a repeating task comes back at its next due date.

    Example: salescli task done 7 --log call --note "Reached Ana, demo on Friday"
    """
    from salescli import render
    from salescli.services.tasks import queries
    from salescli.services.tasks import records as tasks

    st = state(ctx)
    with st.connection(write=True) as conn:
        next_id, activity_id = tasks.done(
            conn, task_id, now=st.now, tz=st.tz, note=note, log=log.value if log else None
        )
        result = queries.record(conn, task_id, st.now, st.tz)
        following = queries.record(conn, next_id, st.now, st.tz) if next_id else None
    if following is not None:
        result["next"] = following
    if activity_id is not None:
        result["activity_id"] = activity_id
    text = f"task {task_id} done"
    if activity_id is not None:
        text += f"; logged {log.value if log else 'activity'} (activity {activity_id})"
    if following is not None:
        from salescli.render import text_value

        text += f"; next: task {next_id} due {text_value(following['due'], st.tz)}"
    render.changed(result, fmt, note=text, tz=st.tz)


def _put_off(
    ctx: typer.Context,
    task_id: int,
    verb: str,
    move: Callable[[Connection, State], None],
    fmt: Format,
) -> None:
    """`move` the task to a later due time in one transaction, then tell where it went."""
    from salescli import render
    from salescli.render import text_value
    from salescli.services.tasks import queries

    st = state(ctx)
    with st.connection(write=True) as conn:
        move(conn, st)
        result = queries.record(conn, task_id, st.now, st.tz)
    note = f"task {task_id} {verb} to {text_value(result['due'], st.tz)}"
    render.changed(result, fmt, note=note, tz=st.tz)


@app.command("skip")
def task_skip(ctx: typer.Context, task_id: TaskArg, fmt: FormatOpt = Format.table) -> None:
    """Move a repeating task to its next occurrence without doing it.

    Example: salescli task skip 7
    """
    from salescli.services.tasks import records as tasks

    def skip(conn: Connection, st: State) -> None:
        tasks.skip(conn, task_id, now=st.now, tz=st.tz)

    _put_off(ctx, task_id, "skipped", skip, fmt)


@app.command("snooze")
def task_snooze(
    ctx: typer.Context,
    task_id: TaskArg,
    until: Annotated[
        str, typer.Argument(metavar="WHEN", help="+2d, tomorrow, mon or a date, from today.")
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Put a task off to a later day, counted from today (a timed task keeps its time).

    Example: salescli task snooze 7 +2d
    """
    from salescli.services.tasks import records as tasks

    def snooze(conn: Connection, st: State) -> None:
        tasks.snooze(conn, task_id, until, now=st.now, tz=st.tz)

    _put_off(ctx, task_id, "snoozed", snooze, fmt)


@app.command("reopen")
def task_reopen(ctx: typer.Context, task_id: TaskArg, fmt: FormatOpt = Format.table) -> None:
    """Reopen a task marked done by mistake.

    Example: salescli task reopen 7
    """
    from salescli import render
    from salescli.services.tasks import queries
    from salescli.services.tasks import records as tasks

    st = state(ctx)
    with st.connection(write=True) as conn:
        tasks.reopen(conn, task_id, now=st.now)
        result = queries.record(conn, task_id, st.now, st.tz)
    render.changed(result, fmt, note=f"task {task_id} reopened", tz=st.tz)


@app.command("delete")
def task_delete(
    ctx: typer.Context, task_id: TaskArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Delete a task (asks on a terminal; --yes otherwise).

    Example: salescli task delete 7 --yes
    """
    from salescli.services.tasks import queries
    from salescli.services.tasks import records as tasks

    st = state(ctx)

    def ask(conn: Connection) -> tuple[str, dict[str, Any]]:
        task = queries.record(conn, task_id, st.now, st.tz)
        return f"Delete task {task_id} '{task['title']}'?", task

    def delete(conn: Connection, task: dict[str, Any]) -> tuple[dict[str, Any], str]:
        tasks.delete(conn, task_id)
        return task, f"Deleted task {task_id}."

    delete_confirmed(ctx, ask, delete, yes=yes, fmt=fmt)
