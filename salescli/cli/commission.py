"""`salescli commission plan set|show`: the commission plan behind `report commission`."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, state
from salescli.render import Format

app = typer.Typer(
    no_args_is_help=True, help="The commission plan (see: salescli report commission)."
)
plan_app = typer.Typer(no_args_is_help=True, help="Set or show the commission plan.")
app.add_typer(plan_app, name="plan")


def _shown(settings: object) -> dict:
    from salescli.services.reports import commission

    terms = commission.plan(settings)  # type: ignore[arg-type]
    return {
        "new": terms["new"],
        "existing": terms["existing"],
        "accelerator": terms["accelerator"],
        "accelerator_above": terms["accelerator_above"],
    }


@plan_app.command("set")
def plan_set(
    ctx: typer.Context,
    new: Annotated[
        str | None, typer.Option("--new", metavar="RATE", help="Rate on new business (10%).")
    ] = None,
    existing: Annotated[
        str | None,
        typer.Option("--existing", metavar="RATE", help="Rate on existing customers (5%)."),
    ] = None,
    accelerator: Annotated[
        str | None,
        typer.Option(
            "--accelerator",
            metavar="MULTx-above-PCT%",
            help="Rate multiplier above an attainment (1.5x-above-100%; 1x for none).",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Set the commission plan: base rates by deal type and an optional accelerator.

    Example: salescli commission plan set --new 10% --existing 5% --accelerator 1.5x-above-100%
    """
    from salescli import render
    from salescli.errors import UsageError
    from salescli.services import config
    from salescli.services.reports import commission

    if new is None and existing is None and accelerator is None:
        raise UsageError("give --new, --existing or --accelerator (e.g. --new 10%)")
    st = state(ctx)
    with st.connection(write=True) as conn:
        if new is not None:
            config.set_value(conn, commission.NEW.key, new)
        if existing is not None:
            config.set_value(conn, commission.EXISTING.key, existing)
        if accelerator is not None:
            multiplier, threshold = commission.parse_accelerator(accelerator)
            config.set_value(conn, commission.ACCELERATOR.key, multiplier)
            config.set_value(conn, commission.ABOVE.key, threshold)
        settings = config.load(conn)
    render.changed({"id": None, **_shown(settings)}, fmt, note="commission plan set")


@plan_app.command("show")
def plan_show(ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """Show the commission plan.

    Example: salescli commission plan show --format json
    """
    from salescli import render

    st = state(ctx)
    render.write_record(_shown(st.settings), fmt, output=output)
