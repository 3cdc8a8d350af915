"""`salescli quota ...`: targets per rep or team, period and metric, and progress against them."""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True,
    help="Quotas: targets per rep or team and period, and progress against them.",
)
