"""`report performance`, `report leaderboard`, `report activity`, `report commission`: how
each rep is doing."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import OutputOpt
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
from salescli.cli.report_sections import leaderboard_sections
from salescli.render import Column


@app.command("performance")
def report_performance(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Per rep and in total: win rate, average won deal, sales cycle, velocity, activities.

    Deals closed in --period (default: this quarter); velocity uses the open deals of today.

    Example: salescli report performance --period last-quarter --team "Dana Lee"
    """
    from salescli.render.report import Section
    from salescli.services.reports import performance

    asked = run(ctx, fmt, period, "this-quarter", lambda conn, st, when: performance.performance(
        conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
    ))  # fmt: skip
    columns = [
        Column("won", "won", "right"),
        Column("lost", "lost", "right"),
        Column("win_rate", "win rate", "right", "percent"),
        Column("average_deal", "avg won deal", "right"),
        Column("cycle_days", "cycle days", "right"),
        Column("velocity", "velocity/day", "right"),
        Column("activities", "activities", "right"),
        Column("won_amount", "won amount", "right"),
        Column("open_deals", "open", "right"),
    ]
    rows = asked.report["rows"]
    sections = [
        Section("Per rep", rows, [Column("rep", "rep"), *columns]),
        Section("Total", [asked.report["total"]], columns),
    ]
    art = chart(
        show_chart,
        [r["rep"] or "(no owner)" for r in rows],
        [r["won_amount"] for r in rows],
        "Won amount per rep",
    )
    write(asked, "Performance", sections, output, art)


@app.command("leaderboard")
def report_leaderboard(
    ctx: typer.Context,
    period: PeriodOpt = None,
    metric: Annotated[
        str,
        typer.Option(
            "--metric",
            metavar="revenue|deals|win-rate|attainment|activities",
            help="What to rank by (default won revenue).",
        ),
    ] = "revenue",
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Reps ranked by won revenue, with quota attainment, deals won, win rate and activities.

    Deals won and closed in --period (default: this quarter); --metric ranks by another figure.

    Example: salescli report leaderboard --period this-month --metric attainment --chart
    """
    from salescli.services.reports import leaderboard

    asked = run(ctx, fmt, period, "this-quarter", lambda conn, st, when: leaderboard.leaderboard(
        conn, settings=st.settings, today=st.today, period=when, metric=metric.lower(),
        rep=rep, team=team,
    ))  # fmt: skip
    report = asked.report
    rows = report["rows"]
    key = leaderboard.METRICS[report["metric"]]
    art = chart(
        show_chart,
        [r["rep"] for r in rows],
        [r[key] or 0 for r in rows],
        f"Ranked by {report['metric']}",
    )
    notes = [f"Ranked by {report['metric']}."]
    write(asked, "Leaderboard", leaderboard_sections(report), output, art, notes)


@app.command("activity")
def report_activity(
    ctx: typer.Context,
    period: PeriodOpt = None,
    by: Annotated[
        str, typer.Option("--by", metavar="day|week", help="One row per rep and day or week.")
    ] = "day",
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Calls, emails, meetings and notes per rep per day or week (local days).

    Activities in --period (default: this week).

    Example: salescli report activity --period last-month --by week --team EMEA --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import activity

    asked = run(ctx, fmt, period, "this-week", lambda conn, st, when: activity.activity(
        conn, settings=st.settings, period=when, by=by.lower(), rep=rep, team=team
    ))  # fmt: skip
    report = asked.report
    counts = [
        Column("calls", "calls", "right"),
        Column("emails", "emails", "right"),
        Column("meetings", "meetings", "right"),
        Column("notes", "notes", "right"),
        Column("total", "total", "right"),
    ]
    key = report["by"]
    sections = [
        Section(
            f"Per rep and {key}", report["rows"], [Column(key, key), Column("rep", "rep"), *counts]
        ),
        Section("Per rep", report["reps"], [Column("rep", "rep"), *counts]),
        Section("Total", [report["total"]], counts),
    ]
    reps = report["reps"]
    art = chart(
        show_chart,
        [r["rep"] or "(no rep)" for r in reps],
        [r["total"] for r in reps],
        "Activities per rep",
    )
    write(asked, "Activity", sections, output, art)


@app.command("commission")
def report_commission(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Commission per rep for a period, from the plan, line by line so a rep can check it.

    Deals won in --period (default: this month), in close-date order; the part of won revenue
    above the accelerator's attainment earns the accelerated rate. Plan: salescli commission
    plan set.

    Example: salescli report commission --period last-month --rep "Ana Souza"
    """
    from salescli.render.report import Section
    from salescli.services.reports import commission

    asked = run(ctx, fmt, period, "this-month", lambda conn, st, when: commission.commission(
        conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
    ))  # fmt: skip
    report = asked.report
    terms = report["plan"]
    notes = [
        f"Plan: {terms['new']:.2%} on new business, {terms['existing']:.2%} on existing "
        f"customers; x{terms['accelerator']:g} above {terms['accelerator_above']:.0%} of quota."
    ]
    missing = [r["rep"] for r in report["rows"] if r["quota"] is None]
    if missing and terms["accelerator"] != 1:
        label = asked.period.label if asked.period else ""
        notes.append(f"No revenue quota covers {label} for: {', '.join(missing)} (no accelerator).")
    unknown = sum(r["unknown_amount"] for r in report["rows"])
    if unknown:
        notes.append(f"{unknown} won deals without an amount earn nothing.")
    lines = [
        {**line, "accelerated": "yes" if line["accelerated"] else ""} for line in report["lines"]
    ]
    sections = [
        Section(
            "Per rep",
            report["rows"],
            [
                Column("rep", "rep"),
                Column("won_amount", "won", "right"),
                Column("quota", "quota", "right"),
                Column("attainment", "attainment", "right", "percent"),
                Column("commission", "commission", "right"),
            ],
        ),
        Section(
            "Lines",
            lines,
            [
                Column("rep", "rep"),
                Column("deal_id", "deal", "right"),
                Column("close_date", "closed"),
                Column("type", "type"),
                Column("amount", "amount", "right"),
                Column("rate", "rate", "right"),
                Column("accelerated", "accel."),
                Column("commission", "commission", "right"),
                Column("deal", "title"),
            ],
        ),
        Section(
            "Total",
            [report["total"]],
            [Column("won_amount", "won", "right"), Column("commission", "commission", "right")],
        ),
    ]
    write(asked, "Commission", sections, output, None, notes)
