"""`salescli config`: settings stored in the database."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, state
from salescli.render import Column, Format

app = typer.Typer(
    no_args_is_help=True, help="Read and change settings (me, currency, timezone...)."
)
COLUMNS = [
    Column("key", "key"),
    Column("value", "value"),
    Column("default", "default"),
    Column("help", "help"),
]


@app.command("get")
def config_get(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting name, e.g. currency.")],
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Print one setting's value.

    Example: salescli config get currency
    """
    from salescli import render
    from salescli.services import config

    with state(ctx).connection() as conn:
        row = config.get(conn, key)
    if fmt == Format.table and output is None:
        render.print_id(row["value"] if row["value"] is not None else "")
        return
    render.write_record(row, fmt, output=output)


@app.command("set", context_settings={"ignore_unknown_options": True})
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting name.")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Change a setting.

    Example: salescli config set fiscal_year_start_month 4
    """
    from salescli import render
    from salescli.services import config

    with state(ctx).connection(write=True) as conn:
        row = config.set_value(conn, key, value)
    render.message(f"{row['key']} = {row['value']}")


@app.command("unset")
def config_unset(
    ctx: typer.Context, key: Annotated[str, typer.Argument(help="Setting name.")]
) -> None:
    """Return a setting to its default.

    Example: salescli config unset timezone
    """
    from salescli import render
    from salescli.services import config

    with state(ctx).connection(write=True) as conn:
        row = config.unset(conn, key)
    render.message(f"{row['key']} = {row['value']} (default)")


@app.command("list")
def config_list(
    ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """List every setting with its value and whether it is the default.

    Example: salescli config list --format json
    """
    from salescli import render
    from salescli.services import config

    with state(ctx).connection() as conn:
        rows = config.list_all(conn)
    render.write_rows(rows, fmt, columns=COLUMNS, output=output)
