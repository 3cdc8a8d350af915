"""Reports: each a function over a Connection returning one dict (its JSON), built on the
shared vocabulary (services.scope for who and which deals, deals.queries.grouped_totals for
money). All aggregation happens in SQL that means the same on SQLite and PostgreSQL; Python
only converts currencies group by group and shapes the (small) result."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def fraction(part: Any, whole: Any) -> Decimal | None:
    """`part` ÷ `whole` as a report's rate: an exact quotient rounded once, to 4 places, by the
    forecast's and quotas' rule (`forecast.figures.rate`); None when `whole` is 0 or missing."""
    from salescli.services.forecast.figures import rate

    if part is None or not whole:
        return None
    return rate(Decimal(part) / Decimal(whole))
