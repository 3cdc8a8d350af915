"""`quota progress`: target, actual, attainment, pace, still needed and per remaining working
day, per rep and per team (a manager and everyone under them, transitively).

Definitions (docs/quotas.md):
- target: `targets.quota_for` (set / combined / prorated / sum of reps);
- actual: revenue = won amount with close_date in P (deals.queries.grouped_totals, reporting
  currency); deals = won deals with close_date in P; leads = leads created in P (local days);
  activities = activities that occurred in P (local days). One SQL aggregation per metric,
  grouped by rep; a team's actual is the sum over its members, of the exact amounts (money
  is rounded once per figure shown; rates come from the exact figures).
- attainment = actual / target; pace = actual / (target x elapsed fraction), elapsed as
  `targets.elapsed_fraction` (today counts as gone); needed = max(target - actual, 0);
  per_working_day = needed / working days left after today (`quota.working_days`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services import config
from salescli.tables import ACTIVITY, LEAD, QUOTA, REP

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _working_days(value: str) -> str:
    names = [part.strip().lower() for part in value.replace(" ", ",").split(",") if part.strip()]
    days: set[int] = set()
    for name in names:
        found = [i for i, day in enumerate(DAY_NAMES) if len(name) >= 3 and day.startswith(name)]
        if not found:
            raise InvalidData(
                f"quota.working_days '{value}' names '{name}', not a weekday "
                "(e.g. mon,tue,wed,thu,fri)"
            )
        days.add(found[0])
    if not days:
        raise InvalidData(f"quota.working_days '{value}' names no day (e.g. mon,tue,wed,thu,fri)")
    return ",".join(DAY_NAMES[i][:3] for i in sorted(days))


WORKING_DAYS = config.declare(
    "quota.working_days",
    "mon,tue,wed,thu,fri",
    "the weekdays `quota progress` counts as working days (per remaining working day)",
    _working_days,
)


def working_weekdays(settings: Settings) -> set[int]:
    """The working weekdays (0 = Monday) of the `quota.working_days` setting."""
    text = _working_days(settings.get(WORKING_DAYS.key) or "mon,tue,wed,thu,fri")
    shorts = [day[:3] for day in DAY_NAMES]
    return {shorts.index(name) for name in text.split(",")}


def count_working_days(start: dt.date, end: dt.date, weekdays: set[int]) -> int:
    """Working days in [start, end)."""
    if end <= start:
        return 0
    total = (end - start).days
    weeks, rest = divmod(total, 7)
    count = weeks * len(weekdays)
    first = start + dt.timedelta(days=weeks * 7)
    count += sum((first + dt.timedelta(days=i)).weekday() in weekdays for i in range(rest))
    return count


def working_days_left(period: Period, today: dt.date, weekdays: set[int]) -> int:
    """Working days of `period` after `today` (today counts as gone, as in the pace)."""
    return count_working_days(max(period.start, today + dt.timedelta(days=1)), period.end, weekdays)


# ------------------------------------------------------------------------------ actuals


def actuals(
    conn: Connection,
    metric: str,
    period: Period,
    settings: Settings,
    today: dt.date,
    tz: str,
) -> tuple[dict[int, Any], dict[int, int]]:
    """Per rep id: the actual (Decimal money or int count), and won deals with an unknown
    amount (revenue only), in one aggregation."""
    from salescli.dates import day_bounds_utc

    if metric in ("revenue", "deals"):
        from salescli.services.deals.queries import grouped_totals
        from salescli.services.scope import DealScope

        scope = DealScope(state="won", period=(period.start, period.end))
        # Exact sums: a team's actual adds its members' and is rounded once (`_row`), as
        # `deal list --sum` rounds the same deals' sum once.
        totals = grouped_totals(conn, scope, settings, ["owner"], today, tz, exact=True)
        values: dict[int, Any] = {}
        unknown: dict[int, int] = {}
        for group in totals["groups"]:
            if group["owner_id"] is None:
                continue
            rep = int(group["owner_id"])
            values[rep] = group["amount"] if metric == "revenue" else int(group["count"])
            if metric == "revenue":
                unknown[rep] = int(group["unknown_amount"])
        return values, unknown
    start, end = day_bounds_utc(period, tz)
    if metric == "leads":
        owner, at = LEAD.c.owner_id, LEAD.c.created_at
    else:
        owner, at = ACTIVITY.c.rep_id, ACTIVITY.c.occurred_at
    query = (
        sa.select(owner, sa.func.count())
        .where(owner.is_not(None), at >= start, at < end)
        .group_by(owner)
    )
    return {int(rep): int(n) for rep, n in conn.execute(query)}, {}


# ------------------------------------------------------------------------------ who


def _members(conn: Connection, rep_ids: list[int] | None) -> list[Any]:
    query = sa.select(REP.c.id, REP.c.name, REP.c.name_key, REP.c.manager_id, REP.c.active)
    if rep_ids is not None:
        query = query.where(REP.c.id.in_(rep_ids))
    return list(conn.execute(query.order_by(REP.c.name_key, REP.c.id)))


def _with_quota(conn: Connection, metric: str, period: Period) -> set[int]:
    return {
        int(r)
        for r in conn.execute(
            sa.select(QUOTA.c.rep_id).where(
                QUOTA.c.scope == "rep",
                QUOTA.c.metric == metric,
                QUOTA.c.period_start < period.end,
                QUOTA.c.period_end > period.start,
            )
        ).scalars()
    }


def who(conn: Connection, *, rep: int | None, team: int | None, metric: str, period: Period) -> tuple[list[Any], list[Any]]:  # fmt: skip
    """(team rows, rep rows) to show: one rep; or, for a team (everyone when neither), a
    team row per manager in it and a rep row per member who manages no one or has a quota of
    their own overlapping the period (inactive reps only with such a quota)."""
    from salescli.services.scope import under

    if rep is not None:
        return [], _members(conn, [rep])
    people = _members(conn, sorted(under(conn, [team])) if team is not None else None)
    ids = {p.id for p in people}
    managers = {p.manager_id for p in people if p.manager_id in ids}
    if team is not None:
        managers.add(team)
    own = _with_quota(conn, metric, period)
    teams = [p for p in people if p.id in managers]
    reps = [p for p in people if p.id in own or (p.id not in managers and p.active)]
    return teams, reps


# ------------------------------------------------------------------------------ figures


def progress(
    conn: Connection,
    *,
    period: Period,
    metric: str,
    settings: Settings,
    today: dt.date,
    tz: str,
    rep: int | None = None,
    team: int | None = None,
    prorate: bool = False,
) -> list[dict[str, Any]]:
    """The rows of `quota progress` (teams first, then reps, by name)."""
    from salescli.services.quotas.targets import elapsed_fraction, preload, quota_for

    teams, reps = who(conn, rep=rep, team=team, metric=metric, period=period)
    values, unknown = actuals(conn, metric, period, settings, today, tz)
    known = preload(conn, metric, period)  # every quota and team in two queries
    figures = Figures(
        metric=metric,
        period=period,
        settings=settings,
        elapsed=elapsed_fraction(period, today),
        days_left=working_days_left(period, today, working_weekdays(settings)),
        prorate=prorate,
    )
    out = []
    for person in teams:
        members = known.members.get(person.id, {person.id})
        target = quota_for(
            conn, rep_id=person.id, period=period, team=True, metric=metric, prorate=prorate,
            preloaded=known,
        )  # fmt: skip
        actual = _sum(values, members, metric)
        gaps = sum(unknown.get(m, 0) for m in members)
        out.append(_row(figures, person, True, target, actual, gaps))
    for person in reps:
        target = quota_for(
            conn, rep_id=person.id, period=period, metric=metric, prorate=prorate, preloaded=known
        )
        actual = values.get(person.id, _zero(metric, settings))
        out.append(_row(figures, person, False, target, actual, unknown.get(person.id, 0)))
    return out


@dataclass(frozen=True)
class Figures:
    """What every row of one `quota progress` shares."""

    metric: str
    period: Period
    settings: Settings
    elapsed: Decimal
    days_left: int
    prorate: bool


def _zero(metric: str, settings: Settings) -> Any:
    from salescli.services.currency import round_money

    return round_money(Decimal(0), settings.currency) if metric == "revenue" else 0


def _sum(values: dict[int, Any], members: set[int], metric: str) -> Any:
    total: Any = Decimal(0) if metric == "revenue" else 0
    for member in members:
        total += values.get(member, 0)
    return total


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal:
    from salescli.services.forecast.figures import rate

    return rate(numerator / denominator)


def _row(
    figures: Figures, person: Any, team: bool, target: Any, actual: Any, unknown: int
) -> dict[str, Any]:
    metric, period, settings = figures.metric, figures.period, figures.settings
    elapsed, days_left, prorate = figures.elapsed, figures.days_left, figures.prorate
    from salescli.services.currency import round_money

    reporting = settings.currency
    money = metric == "revenue"
    # Money stays exact until shown: each figure (actual, target, needed, per day) is rounded
    # once, and the rates are worked out from the exact figures, as in the forecast.
    row: dict[str, Any] = {
        "rep": person.name,
        "rep_id": person.id,
        "team": person.name if team else None,
        "metric": metric,
        "period": period.label,
        "target": None,
        "actual": round_money(Decimal(actual), reporting) if money else actual,
        "attainment": None,
        "pace": None,
        "needed": None,
        "working_days_left": days_left,
        "per_working_day": None,
        "currency": reporting if money else None,
        "source": None,
        "note": None,
    }
    notes = []
    if unknown:
        notes.append(f"{unknown} won deal(s) with an unknown amount not summed")
    if target is None:
        hint = "" if prorate else " (--prorate to use a longer period's quota)"
        notes.insert(0, f"no quota covers {period.label}{hint}")
        row["note"] = "; ".join(notes)
        return row
    if money and target.currency != reporting:
        raise InvalidData(
            f"the quota of {person.name} for {period.label} is in {target.currency} but the "
            f"reporting currency is {reporting} (set the quota again in {reporting})"
        )
    amount = target.amount
    needed = max(Decimal(amount) - Decimal(actual), Decimal(0))
    row["target"] = round_money(amount, reporting) if money else _count(amount)
    row["attainment"] = _rate(Decimal(actual), Decimal(amount))
    if elapsed > 0:
        row["pace"] = _rate(Decimal(actual), Decimal(amount) * elapsed)
    row["needed"] = round_money(needed, reporting) if money else _count(needed)
    if days_left:
        per_day = needed / days_left
        row["per_working_day"] = (
            round_money(per_day, reporting) if money else per_day.quantize(Decimal("0.01"))
        )
    elif needed > 0:
        notes.append("no working day left")
    row["source"] = target.source
    row["note"] = "; ".join(notes) or None
    return row


def _count(value: Decimal) -> Decimal | int:
    """A count: whole counts as int, a prorated one to two places."""
    if value == value.to_integral_value():
        return int(value)
    return value.quantize(Decimal("0.01"))
