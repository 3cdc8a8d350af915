"""The one place that turns results into table / json / csv / markdown.

Services return plain dicts (the JSON shape); this module only formats them. rich is imported
inside functions so that `--help` and `--version` do not pay for it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import enum
import importlib
import json
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from salescli.text import visible


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


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
        return decimal_text(value)
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return _local(value, tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(text_value(v, tz) for v in value)
    # Stored text is data: a control character is shown as an escape, never acted upon.
    return visible(str(value), keep="\n")


def decimal_text(value: Decimal) -> str:
    """An exact number as stored: money in its currency's minor units (KWD 100.505, JPY 1,000,
    USD 20,000.00), a rate at its precision (0.0065), a computed figure to the cent."""
    places = -int(value.as_tuple().exponent)
    if places <= 0:
        return f"{value:,f}"
    if places == 1 or places > 10:
        # 2.5 from a division, or a long quotient: not a stored precision, shown to the cent.
        return f"{value.quantize(Decimal('0.01')):,f}"
    return f"{value:,f}"


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


# ----------------------------------------------------------------------------- output files
#
# Every file salescli writes (--output, --reject-file, backups, dumps) goes through
# `output_file` / `open_output`: the target is checked (never the live database, a directory
# or a symbolic link), the data goes to a temporary file beside it, created 0600, and only a
# complete file is renamed into place. A device or pipe (/dev/null, /dev/stdout) is written in
# place, with no rename and no chmod. While the temporary file exists, a marker beside the
# database names it; the next salescli that opens the database removes what a killed process
# left behind (`protect_database`).

_DATABASE: Path | None = None  # the live SQLite file: no output may be it or its side files
_ANCHOR: Path | None = None  # markers of in-progress writes live beside this path
_SIDE_FILES = {
    "": "the database",
    "-wal": "the database's write-ahead log",
    "-shm": "the database's shared-memory file",
    "-journal": "the database's journal",
}
_EXAMPLES = {
    "--reject-file": "(e.g. --reject-file rejects.csv)",
    "backup path": "(e.g. salescli db backup ~/sales-copy.db)",
}
_STDIO_ALIASES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")
_TMP_SIDES = ("", "-journal", "-wal", "-shm")
_TMP_NAME = re.compile(r"\..*\.salescli-[0-9a-f]{12}\.tmp")


def protect_database(database: Path | None, anchor: Path | None = None) -> None:
    """Name the live database (None on PostgreSQL) for this invocation, and remove the
    temporary files of writes that a killed salescli left unfinished.

    `anchor` is the database file, or on PostgreSQL the default database path: markers of
    in-progress writes are `.NAME.partial-*` files beside it.
    """
    global _DATABASE, _ANCHOR
    _DATABASE = database
    _ANCHOR = anchor if anchor is not None else database
    if _ANCHOR is not None:
        _reap_interrupted(_ANCHOR)


def _marker_prefix(anchor: Path) -> str:
    return f".{anchor.name}.partial-"


def _reap_interrupted(anchor: Path) -> None:
    try:
        fcntl = importlib.import_module("fcntl")
    except ImportError:  # pragma: no cover - no flock (Windows): nothing recorded, nothing to do
        return
    prefix = _marker_prefix(anchor)
    try:
        names = [e.name for e in os.scandir(anchor.parent) if e.name.startswith(prefix)]
    except OSError:
        return
    for name in names:
        marker = anchor.parent / name
        try:
            fd = os.open(marker, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its writer is still at work
            info = os.fstat(fd)
            listed = os.read(fd, 65536).decode("utf-8", "replace").splitlines()
            if not listed and time.time() - info.st_mtime < 60:
                continue  # just created: its writer has not locked it yet
            for line in listed:
                tmp = Path(line)
                if not _TMP_NAME.fullmatch(tmp.name):
                    continue  # never delete anything but our own temporary files
                for side in _TMP_SIDES:
                    with contextlib.suppress(OSError):
                        os.unlink(f"{tmp}{side}")
            with contextlib.suppress(OSError):
                os.unlink(marker)
        finally:
            os.close(fd)


def _is_database(path: str) -> str | None:
    """What part of the live database `path` is, if any (same file, link or name)."""
    if _DATABASE is None:
        return None
    real = os.path.realpath(path)
    for side, what in _SIDE_FILES.items():
        db_side = f"{_DATABASE}{side}"
        if real == os.path.realpath(db_side):
            return what
        with contextlib.suppress(OSError):
            if os.path.samefile(path, db_side):
                return what
    return None


def check_output(path: str, option: str = "--output") -> str:
    """Refuse (exit 1, one line) a target salescli must not write; return its kind.

    "file": a regular file or a new name, replaced whole by a rename. "device": a character
    device, pipe or socket, or a standard stream (/dev/stdout), written in place.
    """
    from salescli.errors import InvalidData

    example = _EXAMPLES.get(option, f"(e.g. {option} leads.csv)")
    if not path:
        raise InvalidData(f"{option} is empty: give a file name {example}")
    what = _is_database(path)
    if what:
        raise InvalidData(
            f"{option} '{path}' is {what}: writing there would destroy it; "
            f"give another file {example}"
        )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InvalidData(f"{option} '{path}' cannot be used: {exc.strerror}") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        if os.path.abspath(path).startswith(_STDIO_ALIASES):
            return "device"
        try:
            followed = os.stat(path)
        except OSError:
            followed = None
        if followed is None or stat.S_ISREG(followed.st_mode) or stat.S_ISDIR(followed.st_mode):
            raise InvalidData(
                f"{option} '{path}' is a symbolic link: salescli writes only to a file it "
                f"names directly, never through a link; give the real file name {example}"
            )
        return "device"
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InvalidData(
            f"{option} '{path}' is a directory: give a file name "
            f"(e.g. {option} {os.path.join(path, 'leads.csv')})"
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        return "device"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InvalidData(f"{option} '{path}': directory '{parent}' does not exist {example}")
    if not os.access(parent, os.W_OK):
        raise InvalidData(f"{option} '{path}': directory '{parent}' is not writable {example}")
    return "file"


@dataclass
class PendingFile:
    """A file being written: `tmp` now, `final` once it is in place."""

    tmp: Path
    target: Path
    final: Path | None = None


@contextlib.contextmanager
def output_file(
    path: str | os.PathLike[str], *, option: str = "--output", exist: str = "replace"
) -> Iterator[PendingFile]:
    """Yield a temporary path beside `path` (created 0600); on success put it in place.

    exist="replace" replaces an existing file (a rename: a file linked elsewhere keeps its
    contents); "new" refuses one (exit 4, for backups without --yes); "unique" picks
    NAME-2.EXT, NAME-3.EXT... On any failure the temporary file is removed and the target
    is untouched.
    """
    from salescli.errors import InvalidData, SalesError

    target = Path(os.path.abspath(os.fspath(path)))
    if check_output(str(path), option) != "file":
        raise InvalidData(f"{option} '{path}' is not a regular file: give a file name")
    pending = PendingFile(tmp=_tmp_name(target), target=target)
    marker = _start_marker(pending.tmp)
    try:
        try:
            fd = os.open(pending.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise SalesError(f"cannot write {option} '{path}': {exc.strerror}") from None
        os.close(fd)
        yield pending
        _fsync(pending.tmp)
        pending.final = _publish(pending.tmp, target, exist, option)
    finally:
        for side in _TMP_SIDES:
            with contextlib.suppress(OSError):
                os.unlink(f"{pending.tmp}{side}")
        _end_marker(marker)


@contextlib.contextmanager
def open_output(
    path: str | None, *, option: str = "--output", newline: str | None = ""
) -> Iterator[Any]:
    """A text stream to `path` (whole or nothing, 0600), or stdout when `path` is None."""
    if not path:
        yield sys.stdout
        return
    if check_output(path, option) == "device":
        # /dev/null, a pipe, /dev/stdout: written in place, never truncated or chmod-ed.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        return
    with (
        output_file(path, option=option) as pending,
        open(pending.tmp, "w", encoding="utf-8", newline=newline) as stream,
    ):
        yield stream


def _tmp_name(target: Path) -> Path:
    return target.with_name(f".{target.name[:100]}.salescli-{os.urandom(6).hex()}.tmp")


def _start_marker(tmp: Path) -> int | None:
    """Record `tmp` beside the database, locked while this process lives."""
    if _ANCHOR is None:
        return None
    try:
        fcntl = importlib.import_module("fcntl")
    except ImportError:  # pragma: no cover
        return None
    directory = _ANCHOR.parent
    try:
        marker = directory / f"{_marker_prefix(_ANCHOR)}{os.urandom(6).hex()}"
        fd = os.open(marker, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return None  # no such or a read-only directory: nothing can be recorded there
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{tmp}\n".encode())
    _MARKERS[fd] = marker
    return fd


_MARKERS: dict[int, Path] = {}


def _end_marker(fd: int | None) -> None:
    if fd is None:
        return
    marker = _MARKERS.pop(fd)
    with contextlib.suppress(OSError):
        os.unlink(marker)
    os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(tmp: Path, target: Path, exist: str, option: str) -> Path:
    from salescli.errors import Refused

    if exist == "replace":
        os.replace(tmp, target)
        return target
    candidates = [target]
    if exist == "unique":
        stem, suffix = os.path.splitext(target.name)
        candidates += [target.with_name(f"{stem}-{n}{suffix}") for n in range(2, 1000)]
    for candidate in candidates:
        if _link_new(tmp, candidate):
            return candidate
    raise Refused(f"{option} '{target}' exists: refused without --yes")


def _link_new(tmp: Path, candidate: Path) -> bool:
    """Put `tmp` at `candidate` only if nothing is there (atomic where hard links work)."""
    try:
        os.link(tmp, candidate)
        return True
    except FileExistsError:
        return False
    except OSError:
        if os.path.lexists(candidate):
            return False
        os.replace(tmp, candidate)
        return True


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (charts are drawn only there)."""
    return _stdout_is_terminal()


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
    trailer: str | None = None,
) -> None:
    """Print a list: a JSON array, CSV with a header, a Markdown table, or a table.

    `trailer` (a chart) follows the table, in the same file with --output.
    """
    rows = list(rows)
    with open_output(output) as stream:
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
        if trailer is not None:
            stream.write("\n" + trailer + "\n")


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
    cells = [[text_value(row.get(c.key), tz).replace("\n", " ") for c in cols] for row in rows]
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
            json.dump(json_value(record, tz), stream, ensure_ascii=False, indent=2)
            stream.write("\n")
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
            # One line per row for grep and cut: a newline inside a value is shown as \n.
            cells = (text_value(row.get(c.key), tz).replace("\n", "\\n") for c in cols)
            stream.write("\t".join(cells) + "\n")


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
