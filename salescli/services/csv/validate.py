"""Validating an import file, outside the write lock: read it, map its header, convert and
check every row (`Entity.validate`, then `Entity.check_all`), write nothing.

The rows go to `Spool`s (bounded memory). `lookups_changed` tells, under the write lock,
whether what the entity's `prepare` loaded has changed since (then the file is validated
again). Imports here are on a benchmarked path: keep them few.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData
from salescli.instants import utc
from salescli.services.csv.cells import CellError, converter, map_columns, read_header
from salescli.services.csv.read import (
    CONTROLS,
    TextSource,
    file_sha256,
    norm_name,
    read_records,
    read_sample,
    sniff_delimiter,
)
from salescli.services.csv.types import (
    MAX_LISTED_ERRORS,
    Entity,
    ImportContext,
    ImportOptions,
    ImportState,
    Parsed,
    Row,
    RowError,
    RowInvalid,
    Spool,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.csv.cells import Plan

PROGRESS_EVERY = 2000
_FORMULA_START = frozenset("=+-@\t\r")


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
        refuse_reimport(conn, path, entity, digest)
    with TextSource(path, options.encoding) as source:
        lines = source.lines()
        sample = read_sample(lines)
        delimiter = options.delimiter or sniff_delimiter("".join(sample))
        records = read_records(itertools.chain(sample, lines), delimiter)
        utf16 = None if options.encoding else source.bare_utf16
        header = read_header(next(records, None), path, utf16)
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


def refuse_reimport(conn: Connection, path: str, entity: Entity, digest: str) -> None:
    previous = already_imported(conn, entity.name, digest)
    if previous is not None:
        batch_id, when = previous
        raise InvalidData(
            f"{path} was already imported on {when:%Y-%m-%d %H:%M} UTC as batch {batch_id}; "
            "use --again to import it again"
        )


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


def _snapshot(state: ImportState, entity: Entity) -> dict[str, Any] | None:
    """A deep copy of what `prepare` loaded, minus the fields `insert` re-checks itself."""
    import copy

    try:
        return copy.deepcopy(state.snapshot(entity.volatile))
    except Exception:  # noqa: BLE001 - uncopyable state: always validate again under the lock
        return None


def lookups_changed(conn: Connection, ctx: ImportContext, entity: Entity) -> bool:
    """Whether the lookups `prepare` loaded differ now, under the write lock."""
    if entity.prepare is None:
        return False
    if ctx.snapshot is None:
        return True
    fresh = ImportContext(conn=conn, options=ctx.options, now=ctx.now, entity=entity, recheck=True)
    entity.prepare(fresh)
    return fresh.state.snapshot(entity.volatile) != ctx.snapshot


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
