"""Quota records: set (an upsert on rep/team, metric and period), the JSON shape, list,
delete. Which quota covers a period is `targets.quota_for`, not here.

Revenue targets are in the reporting currency (`config get currency`): an amount typed with
another currency is refused (converting a target at one day's rate would fix a figure that
the rates later contradict). Other metrics are whole counts. A target is more than zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, UsageError
from salescli.services import rows
from salescli.services.quotas.targets import METRICS
from salescli.tables import QUOTA, REP

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

MAX_COUNT = 1_000_000_000
# THE rule of a team quota (`quota set --team`, a `team` row of `quota import`).
TEAM_RULE = "manages nobody: a quota team is a manager and everyone under them"
# An amount typed in another currency: refused rather than converted (module docstring).
OTHER_CURRENCY = (
    "{field} '{text}' is not in the reporting currency {currency}: quota targets are set in "
    "it (config get currency), e.g. 50000 or {currency} 50,000"
)
# `quota progress --rep none`: deals without an owner count for nobody.
NO_OWNER = (
    "no quota covers deals without an owner: quotas are set for reps and teams "
    '(e.g. salescli quota progress --rep "Ana Souza")'
)


def check_metric(metric: str) -> str:
    value = metric.strip().lower()
    if value not in METRICS:
        raise UsageError(f"metric '{metric}' is not one of: {', '.join(METRICS)} (e.g. revenue)")
    return value


def target_value(
    text: str, metric: str, currency: str, *, decimal_comma: bool = False
) -> tuple[int, str | None]:
    """A typed target as stored: (minor units, currency) for revenue, (count, None) else."""
    from salescli.money import parse_amount, to_minor

    if metric == "revenue":
        amount = parse_amount(
            text, currency, field="amount", decimal_comma=decimal_comma,
            other_currency=OTHER_CURRENCY,
        )  # fmt: skip
        if amount <= 0:
            raise InvalidData(f"amount '{text}' must be more than 0 (e.g. 50000)")
        return to_minor(amount, currency), currency
    value = text.strip().replace(",", "")
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_COUNT:
        raise InvalidData(
            f"amount '{text}' is not a whole number from 1 to {MAX_COUNT:,} for {metric} (e.g. 12)"
        )
    return int(value), None


def managers(conn: Connection) -> set[int]:
    """The reps who manage someone (a team quota needs one of them)."""
    query = sa.select(REP.c.manager_id).where(
        REP.c.manager_id.is_not(None), REP.c.manager_id != REP.c.id
    )
    return {int(r) for r in conn.execute(query.distinct()).scalars()}


def find(conn: Connection, scope: str, rep_id: int, metric: str, period: Period) -> Any:
    return conn.execute(
        sa.select(QUOTA.c.id).where(
            QUOTA.c.scope == scope,
            QUOTA.c.rep_id == rep_id,
            QUOTA.c.metric == metric,
            QUOTA.c.period_start == period.start,
            QUOTA.c.period_end == period.end,
        )
    ).scalar()


def set_quota(
    conn: Connection,
    *,
    rep_id: int,
    team: bool,
    amount: str,
    period: Period,
    metric: str,
    settings: Settings,
    now: dt.datetime,
) -> tuple[int, bool]:
    """Set (insert or replace) a quota; (its id, whether it replaced one)."""
    metric = check_metric(metric)
    target, currency = target_value(amount, metric, settings.currency)
    if team and rep_id not in managers(conn):
        name = rows.one(conn, REP, rep_id)["name"]
        typed = f'"{amount}"' if " " in amount.strip() else amount.strip()
        also = "" if metric == "revenue" else f" --metric {metric}"
        raise InvalidData(
            f"--team '{name}' {TEAM_RULE}; set a rep quota instead "
            f'(salescli quota set "{name}" {typed} --period {period.label}{also})'
        )
    scope = "team" if team else "rep"
    existing = find(conn, scope, rep_id, metric, period)
    values = {"period": period.label, "target": target, "currency": currency, "updated_at": now}
    if existing is not None:
        if ".." in period.label:  # the same days typed as a range keep their name (2026-Q4)
            del values["period"]
        rows.update(conn, QUOTA, existing, {**values, "import_batch_id": None})
        return int(existing), True
    new_id = rows.insert(
        conn,
        QUOTA,
        {
            **values,
            "scope": scope,
            "rep_id": rep_id,
            "metric": metric,
            "period_start": period.start,
            "period_end": period.end,
            "created_at": now,
        },
    )
    return new_id, False


def _query() -> sa.Select:
    return sa.select(QUOTA, REP.c.name.label("rep_name")).join(REP, REP.c.id == QUOTA.c.rep_id)


def shape(row: Any) -> dict[str, Any]:
    """THE JSON shape of a quota: `rep` is the rep (scope rep) or the manager (scope team)."""
    from salescli.money import from_minor

    currency = row["currency"]
    target: Decimal | int | None = (
        from_minor(row["target"], currency) if currency else int(row["target"])
    )
    return {
        "id": row["id"],
        "scope": row["scope"],
        "rep": row["rep_name"],
        "rep_id": row["rep_id"],
        "metric": row["metric"],
        "period": row["period"],
        "first_day": row["period_start"],
        "last_day": row["period_end"] - dt.timedelta(days=1),
        "target": target,
        "currency": currency,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def record(conn: Connection, quota_id: int) -> dict[str, Any]:
    row = conn.execute(_query().where(QUOTA.c.id == quota_id)).mappings().first()
    if row is None:
        rows.one(conn, QUOTA, quota_id)  # raises NotFound with the usual wording
    return shape(row)


def list_quotas(
    conn: Connection,
    *,
    period: Period | None = None,
    rep_ids: list[int] | None = None,
    team_manager: int | None = None,
    metric: str | None = None,
) -> list[dict[str, Any]]:
    """Quotas whose period overlaps `period`; of the reps `rep_ids` (their own quotas), or
    of the team under `team_manager` (its team quotas and every member's own)."""
    query = _query()
    if period is not None:
        query = query.where(QUOTA.c.period_start < period.end, QUOTA.c.period_end > period.start)
    if metric is not None:
        query = query.where(QUOTA.c.metric == check_metric(metric))
    if rep_ids is not None:
        query = query.where(QUOTA.c.scope == "rep", QUOTA.c.rep_id.in_(rep_ids))
    if team_manager is not None:
        from salescli.services.scope import under

        query = query.where(
            sa.or_(
                sa.and_(QUOTA.c.scope == "team", QUOTA.c.rep_id == team_manager),
                sa.and_(
                    QUOTA.c.scope == "rep",
                    QUOTA.c.rep_id.in_(sorted(under(conn, [team_manager]))),
                ),
            )
        )
    query = query.order_by(
        QUOTA.c.period_start, QUOTA.c.period_end, QUOTA.c.metric, QUOTA.c.scope, REP.c.name_key
    )
    return [shape(row) for row in conn.execute(query).mappings()]


def delete(conn: Connection, quota_id: int) -> dict[str, Any]:
    """Delete a quota; the record as it was."""
    gone = record(conn, quota_id)
    rows.delete(conn, QUOTA, quota_id)
    return gone


def describe(record: dict[str, Any]) -> str:
    """`rep quota 3 for Ana Souza, 2026-Q4 revenue: 50,000.00 USD` (messages)."""
    whose = f"team of {record['rep']}" if record["scope"] == "team" else record["rep"]
    target = record["target"]
    figure = f"{target:,} {record['currency']}" if record["currency"] else f"{target:,}"
    return f"quota {record['id']} for {whose}, {record['period']} {record['metric']}: {figure}"
