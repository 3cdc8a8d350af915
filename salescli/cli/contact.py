"""`salescli contact`: the people at accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    YesOpt,
    cut_rows,
    delete_confirmed,
    list_limit,
    state,
    write_list,
)
from salescli.render import Column, Format

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

app = typer.Typer(no_args_is_help=True, help="Manage contacts: the people at accounts.")

ContactArg = Annotated[str, typer.Argument(metavar="CONTACT", help="Contact id or name.")]
EmailOpt = Annotated[str | None, typer.Option("--email", help="Email address.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="Phone number.")]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Job title.")]
NONE = "none"

COLUMNS = [
    Column("id", "id", "right"),
    Column("name", "name"),
    Column("title", "title"),
    Column("account", "account"),
    Column("email", "email"),
    Column("phone", "phone"),
    Column("owner", "owner"),
    Column("last_contact_at", "last contact"),
]
DEAL_COLUMNS = [
    Column("id", "id", "right"),
    Column("title", "title"),
    Column("stage", "stage"),
    Column("amount", "amount", "right"),
    Column("currency", "cur"),
    Column("close_date", "close"),
]
ACTIVITY_COLUMNS = [
    Column("id", "id", "right"),
    Column("at", "at"),
    Column("kind", "kind"),
    Column("rep", "rep"),
    Column("outcome", "outcome"),
    Column("text", "text"),
]


@app.command("add")
def contact_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name.")],
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    title: TitleOpt = None,
    account: Annotated[
        str | None, typer.Option("--account", metavar="ACCOUNT", help="Account (id or name).")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="REP", help="Owner (default me).")
    ] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option("--allow-duplicate", help="Add even if a contact has this e-mail."),
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a contact and print its id (with --format json, the record).

    Example: salescli contact add "Jürgen Groß" --email jg@acme.de --title CTO --account "Acme GmbH"
    """
    from salescli import render
    from salescli.services.accounts import records as accounts
    from salescli.services.contacts import records as contacts

    st = state(ctx)
    with st.connection(write=True) as conn:
        contact_id = contacts.create(
            conn,
            name=name,
            now=st.now,
            email=email,
            phone=phone,
            title=title,
            account_id=accounts.resolve(conn, account)["id"] if account else None,
            owner_id=accounts.rep_id(conn, owner, st.settings),
            allow_duplicate=allow_duplicate,
        )
        result = contacts.record(conn, contact_id)
    render.changed(result, fmt, created=True, tz=st.tz)


@app.command("list")
def contact_list(
    ctx: typer.Context,
    account: Annotated[
        str | None, typer.Option("--account", metavar="ACCOUNT", help="Only this account's.")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Text in name, email, title, phone or account."),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="REP", help="Owner: id, name, me or none (unowned)."),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            "--team", metavar="TEAM", help="Owned by a team, or a manager and everyone under them."
        ),
    ] = None,
    limit: Annotated[int | None, LimitOpt("contacts", short=True)] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List contacts by name (search ignoring case and accents in any script).

    Example: salescli contact list --search иван --format json
    """
    from salescli.services.accounts import records as accounts
    from salescli.services.contacts import records as contacts

    st = state(ctx)
    limit = list_limit(limit, fmt)
    with st.connection() as conn:
        wanted = dict(
            account_id=accounts.resolve(conn, account)["id"] if account else None,
            search=search, owner=owner, team=team, settings=st.settings,
        )  # fmt: skip
        write_list(
            limit,
            lambda size: cut_rows(contacts.list_contacts(conn, limit=size + 1, **wanted), size),
            lambda: contacts.each_contact(conn, **wanted),
            "contacts",
            fmt=fmt, columns=COLUMNS, output=output, tz=st.tz,
        )  # fmt: skip


@app.command("show")
def contact_show(
    ctx: typer.Context, ref: ContactArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show a contact with its deals and activities (newest first).

    Example: salescli contact show 4
    """
    from salescli import render
    from salescli.services.contacts import records as contacts
    from salescli.services.contacts import show as contact_show

    st = state(ctx)
    with st.connection() as conn:
        result = contact_show.show(conn, contacts.resolve(conn, ref)["id"])
    sections = {
        "deals": (result["deals"], DEAL_COLUMNS),
        "activities": (result["activities"], ACTIVITY_COLUMNS),
    }
    render.write_record(result, fmt, output=output, tz=st.tz, sections=sections)


@app.command("edit")
def contact_edit(
    ctx: typer.Context,
    ref: ContactArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    title: TitleOpt = None,
    account: Annotated[
        str | None, typer.Option("--account", metavar="ACCOUNT", help="Account ('none' clears).")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="REP", help="Owner ('none' clears).")
    ] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option("--allow-duplicate", help="Keep the e-mail even if another contact has it."),
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a contact's fields (an empty value such as --phone "" clears one).

    Example: salescli contact edit 4 --title "Head of IT" --account "Acme GmbH"
    """
    from salescli import render
    from salescli.services.accounts import records as accounts
    from salescli.services.contacts import records as contacts

    st = state(ctx)
    with st.connection(write=True) as conn:
        contact_id = contacts.resolve(conn, ref)["id"]
        changes: dict = dict(name=name, email=email, phone=phone, title=title)
        if account is not None:
            none = account.strip().casefold() == NONE
            changes["account_id"] = None if none else accounts.resolve(conn, account)["id"]
        if owner is not None:
            changes["owner_id"] = accounts.rep_id(conn, owner, st.settings)
        contacts.update(conn, contact_id, changes, st.now, allow_duplicate=allow_duplicate)
        result = contacts.record(conn, contact_id)
    render.changed(result, fmt, note=f"contact {contact_id} updated", tz=st.tz)


@app.command("delete")
def contact_delete(
    ctx: typer.Context, ref: ContactArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Delete a contact that no deal names (its activities and tasks go with it).

    Example: salescli contact delete 4 --yes
    """
    from salescli.cli.account import delete_question
    from salescli.services.contacts import records as contacts

    def ask(conn: Connection) -> tuple[str | None, int]:
        contact = contacts.resolve(conn, ref)
        counts = contacts.dependents(conn, contact["id"])
        refused = counts["deals"]  # the delete says why
        return None if refused else delete_question("contact", contact, counts), contact["id"]

    def delete(conn: Connection, contact_id: int) -> tuple[dict[str, Any], str]:
        result = contacts.record(conn, contact_id)
        contacts.delete(conn, contact_id)
        return result, f"contact {result['id']} '{result['name']}' deleted"

    delete_confirmed(ctx, ask, delete, yes=yes, fmt=fmt)


# ---- import / export (bulk CSV through salescli/services/csv/engine.py) ---------------------------

from salescli.cli import importing as io  # noqa: E402

io.register_import(
    app,
    "salescli.services.contacts.io:entity",
    note="salescli.services.csv.common:accounts_message",
    help="""Import contacts from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: name (required), email, phone, title, account (created when new),
    account_external_id (an existing account's external id), owner,
    external_id, created_at, last_contact_at.

    Example: salescli contact import people.csv --map "Company=account"
    """,
)


@app.command("export")
def contact_export(
    ctx: typer.Context,
    fmt: io.ExportFormatOpt = io.ExportFormat.csv,
    output: io.ExportOutputOpt = None,
    account: Annotated[
        str | None, typer.Option("--account", metavar="ACCOUNT", help="Only this account's.")
    ] = None,
) -> None:
    """Export contacts with all fields as CSV or JSON (re-importable by `contact import`).

    Example: salescli contact export --account "Acme GmbH" --output acme.csv
    """
    from salescli.services.contacts import io as contact_io

    io.run_export(
        ctx,
        lambda conn: contact_io.export(conn, account=account),
        contact_io.EXPORT_COLUMNS,
        fmt,
        output,
        "contacts",
    )
