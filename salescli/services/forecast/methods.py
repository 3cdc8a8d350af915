"""The forecast methods beyond the spec's sums: `historical` (each rep's win rate from each
stage, measured from stage history) and `monte-carlo` (each open deal wins independently).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import DEAL, STAGE, STAGECHANGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

OWN, TEAM, EVERYONE, DEFAULT = "own", "team", "everyone", "stage default"


@dataclass(frozen=True)
class Rate:
    """A win rate from a stage and where it came from: `won` of `closed` deals that passed
    through the stage (the counts behind the rate; 0/0 for the stage default)."""

    stage: str
    rate: Decimal
    source: str
    won: int
    closed: int


def stage_history_counts(
    conn: Connection, today: dt.date, lookback_days: int, on_or_before: dt.date | None = None
) -> dict[tuple[int | None, str], tuple[int, int]]:
    """(owner id, stage name) -> (won, closed): deals closed (won or lost) in the look-back
    window ending `today` that had entered that open stage, counted once each, in SQL."""
    start = today - dt.timedelta(days=lookback_days)
    current = STAGE.alias("current")
    passed = STAGE.alias("passed")
    won = sa.case((current.c.kind == "won", DEAL.c.id), else_=sa.null())
    query = (
        sa.select(
            DEAL.c.owner_id,
            passed.c.name.label("stage"),
            sa.func.count(sa.distinct(won)).label("won"),
            sa.func.count(sa.distinct(DEAL.c.id)).label("closed"),
        )
        .select_from(
            STAGECHANGE.join(DEAL, DEAL.c.id == STAGECHANGE.c.deal_id)
            .join(current, current.c.id == DEAL.c.stage_id)
            .join(passed, passed.c.id == STAGECHANGE.c.to_stage_id)
        )
        .where(
            current.c.kind.in_(("won", "lost")),
            passed.c.kind == "open",
            DEAL.c.close_date >= start,
            DEAL.c.close_date < today,
        )
        .group_by(DEAL.c.owner_id, passed.c.name)
    )
    return {
        (row.owner_id, row.stage): (int(row.won), int(row.closed)) for row in conn.execute(query)
    }


def stage_defaults(conn: Connection) -> dict[str, Decimal]:
    rows = conn.execute(sa.select(STAGE.c.name, STAGE.c.probability)).all()
    return {r.name: Decimal(r.probability) / 100 for r in rows}


def rates_for(
    counts: dict[tuple[int | None, str], tuple[int, int]],
    defaults: dict[str, Decimal],
    rep_id: int | None,
    team: list[int],
    stages: list[str],
    min_deals: int,
) -> dict[str, Rate]:
    """The rate used for each of `stages` for `rep_id`: the rep's own when at least
    `min_deals` deals closed from it, else the team's (`team`: the rep's manager and everyone
    under them), else everyone's, else the stage's default probability."""
    found: dict[str, Rate] = {}
    for stage in stages:
        own = counts.get((rep_id, stage), (0, 0))
        team_counts = _sum(counts, stage, set(team))
        everyone = _sum(counts, stage, None)
        for source, (won, closed) in ((OWN, own), (TEAM, team_counts), (EVERYONE, everyone)):
            if closed >= min_deals and closed > 0:
                found[stage] = Rate(stage, Decimal(won) / Decimal(closed), source, won, closed)
                break
        else:
            found[stage] = Rate(stage, defaults.get(stage, Decimal(0)), DEFAULT, 0, 0)
    return found


def _sum(
    counts: dict[tuple[int | None, str], tuple[int, int]], stage: str, owners: set[int] | None
) -> tuple[int, int]:
    won = closed = 0
    for (owner, name), (w, c) in counts.items():
        if name == stage and (owners is None or owner in owners):
            won += w
            closed += c
    return won, closed


def simulate(
    conn: Connection,
    settings: Settings,
    clauses: list[Any],
    today: dt.date,
    runs: int,
    seed: int | None,
) -> tuple[list[int | None], Any]:
    """Monte Carlo over the open deals matching `clauses`: deals alike (owner, amount,
    currency, probability) are grouped in SQL and each group's wins drawn at once from a
    binomial (the same distribution as a draw per deal); returns the owners and a
    runs x owners matrix of won amounts in minor units of the reporting currency."""
    from salescli.money import to_minor
    from salescli.services.currency import Converter

    owner_key = sa.func.coalesce(DEAL.c.owner_id, 0)
    query = (
        sa.select(
            DEAL.c.owner_id,
            DEAL.c.currency,
            DEAL.c.amount_minor,
            DEAL.c.probability,
            sa.func.count().label("deals"),
        )
        .select_from(DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id))
        .where(*clauses, DEAL.c.amount_minor.is_not(None))
        .group_by(DEAL.c.owner_id, DEAL.c.currency, DEAL.c.amount_minor, DEAL.c.probability)
        .order_by(owner_key, DEAL.c.currency, DEAL.c.amount_minor, DEAL.c.probability)
    )
    rows = conn.execute(query).all()
    converter = Converter(conn, settings.currency, today)
    owners: list[int | None] = []
    index: dict[int | None, int] = {}
    column, amount, deals, chance = [], [], [], []
    for row in rows:
        if row.owner_id not in index:
            index[row.owner_id] = len(owners)
            owners.append(row.owner_id)
        value = converter.convert(row.amount_minor, row.currency, None)
        column.append(index[row.owner_id])
        amount.append(float(to_minor(value, settings.currency)))
        deals.append(int(row.deals))
        chance.append(min(max(int(row.probability), 0), 100) / 100)
    return owners, draw(column, amount, deals, chance, len(owners), runs, seed)


def draw(
    column: list[int],
    amount: list[float],
    deals: list[int],
    chance: list[float],
    width: int,
    runs: int,
    seed: int | None,
) -> Any:
    """runs x `width` won amounts: group g (`deals[g]` deals of `amount[g]` minor units each,
    each winning with `chance[g]`) adds its wins to column `column[g]`."""
    import numpy as np

    totals = np.zeros((runs, width), dtype=np.float64)
    if not deals:
        return totals
    rng = np.random.default_rng(seed)
    cols = np.asarray(column)
    amounts = np.asarray(amount, dtype=np.float64)
    counts = np.asarray(deals)
    chances = np.asarray(chance, dtype=np.float64)
    order = np.argsort(cols, kind="stable")
    cols, amounts, counts, chances = cols[order], amounts[order], counts[order], chances[order]
    # Blocks of groups keep the runs x groups matrix near 2 million cells (16 MB of amounts).
    block = max(1, 2_000_000 // max(runs, 1))
    for first in range(0, len(counts), block):
        part = slice(first, first + block)
        size = len(counts[part])
        # One deal: a uniform draw below its probability (a binomial of 1, ten times cheaper
        # to draw); several deals alike: their number of wins from a binomial.
        won = rng.random((runs, size), dtype=np.float32) < chances[part].astype(np.float32)
        values = won * amounts[part]
        several = np.flatnonzero(counts[part] > 1)
        if several.size:
            wins = rng.binomial(counts[part][several], chances[part][several], size=(runs, several.size))  # fmt: skip
            values[:, several] = wins * amounts[part][several]
        # Integer minor units in float64: exact below 2^53 (90 trillion in a 2-digit currency).
        owners = cols[part]
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        totals[:, owners[starts]] += np.add.reduceat(values, starts, axis=1)
    return totals
