"""`quota import` on the CSV engine (services/csv/engine.py).

Each row is one quota: `rep` (a rep's own) or `team` (a manager's, for everyone under them),
by name or id; `amount`; `metric` (default revenue); and its period: a `period` label
(2026-Q4, 2026-11, 2026-W47, 2026) or a `period_start` date with `--period-length
week|month|quarter|year`, meaning the period of that length that holds the date (quarters and
years fiscal when `fiscal_year_start_month` is set; weeks from `week_start`). A quota that
already exists (same rep or team, metric and period) is a bad row, as is the same quota twice
in the file: `quota set` replaces one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.ids import as_id
from salescli.services.csv import engine as csvio
from salescli.services.csv.common import clean_text
from salescli.services.csv.engine import FieldSpec, ImportContext, invalid
from salescli.services.csv.types import ImportState
from salescli.services.quotas.targets import METRICS
from salescli.tables import QUOTA, REP
from salescli.text import fold

LENGTHS = ("week", "month", "quarter", "year")
FIELDS = (
    FieldSpec("rep", aliases=("rep name", "sales rep", "salesperson", "owner")),
    FieldSpec("team", aliases=("manager", "team manager")),
    FieldSpec("amount", required=True, aliases=("target", "quota", "sales quota")),
    FieldSpec("metric", "choice", choices=METRICS),
    FieldSpec("period", aliases=("period label",)),
    FieldSpec("period_start", "date", aliases=("quota date", "start date", "start")),
)


@dataclass
class QuotaImportState(ImportState):
    """`quota import`: rep lookups (ImportState.reps), existing quota keys, the settings
    periods need, and the keys seen earlier in the file."""

    existing: dict[tuple, int] = field(default_factory=dict)
    currency: str = "USD"
    week_start: int = 0
    fy_start_month: int = 1
    seen: dict[tuple, int] = field(default_factory=dict)
    managers: set[int] = field(default_factory=set)


def _prepare(ctx: ImportContext) -> None:
    from salescli.services import config
    from salescli.services.quotas.records import managers

    assert ctx.conn is not None
    ctx.state.reps = {
        key: rid for rid, key in ctx.conn.execute(sa.select(REP.c.id, REP.c.name_key))
    }
    ctx.state.rep_ids = set(ctx.state.reps.values())
    ctx.state.existing = {
        (r.scope, r.rep_id, r.metric, r.period_start, r.period_end): r.id
        for r in ctx.conn.execute(
            sa.select(
                QUOTA.c.id,
                QUOTA.c.scope,
                QUOTA.c.rep_id,
                QUOTA.c.metric,
                QUOTA.c.period_start,
                QUOTA.c.period_end,
            )
        )
    }
    ctx.state.managers = managers(ctx.conn)
    settings = config.load(ctx.conn)
    ctx.state.currency = settings.currency
    ctx.state.week_start = settings.week_start
    ctx.state.fy_start_month = settings.fiscal_year_start_month
    ctx.state.seen = {}


def _rep(ctx: ImportContext, name: str, field_name: str) -> int:
    found = ctx.state.reps.get(fold(name))
    if found is None and as_id(name) in ctx.state.rep_ids:
        found = as_id(name)
    if found is None:
        raise invalid(field_name, name, "is not a rep (see: salescli rep list; import them first)")
    return int(found)


def _period(values: dict[str, Any], ctx: ImportContext, length: str | None) -> Any:
    from salescli import dates
    from salescli.errors import UsageError

    label, start = clean_text(values["period"]), values["period_start"]
    today = ctx.now.date()
    if label is not None and start is not None:
        raise InvalidData("give either period or period_start, not both")
    if label is not None:
        try:
            return dates.parse_period(
                label,
                today=today,
                week_start=ctx.state.week_start,
                fy_start_month=ctx.state.fy_start_month,
            )
        except UsageError as exc:
            raise invalid("period", label, str(exc).split("' ", 1)[-1]) from None
    if start is None:
        raise InvalidData(
            "needs a period (e.g. 2026-Q4) or a period_start date with --period-length"
        )
    if length is None:
        raise invalid(
            "period_start",
            start.isoformat(),
            "needs --period-length week|month|quarter|year (e.g. --period-length quarter)",
        )
    if length == "week":
        first = dates.week_start_of(start, ctx.state.week_start)
        label = (
            dates.iso_week_label(first)
            if ctx.state.week_start == 0
            else f"week of {first.isoformat()}"
        )
        return dates.Period(label, first, first + dt.timedelta(days=7))
    if length == "month":
        return dates.month_period(start.year, start.month)
    quarter = dates.fiscal_quarter(start, ctx.state.fy_start_month)
    if length == "quarter":
        return dates.quarter_period(quarter.fiscal_year, quarter.quarter, ctx.state.fy_start_month)
    return dates.year_period(quarter.fiscal_year, ctx.state.fy_start_month)


def entity(period_length: str | None) -> csvio.Entity:
    """The quota entity; `period_length` turns a `period_start` date into its period."""

    def validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
        from salescli.services.quotas.records import TEAM_RULE, target_value

        rep, team = clean_text(values["rep"]), clean_text(values["team"])
        if (rep is None) == (team is None):
            raise InvalidData(
                "needs exactly one of rep (a rep's quota) or team (a manager's team quota)"
            )
        scope = "rep" if rep is not None else "team"
        rep_id = _rep(ctx, rep or team or "", scope)
        if scope == "team" and rep_id not in ctx.state.managers:
            raise invalid("team", team, f"{TEAM_RULE}; give the name as rep for a rep quota")
        metric = values["metric"] or "revenue"
        period = _period(values, ctx, period_length)
        text = clean_text(values["amount"])
        if text is None:
            raise invalid("amount", None, "is required (e.g. 50000)")
        try:
            target, currency = target_value(
                text, metric, ctx.state.currency, decimal_comma=ctx.options.decimal_comma
            )
        except InvalidData as exc:
            raise invalid("amount", text, str(exc).split("' ", 1)[-1]) from None
        key = (scope, rep_id, metric, period.start, period.end)
        if key in ctx.state.existing:
            raise InvalidData(
                f"duplicate of quota {ctx.state.existing[key]} ({scope} {rep or team}, "
                f"{metric}, {period.label}; quota set replaces one)"
            )
        first = ctx.state.seen.get(key)
        if first is not None:
            raise InvalidData(f"duplicate of line {first} ({scope} {rep or team}, {period.label})")
        ctx.state.seen[key] = ctx.line
        return {
            "scope": scope,
            "rep_id": rep_id,
            "metric": metric,
            "period": period.label,
            "period_start": period.start,
            "period_end": period.end,
            "target": target,
            "currency": currency,
        }

    def insert(rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        assert ctx.conn is not None
        stored = ctx.instant(ctx.now)
        ctx.conn.execute(
            sa.insert(QUOTA),
            [
                {**row, "import_batch_id": ctx.batch_id, "created_at": stored,
                 "updated_at": stored}
                for row in rows
            ],
        )  # fmt: skip

    return csvio.Entity(
        state=QuotaImportState,
        name="quota",
        fields=FIELDS,
        validate=validate,
        insert=insert,
        prepare=_prepare,
        ignored=("id", "scope", "rep_id", "currency", "first_day", "last_day",
                 "created_at", "updated_at"),
        owner_field=None,
        volatile=("seen",),
    )  # fmt: skip
