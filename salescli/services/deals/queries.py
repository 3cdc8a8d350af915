"""Deal lists and money totals, in SQLAlchemy Core over the one deal scope
(`services.scope.DealScope` / `deal_clauses`).

`grouped_totals` is THE money aggregation of deals (deal list --sum and --group-by, account
list, forecasts and reports): summed in SQL per currency and rate day, converted exactly with
`currency.Converter` (closed deals at their close date's rate, open ones at today's), deals
without an amount counted apart and never summed, a missing rate one error naming the currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, UsageError
from salescli.services.deals.dimensions import GROUP_BY, Dimension, Grouping, dimension
from salescli.services.deals.records import record_query, shape
from salescli.services.deals.rules import STATES
from salescli.services.paging import each_row, first_rows
from salescli.services.scope import DealScope, deal_clauses
from salescli.tables import DEAL, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

SORTS = ("close", "amount", "created", "stage", "probability")
# The deals a list or a total is about: the one scope of every command (services.scope).
Filters = DealScope


def deal_state(
    *,
    open_: bool = False,
    won: bool = False,
    lost: bool = False,
    all_: bool = False,
    stage: str | None = None,
) -> str | None:
    """The stage kind a list shows: open deals unless --won, --lost, --all or a --stage (which
    may be a closed one) says otherwise."""
    if won or lost:
        return "won" if won else "lost"
    if all_ or (stage is not None and not open_):
        return None
    return "open"


def _where(conn: Connection, scope: DealScope, settings: Settings, tz: str = "UTC") -> list[Any]:
    if scope.state is not None and scope.state not in STATES:
        raise UsageError(
            f"--state '{scope.state}' is not one of open, won, lost (e.g. --state won)"
        )
    return deal_clauses(conn, scope, settings, tz)


def _order(sort: str) -> list[Any]:
    if sort not in SORTS:
        raise InvalidData(f"sort '{sort}' is not one of {', '.join(SORTS)} (e.g. --sort amount)")
    orders: dict[str, list[Any]] = {
        "close": [DEAL.c.close_date.asc().nulls_last(), DEAL.c.id],
        "amount": [DEAL.c.amount_minor.desc().nulls_last(), DEAL.c.id],
        "created": [DEAL.c.created_at.desc(), DEAL.c.id.desc()],
        "stage": [STAGE.c.position, DEAL.c.close_date.asc().nulls_last(), DEAL.c.id],
        "probability": [DEAL.c.probability.desc(), DEAL.c.id],
    }
    return orders[sort]


def list_deals(
    conn: Connection,
    scope: DealScope,
    settings: Settings,
    *,
    sort: str = "close",
    limit: int = 100,
    tz: str = "UTC",
) -> tuple[list[dict[str, Any]], bool]:
    """Deals in `scope` in the deal's JSON shape; (rows, whether more matched beyond `limit`)."""
    if limit < 0:
        raise InvalidData(f"limit '{limit}' must be 0 (all) or more (e.g. --limit 50)")
    where, order = _where(conn, scope, settings, tz), _order(sort)
    if limit:
        # The page's ids first, from the deals alone, then the names joined to those rows
        # only: joining every matching deal before sorting grows with the pipeline
        # (docs/performance.md, growth).
        # By owner, team or account their own index finds the few deals faster than walking
        # every open stage in close order for them.
        narrowed = scope.owner or scope.team or scope.account
        if sort == "close" and scope.state == "open" and not narrowed:
            page = _open_by_close(conn, where, limit + 1)
        else:
            page = (
                sa.select(DEAL.c.id)
                .select_from(DEAL)
                .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
                .where(*where)
                .order_by(*order)
                .limit(limit + 1)
            )
        where = [DEAL.c.id.in_(page)]
    query = record_query().where(*where).order_by(*order)
    found, more = first_rows(conn, query, limit)
    return [shape(r) for r in found], more


def each_deal(
    conn: Connection, scope: DealScope, settings: Settings, *, sort: str = "close", tz: str = "UTC"
) -> Iterator[dict[str, Any]]:
    """Every deal in `scope` in the deal's JSON shape and `list_deals`' order, read as it is
    consumed (`paging.each_row`): `deal list` with no limit, written as it is read."""
    query = record_query().where(*_where(conn, scope, settings, tz)).order_by(*_order(sort))
    return (shape(r) for r in each_row(conn, query))


def _open_by_close(conn: Connection, where: list[Any], size: int) -> Any:
    """The ids of the first `size` open deals matching `where` in close-date order (no date
    last, then id): the first `size` of each open stage with a date, and of each without one,
    each read in order from `ix_deal_stage_id_close_date` and merged. Sorting every open deal
    instead costs as much as the pipeline is large (0.11 s at 54,000 open deals; this, under
    a millisecond: docs/performance.md, "deal list")."""
    stages = conn.execute(
        sa.select(STAGE.c.id).where(STAGE.c.kind == "open").order_by(STAGE.c.id)
    ).scalars()
    parts = []
    for stage_id in stages:
        matching = (
            sa.select(DEAL.c.id, DEAL.c.close_date)
            .select_from(DEAL)
            .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
            .where(*where, DEAL.c.stage_id == stage_id)
        )
        dated = matching.where(DEAL.c.close_date.is_not(None))
        undated = matching.where(DEAL.c.close_date.is_(None))
        parts.append(dated.order_by(DEAL.c.close_date, DEAL.c.id).limit(size).subquery().select())
        parts.append(undated.order_by(DEAL.c.id).limit(size).subquery().select())
    if not parts:
        return sa.select(DEAL.c.id).where(sa.false())
    merged = sa.union_all(*parts).subquery("open_page")
    return (
        sa.select(merged.c.id)
        .order_by(merged.c.close_date.asc().nulls_last(), merged.c.id)
        .limit(size)
    )


def totals(
    conn: Connection,
    scope: DealScope,
    settings: Settings,
    today: dt.date | None = None,
    tz: str = "UTC",
) -> dict[str, Any]:
    """Count, amount and weighted amount of every deal in `scope`, in the reporting currency.

    Won and lost deals convert at the rate in force on their close date, open deals at the
    rate in force `today` (a rate dated in the future does not apply yet); a missing rate is
    an error naming the currency.
    """
    return grouped_totals(conn, scope, settings, [], today, tz)["total"]


def check_group_by(value: str) -> list[str]:
    """`owner,stage` -> ["owner", "stage"]: one or two known dimensions, or InvalidData."""
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not names or len(names) > 2 or len(set(names)) != len(names):
        raise UsageError(
            f"--group-by '{value}' must name one or two different fields of: "
            f"{', '.join(GROUP_BY)} (e.g. --group-by owner,stage)"
        )
    for name in names:
        dimension(name, command_line=True)
    return names


def grouped_totals(
    conn: Connection,
    scope: DealScope,
    settings: Settings,
    group_by: list[str],
    today: dt.date | None = None,
    tz: str = "UTC",
    buckets: Sequence[tuple[str, dt.date, dt.date]] | None = None,
    with_total: bool = True,
    rollups: Sequence[Sequence[str]] = (),
    exact: bool = False,
) -> dict[str, Any]:
    """Count, amount and weighted amount per group of `group_by` dimensions (none: one
    total), converted to the reporting currency exactly as `deal list --sum` does (closed
    deals at their close date's rate, open ones at the rate in force `today`).

    `rollups` are coarser groupings (each a subset of `group_by`, e.g. ["stage"] of
    ["stage", "owner"]) summed from the same rows before rounding: the figures a query of
    their own would give, without reading the deals again. The total is such a roll-up
    when every dimension puts each deal in exactly one group (`Grouping.partitions`);
    otherwise (products' lines, buckets) it is a pass of its own. `with_total=False` skips it
    (`total` is {}).
    `exact=True` leaves `amount` and `weighted` unrounded (exact Decimals), for a caller that
    rolls the groups up along something no dimension expresses (the manager hierarchy of a
    forecast or of `quota progress`) and rounds each sum once itself (`round_money`).
    The dimension "bucket" groups by close date into `buckets` ((label, first day, day after
    the last)): weeks, months or quarters of a trend; a deal outside every bucket is left out.

    Returns {"group_by", "currency", "groups": [{<keys>, count, amount, weighted,
    unknown_amount}], "total": {count, amount, weighted, unknown_amount, currency}}, and
    "rollups" (the groups of each roll-up, in order) when asked for.
    """
    from salescli.services.currency import Converter

    reporting = settings.currency
    dims = [dimension(name) for name in group_by]
    groupings = [d.sql(buckets or []) for d in dims]
    for names in rollups:  # a deal must be in one group of each dimension a roll-up drops
        dropped = [g for name, g in zip(group_by, groupings, strict=True) if name not in names]
        if not set(names) <= set(group_by) or not all(g.partitions for g in dropped):
            raise ValueError(f"{list(names)} is not a roll-up of {group_by}")
    keys = [column for grouping in groupings for column in grouping.columns]
    grouped = [
        term
        for grouping in groupings
        for term in (grouping.columns if grouping.group is None else grouping.group)
    ]
    amount_col = next(
        (grouping.amount for grouping in groupings if grouping.amount is not None),
        DEAL.c.amount_minor,
    )
    partitions = all(grouping.partitions for grouping in groupings)
    total_rollup = bool(group_by) and with_total and partitions
    # Aggregate in SQL; only what conversion needs stays apart: the currency, the stage kind
    # and, for closed deals in another currency, the rate period of the close date (rates
    # are dated). The weighted amount is Σ amount × probability in minor units × percent,
    # converted and divided by 100 in Python: exact, without a group per probability.
    # Grouped per close day already (a month, a bucket): the close date is the rate day.
    close_day = any(grouping.close_day for grouping in groupings)
    rate_day = DEAL.c.close_date if close_day else _rate_period(conn, reporting)
    # The rate-period CASE is grouped by its name in the select list: repeated as an
    # expression, its bind parameters differ and SQLite evaluates it twice per row.
    rate_group = rate_day if close_day else sa.literal_column("rate_day")
    source = DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id)
    for grouping in groupings:
        for join in grouping.joins:
            source = source.join(*join) if grouping.inner else source.outerjoin(*join)
    if any(grouping.amount is not None for grouping in groupings):  # a row per line: count deals
        deals = sa.func.count(sa.distinct(DEAL.c.id))
        known_deal = sa.case((amount_col.is_not(None), DEAL.c.id), else_=sa.null())
        known = sa.func.count(sa.distinct(known_deal))
    else:  # one row per deal
        deals, known = sa.func.count(), sa.func.count(amount_col)
    query = (
        sa.select(
            DEAL.c.currency,
            rate_day.label("rate_day"),
            STAGE.c.kind,
            deals.label("deals"),
            known.label("known"),
            sa.cast(sa.func.sum(amount_col), sa.BigInteger).label("minor"),
            sa.cast(sa.func.sum(amount_col * DEAL.c.probability), sa.BigInteger).label("pminor"),
            *keys,
        )
        .select_from(source)
        .where(*_where(conn, scope, settings, tz))
        .where(*(clause for grouping in groupings for clause in grouping.where))
        .group_by(DEAL.c.currency, rate_group, STAGE.c.kind, *grouped)
    )
    converter = Converter(conn, reporting, today)
    # The groups of `group_by`, then of each roll-up, then the total's.
    pairs = dict(zip(group_by, zip(dims, groupings, strict=True), strict=True))
    levels = [[pairs[name] for name in group_by], *([pairs[n] for n in names] for names in rollups)]
    if total_rollup:
        levels.append([])
    found: list[dict[tuple, dict[str, Any]]] = [{} for _ in levels]
    for row in conn.execute(query).mappings():
        value = weighted = None
        if row["known"]:
            kind = row["kind"]
            value = converter.convert(
                row["minor"], row["currency"], row["rate_day"] if kind != "open" else None
            )
            if kind == "open":
                weighted = converter.convert(row["pminor"], row["currency"], None) / 100
        for level, groups in zip(levels, found, strict=True):
            _add(groups, _group_key(row, level), row, value, weighted)
    every = [
        _finish(groups, [d for d, _ in level], reporting, exact)
        for level, groups in zip(levels, found, strict=True)
    ]
    rows = every[0]
    if group_by and not with_total:
        total = {}  # the caller does not need it
    elif total_rollup:
        total = every[-1][0] if every[-1] else _zero_total(reporting)
    elif group_by:
        total = grouped_totals(conn, scope, settings, [], today, tz, exact=exact)["total"]
    else:
        total = rows[0] if rows else _zero_total(reporting)
    found_totals: dict[str, Any] = {
        "group_by": group_by,
        "currency": reporting,
        "groups": rows if group_by else [],
        "total": total,
    }
    if rollups:  # not part of `deal list --group-by`'s JSON shape
        found_totals["rollups"] = every[1 : 1 + len(rollups)]
    return found_totals


def _add(
    groups: dict[tuple, dict[str, Any]],
    key_values: dict[str, Any],
    row: Any,
    value: Decimal | None,
    weighted: Decimal | None,
) -> None:
    """Add one result row (its deals, and its amount converted once) to its group."""
    key = tuple(key_values.items())
    group = groups.get(key)
    if group is None:
        group = groups[key] = {
            **key_values,
            "count": 0,
            "amount": Decimal(0),
            "weighted": Decimal(0),
            "unknown_amount": 0,
        }
    group["count"] += row["deals"]
    group["unknown_amount"] += row["deals"] - row["known"]
    if "source" in key_values and row["source"] is not None:
        spellings = group.setdefault("_spellings", {})
        spellings[row["source"]] = spellings.get(row["source"], 0) + row["deals"]
    if value is not None:
        group["amount"] += value
    if weighted is not None:
        group["weighted"] += weighted


def _finish(
    groups: dict[tuple, dict[str, Any]], dims: list[Dimension], reporting: str, exact: bool
) -> list[dict[str, Any]]:
    """The groups in their dimensions' order, money rounded once (left exact with `exact`),
    hidden sort keys dropped."""
    from salescli.services.currency import round_money

    rows = sorted(groups.values(), key=lambda group: tuple(d.order(group) for d in dims))
    for g in rows:
        g.pop("_stage_pos", None)
        g.pop("_lost_pos", None)
        spellings = g.pop("_spellings", None)
        if spellings:  # a source shows in its most common spelling
            g["source"] = min(spellings, key=lambda s: (-spellings[s], s))
        if not exact:
            g["amount"] = round_money(g["amount"], reporting)
            g["weighted"] = round_money(g["weighted"], reporting)
        g["currency"] = reporting
    return rows


def _zero_total(reporting: str) -> dict[str, Any]:
    from salescli.services.currency import round_money

    zero = round_money(Decimal(0), reporting)
    return {
        "count": 0,
        "amount": zero,
        "weighted": zero,
        "unknown_amount": 0,
        "currency": reporting,
    }


# Above this many rates to the reporting currency, closed deals group per close day instead
# of per rate period (a CASE of that many branches would cost more than the groups it saves).
RATE_PERIODS_MAX = 200


def _rate_period(conn: Connection, reporting: str) -> Any:
    """The day whose rate converts a deal's amount, as a grouping column: NULL for deals in
    the reporting currency and for open deals (both convert at one rate), else the first day
    of the rate period holding the close date (the latest rate dated on or before it), so
    closed deals group per rate period rather than per close day. A close date before the
    currency's first rate stays itself: the conversion names it as missing."""
    from salescli.tables import CURRENCYRATE

    closed = sa.and_(DEAL.c.currency != reporting, STAGE.c.kind != "open")
    rates = conn.execute(
        sa.select(CURRENCYRATE.c.currency, CURRENCYRATE.c.valid_on)
        .where(CURRENCYRATE.c.quote == reporting, CURRENCYRATE.c.currency != reporting)
        .order_by(CURRENCYRATE.c.currency, CURRENCYRATE.c.valid_on.desc())
    ).all()
    if not rates or len(rates) > RATE_PERIODS_MAX:
        return sa.case((closed, DEAL.c.close_date), else_=sa.null())
    per: dict[str, list[dt.date]] = {}
    for currency, day in rates:
        per.setdefault(currency, []).append(day)
    whens = [
        (
            sa.and_(DEAL.c.currency == currency, DEAL.c.close_date >= day),
            sa.literal(day, sa.Date()),
        )
        for currency, days in per.items()
        for day in days  # latest first: the first day on or before the close date wins
    ]
    return sa.case((sa.not_(closed), sa.null()), *whens, else_=DEAL.c.close_date)


def round_zero(currency: str) -> Decimal:
    """Zero in `currency` at its minor units (what an account without deals shows)."""
    from salescli.services.currency import round_money

    return round_money(Decimal(0), currency)


def _group_key(row: Any, dims: list[tuple[Dimension, Grouping]]) -> dict[str, Any]:
    """The JSON keys of a group, each dimension's in turn."""
    key: dict[str, Any] = {}
    for d, grouping in dims:
        key.update((grouping.key or d.key)(row))
    return key
