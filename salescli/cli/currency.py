"""`salescli currency`: conversion rates to the reporting currency."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, state
from salescli.render import Column, Format

app = typer.Typer(no_args_is_help=True, help="Conversion rates to the reporting currency.")
rate_app = typer.Typer(no_args_is_help=True, help="Set and list conversion rates.")
app.add_typer(rate_app, name="rate")
COLUMNS = [
    Column("currency", "currency"),
    Column("valid_on", "valid from"),
    Column("rate", "rate", "right"),
    Column("reporting_currency", "in"),
]


@rate_app.command("set")
def rate_set(
    ctx: typer.Context,
    currency: Annotated[str, typer.Argument(help="ISO code, e.g. EUR.")],
    rate: Annotated[
        str, typer.Argument(help="Value of 1 unit in the reporting currency, e.g. 1.08.")
    ],
    on: Annotated[
        str | None, typer.Option("--on", metavar="DATE", help="Valid from (default today).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record the value of one unit of CURRENCY in the reporting currency from a day on.

    Example: salescli currency rate set EUR 1.08 --on 2026-11-01
    """
    from salescli import render
    from salescli.services import currency as service

    st = state(ctx)
    day = st.day(on, field="--on") or st.today
    with st.connection(write=True) as conn:
        result = service.set_rate(conn, currency, rate, day, st.settings.currency)
    verb = "replaced" if result.pop("replaced") else "set"
    note = (
        f"rate {verb}: 1 {result['currency']} = {result['rate']} "
        f"{result['reporting_currency']} from {day.isoformat()}"
    )
    render.changed(result, fmt, note=note, tz=st.tz)


@rate_app.command("list")
def rate_list(
    ctx: typer.Context,
    currency: Annotated[str | None, typer.Option("--currency", help="Only this currency.")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List conversion rates, newest first within each currency.

    Example: salescli currency rate list --currency EUR
    """
    from salescli import render
    from salescli.services import currency as service

    st = state(ctx)
    with st.connection() as conn:
        rows = service.list_rates(conn, st.settings.currency, currency)
    render.write_rows(rows, fmt, columns=COLUMNS, output=output, tz=st.tz)
