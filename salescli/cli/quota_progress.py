"""`salescli quota progress`: target, actual, attainment, pace and what is still needed."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, state
from salescli.cli.quota_base import MetricOpt, app, manager_id
from salescli.errors import UsageError
from salescli.render import Column, Format

COLUMNS = [
    Column("rep", "rep / team"),
    Column("target", "target", "right"),
    Column("actual", "actual", "right"),
    Column("attainment", "attain", "right", "percent"),
    Column("pace", "pace", "right", "percent"),
    Column("needed", "needed", "right"),
    Column("per_working_day", "per day", "right"),
    Column("source", "quota"),
]


@app.command("progress")
def quota_progress(
    ctx: typer.Context,
    period: Annotated[
        str, typer.Option("--period", help="Default: this quarter.")
    ] = "this-quarter",
    rep: Annotated[
        str | None, typer.Option("--rep", metavar="REP", help="One rep (id, name, me; none).")
    ] = None,
    team: Annotated[
        str | None,
        typer.Option("--team", metavar="MANAGER", help="A manager's team and its members."),
    ] = None,
    metric: MetricOpt = "revenue",
    prorate: Annotated[
        bool, typer.Option("--prorate", help="Use a longer period's quota, pro rata by days.")
    ] = False,
    chart: Annotated[
        bool, typer.Option("--chart", help="Actual bars, target marked ┃ (on a terminal only).")
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Progress against quota per rep and team: attainment, pace, still needed per working day.

    Example: salescli quota progress --period 2026-Q4 --team "Maria Lopez"
    """
    from salescli import render
    from salescli.services import scope
    from salescli.services.quotas import progress as quota_figures
    from salescli.services.quotas.records import NO_OWNER, check_metric

    if rep is not None and team is not None:
        raise UsageError("give --rep or --team, not both (e.g. --team 'Maria Lopez')")
    if chart and fmt != Format.table and output is None:
        raise UsageError(
            "--chart goes with the table format, or with --output FILE "
            "(e.g. salescli quota progress --chart)"
        )
    metric = check_metric(metric)
    st = state(ctx)
    when = st.period(period)
    with st.connection() as conn:
        owner = scope.owner_ref(conn, rep, st.settings) if rep is not None else None
        if rep is not None and owner is None:  # `--rep none`: nobody holds a quota for them
            if fmt != Format.table or output is not None:
                render.write_rows([], fmt, output=output, tz=st.tz)
            render.message(NO_OWNER)
            return
        rows = quota_figures.progress(
            conn, period=when, metric=metric, settings=st.settings, today=st.today, tz=st.tz,
            rep=owner, team=manager_id(conn, team, st.settings) if team is not None else None,
            prorate=prorate,
        )  # fmt: skip
    table = fmt == Format.table and output is None
    if table:
        render.message(_title(when, metric, rows))
    shown = [_shown(row) for row in rows] if table else rows
    render.write_rows(shown, fmt, columns=COLUMNS if table else None, output=output, tz=st.tz)
    if table:  # notes under the table: the names keep their width at 80 columns
        for row in shown:
            if row["note"]:
                render.message(f"{row['rep']}: {row['note']}")
    if chart and rows:
        if not render.chart_drawn():
            return
        from salescli.render import charts

        # One bar per row of the table, labelled as it is (a team's row too), its target
        # marked across it: the forecast's chart, which keeps wide names aligned.
        render.write_text(
            charts.stacked_bars(
                [_shown(row)["rep"] for row in rows],
                {"actual": [float(row["actual"] or 0) for row in rows]},
                [None if row["target"] is None else float(row["target"]) for row in rows],
                title=f"{metric}: actual vs target",
                mark_label="target",
            )
        )


def _shown(row: dict) -> dict:
    """Team rows marked and sources shortened, for people (JSON keeps the names)."""
    shown = dict(row)
    if row["team"] is not None:
        shown["rep"] = f"team {row['rep']}"
    if row["source"] == "sum of reps":  # short in the table: the names keep their width
        shown["source"] = "reps"
    return shown


def _title(period: object, metric: str, rows: list[dict]) -> str:
    currency = next((r["currency"] for r in rows if r["currency"]), None)
    unit = f" ({currency})" if currency else ""
    days = f": {rows[0]['working_days_left']} working day(s) left" if rows else ""
    return f"Quota progress, {metric}{unit}, {getattr(period, 'label', period)}{days}"
