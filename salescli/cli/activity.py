"""`salescli activity`: the logged calls, emails, meetings and notes."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from salescli.cli.common import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    TeamOpt,
    cut_rows,
    list_limit,
    state,
    write_list,
)
from salescli.render import Column, Format

app = typer.Typer(
    no_args_is_help=True, help="List logged activities (record new ones with `salescli log`)."
)


class Kind(str, enum.Enum):
    call = "call"
    email = "email"
    meeting = "meeting"
    note = "note"


COLUMNS = [
    Column("id", "id", "right"),
    Column("at", "at"),
    Column("kind", "kind"),
    Column("rep", "rep"),
    Column("record", "record"),
    Column("outcome", "outcome"),
    Column("text", "text"),
]


@app.command("list")
def activity_list(
    ctx: typer.Context,
    rep: Annotated[
        str | None,
        typer.Option("--rep", metavar="REP", help="By this rep: id, name, me or none."),
    ] = None,
    team: TeamOpt = None,
    kind: Annotated[Kind | None, typer.Option("--kind", case_sensitive=False)] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", "-p", help="Days in the configured time zone, e.g. this-week."),
    ] = None,
    lead: Annotated[str | None, typer.Option("--lead", metavar="ID", help="On a lead.")] = None,
    deal: Annotated[str | None, typer.Option("--deal", metavar="ID", help="On a deal.")] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", metavar="ID", help="On a contact (id or name).")
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", metavar="ID", help="On an account, its contacts or deals."),
    ] = None,
    limit: Annotated[int | None, LimitOpt("activities", short=True)] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List activities, newest first.

    Example: salescli activity list --rep "Ana Souza" --kind call --period this-week
    """
    from salescli import dates
    from salescli.services import activities

    st = state(ctx)
    limit = list_limit(limit, fmt)
    since, until = (
        dates.day_bounds_utc(st.period(period, field="--period"), st.tz) if period else (None, None)
    )
    targets = (("lead", lead), ("deal", deal), ("contact", contact), ("account", account))
    with st.connection() as conn:
        ids = {
            f"{target}_id": activities.resolve_target(conn, target, ref)["id"]
            for target, ref in targets
            if ref is not None
        }
        wanted = dict(
            rep=rep, team=team, settings=st.settings, kind=kind.value if kind else None,
            since=since, until=until, **ids,
        )  # fmt: skip
        write_list(
            limit,
            lambda size: cut_rows(activities.list_activities(conn, limit=size + 1, **wanted), size),
            lambda: activities.each_activity(conn, **wanted),
            "activities",
            fmt=fmt, columns=COLUMNS, output=output, tz=st.tz,
        )  # fmt: skip
