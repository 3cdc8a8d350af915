"""What the account, contact, product and deal import/export modules share.

Rep and account lookups loaded once per import, accounts that a deal or contact file names created in
the same transaction (`create_accounts`, `plan_accounts`, `accounts_message`), and the export
side's streaming and `--owner` / `--account` filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.instants import utc
from salescli.services.csv import engine as csvio
from salescli.services.csv.engine import ImportContext, RowError, invalid
from salescli.tables import ACCOUNT, REP, Instant
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

CHUNK = 500


# ----------------------------------------------------------------------------- shared helpers


def clean_text(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def load_reps(ctx: ImportContext) -> None:
    """Rep lookups into `ctx.state.reps` / `rep_ids`; `--owner` resolved once, as every
    `--owner` is (services.scope: an id, a name, `me`; `none` = rows keep no owner), a
    NotFound (exit 3) naming the option otherwise."""
    assert ctx.conn is not None
    reps = {key: rid for rid, key in ctx.conn.execute(sa.select(REP.c.id, REP.c.name_key))}
    ctx.state.reps = reps
    ctx.state.rep_ids = set(reps.values())
    if ctx.options.owner:
        owner = _option_owner(ctx.conn, ctx.options.owner)
        # The engine fills rows that name no owner with the option's text: the rep's id.
        ctx.options.owner = None if owner is None else str(owner)


def _option_owner(conn: Connection, ref: str) -> int | None:
    from salescli.services import config, scope

    try:
        return scope.owner_ref(conn, ref, config.load(conn))
    except NotFound as exc:
        raise NotFound(f"--owner: {exc}") from None


def rep_id(ctx: ImportContext, name: str | None) -> int | None:
    """The rep named `name` (case and accents ignored) or with that id; a bad row otherwise."""
    if name is None:
        return None
    found = ctx.state.reps.get(fold(name))
    if found is None and as_id(name) in ctx.state.rep_ids:
        found = as_id(name)
    if found is None:
        raise invalid("owner", name, "is not a rep (see: salescli rep list)")
    return found


def load_accounts(ctx: ImportContext) -> None:
    """Account lookups: name_key -> (id, name); external_id -> (name_key, id, name)."""
    assert ctx.conn is not None
    accounts: dict[str, tuple[int, str]] = {}
    externals: dict[str, tuple[str, int, str]] = {}
    for aid, name, key, external in ctx.conn.execute(
        sa.select(ACCOUNT.c.id, ACCOUNT.c.name, ACCOUNT.c.name_key, ACCOUNT.c.external_id)
    ):
        accounts[key] = (aid, name)
        if external:
            externals[external] = (key, aid, name)
    ctx.state.accounts = accounts
    ctx.state.account_externals = externals


def row_account(ctx: ImportContext, values: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The row's account as (name_key, id or None when to be created, name), or Nones.

    `account` names it (created when new); `account_external_id` names an existing account
    by its external id (a Salesforce `AccountId`), which must exist (a bad row otherwise).
    """
    by_name = values["account"]
    external = values.get("account_external_id")
    if external is None:
        if by_name is None:
            return None, None, None
        return account_ref(ctx, by_name)
    found = ctx.state.account_externals.get(external)
    if found is None:
        raise invalid(
            "account_external_id",
            external,
            "is the external id of no account (import the accounts first, e.g. "
            "salescli account import Account.csv --map Id=external_id)",
        )
    if by_name is not None:
        key, aid, _ = account_ref(ctx, by_name)
        if aid != found[1]:
            raise invalid(
                "account",
                by_name,
                f"is not the account with external id {external} ('{found[2]}')",
            )
    return found


def account_ref(ctx: ImportContext, name: str) -> tuple[str, int | None, str]:
    """(name_key, existing id or None when it is to be created, display name)."""
    clean = clean_text(name)
    assert clean is not None
    if len(clean) > 300:
        raise invalid("account", clean[:40], "is longer than 300 characters")
    key = fold(clean)
    found = ctx.state.accounts.get(key)
    if found is not None:
        return key, found[0], found[1]
    return key, None, clean


def account_ids_by_key(conn: Connection, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        query = sa.select(ACCOUNT.c.name_key, ACCOUNT.c.id).where(ACCOUNT.c.name_key.in_(part))
        found.update({key: aid for key, aid in conn.execute(query)})
    return found


def create_accounts(conn: Connection, names: dict[str, str], now: dt.datetime) -> dict[str, int]:
    """Insert accounts with only a name (name_key -> name); returns name_key -> new id."""
    from salescli.services.accounts.rules import search_text_of

    if not names:
        return {}
    stored = csvio.storage_instant(now, conn.dialect.name)
    conn.execute(
        sa.insert(ACCOUNT),
        [
            {
                "name": name,
                "name_key": key,
                "search_text": search_text_of({"name": name}),
                "created_at": stored,
                "updated_at": stored,
            }
            for key, name in names.items()
        ],
    )
    return account_ids_by_key(conn, list(names))


def batch_ids(
    conn: Connection, table: Any, batch: int | None, count: int, noun: str, after: int = 0
) -> list[int]:
    """The ids of the rows one executemany just inserted for import `batch`, in row order
    (those above `after`: the last id of the previous slice of a batched insert).

    Rows of one executemany get increasing ids in insertion order on both backends.
    """
    query = (
        sa.select(table.c.id)
        .where(table.c.import_batch_id == batch, table.c.id > after)
        .order_by(table.c.id)
    )
    ids = list(conn.execute(query).scalars())
    if len(ids) != count:  # pragma: no cover - guarded by the batch id
        raise InvalidData(f"import: could not read back the new {noun} ids; nothing imported")
    return ids


def new_accounts(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The accounts the clean rows name that do not exist yet (key -> first spelling)."""
    names: dict[str, str] = {}
    for row in rows:
        if row["account_key"] is not None and row["account_id"] is None:
            names.setdefault(row["account_key"], row["account_name"])
    return names


def stream(conn: Connection, query: Any) -> Iterator[Any]:
    if conn.dialect.name == "sqlite":
        yield from conn.execute(query)
    else:
        yield from conn.execution_options(yield_per=2000).execute(query)


def export_records(
    conn: Connection, query: Any, instants: tuple[str, ...] = ("created_at", "updated_at")
) -> Iterator[dict[str, Any]]:
    """An export's rows streamed as dicts, the `instants` columns as aware UTC datetimes."""
    for row in stream(conn, query):
        record = dict(row._mapping)
        for key in instants:
            record[key] = utc(record[key])
        yield record


def export_table(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[str],
    names: Mapping[str, tuple[Any, Any]],
    where: Sequence[Any] = (),
) -> Iterator[dict[str, Any]]:
    """An export of `table` in id order, streamed, one dict a row in `columns`: a column of
    `table`, or for a key of `names` (`{"owner": (REP, ACCOUNT.c.owner_id)}`) the name of the
    row that the foreign key refers to (an outer join: None when unset). Its instants
    (tables.Instant) come back as aware UTC datetimes."""
    selected = []
    source: Any = table
    for column in columns:
        if column in names:
            other, key = names[column]
            source = source.outerjoin(other, other.c.id == key)
            selected.append(other.c.name.label(column))
        else:
            selected.append(table.c[column])
    query = sa.select(*selected).select_from(source).where(*where).order_by(table.c.id)
    instants = tuple(
        column
        for column in columns
        if column not in names and isinstance(table.c[column].type, Instant)
    )
    yield from export_records(conn, query, instants)


def owner_condition(conn: Connection, column: Any, ref: str) -> Any:
    """The WHERE clause of an export's `--owner REP` (services.scope: an id, a name, `me`;
    `none` = the unowned records); NotFound (exit 3) naming the option otherwise."""
    owner = _option_owner(conn, ref)
    return column.is_(None) if owner is None else column == owner


def account_filter(conn: Connection, ref: str) -> int:
    """An export's `--account` (services.scope: an id, else a name); NotFound naming it."""
    from salescli.services import scope

    try:
        return scope.account_id(conn, ref)
    except NotFound:
        raise NotFound(
            f"--account: account '{ref}' not found (see: salescli account list)"
        ) from None


def plan_accounts(rows: list[csvio.Row], ctx: ImportContext, report: dict) -> list[RowError]:
    """A `check_all` step: on a dry run, name the accounts the import would create."""
    if ctx.options.dry_run:
        clean = [row.clean for row in rows if row.clean is not None]
        report["accounts_planned"] = list(new_accounts(clean).values())
    return []


def accounts_message(report: dict[str, Any]) -> str:
    """`Created 3 accounts named in the file: ...` after a deal or contact import ("" if none)."""
    for key, verb in (("accounts_written", "Created"), ("accounts_planned", "Would create")):
        names = report.get(key)
        if names:
            shown = ", ".join(names[:10]) + (
                f" and {len(names) - 10} more" if len(names) > 10 else ""
            )
            word = "account" if len(names) == 1 else "accounts"
            return f"{verb} {len(names)} {word} named in the file: {shown}"
    return ""
