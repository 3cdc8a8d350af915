"""Exports: rows streamed to CSV (formula cells neutralised) or a JSON array, as they come.

Every `X export` and the reject files of imports write through here; nothing is held in
memory but the row being written.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any

from salescli.files import open_output
from salescli.values import csv_value, json_value


def export_rows(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    fmt: str,
    *,
    output: str | None = None,
    tz: str | None = None,
    stream: Any = None,
) -> int:
    """Stream dicts to CSV (header = `columns`, formula cells neutralised) or a JSON array.

    Rows are written as they come (pass a generator over a Core result with
    `yield_per`), to `output` (created 0600) or stdout. Returns the number of rows.
    """
    import sys

    count = 0
    with open_output(output) if output else contextlib.nullcontext(stream or sys.stdout) as handle:
        if fmt == "csv":
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([csv_value(row.get(c), tz) for c in columns])
                count += 1
        elif fmt == "json":
            handle.write("[")
            for row in rows:
                handle.write(",\n  " if count else "\n  ")
                record = {c: json_value(row.get(c), tz) for c in columns}
                handle.write(json.dumps(record, ensure_ascii=False))
                count += 1
            handle.write("\n]\n" if count else "]\n")
        else:
            from salescli.errors import UsageError

            raise UsageError(f"--format '{fmt}' is not csv or json")
    return count
