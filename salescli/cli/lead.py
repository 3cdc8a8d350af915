"""`salescli lead`: the lead commands. Further lead verbs live in lead_*.py modules that
add commands to this same app (imported at the bottom)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Capture, qualify, score, route and convert leads.")

# Further lead verbs register themselves on `app` (keep at the bottom: they import `app`).
from salescli.cli import lead_convert, lead_io, lead_route  # noqa: E402, F401
