"""Which quota covers a period: THE rule every output (quota progress, forecast, reports)
uses.

For a rep (scope `rep`) or a team (scope `team`: a manager's target for everyone under
them), a metric and a period P:
1. a quota set for exactly P;
2. else quotas set for periods that lie inside P and together cover every day of P (three
   monthly quotas make a quarter's): their sum;
3. else, only when `prorate` is asked, the quota of the shortest period that holds P, times
   days(P) / days(its period);
4. else none: the caller says that no quota covers P.
A team with no team quota of its own has the sum of its reps' quotas (every rep under the
manager, transitively, the manager included), each found by the same rule; `source` says so.
A roll-up that shows only some of a manager's team (a scope by the reps' team field) has the
sum of the quotas of the reps it shows (`sum_of_reps`), never the whole team's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.tables import QUOTA

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period

METRICS = ("revenue", "deals", "leads", "activities")
SET, COMBINED, PRORATED, SUM_OF_REPS = "set", "combined", "prorated", "sum of reps"


@dataclass(frozen=True)
class Target:
    """A quota as it applies to a period: `amount` in major units of `currency` (revenue) or
    a count (`currency` None); `source` is how it was found (SET, COMBINED, PRORATED,
    SUM_OF_REPS)."""

    amount: Decimal
    currency: str | None
    source: str


def _value(target: int, currency: str | None) -> Decimal:
    from salescli.money import from_minor

    if currency is None:
        return Decimal(target)
    value = from_minor(target, currency)
    assert value is not None
    return value


def _query(metric: str, period: Period) -> sa.Select:
    return (
        sa.select(QUOTA.c.period_start, QUOTA.c.period_end, QUOTA.c.target, QUOTA.c.currency)
        .where(
            QUOTA.c.metric == metric,
            QUOTA.c.period_start < period.end,
            QUOTA.c.period_end > period.start,
        )
        .order_by(QUOTA.c.period_start, QUOTA.c.period_end)
    )


@dataclass(frozen=True)
class Preloaded:
    """Every quota of one metric overlapping one period, by (scope, rep id), and every rep
    under each rep: what `quota_for` reads, loaded in two queries for a command that asks
    about many reps and teams (`quota progress`). Build it with `preload`."""

    metric: str
    period: Period
    quotas: dict[tuple[str, int], list[Any]]
    members: dict[int, set[int]]


def preload(conn: Connection, metric: str, period: Period) -> Preloaded:
    from salescli.tables import REP

    quotas: dict[tuple[str, int], list[Any]] = {}
    query = _query(metric, period).add_columns(QUOTA.c.scope, QUOTA.c.rep_id)
    for row in conn.execute(query):
        quotas.setdefault((row.scope, int(row.rep_id)), []).append(row)
    children: dict[int, list[int]] = {}
    ids = []
    for rid, manager in conn.execute(sa.select(REP.c.id, REP.c.manager_id)):
        ids.append(int(rid))
        if manager is not None:
            children.setdefault(int(manager), []).append(int(rid))
    members: dict[int, set[int]] = {}
    for rid in ids:
        seen, stack = {rid}, [rid]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        members[rid] = seen
    return Preloaded(metric, period, quotas, members)


def _own(
    conn: Connection,
    scope: str,
    rep_id: int,
    metric: str,
    period: Period,
    prorate: bool,
    preloaded: Preloaded | None = None,
) -> Target | None:
    if preloaded is not None:
        assert (preloaded.metric, preloaded.period) == (metric, period)
        rows = preloaded.quotas.get((scope, rep_id), [])
    else:
        query = _query(metric, period).where(QUOTA.c.scope == scope, QUOTA.c.rep_id == rep_id)
        rows = list(conn.execute(query).all())
    if not rows:
        return None
    for row in rows:
        if (row.period_start, row.period_end) == (period.start, period.end):
            return Target(_value(row.target, row.currency), row.currency, SET)
    inside = [r for r in rows if r.period_start >= period.start and r.period_end <= period.end]
    covered = sum((r.period_end - r.period_start).days for r in inside)
    overlapping = _overlap(inside)
    if inside and not overlapping and covered == (period.end - period.start).days:
        currencies = {r.currency for r in inside}
        if len(currencies) > 1:
            raise InvalidData(
                f"quotas for {period.label} are in several currencies "
                f"({', '.join(sorted(c or '-' for c in currencies))}): set them in one"
            )
        total = sum((_value(r.target, r.currency) for r in inside), Decimal(0))
        return Target(total, inside[0].currency, COMBINED)
    if prorate:
        holding = [r for r in rows if r.period_start <= period.start and r.period_end >= period.end]
        if holding:
            # The shortest period that holds P: a month takes its quarter's quota, not the
            # year's, when both are set.
            row = min(holding, key=lambda r: (r.period_end - r.period_start, r.period_start))
            days = Decimal((period.end - period.start).days)
            whole = Decimal((row.period_end - row.period_start).days)
            amount = _value(row.target, row.currency) * days / whole
            return Target(amount, row.currency, PRORATED)
    return None


def _overlap(rows: list) -> bool:
    ordered = sorted(rows, key=lambda r: r.period_start)
    return any(a.period_end > b.period_start for a, b in zip(ordered, ordered[1:], strict=False))


def quota_for(
    conn: Connection,
    *,
    rep_id: int,
    period: Period,
    team: bool = False,
    metric: str = "revenue",
    prorate: bool = False,
    preloaded: Preloaded | None = None,
) -> Target | None:
    """The quota of rep `rep_id` (or, with `team`, of the team under manager `rep_id`) that
    covers `period`, by the rule above; None when none does. `preloaded` (from `preload`
    for the same metric and period) answers without a query."""
    if not team:
        return _own(conn, "rep", rep_id, metric, period, prorate, preloaded)
    own = _own(conn, "team", rep_id, metric, period, prorate, preloaded)
    if own is not None:
        return own
    if preloaded is not None:
        members = preloaded.members.get(rep_id, {rep_id})
    else:
        from salescli.services.scope import under

        members = under(conn, [rep_id])
    return sum_of_reps(conn, members, period, metric, prorate, preloaded)


def sum_of_reps(
    conn: Connection,
    rep_ids: Iterable[int],
    period: Period,
    metric: str = "revenue",
    prorate: bool = False,
    preloaded: Preloaded | None = None,
) -> Target | None:
    """The sum of the quotas of `rep_ids` (each found by the rule above), source SUM_OF_REPS;
    None when none of them has one. A team without a team quota of its own has this for
    every rep under the manager; a roll-up whose scope left some of them out (`forecast
    --team NAME` by the reps' team field) has it for the reps it shows."""
    found = [
        t
        for member in sorted(set(rep_ids))
        if (t := _own(conn, "rep", member, metric, period, prorate, preloaded)) is not None
    ]
    if not found:
        return None
    currencies = {t.currency for t in found}
    if len(currencies) > 1:
        raise InvalidData(
            f"the reps' quotas for {period.label} are in several currencies "
            f"({', '.join(sorted(c or '-' for c in currencies))}): set them in one"
        )
    return Target(sum((t.amount for t in found), Decimal(0)), found[0].currency, SUM_OF_REPS)


def elapsed_fraction(period: Period, today: dt.date) -> Decimal:
    """The share of `period` gone by at the end of `today` (0 before it, 1 after it)."""
    days = (period.end - period.start).days
    gone = min(max((today - period.start).days + 1, 0), days)
    return Decimal(gone) / Decimal(days)
