"""`salescli product`: the price list used by deal line items."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, state
from salescli.errors import UsageError
from salescli.render import Column, Format

app = typer.Typer(no_args_is_help=True, help="Manage products: the price list for deal line items.")

ProductArg = Annotated[str, typer.Argument(metavar="PRODUCT", help="Product id or name.")]
SeriesOpt = Annotated[str | None, typer.Option("--series", help="Product family, e.g. GTX.")]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", help="ISO code (default: config currency).")
]
COLUMNS = [
    Column("id", "id", "right"),
    Column("name", "name"),
    Column("series", "series"),
    Column("price", "price", "right"),
    Column("currency", "cur"),
    Column("active", "active"),
    Column("deals", "deals", "right"),
]


@app.command("add")
def product_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Product name (unique, ignoring case and accents).")],
    price: Annotated[str, typer.Option("--price", help="Unit price, exact: 4821 or 1,095.50.")],
    currency: CurrencyOpt = None,
    series: SeriesOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a product and print its id (with --format json, the record).

    Example: salescli product add "GTX Pro" --price 4821 --series GTX
    """
    from salescli import render
    from salescli.services.products import records as products

    st = state(ctx)
    with st.connection(write=True) as conn:
        product_id = products.add(
            conn, name, price=price, currency=currency, series=series, now=st.now,
            settings=st.settings,
        )  # fmt: skip
        record = products.record(conn, product_id)
    render.changed(record, fmt, created=True, tz=st.tz)


@app.command("list")
def product_list(
    ctx: typer.Context,
    active_only: Annotated[bool, typer.Option("--active", help="Active products only.")] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List products with their price and how many deals use them.

    Example: salescli product list --format csv
    """
    from salescli import render
    from salescli.services.products import records as products

    st = state(ctx)
    with st.connection() as conn:
        rows = products.list_products(conn, include_inactive=not active_only)
    render.write_rows(rows, fmt, columns=COLUMNS, output=output, tz=st.tz)


@app.command("show")
def product_show(
    ctx: typer.Context, product: ProductArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show one product.

    Example: salescli product show "GTX Pro" --format json
    """
    from salescli import render
    from salescli.services.products import records as products

    st = state(ctx)
    with st.connection() as conn:
        record = products.show(conn, product)
    render.write_record(record, fmt, output=output, tz=st.tz)


@app.command("edit")
def product_edit(
    ctx: typer.Context,
    product: ProductArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    price: Annotated[str | None, typer.Option("--price", help="New unit price.")] = None,
    currency: CurrencyOpt = None,
    series: SeriesOpt = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Offer it, or retire it.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a product; deal lines already added keep their price.

    Example: salescli product edit "GTX Pro" --price 4999
    """
    from salescli import render
    from salescli.services.products import records as products

    if all(v is None for v in (name, price, currency, series, active)):
        raise UsageError(
            "nothing to change: give --name, --price, --currency, --series or --active"
        )
    st = state(ctx)
    with st.connection(write=True) as conn:
        product_id = products.edit(
            conn, product, name=name, price=price, currency=currency, series=series,
            active=active,
        )  # fmt: skip
        record = products.record(conn, product_id)
    note = f"product {record['id']} '{record['name']}': {record['price']:,} {record['currency']}"
    render.changed(record, fmt, note=note, tz=st.tz)


# ---- import / export (bulk CSV through salescli/services/csv/engine.py) ---------------------------

from salescli.cli import importing as io  # noqa: E402

io.register_import(
    app,
    "salescli.services.products.io:ENTITY",
    help="""Import products from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: name (required), price (required), currency, series, active, external_id.
    Products have no owner: --owner is refused.

    Example: salescli product import products.csv --map sales_price=price
    """,
)


@app.command("export")
def product_export(
    ctx: typer.Context,
    fmt: io.ExportFormatOpt = io.ExportFormat.csv,
    output: io.ExportOutputOpt = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Only active / inactive products.")
    ] = None,
) -> None:
    """Export products as CSV or JSON (re-importable by `product import`).

    Example: salescli product export --output products.csv
    """
    from salescli.services.products import io as product_io

    io.run_export(
        ctx,
        lambda conn: product_io.export(conn, active=active),
        product_io.EXPORT_COLUMNS,
        fmt,
        output,
        "products",
    )
