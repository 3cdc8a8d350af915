"""`salescli lead`: the lead commands. Further lead verbs live in lead_*.py modules that
add commands to this same app (imported at the bottom)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    YesOpt,
    delete_confirmed,
    list_limit,
    split_csv,
    state,
    write_list,
)
from salescli.cli.lead_base import (
    ACTIVITY_COLUMNS,
    ASSIGNMENT_COLUMNS,
    COLUMNS,
    SOURCE_COLUMNS,
    AllowDupOpt,
    CompanyOpt,
    EmailOpt,
    FilterOwnerOpt,
    LeadArg,
    LeadSort,
    LeadStatus,
    NotesOpt,
    OwnerOpt,
    PhoneOpt,
    ReasonOpt,
    SourceOpt,
    TagOpt,
    TeamOpt,
    TerritoryOpt,
    TitleOpt,
    app,
    label,
)
from salescli.render import Format

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _tags(values: list[str] | None) -> list[str]:
    return [tag for value in values or [] for tag in split_csv(value)]


def _warn(warnings: list[str]) -> None:
    from salescli import render

    for warning in warnings:
        render.message(f"Warning: {warning}")


@app.command("add")
def lead_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person's name.")],
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    source: SourceOpt = None,
    status: Annotated[
        LeadStatus, typer.Option("--status", case_sensitive=False, help="Initial status.")
    ] = LeadStatus.new,
    tag: TagOpt = None,
    territory: TerritoryOpt = None,
    owner: OwnerOpt = None,
    notes: NotesOpt = None,
    reason: ReasonOpt = None,
    allow_duplicate: AllowDupOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a lead and print its id (with --format json, the record).

    Example: salescli lead add "Ana Souza" --email ana@example.com --company Acme --source web
    """
    from salescli import render
    from salescli.services.leads import records as leads
    from salescli.services.leads import rules as lead_rules
    from salescli.services.leads import scoring as scoring  # noqa: F401

    st = state(ctx)
    fields = {"email": email, "phone": phone, "company": company, "title": title}
    fields.update(source=source, territory=territory, notes=notes)
    # Everything heavy happens before the write lock is taken (issue 8: twenty simultaneous
    # `lead add` must all get their turn): settings and clock, imports, validation, and the
    # near-identical search (a warning only). The write transaction holds the lock for the
    # duplicate check, the inserts and the score.
    now, settings = st.now, st.settings
    tags = _tags(tag)
    draft, _ = lead_rules.new_lead(
        name, now=now, fields=fields, status=status.value, reason=reason, tags=tags
    )
    with st.connection() as conn:
        warnings = leads.similar_warnings(conn, draft)
    with st.connection(write=True) as conn:
        lead_id, _ = leads.add(
            conn, name, now=now, settings=settings, fields=fields, status=status.value,
            reason=reason, tags=tags, owner=owner, allow_duplicate=allow_duplicate,
            warn_similar=False,
        )  # fmt: skip
        result = leads.record(conn, lead_id)
    _warn(warnings)
    render.changed(result, fmt, created=True, tz=st.tz)


@app.command("list")
def lead_list(
    ctx: typer.Context,
    status: Annotated[
        list[LeadStatus] | None,
        typer.Option("--status", case_sensitive=False, help="Only these statuses (repeatable)."),
    ] = None,
    owner: FilterOwnerOpt = None,
    team: TeamOpt = None,
    source: SourceOpt = None,
    tag: TagOpt = None,
    territory: TerritoryOpt = None,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Text in name, email, phone, company.")
    ] = None,
    sort: Annotated[LeadSort, typer.Option("--sort", help="Order.")] = LeadSort.created,
    limit: Annotated[int | None, LimitOpt("leads")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List leads, newest first, with filters.

    Example: salescli lead list --status new --owner "Ana Souza" --sort score --limit 20
    """
    from salescli.services.leads import queries as lead_queries

    st = state(ctx)
    limit = list_limit(limit, fmt)
    with st.connection() as conn:
        wanted = dict(
            status=[s.value for s in status or []], owner=owner, team=team, source=source,
            tags=_tags(tag), territory=territory, search=search, sort=sort.value,
            settings=st.settings,
        )  # fmt: skip
        write_list(
            limit,
            lambda size: lead_queries.list_leads(conn, limit=size, **wanted),
            lambda: lead_queries.each_lead(conn, **wanted),
            "leads",
            fmt=fmt, columns=COLUMNS, output=output, tz=st.tz,
        )  # fmt: skip


@app.command("show")
def lead_show(
    ctx: typer.Context, lead_id: LeadArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show a lead with its tags, assignment history, activities and open tasks.

    Example: salescli lead show 12 --format json
    """
    from salescli import render
    from salescli.cli.task_base import SHOW_COLUMNS
    from salescli.services.leads import records as leads
    from salescli.services.tasks.queries import open_tasks

    st = state(ctx)
    with st.connection() as conn:
        result = leads.show(conn, lead_id)
        result["tasks"] = open_tasks(conn, st.now, st.tz, lead_id=result["id"])
    sections = {
        "assignments": (result["assignments"], ASSIGNMENT_COLUMNS),
        "activities": (result["activities"], ACTIVITY_COLUMNS),
        "tasks": (result["tasks"], SHOW_COLUMNS),
    }
    render.write_record(result, fmt, output=output, tz=st.tz, sections=sections)


@app.command("edit")
def lead_edit(
    ctx: typer.Context,
    lead_id: LeadArg,
    name: Annotated[str | None, typer.Option("--name", help="The person's name.")] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    source: SourceOpt = None,
    territory: TerritoryOpt = None,
    notes: NotesOpt = None,
    owner: OwnerOpt = None,
    status: Annotated[
        LeadStatus | None, typer.Option("--status", case_sensitive=False, help="New status.")
    ] = None,
    reason: ReasonOpt = None,
    allow_duplicate: AllowDupOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a lead's fields (an empty value clears a field).

    Example: salescli lead edit 12 --phone "+49 30 1234567" --owner "Ana Souza"
    """
    from salescli import render
    from salescli.services.leads import records as leads

    st = state(ctx)
    fields = {"name": name, "email": email, "phone": phone, "company": company, "title": title}
    fields.update(source=source, territory=territory, notes=notes)
    with st.connection(write=True) as conn:
        warnings = leads.edit(
            conn, lead_id, now=st.now, settings=st.settings, fields=fields, owner=owner,
            status=status.value if status else None, reason=reason,
            allow_duplicate=allow_duplicate,
        )  # fmt: skip
        result = leads.record(conn, lead_id)
    _warn(warnings)
    render.changed(result, fmt, note=f"lead {lead_id} updated", tz=st.tz)


def _status_verb(
    ctx: typer.Context, lead_id: int, status: str, reason: str | None, fmt: Format
) -> None:
    from salescli import render
    from salescli.services.leads import records as leads

    st = state(ctx)
    with st.connection(write=True) as conn:
        previous = leads.set_status(conn, lead_id, status, now=st.now, reason=reason)
        result = leads.record(conn, lead_id)
    render.changed(result, fmt, note=f"lead {lead_id}: {previous} → {status}", tz=st.tz)


@app.command("qualify")
def lead_qualify(ctx: typer.Context, lead_id: LeadArg, fmt: FormatOpt = Format.table) -> None:
    """Mark a lead qualified.

    Example: salescli lead qualify 12
    """
    _status_verb(ctx, lead_id, "qualified", None, fmt)


@app.command("disqualify")
def lead_disqualify(
    ctx: typer.Context,
    lead_id: LeadArg,
    reason: Annotated[str, typer.Option("--reason", help="Why the lead does not qualify.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Mark a lead unqualified, with the reason.

    Example: salescli lead disqualify 12 --reason "no budget this year"
    """
    _status_verb(ctx, lead_id, "unqualified", reason, fmt)


@app.command("nurture")
def lead_nurture(ctx: typer.Context, lead_id: LeadArg, fmt: FormatOpt = Format.table) -> None:
    """Put a lead into nurturing (not ready to buy yet).

    Example: salescli lead nurture 12
    """
    _status_verb(ctx, lead_id, "nurturing", None, fmt)


@app.command("lose")
def lead_lose(
    ctx: typer.Context, lead_id: LeadArg, reason: ReasonOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Mark a lead lost, optionally with the reason.

    Example: salescli lead lose 12 --reason "chose a competitor"
    """
    _status_verb(ctx, lead_id, "lost", reason, fmt)


@app.command("tag")
def lead_tag(
    ctx: typer.Context,
    lead_id: LeadArg,
    tags: Annotated[list[str], typer.Argument(metavar="TAG...", help="Tags to add.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Add tags to a lead (matched ignoring case and accents, shown as first typed).

    Example: salescli lead tag 12 hot price-objection
    """
    from salescli import render
    from salescli.services.leads import records as leads

    st = state(ctx)
    with st.connection(write=True) as conn:
        tags_now = leads.tag(conn, lead_id, _tags(tags), now=st.now)
        result = leads.record(conn, lead_id)
    note = f"lead {lead_id} tags: {', '.join(tags_now) or '(none)'}"
    render.changed(result, fmt, note=note, tz=st.tz)


@app.command("untag")
def lead_untag(
    ctx: typer.Context,
    lead_id: LeadArg,
    tags: Annotated[list[str], typer.Argument(metavar="TAG...", help="Tags to remove.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Remove tags from a lead.

    Example: salescli lead untag 12 price-objection
    """
    from salescli import render
    from salescli.services.leads import records as leads

    st = state(ctx)
    with st.connection(write=True) as conn:
        tags_now = leads.untag(conn, lead_id, _tags(tags), now=st.now)
        result = leads.record(conn, lead_id)
    note = f"lead {lead_id} tags: {', '.join(tags_now) or '(none)'}"
    render.changed(result, fmt, note=note, tz=st.tz)


@app.command("delete")
def lead_delete(
    ctx: typer.Context, lead_id: LeadArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Delete a lead with its tags, assignments, activities and tasks.

    With --format json it prints the lead as it was.

    Example: salescli lead delete 12 --yes
    """
    from salescli.services.leads import records as leads

    def ask(conn: Connection) -> tuple[str, None]:
        return f"Delete {label(conn, lead_id)} with its activities and tasks?", None

    def delete(conn: Connection, _: None) -> tuple[dict[str, Any], str]:
        result = leads.record(conn, leads.get(conn, lead_id))
        gone = leads.dependants(conn, lead_id)
        leads.delete(conn, lead_id)
        return result, (
            f"Deleted lead {lead_id} ({gone['activities']} activities, {gone['tasks']} tasks)."
        )

    delete_confirmed(ctx, ask, delete, yes=yes, fmt=fmt)


@app.command("sources")
def lead_sources(
    ctx: typer.Context,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    chart: Annotated[
        bool,
        typer.Option("--chart", help="Draw a bar chart below the table (on a terminal only)."),
    ] = False,
) -> None:
    """Count leads per source (ignoring case and accents), most first.

    Example: salescli lead sources --chart
    """
    from salescli import render
    from salescli.services.leads import queries as lead_queries

    if chart and fmt != Format.table and output is None:
        from salescli.errors import UsageError

        raise UsageError(
            "--chart goes with the table format, or with --output FILE (a chart would corrupt "
            "json/csv/markdown on stdout) (e.g. salescli lead sources --chart)"
        )
    st = state(ctx)
    with st.connection() as conn:
        rows = lead_queries.sources(conn)
    render.write_rows(rows, fmt, columns=SOURCE_COLUMNS, output=output, tz=st.tz)
    if chart and rows:
        # A chart is for eyes: never appended to a pipe or an --output file (it would corrupt
        # the data there); with --output, the chart still shows on the terminal.
        if not render.chart_drawn():
            return
        from salescli.render import charts

        labels = [row["source"] or "(none)" for row in rows]
        render.write_text(
            charts.hbar(labels, [row["count"] for row in rows], title="Leads by source")
        )


# Further lead verbs register themselves on `app` (keep at the bottom: they import `app`);
# `salescli lead --help` lists them in this order.
# isort: off
from salescli.cli import lead_dedupe, lead_privacy, lead_convert, lead_io, lead_route  # noqa: E402, F401
# isort: on
