"""The `deal` group's Typer app and what its command modules share (options, columns,
small helpers). cli/deal.py adds the commands and gathers the cli/deal_*.py modules,
which import from here, never from cli/deal.py: no import circle."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from salescli.cli.common import (
    MAX_ID,
    id_parser,
    whole_number,
)
from salescli.render import Column

app = typer.Typer(
    no_args_is_help=True,
    help="Manage deals: add, list, move through the pipeline, win, lose, line items.",
)


class Category(str, enum.Enum):
    """The categories an open stage or deal can take (`closed` belongs to the won stage alone:
    services.stages.OPEN_CATEGORIES; a test ties the two)."""

    pipeline = "pipeline"
    best_case = "best_case"
    commit = "commit"
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


DealArg = Annotated[int, typer.Argument(metavar="ID", help="Deal id.", parser=id_parser())]
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
    int | None,
    typer.Option(
        "--probability",
        metavar="PCT",
        help="Override the stage's % (0-100).",
        parser=whole_number(-MAX_ID, MAX_ID),
    ),
]
CategoryOpt = Annotated[
    Category | None, typer.Option("--category", help="Override the stage's forecast category.")
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
LINE_COLUMNS = [
    Column("id", "line", "right"),
    Column("product", "product"),
    Column("quantity", "qty", "right"),
    Column("unit_price", "unit price", "right"),
    Column("discount", "discount %", "right"),
    Column("amount", "amount", "right"),
    Column("currency", "cur"),
]


def category_value(value: Category | None) -> str | None:
    return value.value if value is not None else None
