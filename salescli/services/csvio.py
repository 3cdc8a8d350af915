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

    from salescli.services import csvio

    ENTITY = csvio.Entity(
        name="rep",
        fields=[csvio.FieldSpec("name", required=True), csvio.FieldSpec("active", "bool")],
        validate=my_validate,          # (values: dict, ctx: ImportContext) -> dict
        insert=my_insert,              # (rows: list[dict], ctx: ImportContext) -> None
    )
    result = csvio.run_import(conn, "reps.csv", ENTITY, csvio.ImportOptions(), now=now)

Reading, sniffing, column mapping and cell converters live in `csvread`; the descriptions
(`Entity`, `FieldSpec`, `ImportOptions`...) in `csvtypes`, re-exported here (see `__all__`).
These modules import neither sqlmodel nor the models: imports are on a benchmarked path.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, UsageError
from salescli.instants import storage_instant, utc
from salescli.services.csvread import (
    REJECT_EXTRA,
    CellError,
    converter,
    map_columns,
    norm_name,
    read_records,
    read_text,
    sniff_delimiter,
)
from salescli.services.csvtypes import (
    MAX_LISTED_ERRORS,
    Entity,
    FieldSpec,
    ImportContext,
    ImportOptions,
    ImportRejected,
    ImportResult,
    Parsed,
    Row,
    RowError,
    RowInvalid,
    invalid,
    listed,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.csvread import Plan

# The API entity modules use: `from salescli.services import csvio` and `csvio.<name>`.
__all__ = [
    "MAX_LISTED_ERRORS",
    "Entity",
    "FieldSpec",
    "ImportContext",
    "ImportOptions",
    "ImportRejected",
    "ImportResult",
    "Parsed",
    "Row",
    "RowError",
    "RowInvalid",
    "bulk_insert",
    "export_rows",
    "invalid",
    "listed",
    "run_import",
    "storage_instant",
    "validate_file",
]

PROGRESS_EVERY = 2000
_FORMULA_START = frozenset("=+-@")


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT every row (dicts with the same keys) in one driver executemany.

    The statement is compiled once by SQLAlchemy Core (`insert(table)`); the rows go straight
    to the driver, skipping SQLAlchemy's per-row parameter processing (bulk-import hot path).
    Values must already be in storage form (see `storage_instant`).
    """
    import sqlalchemy as sa

    if not rows:
        return
    keys = list(rows[0])
    compiled = (
        sa.insert(table)
        .values({key: sa.bindparam(key) for key in keys})
        .compile(dialect=conn.dialect)
    )
    sql = str(compiled)
    if compiled.positional:
        order = compiled.positiontup or keys
        params: list[Any] = [tuple(row[key] for key in order) for row in rows]
    else:
        params = rows
    conn.exec_driver_sql(sql, params)


# ----------------------------------------------------------------------------- the phases


def validate_file(
    conn: Connection | None,
    path: str,
    entity: Entity,
    options: ImportOptions,
    *,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Parsed, ImportContext]:
    """Read, map, convert and validate every row; write nothing.

    Raises InvalidData/UsageError for file-level problems (encoding, empty file, missing
    required column, already imported). Row problems are collected in `Parsed.bad`.
    """
    text, digest = read_text(path, options.encoding)
    now = dt.datetime.fromtimestamp(now.timestamp(), dt.UTC)  # plain (not pendulum), UTC
    ctx = ImportContext(conn=conn, options=options, now=now, entity=entity)
    if conn is not None and not options.again:
        previous = already_imported(conn, entity.name, digest)
        if previous is not None:
            batch_id, when = previous
            raise InvalidData(
                f"{path} was already imported on {when:%Y-%m-%d %H:%M} UTC as batch {batch_id}; "
                "use --again to import it again"
            )
    if not text.strip():
        raise InvalidData(f"{path} is empty (expected a header row, e.g. name,email)")
    delimiter = options.delimiter or sniff_delimiter(text)
    records = read_records(text, delimiter)
    first = next(records, None)
    if first is None:
        raise InvalidData(f"{path} is empty (expected a header row, e.g. name,email)")
    header = [cell.strip() for cell in first[1]]
    while header and not header[-1]:
        header.pop()  # trailing empty-named columns (every line ends with a delimiter)
    if not header:
        raise InvalidData(f"{path}: the header row has no column names")
    plans, mapping, unknown = map_columns(header, entity, options, path)
    rows = list(records)
    if not rows:
        raise InvalidData(f"{path} has a header but no data rows")
    if entity.prepare is not None:
        entity.prepare(ctx)
    good, bad = _convert_rows(rows, header, plans, entity, ctx, progress)
    if entity.check_all is not None and good:
        failures = {error.line: error for error in entity.check_all(good, ctx)}
        if failures:
            bad.extend((row, failures[row.line]) for row in good if row.line in failures)
            good = [row for row in good if row.line not in failures]
            bad.sort(key=lambda pair: pair[0].line)
    parsed = Parsed(path, digest, delimiter, header, mapping, unknown, good, bad)
    return parsed, ctx


def _convert_rows(
    rows: list[tuple[int, list[str]]],
    header: list[str],
    plans: list[Plan],
    entity: Entity,
    ctx: ImportContext,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[Row], list[tuple[Row, RowError]]]:
    options = ctx.options
    nulls = {value.strip().casefold() for value in options.null_values}
    value_maps = {
        norm_name(name): {k.strip().casefold(): v for k, v in pairs.items()}
        for name, pairs in options.value_maps.items()
    }
    steps = [
        (
            plan.index,
            plan.column,
            plan.spec.name,
            value_maps.get(norm_name(plan.spec.name)),
            # Plain one-line text is converted inline below (the bulk of most files).
            None
            if plan.spec.kind == "text" and not plan.spec.multiline
            else converter(plan.spec, options),
            plan.spec.max_length or 0,
        )
        for plan in plans
    ]
    # Currency columns convert first so that money cells can check against them.
    currency_fields = {p.spec.currency_field for p in plans if p.spec.kind == "money"}
    steps.sort(key=lambda step: 0 if step[2] in currency_fields else 1)
    width = len(header)
    names = [spec.name for spec in entity.fields]
    owner_field = entity.owner_field
    default_owner = options.owner
    validate = entity.validate
    good: list[Row] = []
    bad: list[tuple[Row, RowError]] = []
    total = len(rows)
    for done, (line, cells) in enumerate(rows, 1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        row = Row(line, cells)
        if len(cells) != width:
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]
                row.cells = cells
            else:
                bad.append(
                    (
                        row,
                        RowError(
                            line, f"has {len(cells)} values but the header has {width} columns"
                        ),
                    )
                )
                continue
        values: dict[str, Any] = dict.fromkeys(names)
        error = None
        for index, column, name, value_map, convert, limit in steps:
            value = cells[index].strip()
            if not value or (nulls and value.casefold() in nulls):
                continue
            if value[0] == "'" and value[1:2] in _FORMULA_START:
                value = value[1:]  # undo the quote our CSV exports put before = + - @
            if value_map is not None:
                mapped = value_map.get(value.casefold())
                if mapped is not None:
                    value = mapped
                    if not value:
                        continue
            if convert is None:
                value = " ".join(value.split())
                if limit and len(value) > limit:
                    reason = f"'{value[:40]}...' is longer than {limit} characters"
                    error = RowError(line, reason, column, name, value)
                    break
                values[name] = value
                continue
            try:
                values[name] = convert(value, values)
            except CellError as exc:
                error = RowError(line, exc.reason, column, name, value)
                break
        if error is None:
            if owner_field is not None and default_owner and values.get(owner_field) is None:
                values[owner_field] = default_owner
            ctx.line = line
            try:
                row.clean = validate(values, ctx)
            except RowInvalid as exc:
                error = RowError(line, str(exc), None, exc.field, exc.value)
            except InvalidData as exc:
                error = RowError(line, str(exc))
        if error is None:
            good.append(row)
        else:
            bad.append((row, error))
    if progress is not None:
        progress(total, total)
    return good, bad


def already_imported(conn: Connection, entity: str, digest: str) -> tuple[int, dt.datetime] | None:
    """(batch id, when) of an earlier import of the same bytes for the same entity."""
    import sqlalchemy as sa

    from salescli.tables import IMPORTBATCH as batch

    row = conn.execute(
        sa.select(batch.c.id, batch.c.imported_at)
        .where(batch.c.entity == entity, batch.c.file_sha256 == digest)
        .order_by(batch.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return row[0], utc(row[1])


def record_batch(
    conn: Connection, entity: str, file_name: str, digest: str, rows: int, now: dt.datetime
) -> int:
    """Insert the `importbatch` row (same transaction as the rows) and return its id."""
    import sqlalchemy as sa

    from salescli.tables import IMPORTBATCH as batch

    stmt = (
        sa.insert(batch)
        .values(
            entity=entity,
            file_name=file_name[:500],
            file_sha256=digest,
            rows=rows,
            imported_at=storage_instant(now, conn.dialect.name),
        )
        .returning(batch.c.id)
    )
    return int(conn.execute(stmt).scalar_one())


def write_rejects(path: str, parsed: Parsed) -> None:
    """The rejected rows as they were, plus `line` and `error`, in a 0600 file."""
    from salescli.render import open_output

    with open_output(path, option="--reject-file") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*parsed.header, *REJECT_EXTRA])
        width = len(parsed.header)
        for row, error in parsed.bad:
            cells = (row.cells + [""] * width)[:width] if len(row.cells) < width else row.cells
            writer.writerow([*cells, row.line, str(error).split(": ", 1)[1]])


def run_import(
    conn: Connection,
    path: str,
    entity: Entity,
    options: ImportOptions,
    *,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """The whole import inside the caller's transaction (open it with write=True).

    Raises ImportRejected (exit 1) when a row is bad and skip_invalid is off: nothing written.
    With skip_invalid the good rows are written and the bad ones go to the reject file; the
    caller commits and then exits 1 if `result.rejected`. dry_run validates only.
    """
    parsed, ctx = validate_file(conn, path, entity, options, now=now, progress=progress)
    if parsed.bad and not options.skip_invalid:
        raise ImportRejected(path, parsed.errors, options.dry_run)
    reject_path = None
    if parsed.bad:
        reject_path = options.reject_file or f"{path}.rejects.csv"
        if not options.dry_run:
            write_rejects(reject_path, parsed)
    batch_id = None
    if parsed.good and not options.dry_run:
        batch_id = record_batch(
            conn, entity.name, os.path.basename(path), parsed.sha256, len(parsed.good), now
        )
        ctx.batch_id = batch_id
        entity.insert([row.clean for row in parsed.good], ctx)
    return ImportResult(
        entity=entity.name,
        file=path,
        sha256=parsed.sha256,
        imported=len(parsed.good),
        rejected=len(parsed.bad),
        batch_id=batch_id,
        dry_run=options.dry_run,
        unknown_columns=parsed.unknown_columns,
        reject_file=reject_path,
        errors=parsed.errors,
    )


# ----------------------------------------------------------------------------- export


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

    from salescli.render import csv_value, json_value, open_output

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
            raise UsageError(f"--format '{fmt}' is not csv or json")
    return count
