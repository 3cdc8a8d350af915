"""`report pipeline`, `report lost`, `report funnel`, `report stale`: where the deals stand."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import LimitOpt, OutputOpt
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
from salescli.cli.report_sections import LOST_MONEY, MONEY, funnel_sections, stale_sections
from salescli.render import Column


@app.command("pipeline")
def report_pipeline(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Open deals by stage and owner: count, amount and weighted amount.

    --period keeps the deals expected to close in it (default: every open deal).

    Example: salescli report pipeline --team "Dana Lee" --period this-quarter --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import deals

    asked = run(ctx, fmt, period, None, lambda conn, st, when: deals.pipeline(
        conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
    ))  # fmt: skip
    report = asked.report
    stages = report["stages"]
    sections = [
        Section(
            "By stage and owner",
            report["rows"],
            [Column("stage", "stage"), Column("rep", "owner"), *MONEY],
        ),
        Section("By stage", stages, [Column("stage", "stage"), *MONEY]),
        Section("Total", [report["total"]], MONEY),
    ]
    art = chart(
        show_chart,
        [s["stage"] for s in stages],
        [s["amount"] for s in stages],
        "Open amount by stage",
    )
    write(asked, "Pipeline", sections, output, art)


@app.command("lost")
def report_lost(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Lost deals by reason, by the stage they were lost at, and by rep: count and amount.

    Deals lost with a close date in --period (default: this quarter).

    Example: salescli report lost --period last-quarter --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import deals

    asked = run(ctx, fmt, period, "this-quarter", lambda conn, st, when: deals.lost(
        conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
    ))  # fmt: skip
    report = asked.report
    reasons = report["by_reason"]
    sections = [
        Section("By reason", reasons, [Column("reason", "reason"), *LOST_MONEY]),
        Section("By stage lost at", report["by_stage"], [Column("stage", "stage"), *LOST_MONEY]),
        Section("By rep", report["by_rep"], [Column("rep", "rep"), *LOST_MONEY]),
        Section("Total", [report["total"]], LOST_MONEY),
    ]
    art = chart(
        show_chart,
        [r["reason"] or "(no reason)" for r in reasons],
        [r["count"] for r in reasons],
        "Lost deals by reason",
    )
    write(asked, "Lost deals", sections, output, art)


@app.command("funnel")
def report_funnel(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    show_chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Of the deals created in a period: how many reached each stage, and where they leak.

    Stage-to-stage conversion, median days in each stage; the transition with the lowest
    conversion is marked as the leaky bucket. --period defaults to this quarter.

    Example: salescli report funnel --period 2026 --team "Dana Lee" --chart
    """
    from salescli.services.reports import funnel

    asked = run(ctx, fmt, period, "this-quarter", lambda conn, st, when: funnel.funnel(
        conn, settings=st.settings, period=when, rep=rep, team=team
    ))  # fmt: skip
    stages = asked.report["stages"]
    sections, notes = funnel_sections(asked.report)
    art = chart(
        show_chart,
        [s["stage"] for s in stages],
        [s["reached"] for s in stages],
        "Deals reaching each stage",
    )
    write(asked, "Funnel", sections, output, art, notes)


@app.command("stale")
def report_stale(
    ctx: typer.Context,
    rep: RepOpt = None,
    team: TeamOpt = None,
    limit: Annotated[int | None, LimitOpt("stale deals and overdue tasks listed")] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Stale deals and overdue tasks, counted by owner, with both lists.

    A deal is stale as in `deal stale` (no stage change or activity for its stage's stale
    days); a task is overdue as in `task list --overdue`.

    Example: salescli report stale --team "Dana Lee" --format markdown --output stale.md
    """
    from salescli.cli.report_base import report_format
    from salescli.services.reports import stale

    if limit is None:
        limit = 100 if report_format(fmt).value == "table" else 0
    asked = run(ctx, fmt, None, None, lambda conn, st, when: stale.stale(
        conn, settings=st.settings, now=st.now, rep=rep, team=team, limit=limit or None
    ))  # fmt: skip
    sections, notes = stale_sections(asked.report, limit)
    write(asked, "Stale deals and overdue tasks", sections, output, None, notes)
