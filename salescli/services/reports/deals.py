"""`report pipeline` and `report lost`: the open pipeline by stage and owner, and the lost
deals by reason, by the stage they were lost at and by rep. Money through
`deals.queries.grouped_totals` (the one aggregation: currencies converted, unknown amounts
counted and not summed)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings


def _rename(groups: list[dict[str, Any]], **names: str) -> list[dict[str, Any]]:
    """Group keys named after the report's dimensions (`owner` → `rep`, `lost_at` → `stage`)."""
    renamed = []
    for group in groups:
        row = {}
        for key, value in group.items():
            if key in names:
                row[names[key]] = value
            elif key.removesuffix("_id") in names:
                row[names[key.removesuffix("_id")] + "_id"] = value
            else:
                row[key] = value
        renamed.append(row)
    return renamed


def _period(period: Period | None) -> dict[str, Any]:
    if period is None:
        return {"period": None, "from": None, "to": None}
    return {"period": period.label, "from": period.start, "to": period.last}


def pipeline(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    period: Period | None = None,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """Open deals (expected to close in `period` when given) by stage × owner and by stage:
    count, amount, weighted (amount × probability), unknown amounts counted."""
    from salescli.services.deals.queries import grouped_totals
    from salescli.services.scope import DealScope

    scope = DealScope(
        owner=rep,
        team=team,
        state="open",
        period=(period.start, period.end) if period else None,
    )
    tz = settings.timezone
    # One pass: stage × owner, rolled up per stage and in total.
    found = grouped_totals(
        conn, scope, settings, ["stage", "owner"], today, tz, rollups=[["stage"]]
    )
    return {
        "report": "pipeline",
        **_period(period),
        "currency": found["currency"],
        "rows": _rename(found["groups"], owner="rep"),
        "stages": found["rollups"][0],
        "total": found["total"],
    }


def lost(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    period: Period,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """Deals lost with a close date in `period`, by reason, by the stage they were lost at
    (stage history) and by rep: count and amount."""
    from salescli.services.deals.queries import grouped_totals
    from salescli.services.scope import DealScope

    scope = DealScope(owner=rep, team=team, state="lost", period=(period.start, period.end))
    tz = settings.timezone

    # One pass grouped by all three, rolled up to each (and the total).
    dims = ["lost-reason", "lost-at", "owner"]
    found = grouped_totals(conn, scope, settings, dims, today, tz, rollups=[[d] for d in dims])

    def by(groups: list[dict[str, Any]], **names: str) -> list[dict[str, Any]]:
        return _rename([{k: v for k, v in g.items() if k != "weighted"} for g in groups], **names)

    reasons = by(found["rollups"][0])
    stages = by(found["rollups"][1], lost_at="stage")
    reps = by(found["rollups"][2], owner="rep")
    total = found["total"]
    return {
        "report": "lost",
        **_period(period),
        "currency": total["currency"],
        "by_reason": reasons,
        "by_stage": stages,
        "by_rep": reps,
        "total": {k: v for k, v in total.items() if k != "weighted"},
    }
