"""`salescli deal line`: line items of a deal (add, list, remove)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import MAX_ID, FormatOpt, OutputOpt, id_parser, state, whole_number
from salescli.cli.deal import LINE_COLUMNS, DealArg
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
) -> None:
    """Add a line item; the deal's amount becomes the sum of its lines. Prints the line id.

    Example: salescli deal line add 12 "GTX Pro" --qty 2 --discount 10%
    """
    from salescli import render
    from salescli.services import deal_lines, deals

    st = state(ctx)
    with st.session() as session:
        line = deal_lines.add_line(
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
    from salescli.services import deal_lines, deals

    st = state(ctx)
    with st.session(write=False) as session:
        rows = deal_lines.list_lines(session, deals.get(session, deal_id).id)  # type: ignore[arg-type]
    render.write_rows(rows, fmt, columns=LINE_COLUMNS, output=output, tz=st.tz)


@line_app.command("remove")
def line_remove(
    ctx: typer.Context,
    deal_id: DealArg,
    line_id: Annotated[
        int,
        typer.Argument(metavar="LINE_ID", help="Line id (deal line list).", parser=id_parser()),
    ],
) -> None:
    """Remove a line item; the deal's amount is recomputed (unknown when no lines remain).

    Example: salescli deal line remove 12 3
    """
    from salescli import render
    from salescli.services import deal_lines

    st = state(ctx)
    with st.session() as session:
        left = deal_lines.remove_line(session, deal_id, line_id, st.now)
    if left:
        render.message(f"line {line_id} removed from deal {deal_id}")
    else:
        render.message(
            f"line {line_id} removed; deal {deal_id} has no lines left, so its amount is unknown "
            f"(set one: salescli deal edit {deal_id} --amount 12000)"
        )
