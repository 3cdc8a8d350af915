"""The reject file of an import: the rejected rows as they were in the file, plus `line` and
`error`, private (0600), where `--reject-file` says or beside the file."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from salescli.services.csv.cells import REJECT_EXTRA

if TYPE_CHECKING:
    from salescli.services.csv.types import ImportOptions, Parsed


def reject_path(path: str, options: ImportOptions) -> str:
    return options.reject_file or f"{path}.rejects.csv"


def write_rejects(path: str, parsed: Parsed) -> None:
    """The rejected rows as they were, plus `line` and `error`, in a 0600 file. Cells that a
    spreadsheet would run as a formula are neutralised as exports do (`values.csv_value`)."""
    from salescli.files import open_output
    from salescli.values import csv_value

    with open_output(path, option="--reject-file") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([csv_value(name) for name in (*parsed.header, *REJECT_EXTRA)])
        width = len(parsed.header)
        for row, error in parsed.bad:
            cells = (row.cells + [""] * width)[:width] if len(row.cells) < width else row.cells
            reason = str(error).split(": ", 1)[1]
            writer.writerow([*(csv_value(cell) for cell in cells), row.line, csv_value(reason)])
