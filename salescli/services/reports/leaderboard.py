"""`report leaderboard`: reps ranked by won revenue (or `--metric`), with quota attainment,
deals won, win rate and activities. Built on `report performance`'s figures (the same
definitions) and the one quota rule (services.quotas.targets)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from salescli.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

METRICS = {
    "revenue": "won_amount",
    "deals": "won",
    "win-rate": "win_rate",
    "attainment": "attainment",
    "activities": "activities",
}


def leaderboard(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date,
    period: Period,
    metric: str = "revenue",
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    from salescli.services.quotas.targets import preload, quota_for
    from salescli.services.reports import fraction
    from salescli.services.reports.performance import performance

    if metric not in METRICS:
        raise UsageError(
            f"--metric '{metric}' is not one of: {', '.join(METRICS)} (e.g. --metric deals)"
        )
    figures = performance(conn, settings=settings, today=today, period=period, rep=rep, team=team)
    rows = []
    known = preload(conn, "revenue", period)  # every quota of the period in one query
    for row in figures["rows"]:
        if row["rep_id"] is None:
            continue  # deals and activities without an owner rank nobody
        quota = quota_for(conn, rep_id=row["rep_id"], period=period, preloaded=known)
        target = quota.amount if quota is not None and quota.currency == settings.currency else None
        rows.append(
            {
                "rep": row["rep"],
                "rep_id": row["rep_id"],
                "won_amount": row["won_amount"],
                "quota": target,
                "attainment": fraction(row["won_amount"], target),
                "won": row["won"],
                "win_rate": row["win_rate"],
                "activities": row["activities"],
                "currency": row["currency"],
            }
        )
    key = METRICS[metric]
    rows.sort(key=lambda r: (r[key] is None, -(r[key] or 0), -r["won_amount"], r["rep"] or ""))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return {
        "report": "leaderboard",
        "period": period.label,
        "from": period.start,
        "to": period.last,
        "metric": metric,
        "currency": settings.currency,
        "rows": [{"rank": r.pop("rank"), **r} for r in rows],
    }
