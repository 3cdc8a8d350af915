"""The bulk CSV engine shared by every `X import` / `X export` command.

An entity (leads, reps, deals...) describes itself once with an `Entity`: its fields
(`FieldSpec`), a `validate` callback that checks and normalises one row, and an `insert`
callback that writes all clean rows in bulk. The engine does everything else:

1. reads the file (UTF-8 with or without BOM, `--encoding`), hashes its bytes (sha256),
   refuses a file already imported for the same entity unless `again`;
2. sniffs the delimiter among `, ; TAB |` (or takes `--delimiter`), reads the header, maps
   columns to fields (normalised names, aliases, `--map COLUMN=field`), reports unknown
   columns and refuses missing required ones before reading any row;
3. converts every cell by the field's kind (null values, `--map-value`, dates with
   `--date-format`, amounts with currency and thousands separators, booleans, lists) and calls
   `Entity.validate`; then `Entity.check_all` for whole-file rules (cycles...);
4. all-or-nothing by default (`ImportRejected`, exit 1, nothing written); with `skip_invalid`
   writes the bad rows to a private reject file and imports the rest; `dry_run` stops here;
5. records an `importbatch` row and calls `Entity.insert` in the caller's transaction.

Usage (the CLI side lives in `salescli.cli.importing`, which also defines the shared flags):

    from salescli.services.csv import engine as csvio

    ENTITY = csvio.Entity(
        name="rep",
        fields=[csvio.FieldSpec("name", required=True), csvio.FieldSpec("active", "bool")],
        validate=my_validate,          # (values: dict, ctx: ImportContext) -> dict
        insert=my_insert,              # (rows: list[dict], ctx: ImportContext) -> None
    )
    result = csvio.run_import(conn, "reps.csv", ENTITY, csvio.ImportOptions(), now=now)

This module runs the phases; each lives in its own module: `csv.validate` (steps 1-3 and the
check under the write lock), `csv.write` (step 5 and the bulk INSERT helpers), `csv.rejects`
(the reject file). Reading and sniffing live in `csv.read`, the header mapping and cell
converters in `csv.cells`; the descriptions (`Entity`, `FieldSpec`, `ImportOptions`...) in
`csv.types`, re-exported here with the helpers entity modules use (see `__all__`).
Imports here are on a benchmarked path: keep them few.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from salescli.instants import storage_instant
from salescli.services.csv.rejects import reject_path, write_rejects
from salescli.services.csv.types import (
    MAX_LISTED_ERRORS,
    Entity,
    FieldSpec,
    ImportContext,
    ImportOptions,
    ImportRejected,
    ImportResult,
    ImportState,
    Parsed,
    Row,
    RowError,
    RowInvalid,
    SeenKeys,
    Spool,
    invalid,
    listed,
)
from salescli.services.csv.validate import lookups_changed, refuse_reimport, validate_file
from salescli.services.csv.write import (
    bulk_insert_values,
    insert_rows,
    record_batch,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# The API entity modules use: `from salescli.services import csvio` and `csvio.<name>`.
__all__ = [
    "MAX_LISTED_ERRORS",
    "Entity",
    "FieldSpec",
    "ImportContext",
    "ImportOptions",
    "ImportRejected",
    "ImportResult",
    "ImportState",
    "Parsed",
    "Row",
    "RowError",
    "RowInvalid",
    "SeenKeys",
    "Spool",
    "bulk_insert_values",
    "invalid",
    "listed",
    "run_import",
    "storage_instant",
    "validate_file",
]


Connect = Callable[[bool], AbstractContextManager["Connection"]]


def run_import(
    connect: Connect,
    path: str,
    entity: Entity,
    options: ImportOptions,
    *,
    now: dt.datetime,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportResult:
    """The whole import: validate outside the write lock, then write in one transaction.

    `connect(write)` opens a connection (`State.connection`): a read one for validating the
    streamed file, then a write one (on SQLite the write lock) in which only what can have
    changed meanwhile is checked again (re-import of the same file; the entity's lookups,
    compared with a fresh `prepare`, and its `volatile` duplicates, checked by `insert`)
    before the rows are written in batches. A difference in the lookups validates the file
    again under the lock, so the result is always that of a validation against the data the
    write sees.

    Raises ImportRejected (exit 1) when a row is bad and skip_invalid is off: nothing written.
    With skip_invalid the good rows are written and the bad ones go to the reject file; the
    caller then exits 1 if `result.rejected`. dry_run validates only.
    """
    with connect(False) as conn:
        parsed, ctx = validate_file(conn, path, entity, options, now=now, progress=progress)
        ctx.conn = None
    try:
        if parsed.bad and not options.again:
            # The same file imported while this one was validated: its rows now look like
            # duplicates, but the true reason is the re-import (a fresh read sees it).
            with connect(False) as conn:
                refuse_reimport(conn, path, entity, parsed.sha256)
        if parsed.bad and not options.skip_invalid:
            raise ImportRejected(
                path, parsed.errors, options.dry_run, len(parsed.bad), parsed.unknown_columns
            )
        if options.dry_run or not parsed.good:
            return _finish(parsed, ctx, None)
        with connect(True) as conn:
            if not options.again:
                refuse_reimport(conn, path, entity, parsed.sha256)
            if lookups_changed(conn, ctx, entity):
                parsed.close()
                parsed, ctx = validate_file(conn, path, entity, options, now=now)
                if parsed.bad and not options.skip_invalid:
                    raise ImportRejected(
                        path, parsed.errors, False, len(parsed.bad), parsed.unknown_columns
                    )
            ctx.conn = conn
            if parsed.bad:
                write_rejects(reject_path(path, options), parsed)
            batch_id = None
            if parsed.good:
                batch_id = ctx.batch_id = record_batch(
                    conn, entity.name, os.path.basename(path), parsed.sha256, len(parsed.good), now
                )
                insert_rows(parsed, ctx, entity)
            return _finish(parsed, ctx, batch_id, rejects_written=True)
    finally:
        parsed.close()


def _finish(
    parsed: Parsed, ctx: ImportContext, batch_id: int | None, *, rejects_written: bool = False
) -> ImportResult:
    options = ctx.options
    rejects = None
    if parsed.bad:
        rejects = reject_path(parsed.path, options)
        if not options.dry_run and not rejects_written:
            write_rejects(rejects, parsed)
    return ImportResult(
        entity=ctx.entity.name,
        file=parsed.path,
        sha256=parsed.sha256,
        imported=len(parsed.good),
        rejected=len(parsed.bad),
        batch_id=batch_id,
        dry_run=options.dry_run,
        unknown_columns=parsed.unknown_columns,
        reject_file=rejects,
        errors=parsed.errors,
    )
