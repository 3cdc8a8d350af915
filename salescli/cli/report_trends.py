"""`report trend` and `report sources`: how a figure moves, and which lead sources pay off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salescli.cli.common import OutputOpt, whole_number
from salescli.cli.report_base import (
    ChartOpt,
    FormatOpt,
    PeriodOpt,
    RepOpt,
    TeamOpt,
    app,
    chart,
    run,
    write,
)
from salescli.cli.report_sections import sources_sections
from salescli.render import Column

if TYPE_CHECKING:
    from decimal import Decimal


@app.command("trend")
def report_trend(
    ctx: typer.Context,
    metric: Annotated[
        str,
        typer.Option("--metric", metavar="revenue|deals|leads|win-rate", help="What to follow."),
    ] = "revenue",
    by: Annotated[
        str, typer.Option("--by", metavar="month|week|quarter", help="One row per period.")
    ] = "month",
    last: Annotated[
        int,
        typer.Option("--last", metavar="N", parser=whole_number(1, 260), help="How many periods."),
    ] = 12,
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """A metric per month, week or quarter, with period-over-period and year-over-year change.

    The last period is the current one, to date. Quarters follow the fiscal year.

    Example: salescli report trend --metric revenue --by month --last 12 --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import trend

    asked = run(ctx, fmt, None, None, lambda conn, st, when: trend.trend(
        conn, settings=st.settings, today=st.today, metric=metric.lower(), by=by.lower(),
        last=last, rep=rep, team=team,
    ))  # fmt: skip
    report = asked.report
    key = report["metric"].replace("-", "_")

    def pct(value: Decimal | None) -> str | Decimal | None:
        # Shown as +12.5 %; CSV keeps the fraction for a spreadsheet.
        if value is None or asked.fmt.value == "csv":
            return value
        return f"{value:+.1%}"

    rows = [
        {
            **r,
            "change": pct(r["change"]),
            "yoy_change": pct(r["yoy_change"]),
            "note": "to date" if r["partial"] else "",
        }
        for r in report["rows"]
    ]
    kind = "percent" if key == "win_rate" else "text"  # a rate (a Decimal) shown as 12.5 %
    columns = [
        Column(report["by"], report["by"]),
        Column(key, report["metric"], "right", kind),
        Column("change", "vs previous", "right"),
        Column("yoy_change", "vs year ago", "right"),
        Column("year_ago", "year ago", "right", kind),
        Column("note", ""),
    ]
    art = None
    if show_chart:
        from salescli import render

        if render.chart_drawn():
            from salescli.render import charts

            art = charts.line(
                [str(r[report["by"]]) for r in rows],
                [float(r[key] or 0) for r in rows],
                title=f"{report['metric']} per {report['by']}",
            )
    notes = ["Changes compare with the earlier value; none when it was zero."]
    write(asked, f"Trend: {report['metric']}", [Section("Series", rows, columns)], output, art, notes)  # fmt: skip


@app.command("sources")
def report_sources(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Per lead source: leads, converted share, deals, won revenue, win rate, cost per won deal.

    Leads and deals created, and deals closed, in --period (default: this quarter). The cost
    per won deal needs the source's monthly spend: salescli config set source.cost.web 1500.

    Example: salescli report sources --period this-year --chart
    """
    from salescli.services.reports import sources

    asked = run(ctx, fmt, period, "this-quarter", lambda conn, st, when: sources.sources(
        conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
    ))  # fmt: skip
    rows = asked.report["rows"]
    art = chart(
        show_chart,
        [r["source"] or "(none)" for r in rows],
        [r["won_amount"] for r in rows],
        "Won revenue per lead source",
    )
    write(asked, "Lead sources", sources_sections(asked.report), output, art)
