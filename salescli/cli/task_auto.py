"""`salescli task auto` and `salescli task rules`: follow-up automation."""

from __future__ import annotations

from salescli.cli.task import app  # noqa: F401
