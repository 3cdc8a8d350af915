"""The `quota` group's Typer app and what its command modules share (options, columns,
small helpers). cli/quota.py adds the commands and gathers the cli/quota_*.py modules,
which import from here, never from cli/quota.py: no import circle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salescli.render import Column

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

app = typer.Typer(
    no_args_is_help=True,
    help="Quotas: targets per rep or team and period, and progress against them.",
)

MetricOpt = Annotated[
    str,
    typer.Option("--metric", help="revenue (won amount, default), deals (won), leads, activities."),
]
TeamOpt = Annotated[
    str | None,
    typer.Option(
        "--team", metavar="MANAGER", help="A manager: the target for everyone under them."
    ),
]
COLUMNS = [
    Column("id", "id", "right"),
    Column("scope", "scope"),
    Column("rep", "rep / manager"),
    Column("metric", "metric"),
    Column("period", "period"),
    Column("first_day", "from"),
    Column("last_day", "to"),
    Column("target", "target", "right"),
    Column("currency", "cur"),
]


def manager_id(conn: Connection, ref: str, settings: Settings) -> int:
    """A `--team MANAGER` of the quota commands: the rep (id, name, `me`) whose team it is.
    A team name (the reps' `team` field) has no manager to hold a team quota: refused."""
    from salescli.errors import NotFound
    from salescli.services import scope

    if scope.is_me(ref):  # its own message (me not set, or naming no rep)
        return scope.rep_id(conn, ref, settings)
    try:
        return scope.rep_id(conn, ref, settings)
    except NotFound:
        raise NotFound(
            f"--team '{ref}' names no rep: a quota team is a manager and everyone under them "
            "(e.g. --team 'Maria Lopez'; see: salescli rep list)"
        ) from None
