"""What the CSV engine and the entity modules exchange: field and entity descriptions, the
import options, the per-import context, row errors and results.

Entity modules reach these through `salescli.services.csv.engine` (which re-exports them); the
engine (`csvio`) and the header mapping and cell converters (`csv.cells`) build on them. Below
them only `csv.read` (reading the file, `norm_name`, `shown`), which imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from salescli.errors import InvalidData
from salescli.instants import storage_instant
from salescli.services.csv.read import norm_name, shown

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
MAX_LISTED_ERRORS = 20


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
class ImportState:
    """What an entity's `prepare` loads and its `validate` remembers: one typed dataclass per
    entity, subclassing this one (`Entity.state` is its class). The fields here are the
    lookups the shared helpers of `io_common` fill (`load_reps`, `load_accounts`).

    The engine compares a snapshot of the fields (all but `Entity.volatile`) taken after
    `prepare` with a fresh `prepare` under the write lock, and closes every `SeenKeys` field.
    """

    reps: dict[str, int] = field(default_factory=dict)  # name_key -> rep id
    rep_ids: set[int] = field(default_factory=set)
    accounts: dict[str, tuple[int, str]] = field(default_factory=dict)  # name_key -> (id, name)
    # external_id -> (name_key, id, name)
    account_externals: dict[str, tuple[str, int, str]] = field(default_factory=dict)

    def snapshot(self, volatile: Sequence[str] = ()) -> dict[str, Any]:
        """The fields but `volatile`, by name, as they are now."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in volatile}

    def close(self) -> None:
        """Close every `SeenKeys` the state holds (its temporary file)."""
        for value in self.snapshot().values():
            if isinstance(value, SeenKeys):
                value.close()


S = TypeVar("S", bound=ImportState)


@dataclass
class ImportContext(Generic[S]):
    """Handed to the entity callbacks; `state` is the entity's own typed state
    (`Entity.state()`, an `ImportState`)."""

    conn: Connection | None
    options: ImportOptions
    now: dt.datetime
    entity: Entity[S]
    batch_id: int | None = None
    line: int = 0  # the line of the row being validated
    state: S = None  # type: ignore[assignment]  # set from entity.state() in __post_init__
    # True when `prepare` runs again under the write lock after validating outside it: load
    # only what the snapshot comparison needs (not the `Entity.volatile` lookups).
    recheck: bool = False
    lines: list[int] = field(default_factory=list)  # the file lines of the rows `insert` gets
    snapshot: dict[str, Any] | None = None  # what `prepare` loaded (compared under the lock)

    def __post_init__(self) -> None:
        if self.state is None:
            self.state = self.entity.state()

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name if self.conn is not None else "sqlite"

    def instant(self, value: dt.datetime | None) -> Any:
        """An aware datetime as the `UTCDateTime` column stores it (for Core inserts)."""
        return storage_instant(value, self.dialect)


@dataclass
class Entity(Generic[S]):
    """How one kind of record is imported.

    validate(values, ctx) -> dict: one row's converted values (field -> value, None when
        blank) to the clean dict `insert` needs; raise `InvalidData` (ideally via `invalid()`)
        with the reason. Runs for every row before anything is written.
    insert(rows, ctx) -> None: write all clean rows in bulk (Core `insert(table)` with a list
        of dicts); `ctx.batch_id` is the new `importbatch` id.
    prepare(ctx) -> None: optional, runs once before the rows (load lookups into ctx.state,
        resolve `ctx.options.owner`...).
    state: the class of the entity's `ctx.state` (an `ImportState` subclass with its typed
        lookups and scratch fields); a fresh one per validation.
    check_all(rows, ctx) -> list[RowError]: optional whole-file rules run after every row is
        valid on its own (hierarchy cycles...); rows are `Row`s with `.line` and `.clean`.
    ignored: columns read silently (our own exports' `id`, `updated_at`...).
    owner_field: the field `--owner` fills; None refuses `--owner` for this entity.
    pack(clean, ctx) -> Any: optional, turns each clean row into what `insert` needs (e.g. a
        compact tuple of storage-form values), outside the write lock; `insert` then gets
        the packed rows. Without it `insert` gets the clean dicts.
    batched: `insert` may be called several times with consecutive slices of the rows (in
        file order, `ctx.lines` beside them), so that a file of any size streams through.
    volatile: `ctx.state` fields that `insert` re-checks itself under the write lock (existing
        duplicates...); every other field `prepare` loads is compared with a fresh `prepare`
        under the lock, and any difference validates the file again under the lock.
    """

    name: str
    fields: Sequence[FieldSpec]
    validate: Callable[[dict[str, Any], ImportContext[S]], dict[str, Any]]
    insert: Callable[[list[dict[str, Any]], ImportContext[S]], None]
    prepare: Callable[[ImportContext[S]], None] | None = None
    check_all: Callable[[list[Row], ImportContext[S]], list[RowError]] | None = None
    ignored: tuple[str, ...] = ()
    owner_field: str | None = "owner"
    plural: str | None = None
    pack: Callable[[dict[str, Any], ImportContext[S]], Any] | None = None
    batched: bool = False
    volatile: tuple[str, ...] = ()
    state: Callable[[], S] = ImportState  # type: ignore[assignment]

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
            return shown(f"line {self.line}: {target}: {self.reason}")
        return shown(f"line {self.line}: {self.reason}")


class Row(NamedTuple):
    """A row of the file: its line, its cells (kept for rejected rows and for entities with
    `check_all`) and its clean values. A tuple: it pickles compactly into a `Spool`."""

    line: int
    cells: list[str]
    clean: dict[str, Any] | None = None

    @property
    def valid(self) -> dict[str, Any]:
        """The clean values of a row that passed its checks (what `check_all` receives)."""
        if self.clean is None:
            raise ValueError(f"line {self.line} has no clean values")
        return self.clean


class SeenKeys:
    """Keys seen earlier in the file (by kind: email, phone...) and the line of each, for
    duplicate checks within one file. Exact, with bounded memory: past `limit` keys in memory
    they move to a private temporary SQLite file (deleted when closed or collected)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.memory: dict[str, dict[str, int]] = {}
        self.size = 0
        self.db: Any = None

    def get(self, kind: str, key: str) -> int | None:
        found = self.memory.get(kind, {}).get(key)
        if found is None and self.db is not None:
            row = self.db.execute(
                "SELECT line FROM seen WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
            found = None if row is None else row[0]
        return found

    def add(self, kind: str, key: str, line: int) -> None:
        self.memory.setdefault(kind, {})[key] = line
        self.size += 1
        if self.size >= self.limit:
            self._spill()

    def _spill(self) -> None:
        import sqlite3

        if self.db is None:
            self.db = sqlite3.connect("")  # "" = a private temporary file, gone on close
            self.db.execute(
                "CREATE TABLE seen (kind TEXT, key TEXT, line INTEGER, PRIMARY KEY (kind, key))"
                " WITHOUT ROWID"
            )
        with self.db:
            for kind, keys in self.memory.items():
                self.db.executemany(
                    "INSERT OR IGNORE INTO seen VALUES (?, ?, ?)",
                    ((kind, key, line) for key, line in keys.items()),
                )
        self.memory = {}
        self.size = 0

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class Spool:
    """An append-only sequence kept in memory up to `limit` items, then spilled in pickled
    batches to an anonymous temporary file (deleted on close): a file of any size is read
    with bounded memory. Iterate it as often as needed; `len()` counts every item."""

    def __init__(self, limit: int = 5000, wrap: Callable[[Any], Any] | None = None) -> None:
        self.limit = limit
        self.wrap = wrap  # applied to each item by iteration (not by `batches`)
        self.items: list[Any] = []
        self.count = 0
        self.file: Any = None

    def append(self, item: Any) -> None:
        self.items.append(item)
        self.count += 1
        if len(self.items) >= self.limit:
            self._spill()

    def _spill(self) -> None:
        import pickle
        import tempfile

        if self.file is None:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.file.seek(0, 2)
        pickle.dump(self.items, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.items = []

    def batches(self) -> Iterator[list[Any]]:
        """The items in order, a batch (list) at a time."""
        if self.file is not None:
            import pickle

            self.file.flush()
            self.file.seek(0)
            end = self.file.seek(0, 2)
            self.file.seek(0)
            while self.file.tell() < end:
                yield pickle.load(self.file)  # noqa: S301 - our own temporary file
        if self.items:
            yield self.items

    def __iter__(self) -> Iterator[Any]:
        wrap = self.wrap
        for batch in self.batches():
            if wrap is None:
                yield from batch
            else:
                yield from map(wrap, batch)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.items = []


@dataclass
class Parsed:
    """The parse/validate phase's result: nothing has been written yet.

    `good` holds `Row`s with `.line` and `.clean` (their cells are not kept), `bad` the
    rejected `(Row, RowError)` pairs with their cells (for the reject file); both are
    `Spool`s (`good.batches()` gives the plain `(line, cells, clean)` tuples, faster to
    store). `errors` are the first MAX_LISTED_ERRORS errors (there are `len(bad)`)."""

    path: str
    sha256: str
    delimiter: str
    header: list[str]
    mapping: dict[str, str]  # column -> field
    unknown_columns: list[str]
    good: Spool
    bad: Spool
    errors: list[RowError] = field(default_factory=list)

    def close(self) -> None:
        self.good.close()
        self.bad.close()


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

    def __init__(
        self,
        file: str,
        errors: list[RowError],
        dry_run: bool = False,
        count: int | None = None,
        unknown_columns: list[str] | None = None,
    ) -> None:
        self.errors = errors
        self.unknown_columns = unknown_columns or []  # for the notice, printed even then
        count = len(errors) if count is None else count
        rows = "row" if count == 1 else "rows"
        what = "dry run" if dry_run else "nothing imported"
        super().__init__(
            f"{count} invalid {rows} in {file}; {what} "
            f"(fix them, or use --skip-invalid to import the rest):\n{listed(errors, count)}"
        )


def listed(errors: list[RowError], count: int | None = None) -> str:
    """The first MAX_LISTED_ERRORS errors, one indented line each, then how many more
    (`count` errors in all; by default len(errors))."""
    lines = "\n".join(f"  {e}" for e in errors[:MAX_LISTED_ERRORS])
    more = (len(errors) if count is None else count) - MAX_LISTED_ERRORS
    return lines + (f"\n  and {more} more" if more > 0 else "")


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
