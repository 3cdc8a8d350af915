"""`report funnel`: of the deals created in a period, how many reached each stage, the
conversion from each stage to the next, the median days spent in each stage, and the leaky
bucket (the transition with the lowest conversion).

A deal has reached a stage when it has entered it or any later stage (a deal that skipped a
stage counts as having passed it): its furthest stage is the highest position among the
stages it entered by its stage history and the stage it is in, lost stages left out (a lost
deal reached what it reached before it was lost). Won stages come after the open ones.
Days in a stage: from entering it to the deal's next stage change, for the stays that ended;
the median per stage, computed in SQL with window functions (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import DEAL, STAGE, STAGECHANGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings


def _cohort(
    conn: Connection, period: Period, settings: Settings, rep: str | None, team: str | None
) -> Any:
    from salescli.services.scope import DealScope, deal_clauses

    scope = DealScope(owner=rep, team=team, period=(period.start, period.end), on="created")
    where = deal_clauses(conn, scope, settings, settings.timezone)
    return sa.select(DEAL.c.id, DEAL.c.stage_id).where(*where).cte("cohort")


def funnel(
    conn: Connection,
    *,
    settings: Settings,
    period: Period,
    rep: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    from salescli.services.reports import fraction
    from salescli.services.sqltime import days_between

    cohort = _cohort(conn, period, settings, rep, team)
    entered = STAGE.alias("entered")
    # The furthest stage each deal reached: its history's stages and its current one.
    positions = sa.union_all(
        sa.select(STAGECHANGE.c.deal_id.label("deal_id"), entered.c.position.label("position"))
        .select_from(
            STAGECHANGE.join(cohort, cohort.c.id == STAGECHANGE.c.deal_id).join(
                entered, entered.c.id == STAGECHANGE.c.to_stage_id
            )
        )
        .where(entered.c.kind != "lost"),
        sa.select(cohort.c.id.label("deal_id"), entered.c.position.label("position"))
        .select_from(cohort.join(entered, entered.c.id == cohort.c.stage_id))
        .where(entered.c.kind != "lost"),
    ).subquery("positions")
    furthest = (
        sa.select(positions.c.deal_id, sa.func.max(positions.c.position).label("reach"))
        .group_by(positions.c.deal_id)
        .subquery("furthest")
    )
    reached_rows = conn.execute(
        sa.select(STAGE.c.name, STAGE.c.position, STAGE.c.kind, sa.func.count(furthest.c.deal_id))
        .select_from(STAGE.outerjoin(furthest, furthest.c.reach >= STAGE.c.position))
        .where(STAGE.c.kind != "lost")
        .group_by(STAGE.c.id, STAGE.c.name, STAGE.c.position, STAGE.c.kind)
        .order_by(STAGE.c.position)
    ).all()
    created = conn.execute(sa.select(sa.func.count()).select_from(cohort)).scalar_one()

    # Days in each stage: each change of a cohort deal to the deal's next change.
    following = sa.func.lead(STAGECHANGE.c.changed_at).over(
        partition_by=STAGECHANGE.c.deal_id, order_by=(STAGECHANGE.c.changed_at, STAGECHANGE.c.id)
    )
    stays = (
        sa.select(
            STAGECHANGE.c.to_stage_id.label("stage_id"),
            STAGECHANGE.c.changed_at.label("entered_at"),
            following.label("left_at"),
        )
        .select_from(STAGECHANGE.join(cohort, cohort.c.id == STAGECHANGE.c.deal_id))
        .subquery("stays")
    )
    durations = (
        sa.select(stays.c.stage_id, days_between(stays.c.entered_at, stays.c.left_at).label("days"))
        .where(stays.c.left_at.is_not(None))
        .subquery("durations")
    )
    ranked = sa.select(
        durations.c.stage_id,
        durations.c.days,
        sa.func.row_number()
        .over(partition_by=durations.c.stage_id, order_by=durations.c.days)
        .label("rn"),
        sa.func.count().over(partition_by=durations.c.stage_id).label("n"),
    ).subquery("ranked")
    medians = dict(
        conn.execute(
            sa.select(ranked.c.stage_id, sa.func.avg(ranked.c.days))
            .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
            .group_by(ranked.c.stage_id)
        ).all()
    )
    ids = dict(conn.execute(sa.select(STAGE.c.name, STAGE.c.id)).all())
    stages = []
    previous: int | None = None
    for name, _position, kind, reached in reached_rows:
        median = medians.get(ids[name])
        stages.append(
            {
                "stage": name,
                "kind": kind,
                "reached": int(reached),
                "conversion": None if previous is None else fraction(reached, previous),
                # A Decimal: a float in 0..1 would be shown as a percentage.
                "median_days": (
                    None
                    if median is None or kind != "open"
                    else Decimal(str(round(float(median), 1)))
                ),
            }
        )
        previous = int(reached)
    leaky = None
    candidates = [s for s in stages[1:] if s["conversion"] is not None]
    if candidates:
        worst = min(candidates, key=lambda s: s["conversion"])
        before = stages[stages.index(worst) - 1]
        leaky = {"from": before["stage"], "to": worst["stage"], "conversion": worst["conversion"]}
        worst["leaky"] = True
    for stage in stages:
        stage.setdefault("leaky", False)
    return {
        "report": "funnel",
        "period": period.label,
        "from": period.start,
        "to": period.last,
        "created": created,
        "stages": stages,
        "leaky_bucket": leaky,
    }
