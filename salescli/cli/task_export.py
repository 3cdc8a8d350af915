"""`salescli task export`: tasks as an iCalendar file, CSV or JSON."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salescli.cli.common import DuePeriodOpt, EveryoneOpt, OutputOpt, TaskOwnerOpt, TeamOpt, state
from salescli.cli.task_base import app, task_filter

EXPORT_COLUMNS = (
    "id",
    "title",
    "due",
    "due_at",
    "timed",
    "status",
    "priority",
    "owner",
    "owner_id",
    "record",
    "record_name",
    "lead_id",
    "deal_id",
    "account_id",
    "contact_id",
    "every",
    "note",
    "done_at",
    "done_note",
    "rule",
    "created_at",
)


@app.command("export")
def task_export(
    ctx: typer.Context,
    ics: Annotated[
        str | None,
        typer.Option(
            "--ics",
            metavar="FILE",
            help="Write open tasks as an iCalendar file (- for stdout) for calendar programs.",
        ),
    ] = None,
    owner: TaskOwnerOpt = None,
    team: TeamOpt = None,
    everyone: EveryoneOpt = False,
    due: DuePeriodOpt = None,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="csv|json", help="csv (default) or json."),
    ] = "csv",
    output: OutputOpt = None,
) -> None:
    """Export tasks: open ones as an iCalendar file (--ics), or all of them as CSV or JSON.

    Without --owner, --team or --everyone: yours (`me`), else everyone's. A task with a time
    is a calendar event; one due on a day is a to-do. Exporting again updates the entries.

    Example: salescli task export --ics ~/tasks.ics --due next-month
    """
    from salescli import render
    from salescli.errors import UsageError
    from salescli.services.tasks import queries

    st = state(ctx)
    if fmt.lower() not in ("csv", "json"):
        raise UsageError(f"--format '{fmt}' is not one of: csv, json (or --ics FILE)")
    if ics is not None and output is not None:
        raise UsageError("give --ics FILE or --output FILE, not both (--ics - writes to stdout)")
    if ics is not None and ics != "-":
        st.protect()
        render.check_output(ics, option="--ics")
    wanted = task_filter(
        st, owner=owner, team=team, everyone=everyone, due=due, state="open" if ics else "all"
    )
    if ics is None:
        from salescli.cli import importing as io

        def rows(conn: Any) -> Any:  # read as it is written, never held whole
            return queries.each_task(conn, wanted, settings=st.settings, now=st.now)

        io.run_export(ctx, rows, EXPORT_COLUMNS, io.ExportFormat(fmt.lower()), output, "tasks")
        return
    from salescli.services.tasks import calendar

    count = 0

    def counted(tasks: Any) -> Any:
        nonlocal count
        for task in tasks:
            count += 1
            yield task

    with st.connection() as conn:  # the tasks read as the calendar is written, never held
        timed = queries.any_timed(conn, wanted, settings=st.settings, now=st.now)
        found = counted(queries.each_task(conn, wanted, settings=st.settings, now=st.now))
        target = None if ics == "-" else ics
        with render.open_output(target, option="--ics", newline="") as stream:
            for piece in calendar.ics(found, tz=st.tz, now=st.now, timed=timed):
                stream.write(piece)
    if ics != "-":
        render.message(f"Exported {count} open tasks to {ics}.")
