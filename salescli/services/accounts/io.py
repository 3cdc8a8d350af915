"""`account import` / `account export` on the CSV engine (services/csv/engine.py).

Like lead_io.py: lookups loaded once, one Core executemany per table. Parents may be existing accounts or rows of the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services.accounts import rules as account_rules
from salescli.services.csv import engine as csvio
from salescli.services.csv.common import (
    account_ids_by_key,
    export_table,
    load_accounts,
    load_reps,
    owner_condition,
    rep_id,
)
from salescli.services.csv.engine import FieldSpec, ImportContext, RowError
from salescli.services.csv.types import ImportState
from salescli.tables import ACCOUNT, REP
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings


# Lengths and whitespace are the account rule's (services.accounts.rules.check_values), not the
# engine's: `account add`, `edit` and `import` refuse a bad value with the same words.
FIELDS = (
    FieldSpec(
        "name",
        required=True,
        aliases=("account", "account name", "company", "company name", "organization"),
    ),
    FieldSpec("industry", aliases=("sector", "vertical")),
    FieldSpec("website", aliases=("web site", "url", "web")),
    FieldSpec("phone", aliases=("phone number", "telephone", "switchboard")),
    FieldSpec("country", aliases=("office location", "headquarters", "hq")),
    FieldSpec("territory", aliases=("region",)),
    FieldSpec("employees", "int", aliases=("headcount", "employee count", "number of employees")),
    FieldSpec("owner", max_length=200, aliases=("account owner", "rep")),
    FieldSpec(
        "parent",
        max_length=300,
        aliases=("subsidiary of", "parent account", "parent company", "parent name"),
    ),
    FieldSpec("external_id", aliases=("external id", "ext id")),
    FieldSpec("notes", multiline=True, aliases=("note", "description")),
    FieldSpec("created_at", "datetime", aliases=("created", "created date")),
)
EXPORT_COLUMNS = (
    "id",
    "name",
    "industry",
    "website",
    "phone",
    "country",
    "territory",
    "employees",
    "owner",
    "parent",
    "external_id",
    "notes",
    "created_at",
    "updated_at",
)


def _prepare(ctx: ImportContext) -> None:
    load_reps(ctx)
    load_accounts(ctx)
    ctx.state.seen = {}
    ctx.state.attempted = {}


def _validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    clean = account_rules.check_values(
        {key: values[key] for key in ("name", *account_rules.TEXT_FIELDS, "employees", "notes")}
    )
    name, key = clean["name"], clean["name_key"]
    ctx.state.attempted.setdefault(key, ctx.line)
    existing = ctx.state.accounts.get(key)
    if existing is not None:
        raise account_rules.duplicate(*existing)
    first = ctx.state.seen.get(key)
    if first is not None:
        raise InvalidData(f"duplicate of line {first} (account '{name}')")
    ctx.state.seen[key] = ctx.line
    parent = values["parent"]
    parent_key = parent_id = None
    if parent is not None:
        parent_key = fold(parent)
        if parent_key == key:
            raise account_rules.self_parent(parent, name)
        found = ctx.state.accounts.get(parent_key)
        parent_id = found[0] if found is not None else None
    row = {
        **clean,
        "owner_id": rep_id(ctx, values["owner"]),
        "parent": parent,
        "parent_key": parent_key,
        "parent_id": parent_id,
        "created_at": values["created_at"] or ctx.now,
    }
    row["search_text"] = account_rules.search_text_of(row)
    return row


def _check_all(rows: list[csvio.Row], ctx: ImportContext) -> list[RowError]:
    """Parents named in the file must be rows of it (any order); no cycles."""
    by_key = {row.valid["name_key"]: row for row in rows}
    attempted = ctx.state.attempted
    errors: dict[int, RowError] = {}

    def fail(row: csvio.Row, reason: str) -> None:
        errors[row.line] = RowError(row.line, reason, None, "parent", row.valid["parent"])

    for row in rows:
        clean = row.valid
        if clean["parent_key"] is None or clean["parent_id"] is not None:
            continue
        if clean["parent_key"] not in by_key:
            where = attempted.get(clean["parent_key"])
            if where is not None:
                fail(row, f"parent '{clean['parent']}' is on line {where}, which is invalid")
            else:
                fail(
                    row,
                    f"parent '{clean['parent']}' is neither an account nor a row of the file "
                    "(import the parent first, or add it to the file)",
                )
    for row in rows:
        chain = [row.valid["name_key"]]
        current = by_key.get(row.valid["parent_key"] or "")
        while current is not None and current.valid["name_key"] not in chain:
            chain.append(current.valid["name_key"])
            current = by_key.get(current.valid["parent_key"] or "")
        if current is not None and current.valid["name_key"] == chain[0]:
            names = [by_key[k].valid["name"] for k in [*chain, chain[0]]]
            fail(row, str(account_rules.cycle(row.valid["parent"], names)))
    changed = True
    while changed:  # a row whose parent row is rejected goes too
        changed = False
        for row in rows:
            parent_row = by_key.get(row.valid["parent_key"] or "")
            if row.line not in errors and parent_row is not None and parent_row.line in errors:
                fail(
                    row,
                    f"parent '{row.valid['parent']}' is on line {parent_row.line}, which is invalid",
                )
                changed = True
    return list(errors.values())


def _insert(rows: list[dict[str, Any]], ctx: ImportContext) -> None:
    conn = ctx.conn
    assert conn is not None
    dialect = conn.dialect.name
    now = csvio.storage_instant(ctx.now, dialect)
    skip = {"parent", "parent_key", "parent_id"}
    payload = []
    for row in rows:
        record = {k: v for k, v in row.items() if k not in skip}
        record["created_at"] = csvio.storage_instant(row["created_at"], dialect)
        record["updated_at"] = now
        payload.append(record)
    conn.execute(sa.insert(ACCOUNT), payload)
    ids = account_ids_by_key(conn, [row["name_key"] for row in rows])
    links = []
    for row in rows:
        if row["parent_key"] is None:
            continue
        parent = row["parent_id"] or ids[row["parent_key"]]
        links.append({"aid": ids[row["name_key"]], "pid": parent})
    if links:
        conn.execute(
            sa.update(ACCOUNT)
            .where(ACCOUNT.c.id == sa.bindparam("aid"))
            .values(parent_id=sa.bindparam("pid")),
            links,
        )


@dataclass
class AccountImportState(ImportState):
    """`account import`: what `prepare` loads and `validate` remembers (typed, see csv.types.ImportState)."""

    seen: dict[str, int] = field(default_factory=dict)
    attempted: dict[str, int] = field(default_factory=dict)


ENTITY = csvio.Entity(
    state=AccountImportState,
    name="account",
    fields=FIELDS,
    validate=_validate,
    insert=_insert,
    prepare=_prepare,
    check_all=_check_all,
    ignored=("id", "owner_id", "parent_id", "updated_at"),
)


def export(
    conn: Connection,
    *,
    owner: str | None = None,
    team: str | None = None,
    settings: Settings | None = None,
) -> Iterator[dict[str, Any]]:
    """Every account in id order, in the columns `account import` reads; `owner`
    (`me|none|ID|NAME`) and `team` as in `account list` (services.scope)."""
    from salescli.services import scope

    where = []
    if owner is not None:
        where.append(owner_condition(conn, ACCOUNT.c.owner_id, owner))
    if team is not None:
        where.append(scope.team_clause(conn, ACCOUNT.c.owner_id, team, settings))  # type: ignore[arg-type]
    parent = ACCOUNT.alias("parent")
    names = {"owner": (REP, ACCOUNT.c.owner_id), "parent": (parent, ACCOUNT.c.parent_id)}
    yield from export_table(conn, ACCOUNT, EXPORT_COLUMNS, names, where)
