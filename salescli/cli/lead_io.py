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
from salescli.cli.lead import app

register_import(
    app,
    "salescli.services.lead_io:ENTITY",
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
        list[str] | None, typer.Option("--status", help="Only this status (repeatable).")
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="REP", help="Only this rep's leads; none = unowned."),
    ] = None,
) -> None:
    """Export every lead with all fields as CSV or JSON (re-importable by `lead import`).

    Example: salescli lead export --status new --output new-leads.csv
    """
    from salescli.services import lead_io
    from salescli.services.lead_queries import owner_id_for

    def rows(conn: Any) -> Any:
        owner_id = owner_id_for(conn, owner) if owner is not None else False
        return lead_io.export(conn, status=_statuses(status), source=source, owner_id=owner_id)

    run_export(ctx, rows, lead_io.EXPORT_COLUMNS, fmt, output, "leads")


def _statuses(values: list[str] | None) -> list[str] | None:
    from salescli.errors import UsageError
    from salescli.services.lead_statuses import STATUSES

    if not values:
        return None
    clean = [v.strip().lower() for v in values]
    for value in clean:
        if value not in STATUSES:
            raise UsageError(
                f"--status '{value}' is not a lead status (one of {', '.join(STATUSES)})"
            )
    return clean
