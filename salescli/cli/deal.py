"""`salescli deal`: deals, their pipeline stages, stage history and line items."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salescli.cli.common import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    list_limit,
    state,
    write_list,
)
from salescli.cli.deal_base import (
    ACTIVITY_COLUMNS,
    COLUMNS,
    HISTORY_COLUMNS,
    LINE_COLUMNS,
    AccountOpt,
    AmountOpt,
    CategoryOpt,
    CloseOpt,
    ContactOpt,
    CurrencyOpt,
    DealArg,
    OwnerOpt,
    ProbabilityOpt,
    Sort,
    SourceOpt,
    TypeOpt,
    app,
    category_value,
)
from salescli.errors import UsageError
from salescli.render import Column, Format


@app.command("add")
def deal_add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="Deal title.")],
    amount: AmountOpt = None,
    currency: CurrencyOpt = None,
    account: AccountOpt = None,
    contact: ContactOpt = None,
    owner: OwnerOpt = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Open stage (default: first).")
    ] = None,
    close: CloseOpt = None,
    source: SourceOpt = None,
    deal_type: TypeOpt = None,
    probability: ProbabilityOpt = None,
    category: CategoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a deal and print its id (with --format json, the record).

    Example: salescli deal add "Acme – 50 seats" --amount 12,000.50 --currency EUR --account Acme --close fri
    """
    from salescli import money, render
    from salescli.services.deals import records as deals

    st = state(ctx)
    with st.connection(write=True) as conn:
        code = money.amount_currency(amount, currency, st.settings.currency)
        value = money.parse_amount(amount, code) if amount is not None else None
        account_id, created = deals.account_for(conn, account, st.now) if account else (None, False)
        deal_id = deals.create(
            conn, title=title, amount=value, currency=code, account_id=account_id,
            contact_id=deals.contact_for(conn, contact, account_id) if contact else None,
            owner_id=deals.owner_for(conn, owner, st.settings) if owner else None,
            default_owner=owner is None, stage=stage, close_date=st.day(close, field="--close"), source=source,
            deal_type=deal_type.value if deal_type else None, lead_id=None,
            probability=probability, forecast_category=category_value(category),
            now=st.now, actor=None, settings=st.settings,
        )  # fmt: skip
        record = deals.record(conn, deal_id)
    if created:
        render.message(f"account '{record['account']}' did not exist: created it (id {account_id})")
    render.changed(record, fmt, created=True, tz=st.tz)


@app.command("list")
def deal_list(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="REP", help="Only REP's deals (me = you).")
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="Reps of this team, or under this manager.")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Only this account (id or name).")
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="Open deals only.")] = False,
    won: Annotated[bool, typer.Option("--won", help="Won deals only.")] = False,
    lost: Annotated[bool, typer.Option("--lost", help="Lost deals only.")] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Every deal, open and closed (default: open deals).")
    ] = False,
    closing: Annotated[
        str | None,
        typer.Option(
            "--closing", metavar="PERIOD", help="Close date in PERIOD: this-month, 2026-Q4..."
        ),
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Text in title or account name.")
    ] = None,
    sort: Annotated[Sort, typer.Option("--sort", help="Order.")] = Sort.close,
    limit: Annotated[int | None, LimitOpt("deals")] = None,
    show_sum: Annotated[
        bool, typer.Option("--sum", help="Totals in the reporting currency on stderr.")
    ] = False,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by",
            metavar="FIELD[,FIELD]",
            help="Count, amount and weighted per stage, owner, account, product, source, "
            "close-month, lost-reason or lost-at (one or two, e.g. owner,stage), with totals.",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List open deals, soonest close first (--all for every deal); --sum adds totals.

    Example: salescli deal list --owner me --closing this-quarter --group-by stage
    """
    from salescli import render
    from salescli.services.deals import queries as queries
    from salescli.services.scope import DealScope

    if open_ + won + lost + all_ > 1:
        raise UsageError("--open, --won, --lost and --all exclude each other (give one)")
    st = state(ctx)
    limit = list_limit(limit, fmt)
    with st.connection() as conn:
        period = st.period(closing, field="--closing") if closing else None
        scope = DealScope(
            stage=stage, owner=owner, team=team, account=account, search=search,
            state=queries.deal_state(open_=open_, won=won, lost=lost, all_=all_, stage=stage),
            period=(period.start, period.end) if period else None,
        )  # fmt: skip
        if group_by is not None:
            grouped = queries.grouped_totals(
                conn, scope, st.settings, queries.check_group_by(group_by), st.today, st.tz
            )
            _write_groups(grouped, fmt, output, st.tz)
            return
        total = queries.totals(conn, scope, st.settings, st.today, st.tz) if show_sum else None
        write_list(
            limit,
            lambda size: queries.list_deals(
                conn, scope, st.settings, sort=sort.value, limit=size, tz=st.tz
            ),
            lambda: queries.each_deal(conn, scope, st.settings, sort=sort.value, tz=st.tz),
            "deals",
            fmt=fmt, columns=COLUMNS, output=output, tz=st.tz,
        )  # fmt: skip
    if total is not None:
        render.message(_sum_line(total))


def _write_groups(grouped: dict[str, Any], fmt: Format, output: str | None, tz: str) -> None:
    """`deal list --group-by`: JSON {group_by, currency, groups, total}; a table or Markdown
    with a total row; CSV with the groups only (one row per group)."""
    from salescli import render

    if fmt == Format.json:
        render.write_record(grouped, fmt, output=output, tz=tz)
        return
    keys = {"close-month": "close_month", "lost-reason": "reason", "lost-at": "lost_at"}
    names = [keys.get(name, name) for name in grouped["group_by"]]
    columns = [Column(n, n.replace("_", " ")) for n in names] + [
        Column("count", "deals", "right"),
        Column("amount", "amount", "right"),
        Column("weighted", "weighted", "right"),
        Column("unknown_amount", "no amount", "right"),
        Column("currency", "cur"),
    ]
    rows = [{k: v for k, v in g.items() if not k.endswith("_id")} for g in grouped["groups"]]
    if fmt != Format.csv:
        rows.append({names[0]: "total", **grouped["total"]})
    render.write_rows(rows, fmt, columns=columns, output=output, tz=tz)


def _sum_line(total: dict[str, Any]) -> str:
    from salescli.render import text_value

    cur = total["currency"]
    text = (
        f"{total['count']} deals: amount {text_value(total['amount'])} {cur}, "
        f"weighted (open) {text_value(total['weighted'])} {cur}"
    )
    if total["unknown_amount"]:
        text += f"; {total['unknown_amount']} without an amount (not summed)"
    return text


@app.command("show")
def deal_show(
    ctx: typer.Context, deal_id: DealArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show a deal with its stage history, activities, open tasks and line items.

    Example: salescli deal show 12 --format json
    """
    from salescli import render
    from salescli.cli.task_base import SHOW_COLUMNS
    from salescli.services.deals import views as deal_views

    st = state(ctx)
    with st.connection() as conn:
        result = deal_views.show(conn, deal_id, st.now, st.tz)
    sections = {
        "stage_history": (result["stage_history"], HISTORY_COLUMNS),
        "activities": (result["activities"], ACTIVITY_COLUMNS),
        "tasks": (result["tasks"], SHOW_COLUMNS),
        "lines": (result["lines"], LINE_COLUMNS),
    }
    render.write_record(result, fmt, output=output, tz=st.tz, sections=sections)


@app.command("edit")
def deal_edit(
    ctx: typer.Context,
    deal_id: DealArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    amount: AmountOpt = None,
    currency: CurrencyOpt = None,
    account: AccountOpt = None,
    contact: ContactOpt = None,
    owner: OwnerOpt = None,
    close: CloseOpt = None,
    source: SourceOpt = None,
    deal_type: TypeOpt = None,
    probability: ProbabilityOpt = None,
    category: CategoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a deal's fields (stage changes go through move, win, lose, reopen).

    Example: salescli deal edit 12 --amount 15000 --close 2026-12-18 --probability 60
    """
    from salescli import render
    from salescli.services.deals import records as deals

    st = state(ctx)
    with st.connection(write=True) as conn:
        changes: dict[str, Any] = {
            key: value
            for key, value in {
                "title": title, "amount": amount, "currency": currency, "source": source,
                "close_date": st.day(close, field="--close"),
                "deal_type": deal_type.value if deal_type else None,
                "probability": probability, "forecast_category": category_value(category),
            }.items()
            if value is not None
        }  # fmt: skip
        if owner is not None:  # `none` clears the owner
            changes["owner_id"] = deals.owner_for(conn, owner, st.settings)
        note = None
        if account is not None and account.strip().casefold() == "none":
            changes["account_id"] = None  # detach the deal from its account
        elif account is not None:
            changes["account_id"], created = deals.account_for(conn, account, st.now)
            if created:
                note = f"account '{account.strip()}' did not exist: created it"
        if contact is not None and contact.strip().casefold() == "none":
            changes["contact_id"] = None
        elif contact is not None:
            changes["contact_id"] = deals.contact_for(conn, contact)
        if not changes:
            raise UsageError("nothing to change: give at least one option (e.g. --amount 15000)")
        number = deals.edit(conn, deal_id, now=st.now, changes=changes)
        record = deals.record(conn, number)
    if note:
        render.message(note)
    render.changed(record, fmt, note=f"deal {number} updated", tz=st.tz)


# The other deal commands register themselves on `app` (they import it); help lists them in
# import order: move, win, lose, reopen, delete (deal_changes), then history, stale (deal_views).
# The `stages` and `line` sub-apps are added here so that help keeps listing them in this order.
import salescli.cli.deal_changes  # noqa: E402, F401
import salescli.cli.deal_views  # noqa: E402, F401
from salescli.cli.deal_lines import line_app  # noqa: E402
from salescli.cli.deal_stages import stages_app  # noqa: E402

app.add_typer(stages_app, name="stages")
app.add_typer(line_app, name="line")

# ---- import / export (bulk CSV through salescli/services/csv/engine.py) ---------------------------

from salescli.cli import importing as io  # noqa: E402

io.register_import(
    app,
    "salescli.services.deals.io:entity",
    note="salescli.services.csv.common:accounts_message",
    help="""Import deals from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: title, amount, currency, account (created when new),
    account_external_id (an existing account's external id), contact, owner, stage,
    product, close_date, created_at, source, type, probability, forecast_category,
    external_id, lost_reason, lost_note. Closed deals get their stage history.

    Example: salescli deal import deals.csv --map-value stage:Engaging=qualification
    """,
)


@app.command("export")
def deal_export(
    ctx: typer.Context,
    fmt: io.ExportFormatOpt = io.ExportFormat.csv,
    output: io.ExportOutputOpt = None,
    status: Annotated[
        str | None, typer.Option("--state", metavar="open|won|lost", help="Only these deals.")
    ] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Only deals in this stage.")] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="REP", help="Only this rep's (me = you; none = unowned)."),
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="Reps of this team, or under this manager.")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", metavar="ACCOUNT", help="Only this account's.")
    ] = None,
) -> None:
    """Export deals with all fields as CSV or JSON (re-importable by `deal import`).

    Example: salescli deal export --state won --output won.csv
    """
    from salescli.services.deals import export as deal_export

    def rows(conn: Any) -> Any:
        return deal_export.export(
            conn, state=status, stage=stage, owner=owner, team=team, account=account
        )

    io.run_export(ctx, rows, deal_export.EXPORT_COLUMNS, fmt, output, "deals")
