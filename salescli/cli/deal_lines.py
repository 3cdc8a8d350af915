"""`salescli deal line`: line items of a deal (add, list, remove)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import MAX_ID, FormatOpt, OutputOpt, id_parser, state, whole_number
from salescli.cli.deal_base import LINE_COLUMNS, DealArg
from salescli.render import Format

line_app = typer.Typer(no_args_is_help=True, help="Line items of a deal (product × quantity).")


@line_app.command("add")
def line_add(
    ctx: typer.Context,
    deal_id: DealArg,
    product: Annotated[str, typer.Argument(help="Product id or name.")],
    qty: Annotated[
        int,
        typer.Option(
            "--qty",
            help="Quantity (whole number).",
            parser=whole_number(-MAX_ID, MAX_ID),
        ),
    ] = 1,
    price: Annotated[
        str | None, typer.Option("--price", help="Unit price (default: the product's).")
    ] = None,
    discount: Annotated[
        str | None, typer.Option("--discount", help="Discount, e.g. 10% or 12.5%.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a line item; the deal's amount becomes the sum of its lines. Prints the line id.

    Example: salescli deal line add 12 "GTX Pro" --qty 2 --discount 10%
    """
    from salescli import render
    from salescli.services.deals import lines as deal_lines
    from salescli.services.deals import records as deals

    st = state(ctx)
    with st.connection(write=True) as conn:
        line = deal_lines.add_line(
            conn, deal_id, product, quantity=qty, price=price, discount=discount, now=st.now
        )
        total = deals.record(conn, deal_id)
    note = f"deal {deal_id} amount is now {total['amount']:,} {total['currency']}"
    render.changed(line, fmt, created=True, note=note, tz=st.tz)


@line_app.command("list")
def line_list(
    ctx: typer.Context, deal_id: DealArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """List a deal's line items.

    Example: salescli deal line list 12 --format json
    """
    from salescli import render
    from salescli.services.deals import lines as deal_lines
    from salescli.services.deals import records as deals

    st = state(ctx)
    with st.connection() as conn:
        rows = deal_lines.list_lines(conn, deals.get(conn, deal_id).id)
    render.write_rows(rows, fmt, columns=LINE_COLUMNS, output=output, tz=st.tz)


@line_app.command("remove")
def line_remove(
    ctx: typer.Context,
    deal_id: DealArg,
    line_id: Annotated[
        int,
        typer.Argument(metavar="LINE_ID", help="Line id (deal line list).", parser=id_parser()),
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Remove a line item; the deal's amount is recomputed (unknown when no lines remain).

    Example: salescli deal line remove 12 3
    """
    from salescli import render
    from salescli.services.deals import lines as deal_lines
    from salescli.services.deals import records as deals

    st = state(ctx)
    with st.connection(write=True) as conn:
        left = deal_lines.remove_line(conn, deal_id, line_id, st.now)
        record = deals.record(conn, deal_id)
    if left:
        note = f"line {line_id} removed from deal {deal_id}"
    else:
        note = (
            f"line {line_id} removed; deal {deal_id} has no lines left, so its amount is unknown "
            f"(set one: salescli deal edit {deal_id} --amount 12000)"
        )
    render.changed(record, fmt, note=note, tz=st.tz)
