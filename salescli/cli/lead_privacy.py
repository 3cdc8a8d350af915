"""`salescli lead forget` (erase a person's data) and `salescli lead export-person`."""

from __future__ import annotations

import typer

from salescli.cli.common import FormatOpt, OutputOpt, YesOpt, confirm, state
from salescli.cli.lead_base import LeadArg, app, lead_label
from salescli.render import Format


@app.command("forget")
def lead_forget(
    ctx: typer.Context, lead_id: LeadArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Erase the person's personal data everywhere (anonymous figures stay).

    Example: salescli lead forget 12 --yes
    """
    from salescli import db, render
    from salescli.services.leads import privacy as lead_privacy
    from salescli.services.leads import records as leads

    st = state(ctx)
    confirm(f"Erase all personal data of {lead_label(ctx, lead_id)}? This cannot be undone", yes)
    with st.connection(write=True) as conn:
        result = lead_privacy.forget(conn, lead_id, now=st.now)
        record = leads.record(conn, lead_id)
    if db.is_sqlite(st.url) and not lead_privacy.truncate_wal(st.url):
        render.message(
            f"Warning: the write-ahead log is in use by another process; run `salescli lead "
            f"forget {lead_id} --yes` again later to wipe the old copies from it."
        )
    if result["already"]:
        note = f"lead {lead_id} was already forgotten; nothing changed."
    else:
        note = (
            f"Forgot lead {lead_id}: personal data erased ({result['contacts']} contacts, "
            f"{result['activities']} activities); an erasure record was kept."
        )
    render.changed(record, fmt, note=note, tz=st.tz)


@app.command("export-person")
def lead_export_person(ctx: typer.Context, lead_id: LeadArg, output: OutputOpt = None) -> None:
    """Write everything held about the person behind a lead as one JSON document.

    Example: salescli lead export-person 12 --output ana-souza.json
    """
    from salescli import render
    from salescli.services.leads import privacy as lead_privacy

    st = state(ctx)
    with st.connection() as conn:
        document = lead_privacy.export_person(conn, lead_id, now=st.now)
    render.write_record(document, Format.json, output=output, tz=st.tz)
    if output:
        render.message(f"Wrote {output} (mode 0600).")
