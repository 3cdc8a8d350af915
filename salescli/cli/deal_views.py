"""`salescli deal history|stale`: a deal's stage history and the deals gone idle."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    cut_rows,
    list_limit,
    say_cut,
    state,
    whole_number,
)
from salescli.cli.deal_base import HISTORY_COLUMNS, DealArg, app
from salescli.render import Column, Format

STALE_COLUMNS = [
    Column("id", "id", "right"),
    Column("title", "title"),
    Column("owner", "owner"),
    Column("stage", "stage"),
    Column("idle_days", "idle days", "right"),
    Column("stale_after", "stale after", "right"),
]


@app.command("history")
def deal_history(
    ctx: typer.Context, deal_id: DealArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show every stage change of a deal: when, by whom, probability, days in the stage.

    Example: salescli deal history 12
    """
    from salescli import render
    from salescli.services.deals import views as deal_views

    st = state(ctx)
    with st.connection() as conn:
        rows = deal_views.history(conn, deal_id, st.now)
    render.write_rows(rows, fmt, columns=HISTORY_COLUMNS, output=output, tz=st.tz)


@app.command("stale")
def deal_stale(
    ctx: typer.Context,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="Idle days (default: each stage's stale days).",
            parser=whole_number(0, 36500),
        ),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="REP", help="Only REP's deals (me = you, none = unowned)."),
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="Reps of this team, or under this manager.")
    ] = None,
    limit: Annotated[int | None, LimitOpt("deals")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List open deals with no stage change or activity for their stage's stale days, oldest first.

    Example: salescli deal stale --days 30 --owner me --limit 10
    """
    from salescli import render
    from salescli.services.deals import views as deal_views

    st = state(ctx)
    limit = list_limit(limit, fmt)
    with st.connection() as conn:
        rows = deal_views.stale(
            conn, now=st.now, days=days, owner=owner, team=team, settings=st.settings,
            limit=limit + 1 if limit else None,
        )  # fmt: skip
    rows, more = cut_rows(rows, limit)
    render.write_rows(rows, fmt, columns=STALE_COLUMNS, output=output, tz=st.tz)
    if more:
        say_cut(limit, "deals")
