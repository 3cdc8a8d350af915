"""The one place that turns results into table / json / csv / markdown.

Services return plain dicts (the JSON shape); this module only formats them. rich is imported
inside functions so that `--help` and `--version` do not pay for it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import enum
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    justify: str = "left"


_FORMULA_PREFIXES = ("=", "+", "-", "@")


def _local(value: dt.datetime, tz: str | None) -> dt.datetime:
    if tz is None or value.tzinfo is None:
        return value
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz))


def json_value(value: Any, tz: str | None = None) -> Any:
    if isinstance(value, Decimal):
        # Money is exact in storage; amounts are bounded below 10^13, so the shortest float
        # repr carries every digit and JSON gets a number, as the contract says.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return _local(value, tz).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_value(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v, tz) for v in value]
    return value


def text_value(value: Any, tz: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:,}" if value == value.to_integral_value() else f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return _local(value, tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(text_value(v, tz) for v in value)
    return str(value)


def csv_value(value: Any, tz: str | None = None) -> Any:
    if isinstance(value, list | tuple):
        value = ",".join(text_value(v, tz) for v in value)
    elif isinstance(value, dt.datetime | dt.date | Decimal):
        value = json_value(value, tz)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    elif value is None:
        value = ""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        # A spreadsheet would execute it; a leading quote makes it text.
        return "'" + value
    return value


def open_private(path: str, mode: str = "w", newline: str | None = "") -> Any:
    """Open a file for writing, created 0600 whatever the umask (it may hold personal data)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)
    return os.fdopen(fd, mode, encoding="utf-8", newline=newline)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _columns_for(rows: Sequence[dict], columns: Sequence[Column] | None) -> list[Column]:
    if columns:
        return list(columns)
    keys: list[str] = []
    for row in rows[:1]:
        keys.extend(row.keys())
    return [Column(k, k) for k in keys]


def _markdown_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def write_rows(
    rows: Iterable[dict],
    fmt: Format,
    *,
    columns: Sequence[Column] | None = None,
    output: str | None = None,
    tz: str | None = None,
    title: str | None = None,
) -> None:
    """Print a list: a JSON array, CSV with a header, a Markdown table, or a table."""
    rows = list(rows)
    stream = open_private(output) if output else sys.stdout
    try:
        if fmt == Format.json:
            json.dump([json_value(r, tz) for r in rows], stream, ensure_ascii=False, indent=2)
            stream.write("\n")
            return
        if fmt == Format.csv:
            cols = _columns_for(rows, columns) if rows or columns else []
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow([c.key for c in cols])
            for row in rows:
                writer.writerow([csv_value(row.get(c.key), tz) for c in cols])
            return
        cols = _columns_for(rows, columns)
        if fmt == Format.table and output is None and _stdout_is_terminal():
            _rich_table(rows, cols, tz, title)
        else:
            _write_plain(stream, rows, cols, fmt, tz)
    finally:
        if output:
            stream.close()


def _rich_table(rows: list[dict], cols: list[Column], tz: str | None, title: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold", show_edge=False, pad_edge=False)
    for col in cols:
        table.add_column(col.header, justify=col.justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(text_value(row.get(c.key), tz) for c in cols))
    Console(highlight=False).print(table)
    if not rows:
        message("(nothing matched)")


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
        stream = open_private(output) if output else sys.stdout
        try:
            json.dump(json_value(record, tz), stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        finally:
            if output:
                stream.close()
        return
    flat = {k: v for k, v in record.items() if not (sections and k in sections)}
    if fmt == Format.csv:
        write_rows([flat], fmt, output=output, tz=tz)
        return
    pairs = [{"field": k, "value": text_value(v, tz)} for k, v in flat.items()]
    if output is None and fmt == Format.table and _stdout_is_terminal():
        from rich.console import Console
        from rich.table import Table

        console = Console(highlight=False)
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for pair in pairs:
            table.add_row(pair["field"], pair["value"])
        console.print(table)
        for name, (rows, section_cols) in (sections or {}).items():
            if rows:
                console.print()
                _rich_table(rows, section_cols, tz, name.replace("_", " ").capitalize())
        return
    stream = open_private(output) if output else sys.stdout
    try:
        if fmt == Format.markdown:
            stream.write("| field | value |\n|---|---|\n")
            for pair in pairs:
                stream.write(f"| {pair['field']} | {_markdown_cell(pair['value'])} |\n")
        else:
            for pair in pairs:
                stream.write(f"{pair['field']}\t{pair['value']}\n")
        for name, (rows, section_cols) in (sections or {}).items():
            if not rows:
                continue
            heading = name.replace("_", " ")
            stream.write(f"\n### {heading}\n\n" if fmt == Format.markdown else f"\n{heading}:\n")
            _write_plain(stream, rows, section_cols, fmt, tz)
    finally:
        if output:
            stream.close()


def _write_plain(
    stream: Any, rows: list[dict], cols: list[Column], fmt: Format, tz: str | None
) -> None:
    """A Markdown table, or (table format off a terminal) tab-separated lines for grep and cut."""
    if fmt == Format.markdown:
        stream.write("| " + " | ".join(c.header for c in cols) + " |\n")
        stream.write(
            "|" + "|".join("---:" if c.justify == "right" else "---" for c in cols) + "|\n"
        )
        for row in rows:
            cells = [_markdown_cell(text_value(row.get(c.key), tz)) for c in cols]
            stream.write("| " + " | ".join(cells) + " |\n")
    else:
        stream.write("\t".join(c.header for c in cols) + "\n")
        for row in rows:
            stream.write("\t".join(text_value(row.get(c.key), tz) for c in cols) + "\n")


def write_text(text: str, output: str | None = None) -> None:
    """Append preformatted text (a chart) to stdout, or to the --output file just written."""
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write("\n" + text + "\n")
    else:
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
