"""The demo's quotas and forecast snapshots, written after the deals from what they became.

- A revenue **quota** per rep (managers excepted) for every fiscal quarter that begins within
  the history, the current one included: about what the rep wins in a quarter (their mean
  over the complete quarters), with a stretch of their own and a little noise, rounded, in
  the reporting currency. Each manager gets a **team quota** per quarter: the sum of their
  reps' quotas, rounded up to 5,000.
- **Forecast snapshots** of the last `SNAPSHOT_QUARTERS` of those quarters, as
  `forecast snapshot` would have stored them on each quarter's first day (09:00 local), with
  the methods that need no history of their own (weighted, category): per rep and for
  everyone, from the pipeline as it stood that morning (rebuilt from stage history, as
  `forecast backtest` does) among the deals that closed, or are expected to close, in the
  quarter. `forecast accuracy` compares them with what was won.

Random draws come from their own stream (`random.Random("SEED:quotas")`): the rows written
before them are those of earlier demos.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

SNAPSHOT_QUARTERS = 3
SNAPSHOT_METHODS = ("weighted", "category")
TEAM_ROUNDING = Decimal(5000)


def quarters(first_day: dt.date, today: dt.date, fy_start_month: int) -> list[Period]:
    """The fiscal quarters that begin on or after `first_day`, up to the one holding `today`."""
    from salescli.dates import Period as PeriodType
    from salescli.dates import fiscal_quarter

    found: list[PeriodType] = []
    day = fiscal_quarter(first_day, fy_start_month).start
    if day < first_day:
        day = fiscal_quarter(day, fy_start_month).end
    while day <= today:
        quarter = fiscal_quarter(day, fy_start_month)
        found.append(
            PeriodType(f"{quarter.fiscal_year}-Q{quarter.quarter}", quarter.start, quarter.end)
        )
        day = quarter.end
    return found


def write(
    conn: Connection, *, seed: int, first_day: dt.date, now: dt.datetime, tz: str
) -> dict[str, int]:
    """Quotas and snapshots in the caller's transaction; their counts for the demo's report."""
    import sqlalchemy as sa

    from salescli.services import config
    from salescli.tables import QUOTA, REP

    settings = config.load(conn)
    today = now.astimezone(_zone(tz)).date()
    periods = quarters(first_day, today, settings.fiscal_year_start_month)
    if not periods:
        return {"quotas": 0, "forecast_snapshots": 0}
    managers: dict[int, list[int]] = {}
    reps = []
    for rep_id, manager_id in conn.execute(
        sa.select(REP.c.id, REP.c.manager_id).order_by(REP.c.id)
    ):
        reps.append(rep_id)
        if manager_id is not None:
            managers.setdefault(manager_id, []).append(rep_id)
    members = managers
    sellers = [rep for rep in reps if rep not in members]
    targets = _targets(conn, settings, periods, sellers, today, tz, random.Random(f"{seed}:quotas"))
    currency = settings.currency
    rows = []
    for index, period in enumerate(periods):
        for rep in sellers:
            rows.append(_quota_row("rep", rep, period, targets[rep][index], currency, now))
        for manager in members:
            team = sum((targets[r][index] for r in _everyone_under(manager, members) if r in targets), Decimal(0))  # fmt: skip
            team = (team / TEAM_ROUNDING).to_integral_value(ROUND_CEILING) * TEAM_ROUNDING
            rows.append(_quota_row("team", manager, period, team, currency, now))
    if rows:
        conn.execute(sa.insert(QUOTA), rows)
    snapshots = _snapshots(conn, settings, periods[-SNAPSHOT_QUARTERS:], reps, targets, periods, tz)  # fmt: skip
    return {"quotas": len(rows), "forecast_snapshots": snapshots}


def _zone(tz: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def _everyone_under(manager: int, members: dict[int, list[int]]) -> list[int]:
    found, todo = [], list(members.get(manager, []))
    while todo:
        rep = todo.pop()
        found.append(rep)
        todo.extend(members.get(rep, []))
    return found


def _targets(
    conn: Connection,
    settings: Settings,
    periods: list[Period],
    sellers: list[int],
    today: dt.date,
    tz: str,
    rng: random.Random,
) -> dict[int, list[Decimal]]:
    """Per rep, a target per period: about what they win in a quarter, rounded."""
    from salescli.services.forecast import figures

    complete = [p for p in periods if p.end <= today] or periods
    won: dict[int, Decimal] = dict.fromkeys(sellers, Decimal(0))
    for period in complete:
        for owner, cell in figures.cells(conn, settings, period, figures.Who(), today, "rep", tz).items():  # fmt: skip
            if owner in won:
                won[owner] += cell.closed
    means = {rep: won[rep] / len(complete) for rep in sellers}
    ordered = sorted(means.values())
    median = ordered[len(ordered) // 2] if ordered else Decimal(0)
    # A rep who won little still carries a target: half the team's median, at least 5,000.
    floor = max(median / 2, Decimal(5000))
    targets: dict[int, list[Decimal]] = {}
    for rep in sellers:
        stretch = Decimal(str(round(rng.uniform(0.95, 1.25), 3)))
        base = max(means[rep], floor) * stretch
        targets[rep] = [
            _round(base * Decimal(str(round(rng.uniform(0.92, 1.08), 3)))) for _ in periods
        ]
    return targets


def _round(value: Decimal) -> Decimal:
    """To 1,000 (to 100 below 10,000): how people write targets."""
    step = Decimal(1000) if value >= 10_000 else Decimal(100)
    return max(step, (value / step).to_integral_value(ROUND_HALF_EVEN) * step)


def _quota_row(
    scope: str, rep: int, period: Period, target: Decimal, currency: str, now: dt.datetime
) -> dict[str, Any]:
    from salescli.money import to_minor

    return {
        "scope": scope,
        "rep_id": rep,
        "metric": "revenue",
        "period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "target": to_minor(target, currency),
        "currency": currency,
        "import_batch_id": None,
        "created_at": now,
        "updated_at": now,
    }


def _snapshots(
    conn: Connection,
    settings: Settings,
    chosen: list[Period],
    reps: list[int],
    targets: dict[int, list[Decimal]],
    periods: list[Period],
    tz: str,
) -> int:
    """Each chosen quarter's forecast as it stood on its first morning, per rep and in all."""
    import sqlalchemy as sa

    from salescli.money import to_minor
    from salescli.services.currency import Converter
    from salescli.services.forecast import figures as forecast_figures
    from salescli.services.forecast.backtest import pipeline_at
    from salescli.tables import FORECASTSNAPSHOT, REP
    from salescli.values import json_value

    currency = settings.currency
    names = {row.id: row.name for row in conn.execute(sa.select(REP.c.id, REP.c.name))}
    rows = []
    for period in chosen:
        day = period.start
        taken = dt.datetime.combine(day, dt.time(9), _zone(tz)).astimezone(dt.UTC)
        converter = Converter(conn, currency, day)
        cells: dict[Any, forecast_figures.Cell] = {}
        for group in pipeline_at(conn, day, tz, closing=period):
            cell = cells.setdefault(group.owner_id, forecast_figures.Cell())
            cell.count += int(group.deals)
            cell.unknown_amount += int(group.deals) - int(group.known)
            if group.known == 0:
                continue
            value = converter.convert(group.minor, group.currency, day)
            cell.open[group.category] += value
            cell.weighted_open += value * Decimal(group.probability) / 100
        everyone = forecast_figures.Cell()
        for cell in cells.values():
            everyone.add(cell)
        at = periods.index(period)
        for method in SNAPSHOT_METHODS:
            for rep_id in [*reps, None]:
                cell = everyone if rep_id is None else cells.get(rep_id, forecast_figures.Cell())
                forecast = cell.weighted_open if method == "weighted" else cell.open["commit"]
                quota = None if rep_id is None or rep_id not in targets else targets[rep_id][at]
                figures = {
                    "rep": names.get(rep_id) if rep_id is not None else None,
                    "rep_id": rep_id,
                    **forecast_figures.figures(cell, quota, currency, forecast),
                }
                rows.append(
                    {
                        "taken_at": taken,
                        "period": period.label,
                        "period_start": period.start,
                        "period_end": period.end,
                        "method": method,
                        "rep_id": rep_id,
                        "forecast_minor": to_minor(figures["forecast"], currency),
                        "currency": currency,
                        "figures": json.dumps(json_value(figures, tz), sort_keys=True),
                    }
                )
    if rows:
        conn.execute(sa.insert(FORECASTSNAPSHOT), rows)
    return len(rows)
