"""`salescli forecast ...`: will we make the number? Forecast per rep with team roll-ups."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Forecast: closed, commit, best case and pipeline per rep with team roll-ups.",
)
