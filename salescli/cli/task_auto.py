"""`salescli task auto` and `salescli task rules`: follow-up automation."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import FormatOpt, OutputOpt, YesOpt, id_parser, state
from salescli.cli.task_base import Priority, app
from salescli.render import Column, Format

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


class Rule(str, Enum):
    follow_up = "follow-up"
    first_contact = "first-contact"
    check_in = "check-in"
    stale_deal = "stale-deal"
    stage = "stage"


AUTO_COLUMNS = [
    Column("rule", "rule"),
    Column("id", "task", "right"),
    Column("due_at", "due"),
    Column("priority", "priority"),
    Column("owner", "owner"),
    Column("record", "record"),
    Column("title", "title"),
]
RULE_COLUMNS = [
    Column("rule", "rule"),
    Column("enabled", "on"),
    Column("on_stage", "on stage"),
    Column("title", "title"),
    Column("due", "due"),
    Column("priority", "priority"),
    Column("settings", "settings"),
    Column("description", "when"),
]


@app.command("auto")
def task_auto(
    ctx: typer.Context,
    rule: Annotated[
        Rule | None, typer.Option("--rule", help="Run this rule only (stage: the stage rules).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be created; write nothing.")
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Create the follow-up tasks the rules call for (idempotent: built for cron).

    Prints the tasks created (with --dry-run: those it would create) and the records that
    have no owner and no task.default_owner (unassigned: nothing created for them).

    Example: salescli task auto --dry-run --format json
    """
    from salescli import render
    from salescli.services.tasks import auto

    st = state(ctx)
    name = rule.value if rule is not None else None
    with st.connection(write=not dry_run) as conn:
        found = auto.run(conn, now=st.now, settings=st.settings, rule=name, dry_run=dry_run)
    render.write_rows(found, fmt, columns=AUTO_COLUMNS, output=output, tz=st.tz)
    if fmt == Format.table and output is None:
        made = sum(1 for row in found if not row["unassigned"])
        lost = len(found) - made
        verb = "would create" if dry_run else "created"
        note = f"task auto {verb} {made} task{'s' if made != 1 else ''}"
        if lost:
            note += f"; {lost} without an owner (config set task.default_owner NAME)"
        render.message(note)


rules_app = typer.Typer(
    invoke_without_command=True,
    help="The rules of task auto and the stage rules: list, add, delete.",
)
app.add_typer(rules_app, name="rules")


@rules_app.callback()
def rules_default(
    ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """List the rules: built-in ones with their settings and on/off, then the stage rules.

    Example: salescli task rules --format json
    """
    if ctx.invoked_subcommand is None:
        _list_rules(ctx, fmt, output)


@rules_app.command("list")
def rules_list(ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """List the rules (as `task rules`). Switch one off: config set task.follow_up.enabled false

    Example: salescli task rules list
    """
    _list_rules(ctx, fmt, output)


def _list_rules(ctx: typer.Context, fmt: Format, output: str | None) -> None:
    from salescli import render
    from salescli.services.tasks import auto

    st = state(ctx)
    with st.connection() as conn:
        found = auto.list_rules(conn, st.settings)
    render.write_rows(found, fmt, columns=RULE_COLUMNS, output=output, tz=st.tz)


@rules_app.command("add")
def rules_add(
    ctx: typer.Context,
    on_stage: Annotated[
        str, typer.Option("--on-stage", metavar="STAGE", help="When a deal enters this stage.")
    ],
    title: Annotated[str, typer.Option("--title", help="The task's title.")],
    due: Annotated[
        str, typer.Option("--due", help="today, tomorrow, +3d, +2w or +1m from the entry.")
    ] = "+3d",
    priority: Annotated[Priority, typer.Option("--priority", help="Task priority.")] = (
        Priority.normal
    ),
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a stage rule: a task for the deal's owner when a deal enters the stage.

    Example: salescli task rules add --on-stage proposal --title "Chase the proposal" --due +3d
    """
    from salescli import render
    from salescli.services.tasks import auto

    st = state(ctx)
    with st.connection(write=True) as conn:
        found = auto.add_rule(
            conn, stage=on_stage, title=title, due=due, priority=priority.value, now=st.now
        )
    render.changed(found, fmt, created=True, tz=st.tz)


@rules_app.command("delete")
def rules_delete(
    ctx: typer.Context,
    rule_id: Annotated[
        int, typer.Argument(metavar="ID", help="Stage rule id.", parser=id_parser())
    ],
    yes: YesOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Delete a stage rule (the tasks it created stay).

    Example: salescli task rules delete 3 --yes
    """
    from salescli.cli.common import delete_confirmed
    from salescli.services.tasks import auto

    def ask(conn: Connection) -> tuple[str, None]:
        found = auto.rule_record(conn, rule_id)
        return f"Delete task rule {found['id']} ('{found['title']}' on {found['on_stage']})?", None

    def delete(conn: Connection, _: None) -> tuple[dict[str, Any], str]:
        found = auto.delete_rule(conn, rule_id)
        return found, f"task rule {found['id']} deleted"

    delete_confirmed(ctx, ask, delete, yes=yes, fmt=fmt)
