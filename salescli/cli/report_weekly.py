"""`report weekly`: the manager's Monday report, as a table, a document or a mail."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import OutputOpt
from salescli.cli.report_base import FormatOpt, RepOpt, TeamOpt, app, chart, report_format
from salescli.cli.report_sections import (
    forecast_sections,
    funnel_sections,
    leaderboard_sections,
    sources_sections,
    stale_sections,
)
from salescli.render import Column


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
    """The manager's Monday report: last week's results, this month's and this quarter's
    forecast against quota, the quarter's leaderboard, funnel and lead sources, stale deals and
    overdue tasks.

    --format markdown|html --output FILE writes a document fit to mail; --mail-to sends it
    (password from SALESCLI_SMTP_PASSWORD).

    Example: salescli report weekly --team "Dana Lee" --format html --output weekly.html
    """
    from salescli.cli.common import state
    from salescli.render.report import Section, html_document, markdown_document
    from salescli.services.reports import weekly

    st = state(ctx)
    fmt_value = report_format(fmt)
    addresses = None
    if mail_to is not None:
        from salescli.services import mail

        addresses = mail.recipients(mail_to)
    when = st.period(week, field="--week")
    quarter = st.period("this-quarter")
    month = st.period("this-month")
    with st.connection() as conn:
        report = weekly.weekly(
            conn,
            settings=st.settings,
            today=st.today,
            now=st.now,
            week=when,
            quarter=quarter,
            month=month,
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
        *forecast_sections(report["forecast"]),
        *leaderboard_sections(report["leaderboard"], f"Leaderboard, {quarter.label} to date"),
        *funnel_part,
        *sources_sections(report["sources"], f"Lead sources, {quarter.label}"),
        *stale_part,
    ]
    title = f"Weekly sales report: {when.label}"
    lead = [
        f"Week {when.label} ({when.start} to {when.last}); quarter {quarter.label}.",
        f"Amounts in {report['currency']}.",
        *report["forecast"]["notes"],
        *funnel_notes,
        *stale_notes,
    ]
    if addresses is not None:
        from salescli import render
        from salescli.services import mail

        text = markdown_document(title, lead, sections, st.tz)
        page = html_document(title, lead, sections, st.tz)
        mail.send(st.settings, to=addresses, subject=title, text=text, html=page)
        render.message(f"Sent the weekly report to {', '.join(addresses)}.")
        if output is None:
            return
    art = None
    if fmt_value.value == "table":
        funnel = report["funnel"]["stages"]
        art = chart(
            True, [s["stage"] for s in funnel], [s["reached"] for s in funnel], "Funnel",
            asked=False,
        )  # fmt: skip
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
