"""The render side: the one place that turns results into what a person or a script reads.

- this module: tables and records in table / json / csv / markdown (`write_rows`,
  `write_record`), the one output after a change (`changed`), messages on stderr (`message`);
- `render.export`: exports streamed to CSV or a JSON array (`export_rows`);
- `render.charts`: terminal charts (plotext) returned as strings.
Documents (markdown and HTML reports) are to be added here beside them.

Services return plain dicts (the JSON shape); render only formats them. rich is imported
inside functions so that `--help` and `--version` do not pay for it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import enum
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from salescli.files import (  # noqa: F401 - the render side's names for them
    PendingFile,
    check_output,
    open_output,
    output_file,
    protect_database,
)
from salescli.values import (  # noqa: F401 - the render side's names for them
    csv_row,
    csv_value,
    decimal_text,
    json_value,
    text_value,
)


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@dataclass(frozen=True)
class Column:
    """A column of a table: the row's key, its header, its justification and its kind:
    "percent" shows a fraction (0.125) as 12.5% to a person (JSON and CSV keep the fraction)."""

    key: str
    header: str
    justify: str = "left"
    kind: str = "text"


def cell_text(row: dict, column: Column, tz: str | None = None) -> str:
    """The text of `row`'s value in `column` as a person reads it (tables, Markdown, HTML)."""
    value = row.get(column.key)
    if (
        column.kind == "percent"
        and isinstance(value, float | int | Decimal)
        and not isinstance(value, bool)
    ):
        return f"{float(value):.1%}"
    return text_value(value, tz)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (charts are drawn only there)."""
    return _stdout_is_terminal()


def chart_drawn() -> bool:
    """Whether a chart asked for is drawn: only on a terminal; else the one line that says it
    was left out (a chart in a pipe would corrupt the data there)."""
    if _stdout_is_terminal():
        return True
    message("(chart left out: stdout is not a terminal)")
    return False


def _columns_for(rows: Iterable[dict], columns: Sequence[Column] | None) -> list[Column]:
    if columns:
        return list(columns)
    assert isinstance(rows, Sequence)
    keys: list[str] = []
    for row in rows[:1]:
        keys.extend(row.keys())
    return [Column(k, k) for k in keys]


# Stored text in Markdown is shown literally by CommonMark and GFM: the characters that can
# open inline markup are backslash-escaped (a pipe would also end a table cell), and the three
# that HTML reads are entities, which every Markdown renderer passes through as text. Dots,
# hyphens and digits are left alone, so 1,234.50, -5 and 2026-11-23 read the same as text.
_MARKDOWN_INLINE = str.maketrans(
    {**{c: "\\" + c for c in "\\`*_[]|~"}, "<": "&lt;", ">": "&gt;", "&": "&amp;"}
)
# What opens a block at the start of a line (a heading, list, quote or setext underline: the
# marker is escaped; an ordered list's 1. or 1): its dot or parenthesis), and a heading's
# closing run of #s (its first # escaped).
_MARKDOWN_BLOCK = ((re.compile(r"^([#+=-])"), r"\\\1"), (re.compile(r"^([0-9]+)([.)])"), r"\1\\\2"))
_MARKDOWN_HEADING_END = (re.compile(r"(#+)$"), r"\\\1")


def markdown_text(value: str, *, line: bool = False) -> str:
    """`value` (stored text) as Markdown that renders literally, on one line: a table cell, or
    with `line` a heading or a line of its own (markers at its start and end escaped too)."""
    text = re.sub(r"\r\n?|\n", " ", value).translate(_MARKDOWN_INLINE)
    if not line:
        return text
    text = text.strip()
    for pattern, escaped in (*_MARKDOWN_BLOCK, _MARKDOWN_HEADING_END):
        text = pattern.sub(escaped, text)
    return text


def write_rows(
    rows: Iterable[dict],
    fmt: Format,
    *,
    columns: Sequence[Column] | None = None,
    output: str | None = None,
    tz: str | None = None,
    title: str | None = None,
    trailer: str | None = None,
) -> None:
    """Print a list: a JSON array, CSV with a header, a Markdown table, or a table.

    `rows` may be an iterator with `columns` given (a whole list read as it is written, e.g.
    `deal list --format json`): it is then consumed once and never held whole, except by a
    table on a terminal, which measures every row first.
    `trailer` (a chart) follows the table, in the same file with --output.
    """
    terminal = fmt == Format.table and output is None and _stdout_is_terminal()
    if terminal or columns is None or isinstance(rows, Sequence):
        rows = list(rows)
    with open_output(output) as stream:
        if fmt == Format.json:
            if isinstance(rows, list):
                write_json(stream, rows, tz)
            else:
                from salescli.render.jsonwrite import write_json_items

                write_json_items(stream, rows, tz)
            return
        if fmt == Format.csv:
            cols = _columns_for(rows, columns) if columns or rows else []
            writer = csv.writer(stream, lineterminator="\n")
            keys = [c.key for c in cols]
            writer.writerow(keys)
            writer.writerows(csv_row([row.get(k) for k in keys], tz) for row in rows)
            return
        cols = _columns_for(rows, columns)
        if terminal:
            assert isinstance(rows, list)
            _rich_table(rows, cols, tz, title)
        else:
            _write_plain(stream, rows, cols, fmt, tz)
        if trailer is not None:
            stream.write("\n" + trailer + "\n")


def write_csv_tuples(
    rows: Iterable[Sequence[Any]],
    columns: Sequence[Column],
    *,
    output: str | None = None,
    tz: str | None = None,
) -> None:
    """`write_rows` in CSV for rows given as tuples in the order of `columns`: the same
    bytes without a dict per row (`lead duplicates` writes a million rows), streamed."""
    with open_output(output) as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([c.key for c in columns])
        writer.writerows(csv_row(list(row), tz) for row in rows)


_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+$")
_FIXED_TYPES = (int, float, Decimal, dt.date, bool)
_MIN_WIDTH = 8
_GAP = 2  # columns are two spaces apart (SIMPLE_HEAD box, collapsed padding, no outer edge)

# How a column gives way when a table is wider than the terminal.
FIXED, WORD, FREE = "fixed", "word", "free"


def _kind(values: list[Any]) -> str:
    """FIXED: ids, numbers, amounts, dates. WORD: e-mails and codes. Neither is ever cut.
    FREE: free text, cut with an ellipsis when the table is wider than the terminal."""
    present = [v for v in values if v not in (None, "")]
    if all(isinstance(v, _FIXED_TYPES) for v in present):
        return FIXED
    if all(
        isinstance(v, str)
        and (_EMAIL.match(v) or (len(v) <= 24 and not any(c.isspace() for c in v)))
        for v in present
    ):
        return WORD
    return FREE


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _share(columns: list[int], natural: list[int], budget: int, widths: list[int]) -> None:
    """Water-filling: the narrowest columns take what they need, the rest share the budget
    (never less than a few characters each)."""
    pending = sorted(columns, key=lambda i: natural[i])
    while pending:
        share = max(min(_MIN_WIDTH, natural[pending[0]]), budget // len(pending))
        i = pending.pop(0)
        widths[i] = min(natural[i], share)
        budget -= widths[i]


def fit_widths(
    headers: list[str], cells: list[list[str]], kinds: list[str], total: int
) -> list[int]:
    """Column widths that fit `total` terminal columns when that can be done by cutting free
    text (to no less than a few characters); ids, numbers, amounts, dates, e-mails and codes
    always keep their full width. The caller drops columns when the sum still exceeds `total`."""
    from rich.cells import cell_len

    natural = [
        max([cell_len(h)] + [cell_len(row[i]) for row in cells]) for i, h in enumerate(headers)
    ]
    widths = list(natural)
    room = total - _GAP * (len(headers) - 1)
    if sum(natural) <= room:
        return widths
    free = [i for i, k in enumerate(kinds) if k == FREE]
    kept = sum(natural[i] for i, k in enumerate(kinds) if k != FREE)
    _share(free, natural, room - kept, widths)
    return widths


def _rich_table(rows: list[dict], cols: list[Column], tz: str | None, title: str | None) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    if rows:
        # An empty column takes no width on a terminal.
        cols = [c for c in cols if any(row.get(c.key) not in (None, "", [], ()) for row in rows)]
    cells = [[cell_text(row, c, tz).replace("\n", " ") for c in cols] for row in rows]
    kinds = [_kind([row.get(c.key) for row in rows]) for c in cols]
    console = _console()
    widths = fit_widths([c.header for c in cols], cells, kinds, console.width)
    headers = [c.header for c in cols]
    hidden: list[str] = []
    while len(cols) > 2 and sum(widths) + _GAP * (len(cols) - 1) > console.width:
        # Too many columns for this terminal even with free text cut: the last wide ones give
        # way (a narrow figure such as a score or a percentage stays).
        wide = [i for i in range(2, len(cols)) if widths[i] > 6 or kinds[i] == FREE]
        drop = wide[-1] if wide else len(cols) - 1
        hidden.insert(0, cols.pop(drop).header)
        kinds.pop(drop)
        cells = [row[:drop] + row[drop + 1 :] for row in cells]
        widths = fit_widths([c.header for c in cols], cells, kinds, console.width)
    table = Table(
        title=title,
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for col, width in zip(cols, widths, strict=True):
        table.add_column(
            col.header,
            justify=col.justify,  # type: ignore[arg-type]
            no_wrap=True,
            overflow="ellipsis",
            min_width=width,
            max_width=width,
        )
    for row_cells in cells:
        # Text objects: stored text is printed literally, never read as Rich markup.
        table.add_row(*(Text(cell) for cell in row_cells))
    console.print(table)
    if not rows:
        message("(nothing matched)")
    elif hidden:
        message(
            f"({', '.join(h for h in headers if h in hidden)} not shown at {console.width} columns: "
            "widen the terminal or use --format csv)"
        )


def write_record(
    record: dict,
    fmt: Format,
    *,
    output: str | None = None,
    tz: str | None = None,
    sections: dict[str, tuple[list[dict], list[Column]]] | None = None,
) -> None:
    """Print one record: a JSON object, a one-row CSV, or field/value lines.

    `sections` are nested lists (stage history, activities...) shown under the record in
    table/markdown form; in JSON they are already keys of `record`.
    """
    if fmt == Format.json:
        with open_output(output) as stream:
            write_json(stream, record, tz)
        return
    flat = {k: v for k, v in record.items() if not (sections and k in sections)}
    if fmt == Format.csv:
        write_rows([flat], fmt, output=output, tz=tz)
        return
    pairs = [{"field": k, "value": text_value(v, tz)} for k, v in flat.items()]
    if output is None and fmt == Format.table and _stdout_is_terminal():
        from rich.table import Table
        from rich.text import Text

        console = _console()
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for pair in pairs:
            table.add_row(Text(pair["field"]), Text(pair["value"]))
        console.print(table)
        for name, (rows, section_cols) in (sections or {}).items():
            if rows:
                console.print()
                _rich_table(rows, section_cols, tz, name.replace("_", " ").capitalize())
        return
    with open_output(output) as stream:
        if fmt == Format.markdown:
            stream.write("| field | value |\n|---|---|\n")
            for pair in pairs:
                stream.write(f"| {pair['field']} | {markdown_text(pair['value'])} |\n")
        else:
            for pair in pairs:
                stream.write(f"{pair['field']}\t{pair['value']}\n")
        for name, (rows, section_cols) in (sections or {}).items():
            if not rows:
                continue
            heading = name.replace("_", " ")
            stream.write(f"\n### {heading}\n\n" if fmt == Format.markdown else f"\n{heading}:\n")
            _write_plain(stream, rows, section_cols, fmt, tz)


def _write_plain(
    stream: Any, rows: Iterable[dict], cols: list[Column], fmt: Format, tz: str | None
) -> None:
    """A Markdown table, or (table format off a terminal) tab-separated lines for grep and cut."""
    if fmt == Format.markdown:
        stream.write("| " + " | ".join(c.header for c in cols) + " |\n")
        stream.write(
            "|" + "|".join("---:" if c.justify == "right" else "---" for c in cols) + "|\n"
        )
        for row in rows:
            cells = [markdown_text(cell_text(row, c, tz)) for c in cols]
            stream.write("| " + " | ".join(cells) + " |\n")
    else:
        stream.write("\t".join(c.header for c in cols) + "\n")
        for row in rows:
            # One line per row for grep and cut: a newline inside a value is shown as \n.
            line = (cell_text(row, c, tz).replace("\n", "\\n") for c in cols)
            stream.write("\t".join(line) + "\n")


def write_json(stream: Any, value: Any, tz: str | None = None) -> None:
    """`value` (raw: Decimal, datetime, date as services return them) as indented JSON and a
    newline, datetimes shown in `tz` (render.jsonwrite: orjson, the bytes Python's json wrote)."""
    from salescli.render.jsonwrite import write_json as write

    write(stream, value, tz)


def write_text(text: str) -> None:
    """Append preformatted text (a chart) to stdout (with --output: `write_rows(trailer=)`)."""
    sys.stdout.write("\n" + text + "\n")


def message(text: str) -> None:
    """A message for the human on stderr (never data): the one place that writes to stderr.

    Standard output is flushed first, so that a transcript, a log file or a pipe that holds
    both streams reads in the order things happened, whatever the buffering of stdout.
    """
    from rich.console import Console

    with contextlib.suppress(BrokenPipeError, ValueError):
        sys.stdout.flush()
    Console(stderr=True, highlight=False, markup=False, soft_wrap=True).print(text)


def print_id(record_id: int | str) -> None:
    sys.stdout.write(f"{record_id}\n")


def changed(
    record: dict,
    fmt: Format,
    *,
    note: str | None = None,
    created: bool = False,
    output: str | None = None,
    tz: str | None = None,
) -> None:
    """The one output after a write, called after the commit (never under the write lock).

    In the table format: a new record's id on stdout (`created`), else `note` (a one-line
    message, e.g. "deal 12 moved to proposal") on stderr. With --format json, csv or markdown:
    the record, in the same JSON shape as `show`/`list`. Every write command ends here.
    """
    if fmt != Format.table or output is not None:
        write_record(record, fmt, output=output, tz=tz)
        return
    if created:
        print_id(record["id"])
    if note:
        message(note)
