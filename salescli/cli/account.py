"""`salescli account`: customer companies and their whole history."""

from __future__ import annotations

import enum
from collections.abc import Mapping
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

app = typer.Typer(
    no_args_is_help=True, help="Manage accounts (customer companies) and see their history."
)

AccountArg = Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account id or name.")]
IndustryOpt = Annotated[str | None, typer.Option("--industry", help="Industry, e.g. Retail.")]
WebsiteOpt = Annotated[str | None, typer.Option("--website", help="Web site.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="Switchboard phone number.")]
CountryOpt = Annotated[str | None, typer.Option("--country", help="Country.")]
TerritoryOpt = Annotated[str | None, typer.Option("--territory", help="Sales territory.")]
OwnerOpt = Annotated[
    str | None, typer.Option("--owner", metavar="REP", help="Owner (rep id or name; default me).")
]
ParentOpt = Annotated[
    str | None, typer.Option("--parent", metavar="ACCOUNT", help="Parent account (id or name).")
]
NONE = "none"


class Sort(str, enum.Enum):
    name = "name"
    created = "created"
    won = "won"
    pipeline = "pipeline"


COLUMNS = [
    Column("id", "id", "right"),
    Column("name", "name"),
    Column("industry", "industry"),
    Column("country", "country"),
    Column("owner", "owner"),
    Column("open_deals", "open", "right"),
    Column("won_deals", "won", "right"),
    Column("won_amount", "won amount", "right"),
    Column("customer", "customer"),
]
# With --sort won|pipeline, the figures sorted by (converted to the reporting currency).
MONEY_COLUMNS = [
    Column("won_revenue", "won (converted)", "right"),
    Column("pipeline", "pipeline", "right"),
]
CONTACT_COLUMNS = [
    Column("id", "id", "right"),
    Column("name", "name"),
    Column("title", "title"),
    Column("email", "email"),
    Column("phone", "phone"),
]
DEAL_COLUMNS = [
    Column("id", "id", "right"),
    Column("title", "title"),
    Column("stage", "stage"),
    Column("amount", "amount", "right"),
    Column("currency", "cur"),
    Column("close_date", "close"),
    Column("owner", "owner"),
]
TIMELINE_COLUMNS = [
    Column("at", "at"),
    Column("kind", "kind"),
    Column("what", "what"),
    Column("ref", "ref"),
]


@app.command("add")
def account_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Company name (unique, ignoring case and accents).")],
    industry: IndustryOpt = None,
    website: WebsiteOpt = None,
    phone: PhoneOpt = None,
    country: CountryOpt = None,
    territory: TerritoryOpt = None,
    owner: OwnerOpt = None,
    parent: ParentOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add an account and print its id (with --format json, the record).

    Example: salescli account add "Acme GmbH" --industry Manufacturing --country Germany
    """
    from salescli import render
    from salescli.services.accounts import queries as account_queries
    from salescli.services.accounts import records as accounts

    st = state(ctx)
    with st.connection(write=True) as conn:
        account_id = accounts.create(
            conn,
            name=name,
            now=st.now,
            industry=industry,
            website=website,
            phone=phone,
            country=country,
            territory=territory,
            owner_id=accounts.rep_id(conn, owner, st.settings),
            parent_id=accounts.resolve(conn, parent)["id"] if parent else None,
        )
        result = account_queries.record(conn, account_id, st.settings, st.today)
    render.changed(result, fmt, created=True, tz=st.tz)


@app.command("list")
def account_list(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Text in name, industry, site, country.")
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
    customer: Annotated[
        bool, typer.Option("--customer", help="Only customers (accounts with a won deal).")
    ] = False,
    sort: Annotated[
        Sort,
        typer.Option(
            "--sort",
            case_sensitive=False,
            help="name; created (newest first); won (won revenue) or pipeline (open amount), "
            "most first, converted to the reporting currency.",
        ),
    ] = Sort.name,
    limit: Annotated[int | None, LimitOpt("accounts", short=True)] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List accounts with their open and won deals (won amount in the reporting currency).

    Example: salescli account list --customer --search gmbh --format json
    """
    from salescli.services.accounts import queries as account_queries

    st = state(ctx)
    limit = list_limit(limit, fmt)
    with st.connection() as conn:
        wanted: dict[str, Any] = dict(
            settings=st.settings, today=st.today, search=search, owner=owner, team=team,
            customer=True if customer else None, sort=sort.value,
        )  # fmt: skip
        write_list(
            limit,
            lambda size: cut_rows(
                account_queries.list_accounts(conn, limit=size + 1, **wanted), size
            ),
            lambda: account_queries.each_account(conn, **wanted),
            "accounts",
            fmt=fmt,
            columns=COLUMNS + (MONEY_COLUMNS if sort in (Sort.won, Sort.pipeline) else []),
            output=output,
            tz=st.tz,
        )


@app.command("show")
def account_show(
    ctx: typer.Context, ref: AccountArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show an account, its contacts, deals and open tasks, and its whole history in time order.

    Example: salescli account show "Acme GmbH" --format json
    """
    from salescli import render
    from salescli.cli.task_base import SHOW_COLUMNS
    from salescli.services.accounts import queries as account_queries
    from salescli.services.accounts import records as accounts
    from salescli.services.tasks.queries import open_tasks

    st = state(ctx)
    with st.connection() as conn:
        result = account_queries.show(
            conn, accounts.resolve(conn, ref)["id"], st.settings, st.today
        )
        result["open_tasks"] = open_tasks(conn, st.now, st.tz, account_id=result["id"])
    sections = {
        "contacts": (result["contacts"], CONTACT_COLUMNS),
        "deals": (result["deals"], DEAL_COLUMNS),
        "open_tasks": (result["open_tasks"], SHOW_COLUMNS),
        "timeline": (result["timeline"], TIMELINE_COLUMNS),
    }
    render.write_record(result, fmt, output=output, tz=st.tz, sections=sections)


@app.command("edit")
def account_edit(
    ctx: typer.Context,
    ref: AccountArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    industry: IndustryOpt = None,
    website: WebsiteOpt = None,
    phone: PhoneOpt = None,
    country: CountryOpt = None,
    territory: TerritoryOpt = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="REP", help="New owner ('none' clears).")
    ] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", metavar="ACCOUNT", help="Parent ('none' clears).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change an account's fields (an empty value such as --website "" clears one).

    Example: salescli account edit "Acme GmbH" --owner "Ana Souza" --territory DACH
    """
    from salescli import render
    from salescli.services.accounts import queries as account_queries
    from salescli.services.accounts import records as accounts

    st = state(ctx)
    with st.connection(write=True) as conn:
        account_id = accounts.resolve(conn, ref)["id"]
        changes: dict = dict(name=name, industry=industry, website=website, phone=phone)
        changes.update(country=country, territory=territory)
        if owner is not None:
            changes["owner_id"] = accounts.rep_id(conn, owner, st.settings)
        if parent is not None:
            none = parent.strip().casefold() == NONE
            changes["parent_id"] = None if none else accounts.resolve(conn, parent)["id"]
        accounts.update(conn, account_id, changes, st.now)
        result = account_queries.record(conn, account_id, st.settings, st.today)
    render.changed(result, fmt, note=f"account {account_id} updated", tz=st.tz)


def delete_question(kind: str, found: Mapping[Any, Any], counts: Mapping[str, int]) -> str:
    """What `account delete` and `contact delete` ask: the record and what goes with it."""
    from salescli.text import plural

    acts, tasks = plural(counts["activities"], "activity"), plural(counts["tasks"], "task")
    return f"Delete {kind} {found['id']} '{found['name']}' with {acts}, {tasks}?"


@app.command("delete")
def account_delete(
    ctx: typer.Context, ref: AccountArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Delete an account without deals or contacts (its activities and tasks go with it).

    Example: salescli account delete 12 --yes
    """
    from salescli.services.accounts import queries as account_queries
    from salescli.services.accounts import records as accounts

    st = state(ctx)

    def ask(conn: Connection) -> tuple[str | None, int]:
        account = accounts.resolve(conn, ref)
        counts = accounts.dependents(conn, account["id"])
        refused = counts["deals"] or counts["contacts"]  # the delete says why
        return None if refused else delete_question("account", account, counts), account["id"]

    def delete(conn: Connection, account_id: int) -> tuple[dict[str, Any], str]:
        result = account_queries.record(conn, account_id, st.settings, st.today)
        accounts.delete(conn, account_id)
        return result, f"account {result['id']} '{result['name']}' deleted"

    delete_confirmed(ctx, ask, delete, yes=yes, fmt=fmt)


# ---- import / export (bulk CSV through salescli/services/csv/engine.py) ---------------------------

from salescli.cli import importing as io  # noqa: E402

io.register_import(
    app,
    "salescli.services.accounts.io:ENTITY",
    help="""Import accounts from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: name (required), industry, website, phone, country, territory, employees, owner,
    parent (an existing account or a row of the file), external_id, notes, created_at.

    Example: salescli account import accounts.csv --map sector=industry --map subsidiary_of=parent
    """,
)


@app.command("export")
def account_export(
    ctx: typer.Context,
    fmt: io.ExportFormatOpt = io.ExportFormat.csv,
    output: io.ExportOutputOpt = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="REP", help="Only this rep's: id, name, me or none."),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            "--team", metavar="TEAM", help="Owned by a team, or a manager and everyone under them."
        ),
    ] = None,
) -> None:
    """Export accounts with all fields as CSV or JSON (re-importable by `account import`).

    Example: salescli account export --owner me --output accounts.csv
    """
    from salescli.services.accounts import io as account_io

    st = state(ctx)  # its settings are read as the export's connection opens
    io.run_export(
        ctx,
        lambda conn: account_io.export(conn, owner=owner, team=team, settings=st.settings),
        account_io.EXPORT_COLUMNS,
        fmt,
        output,
        "accounts",
    )
