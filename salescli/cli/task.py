"""`salescli task ...`: to-dos with a due time, an owner and a related record."""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True,
    help="Tasks: what is due, what is overdue, what to do next; follow-up automation.",
)

# `task auto` and `task rules` register themselves on `app` (cli/task_auto.py).
import salescli.cli.task_auto  # noqa: E402, F401
