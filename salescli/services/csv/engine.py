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

Reading and sniffing live in `csv.read`, column mapping and cell converters in `csv.cells`;
the descriptions (`Entity`, `FieldSpec`, `ImportOptions`...) in `csv.types`, re-exported here
(see `__all__`).
Imports here are on a benchmarked path: keep them few.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData
from salescli.instants import storage_instant, utc
from salescli.services.csv.cells import REJECT_EXTRA, CellError, converter, map_columns
from salescli.services.csv.read import (
    CONTROLS,
    TextSource,
    file_sha256,
    norm_name,
    read_records,
    read_sample,
    shown,
    sniff_delimiter,
)
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

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.csv.cells import Plan

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
    "bulk_insert",
    "bulk_insert_values",
    "invalid",
    "listed",
    "run_import",
    "storage_instant",
    "validate_file",
]

PROGRESS_EVERY = 2000
_FORMULA_START = frozenset("=+-@\t\r")


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


def bulk_insert_values(
    conn: Connection, table: Any, keys: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT every row (value sequences in `keys` order) in one driver executemany, the
    tuples handed to the driver as they are (the bulk-import hot path). `table` and `keys`
    are the code's own names (quoted here), never input; values must be in storage form."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(key) for key in keys)}) "  # noqa: S608
        f"VALUES ({', '.join([mark] * len(keys))})"
    )
    conn.exec_driver_sql(sql, list(rows))


# ----------------------------------------------------------------------------- the phases


def validate_file(
    conn: Connection | None,
    path: str,
    entity: Entity,
    options: ImportOptions,
    *,
    now: dt.datetime,
    progress: Callable[[int, int | None], None] | None = None,
    recheck_digest: bool = True,
) -> tuple[Parsed, ImportContext]:
    """Read, map, convert and validate every row, streaming the file; write nothing.

    Raises InvalidData/UsageError for file-level problems (encoding, empty file, missing
    required column, duplicate column, unclosed quote, already imported). Row problems are
    collected in `Parsed.bad`. Memory stays bounded: the rows go to `Spool`s.
    """
    now = dt.datetime.fromtimestamp(now.timestamp(), dt.UTC)  # plain (not pendulum), UTC
    ctx = ImportContext(conn=conn, options=options, now=now, entity=entity)
    digest = file_sha256(path)
    if conn is not None and not options.again:
        _refuse_reimport(conn, path, entity, digest)
    with TextSource(path, options.encoding) as source:
        lines = source.lines()
        sample = read_sample(lines)
        delimiter = options.delimiter or sniff_delimiter("".join(sample))
        records = read_records(itertools.chain(sample, lines), delimiter)
        first = next(records, None)
        if first is None:
            raise InvalidData(f"{path} is empty (expected a header row, e.g. name,email)")
        header = [cell.strip() for cell in first[1]]
        while header and not header[-1]:
            header.pop()  # trailing empty-named columns (every line ends with a delimiter)
        if not header:
            raise InvalidData(f"{path}: the header row has no column names")
        for index, name in enumerate(header, 1):
            if CONTROLS.search(name):
                hint = ""
                if source.bare_utf16 and not options.encoding:
                    hint = (
                        " (it looks like UTF-16 without a byte-order mark: try --encoding "
                        f"{source.bare_utf16})"
                    )
                raise InvalidData(
                    f"{path}: header column {index} '{shown(name)}' contains a control "
                    f"character{hint}; nothing imported"
                )
        plans, mapping, unknown = map_columns(header, entity, options, path)
        if entity.prepare is not None:
            entity.prepare(ctx)
        ctx.snapshot = _snapshot(ctx.state, entity)
        try:
            good, bad, errors = _convert_rows(records, header, plans, entity, ctx, progress)
        finally:
            ctx.state.close()
        source.rest()
        if recheck_digest and source.sha256 != digest:
            good.close()
            bad.close()
            raise InvalidData(f"{path} changed while it was being read; nothing imported")
    if entity.check_all is not None and good:
        rows = list(good)
        failures = {error.line: error for error in entity.check_all(rows, ctx)}
        if failures:
            pairs = list(bad) + [(row, failures[row.line]) for row in rows if row.line in failures]
            pairs.sort(key=lambda pair: pair[0].line)
            good.close()
            bad.close()
            good, bad = Spool(wrap=Row._make), Spool()
            for row in rows:
                if row.line not in failures:
                    good.append(tuple(row))
            for pair in pairs:
                bad.append(pair)
            errors = [error for _, error in pairs[:MAX_LISTED_ERRORS]]
    parsed = Parsed(path, digest, delimiter, header, mapping, unknown, good, bad, errors)
    return parsed, ctx


def _refuse_reimport(conn: Connection, path: str, entity: Entity, digest: str) -> None:
    previous = already_imported(conn, entity.name, digest)
    if previous is not None:
        batch_id, when = previous
        raise InvalidData(
            f"{path} was already imported on {when:%Y-%m-%d %H:%M} UTC as batch {batch_id}; "
            "use --again to import it again"
        )


def _snapshot(state: ImportState, entity: Entity) -> dict[str, Any] | None:
    """A deep copy of what `prepare` loaded, minus the fields `insert` re-checks itself."""
    import copy

    try:
        return copy.deepcopy(state.snapshot(entity.volatile))
    except Exception:  # noqa: BLE001 - uncopyable state: always validate again under the lock
        return None


def _convert_rows(
    records: Iterable[tuple[int, list[str]]],
    header: list[str],
    plans: list[Plan],
    entity: Entity,
    ctx: ImportContext,
    progress: Callable[[int, int | None], None] | None,
) -> tuple[Spool, Spool, list[RowError]]:
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
    controls = CONTROLS.search
    keep_cells = entity.check_all is not None  # its rejects go to the reject file too
    pack = entity.pack
    good = Spool(wrap=Row._make)
    bad = Spool()
    errors: list[RowError] = []
    done = 0
    for line, cells in records:
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, None)
        if len(cells) != width:
            if len(cells) > width and not any(c.strip() for c in cells[width:]):
                cells = cells[:width]
            else:
                wrong = RowError(
                    line, f"has {len(cells)} values but the header has {width} columns"
                )
                bad.append((Row(line, cells), wrong))
                if len(errors) < MAX_LISTED_ERRORS:
                    errors.append(wrong)
                continue
        values: dict[str, Any] = dict.fromkeys(names)
        error: RowError | None = None
        for index, column, name, value_map, convert, limit in steps:
            value = cells[index].strip()
            if not value or (nulls and value.casefold() in nulls):
                continue
            found = controls(value)
            if found is not None:
                char = repr(found.group())[1:-1]
                reason = (
                    f"contains the control character {char} (at character {found.start() + 1}); "
                    "control characters are refused (tabs and line breaks only in notes)"
                )
                error = RowError(line, reason, column, name, value)
                break
            if value[0] == "'" and value[1:2] in _FORMULA_START:
                value = value[1:]  # undo the quote our CSV exports put before = + - @ TAB CR
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
                clean = validate(values, ctx)
            except RowInvalid as exc:
                error = RowError(line, str(exc), None, exc.field, exc.value)
            except InvalidData as exc:
                error = RowError(line, str(exc))
        if error is None:
            if pack is not None:
                clean = pack(clean, ctx)
            good.append((line, cells if keep_cells else [], clean))  # a Row, stored plain
        else:
            bad.append((Row(line, cells), error))
            if len(errors) < MAX_LISTED_ERRORS:
                errors.append(error)
    if progress is not None:
        progress(done, done)
    return good, bad, errors


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
                _refuse_reimport(conn, path, entity, parsed.sha256)
        if parsed.bad and not options.skip_invalid:
            raise ImportRejected(
                path, parsed.errors, options.dry_run, len(parsed.bad), parsed.unknown_columns
            )
        if options.dry_run or not parsed.good:
            return _finish(parsed, ctx, None)
        with connect(True) as conn:
            if not options.again:
                _refuse_reimport(conn, path, entity, parsed.sha256)
            if _changed(conn, ctx, entity):
                parsed.close()
                parsed, ctx = validate_file(conn, path, entity, options, now=now)
                if parsed.bad and not options.skip_invalid:
                    raise ImportRejected(
                        path, parsed.errors, False, len(parsed.bad), parsed.unknown_columns
                    )
            ctx.conn = conn
            if parsed.bad:
                write_rejects(_reject_path(path, options), parsed)
            batch_id = None
            if parsed.good:
                batch_id = ctx.batch_id = record_batch(
                    conn, entity.name, os.path.basename(path), parsed.sha256, len(parsed.good), now
                )
                _insert(parsed, ctx, entity)
            return _finish(parsed, ctx, batch_id, rejects_written=True)
    finally:
        parsed.close()


def _changed(conn: Connection, ctx: ImportContext, entity: Entity) -> bool:
    """Whether the lookups `prepare` loaded differ now, under the write lock."""
    if entity.prepare is None:
        return False
    if ctx.snapshot is None:
        return True
    fresh = ImportContext(conn=conn, options=ctx.options, now=ctx.now, entity=entity, recheck=True)
    entity.prepare(fresh)
    return fresh.state.snapshot(entity.volatile) != ctx.snapshot


def _insert(parsed: Parsed, ctx: ImportContext, entity: Entity) -> None:
    if not entity.batched:
        rows = list(parsed.good)
        ctx.lines = [row.line for row in rows]
        entity.insert([row.clean for row in rows], ctx)
        return
    for batch in parsed.good.batches():  # plain (line, cells, clean) tuples
        ctx.lines = [row[0] for row in batch]
        entity.insert([row[2] for row in batch], ctx)


def _reject_path(path: str, options: ImportOptions) -> str:
    return options.reject_file or f"{path}.rejects.csv"


def _finish(
    parsed: Parsed, ctx: ImportContext, batch_id: int | None, *, rejects_written: bool = False
) -> ImportResult:
    options = ctx.options
    reject_path = None
    if parsed.bad:
        reject_path = _reject_path(parsed.path, options)
        if not options.dry_run and not rejects_written:
            write_rejects(reject_path, parsed)
    return ImportResult(
        entity=ctx.entity.name,
        file=parsed.path,
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
