"""`salescli forecast ...`: will we make the number? Forecast per rep with team roll-ups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import FormatOpt, OutputOpt, state, whole_number
from salescli.errors import UsageError
from salescli.render import Format

if TYPE_CHECKING:
    from salescli.cli.common import State

app = typer.Typer(
    invoke_without_command=True,
    help="Forecast: closed, commit, best case and pipeline per rep with team roll-ups.",
)

PeriodOpt = Annotated[
    str,
    typer.Option(
        "--period", "-p", help="The period: this-quarter, 2026-Q4, 2026-11, next-month..."
    ),
]
RepOpt = Annotated[
    str | None,
    typer.Option(
        "--rep", metavar="REP", help="Only REP's deals (id, name, me, or none: no owner)."
    ),
]
TeamOpt = Annotated[
    str | None,
    typer.Option("--team", metavar="MANAGER", help="Everyone under MANAGER (or of that team)."),
]
MethodOpt = Annotated[
    str,
    typer.Option("--method", help="weighted (default), category, historical or monte-carlo."),
]
LookbackOpt = Annotated[
    str,
    typer.Option(
        "--lookback", metavar="N[d|m|y]", help="historical: the window of closed deals (12m)."
    ),
]
MinDealsOpt = Annotated[
    int,
    typer.Option(
        "--min-deals",
        parser=whole_number(1, 1_000_000),
        help="historical: closed deals from a stage a rep needs for their own rate.",
    ),
]
RunsOpt = Annotated[
    int,
    typer.Option("--runs", parser=whole_number(1, 1_000_000), help="monte-carlo: runs (10000)."),
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed",
        parser=whole_number(0, 2**63 - 1),
        help="monte-carlo: seed (same seed, same numbers).",
    ),
]

# The table's order: what a manager reads first comes first, so that a narrow terminal drops
# the sums (commit_total ...) that follow from the columns before them.
COLUMNS = (
    "closed",
    "commit",
    "best_case",
    "pipeline",
    "forecast",
    "quota",
    "gap",
    "attainment",
    "coverage",
    "weighted",
    "commit_total",
    "best_case_total",
    "pipeline_total",
)
PERCENT = ("attainment", "coverage", "quota_chance")  # fractions, shown as 12.5% in a table
HEADERS = {"best_case": "best case", "attainment": "attain.", "quota_chance": "P(quota)"}


def lookback_days(text: str) -> int:
    """`12m`, `90d`, `1y`, `26w` as days (a month is 30 days less nothing: 365/12 rounded)."""
    import re

    found = re.fullmatch(r"\s*([0-9]{1,4})\s*([dwmy])\s*", text.lower())
    if not found or int(found.group(1)) == 0:
        raise UsageError(f"--lookback '{text}' is not a window like 12m, 90d, 26w or 1y")
    number, unit = int(found.group(1)), found.group(2)
    return {"d": number, "w": 7 * number, "m": round(number * 365 / 12), "y": 365 * number}[unit]


def _who(conn: Any, st: State, rep: str | None, team: str | None) -> Any:
    from salescli.services.forecast.figures import Who
    from salescli.services.scope import owner_ref, team_ids

    if rep is not None and team is not None:
        raise UsageError("--rep and --team exclude each other (give one)")
    if rep is not None:  # `none`: the deals without an owner, the (no owner) row
        owner = owner_ref(conn, rep, st.settings)
        return Who(rep_id=owner, no_owner=owner is None)
    if team is not None:
        team_ids(conn, team, st.settings)  # NotFound (exit 3) before any figure
        return Who(team=team)
    return Who()


@app.callback()
def forecast(
    ctx: typer.Context,
    period: PeriodOpt = "this-quarter",
    rep: RepOpt = None,
    team: TeamOpt = None,
    method: MethodOpt = "weighted",
    by: Annotated[
        str, typer.Option("--by", help="Rows per rep (with team roll-ups), stage or month.")
    ] = "rep",  # fmt: skip
    lookback: LookbackOpt = "12m",
    min_deals: MinDealsOpt = 10,
    runs: RunsOpt = 10000,
    seed: SeedOpt = None,
    chart: Annotated[
        bool,
        typer.Option(
            "--chart",
            help="A stacked bar per rep (closed, commit, best case, pipeline) with the quota "
            "marked ┃ (on a terminal only; team roll-ups are left out).",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Forecast a period: closed, commit, best case, pipeline, weighted, quota, gap, coverage.

    Example: salescli forecast --period this-quarter --team "Ana Souza" --method historical
    """
    if ctx.invoked_subcommand is not None:
        return
    from salescli.services.forecast import engine

    if chart and fmt != Format.table and output is None:
        raise UsageError(
            "--chart goes with the table format, or with --output FILE "
            "(e.g. salescli forecast --chart)"
        )
    if chart and by.strip().lower() != "rep":
        raise UsageError("--chart draws one bar per rep: it goes with --by rep (the default)")
    st = state(ctx)
    options = engine.Options(
        method=engine.check_method(method.strip().lower()), by=by.strip().lower(),
        lookback_days=lookback_days(lookback), min_deals=min_deals, runs=runs, seed=seed,
    )  # fmt: skip
    with st.connection() as conn:
        who = _who(conn, st, rep, team)
        result = engine.forecast(
            conn, st.settings, st.period(period), who, st.today, options, st.tz
        )
    write_forecast(result, fmt, output, st.tz)
    if chart:
        write_chart(result)


def write_chart(result: dict[str, Any]) -> None:
    """The reps' bars under the table, on a terminal only (never into a pipe or a file)."""
    from salescli import render

    reps = [row for row in result["rows"] if row.get("kind") == "rep"]
    if not reps:
        return
    if not render.chart_drawn():
        return
    from salescli.render import charts

    # The computed figures: a manager's adjusted commit or best case is in the table (*).
    parts = {"closed": "closed", "commit": "commit", "best case": "best_case", "pipeline": "pipeline"}  # fmt: skip
    art = charts.stacked_bars(
        [row["rep"] for row in reps],
        {name: [float(row[key] or 0) for row in reps] for name, key in parts.items()},
        [None if row["quota"] is None else float(row["quota"]) for row in reps],
        title=f"Forecast {result['period']} per rep ({result['currency']})",
    )
    render.write_text(art)


def write_forecast(result: dict[str, Any], fmt: Format, output: str | None, tz: str) -> None:
    """JSON: the whole object; a table, Markdown or CSV: one line per row and the total, the
    notes on stderr (a table and Markdown also under the rows)."""
    from salescli import render
    from salescli.render import Column

    if fmt == Format.json:
        render.write_record(result, fmt, output=output, tz=tz)
        return
    key = "rep" if result["rows"] and "rep" in result["rows"][0] else None
    key = key or ("stage" if any("stage" in r for r in result["rows"]) else "month")
    if not result["rows"]:
        key = "rep"
    spread = "p50" in result["total"]
    names = list(COLUMNS)
    if spread:
        at = names.index("forecast") + 1
        names[at:at] = ["p10", "p90", "quota_chance"]
    columns = [Column(key, key)] + [
        Column(
            n,
            HEADERS.get(n, n.replace("_total", " total").replace("_", " ")),
            "right",
            "percent" if n in PERCENT else "text",
        )
        for n in names
    ]
    rows = []
    for row in result["rows"]:
        shown = {k: v for k, v in row.items() if not isinstance(v, list | dict)}
        if key == "rep" and fmt != Format.csv:
            label = row["rep"] + (" (team)" if row.get("kind") == "team" else "")
            shown["rep"] = "  " * row.get("level", 0) + label
            for category in ("commit", "best_case"):
                if row.get(f"{category}_adjusted") is not None:
                    shown[category] = f"{render.text_value(row[f'{category}_adjusted'])}*"
        elif key == "rep":
            shown["kind"] = row.get("kind")
        rows.append(shown)
    if fmt != Format.csv:
        rows.append({key: "total", **{k: v for k, v in result["total"].items() if not isinstance(v, list)}})  # fmt: skip
    else:
        columns.insert(1, Column("kind", "kind"))
        rows.append({key: None, "kind": "total", **result["total"]})
    title = f"Forecast {result['period']} ({result['method']}, {result['currency']})"
    render.write_rows(rows, fmt, columns=columns, output=output, tz=tz, title=title)
    for note in _notes(result):
        render.message(note)


def _notes(result: dict[str, Any]) -> list[str]:
    from salescli.render import text_value

    notes = list(result.get("notes", []))
    if any(row.get("adjustments") for row in result["rows"]):
        notes.append("* adjusted by a manager (salescli forecast adjust); computed figures below")
    for row in result["rows"]:
        for adjustment in row.get("adjustments", []):
            category = adjustment["category"]
            notes.append(
                f"{row['rep']}: {category} adjusted to {text_value(adjustment['amount'])} "
                f"{adjustment['currency']} (computed {text_value(row[f'{category}_computed'])}) "
                f"by {adjustment['adjusted_by'] or 'unknown'}"
                + (f": {adjustment['note']}" if adjustment["note"] else "")
            )
    return notes


@app.command("adjust")
def forecast_adjust(
    ctx: typer.Context,
    rep: Annotated[str, typer.Option("--rep", metavar="REP", help="The rep (id, name or me).")],
    category: Annotated[str, typer.Option("--category", help="commit or best_case.")],
    amount: Annotated[str, typer.Option("--amount", help="The adjusted figure.")],
    period: PeriodOpt = "this-quarter",
    note: Annotated[str | None, typer.Option("--note", help="Why (shown beside it).")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Record a manager's adjusted commit or best case for a rep and period.

    Example: salescli forecast adjust --rep "Wang Fang" --period 2026-Q4 --category commit --amount 120000 --note "Acme slips"
    """
    from salescli import money, render
    from salescli.services.forecast import adjust

    st = state(ctx)
    chosen = adjust.check_category(category)
    currency = st.settings.currency
    value = money.parse_amount(amount, currency, field="--amount", other_currency=adjust.OTHER_CURRENCY)  # fmt: skip
    with st.connection(write=True) as conn:
        record = adjust.add(
            conn, rep_id=adjust.adjusted_rep(conn, rep, st.settings), period=st.period(period),
            category=chosen, amount=value, currency=currency, note=note,
            adjusted_by=st.settings.me, now=st.now,
        )  # fmt: skip
    text = f"{record['rep']}: {chosen} for {record['period']} adjusted to {render.text_value(value)} {currency}"  # fmt: skip
    render.changed(record, fmt, note=text, output=output, tz=st.tz)


@app.command("snapshot")
def forecast_snapshot(
    ctx: typer.Context,
    period: PeriodOpt = "this-quarter",
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Store the forecast of every method (per rep and the total) with today's date.

    Taken again the same (local) day, it replaces that day's snapshot of the period.

    Example: salescli forecast snapshot --period this-quarter
    """
    from salescli import render
    from salescli.services.forecast import snapshots

    st = state(ctx)
    chosen = st.period(period)
    with st.connection(write=True) as conn:
        taken = snapshots.take(conn, st.settings, chosen, st.today, st.now, st.tz)
    replaced = f", replacing today's snapshot ({taken.replaced} figures)" if taken.replaced else ""
    if fmt == Format.table and output is None:
        count = len(taken.stored)
        render.message(f"stored {count} forecast figures for {chosen.label} (4 methods){replaced}")
        return
    render.write_rows(taken.stored, fmt, output=output, tz=st.tz)
    if replaced:
        render.message(f"replaced today's snapshot of {chosen.label} ({taken.replaced} figures)")


ACCURACY_COLUMNS = ("period", "taken_at", "method", "rep", "forecast", "actual", "error", "ape")


@app.command("accuracy")
def forecast_accuracy(
    ctx: typer.Context,
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="Only snapshots of this period.")
    ] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Compare stored snapshots with what was won: error and absolute % error per rep and method.

    Example: salescli forecast accuracy --period last-quarter
    """
    from salescli import render
    from salescli.render import Column
    from salescli.services.forecast import snapshots

    st = state(ctx)
    with st.connection() as conn:
        chosen = st.period(period) if period else None
        rows = snapshots.accuracy(conn, st.settings, chosen, st.today, st.tz)
        stored = snapshots.stored_periods(conn) if not rows else []
    right = ("forecast", "actual", "error", "ape")
    columns = [Column(n, n.replace("_", " "), "right" if n in right else "left") for n in ACCURACY_COLUMNS]  # fmt: skip
    render.write_rows(rows, fmt, columns=None if fmt != Format.table else columns, output=output, tz=st.tz)  # fmt: skip
    if not rows and chosen is not None and stored:
        render.message(f"no snapshot of {chosen.label} stored (snapshots exist for: {', '.join(stored)})")  # fmt: skip
    elif not rows:
        render.message("no snapshots stored yet (salescli forecast snapshot)")


@app.command("backtest")
def forecast_backtest(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="First period: 2017-01, 2017-Q1...")],
    to: Annotated[str, typer.Option("--to", help="Last period: 2017-12, 2017-Q4...")],
    by: Annotated[str, typer.Option("--by", help="month or quarter.")] = "month",
    method: Annotated[
        str | None, typer.Option("--method", help="One method (default: every method).")
    ] = None,
    lookback: LookbackOpt = "12m",
    min_deals: MinDealsOpt = 10,
    runs: RunsOpt = 10000,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Forecast past periods from stage history and compare with what was won.

    Example: salescli forecast backtest --from 2017-01 --to 2017-12 --by month
    """
    from salescli import render
    from salescli.services.forecast import backtest, engine

    st = state(ctx)
    methods = list(engine.METHODS) if method is None else [engine.check_method(method.strip().lower())]  # fmt: skip
    first, last, by = st.period(from_, field="--from"), st.period(to, field="--to"), by.strip().lower()  # fmt: skip
    with st.connection() as conn:
        result = backtest.backtest(
            conn, st.settings, first, last,
            by, methods, st.today, lookback_days(lookback), min_deals, runs, st.tz,
        )  # fmt: skip
    if fmt == Format.json:
        render.write_record(result, fmt, output=output, tz=st.tz)
        return
    rows = [{k: v for k, v in r.items() if k != "period_start"} for r in result["rows"]]
    render.write_rows(rows, fmt, output=output, tz=st.tz)
    for line in result["methods"]:
        mape = "n/a" if line["mape"] is None else f"{line['mape'] * 100:.1f}%"
        render.message(f"{line['method']}: mean absolute % error {mape} over {line['periods']} periods")  # fmt: skip
