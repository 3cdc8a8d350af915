"""`salescli lead import` and `salescli lead export` (bulk CSV/JSON)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salescli.cli.importing import (
    ExportFormat,
    ExportFormatOpt,
    ExportOutputOpt,
    register_import,
    run_export,
)
from salescli.cli.lead_base import LeadStatus, app

register_import(
    app,
    "salescli.services.leads.io:ENTITY",
    warnings="salescli.services.leads.dedupe:import_warnings",
    help="""Import leads from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: name (required), email, phone, company, title, source, status, status_reason,
    tags, territory, owner, external_id, notes, created_at, last_contact_at.

    Example: salescli lead import leads.csv --map "Full Name=name" --owner "Ana Souza"
    """,
)


@app.command("export")
def lead_export(
    ctx: typer.Context,
    fmt: ExportFormatOpt = ExportFormat.csv,
    output: ExportOutputOpt = None,
    status: Annotated[
        list[LeadStatus] | None,
        typer.Option("--status", case_sensitive=False, help="Only this status (repeatable)."),
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", metavar="REP", help="Only this rep's leads: id, name, me; none = unowned."
        ),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            "--team",
            metavar="TEAM",
            help="Only leads of this team, or of this manager (or me) and everyone under them.",
        ),
    ] = None,
) -> None:
    """Export every lead with all fields as CSV or JSON (re-importable by `lead import`).

    Example: salescli lead export --status new --output new-leads.csv
    """
    from salescli.cli.common import state
    from salescli.services.leads import io as lead_io

    def rows(conn: Any) -> Any:
        statuses = [s.value for s in status or []]
        settings = state(ctx).settings  # loaded by the connection run_export opened
        return lead_io.export(
            conn, status=statuses, source=source, owner=owner, team=team, settings=settings
        )

    run_export(ctx, rows, lead_io.EXPORT_COLUMNS, fmt, output, "leads")
