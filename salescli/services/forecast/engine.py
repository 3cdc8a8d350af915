"""The forecast figures of SPEC "Forecast", per rep with team roll-ups along the manager
hierarchy, on THE money aggregation (`deals.queries.grouped_totals`).

For a period P: `closed` = won deals closing in P; `commit`, `best_case`, `pipeline` = open
deals expected to close in P by forecast category (omitted deals nowhere); `commit_total =
closed + commit`, `best_case_total = commit_total + best_case`, `pipeline_total =
best_case_total + pipeline`; `weighted = closed + Σ amount × probability` over the open deals;
`gap = quota − closed`, `attainment = closed / quota`, `coverage = open amount / gap` (null
without a quota or when the gap is not positive).

A manager's adjustment (services.forecast.adjust) replaces `commit` or `best_case` of a rep
in the totals and in every roll-up; the computed figure stays beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import UsageError
from salescli.tables import DEAL, REP, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.dates import Period
    from salescli.services.config import Settings
    from salescli.services.currency import Converter
    from salescli.services.quotas.targets import Preloaded

METHODS = ("weighted", "category", "historical", "monte-carlo")
BY = ("rep", "stage", "month")
OPEN = ("commit", "best_case", "pipeline")
ADJUSTABLE = ("commit", "best_case")
NO_OWNER = "(no owner)"
# How many deals without an amount a note names before it says "and N more".
NAMED = 10


@dataclass
class Options:
    """How to forecast: the method and what it needs."""

    method: str = "weighted"
    by: str = "rep"
    lookback_days: int = 365
    min_deals: int = 10
    runs: int = 10000
    seed: int | None = None


@dataclass
class Who:
    """Whose deals: everyone (both None), one rep, or a team (the manager and everyone under
    them)."""

    rep_id: int | None = None
    team: str | None = None  # the --team text, resolved by services.scope


@dataclass
class Cell:
    """One row's figures in minor-free Decimals of the reporting currency."""

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


def check_method(method: str) -> str:
    if method not in METHODS:
        raise UsageError(
            f"--method '{method}' is not one of {', '.join(METHODS)} (e.g. --method category)"
        )
    return method


def _scope(who: Who, state: str | None, period: Period, category: str | None = None) -> Any:
    from salescli.services.scope import DealScope

    return DealScope(
        owner=str(who.rep_id) if who.rep_id is not None else None,
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
    ones their category, lost deals and omitted ones nothing."""
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
    scope = _scope(who, None, period)
    scope.states = ("won", "open")
    grouped = grouped_totals(conn, scope, settings, dims, today, tz, with_total=False)
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
        "attainment": None if attainment is None else _rate(attainment),
        "coverage": None if coverage is None else _rate(coverage),
        "count": cell.count,
        "unknown_amount": cell.unknown_amount,
    }


def _rate(value: Decimal) -> Decimal:
    """Rates as fractions to four places (0.1234 = 12.34 %)."""
    from decimal import ROUND_HALF_EVEN

    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def _quota(conn: Connection, rep_id: int, period: Period, team: bool, converter: Converter, known: Preloaded) -> tuple[Decimal | None, str | None]:  # fmt: skip
    """The quota of a rep or team row, from the quotas of the period loaded once (`known`),
    in the reporting currency (`converter`: open deals' rate, today's)."""
    from salescli.services.quotas.targets import quota_for

    target = quota_for(conn, rep_id=rep_id, period=period, team=team, preloaded=known)
    if target is None:
        return None, None
    amount = target.amount
    if target.currency is not None and target.currency != converter.reporting:
        amount = converter.convert(_minor(amount, target.currency), target.currency, None)
    return amount, target.source


def _minor(amount: Decimal, currency: str) -> int:
    from salescli.money import to_minor

    return to_minor(amount, currency)


def unknown_deals(
    conn: Connection, settings: Settings, period: Period, who: Who, tz: str = "UTC"
) -> list[str]:
    """The first few deals of the forecast whose amount is unknown, by id and title."""
    from salescli.services.scope import deal_clauses

    found: list[str] = []
    for state in ("won", "open"):
        scope = _scope(who, state, period)
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
            f"--method {options.method} forecasts per rep: use it with --by rep "
            "(e.g. salescli forecast --method historical)"
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
            value = _in_currency(conn, adjustment, currency, today)
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

        clauses = _where(conn, _scope(who, "open", period), settings, tz)
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
            quota, source = _quota(conn, rep_id, period, team, converter, known)
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
            out.update(_spread(cell, [sims[x] for x in members if x in sims], quota, currency, options.runs))  # fmt: skip
        adjusted = {x: adjustments[x] for x in members if x in adjustments}
        if kind == "rep" and rep_id in adjustments:
            for category in adjust.CATEGORIES:
                entry = adjustments[rep_id].get(category)
                computed = found.get(rep_id, Cell()).open[category]
                out[f"{category}_computed"] = money(computed, currency)
                out[f"{category}_adjusted"] = (
                    None
                    if entry is None
                    else money(_in_currency(conn, entry, currency, today), currency)
                )
            out["adjustments"] = list(adjustments[rep_id].values())
        elif adjusted:
            out["adjusted_reps"] = sorted(everyone[x].name for x in adjusted)
        if rep_id in rates and kind == "rep":
            out["rates"] = [vars(r) | {"rate": _rate(r.rate)} for r in rates[rep_id].values()]
        return out

    rows: list[dict[str, Any]] = []

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
    quotas = [r["quota"] for r in rows if r["level"] == 0 and r["quota"] is not None and (r["kind"] == "team" or not tree.get(r["rep_id"]))]  # fmt: skip
    total_quota = sum(quotas, Decimal(0)) if quotas else None
    total.update(figures(_sum_cells(own, members), total_quota, currency, _num(total["forecast"])))
    if options.method == "monte-carlo":
        total.update(_spread(_sum_cells(own, members), list(sims.values()), total_quota, currency, options.runs))  # fmt: skip
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


def _in_currency(conn: Connection, adjustment: dict[str, Any], currency: str, today: dt.date) -> Decimal:  # fmt: skip
    from salescli.services.currency import Converter

    amount = adjustment["amount"]
    if adjustment["currency"] == currency:
        return amount
    return Converter(conn, currency, today).convert(
        _minor(amount, adjustment["currency"]), adjustment["currency"], None
    )


def _spread(
    cell: Cell, columns: list[Any], quota: Decimal | None, currency: str, runs: int
) -> dict[str, Any]:
    """P10/P50/P90 and the mean of closed + the simulated wins, and the chance of reaching
    `quota` (the share of runs at or above it)."""
    import numpy as np

    from salescli.money import from_minor

    wins = np.zeros(runs) if not columns else np.sum(np.stack(columns), axis=0)
    closed_minor = _minor(cell.closed, currency)
    totals = wins + closed_minor
    # Percentiles of whole minor units: the lower of the two nearest runs (no interpolation
    # between two outcomes that cannot happen).
    p10, p50, p90 = (int(np.percentile(totals, q, method="lower")) for q in (10, 50, 90))
    mean = Decimal(str(float(np.mean(totals)))).quantize(Decimal(1))
    chance = None
    if quota is not None:
        chance = Decimal(int(np.count_nonzero(totals >= _minor(quota, currency)))) / Decimal(runs)
    return {
        "p10": from_minor(p10, currency),
        "p50": from_minor(p50, currency),
        "p90": from_minor(p90, currency),
        "mean": from_minor(int(mean), currency),
        "forecast": from_minor(p50, currency),
        "quota_chance": None if chance is None else _rate(chance),
    }
