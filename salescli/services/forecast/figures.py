"""The forecast figures of one row (a rep, a team, a stage, a month, the total), by SPEC
"Forecast": the deals of a period summed by forecast category in one `grouped_totals` query
(`cells`), the figures derived from them (`figures`), a row's quota, a Monte Carlo spread, and
the deals without an amount. The roll-up along the manager hierarchy builds on these in
`forecast.engine`.

For a period P: `closed` = won deals closing in P; `commit`, `best_case`, `pipeline` = open
deals expected to close in P by forecast category (omitted deals nowhere); `commit_total =
closed + commit`, `best_case_total = commit_total + best_case`, `pipeline_total =
best_case_total + pipeline`; `weighted = closed + Σ amount × probability` over the open deals;
`gap = quota − closed`, `attainment = closed / quota`, `coverage = open amount / gap` (null
without a quota or when the gap is not positive).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.tables import DEAL, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings
    from salescli.services.currency import Converter
    from salescli.services.quotas.targets import Preloaded

OPEN = ("commit", "best_case", "pipeline")
# How many deals without an amount a note names before it says "and N more".
NAMED = 10


@dataclass
class Who:
    """Whose deals: everyone (both None), one rep, a team (the manager and everyone under
    them), or the deals without an owner (`--rep none`)."""

    rep_id: int | None = None
    team: str | None = None  # the --team text, resolved by services.scope
    no_owner: bool = False


@dataclass
class Cell:
    """One row's figures in the reporting currency, exact (unrounded) Decimals: cells add up
    along the hierarchy without rounding, and `figures` rounds each sum once, so a team's or
    the total's `closed` is what `deal list --sum` gives for the same deals, to the cent."""

    closed: Decimal = Decimal(0)
    open: dict[str, Decimal] = field(default_factory=lambda: {c: Decimal(0) for c in OPEN})
    weighted_open: Decimal = Decimal(0)
    count: int = 0
    unknown_amount: int = 0
    by_stage: dict[str, Decimal] = field(default_factory=dict)  # open amount per stage name
    weighted_by_stage: dict[str, Decimal] = field(default_factory=dict)

    def add(self, other: Cell) -> None:
        self.closed += other.closed
        for c in OPEN:
            self.open[c] += other.open[c]
        self.weighted_open += other.weighted_open
        self.count += other.count
        self.unknown_amount += other.unknown_amount
        for stage, value in other.by_stage.items():
            self.by_stage[stage] = self.by_stage.get(stage, Decimal(0)) + value
        for stage, value in other.weighted_by_stage.items():
            self.weighted_by_stage[stage] = self.weighted_by_stage.get(stage, Decimal(0)) + value

    def copy(self) -> Cell:
        twin = Cell()
        twin.add(self)
        return twin


def deal_scope(who: Who, state: str | None, period: Period, category: str | None = None) -> Any:
    from salescli.services.scope import NO_OWNER, DealScope

    owner = NO_OWNER if who.no_owner else None
    return DealScope(
        owner=str(who.rep_id) if who.rep_id is not None else owner,
        state=state,
        team=who.team,
        category=category,
        period=(period.start, period.end),
    )


def cells(
    conn: Connection,
    settings: Settings,
    period: Period,
    who: Who,
    today: dt.date,
    dimension: str,
    tz: str = "UTC",
) -> dict[Any, Cell]:
    """The figures of `period` per key of `dimension` (owner id, stage or close month),
    aggregated in SQL by `grouped_totals` in one query: every deal closing in the period,
    grouped by the dimension, stage and forecast category; won stages make `closed`, open
    ones their category, lost deals and omitted ones nothing. The amounts stay exact
    (`Cell`): round them once, where they are shown (`figures`, `money`)."""
    from salescli.services.deals.queries import grouped_totals

    dims = {
        "rep": ["owner", "stage", "forecast_category"],
        "stage": ["stage", "forecast_category"],
        "month": ["close-month", "stage", "forecast_category"],
    }[dimension]

    def key(group: dict[str, Any]) -> Any:
        if dimension == "rep":
            return group["owner_id"]
        if dimension == "stage":
            return group["stage"]
        return group["close_month"]

    kinds = {r.name: r.kind for r in conn.execute(sa.select(STAGE.c.name, STAGE.c.kind))}
    scope = deal_scope(who, None, period)
    scope.states = ("won", "open")
    grouped = grouped_totals(conn, scope, settings, dims, today, tz, with_total=False, exact=True)
    found: dict[Any, Cell] = {}
    for group in grouped["groups"]:
        stage, category = group["stage"], group["forecast_category"]
        kind = kinds.get(stage)
        if not (kind == "won" or (kind == "open" and category in OPEN)):
            continue
        cell = found.setdefault(key(group), Cell())
        cell.count += group["count"]
        cell.unknown_amount += group["unknown_amount"]
        if kind == "won":
            cell.closed += group["amount"]
            continue
        cell.open[category] += group["amount"]
        cell.weighted_open += group["weighted"]
        cell.by_stage[stage] = cell.by_stage.get(stage, Decimal(0)) + group["amount"]
        weighted = cell.weighted_by_stage.get(stage, Decimal(0)) + group["weighted"]
        cell.weighted_by_stage[stage] = weighted
    return found


def money(value: Decimal | None, currency: str) -> Decimal | None:
    from salescli.services.currency import round_money

    return None if value is None else round_money(value, currency)


def figures(
    cell: Cell,
    quota: Decimal | None,
    currency: str,
    forecast: Decimal | None,
) -> dict[str, Any]:
    """A row's figures by SPEC's definitions, money rounded to the reporting currency."""
    closed = cell.closed
    commit_total = closed + cell.open["commit"]
    best_case_total = commit_total + cell.open["best_case"]
    pipeline_total = best_case_total + cell.open["pipeline"]
    open_amount = sum(cell.open.values(), Decimal(0))
    gap = None if quota is None else quota - closed
    attainment = None if not quota else closed / quota
    coverage = None if gap is None or gap <= 0 else open_amount / gap
    return {
        "closed": money(closed, currency),
        "commit": money(cell.open["commit"], currency),
        "best_case": money(cell.open["best_case"], currency),
        "pipeline": money(cell.open["pipeline"], currency),
        "commit_total": money(commit_total, currency),
        "best_case_total": money(best_case_total, currency),
        "pipeline_total": money(pipeline_total, currency),
        "weighted": money(closed + cell.weighted_open, currency),
        "forecast": money(forecast, currency),
        "quota": money(quota, currency),
        "gap": money(gap, currency),
        "attainment": None if attainment is None else rate(attainment),
        "coverage": None if coverage is None else rate(coverage),
        "count": cell.count,
        "unknown_amount": cell.unknown_amount,
    }


def rate(value: Decimal) -> Decimal:
    """Rates as fractions to four places (0.1234 = 12.34 %)."""
    from decimal import ROUND_HALF_EVEN

    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def row_quota(conn: Connection, rep_id: int, period: Period, team: bool, converter: Converter, known: Preloaded, shown: list[int] | None = None) -> tuple[Decimal | None, str | None]:  # fmt: skip
    """The quota of a rep or team row, from the quotas of the period loaded once (`known`),
    in the reporting currency (`converter`: open deals' rate, today's). `shown`: the reps of
    a team row whose scope left some of the manager's team out; its quota is then the sum of
    theirs ("sum of reps"), not the whole team's."""
    from salescli.services.quotas.targets import quota_for, sum_of_reps

    if shown is not None:
        target = sum_of_reps(conn, shown, period, preloaded=known)
    else:
        target = quota_for(conn, rep_id=rep_id, period=period, team=team, preloaded=known)
    if target is None:
        return None, None
    amount = target.amount
    if target.currency is not None and target.currency != converter.reporting:
        amount = converter.convert(minor(amount, target.currency), target.currency, None)
    return amount, target.source


def minor(amount: Decimal, currency: str) -> int:
    from salescli.money import to_minor

    return to_minor(amount, currency)


def in_currency(conn: Connection, adjustment: dict[str, Any], currency: str, today: dt.date) -> Decimal:  # fmt: skip
    from salescli.services.currency import Converter

    amount = adjustment["amount"]
    if adjustment["currency"] == currency:
        return amount
    return Converter(conn, currency, today).convert(
        minor(amount, adjustment["currency"]), adjustment["currency"], None
    )


def spread(
    cell: Cell, columns: list[Any], quota: Decimal | None, currency: str, runs: int
) -> dict[str, Any]:
    """P10/P50/P90 and the mean of closed + the simulated wins, and the chance of reaching
    `quota` (the share of runs at or above it)."""
    import numpy as np

    from salescli.money import from_minor

    wins = np.zeros(runs) if not columns else np.sum(np.stack(columns), axis=0)
    closed_minor = minor(cell.closed, currency)
    totals = wins + closed_minor
    # Percentiles of whole minor units: the lower of the two nearest runs (no interpolation
    # between two outcomes that cannot happen).
    p10, p50, p90 = (int(np.percentile(totals, q, method="lower")) for q in (10, 50, 90))
    mean = Decimal(str(float(np.mean(totals)))).quantize(Decimal(1))
    chance = None
    if quota is not None:
        chance = Decimal(int(np.count_nonzero(totals >= minor(quota, currency)))) / Decimal(runs)
    return {
        "p10": from_minor(p10, currency),
        "p50": from_minor(p50, currency),
        "p90": from_minor(p90, currency),
        "mean": from_minor(int(mean), currency),
        "forecast": from_minor(p50, currency),
        "quota_chance": None if chance is None else rate(chance),
    }


def unknown_deals(
    conn: Connection, settings: Settings, period: Period, who: Who, tz: str = "UTC"
) -> list[str]:
    """The first few deals of the forecast whose amount is unknown, by id and title."""
    from salescli.services.scope import deal_clauses

    found: list[str] = []
    for state in ("won", "open"):
        scope = deal_scope(who, state, period)
        query = (
            sa.select(DEAL.c.id, DEAL.c.title)
            .select_from(DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id))
            .where(
                *deal_clauses(conn, scope, settings, tz),
                DEAL.c.amount_minor.is_(None),
                DEAL.c.forecast_category != "omitted",
            )
            .order_by(DEAL.c.id)
            .limit(NAMED)
        )
        found += [f"{row.id} '{row.title}'" for row in conn.execute(query)]
    return sorted(found, key=lambda text: int(text.split(" ")[0]))[:NAMED]
