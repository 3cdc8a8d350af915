"""The forecast of SPEC "Forecast": per rep with team roll-ups along the manager hierarchy
(or per stage or close month), on THE money aggregation (`deals.queries.grouped_totals`).

The figures of each row (SPEC's definitions) come from `forecast.figures`; this module picks
the reps, rolls their figures up the hierarchy and applies the method (weighted, category,
historical win rates, Monte Carlo).

A manager's adjustment (services.forecast.adjust) replaces `commit` or `best_case` of a rep
in the totals and in every roll-up; the computed figure stays beside it.

Roll-ups add the reps' exact figures (`Cell`) and round once (`figures`), as `deal list
--sum` does. A team row the scope cut (`--team` by a team name leaving out some of the
manager's reports) has the sum of the shown reps' quotas, not the whole team's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import UsageError
from salescli.services.forecast.figures import (
    OPEN,
    Cell,
    Who,
    cells,
    deal_scope,
    figures,
    in_currency,
    money,
    rate,
    row_quota,
    spread,
    unknown_deals,
)
from salescli.tables import DEAL, REP, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings

METHODS = ("weighted", "category", "historical", "monte-carlo")
BY = ("rep", "stage", "month")
NO_OWNER = "(no owner)"


@dataclass
class Options:
    """How to forecast: the method and what it needs."""

    method: str = "weighted"
    by: str = "rep"
    lookback_days: int = 365
    min_deals: int = 10
    runs: int = 10000
    seed: int | None = None


def check_method(method: str) -> str:
    if method not in METHODS:
        raise UsageError(
            f"--method '{method}' is not one of {', '.join(METHODS)} (e.g. --method category)"
        )
    return method


@dataclass
class Rep:
    id: int
    name: str
    manager_id: int | None
    active: bool


def reps(conn: Connection) -> dict[int, Rep]:
    rows = conn.execute(sa.select(REP.c.id, REP.c.name, REP.c.manager_id, REP.c.active)).all()
    return {int(r.id): Rep(int(r.id), r.name, r.manager_id, bool(r.active)) for r in rows}


def children(all_reps: dict[int, Rep], chosen: set[int]) -> dict[int, list[int]]:
    """Each chosen rep's direct reports among the chosen, by name."""
    found: dict[int, list[int]] = {r: [] for r in chosen}
    for rep in all_reps.values():
        if rep.id in chosen and rep.manager_id in chosen and rep.manager_id != rep.id:
            found[rep.manager_id].append(rep.id)
    for ids in found.values():
        ids.sort(key=lambda i: (all_reps[i].name.casefold(), i))
    return found


def below(tree: dict[int, list[int]], rep_id: int) -> list[int]:
    """`rep_id` and everyone under them in `tree` (cycles cut)."""
    seen: list[int] = []
    todo = [rep_id]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        todo.extend(tree.get(current, []))
    return seen


def forecast(
    conn: Connection,
    settings: Settings,
    period: Period,
    who: Who,
    today: dt.date,
    options: Options,
    tz: str = "UTC",
) -> dict[str, Any]:
    """The forecast of `period`: {period, period_start, period_end, method, currency, rows,
    total, notes}; rows are reps and teams (by rep) or stages or months."""
    check_method(options.method)
    if options.by not in BY:
        raise UsageError(f"--by '{options.by}' is not one of rep, stage, month (e.g. --by stage)")
    if options.by != "rep" and options.method in ("historical", "monte-carlo"):
        raise UsageError(
            f"--method {options.method} forecasts per rep: use it with --by rep, or --by "
            f"{options.by} with weighted or category "
            f"(e.g. salescli forecast --method weighted --by {options.by})"
        )
    currency = settings.currency
    found = cells(conn, settings, period, who, today, options.by, tz)
    notes: list[str] = []
    unknown = sum(cell.unknown_amount for cell in found.values())
    named = unknown_deals(conn, settings, period, who, tz) if unknown else []
    if unknown:
        more = f" and {unknown - len(named)} more" if unknown > len(named) else ""
        notes.append(
            f"{unknown} deal(s) without an amount counted, not summed: {', '.join(named)}{more}"
        )
    result: dict[str, Any] = {
        "period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "method": options.method,
        "currency": currency,
    }
    if options.by != "rep":
        key = "stage" if options.by == "stage" else "month"
        rows = []
        total = Cell()
        for name, cell in found.items():
            total.add(cell)
            rows.append({key: name, **_plain(cell, None, currency, options.method)})
        if options.by == "stage":
            order = _stage_order(conn)
            rows.sort(key=lambda r: order.get(r["stage"], 0))
        else:
            rows.sort(key=lambda r: (r["month"] is None, r["month"] or ""))
        result.update(rows=rows, total=_plain(total, None, currency, options.method), notes=notes)
        return result
    return _by_rep(conn, settings, period, who, today, options, found, notes, result, tz)


def _stage_order(conn: Connection) -> dict[str, int]:
    return {r.name: r.position for r in conn.execute(sa.select(STAGE.c.name, STAGE.c.position))}


def _plain(cell: Cell, quota: Decimal | None, currency: str, method: str) -> dict[str, Any]:
    value = cell.closed + (cell.weighted_open if method == "weighted" else cell.open["commit"])
    return figures(cell, quota, currency, value)


def _by_rep(
    conn: Connection,
    settings: Settings,
    period: Period,
    who: Who,
    today: dt.date,
    options: Options,
    found: dict[Any, Cell],
    notes: list[str],
    result: dict[str, Any],
    tz: str,
) -> dict[str, Any]:
    from salescli.services.forecast import adjust
    from salescli.services.forecast import methods as m

    currency = settings.currency
    everyone = reps(conn)
    if who.rep_id is not None:
        chosen = {who.rep_id}
    elif who.team is not None:
        from salescli.services.scope import team_ids

        chosen = set(team_ids(conn, who.team, settings))
    elif who.no_owner:  # only the (no owner) row
        chosen = set()
    else:
        chosen = set(everyone)
    tree = children(everyone, chosen)
    whole_tree = children(everyone, set(everyone))
    roots = sorted(
        (r for r in chosen if everyone[r].manager_id not in chosen or everyone[r].manager_id == r),
        key=lambda r: (everyone[r].name.casefold(), r),
    )
    adjustments = adjust.latest(conn, period, chosen)
    # Each rep's own figures as used in roll-ups: adjusted where a manager adjusted them.
    own: dict[Any, Cell] = dict(found)
    for rep_id, by_category in adjustments.items():
        cell = own[rep_id] = own[rep_id].copy() if rep_id in own else Cell()
        for category, adjustment in by_category.items():
            value = in_currency(conn, adjustment, currency, today)
            cell.open[category] = value
    method_open: dict[Any, Decimal] = {}
    rates: dict[int, dict[str, m.Rate]] = {}
    if options.method == "historical":
        counts = m.stage_history_counts(conn, today, options.lookback_days)
        defaults = m.stage_defaults(conn)
        for owner, cell in own.items():
            manager = everyone[owner].manager_id if owner in everyone else None
            team = below(whole_tree, manager if manager is not None else owner) if owner else []
            used = m.rates_for(
                counts, defaults, owner, team, sorted(cell.by_stage), options.min_deals
            )
            if owner is not None:
                rates[owner] = used
            # A measured rate replaces the probability; without one, each deal keeps its own
            # (the stage default unless overridden): the weighted figure of that stage.
            method_open[owner] = sum(
                (
                    value * used[stage].rate
                    if used[stage].source != m.DEFAULT
                    else cell.weighted_by_stage.get(stage, Decimal(0))
                    for stage, value in cell.by_stage.items()
                ),
                Decimal(0),
            )
    elif options.method != "monte-carlo":
        for owner, cell in own.items():
            method_open[owner] = (
                cell.weighted_open if options.method == "weighted" else cell.open["commit"]
            )
    # Every quota of the period and every team in two queries (not two per row).
    from salescli.services.currency import Converter
    from salescli.services.quotas.targets import preload

    known = preload(conn, "revenue", period)
    converter = Converter(conn, currency, today)
    sims: dict[Any, Any] = {}
    if options.method == "monte-carlo":
        from salescli.services.deals.queries import _where

        clauses = _where(conn, deal_scope(who, "open", period), settings, tz)
        clauses.append(DEAL.c.forecast_category.in_(OPEN))
        owners, matrix = m.simulate(conn, settings, clauses, today, options.runs, options.seed)
        sims = {owner: matrix[:, i] for i, owner in enumerate(owners)}
        result["runs"] = options.runs
        result["seed"] = options.seed

    def row(kind: str, rep_id: int | None, members: list[Any], level: int) -> dict[str, Any]:
        cell = Cell()
        for member in members:
            if member in own:
                cell.add(own[member])
        team = kind == "team"
        quota, source = (None, None)
        if rep_id is not None:
            # A team row the scope cut (--team by the reps' team field leaves out some of the
            # manager's reports): the quota of the reps shown, never the whole team's.
            left_out = set(below(whole_tree, rep_id)) - set(members) if team else set()
            shown = members if left_out else None
            quota, source = row_quota(conn, rep_id, period, team, converter, known, shown)
            exact_quotas[kind, rep_id] = quota
            if left_out and quota is not None:
                left = sorted(everyone[x].name for x in left_out)
                notes.append(
                    f"{everyone[rep_id].name} (team): the quota is the sum of the quotas of the "
                    f"reps shown, not the whole team's (the scope leaves out {', '.join(left)})"
                )
        forecast_value = None
        if options.method != "monte-carlo":
            forecast_value = cell.closed + sum(
                (method_open.get(x, Decimal(0)) for x in members), Decimal(0)
            )
        name = everyone[rep_id].name if rep_id is not None else NO_OWNER
        out: dict[str, Any] = {
            "rep": name, "rep_id": rep_id, "kind": kind, "level": level,
            **figures(cell, quota, currency, forecast_value),
            "quota_source": source,
        }  # fmt: skip
        if options.method == "monte-carlo":
            out.update(spread(cell, [sims[x] for x in members if x in sims], quota, currency, options.runs))  # fmt: skip
        adjusted = {x: adjustments[x] for x in members if x in adjustments}
        if kind == "rep" and rep_id in adjustments:
            for category in adjust.CATEGORIES:
                entry = adjustments[rep_id].get(category)
                computed = found.get(rep_id, Cell()).open[category]
                out[f"{category}_computed"] = money(computed, currency)
                out[f"{category}_adjusted"] = (
                    None
                    if entry is None
                    else money(in_currency(conn, entry, currency, today), currency)
                )
            out["adjustments"] = list(adjustments[rep_id].values())
        elif adjusted:
            out["adjusted_reps"] = sorted(everyone[x].name for x in adjusted)
        if rep_id in rates and kind == "rep":
            out["rates"] = [vars(r) | {"rate": rate(r.rate)} for r in rates[rep_id].values()]
        return out

    rows: list[dict[str, Any]] = []
    exact_quotas: dict[tuple[str, int], Decimal | None] = {}  # before rounding: the total's

    def emit(rep_id: int, level: int) -> None:
        members = below(tree, rep_id)
        if tree[rep_id]:
            rows.append(row("team", rep_id, members, level))
            level += 1
        cell = own.get(rep_id)
        if cell is not None or everyone[rep_id].active or tree[rep_id]:
            rows.append(row("rep", rep_id, [rep_id], level))
        for child in tree[rep_id]:
            emit(child, level)

    for root in roots:
        emit(root, 0)
    if who.rep_id is None and who.team is None and None in own:
        rows.append(row("rep", None, [None], 0))
    members = list(own)
    total = row("total", None, members, 0)
    quotas = [q for r in rows if r["level"] == 0 and (r["kind"] == "team" or not tree.get(r["rep_id"])) and (q := exact_quotas.get((r["kind"], r["rep_id"]))) is not None]  # fmt: skip
    total_quota = sum(quotas, Decimal(0)) if quotas else None
    total.update(figures(_sum_cells(own, members), total_quota, currency, _num(total["forecast"])))
    if options.method == "monte-carlo":
        total.update(spread(_sum_cells(own, members), list(sims.values()), total_quota, currency, options.runs))  # fmt: skip
    total["quota_source"] = "sum of reps" if quotas else None
    for key in ("rep", "rep_id", "kind", "level"):
        total.pop(key, None)
    if adjustments:
        names = sorted(everyone[x].name for x in adjustments)
        notes.append(
            "adjusted figures (a manager's judgement) used in totals and roll-ups for: "
            + ", ".join(names)
        )
    if options.method == "historical":
        for rep_id, used in sorted(rates.items(), key=lambda x: everyone[x[0]].name.casefold()):
            parts = [
                f"{r.stage} {r.rate * 100:.1f}% ({r.source}"
                + (f", {r.won}/{r.closed}" if r.closed else "")
                + ")"
                for r in used.values()
            ]
            if parts:
                notes.append(f"historical rates for {everyone[rep_id].name}: " + "; ".join(parts))
    result.update(rows=rows, total=total, notes=notes)
    return result


def _num(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _sum_cells(own: dict[Any, Cell], members: list[Any]) -> Cell:
    cell = Cell()
    for member in members:
        if member in own:
            cell.add(own[member])
    return cell
