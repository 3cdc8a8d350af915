"""`salescli deal`: deals, their pipeline stages, stage history and line items."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer

from salescli.cli.common import FormatOpt, OutputOpt, YesOpt, confirm, state
from salescli.errors import UsageError
from salescli.render import Column, Format

app = typer.Typer(
    no_args_is_help=True,
    help="Manage deals: add, list, move through the pipeline, win, lose, line items.",
)
stages_app = typer.Typer(
    invoke_without_command=True,
    help="List the pipeline stages, or add, edit, remove and reorder them.",
)
line_app = typer.Typer(no_args_is_help=True, help="Line items of a deal (product × quantity).")
app.add_typer(stages_app, name="stages")
app.add_typer(line_app, name="line")


class Category(str, enum.Enum):
    pipeline = "pipeline"
    best_case = "best_case"
    commit = "commit"
    closed = "closed"
    omitted = "omitted"


class DealType(str, enum.Enum):
    new = "new"
    existing = "existing"


class Sort(str, enum.Enum):
    close = "close"
    amount = "amount"
    created = "created"
    stage = "stage"
    probability = "probability"


DealArg = Annotated[int, typer.Argument(metavar="ID", help="Deal id.")]
AmountOpt = Annotated[
    str | None, typer.Option("--amount", help="Amount, exact: 12000 or 12,000.50 (no 1.5k).")
]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", help="ISO code, e.g. EUR (default: config currency).")
]
AccountOpt = Annotated[
    str | None,
    typer.Option(
        "--account", metavar="ACCOUNT", help="Account id or name (a new name creates it)."
    ),
]
ContactOpt = Annotated[
    str | None, typer.Option("--contact", metavar="CONTACT", help="Contact id or name.")
]
OwnerOpt = Annotated[
    str | None, typer.Option("--owner", metavar="REP", help="Owner: rep id or name (default me).")
]
CloseOpt = Annotated[
    str | None,
    typer.Option("--close", metavar="DATE", help="Expected close: fri, +2w, 2026-12-15."),
]
SourceOpt = Annotated[str | None, typer.Option("--source", help="Lead source, e.g. referral.")]
TypeOpt = Annotated[
    DealType | None, typer.Option("--type", help="new business or existing customer.")
]
ProbabilityOpt = Annotated[
    int | None, typer.Option("--probability", metavar="PCT", help="Override the stage's % (0-100).")
]
CategoryOpt = Annotated[
    Category | None, typer.Option("--category", help="Override the stage's forecast category.")
]
OnOpt = Annotated[
    str | None, typer.Option("--on", metavar="DATE", help="Close date (default today).")
]

COLUMNS = [
    Column("id", "id", "right"),
    Column("title", "title"),
    Column("account", "account"),
    Column("owner", "owner"),
    Column("stage", "stage"),
    Column("probability", "%", "right"),
    Column("amount", "amount", "right"),
    Column("currency", "cur"),
    Column("close_date", "close"),
]
HISTORY_COLUMNS = [
    Column("from", "from"),
    Column("to", "to"),
    Column("changed_at", "changed at"),
    Column("changed_by", "by"),
    Column("probability", "%", "right"),
    Column("days_in_stage", "days", "right"),
]
ACTIVITY_COLUMNS = [
    Column("at", "at"),
    Column("kind", "kind"),
    Column("rep", "rep"),
    Column("outcome", "outcome"),
    Column("text", "text"),
]
TASK_COLUMNS = [
    Column("id", "id", "right"),
    Column("title", "title"),
    Column("due_at", "due"),
    Column("owner", "owner"),
    Column("priority", "priority"),
    Column("done", "done"),
]
LINE_COLUMNS = [
    Column("id", "line", "right"),
    Column("product", "product"),
    Column("quantity", "qty", "right"),
    Column("unit_price", "unit price", "right"),
    Column("discount", "discount %", "right"),
    Column("amount", "amount", "right"),
    Column("currency", "cur"),
]
STAGE_COLUMNS = [
    Column("position", "#", "right"),
    Column("name", "stage"),
    Column("probability", "%", "right"),
    Column("forecast_category", "category"),
    Column("stale_days", "stale days", "right"),
    Column("kind", "kind"),
    Column("open_deals", "open deals", "right"),
]
STALE_COLUMNS = [
    Column("id", "id", "right"),
    Column("title", "title"),
    Column("owner", "owner"),
    Column("stage", "stage"),
    Column("idle_days", "idle days", "right"),
    Column("stale_after", "stale after", "right"),
]


def _cat(value: Category | None) -> str | None:
    return value.value if value is not None else None


def _print_deal(st: Any, session: Any, deal: Any, fmt: Format, note: str) -> None:
    """After a change: a message on stderr; with --format, the record on stdout."""
    from salescli import render
    from salescli.services import deals

    record = deals.record(session, deal)
    render.message(note)
    if fmt != Format.table:
        render.write_record(record, fmt, tz=st.tz)


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
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        code = money.check_currency(currency or st.settings.currency)
        value = money.parse_amount(amount, code) if amount is not None else None
        account_id, created = (
            deals.account_for(session, account, st.now) if account else (None, False)
        )
        deal = deals.create(
            session, title=title, amount=value, currency=code, account_id=account_id,
            contact_id=deals.contact_for(session, contact, account_id) if contact else None,
            owner_id=deals.owner_for(session, owner, st.settings) if owner else None,
            stage=stage, close_date=st.day(close, field="close"), source=source,
            deal_type=deal_type.value if deal_type else None, lead_id=None,
            probability=probability, forecast_category=_cat(category),
            now=st.now, actor=None, settings=st.settings,
        )  # fmt: skip
        record = deals.record(session, deal)
    if created:
        render.message(f"account '{record['account']}' did not exist: created it (id {account_id})")
    if fmt == Format.table:
        render.print_id(record["id"])
    else:
        render.write_record(record, fmt, tz=st.tz)


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
    limit: Annotated[int, typer.Option("--limit", help="At most N deals (0 = all).")] = 100,
    show_sum: Annotated[
        bool, typer.Option("--sum", help="Totals in the reporting currency on stderr.")
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List deals with filters; --sum adds totals in the reporting currency.

    Example: salescli deal list --open --owner me --closing this-quarter --sort amount
    """
    from salescli import render
    from salescli.services import deals

    if open_ + won + lost > 1:
        raise UsageError("--open, --won and --lost exclude each other (give one)")
    st = state(ctx)
    with st.connection() as conn:
        period = st.period(closing) if closing else None
        filters = deals.Filters(
            stage=stage, owner=owner, team=team, account=account, search=search,
            state="open" if open_ else "won" if won else "lost" if lost else None,
            closing=(period.start, period.end) if period else None,
        )  # fmt: skip
        rows, more = deals.list_deals(conn, filters, st.settings, sort=sort.value, limit=limit)
        total = deals.totals(conn, filters, st.settings) if show_sum else None
    render.write_rows(rows, fmt, columns=COLUMNS, output=output, tz=st.tz)
    if more:
        render.message(f"(showing the first {limit} deals: --limit 0 shows all)")
    if total is not None:
        render.message(_sum_line(total))


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
    """Show a deal with its stage history, activities, tasks and line items.

    Example: salescli deal show 12 --format json
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session(write=False) as session:
        result = deals.show(session, deal_id, st.now)
    sections = {
        "stage_history": (result["stage_history"], HISTORY_COLUMNS),
        "activities": (result["activities"], ACTIVITY_COLUMNS),
        "tasks": (result["tasks"], TASK_COLUMNS),
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
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        changes: dict[str, Any] = {
            key: value
            for key, value in {
                "title": title, "amount": amount, "currency": currency, "source": source,
                "close_date": st.day(close, field="close"),
                "deal_type": deal_type.value if deal_type else None,
                "probability": probability, "forecast_category": _cat(category),
                "owner_id": deals.owner_for(session, owner, st.settings) if owner else None,
            }.items()
            if value is not None
        }  # fmt: skip
        if account is not None:
            changes["account_id"], created = deals.account_for(session, account, st.now)
            if created:
                changes["_note"] = f"account '{account.strip()}' did not exist: created it"
        if contact is not None:
            changes["contact_id"] = deals.contact_for(session, contact)
        if not changes:
            raise UsageError("nothing to change: give at least one option (e.g. --amount 15000)")
        note = changes.pop("_note", None)
        deal = deals.edit(session, deal_id, now=st.now, changes=changes)
        _print_deal(st, session, deal, fmt, f"deal {deal.id} updated")
    if note:
        render.message(note)


@app.command("move")
def deal_move(
    ctx: typer.Context,
    deal_id: DealArg,
    stage: Annotated[str, typer.Argument(help="Open stage to move to.")],
    probability: ProbabilityOpt = None,
    category: CategoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Move an open deal to another open stage (its defaults apply unless overridden).

    Example: salescli deal move 12 negotiation --probability 80
    """
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        before = deals.record(session, deals.get(session, deal_id))["stage"]
        deal = deals.move(
            session, deal_id, stage, probability=probability, category=_cat(category),
            now=st.now, actor=None, settings=st.settings,
        )  # fmt: skip
        after = deals.record(session, deal)
        note = f"deal {deal.id}: {before} → {after['stage']} ({deal.probability}%, {deal.forecast_category})"
        _print_deal(st, session, deal, fmt, note)


@app.command("win")
def deal_win(
    ctx: typer.Context, deal_id: DealArg, on: OnOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Mark an open deal won; its close date becomes --on (default today).

    Example: salescli deal win 12 --on yesterday
    """
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        day = st.day(on, field="on") or st.today
        deal = deals.win(session, deal_id, on=day, now=st.now, actor=None, settings=st.settings)
        _print_deal(st, session, deal, fmt, f"deal {deal.id} won on {day.isoformat()}")


@app.command("lose")
def deal_lose(
    ctx: typer.Context,
    deal_id: DealArg,
    reason: Annotated[
        str, typer.Option("--reason", help="A lost reason (salescli lost-reason list).")
    ],
    note: Annotated[str | None, typer.Option("--note", help="Free text about the loss.")] = None,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Mark an open deal lost, with a reason from the lost-reason list.

    Example: salescli deal lose 12 --reason price --note "went with a cheaper tool"
    """
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        day = st.day(on, field="on") or st.today
        deal = deals.lose(
            session, deal_id, reason=reason, note=note, on=day, now=st.now, actor=None,
            settings=st.settings,
        )  # fmt: skip
        _print_deal(st, session, deal, fmt, f"deal {deal.id} lost on {day.isoformat()} ({reason})")


@app.command("reopen")
def deal_reopen(
    ctx: typer.Context,
    deal_id: DealArg,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Open stage (default: the one before closing).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Reopen a won or lost deal in the stage it was in before closing (or --stage).

    Example: salescli deal reopen 12 --stage proposal
    """
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        deal = deals.reopen(
            session, deal_id, stage=stage, now=st.now, actor=None, settings=st.settings
        )
        record = deals.record(session, deal)
        _print_deal(st, session, deal, fmt, f"deal {deal.id} reopened in {record['stage']}")


@app.command("delete")
def deal_delete(ctx: typer.Context, deal_id: DealArg, yes: YesOpt = False) -> None:
    """Delete a deal with its stage history, line items, activities and tasks.

    Example: salescli deal delete 12 --yes
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session(write=False) as session:
        info = deals.dependents(session, deal_id)
    confirm(
        f"Delete deal {info['id']} '{info['title']}' with {info['stage_changes']} stage changes, "
        f"{info['lines']} lines, {info['activities']} activities and {info['tasks']} tasks?",
        yes,
    )
    with st.session() as session:
        deals.delete(session, deal_id)
    render.message(f"deal {info['id']} deleted")


@app.command("history")
def deal_history(
    ctx: typer.Context, deal_id: DealArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show every stage change of a deal: when, by whom, probability, days in the stage.

    Example: salescli deal history 12
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session(write=False) as session:
        rows = deals.history(session, deal_id, st.now)
    render.write_rows(rows, fmt, columns=HISTORY_COLUMNS, output=output, tz=st.tz)


@app.command("stale")
def deal_stale(
    ctx: typer.Context,
    days: Annotated[
        int | None, typer.Option("--days", help="Idle days (default: each stage's stale days).")
    ] = None,
    owner: OwnerOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List open deals with no stage change or activity for their stage's stale days, oldest first.

    Example: salescli deal stale --days 30 --owner me
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session(write=False) as session:
        owner_id = deals.owner_for(session, owner, st.settings) if owner else None
        rows = deals.stale(session, now=st.now, days=days, owner_id=owner_id)
    render.write_rows(rows, fmt, columns=STALE_COLUMNS, output=output, tz=st.tz)


# ---- stages ----------------------------------------------------------------------------------


@stages_app.callback()
def stages_list(
    ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """List the pipeline stages with their defaults and open deal counts.

    Example: salescli deal stages --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from salescli import render
    from salescli.services import stages

    st = state(ctx)
    with st.session(write=False) as session:
        rows = stages.list_stages(session)
    render.write_rows(rows, fmt, columns=STAGE_COLUMNS, output=output, tz=st.tz)


@stages_app.command("add")
def stages_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name.")],
    probability: Annotated[
        int, typer.Option("--probability", metavar="PCT", help="Default % (0-100).")
    ],
    category: Annotated[Category, typer.Option("--category", help="Default forecast category.")],
    stale_days: Annotated[
        int, typer.Option("--stale-days", help="Idle days before a deal is stale.")
    ] = 14,
    after: Annotated[
        str | None,
        typer.Option(
            "--after", metavar="STAGE", help="Place after this open stage (default: last open)."
        ),
    ] = None,
) -> None:
    """Add an open stage to the pipeline.

    Example: salescli deal stages add demo --probability 30 --category pipeline --after qualification
    """
    from salescli import render
    from salescli.services import stages

    with state(ctx).session() as session:
        stage = stages.add(
            session, name, probability=probability, category=category.value,
            stale_days=stale_days, after=after,
        )  # fmt: skip
        render.message(f"stage '{stage.name}' added at position {stage.position}")


@stages_app.command("edit")
def stages_edit(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name.")],
    new_name: Annotated[str | None, typer.Option("--name", help="Rename the stage.")] = None,
    probability: Annotated[
        int | None,
        typer.Option("--probability", metavar="PCT", help="New default % (later moves only)."),
    ] = None,
    category: CategoryOpt = None,
    stale_days: Annotated[
        int | None, typer.Option("--stale-days", help="Idle days before stale.")
    ] = None,
) -> None:
    """Change a stage's name or defaults; deals already in it keep their probability.

    Example: salescli deal stages edit proposal --probability 40
    """
    from salescli import render
    from salescli.services import stages

    if new_name is None and probability is None and category is None and stale_days is None:
        raise UsageError(
            "nothing to change: give --name, --probability, --category or --stale-days"
        )
    with state(ctx).session() as session:
        stage = stages.edit(
            session, name, new_name=new_name, probability=probability,
            category=_cat(category), stale_days=stale_days,
        )  # fmt: skip
        render.message(
            f"stage '{stage.name}': {stage.probability}%, {stage.forecast_category}, "
            f"stale after {stage.stale_days} days"
        )


@stages_app.command("remove")
def stages_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Stage name.")]
) -> None:
    """Remove an open stage that no deal is in or has been in.

    Example: salescli deal stages remove demo
    """
    from salescli import render
    from salescli.services import stages

    with state(ctx).session() as session:
        stage = stages.remove(session, name)
    render.message(f"stage '{stage.name}' removed")


@stages_app.command("move")
def stages_move(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Stage name.")],
    after: Annotated[
        str | None, typer.Option("--after", metavar="STAGE", help="Place after this open stage.")
    ] = None,
    first: Annotated[bool, typer.Option("--first", help="Make it the first stage.")] = False,
) -> None:
    """Reorder an open stage: --after another open stage, or --first.

    Example: salescli deal stages move demo --after proposal
    """
    from salescli import render
    from salescli.services import stages

    if first == (after is not None):
        raise UsageError("give exactly one of --after STAGE or --first")
    with state(ctx).session() as session:
        stage = stages.move(session, name, after=after, first=first)
        render.message(f"stage '{stage.name}' is now at position {stage.position}")


# ---- line items --------------------------------------------------------------------------------


@line_app.command("add")
def line_add(
    ctx: typer.Context,
    deal_id: DealArg,
    product: Annotated[str, typer.Argument(help="Product id or name.")],
    qty: Annotated[int, typer.Option("--qty", help="Quantity (whole number).")] = 1,
    price: Annotated[
        str | None, typer.Option("--price", help="Unit price (default: the product's).")
    ] = None,
    discount: Annotated[
        str | None, typer.Option("--discount", help="Discount, e.g. 10% or 12.5%.")
    ] = None,
) -> None:
    """Add a line item; the deal's amount becomes the sum of its lines. Prints the line id.

    Example: salescli deal line add 12 "GTX Pro" --qty 2 --discount 10%
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        line = deals.add_line(
            session, deal_id, product, quantity=qty, price=price, discount=discount, now=st.now
        )
        total = deals.record(session, deals.get(session, deal_id))
    render.print_id(line.id)  # type: ignore[arg-type]
    render.message(f"deal {deal_id} amount is now {total['amount']:,} {total['currency']}")


@line_app.command("list")
def line_list(
    ctx: typer.Context, deal_id: DealArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """List a deal's line items.

    Example: salescli deal line list 12 --format json
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session(write=False) as session:
        rows = deals.list_lines(session, deals.get(session, deal_id).id)  # type: ignore[arg-type]
    render.write_rows(rows, fmt, columns=LINE_COLUMNS, output=output, tz=st.tz)


@line_app.command("remove")
def line_remove(
    ctx: typer.Context,
    deal_id: DealArg,
    line_id: Annotated[int, typer.Argument(metavar="LINE_ID", help="Line id (deal line list).")],
) -> None:
    """Remove a line item; the deal's amount is recomputed (unknown when no lines remain).

    Example: salescli deal line remove 12 3
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session() as session:
        left = deals.remove_line(session, deal_id, line_id, st.now)
    if left:
        render.message(f"line {line_id} removed from deal {deal_id}")
    else:
        render.message(
            f"line {line_id} removed; deal {deal_id} has no lines left, so its amount is unknown "
            f"(set one: salescli deal edit {deal_id} --amount 12000)"
        )


# ---- import / export (bulk CSV through salescli/services/csvio.py) ---------------------------

from salescli.cli import importing as io  # noqa: E402


@app.command("import")
def deal_import(
    ctx: typer.Context,
    file: io.FileArg,
    map_: io.MapOpt = None,
    map_value: io.MapValueOpt = None,
    null_value: io.NullValueOpt = None,
    date_format: io.DateFormatOpt = None,
    decimal_comma: io.DecimalCommaOpt = False,
    delimiter: io.DelimiterOpt = None,
    encoding: io.EncodingOpt = None,
    skip_invalid: io.SkipInvalidOpt = False,
    reject_file: io.RejectFileOpt = None,
    dry_run: io.DryRunOpt = False,
    again: io.AgainOpt = False,
    owner: io.OwnerOpt = None,
) -> None:
    """Import deals from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: title, amount, currency, account (created when new), contact, owner, stage,
    product, close_date, created_at, source, type, probability, forecast_category,
    external_id, lost_reason, lost_note. Closed deals get their stage history.

    Example: salescli deal import deals.csv --map-value stage:Engaging=qualification
    """
    from salescli.services.deal_io import entity

    report: dict = {}
    try:
        io.run_import(
            ctx, entity(report), file, map_=map_, map_value=map_value, null_value=null_value,
            date_format=date_format, decimal_comma=decimal_comma, delimiter=delimiter,
            encoding=encoding, skip_invalid=skip_invalid, reject_file=reject_file,
            dry_run=dry_run, again=again, owner=owner,
        )  # fmt: skip
    except typer.Exit:  # rows rejected with --skip-invalid: the good ones were imported
        _accounts_note(report)
        raise
    _accounts_note(report)


def _accounts_note(report: dict) -> None:
    """Name the accounts an import created (or would create, on a dry run)."""
    from salescli import render
    from salescli.services.account_io import accounts_message

    if text := accounts_message(report):
        render.message(text)


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
        str | None, typer.Option("--owner", metavar="REP", help="Only this rep's; none = unowned.")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", metavar="ACCOUNT", help="Only this account's.")
    ] = None,
) -> None:
    """Export deals with all fields as CSV or JSON (re-importable by `deal import`).

    Example: salescli deal export --state won --output won.csv
    """
    from salescli import render
    from salescli.services import csvio, deal_io

    st = state(ctx)
    with st.connection() as conn:
        rows = deal_io.export(conn, state=status, stage=stage, owner=owner, account=account)
        count = csvio.export_rows(rows, deal_io.EXPORT_COLUMNS, fmt.value, output=output, tz=st.tz)
    if output:
        render.message(f"Exported {count} deals to {output}.")
