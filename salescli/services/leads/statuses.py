"""The lead status vocabulary, in one place (standard library only: `lead import` uses it)."""

from __future__ import annotations

STATUSES = ("new", "contacted", "qualified", "unqualified", "nurturing", "converted", "lost")
# No longer worked: routing skips them and they do not count towards a rep's open leads.
CLOSED_STATUSES = ("converted", "lost", "unqualified")
# Statuses whose reason is kept (disqualify --reason, lose --reason).
REASON_STATUSES = ("unqualified", "lost")
# Statuses that need their reason, in every path (add, edit, disqualify, import).
REASON_REQUIRED = ("unqualified",)
