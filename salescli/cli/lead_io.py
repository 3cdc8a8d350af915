"""`salescli lead import` and `salescli lead export` (bulk CSV/JSON)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import state
from salescli.cli.importing import (
    AgainOpt,
    DateFormatOpt,
    DecimalCommaOpt,
    DelimiterOpt,
    DryRunOpt,
    EncodingOpt,
    ExportFormat,
    ExportFormatOpt,
    ExportOutputOpt,
    FileArg,
    MapOpt,
    MapValueOpt,
    NullValueOpt,
    OwnerOpt,
    RejectFileOpt,
    SkipInvalidOpt,
    run_import,
)
from salescli.cli.lead import app


@app.command("import")
def lead_import(
    ctx: typer.Context,
    file: FileArg,
    map_: MapOpt = None,
    map_value: MapValueOpt = None,
    null_value: NullValueOpt = None,
    date_format: DateFormatOpt = None,
    decimal_comma: DecimalCommaOpt = False,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = None,
    skip_invalid: SkipInvalidOpt = False,
    reject_file: RejectFileOpt = None,
    dry_run: DryRunOpt = False,
    again: AgainOpt = False,
    owner: OwnerOpt = None,
) -> None:
    """Import leads from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: name (required), email, phone, company, title, source, status, status_reason,
    tags, territory, owner, external_id, notes, created_at, last_contact_at.

    Example: salescli lead import leads.csv --map "Full Name=name" --owner "Ana Souza"
    """
    from salescli.services.lead_io import ENTITY

    run_import(
        ctx, ENTITY, file, map_=map_, map_value=map_value, null_value=null_value,
        date_format=date_format, decimal_comma=decimal_comma, delimiter=delimiter,
        encoding=encoding, skip_invalid=skip_invalid, reject_file=reject_file,
        dry_run=dry_run, again=again, owner=owner,
    )  # fmt: skip


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
    from salescli import render
    from salescli.services import csvio, lead_io
    from salescli.services.lead_queries import owner_id_for

    st = state(ctx)
    with st.connection() as conn:
        owner_id = owner_id_for(conn, owner) if owner is not None else False
        rows = lead_io.export(conn, status=_statuses(status), source=source, owner_id=owner_id)
        count = csvio.export_rows(rows, lead_io.EXPORT_COLUMNS, fmt.value, output=output, tz=st.tz)
    if output:
        render.message(f"Exported {count} leads to {output}.")


def _statuses(values: list[str] | None) -> list[str] | None:
    from salescli.errors import UsageError
    from salescli.services.lead_io import STATUSES

    if not values:
        return None
    clean = [v.strip().lower() for v in values]
    for value in clean:
        if value not in STATUSES:
            raise UsageError(
                f"--status '{value}' is not a lead status (one of {', '.join(STATUSES)})"
            )
    return clean
