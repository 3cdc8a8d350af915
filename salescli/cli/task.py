"""`salescli task ...`: to-dos with a due time, an owner and a related record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import (
    DuePeriodOpt,
    EveryoneOpt,
    FormatOpt,
    LimitOpt,
    OutputOpt,
    TaskOwnerOpt,
    TeamOpt,
    cut_rows,
    list_limit,
    say_cut,
    state,
)
from salescli.cli.task_base import (
    COLUMNS,
    DONE_COLUMNS,
    AccountOpt,
    AtOpt,
    ContactOpt,
    DealOpt,
    DueOpt,
    EveryOpt,
    LeadOpt,
    NoteOpt,
    OwnerOpt,
    PriorityOpt,
    TaskArg,
    app,
    task_filter,
)
from salescli.render import Format

if TYPE_CHECKING:
    from salescli.cli.common import State


def _target(
    lead: str | None, deal: str | None, account: str | None, contact: str | None
) -> tuple[str, str] | None:
    """The one record named by --lead/--deal/--account/--contact, or None; two → exit 2."""
    from salescli.errors import UsageError

    given = [
        (kind, ref)
        for kind, ref in (
            ("lead", lead),
            ("deal", deal),
            ("account", account),
            ("contact", contact),
        )
        if ref is not None and ref.strip()
    ]
    if len(given) > 1:
        named = ", ".join(f"--{kind}" for kind, _ in given)
        raise UsageError(f"a task is on one record: give one of {named} (e.g. --deal 12)")
    return given[0] if given else None


def _record(st: State, task_id: int) -> dict[str, Any]:
    from salescli.services.tasks import queries

    with st.connection() as conn:
        return queries.record(conn, task_id, st.now, st.tz)


@app.command("add")
def task_add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What to do.")],
    due: DueOpt = None,
    at: AtOpt = None,
    lead: LeadOpt = None,
    deal: DealOpt = None,
    account: AccountOpt = None,
    contact: ContactOpt = None,
    owner: OwnerOpt = None,
    priority: PriorityOpt = None,
    every: EveryOpt = None,
    note: NoteOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a task and print its id.

    Without --owner it is the owner's of the record it is on, else yours (`me`).

    Example: salescli task add "Send the proposal" --deal 12 --due tomorrow --at 14:00
    """
    from salescli import render
    from salescli.services.tasks import queries
    from salescli.services.tasks import records as tasks

    st = state(ctx)
    target = _target(lead, deal, account, contact)
    when = tasks.parse_due(due, at, today=st.today)
    with st.connection(write=True) as conn:
        record = tasks.related(conn, *target) if target else None
        task_id = tasks.add(
            conn,
            title=title,
            due=when,
            owner_id=tasks.owner_for(conn, owner, st.settings, record),
            now=st.now,
            tz=st.tz,
            priority=priority.value if priority else "normal",
            target=(target[0], int(record["id"])) if target and record else None,
            every=every,
            note=note,
        )
        result = queries.record(conn, task_id, st.now, st.tz)
    render.changed(result, fmt, created=True, tz=st.tz)


@app.command("list")
def task_list(
    ctx: typer.Context,
    owner: TaskOwnerOpt = None,
    team: TeamOpt = None,
    everyone: EveryoneOpt = False,
    due: DuePeriodOpt = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Open tasks past due.")] = False,
    today: Annotated[bool, typer.Option("--today", help="Tasks due today.")] = False,
    done: Annotated[bool, typer.Option("--done", help="Done tasks, latest first.")] = False,
    every_state: Annotated[bool, typer.Option("--all", help="Open and done tasks.")] = False,
    priority: PriorityOpt = None,
    lead: LeadOpt = None,
    deal: DealOpt = None,
    account: AccountOpt = None,
    contact: ContactOpt = None,
    limit: Annotated[int | None, LimitOpt("tasks", short=True)] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List tasks: by default your open tasks, soonest due first, then by priority.

    Without `me` set (config or SALESCLI_REP) and without --owner or --team, every owner's.

    Example: salescli task list --team "Dana Lee" --due this-week --priority high
    """
    from salescli import render
    from salescli.errors import UsageError
    from salescli.services.tasks import queries

    st = state(ctx)
    limit = list_limit(limit, fmt)
    if done and every_state:
        raise UsageError("--done and --all exclude each other (--all is open and done)")
    if sum(map(bool, (due, today, overdue))) > 1:
        raise UsageError("give one of --due, --today and --overdue")
    wanted = task_filter(
        st,
        owner=owner,
        team=team,
        everyone=everyone,
        due=(due or "today..today") if due is not None or today else None,
        state="done" if done else "all" if every_state else "open",
        overdue=overdue,
        priority=priority.value if priority else None,
    )
    target = _target(lead, deal, account, contact)
    with st.connection() as conn:
        if target:
            from salescli.services.tasks.records import related

            setattr(wanted, f"{target[0]}_id", int(related(conn, *target)["id"]))
        columns = DONE_COLUMNS if done else COLUMNS
        rows: Iterable[dict[str, Any]]
        if limit or fmt == Format.table:
            found = queries.list_tasks(
                conn, wanted, settings=st.settings, now=st.now, limit=limit + 1 if limit else None
            )
            rows, more = cut_rows(found, limit)
            if fmt == Format.table and len({row["owner_id"] for row in rows}) <= 1:
                # One owner (your own list): the title gets the owner column's width.
                columns = [c for c in columns if c.key != "owner"]
        else:  # every task in json, csv or markdown: written as it is read, never held whole
            rows, more = queries.each_task(conn, wanted, settings=st.settings, now=st.now), False
        render.write_rows(rows, fmt, columns=columns, output=output, tz=st.tz)
    if more:
        say_cut(limit, "tasks")


@app.command("show")
def task_show(
    ctx: typer.Context, task_id: TaskArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show a task with its record, owner, repeat and notes.

    Example: salescli task show 7 --format json
    """
    from salescli import render

    st = state(ctx)
    render.write_record(_record(st, task_id), fmt, output=output, tz=st.tz)


@app.command("edit")
def task_edit(
    ctx: typer.Context,
    task_id: TaskArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    due: DueOpt = None,
    at: AtOpt = None,
    priority: PriorityOpt = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="REP", help="New owner: id, name or me.")
    ] = None,
    note: NoteOpt = None,
    every: Annotated[
        str | None,
        typer.Option("--every", metavar="1d|1w|2w|1m|never", help="Repeat, or `never` to stop."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a task's title, due day and time, priority, owner, note or repeat.

    Example: salescli task edit 7 --due fri --at 10:00 --priority high
    """
    from salescli import render
    from salescli.services.tasks import queries
    from salescli.services.tasks import records as tasks

    st = state(ctx)
    when = tasks.parse_due(due, at, today=st.today) if due is not None else None
    with st.connection(write=True) as conn:
        owner_id = tasks.owner_for(conn, owner, st.settings) if owner is not None else None
        changed = tasks.edit(
            conn,
            task_id,
            now=st.now,
            tz=st.tz,
            title=title,
            due=when,
            at_only=at if due is None else None,
            priority=priority.value if priority else None,
            owner_id=owner_id,
            note=note,
            every=every,
        )
        result = queries.record(conn, task_id, st.now, st.tz)
    what = ", ".join(changed) if changed else "nothing changed"
    render.changed(result, fmt, note=f"task {task_id} updated ({what})", tz=st.tz)


# Further task verbs register themselves on `app` (keep at the bottom: they import `app`);
# `salescli task --help` lists them in this order: done, skip, snooze, reopen, delete
# (task_changes), export (task_export), auto and rules (task_auto).
# isort: off
from salescli.cli import task_changes, task_export, task_auto  # noqa: E402, F401
# isort: on
