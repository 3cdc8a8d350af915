"""Accounts: the customer companies: add, edit, delete (rules: accounts.rules; THE JSON shape
with the deal figures, show and the list: accounts.queries; history: accounts.history).
SQLAlchemy Core over a `Connection` (tables.ACCOUNT).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services import rows
from salescli.services.accounts.rules import (
    TEXT_FIELDS,
    check_parent,
    check_unique,
    check_values,
    clean_name,
    find,
    search_text_of,
)
from salescli.tables import ACCOUNT, ACTIVITY, CONTACT, DEAL, REP, TASK
from salescli.text import plural, search_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings

EDITABLE = ("industry", "website", "phone", "country", "territory")


# ---- references ----------------------------------------------------------------------------


def resolve(conn: Connection, ref: str) -> RowMapping:
    """An account by id or by name (ignoring case and accents); NotFound (exit 3) otherwise."""
    from salescli.services import scope

    return rows.one(conn, ACCOUNT, scope.account_id(conn, ref or ""), "account")


def rep_id(conn: Connection, ref: str | None, settings: Settings | None = None) -> int | None:
    """The owner `ref` names (id, name, `me`; `none` is no owner), else "me" when configured,
    else None."""
    from salescli.services import scope
    from salescli.services.config import Settings

    return scope.owner_or_me(conn, ref, settings if settings is not None else Settings({}))


# ---- writing -------------------------------------------------------------------------------


def create(
    conn: Connection,
    *,
    name: str,
    now: dt.datetime,
    industry: str | None = None,
    website: str | None = None,
    phone: str | None = None,
    country: str | None = None,
    territory: str | None = None,
    employees: int | None = None,
    owner_id: int | None = None,
    parent_id: int | None = None,
    external_id: str | None = None,
    notes: str | None = None,
    last_contact_at: dt.datetime | None = None,
) -> int:
    """A new account (the rules of `check_values` and a unique name); its id."""
    values = check_values(
        {
            "name": name,
            "industry": industry,
            "website": website,
            "phone": phone,
            "country": country,
            "territory": territory,
            "employees": employees,
            "external_id": external_id,
            "notes": notes,
        }
    )
    check_unique(conn, values["name"])
    values.update(
        owner_id=owner_id,
        parent_id=parent_id,
        search_text=search_text_of(values),
        created_at=now,
        updated_at=now,
        last_contact_at=last_contact_at,
    )
    return rows.insert(conn, ACCOUNT, values)


def get_or_create(
    conn: Connection, name: str, now: dt.datetime, **fields: Any
) -> tuple[RowMapping, bool]:
    """The account with this name (ignoring case and accents), created when missing;
    (account row, created)."""
    existing = find(conn, clean_name(name))
    if existing is not None:
        return existing, False
    return rows.one(conn, ACCOUNT, create(conn, name=name, now=now, **fields)), True


def update(conn: Connection, account_id: int, changes: Mapping[str, Any], now: dt.datetime) -> None:
    """Apply `changes` (name, industry..., owner_id, parent_id); "" clears a text field and
    None leaves a field as it is (owner_id / parent_id: None clears, absent leaves)."""
    account = rows.one(conn, ACCOUNT, account_id, "account")
    given = {k: v for k, v in changes.items() if k in ("name", *TEXT_FIELDS) and v is not None}
    values = check_values(given)
    if "name" in values:
        check_unique(conn, values["name"], exclude=account_id)
    for key in ("owner_id", "parent_id"):
        if key in changes:
            values[key] = changes[key]
    if "parent_id" in values:
        merged = {**account, **values}
        check_parent(conn, merged, values["parent_id"])
    merged = {**account, **values}
    values["search_text"] = search_text_of(merged)
    values["updated_at"] = now
    rows.update(conn, ACCOUNT, account_id, values)
    if "name" in values and values["name"] != account["name"]:
        _refresh_related_search(conn, account_id, values["name"])


def _refresh_related_search(conn: Connection, account_id: int, name: str) -> None:
    """Contacts and deals are searchable by their account's name: keep that copy current."""
    from salescli.services.contacts import records as contacts

    for table, text_of in (
        (CONTACT, lambda r: contacts.search_text_of(r, name)),
        # port: the deal's searchable copy (title | account name), as services.deals makes it
        (DEAL, lambda r: search_text(r["title"], name)),
    ):
        found = conn.execute(sa.select(table).where(table.c.account_id == account_id)).mappings()
        payload = [{"b_id": r["id"], "b_text": text_of(r)} for r in found]
        if payload:
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("b_id"))
                .values(search_text=sa.bindparam("b_text")),
                payload,
            )


def touch_last_contact(conn: Connection, account_id: int | None, at: dt.datetime) -> None:
    """Move the account's last contact forward to `at` (never backwards)."""
    if account_id is None:
        return
    column = ACCOUNT.c.last_contact_at
    conn.execute(
        sa.update(ACCOUNT)
        .where(ACCOUNT.c.id == account_id, sa.or_(column.is_(None), column < at))
        .values(last_contact_at=at)
    )


def delete(conn: Connection, account_id: int) -> dict:
    """Delete an account that has no deals and no contacts (refused with the counts otherwise);
    its activities and tasks go with it (ON DELETE CASCADE)."""
    account = rows.one(conn, ACCOUNT, account_id, "account")
    counts = dependents(conn, account_id)
    if counts["deals"] or counts["contacts"]:
        raise InvalidData(
            f"account {account_id} '{account['name']}' has {plural(counts['deals'], 'deal')} "
            f"and {plural(counts['contacts'], 'contact')}: delete or move them first"
        )
    rows.delete(conn, ACCOUNT, account_id)
    return {"id": account_id, "name": account["name"], "deleted": True, **counts}


def dependents(conn: Connection, account_id: int) -> dict[str, int]:
    """How many deals, contacts, activities and tasks point at the account."""
    counts = {}
    for key, table in (
        ("deals", DEAL),
        ("contacts", CONTACT),
        ("activities", ACTIVITY),
        ("tasks", TASK),
    ):
        query = sa.select(sa.func.count()).select_from(table)
        counts[key] = int(conn.execute(query.where(table.c.account_id == account_id)).scalar_one())
    return counts


def rep_names(conn: Connection, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = sa.select(REP.c.id, REP.c.name).where(REP.c.id.in_(wanted))
    return {int(r.id): r.name for r in conn.execute(query)}


def record_ref(row: Any) -> str:
    """`deal 12`, `contact 3`, `account 1` or `lead 7`: the record an activity or task is on."""
    for key in ("deal_id", "contact_id", "account_id", "lead_id"):
        value = row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)
        if value is not None:
            return f"{key[:-3]} {value}"
    return ""
