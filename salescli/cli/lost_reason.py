"""`salescli lost-reason`: the list of reasons a deal can be lost for."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, state
from salescli.render import Column, Format

app = typer.Typer(no_args_is_help=True, help="Manage the reasons a deal can be lost for.")
NameArg = Annotated[str, typer.Argument(help="Reason, e.g. price.")]
COLUMNS = [Column("id", "id", "right"), Column("name", "reason"), Column("deals", "deals", "right")]


@app.command("add")
def reason_add(ctx: typer.Context, name: NameArg, fmt: FormatOpt = Format.table) -> None:
    """Add a lost reason and print its id.

    Example: salescli lost-reason add "missing feature"
    """
    from salescli import render
    from salescli.services.deals import stages as stages

    st = state(ctx)
    with st.connection(write=True) as conn:
        reason = stages.add_reason(conn, name)
    render.changed(reason, fmt, created=True, tz=st.tz)


@app.command("list")
def reason_list(
    ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """List lost reasons with the number of deals lost for each.

    Example: salescli lost-reason list --format json
    """
    from salescli import render
    from salescli.services.deals import stages as stages

    st = state(ctx)
    with st.connection() as conn:
        rows = stages.list_reasons(conn)
    render.write_rows(rows, fmt, columns=COLUMNS, output=output, tz=st.tz)


@app.command("remove")
def reason_remove(ctx: typer.Context, name: NameArg, fmt: FormatOpt = Format.table) -> None:
    """Remove a lost reason that no lost deal uses.

    Example: salescli lost-reason remove timing
    """
    from salescli import render
    from salescli.services.deals import stages as stages

    st = state(ctx)
    with st.connection(write=True) as conn:
        reason = stages.remove_reason(conn, name)
    render.changed(reason, fmt, note=f"lost reason '{reason['name']}' removed", tz=st.tz)
