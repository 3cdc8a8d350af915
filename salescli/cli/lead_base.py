"""The `lead` group's Typer app and what its command modules share (options, columns,
small helpers). cli/lead.py adds the commands and gathers the cli/lead_*.py modules,
which import from here, never from cli/lead.py: no import circle."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from salescli.cli.common import (
    id_parser,
    state,
)
from salescli.render import Column

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

app = typer.Typer(no_args_is_help=True, help="Capture, qualify, score, route and convert leads.")


class LeadStatus(str, enum.Enum):
    new = "new"
    contacted = "contacted"
    qualified = "qualified"
    unqualified = "unqualified"
    nurturing = "nurturing"
    converted = "converted"
    lost = "lost"


class LeadSort(str, enum.Enum):
    created = "created"
    score = "score"
    last_contact = "last-contact"
    name = "name"


LeadArg = Annotated[int, typer.Argument(metavar="ID", help="Lead id.", parser=id_parser())]
EmailOpt = Annotated[str | None, typer.Option("--email", help="Email address.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="Phone number.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", help="Company name.")]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Job title.")]
SourceOpt = Annotated[
    str | None, typer.Option("--source", help="Where the lead came from (web, referral...).")
]
TerritoryOpt = Annotated[str | None, typer.Option("--territory", help="Territory (routing).")]
NotesOpt = Annotated[str | None, typer.Option("--notes", help="Free text notes.")]
OwnerOpt = Annotated[
    str | None,
    typer.Option(
        "--owner", metavar="REP", help="Owner: rep id or name, 'me', or 'none' for no owner."
    ),
]
FilterOwnerOpt = Annotated[
    str | None,
    typer.Option(
        "--owner", metavar="REP", help="Only this rep's leads: id, name, 'me'; 'none' = unowned."
    ),
]
TeamOpt = Annotated[
    str | None,
    typer.Option(
        "--team",
        metavar="TEAM",
        help="Only leads of this team, or of this manager (or 'me') and everyone under them.",
    ),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="A,B", help="Tags (repeatable or comma-separated)."),
]
AllowDupOpt = Annotated[
    bool,
    typer.Option("--allow-duplicate", help="Save even if another lead has this email or phone."),
]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why (kept with the status).")]

COLUMNS = [
    Column("id", "id", "right"),
    Column("name", "name"),
    Column("company", "company"),
    Column("email", "email"),
    Column("status", "status"),
    Column("source", "source"),
    Column("owner", "owner"),
    Column("score", "score", "right"),
    Column("tags", "tags"),
    Column("last_contact_at", "last contact"),
]
ASSIGNMENT_COLUMNS = [
    Column("assigned_at", "when"),
    Column("rep", "rep"),
    Column("previous_rep", "previous"),
    Column("strategy", "strategy"),
    Column("reason", "reason"),
    Column("assigned_by", "by"),
]
ACTIVITY_COLUMNS = [
    Column("occurred_at", "when"),
    Column("kind", "kind"),
    Column("rep", "rep"),
    Column("outcome", "outcome"),
    Column("text", "text"),
]
SOURCE_COLUMNS = [Column("source", "source"), Column("count", "count", "right")]


def lead_label(ctx: typer.Context, lead_id: int) -> str:
    """`lead 5 (Ana Souza)` for a confirmation question; exit 3 if the lead does not exist."""
    with state(ctx).connection() as conn:
        return label(conn, lead_id)


def label(conn: Connection, lead_id: int) -> str:
    """`lead 5 (Ana Souza)`, read on an open connection (lead_label opens one)."""
    from salescli.services.leads import records as leads

    return f"lead {lead_id} ({leads.get(conn, lead_id)['name']})"
