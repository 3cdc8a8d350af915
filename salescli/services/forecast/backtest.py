"""`forecast backtest`: forecast the past. For each period from `--from` to `--to`, the
pipeline is rebuilt as it stood on the period's first day from stage history (deals created
before that day and not closed before it, each in the stage it was in then, with the
probability recorded when it entered that stage), forecast with each method, and compared
with what was actually won in the period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, UsageError
from salescli.tables import DEAL, STAGE, STAGECHANGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

SEED = 0


def periods(first: Period, last: Period, by: str, fy_start_month: int) -> list[Period]:
    """The months or (fiscal) quarters from the one holding `first.start` to the one holding
    `last.last`."""
    from salescli.dates import Period as PeriodType
    from salescli.dates import fiscal_quarter

    if by not in ("month", "quarter"):
        raise UsageError(f"--by '{by}' is not one of month, quarter (e.g. --by month)")
    if last.end <= first.start:
        raise UsageError("--to must not be before --from (e.g. --from 2017-01 --to 2017-12)")
    found: list[PeriodType] = []
    day = first.start
    while day < last.end:
        if by == "month":
            start = day.replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1)
            found.append(PeriodType(start.strftime("%Y-%m"), start, end))
        else:
            quarter = fiscal_quarter(day, fy_start_month)
            start, end = quarter.start, quarter.end
            found.append(PeriodType(f"{quarter.fiscal_year}-Q{quarter.quarter}", start, end))
        day = end
        if len(found) > 1200:
            raise UsageError("a backtest covers at most 1200 periods")
    return found


def check_started(chosen: list[Period], today: dt.date, by: str, fy_start_month: int) -> None:
    """A backtest forecasts periods that have begun: one that starts after today has no
    pipeline of its own to rebuild and nothing won yet to compare with (InvalidData)."""
    from salescli.dates import Period

    later = next((p for p in chosen if p.start > today), None)
    if later is None:
        return
    day = Period("today", today, today + dt.timedelta(days=1))
    current = periods(day, day, by, fy_start_month)[0]
    raise InvalidData(
        f"{later.label} has not started (today is {today.isoformat()}): the last period a "
        f"backtest can take is {current.label} (e.g. --to {current.label})"
    )


def pipeline_at(
    conn: Connection, day: dt.date, tz: str = "UTC", closing: Period | None = None
) -> list[Any]:
    """The open pipeline as it stood when `day` began, grouped in SQL: (owner_id, stage,
    category, probability, currency, each_minor, deals, known, minor) per group of deals
    alike, in one order on both backends (owner, stage, probability, currency, amount). A
    deal counts when it was created before `day`, was not closed before it, and its last
    stage change before `day` put it in an open stage (not omitted). `closing`: only deals whose close date (expected,
    or the day they closed) falls in that period."""
    from salescli.services.scope import day_start_utc

    start = day_start_utc(day, tz)
    earlier = STAGECHANGE.alias("earlier")
    latest = (
        sa.select(earlier.c.id)
        .where(earlier.c.deal_id == DEAL.c.id, earlier.c.changed_at < start)
        .order_by(earlier.c.changed_at.desc(), earlier.c.id.desc())
        .limit(1)
        .correlate(DEAL)
        .scalar_subquery()
    )
    current = STAGE.alias("current")
    then = STAGE.alias("then")
    known = sa.case((DEAL.c.amount_minor.is_not(None), DEAL.c.id), else_=sa.null())
    query = (
        sa.select(
            DEAL.c.owner_id,
            then.c.name.label("stage"),
            then.c.forecast_category.label("category"),
            STAGECHANGE.c.probability,
            DEAL.c.currency,
            DEAL.c.amount_minor.label("each_minor"),
            sa.func.count().label("deals"),
            sa.func.count(known).label("known"),
            sa.cast(sa.func.sum(DEAL.c.amount_minor), sa.BigInteger).label("minor"),
        )
        .select_from(
            DEAL.join(current, current.c.id == DEAL.c.stage_id)
            .join(STAGECHANGE, STAGECHANGE.c.id == latest)
            .join(then, then.c.id == STAGECHANGE.c.to_stage_id)
        )
        .where(
            DEAL.c.created_at < start,
            sa.or_(current.c.kind == "open", DEAL.c.close_date >= day),
            then.c.kind == "open",
            then.c.forecast_category != "omitted",
            *(
                ()
                if closing is None
                else (DEAL.c.close_date >= closing.start, DEAL.c.close_date < closing.end)
            ),
        )
        .group_by(
            DEAL.c.owner_id,
            then.c.id,
            then.c.name,
            then.c.forecast_category,
            STAGECHANGE.c.probability,
            DEAL.c.currency,
            DEAL.c.amount_minor,
        )  # fmt: skip
        # A total order over the groups (each is one of these keys): the seeded Monte Carlo
        # draws land on the same groups on SQLite and PostgreSQL, whose grouping orders
        # differ. Ids and numbers rather than the stage's name, whose order is a collation's.
        .order_by(
            sa.func.coalesce(DEAL.c.owner_id, 0),
            then.c.id,
            STAGECHANGE.c.probability,
            DEAL.c.currency,
            DEAL.c.amount_minor.asc().nulls_last(),
        )
    )
    return list(conn.execute(query))


def backtest(
    conn: Connection,
    settings: Settings,
    first: Period,
    last: Period,
    by: str,
    methods: list[str],
    today: dt.date,
    lookback_days: int = 365,
    min_deals: int = 10,
    runs: int = 10000,
    tz: str = "UTC",
) -> dict[str, Any]:
    """{from, to, by, currency, rows: [{period, method, pipeline_deals, unknown_amount,
    pipeline, forecast, actual, error, ape}], methods: [{method, periods, mape}]}."""
    from salescli.money import to_minor
    from salescli.services.currency import Converter, round_money
    from salescli.services.forecast import engine, figures
    from salescli.services.forecast import methods as m

    currency = settings.currency
    defaults = m.stage_defaults(conn)
    everyone = engine.reps(conn)
    tree = engine.children(everyone, set(everyone))
    rows: list[dict[str, Any]] = []
    chosen = periods(first, last, by, settings.fiscal_year_start_month)
    check_started(chosen, today, by, settings.fiscal_year_start_month)
    for period in chosen:
        day = period.start
        converter = Converter(conn, currency, day)
        groups = pipeline_at(conn, day, tz)
        values = [
            None if g.known == 0 else converter.convert(g.minor, g.currency, day) for g in groups
        ]
        cells = figures.cells(conn, settings, period, figures.Who(), today, "rep", tz)
        actual = sum((c.closed for c in cells.values()), Decimal(0))
        counts = m.stage_history_counts(conn, day, lookback_days) if "historical" in methods else {}
        base = {
            "period": period.label,
            "period_start": period.start,
            "pipeline_deals": sum(int(g.deals) for g in groups),
            "unknown_amount": sum(int(g.deals) - int(g.known) for g in groups),
            "pipeline": round_money(
                sum((v for v in values if v is not None), Decimal(0)), currency
            ),
        }
        for method in methods:
            if method == "weighted":
                value = sum(
                    (v * Decimal(g.probability) / 100 for g, v in zip(groups, values, strict=True) if v is not None),
                    Decimal(0),
                )  # fmt: skip
            elif method == "category":
                value = sum(
                    (v for g, v in zip(groups, values, strict=True) if v is not None and g.category == "commit"),
                    Decimal(0),
                )  # fmt: skip
            elif method == "historical":
                value = Decimal(0)
                for g, v in zip(groups, values, strict=True):
                    if v is None:
                        continue
                    manager = everyone[g.owner_id].manager_id if g.owner_id in everyone else None
                    team = engine.below(tree, manager if manager is not None else g.owner_id) if g.owner_id else []  # fmt: skip
                    rate = m.rates_for(counts, defaults, g.owner_id, team, [g.stage], min_deals)
                    used = rate[g.stage]
                    # Without a measured rate a deal keeps the probability it had then.
                    share = used.rate if used.source != m.DEFAULT else Decimal(g.probability) / 100
                    value += v * share
            else:
                known = [(g, v) for g, v in zip(groups, values, strict=True) if v is not None]
                amounts = [
                    float(to_minor(converter.convert(g.each_minor, g.currency, day), currency))
                    for g, _ in known
                ]
                totals = m.draw(
                    [0] * len(known), amounts, [int(g.known) for g, _ in known],
                    [int(g.probability) / 100 for g, _ in known], 1, runs, SEED,
                )  # fmt: skip
                import numpy as np

                value = Decimal(int(np.percentile(totals[:, 0], 50, method="lower"))).scaleb(
                    -_exponent(currency)
                )
            error = value - actual
            rows.append(
                {
                    **base,
                    "method": method,
                    "forecast": round_money(value, currency),
                    "actual": round_money(actual, currency),
                    "error": round_money(error, currency),
                    "ape": None if actual == 0 else figures.rate(abs(error) / actual),
                    "currency": currency,
                }
            )
    summary = []
    for method in methods:
        apes = [r["ape"] for r in rows if r["method"] == method and r["ape"] is not None]
        mape = None if not apes else figures.rate(sum(apes, Decimal(0)) / len(apes))
        summary.append({"method": method, "periods": len(apes), "mape": mape})
    return {
        "from": first.label,
        "to": last.label,
        "by": by,
        "currency": currency,
        "rows": rows,
        "methods": summary,
    }


def _exponent(currency: str) -> int:
    from salescli.money import exponent

    return exponent(currency)
