"""`salescli deal stages`: list the pipeline stages, add, edit, remove and reorder them."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import MAX_ID, FormatOpt, OutputOpt, state, whole_number
from salescli.cli.deal_base import Category, CategoryOpt, category_value
from salescli.errors import UsageError
from salescli.render import Column, Format

stages_app = typer.Typer(
    invoke_without_command=True,
    help="List the pipeline stages, or add, edit, remove and reorder them.",
)

STAGE_COLUMNS = [
    Column("position", "#", "right"),
    Column("name", "stage"),
    Column("probability", "%", "right"),
    Column("forecast_category", "category"),
    Column("stale_days", "stale days", "right"),
    Column("kind", "kind"),
    Column("open_deals", "open deals", "right"),
]


@stages_app.callback()
def stages_list(
    ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """List the pipeline stages with their defaults and open deal counts.

    Example: salescli deal stages --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from salescli import render
    from salescli.services.deals import stages as stages

    st = state(ctx)
    with st.connection() as conn:
        rows = stages.list_stages(conn)
    render.write_rows(rows, fmt, columns=STAGE_COLUMNS, output=output, tz=st.tz)


@stages_app.command("add")
def stages_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name.")],
    probability: Annotated[
        int,
        typer.Option(
            "--probability",
            metavar="PCT",
            help="Default % (0-100).",
            parser=whole_number(-MAX_ID, MAX_ID),
        ),
    ],
    category: Annotated[Category, typer.Option("--category", help="Default forecast category.")],
    stale_days: Annotated[
        int,
        typer.Option(
            "--stale-days",
            help="Idle days before a deal is stale.",
            parser=whole_number(-MAX_ID, MAX_ID),
        ),
    ] = 14,
    after: Annotated[
        str | None,
        typer.Option(
            "--after", metavar="STAGE", help="Place after this open stage (default: last open)."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add an open stage to the pipeline.

    Example: salescli deal stages add demo --probability 30 --category pipeline --after qualification
    """
    from salescli import render
    from salescli.services.deals import stages as stages

    st = state(ctx)
    with st.connection(write=True) as conn:
        stage = stages.add(
            conn, name, probability=probability, category=category.value,
            stale_days=stale_days, after=after,
        )  # fmt: skip
    note = f"stage '{stage['name']}' added at position {stage['position']}"
    render.changed(stage, fmt, note=note, created=True, tz=st.tz)


@stages_app.command("edit")
def stages_edit(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name.")],
    new_name: Annotated[str | None, typer.Option("--name", help="Rename the stage.")] = None,
    probability: Annotated[
        int | None,
        typer.Option(
            "--probability",
            metavar="PCT",
            help="New default % (later moves only).",
            parser=whole_number(-MAX_ID, MAX_ID),
        ),
    ] = None,
    category: CategoryOpt = None,
    stale_days: Annotated[
        int | None,
        typer.Option(
            "--stale-days",
            help="Idle days before stale.",
            parser=whole_number(-MAX_ID, MAX_ID),
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a stage's name or defaults; deals already in it keep their probability.

    Example: salescli deal stages edit proposal --probability 40
    """
    from salescli import render
    from salescli.services.deals import stages as stages

    if new_name is None and probability is None and category is None and stale_days is None:
        raise UsageError(
            "nothing to change: give --name, --probability, --category or --stale-days"
        )
    st = state(ctx)
    with st.connection(write=True) as conn:
        stage = stages.edit(
            conn, name, new_name=new_name, probability=probability,
            category=category_value(category), stale_days=stale_days,
        )  # fmt: skip
    note = (
        f"stage '{stage['name']}': {stage['probability']}%, {stage['forecast_category']}, "
        f"stale after {stage['stale_days']} days"
    )
    render.changed(stage, fmt, note=note, tz=st.tz)


@stages_app.command("remove")
def stages_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Remove an open stage that no deal is in or has been in.

    Example: salescli deal stages remove demo
    """
    from salescli import render
    from salescli.services.deals import stages as stages

    st = state(ctx)
    with st.connection(write=True) as conn:
        stage = stages.remove(conn, name)
    render.changed(stage, fmt, note=f"stage '{stage['name']}' removed", tz=st.tz)


@stages_app.command("move")
def stages_move(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name.")],
    after: Annotated[
        str | None, typer.Option("--after", metavar="STAGE", help="Place after this open stage.")
    ] = None,
    first: Annotated[bool, typer.Option("--first", help="Make it the first stage.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Reorder an open stage: --after another open stage, or --first.

    Example: salescli deal stages move demo --after proposal
    """
    from salescli import render
    from salescli.services.deals import stages as stages

    if first == (after is not None):
        raise UsageError("give exactly one of --after STAGE or --first")
    st = state(ctx)
    with st.connection(write=True) as conn:
        stage = stages.move(conn, name, after=after, first=first)
    note = f"stage '{stage['name']}' is now at position {stage['position']}"
    render.changed(stage, fmt, note=note, tz=st.tz)
