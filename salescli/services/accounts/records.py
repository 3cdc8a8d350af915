"""Accounts: the customer companies: add, edit, delete and THE JSON shape with the deal
figures (rules: accounts.rules; the list: accounts.queries; history: accounts.history).
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
from salescli.tables import ACCOUNT, ACTIVITY, CONTACT, DEAL, REP, STAGE, TASK
from salescli.text import search_text

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


def plural(count: int, word: str) -> str:
    """`1 deal`, `2 deals`, `3 activities`."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


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


# ---- reading: one JSON shape ---------------------------------------------------------------


def _deal_counts(currency: str, account_id: int | list[int] | None = None) -> Any:
    """A per-account aggregate of deals: open / won counts, the won amount in the reporting
    currency and how many won deals are in another one (those need converting). With
    `account_id` (one id or a page of ids), those accounts' deals only (SQLite would
    aggregate every deal first)."""
    won = STAGE.c.kind == "won"
    only: sa.ColumnElement[bool]
    if account_id is None:
        only = DEAL.c.account_id.is_not(None)
    elif isinstance(account_id, list):
        only = DEAL.c.account_id.in_(account_id)
    else:
        only = DEAL.c.account_id == account_id
    return (
        sa.select(
            DEAL.c.account_id.label("account_id"),
            sa.func.count(sa.case((STAGE.c.kind == "open", 1))).label("open_deals"),
            sa.func.count(sa.case((won, 1))).label("won_deals"),
            sa.cast(
                sa.func.sum(sa.case((won & (DEAL.c.currency == currency), DEAL.c.amount_minor))),
                sa.BigInteger,
            ).label("won_minor"),
            sa.func.count(sa.case((won & (DEAL.c.currency != currency), 1))).label("won_other"),
        )
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .where(only)
        .group_by(DEAL.c.account_id)
        .subquery("deal_counts")
    )


def select_shape(currency: str, account_id: int | list[int] | None = None) -> Any:
    """Every field of the account's JSON shape, with its owner, parent and deal counts (of
    one account's deals only when `account_id` is given)."""
    counts = _deal_counts(currency, account_id)
    parent = ACCOUNT.alias("parent")
    won_deals = sa.func.coalesce(counts.c.won_deals, 0)
    return (
        sa.select(
            ACCOUNT.c.id,
            ACCOUNT.c.name,
            ACCOUNT.c.industry,
            ACCOUNT.c.website,
            ACCOUNT.c.phone,
            ACCOUNT.c.country,
            ACCOUNT.c.territory,
            ACCOUNT.c.employees,
            REP.c.name.label("owner"),
            ACCOUNT.c.owner_id,
            parent.c.name.label("parent"),
            ACCOUNT.c.parent_id,
            sa.func.coalesce(counts.c.open_deals, 0).label("open_deals"),
            won_deals.label("won_deals"),
            counts.c.won_minor,
            sa.func.coalesce(counts.c.won_other, 0).label("won_other"),
            ACCOUNT.c.external_id,
            ACCOUNT.c.created_at,
            ACCOUNT.c.updated_at,
            ACCOUNT.c.last_contact_at,
        ).select_from(
            ACCOUNT.outerjoin(counts, counts.c.account_id == ACCOUNT.c.id)
            .outerjoin(REP, REP.c.id == ACCOUNT.c.owner_id)
            .outerjoin(parent, parent.c.id == ACCOUNT.c.parent_id)
        )
    ), won_deals


def shape(row: Mapping[Any, Any], currency: str, won: dict[int, Any] | None) -> dict:
    """THE JSON shape of an account (list, show, add, edit)."""
    from salescli.money import from_minor

    won_deals = int(row["won_deals"])
    if not row["won_other"]:
        won_amount = from_minor(row["won_minor"] or 0, currency)
    else:  # converted as `deal list --sum` does; None only when a rate is missing
        won_amount = None if won is None else won.get(row["id"])
    return {
        "id": row["id"],
        "name": row["name"],
        "industry": row["industry"],
        "website": row["website"],
        "phone": row["phone"],
        "country": row["country"],
        "territory": row["territory"],
        "employees": row["employees"],
        "owner": row["owner"],
        "owner_id": row["owner_id"],
        "parent": row["parent"],
        "parent_id": row["parent_id"],
        "open_deals": int(row["open_deals"]),
        "won_deals": won_deals,
        "won_amount": won_amount,
        "currency": currency,
        "customer": won_deals > 0,
        "external_id": row["external_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_contact_at": row["last_contact_at"],
    }


def deal_totals(
    conn: Connection,
    settings: Settings,
    today: dt.date | None,
    state: str,
    account: int | None = None,
) -> dict[int, Any] | None:
    """account id -> the amount of its deals in `state`, converted to the reporting currency
    by the deals' one money aggregation (`deal list --sum`); None when a rate is missing."""
    from salescli.services.deals import queries as deal_queries

    filters = deal_queries.Filters(state=state, account=None if account is None else str(account))
    try:
        grouped = deal_queries.grouped_totals(conn, filters, settings, ["account"], today)
    except InvalidData:
        return None
    return {g["account_id"]: g["amount"] for g in grouped["groups"]}


def record(
    conn: Connection, account_id: int, settings: Settings, today: dt.date | None = None
) -> dict:
    """The account as a JSON-shaped dict, with its deal figures."""
    query, _ = select_shape(settings.currency, account_id)
    row = conn.execute(query.where(ACCOUNT.c.id == account_id)).mappings().first()
    if row is None:
        rows.one(conn, ACCOUNT, account_id, "account")  # NotFound
    assert row is not None
    won = deal_totals(conn, settings, today, "won", account_id) if row["won_other"] else {}
    return shape(row, settings.currency, won)


def rep_names(conn: Connection, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = sa.select(REP.c.id, REP.c.name).where(REP.c.id.in_(wanted))
    return {int(r.id): r.name for r in conn.execute(query)}


def show(conn: Connection, account_id: int, settings: Settings, today: dt.date | None) -> dict:
    """The account record with its contacts, deals and the whole history in time order."""
    from salescli.services.accounts import history as account_history

    return {
        **record(conn, account_id, settings, today),
        **account_history.history(conn, account_id),
    }


def record_ref(row: Any) -> str:
    """`deal 12`, `contact 3`, `account 1` or `lead 7`: the record an activity or task is on."""
    for key in ("deal_id", "contact_id", "account_id", "lead_id"):
        value = row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)
        if value is not None:
            return f"{key[:-3]} {value}"
    return ""
