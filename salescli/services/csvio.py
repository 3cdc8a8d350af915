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

This module imports neither sqlmodel nor the models: imports are on a benchmarked path.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

KINDS = (
    "text",
    "int",
    "decimal",
    "money",
    "currency",
    "bool",
    "date",
    "datetime",
    "list",
    "choice",
)
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
MAX_LISTED_ERRORS = 20
PROGRESS_EVERY = 2000
TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "on", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "off"})
REJECT_EXTRA = ("line", "error")
_FORMULA_START = frozenset("=+-@")
_NAME_NOISE = re.compile(r"[\s_\-]+")
_CODE_PREFIX = re.compile(r"^\s*([A-Za-z]{3})\b|\b([A-Za-z]{3})\s*$")


# ----------------------------------------------------------------------------- descriptions


@dataclass(frozen=True)
class FieldSpec:
    """One importable field.

    kind: text | int | decimal | money | currency | bool | date | datetime | list | choice.
    `money` parses `$22,700.00`, `EUR 1.250,00` (with decimal_comma) into a Decimal; a code in
    the cell sets the row's `currency_field` when the row has none. `list` splits on `,`/`;`.
    `choice` accepts one of `choices` case-insensitively and returns the canonical spelling.
    """

    name: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    currency_field: str = "currency"
    multiline: bool = False  # text keeps its line breaks and spacing (notes); else collapsed

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")


@dataclass
class ImportOptions:
    """Everything the shared import flags say (see `salescli.cli.importing.import_options`)."""

    maps: dict[str, str] = field(default_factory=dict)  # CSV column -> field ("" = ignore)
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {file: ours}
    null_values: tuple[str, ...] = ()
    date_format: str | None = None
    decimal_comma: bool = False
    delimiter: str | None = None
    encoding: str | None = None
    skip_invalid: bool = False
    reject_file: str | None = None
    dry_run: bool = False
    again: bool = False
    owner: str | None = None
    currency: str = "USD"  # default currency of money fields
    timezone: str = "UTC"  # zone of naive date-times in the file


@dataclass
class ImportContext:
    """Handed to the entity callbacks; `state` is the entity's own scratch space."""

    conn: Connection | None
    options: ImportOptions
    now: dt.datetime
    entity: Entity
    batch_id: int | None = None
    line: int = 0  # the line of the row being validated
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name if self.conn is not None else "sqlite"

    def instant(self, value: dt.datetime | None) -> Any:
        """An aware datetime as the `UTCDateTime` column stores it (for Core inserts)."""
        return storage_instant(value, self.dialect)


@dataclass
class Entity:
    """How one kind of record is imported.

    validate(values, ctx) -> dict: one row's converted values (field -> value, None when
        blank) to the clean dict `insert` needs; raise `InvalidData` (ideally via `invalid()`)
        with the reason. Runs for every row before anything is written.
    insert(rows, ctx) -> None: write all clean rows in bulk (Core `insert(table)` with a list
        of dicts); `ctx.batch_id` is the new `importbatch` id.
    prepare(ctx) -> None: optional, runs once before the rows (load lookups into ctx.state,
        resolve `ctx.options.owner`...).
    check_all(rows, ctx) -> list[RowError]: optional whole-file rules run after every row is
        valid on its own (hierarchy cycles...); rows are `Row`s with `.line` and `.clean`.
    ignored: columns read silently (our own exports' `id`, `updated_at`...).
    owner_field: the field `--owner` fills; None refuses `--owner` for this entity.
    """

    name: str
    fields: Sequence[FieldSpec]
    validate: Callable[[dict[str, Any], ImportContext], dict[str, Any]]
    insert: Callable[[list[dict[str, Any]], ImportContext], None]
    prepare: Callable[[ImportContext], None] | None = None
    check_all: Callable[[list[Row], ImportContext], list[RowError]] | None = None
    ignored: tuple[str, ...] = ()
    owner_field: str | None = "owner"
    plural: str | None = None

    @property
    def label(self) -> str:
        return self.plural or f"{self.name}s"


@dataclass
class RowError:
    """One rejected row: where, which column/field, which value, and why."""

    line: int
    reason: str
    column: str | None = None
    field: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        if self.column is not None:
            target = f"column '{self.column}'"
            if self.field and norm_name(self.field) != norm_name(self.column):
                target += f" ({self.field})"
            return f"line {self.line}: {target}: {self.reason}"
        return f"line {self.line}: {self.reason}"


@dataclass
class Row:
    line: int
    cells: list[str]
    clean: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    """The parse/validate phase's result: nothing has been written yet."""

    path: str
    sha256: str
    delimiter: str
    header: list[str]
    mapping: dict[str, str]  # column -> field
    unknown_columns: list[str]
    good: list[Row]
    bad: list[tuple[Row, RowError]]

    @property
    def errors(self) -> list[RowError]:
        return [error for _, error in self.bad]


@dataclass
class ImportResult:
    entity: str
    file: str
    sha256: str
    imported: int
    rejected: int
    batch_id: int | None
    dry_run: bool
    unknown_columns: list[str]
    reject_file: str | None
    errors: list[RowError]

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "file": self.file,
            "imported": self.imported,
            "rejected": self.rejected,
            "batch_id": self.batch_id,
            "dry_run": self.dry_run,
            "unknown_columns": self.unknown_columns,
            "reject_file": self.reject_file,
        }


class ImportRejected(InvalidData):
    """All-or-nothing import refused: the message lists the first errors."""

    def __init__(self, file: str, errors: list[RowError], dry_run: bool = False) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:MAX_LISTED_ERRORS])
        more = len(errors) - MAX_LISTED_ERRORS
        tail = f"\n  and {more} more" if more > 0 else ""
        rows = "row" if len(errors) == 1 else "rows"
        what = "dry run" if dry_run else "nothing imported"
        super().__init__(
            f"{len(errors)} invalid {rows} in {file}; {what} "
            f"(fix them, or use --skip-invalid to import the rest):\n{shown}{tail}"
        )


class RowInvalid(InvalidData):
    """A row's field is wrong: carries the field and value for the reject file."""

    def __init__(self, field_name: str, value: Any, reason: str) -> None:
        self.field = field_name
        self.value = None if value is None else str(value)
        self.reason = reason
        shown = f" '{value}'" if value is not None else ""
        super().__init__(f"{field_name}{shown} {reason}")


def invalid(field_name: str, value: Any, reason: str) -> RowInvalid:
    """The error an entity's validate raises: `invalid('email', v, 'is not ... (e.g. ...)')`."""
    return RowInvalid(field_name, value, reason)


# ----------------------------------------------------------------------------- small helpers


def norm_name(name: str) -> str:
    """Column/field names compare folded, with spaces, underscores and hyphens ignored."""
    from salescli.text import fold

    return _NAME_NOISE.sub("", fold(name))


def storage_instant(value: dt.datetime | None, dialect: str) -> Any:
    """Store like models.UTCDateTime: naive UTC text on SQLite, aware UTC on PostgreSQL."""
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    if dialect == "sqlite":
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


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


def split_list(value: str) -> list[str]:
    """`a, b; c` -> ['a', 'b', 'c'] (comma or semicolon separated, blanks dropped)."""
    if "," not in value and ";" not in value:
        return [value] if value else []
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def parse_pairs(items: Iterable[str], option: str, example: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        if "=" not in item:
            raise UsageError(f"{option} '{item}' is not NAME=VALUE (e.g. {option} \"{example}\")")
        left, right = item.split("=", 1)
        if not left.strip():
            raise UsageError(f"{option} '{item}' has nothing before '=' (e.g. {example})")
        pairs.append((left.strip(), right.strip()))
    return pairs


# ----------------------------------------------------------------------------- reading


def read_text(path: str, encoding: str | None) -> tuple[str, str]:
    """The file's text and the sha256 of its bytes; decoding errors name --encoding."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise UsageError(f"file '{path}' does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"'{path}' is a directory, not a CSV file") from None
    digest = hashlib.sha256(data).hexdigest()
    codec = encoding or "utf-8-sig"
    try:
        text = data.decode(codec)
    except LookupError:
        raise UsageError(f"--encoding '{encoding}' is not a known encoding (e.g. cp1252)") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidData(
            f"{path} is not valid {codec} (byte 0x{data[exc.start]:02x} on line {line}); "
            "if it came from Excel on Windows, try --encoding cp1252"
        ) from None
    if encoding and text.startswith("\ufeff"):
        text = text[1:]
    return text, digest


def sniff_delimiter(text: str) -> str:
    """The delimiter among `, ; TAB |` that splits the first lines most consistently."""
    sample = text[:SNIFF_BYTES]
    cut = sample.rfind("\n")
    if 0 < cut < len(sample) - 1 and len(text) > SNIFF_BYTES:
        sample = sample[:cut]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        if delimiter not in sample:
            continue
        try:
            records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)]
        except csv.Error:
            continue
        records = [r for r in records if r][:50]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistent = sum(1 for r in records if len(r) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for every non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    last = 0
    try:
        for cells in reader:
            start = last + 1
            last = reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield start, cells
    except csv.Error as exc:
        raise InvalidData(f"line {last + 1}: the CSV is malformed ({exc})") from None


# ----------------------------------------------------------------------------- mapping


@dataclass
class _Plan:
    index: int
    column: str
    spec: FieldSpec


def map_columns(
    header: list[str], entity: Entity, options: ImportOptions, path: str
) -> tuple[list[_Plan], dict[str, str], list[str]]:
    """Columns -> fields: explicit --map first, then names and aliases; unknown columns listed."""
    specs = {norm_name(spec.name): spec for spec in entity.fields}
    aliases: dict[str, FieldSpec] = {}
    for spec in entity.fields:
        for alias in spec.aliases:
            aliases.setdefault(norm_name(alias), spec)
    columns = {norm_name(name): index for index, name in enumerate(header) if name.strip()}
    ignored = {norm_name(name) for name in entity.ignored}
    if [norm_name(h) for h in header[-2:]] == list(REJECT_EXTRA):
        ignored.update(REJECT_EXTRA)  # a reject file, fixed and fed back in
    chosen: dict[int, FieldSpec] = {}
    taken: dict[str, int] = {}
    explicit_ignore: set[int] = set()
    for column, target in options.maps.items():
        index = columns.get(norm_name(column))
        if index is None:
            listed = ", ".join(h for h in header if h.strip())
            raise UsageError(
                f"--map '{column}={target}': {path} has no column '{column}' (columns: {listed})"
            )
        if not target:
            explicit_ignore.add(index)
            continue
        spec = specs.get(norm_name(target))
        if spec is None:
            known = ", ".join(s.name for s in entity.fields)
            raise UsageError(
                f"--map '{column}={target}': {entity.name} has no field '{target}' (fields: {known})"
            )
        if spec.name in taken:
            first = header[taken[spec.name]]
            raise UsageError(f"--map: columns '{first}' and '{column}' both map to {spec.name}")
        chosen[index] = spec
        taken[spec.name] = index
    unknown = []
    for index, name in enumerate(header):
        if not name.strip() or index in chosen or index in explicit_ignore:
            continue
        key = norm_name(name)
        spec = specs.get(key) or aliases.get(key)
        if spec is not None and spec.name not in taken:
            chosen[index] = spec
            taken[spec.name] = index
        elif key not in ignored:
            unknown.append(name)
    missing = [s.name for s in entity.fields if s.required and s.name not in taken]
    if missing:
        names = ", ".join(missing)
        listed = ", ".join(h for h in header if h.strip())
        raise InvalidData(
            f"{path} has no column for the required field {names} (columns: {listed}); "
            f'name one with --map, e.g. --map "Full Name={missing[0]}"'
        )
    if entity.owner_field is None and options.owner:
        raise UsageError(f"--owner does not apply to {entity.label}")
    for field_name in options.value_maps:
        if norm_name(field_name) not in specs:
            known = ", ".join(s.name for s in entity.fields)
            raise UsageError(
                f"--map-value '{field_name}:...': {entity.name} has no field '{field_name}' (fields: {known})"
            )
    plans = [_Plan(index, header[index], spec) for index, spec in sorted(chosen.items())]
    mapping = {header[index]: spec.name for index, spec in sorted(chosen.items())}
    return plans, mapping, unknown


# ----------------------------------------------------------------------------- converting


class _CellError(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _converter(spec: FieldSpec, options: ImportOptions) -> Callable[[str, dict], Any]:
    kind = spec.kind
    if kind == "text":
        limit = spec.max_length
        collapse = not spec.multiline

        def text_value(value: str, row: dict) -> Any:
            if collapse:
                value = " ".join(value.split())
            if limit is not None and len(value) > limit:
                raise _CellError(f"'{value[:40]}...' is longer than {limit} characters")
            return value

        return text_value
    if kind == "list":
        return lambda value, row: split_list(value)
    if kind == "int":

        def int_value(value: str, row: dict) -> Any:
            try:
                return int(value.replace(",", "").replace("_", ""))
            except ValueError:
                raise _CellError(f"'{value}' is not a whole number (e.g. 12)") from None

        return int_value
    if kind == "decimal":

        def decimal_value(value: str, row: dict) -> Any:
            text = value.replace(".", "").replace(",", ".") if options.decimal_comma else value
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise _CellError(f"'{value}' is not a number (e.g. 12.5)") from None
            if not number.is_finite():
                raise _CellError(f"'{value}' is not a finite number (e.g. 12.5)")
            return number

        return decimal_value
    if kind == "bool":

        def bool_value(value: str, row: dict) -> Any:
            word = value.casefold()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise _CellError(f"'{value}' is not yes/no (yes, no, true, false, 1, 0)")

        return bool_value
    if kind == "currency":

        def currency_value(value: str, row: dict) -> Any:
            from salescli.money import check_currency

            try:
                return check_currency(value)
            except InvalidData as exc:
                raise _CellError(str(exc).split(" ", 1)[1]) from None

        return currency_value
    if kind == "money":
        return lambda value, row: parse_money(
            value,
            row.get(spec.currency_field) or None,
            default_currency=options.currency,
            decimal_comma=options.decimal_comma,
            row=row,
            currency_field=spec.currency_field,
        )
    if kind == "date":
        return _date_converter(options.date_format)
    if kind == "datetime":
        return _datetime_converter(options.date_format, options.timezone)
    if kind == "choice":
        allowed = {c.casefold(): c for c in spec.choices}
        listed = ", ".join(spec.choices)

        def choice_value(value: str, row: dict) -> Any:
            found = allowed.get(value.casefold())
            if found is None:
                raise _CellError(f"'{value}' is not one of: {listed}")
            return found

        return choice_value
    raise ValueError(kind)  # pragma: no cover - FieldSpec checks kinds


def parse_money(
    value: str,
    currency: str | None,
    *,
    default_currency: str = "USD",
    decimal_comma: bool = False,
    row: dict | None = None,
    currency_field: str = "currency",
) -> Decimal:
    """An exact amount from `$22,700.00`, `EUR 1.250,00` (decimal_comma), `1200 USD`.

    A currency code in the cell must agree with the row's currency; when the row has none,
    the code becomes the row's currency (written into `row[currency_field]`).
    """
    from salescli.money import check_currency, parse_amount

    match = _CODE_PREFIX.search(value.strip())
    code = None
    if match:
        try:
            code = check_currency(match.group(1) or match.group(2))
        except InvalidData:
            raise _CellError(
                f"'{value}' is not an amount (e.g. 12000, $22,700.00, EUR 1.250,00)"
            ) from None
    if code and currency and code != currency:
        raise _CellError(f"'{value}' is in {code} but the row's currency is {currency}")
    use = currency or code or default_currency
    if code and row is not None and not currency:
        row[currency_field] = code
    try:
        return parse_amount(value, use, field="amount", decimal_comma=decimal_comma)
    except InvalidData as exc:
        message = str(exc)
        prefix = f"amount '{value}' "
        rest = message[len(prefix) :] if message.startswith(prefix) else message
        raise _CellError(f"'{value}' {rest}") from None


def _date_converter(date_format: str | None) -> Callable[[str, dict], Any]:
    example = dt.date(2026, 11, 23).strftime(date_format) if date_format else "2026-11-23"

    def date_value(value: str, row: dict) -> Any:
        try:
            if date_format:
                return dt.datetime.strptime(value, date_format).date()
            if len(value) > 10:
                return dt.datetime.fromisoformat(value).date()
            return dt.date.fromisoformat(value)
        except ValueError:
            rule = f"the format {date_format}" if date_format else "ISO format"
            raise _CellError(
                f"'{value}' is not a date in {rule} (e.g. {example}; other formats: --date-format)"
            ) from None

    return date_value


def _datetime_converter(date_format: str | None, zone: str) -> Callable[[str, dict], Any]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    example = (
        dt.datetime(2026, 11, 23, 9, 30).strftime(date_format)
        if date_format
        else "2026-11-23T09:30:00+01:00, 2026-11-23"
    )

    memo: dict[str, dt.datetime] = {}

    def datetime_value(value: str, row: dict) -> Any:
        found = memo.get(value)
        if found is not None:
            return found
        try:
            parsed = (
                dt.datetime.strptime(value, date_format)
                if date_format
                else dt.datetime.fromisoformat(value)
            )
        except ValueError:
            rule = f"the format {date_format}" if date_format else "ISO format"
            raise _CellError(
                f"'{value}' is not a date-time in {rule} (e.g. {example}; other formats: --date-format)"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        found = memo[value] = parsed.astimezone(dt.UTC)
        return found

    return datetime_value


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
    records = _records(text, delimiter)
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
    plans: list[_Plan],
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
            else _converter(plan.spec, options),
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
            except _CellError as exc:
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

    batch = _batch_table()
    row = conn.execute(
        sa.select(batch.c.id, batch.c.imported_at)
        .where(batch.c.entity == entity, batch.c.file_sha256 == digest)
        .order_by(batch.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    when = row[1]
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return row[0], when.astimezone(dt.UTC)


def _batch_table() -> Any:
    import sqlalchemy as sa

    return sa.table(
        "importbatch",
        sa.column("id", sa.Integer),
        sa.column("entity"),
        sa.column("file_name"),
        sa.column("file_sha256"),
        sa.column("rows", sa.Integer),
        sa.column("imported_at"),
    )


def record_batch(
    conn: Connection, entity: str, file_name: str, digest: str, rows: int, now: dt.datetime
) -> int:
    """Insert the `importbatch` row (same transaction as the rows) and return its id."""
    import sqlalchemy as sa

    batch = _batch_table()
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
    from salescli.render import open_private

    with open_private(path) as handle:
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

    from salescli.render import csv_value, json_value, open_private

    handle = open_private(output) if output else (stream or sys.stdout)
    count = 0
    try:
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
    finally:
        if output:
            handle.close()
    return count
