"""The `report` group's Typer app, the options every report shares and `run()`/`write()`,
the frame of every report command (cli/report.py gathers the commands)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import TeamOpt, state  # noqa: F401 - the reports' --team

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.cli.common import State
    from salescli.dates import Period
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
ChartOpt = Annotated[bool, typer.Option("--chart", help="Draw a chart (on a terminal).")]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="table, json, csv (the main rows), markdown or html (a self-contained page).",
    ),
]


def report_format(value: str) -> ReportFormat:
    from salescli.errors import UsageError
    from salescli.render.report import ReportFormat

    try:
        return ReportFormat(value.lower())
    except ValueError:
        raise UsageError(
            f"--format '{value}' is not one of: table, json, csv, markdown, html"
        ) from None


class Run:
    """One report command's run: the state, the format asked for, the period and the report."""

    def __init__(self, st: State, fmt: ReportFormat, period: Period | None) -> None:
        self.st = st
        self.fmt = fmt
        self.period = period
        self.report: dict[str, Any] = {}


def run(
    ctx: typer.Context,
    fmt: str,
    period: str | None,
    default: str | None,
    compute: Callable[[Connection, State, Any], dict[str, Any]],
) -> Run:
    """The frame of every report: the format checked and the period parsed (`default` when
    none is given; no period at all when both are None) before the database is opened, then
    `compute(conn, state, period)` on a reading connection."""
    st = state(ctx)
    asked = Run(st, report_format(fmt), None)
    text = period or default
    asked.period = st.period(text) if text else None
    with st.connection() as conn:
        asked.report = compute(conn, st, asked.period)
    return asked


def _lead(report: dict[str, Any], notes: list[str] | None = None) -> list[str]:
    lines = []
    if report.get("period"):
        lines.append(f"Period: {report['period']} ({report['from']} to {report['to']})")
    if report.get("currency"):
        lines.append(f"Amounts in {report['currency']}.")
    unknown = (report.get("total") or {}).get("unknown_amount")
    if unknown:
        lines.append(f"{unknown} deals without an amount are counted, not summed.")
    return lines + (notes or [])


def chart(
    show: bool, labels: list[str], values: list[Any], title: str, *, asked: bool = True
) -> str | None:
    """A bar chart when `show` and stdout is a terminal, else None (a chart `asked` for says on
    stderr that it was left out; `report weekly` draws its funnel unasked, on a terminal)."""
    from salescli import render

    if not show or not labels:
        return None
    if not (render.chart_drawn() if asked else render.stdout_is_terminal()):
        return None
    from salescli.render import charts

    return charts.hbar(labels, [float(v) for v in values], title=title)


def write(
    asked: Run,
    title: str,
    sections: list[Section],
    output: str | None,
    art: str | None = None,
    notes: list[str] | None = None,
) -> None:
    """Print the report of `asked` in its format: lead lines (period, currency, unknown
    amounts, `notes`), then `sections`, then the chart `art`."""
    from salescli.render.report import ReportFormat, write_report

    if art is not None and asked.fmt != ReportFormat.table:
        from salescli.render import message

        message(f"(chart left out: --format {asked.fmt.value} has no chart)")
    write_report(
        asked.report,
        title=title,
        lead=_lead(asked.report, notes),
        sections=sections,
        fmt=asked.fmt,
        output=output,
        tz=asked.st.tz,
        chart=art,
    )
