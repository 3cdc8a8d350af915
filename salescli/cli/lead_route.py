"""More `salescli lead` verbs (being written)."""

from __future__ import annotations

from salescli.cli.lead import app  # noqa: F401
