"""`salescli lead convert`: a lead becomes an account, a contact and a deal."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, state
from salescli.cli.lead_base import app
from salescli.errors import UsageError
from salescli.render import Format


@app.command("convert")
def lead_convert(
    ctx: typer.Context,
    lead: Annotated[str, typer.Argument(metavar="ID", help="Lead id.")],
    amount: Annotated[str | None, typer.Option("--amount", help="Deal amount, e.g. 12000.")] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Deal currency (default: config currency).")
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Open stage (default: first).")
    ] = None,
    close: Annotated[
        str | None, typer.Option("--close", metavar="DATE", help="Expected close, e.g. +30d.")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Deal title (default: 'Company – Lead name').")
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", metavar="NAME", help="Account (default: the lead's company)."),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", metavar="REP", help="Owner: rep id, name or me (default: lead's, or me)."
        ),
    ] = None,
    no_deal: Annotated[
        bool, typer.Option("--no-deal", help="Create the account and contact only.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Convert a lead: reuse or create its account, create the contact and the deal.

    Example: salescli lead convert 7 --amount 24000 --stage qualification --close +30d
    """
    from salescli import render
    from salescli.money import amount_currency, parse_amount
    from salescli.services.leads import convert as conversion

    st = state(ctx)
    deal_opts = dict(amount=amount, currency=currency, stage=stage, close=close, title=title)
    named = ", ".join(f"--{k}" for k, v in deal_opts.items() if v is not None)
    if no_deal and named:
        raise UsageError(f"{named} describe the deal: drop them or --no-deal")
    code = amount_currency(amount, currency, st.settings.currency)
    value = parse_amount(amount, code) if amount is not None else None
    close_date = st.day(close, field="--close")
    with st.connection(write=True) as conn:
        result = conversion.convert(
            conn,
            conversion.get_lead(conn, lead),
            now=st.now,
            settings=st.settings,
            account=account,
            owner=owner,
            amount=value,
            currency=code,
            stage=stage,
            close_date=close_date,
            title=title,
            with_deal=not no_deal,
        )
    made = [f"account {result['account_id']}"]
    if result["account_created"]:
        made[0] += " (new)"
    made.append(f"contact {result['contact_id']}")
    if result["deal_id"] is not None:
        made.append(f"deal {result['deal_id']}")
    note = f"lead {result['lead_id']} converted: {', '.join(made)}"
    render.changed(result, fmt, note=note, tz=st.tz)
