"""`contact import` / `contact export` on the CSV engine (services/csv/engine.py).

Accounts that the file names but that do not exist yet are created in the same transaction
(`entity(report)` tells the CLI which, for its `Created N accounts` message).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services.contacts import records as contacts
from salescli.services.csv import engine as csvio
from salescli.services.csv.common import (
    account_filter,
    create_accounts,
    export_table,
    load_accounts,
    load_reps,
    new_accounts,
    plan_accounts,
    rep_id,
    row_account,
)
from salescli.services.csv.engine import FieldSpec, ImportContext
from salescli.services.csv.types import ImportState
from salescli.tables import ACCOUNT, CONTACT, REP
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


# Lengths, whitespace and e-mail normalisation are the contact rule's
# (services.contacts.check_values): `contact add`, `edit` and `import` refuse alike.
FIELDS = (
    FieldSpec("name", required=True, aliases=("full name", "contact name", "contact", "person")),
    FieldSpec("email", aliases=("e-mail", "email address", "mail")),
    FieldSpec("phone", aliases=("phone number", "telephone", "tel", "mobile")),
    FieldSpec("title", aliases=("job title", "position", "role")),
    FieldSpec(
        "account",
        max_length=300,
        aliases=("account name", "company", "company name", "organization", "organisation"),
    ),
    FieldSpec(
        "account_external_id",
        max_length=200,
        aliases=("account external id", "account ext id"),
    ),
    FieldSpec("owner", max_length=200, aliases=("contact owner", "rep")),
    FieldSpec("external_id", aliases=("external id", "ext id")),
    FieldSpec("created_at", "datetime", aliases=("created", "created date")),
    FieldSpec("last_contact_at", "datetime", aliases=("last contact", "last contacted")),
)
EXPORT_COLUMNS = (
    "id",
    "name",
    "email",
    "phone",
    "title",
    "account",
    "owner",
    "external_id",
    "created_at",
    "updated_at",
    "last_contact_at",
)


@dataclass
class ContactImportState(ImportState):
    """`contact import`: what `prepare` loads and `validate` remembers (typed, see csv.types.ImportState)."""

    keys: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, dict[str, int]] = field(default_factory=dict)


def entity(report: dict[str, Any] | None = None) -> csvio.Entity:
    """`contact import`; `report["accounts_written"|"accounts_planned"]` = accounts created."""
    sink = report if report is not None else {}
    return csvio.Entity(
        state=ContactImportState,
        name="contact",
        fields=FIELDS,
        validate=_validate,
        insert=lambda rows, ctx: _insert(rows, ctx, sink),
        prepare=_prepare,
        check_all=lambda rows, ctx: plan_accounts(rows, ctx, sink),
        ignored=("id", "account_id", "owner_id", "updated_at"),
    )


def _prepare(ctx: ImportContext) -> None:
    assert ctx.conn is not None
    load_reps(ctx)
    load_accounts(ctx)
    emails: dict[str, str] = {}
    externals: dict[str, str] = {}
    names: dict[tuple[str, str], str] = {}
    query = sa.select(
        CONTACT.c.id,
        CONTACT.c.name,
        CONTACT.c.email_key,
        CONTACT.c.external_id,
        ACCOUNT.c.name_key,
    ).select_from(CONTACT.outerjoin(ACCOUNT, ACCOUNT.c.id == CONTACT.c.account_id))
    for cid, name, email_key, external, account_key in ctx.conn.execute(query):
        where = f"contact {cid}"
        if email_key:
            emails.setdefault(email_key, where)
        if external:
            externals.setdefault(external, where)
        names.setdefault((fold(name), account_key or ""), where)
    ctx.state.keys = {"email": emails, "external_id": externals, "name": names}
    ctx.state.seen = {"email": {}, "external_id": {}, "name": {}}


def _validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    clean = contacts.check_values(
        {key: values[key] for key in ("name", "email", *contacts.TEXT_FIELDS)}
    )
    name, email, email_key = clean["name"], clean["email"], clean["email_key"]
    account_key, account_id, account_name = row_account(ctx, values)
    external = clean["external_id"]
    keys, seen = ctx.state.keys, ctx.state.seen
    checks = (
        ("email", email_key, f"email {email}"),
        ("external_id", external, f"external id {external}"),
        ("name", (fold(name), account_key or ""), f"{name} at {account_name or 'no account'}"),
    )
    for kind, key, shown in checks:
        if key is None:
            continue
        other = keys[kind].get(key) or seen[kind].get(key)
        if other is not None:
            raise InvalidData(f"duplicate of {other} ({shown})")
    for kind, key, _ in checks:
        if key is not None:
            seen[kind][key] = f"line {ctx.line}"
    row = {
        **clean,
        "account_key": account_key,
        "account_id": account_id,
        "account_name": account_name,
        "owner_id": rep_id(ctx, values["owner"]),
        "created_at": values["created_at"] or ctx.now,
        "last_contact_at": values["last_contact_at"],
    }
    row["search_text"] = contacts.search_text_of(row, account_name)
    return row


def _insert(rows: list[dict[str, Any]], ctx: ImportContext, report: dict) -> None:
    conn = ctx.conn
    assert conn is not None
    dialect = conn.dialect.name
    names = new_accounts(rows)
    created = create_accounts(conn, names, ctx.now)
    report["accounts_written"] = list(names.values())
    now = csvio.storage_instant(ctx.now, dialect)
    payload = []
    for row in rows:
        account_id = row["account_id"]
        if account_id is None and row["account_key"] is not None:
            account_id = created[row["account_key"]]
        payload.append(
            {
                "name": row["name"],
                "email": row["email"],
                "email_key": row["email_key"],
                "phone": row["phone"],
                "title": row["title"],
                "account_id": account_id,
                "owner_id": row["owner_id"],
                "external_id": row["external_id"],
                "search_text": row["search_text"],
                "created_at": csvio.storage_instant(row["created_at"], dialect),
                "updated_at": now,
                "last_contact_at": csvio.storage_instant(row["last_contact_at"], dialect),
            }
        )
    conn.execute(sa.insert(CONTACT), payload)


ENTITY = entity()


def export(conn: Connection, *, account: str | None = None) -> Iterator[dict[str, Any]]:
    """Every contact in id order, in the columns `contact import` reads."""
    where = []
    if account is not None:
        where.append(CONTACT.c.account_id == account_filter(conn, account))
    names = {"account": (ACCOUNT, CONTACT.c.account_id), "owner": (REP, CONTACT.c.owner_id)}
    yield from export_table(conn, CONTACT, EXPORT_COLUMNS, names, where)
