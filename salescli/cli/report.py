"""`salescli report ...`: the figures a sales manager steers by, as tables, JSON, CSV,
Markdown or self-contained HTML, with charts on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import LimitOpt, OutputOpt, state, whole_number
from salescli.render import Column

if TYPE_CHECKING:
    from salescli.cli.common import State
    from salescli.render.report import ReportFormat, Section

app = typer.Typer(
    no_args_is_help=True,
    help="Reports: pipeline, lost deals, activity... as tables, JSON, CSV, Markdown or HTML.",
)

PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period", "-p", help="this-quarter, last-month, 2026-Q4, 2026-11, FROM..TO, ..."
    ),
]
RepOpt = Annotated[
    str | None, typer.Option("--rep", metavar="REP", help="One rep: id, name, me or none.")
]
TeamOpt = Annotated[
    str | None,
    typer.Option("--team", metavar="TEAM", help="A team, or a manager and everyone under them."),
]
ChartOpt = Annotated[bool, typer.Option("--chart", help="Draw a chart (on a terminal).")]


def _format_option() -> Any:
    return typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="table, json, csv (the main rows), markdown or html (a self-contained page).",
    )


def _fmt(value: str) -> ReportFormat:
    from salescli.errors import UsageError
    from salescli.render.report import ReportFormat

    try:
        return ReportFormat(value.lower())
    except ValueError:
        raise UsageError(
            f"--format '{value}' is not one of: table, json, csv, markdown, html"
        ) from None


FormatOpt = Annotated[str, _format_option()]

MONEY = [
    Column("count", "deals", "right"),
    Column("amount", "amount", "right"),
    Column("weighted", "weighted", "right"),
    Column("unknown_amount", "no amount", "right"),
]
LOST_MONEY = [Column("count", "deals", "right"), Column("amount", "amount", "right")]


def _lead(st: State, report: dict[str, Any], notes: list[str] | None = None) -> list[str]:
    lines = []
    if report.get("period"):
        lines.append(f"Period: {report['period']} ({report['from']} to {report['to']})")
    if report.get("currency"):
        lines.append(f"Amounts in {report['currency']}.")
    unknown = (report.get("total") or {}).get("unknown_amount")
    if unknown:
        lines.append(f"{unknown} deals without an amount are counted, not summed.")
    return lines + (notes or [])


def _chart(show: bool, labels: list[str], values: list[Any], title: str) -> str | None:
    from salescli import render

    if not show or not labels or not render.stdout_is_terminal():
        return None
    from salescli.render import charts

    return charts.hbar(labels, [float(v) for v in values], title=title)


def _write(
    st: State,
    report: dict[str, Any],
    title: str,
    sections: list[Section],
    fmt: str,
    output: str | None,
    chart: str | None = None,
    notes: list[str] | None = None,
) -> None:
    from salescli.render.report import write_report

    write_report(
        report,
        title=title,
        lead=_lead(st, report, notes),
        sections=sections,
        fmt=_fmt(fmt),
        output=output,
        tz=st.tz,
        chart=chart,
    )


@app.command("pipeline")
def report_pipeline(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Open deals by stage and owner: count, amount and weighted amount.

    --period keeps the deals expected to close in it (default: every open deal).

    Example: salescli report pipeline --team "Dana Lee" --period this-quarter --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import deals

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period) if period else None
    with st.connection() as conn:
        report = deals.pipeline(
            conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
        )
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
    art = _chart(
        chart, [s["stage"] for s in stages], [s["amount"] for s in stages], "Open amount by stage"
    )
    _write(st, report, "Pipeline", sections, fmt_value.value, output, art)


@app.command("lost")
def report_lost(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Lost deals by reason, by the stage they were lost at, and by rep: count and amount.

    Deals lost with a close date in --period (default: this quarter).

    Example: salescli report lost --period last-quarter --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import deals

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period or "this-quarter")
    with st.connection() as conn:
        report = deals.lost(
            conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
        )
    reasons = report["by_reason"]
    sections = [
        Section("By reason", reasons, [Column("reason", "reason"), *LOST_MONEY]),
        Section("By stage lost at", report["by_stage"], [Column("stage", "stage"), *LOST_MONEY]),
        Section("By rep", report["by_rep"], [Column("rep", "rep"), *LOST_MONEY]),
        Section("Total", [report["total"]], LOST_MONEY),
    ]
    art = _chart(
        chart,
        [r["reason"] or "(no reason)" for r in reasons],
        [r["count"] for r in reasons],
        "Lost deals by reason",
    )
    _write(st, report, "Lost deals", sections, fmt_value.value, output, art)


@app.command("activity")
def report_activity(
    ctx: typer.Context,
    period: PeriodOpt = None,
    by: Annotated[
        str, typer.Option("--by", metavar="day|week", help="One row per rep and day or week.")
    ] = "day",
    rep: RepOpt = None,
    team: TeamOpt = None,
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Calls, emails, meetings and notes per rep per day or week (local days).

    Activities in --period (default: this week).

    Example: salescli report activity --period last-month --by week --team EMEA --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import activity

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period or "this-week")
    with st.connection() as conn:
        report = activity.activity(
            conn, settings=st.settings, period=when, by=by.lower(), rep=rep, team=team
        )
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
    art = _chart(
        chart,
        [r["rep"] or "(no rep)" for r in reps],
        [r["total"] for r in reps],
        "Activities per rep",
    )
    _write(st, report, "Activity", sections, fmt_value.value, output, art)


@app.command("funnel")
def report_funnel(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Of the deals created in a period: how many reached each stage, and where they leak.

    Stage-to-stage conversion, median days in each stage; the transition with the lowest
    conversion is marked as the leaky bucket. --period defaults to this quarter.

    Example: salescli report funnel --period 2026 --team "Dana Lee" --chart
    """
    from salescli.services.reports import funnel

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period or "this-quarter")
    with st.connection() as conn:
        report = funnel.funnel(conn, settings=st.settings, period=when, rep=rep, team=team)
    stages = report["stages"]
    sections, notes = funnel_sections(report)
    art = _chart(
        chart,
        [s["stage"] for s in stages],
        [s["reached"] for s in stages],
        "Deals reaching each stage",
    )
    _write(
        st,
        report,
        "Funnel",
        sections,
        fmt_value.value,
        output,
        art,
        notes,
    )


@app.command("performance")
def report_performance(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Per rep and in total: win rate, average won deal, sales cycle, velocity, activities.

    Deals closed in --period (default: this quarter); velocity uses the open deals of today.

    Example: salescli report performance --period last-quarter --team "Dana Lee"
    """
    from salescli.render.report import Section
    from salescli.services.reports import performance

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period or "this-quarter")
    with st.connection() as conn:
        report = performance.performance(
            conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
        )
    columns = [
        Column("won", "won", "right"),
        Column("lost", "lost", "right"),
        Column("win_rate", "win rate", "right"),
        Column("average_deal", "avg won deal", "right"),
        Column("cycle_days", "cycle days", "right"),
        Column("velocity", "velocity/day", "right"),
        Column("activities", "activities", "right"),
        Column("won_amount", "won amount", "right"),
        Column("open_deals", "open", "right"),
    ]
    rows = report["rows"]
    sections = [
        Section("Per rep", rows, [Column("rep", "rep"), *columns]),
        Section("Total", [report["total"]], columns),
    ]
    art = _chart(
        chart,
        [r["rep"] or "(no owner)" for r in rows],
        [r["won_amount"] for r in rows],
        "Won amount per rep",
    )
    _write(st, report, "Performance", sections, fmt_value.value, output, art)


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
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """A metric per month, week or quarter, with period-over-period and year-over-year change.

    The last period is the current one, to date. Quarters follow the fiscal year.

    Example: salescli report trend --metric revenue --by month --last 12 --chart
    """
    from salescli.render.report import Section
    from salescli.services.reports import trend

    st = state(ctx)
    fmt_value = _fmt(fmt)
    with st.connection() as conn:
        report = trend.trend(
            conn,
            settings=st.settings,
            today=st.today,
            metric=metric.lower(),
            by=by.lower(),
            last=last,
            rep=rep,
            team=team,
        )
    key = report["metric"].replace("-", "_")

    def pct(value: float | None) -> str | float | None:
        # Shown as +12.5 %; CSV keeps the fraction for a spreadsheet.
        if value is None or fmt_value.value == "csv":
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
    columns = [
        Column(report["by"], report["by"]),
        Column(key, report["metric"], "right"),
        Column("change", "vs previous", "right"),
        Column("yoy_change", "vs year ago", "right"),
        Column("year_ago", "year ago", "right"),
        Column("note", ""),
    ]
    art = None
    if chart:
        from salescli import render

        if render.stdout_is_terminal():
            from salescli.render import charts

            art = charts.line(
                [str(r[report["by"]]) for r in rows],
                [float(r[key] or 0) for r in rows],
                title=f"{report['metric']} per {report['by']}",
            )
    notes = ["Changes compare with the earlier value; none when it was zero."]
    _write(
        st,
        report,
        f"Trend: {report['metric']}",
        [Section("Series", rows, columns)],
        fmt_value.value,
        output,
        art,
        notes,
    )


@app.command("sources")
def report_sources(
    ctx: typer.Context,
    period: PeriodOpt = None,
    rep: RepOpt = None,
    team: TeamOpt = None,
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Per lead source: leads, converted share, deals, won revenue, win rate, cost per won deal.

    Leads and deals created, and deals closed, in --period (default: this quarter). The cost
    per won deal needs the source's monthly spend: salescli config set source.cost.web 1500.

    Example: salescli report sources --period this-year --chart
    """
    from salescli.services.reports import sources

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period or "this-quarter")
    with st.connection() as conn:
        report = sources.sources(
            conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
        )
    rows = report["rows"]
    art = _chart(
        chart,
        [r["source"] or "(none)" for r in rows],
        [r["won_amount"] for r in rows],
        "Won revenue per lead source",
    )
    _write(
        st,
        report,
        "Lead sources",
        sources_sections(report),
        fmt_value.value,
        output,
        art,
    )


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
    from salescli.services.reports import stale

    st = state(ctx)
    fmt_value = _fmt(fmt)
    if limit is None:
        limit = 100 if fmt_value.value == "table" else 0
    with st.connection() as conn:
        report = stale.stale(
            conn, settings=st.settings, now=st.now, rep=rep, team=team, limit=limit or None
        )
    sections, notes = stale_sections(report, limit)
    _write(
        st, report, "Stale deals and overdue tasks", sections, fmt_value.value, output, None, notes
    )


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

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period or "this-month")
    with st.connection() as conn:
        report = commission.commission(
            conn, settings=st.settings, today=st.today, period=when, rep=rep, team=team
        )
    terms = report["plan"]
    notes = [
        f"Plan: {terms['new']:.2%} on new business, {terms['existing']:.2%} on existing "
        f"customers; x{terms['accelerator']:g} above {terms['accelerator_above']:.0%} of quota."
    ]
    missing = [r["rep"] for r in report["rows"] if r["quota"] is None]
    if missing and terms["accelerator"] != 1:
        notes.append(
            f"No revenue quota covers {when.label} for: {', '.join(missing)} (no accelerator)."
        )
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
                Column("attainment", "attainment", "right"),
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
    _write(st, report, "Commission", sections, fmt_value.value, output, None, notes)


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
    chart: ChartOpt = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Reps ranked by won revenue, with quota attainment, deals won, win rate and activities.

    Deals won and closed in --period (default: this quarter); --metric ranks by another figure.

    Example: salescli report leaderboard --period this-month --metric attainment --chart
    """
    from salescli.services.reports import leaderboard

    st = state(ctx)
    fmt_value = _fmt(fmt)
    when = st.period(period or "this-quarter")
    with st.connection() as conn:
        report = leaderboard.leaderboard(
            conn,
            settings=st.settings,
            today=st.today,
            period=when,
            metric=metric.lower(),
            rep=rep,
            team=team,
        )
    rows = report["rows"]
    key = leaderboard.METRICS[report["metric"]]
    art = _chart(
        chart,
        [r["rep"] for r in rows],
        [r[key] or 0 for r in rows],
        f"Ranked by {report['metric']}",
    )
    notes = [f"Ranked by {report['metric']}."]
    _write(
        st,
        report,
        "Leaderboard",
        leaderboard_sections(report),
        fmt_value.value,
        output,
        art,
        notes,
    )


# ---- sections shared by the reports and the weekly report ------------------------------------


def funnel_sections(
    report: dict[str, Any], title: str = "Stages"
) -> tuple[list[Section], list[str]]:
    from salescli.render.report import Section

    shown = [{**s, "leak": "◀ leaky bucket" if s["leaky"] else ""} for s in report["stages"]]
    columns = [
        Column("stage", "stage"),
        Column("reached", "reached", "right"),
        Column("conversion", "conversion", "right"),
        Column("median_days", "median days", "right"),
        Column("leak", ""),
    ]
    leaky = report["leaky_bucket"]
    notes = [f"Deals created: {report['created']}."]
    if leaky is not None:
        notes.append(
            f"Leaky bucket: {leaky['from']} → {leaky['to']} ({leaky['conversion']:.1%} convert)."
        )
    return [Section(title, shown, columns)], notes


def sources_sections(report: dict[str, Any], title: str = "Sources") -> list[Section]:
    from salescli.render.report import Section

    columns = [
        Column("source", "source"),
        Column("leads", "leads", "right"),
        Column("converted_rate", "converted", "right"),
        Column("deals", "deals", "right"),
        Column("won_amount", "won revenue", "right"),
        Column("win_rate", "win rate", "right"),
        Column("average_deal", "avg won deal", "right"),
        Column("cost_per_won", "cost per won", "right"),
        Column("won", "won", "right"),
        Column("cost", "cost", "right"),
    ]
    return [Section(title, report["rows"], columns)]


def leaderboard_sections(report: dict[str, Any], title: str = "Reps") -> list[Section]:
    from salescli.render.report import Section

    columns = [
        Column("rank", "#", "right"),
        Column("rep", "rep"),
        Column("won_amount", "won revenue", "right"),
        Column("quota", "quota", "right"),
        Column("attainment", "attainment", "right"),
        Column("won", "deals won", "right"),
        Column("win_rate", "win rate", "right"),
        Column("activities", "activities", "right"),
    ]
    return [Section(title, report["rows"], columns)]


def stale_sections(report: dict[str, Any], limit: int | None) -> tuple[list[Section], list[str]]:
    from salescli.render.report import Section

    total = report["total"]
    notes = [f"{total['stale_deals']} stale deals, {total['overdue_tasks']} overdue tasks."]
    if limit and (total["stale_deals"] > limit or total["overdue_tasks"] > limit):
        notes.append(f"Lists show the first {limit} (--limit 0 shows all).")
    sections = [
        Section(
            "Stale deals and overdue tasks by owner",
            report["by_owner"],
            [
                Column("rep", "owner"),
                Column("stale_deals", "stale deals", "right"),
                Column("overdue_tasks", "overdue tasks", "right"),
            ],
        ),
        Section(
            "Stale deals",
            report["stale_deals"],
            [
                Column("id", "id", "right"),
                Column("title", "title"),
                Column("owner", "owner"),
                Column("stage", "stage"),
                Column("idle_days", "idle days", "right"),
                Column("last_touch_at", "last touch"),
            ],
        ),
        Section(
            "Overdue tasks",
            report["overdue_tasks"],
            [
                Column("id", "id", "right"),
                Column("due", "due"),
                Column("title", "title"),
                Column("owner", "owner"),
                Column("record", "record"),
            ],
        ),
    ]
    return sections, notes


@app.command("weekly")
def report_weekly(
    ctx: typer.Context,
    week: Annotated[
        str, typer.Option("--week", metavar="PERIOD", help="The week reported (default last-week).")
    ] = "last-week",
    rep: RepOpt = None,
    team: TeamOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    mail_to: Annotated[
        str | None,
        typer.Option(
            "--mail-to",
            metavar="ADDR[,ADDR]",
            help="Mail it (HTML with a plain-text part) through the smtp.* settings.",
        ),
    ] = None,
) -> None:
    """The manager's Monday report: last week's results, the quarter's leaderboard, funnel and
    lead sources, stale deals and overdue tasks.

    --format markdown|html --output FILE writes a document fit to mail; --mail-to sends it
    (password from SALESCLI_SMTP_PASSWORD).

    Example: salescli report weekly --team "Dana Lee" --format html --output weekly.html
    """
    from salescli.render.report import Section, html_document, markdown_document, shown
    from salescli.services.reports import weekly

    st = state(ctx)
    fmt_value = _fmt(fmt)
    addresses = None
    if mail_to is not None:
        from salescli.services import mail

        addresses = mail.recipients(mail_to)
    when = st.period(week, field="--week")
    quarter = st.period("this-quarter")
    with st.connection() as conn:
        report = weekly.weekly(
            conn,
            settings=st.settings,
            today=st.today,
            now=st.now,
            week=when,
            quarter=quarter,
            rep=rep,
            team=team,
        )
    results = report["results"]
    funnel_part, funnel_notes = funnel_sections(report["funnel"], f"Funnel, {quarter.label}")
    stale_part, stale_notes = stale_sections(report["stale"], weekly.STALE_LISTED)
    sections = [
        Section(
            f"Last week: {when.label}",
            [results],
            [
                Column("won", "won", "right"),
                Column("won_amount", "won amount", "right"),
                Column("lost", "lost", "right"),
                Column("lost_amount", "lost amount", "right"),
                Column("new_leads", "new leads", "right"),
                Column("stage_moves", "stage moves", "right"),
            ],
        ),
        *leaderboard_sections(report["leaderboard"], f"Leaderboard, {quarter.label} to date"),
        *funnel_part,
        *sources_sections(report["sources"], f"Lead sources, {quarter.label}"),
        *stale_part,
    ]
    title = f"Weekly sales report: {when.label}"
    lead = [
        f"Week {when.label} ({when.start} to {when.last}); quarter {quarter.label}.",
        f"Amounts in {report['currency']}.",
        *funnel_notes,
        *stale_notes,
    ]
    if addresses is not None:
        from salescli import render
        from salescli.services import mail

        text = markdown_document(title, lead, shown(sections), st.tz)
        page = html_document(title, lead, shown(sections), st.tz)
        mail.send(st.settings, to=addresses, subject=title, text=text, html=page)
        render.message(f"Sent the weekly report to {', '.join(addresses)}.")
        if output is None:
            return
    art = None
    if fmt_value.value == "table":
        funnel = report["funnel"]["stages"]
        art = _chart(True, [s["stage"] for s in funnel], [s["reached"] for s in funnel], "Funnel")
    from salescli.render.report import write_report

    write_report(
        report,
        title=title,
        lead=lead,
        sections=sections,
        fmt=fmt_value,
        output=output,
        tz=st.tz,
        chart=art,
    )
