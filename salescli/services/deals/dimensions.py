"""The dimensions `deals.queries.grouped_totals` groups by: one entry each in `DIMENSIONS`,
giving its key columns (labelled as the keys of the JSON shape), the joins they need, the
amount it sums, the keys of a group and the order of the groups.

Adding a dimension is adding an entry (and, for `deal list --group-by`, it is listed in
GROUP_BY unless `listed=False`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salescli.errors import UsageError
from salescli.tables import (
    ACCOUNT,
    DEAL,
    DEALLINE,
    LOSTREASON,
    PRODUCT,
    REP,
    STAGE,
    STAGECHANGE,
)
from salescli.text import fold

# (label, first day, day after the last) of each close-date bucket of the "bucket" dimension.
Bucket = tuple[str, dt.date, dt.date]


@dataclass(frozen=True)
class Grouping:
    """What a dimension adds to the query: its key columns (a hidden `_stage_pos` or
    `_lost_pos` orders stages), the joins they need in order (outer joins unless `inner`),
    and the amount it sums when not the deal's (a product sums its lines: one row per line,
    deals counted distinct)."""

    columns: tuple[Any, ...]
    joins: tuple[tuple[Any, Any], ...] = ()
    inner: bool = False
    amount: Any = None
    # Clauses it adds to the WHERE (the deals it leaves out), and its keys when not the
    # dimension's own (`Dimension.key`): buckets of close days.
    where: tuple[Any, ...] = ()
    key: Callable[[Any], dict[str, Any]] | None = None
    # Its key columns hold the close date: a closed deal's rate day is its own.
    close_day: bool = False
    # What it groups by when not its columns: the ids whose rows the names come from (a
    # table's primary key makes its other columns selectable on PostgreSQL too). Integers
    # sort faster than names; groups that show the same name meet again in Python.
    group: tuple[Any, ...] | None = None

    @property
    def partitions(self) -> bool:
        """Every deal of the scope is in exactly one group: the total is the groups' sum."""
        return not self.inner and self.amount is None and not self.where


@dataclass(frozen=True)
class Dimension:
    """One dimension: `sql(buckets)` its `Grouping`; `key(row)` a group's JSON keys from a
    result row; `order(group)` its part of the groups' sort key. `listed`: named among the
    choices of `deal list --group-by`; `buckets`: built from grouped_totals' `buckets=`, so
    never taken from a command line."""

    sql: Callable[[Sequence[Bucket]], Grouping]
    key: Callable[[Any], dict[str, Any]]
    order: Callable[[dict[str, Any]], tuple]
    listed: bool = True
    buckets: bool = False


def _keys(*names: str) -> Callable[[Any], dict[str, Any]]:
    return lambda row: {name: row[name] for name in names}


def _by_name(name: str) -> Callable[[dict[str, Any]], tuple]:
    """Names alphabetically (accents and case folded), none last."""

    def order(group: dict[str, Any]) -> tuple:
        value = group[name]
        return (value is None, fold(value), value or "")

    return order


def _lost_at(buckets: Sequence[Bucket]) -> Grouping:
    # The stage a lost deal was in when it was lost: the `from` stage of its latest change
    # into a lost stage (stage history), looked up per deal of the scope (the deal_id index),
    # not grouped over the whole stage history first.
    into = STAGE.alias("into_lost")
    moves = STAGECHANGE.alias("lost_moves")
    latest = (
        sa.select(sa.func.max(moves.c.id))
        .select_from(moves.join(into, into.c.id == moves.c.to_stage_id))
        .where(moves.c.deal_id == DEAL.c.id, into.c.kind == "lost")
        .correlate(DEAL)
        .scalar_subquery()
    )
    change = STAGECHANGE.alias("lost_from")
    before = STAGE.alias("lost_at_stage")
    return Grouping(
        (before.c.name.label("lost_at"), before.c.position.label("_lost_pos")),
        (
            (change, change.c.id == latest),
            (before, before.c.id == change.c.from_stage_id),
        ),
        group=(before.c.id,),
    )


def _bucket(buckets: Sequence[Bucket]) -> Grouping:
    """Close dates into labelled [first, end) ranges: summed per close day in SQL (within the
    ranges' span, an index range), each day then labelled with its range. A join on a table
    of ranges, or a CASE over them, costs SQLite twice as much per deal."""
    if not buckets:
        raise UsageError("no periods to group by")
    ranges = sorted((first, end, label) for label, first, end in buckets)
    starts = [first for first, _, _ in ranges]
    close = DEAL.c.close_date
    if any(end != after[0] for (_, end, _), after in zip(ranges, ranges[1:], strict=False)):
        raise ValueError("buckets must follow one another without a gap")
    where = (close >= ranges[0][0], close < ranges[-1][1])

    def key(row: Any) -> dict[str, Any]:
        day = row["bucket"]
        # The range starting last on or before the day (the ranges follow one another).
        return {"bucket": ranges[bisect.bisect_right(starts, day) - 1][2]}

    return Grouping((close.label("bucket"),), where=where, key=key, close_day=True)


def _month(row: Any) -> dict[str, Any]:
    day = row["close_month"]
    return {"close_month": day.isoformat()[:7] if day is not None else None}


def _month_order(group: dict[str, Any]) -> tuple:
    value = group["close_month"]
    return (value is None, value or "")


def _lost_at_order(group: dict[str, Any]) -> tuple:
    position = group["_lost_pos"]
    return (position is None, position or 0)


DIMENSIONS: dict[str, Dimension] = {
    "stage": Dimension(
        lambda _: Grouping(
            (STAGE.c.name.label("stage"), STAGE.c.position.label("_stage_pos")),
            group=(STAGE.c.id,),
        ),
        _keys("stage", "_stage_pos"),
        lambda group: (0, group["_stage_pos"]),  # pipeline order
    ),
    "owner": Dimension(
        lambda _: Grouping(
            (REP.c.name.label("owner"), DEAL.c.owner_id.label("owner_id")),
            ((REP, REP.c.id == DEAL.c.owner_id),),
            group=(DEAL.c.owner_id, REP.c.id),
        ),
        _keys("owner", "owner_id"),
        _by_name("owner"),
    ),
    "account": Dimension(
        lambda _: Grouping(
            (ACCOUNT.c.name.label("account"), DEAL.c.account_id.label("account_id")),
            ((ACCOUNT, ACCOUNT.c.id == DEAL.c.account_id),),
            group=(DEAL.c.account_id, ACCOUNT.c.id),
        ),
        _keys("account", "account_id"),
        _by_name("account"),
    ),
    "product": Dimension(
        lambda _: Grouping(
            (PRODUCT.c.name.label("product"), DEALLINE.c.product_id.label("product_id")),
            (
                (DEALLINE, DEALLINE.c.deal_id == DEAL.c.id),
                (PRODUCT, PRODUCT.c.id == DEALLINE.c.product_id),
            ),
            amount=sa.func.coalesce(DEALLINE.c.amount_minor, DEAL.c.amount_minor),
            group=(DEALLINE.c.product_id, PRODUCT.c.id),
        ),
        _keys("product", "product_id"),
        _by_name("product"),
    ),
    "source": Dimension(
        lambda _: Grouping((DEAL.c.source.label("source"),)),
        # Sources meet ignoring case (grouped_totals shows the most common spelling).
        lambda row: {"source": fold(row["source"]) or None},
        _by_name("source"),
    ),
    # Summed per close day in SQL (no portable month function), into months by its key.
    "close-month": Dimension(
        lambda _: Grouping((DEAL.c.close_date.label("close_month"),), close_day=True),
        _month,
        _month_order,
    ),
    "lost-reason": Dimension(
        lambda _: Grouping(
            (LOSTREASON.c.name.label("reason"),),
            ((LOSTREASON, LOSTREASON.c.id == DEAL.c.lost_reason_id),),
            group=(LOSTREASON.c.id,),
        ),
        _keys("reason"),
        _by_name("reason"),
    ),
    "lost-at": Dimension(_lost_at, _keys("lost_at", "_lost_pos"), _lost_at_order),
    # Not named among --group-by's choices: the forecast's own grouping (accepted there all
    # the same), and the periods of a trend (from buckets=; refused there).
    "forecast_category": Dimension(
        lambda _: Grouping((DEAL.c.forecast_category.label("forecast_category"),)),
        _keys("forecast_category"),
        _by_name("forecast_category"),
        listed=False,
    ),
    # The stage kind (open, won, lost): reports that read won and lost deals in one pass.
    "state": Dimension(
        lambda _: Grouping((STAGE.c.kind.label("state"),)),
        _keys("state"),
        lambda group: (("open", "won", "lost").index(group["state"]),),
        listed=False,
    ),
    "bucket": Dimension(
        _bucket, _keys("bucket"), lambda group: (0, group["bucket"]), listed=False, buckets=True
    ),
}
# `deal list --group-by`: the dimensions it names.
GROUP_BY = tuple(name for name, entry in DIMENSIONS.items() if entry.listed)


def dimension(name: str, *, command_line: bool = False) -> Dimension:
    """The dimension `name` (on a `command_line`, none built from `buckets=`)."""
    found = DIMENSIONS.get(name)
    if found is None or (command_line and found.buckets):
        raise UsageError(
            f"--group-by '{name}' is not one of: {', '.join(GROUP_BY)} "
            "(e.g. --group-by owner,stage)"
        )
    return found
