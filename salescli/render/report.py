"""Reports as documents: one report (a dict, its JSON) shown as sections of rows in every
format: a table on a terminal (tab-separated lines off one), JSON (the report object), CSV
(the report's main rows), Markdown, and self-contained HTML (inline CSS, no scripts, no
external reference: fit to mail). Stored text is escaped in every format.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salescli.render import (
    Column,
    Format,
    cell_text,
    markdown_text,
    open_output,
    write_json,
    write_rows,
)


class ReportFormat(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[dict[str, Any]]
    columns: Sequence[Column]


_STYLE = (
    "body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;"
    "max-width:60em;margin:1em auto;padding:0 1em}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}"
    "p.note{color:#555;font-size:.9em}"
)


def _cells(
    rows: list[dict[str, Any]], columns: Sequence[Column], tz: str | None
) -> list[list[str]]:
    return [[cell_text(row, c, tz) for c in columns] for row in rows]


def html_table(section: Section, tz: str | None) -> str:
    head = "".join(f"<th>{html.escape(c.header)}</th>" for c in section.columns)
    body = []
    for cells in _cells(section.rows, section.columns, tz):
        tds = "".join(
            f'<td class="n">{html.escape(v)}</td>'
            if c.justify == "right"
            else f"<td>{html.escape(v)}</td>"
            for c, v in zip(section.columns, cells, strict=True)
        )
        body.append(f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html_document(title: str, lead: list[str], sections: list[Section], tz: str | None) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts.extend(f'<p class="note">{html.escape(line)}</p>' for line in lead)
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.rows:
            parts.append(html_table(section, tz))
        else:
            parts.append('<p class="note">Nothing in this period.</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def markdown_document(title: str, lead: list[str], sections: list[Section], tz: str | None) -> str:
    out = [f"# {markdown_text(title, line=True)}", ""]
    out.extend(f"{markdown_text(line, line=True)}  " for line in lead)
    for section in sections:
        out += ["", f"## {markdown_text(section.title, line=True)}", ""]
        if not section.rows:
            out.append("Nothing in this period.")
            continue
        cols = section.columns
        out.append("| " + " | ".join(c.header for c in cols) + " |")
        out.append("|" + "|".join("---:" if c.justify == "right" else "---" for c in cols) + "|")
        for cells in _cells(section.rows, cols, tz):
            out.append("| " + " | ".join(markdown_text(v) for v in cells) + " |")
    return "\n".join(out) + "\n"


def write_report(
    report: dict[str, Any],
    *,
    title: str,
    lead: list[str],
    sections: list[Section],
    fmt: ReportFormat,
    output: str | None = None,
    tz: str | None = None,
    chart: str | None = None,
) -> None:
    """Print `report`: `lead` lines (period, currency, notes) above its `sections`; `chart`
    (text) after them in the table format on a terminal or in a file."""
    from salescli import render

    if fmt == ReportFormat.json:
        with open_output(output) as stream:
            write_json(stream, report, tz)
        return
    if fmt == ReportFormat.csv:
        main = sections[0]
        write_rows(main.rows, Format.csv, columns=main.columns, output=output, tz=tz)
        return
    if fmt == ReportFormat.markdown:
        with open_output(output) as stream:
            stream.write(markdown_document(title, lead, sections, tz))
        return
    if fmt == ReportFormat.html:
        with open_output(output) as stream:
            stream.write(html_document(title, lead, sections, tz))
        return
    on_terminal = output is None and render.stdout_is_terminal()
    if on_terminal:
        from rich.text import Text

        console = render._console()
        console.print(Text(title, style="bold"))
        for line in lead:
            console.print(Text(line))
        for section in sections:
            console.print()
            if section.rows:
                render._rich_table(section.rows, list(section.columns), tz, section.title)
            else:
                console.print(Text(f"{section.title}: nothing in this period."))
        if chart:
            render.write_text(chart)
        return
    with open_output(output) as stream:
        stream.write(f"{title}\n")
        for line in lead:
            stream.write(f"{line}\n")
        for section in sections:
            stream.write(f"\n{section.title}:\n")
            render._write_plain(stream, section.rows, list(section.columns), Format.table, tz)
        if chart and output is not None:
            stream.write("\n" + chart + "\n")
