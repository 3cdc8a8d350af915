"""Contacts: the people at accounts (a converted lead becomes one). SQLAlchemy Core over a
`Connection` (tables.CONTACT).

Every way a contact is written (add, edit, import, lead convert) goes through the rules
here: `check_values` (name, e-mail normalised with its key, field lengths from the schema)
and `check_email_free` (an e-mail another contact has).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services import rows
from salescli.services.accounts.rules import clean_text
from salescli.tables import ACCOUNT, ACTIVITY, CONTACT, DEAL, REP, TASK
from salescli.text import plural

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

EDITABLE = ("title", "phone")
TEXT_FIELDS = ("phone", "title", "external_id")


# ---- the rules -----------------------------------------------------------------------------


def limit(field: str) -> int | None:
    """The longest value `field` may hold: the schema's column length."""
    return getattr(CONTACT.c[field].type, "length", None)


def clean_name(name: str | None) -> str:
    value = clean_text("name", name, limit("name"))
    if value is None:
        raise InvalidData(f"name '{(name or '').strip()}' is empty (e.g. Ana Souza)")
    return value


def check_email(email: str | None) -> str | None:
    """A syntactically valid address (normalised domain), or None for blank."""
    from salescli.text import check_email

    if not email or not email.strip():
        return None
    value = check_email(email.strip())
    most = limit("email")
    if most is not None and len(value) > most:
        from salescli.services.accounts.rules import too_long

        raise too_long("email", value, most)
    return value


def check_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The contact rule over plain values (add, edit, import and convert all call it).

    Only the keys given are checked and returned: `name` (required), `email` (normalised,
    with its `email_key`), the single-line text fields (spaces collapsed, blank is None, at
    most the column's length); other keys pass through.
    """
    from salescli.text import email_key

    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            clean["name"] = clean_name(value)
        elif key == "email":
            clean["email"] = check_email(value)
            clean["email_key"] = email_key(clean["email"])
        elif key in TEXT_FIELDS:
            clean[key] = clean_text(key, value, limit(key))
        else:
            clean[key] = value
    return clean


def email_taken(other_id: int, email: str) -> InvalidData:
    return InvalidData(
        f"contact {other_id} already has email {email}; use --allow-duplicate to add anyway"
    )


def check_email_free(conn: Connection, key: str | None, exclude: int | None = None) -> None:
    """Refuse an e-mail (by its key) that another contact has."""
    if not key:
        return
    query = sa.select(CONTACT.c.id, CONTACT.c.email).where(CONTACT.c.email_key == key)
    if exclude is not None:
        query = query.where(CONTACT.c.id != exclude)
    other = conn.execute(query.order_by(CONTACT.c.id).limit(1)).first()
    if other is not None:
        raise email_taken(other.id, other.email)


def search_text_of(contact: Any, account_name: str | None) -> str:
    """The searchable copy: name, email, title, phone and the account's name (`contact` a
    mapping or an object with those attributes)."""
    from salescli.text import search_text

    def get(key: str) -> Any:
        return contact.get(key) if isinstance(contact, Mapping) else getattr(contact, key, None)

    return search_text(get("name"), get("email"), get("title"), get("phone"), account_name)


def _account_name(conn: Connection, account_id: int | None) -> str | None:
    if account_id is None:
        return None
    query = sa.select(ACCOUNT.c.name).where(ACCOUNT.c.id == account_id)
    return conn.execute(query).scalar()


# ---- references ----------------------------------------------------------------------------


def resolve(conn: Connection, ref: str, account_id: int | None = None) -> RowMapping:
    """A contact by id, or by name (ignoring case and accents), within `account_id` when
    given; NotFound (3) when none, InvalidData (1) listing them when several."""
    from salescli.services import scope

    return rows.one(conn, CONTACT, scope.contact_id(conn, ref, account_id), "contact")


# ---- writing -------------------------------------------------------------------------------


def create(
    conn: Connection,
    *,
    name: str,
    now: dt.datetime,
    email: str | None = None,
    phone: str | None = None,
    title: str | None = None,
    account_id: int | None = None,
    owner_id: int | None = None,
    lead_id: int | None = None,
    external_id: str | None = None,
    last_contact_at: dt.datetime | None = None,
    allow_duplicate: bool = True,
) -> int:
    """A new contact (the rules of `check_values`); its id.

    Without `allow_duplicate`, an e-mail another contact has is refused (exit 1), as
    `contact import` and `lead add` do.
    """
    values = check_values(
        {
            "name": name,
            "email": email,
            "phone": phone,
            "title": title,
            "external_id": external_id,
        }
    )
    if not allow_duplicate:
        check_email_free(conn, values["email_key"])
    values.update(
        account_id=account_id,
        owner_id=owner_id,
        lead_id=lead_id,
        search_text=search_text_of(values, _account_name(conn, account_id)),
        created_at=now,
        updated_at=now,
        last_contact_at=last_contact_at,
    )
    return rows.insert(conn, CONTACT, values)


def update(
    conn: Connection,
    contact_id: int,
    changes: Mapping[str, Any],
    now: dt.datetime,
    *,
    allow_duplicate: bool = True,
) -> None:
    """Apply `changes` (name, email, phone, title, account_id, owner_id): "" clears a text
    field, None leaves it (account_id / owner_id: None clears, absent leaves). Without
    `allow_duplicate`, a new e-mail another contact has is refused as `add` refuses it."""
    contact = rows.one(conn, CONTACT, contact_id, "contact")
    given = {
        k: v for k, v in changes.items() if k in ("name", "email", *TEXT_FIELDS) and v is not None
    }
    values = check_values(given)
    if not allow_duplicate and values.get("email_key") != contact["email_key"]:
        check_email_free(conn, values.get("email_key"), exclude=contact_id)
    for key in ("account_id", "owner_id"):
        if key in changes:
            values[key] = changes[key]
    merged = {**contact, **values}
    values["search_text"] = search_text_of(merged, _account_name(conn, merged["account_id"]))
    values["updated_at"] = now
    rows.update(conn, CONTACT, contact_id, values)


def touch_last_contact(conn: Connection, contact_id: int | None, at: dt.datetime) -> None:
    """Move the contact's last contact forward to `at` (never backwards)."""
    if contact_id is None:
        return
    column = CONTACT.c.last_contact_at
    conn.execute(
        sa.update(CONTACT)
        .where(CONTACT.c.id == contact_id, sa.or_(column.is_(None), column < at))
        .values(last_contact_at=at)
    )


def dependents(conn: Connection, contact_id: int) -> dict[str, int]:
    counts = {}
    for key, table in (("deals", DEAL), ("activities", ACTIVITY), ("tasks", TASK)):
        query = sa.select(sa.func.count()).select_from(table)
        counts[key] = int(conn.execute(query.where(table.c.contact_id == contact_id)).scalar_one())
    return counts


def delete(conn: Connection, contact_id: int) -> dict:
    """Delete a contact that no deal names (refused with the count otherwise).

    Its activities and tasks go with it (ON DELETE CASCADE); the account stays.
    """
    contact = rows.one(conn, CONTACT, contact_id, "contact")
    counts = dependents(conn, contact_id)
    if counts["deals"]:
        raise InvalidData(
            f"contact {contact_id} '{contact['name']}' is the contact on "
            f"{plural(counts['deals'], 'deal')}: "
            "change their contact first (salescli deal edit ID --contact OTHER)"
        )
    rows.delete(conn, CONTACT, contact_id)
    return {"id": contact_id, "name": contact["name"], "deleted": True, **counts}


# ---- reading: one JSON shape ---------------------------------------------------------------


def _query() -> Any:
    """Every field of the contact's JSON shape, with its account and owner by name."""
    return sa.select(
        CONTACT.c.id,
        CONTACT.c.name,
        CONTACT.c.title,
        CONTACT.c.email,
        CONTACT.c.phone,
        ACCOUNT.c.name.label("account"),
        CONTACT.c.account_id,
        REP.c.name.label("owner"),
        CONTACT.c.owner_id,
        CONTACT.c.lead_id,
        CONTACT.c.external_id,
        CONTACT.c.created_at,
        CONTACT.c.updated_at,
        CONTACT.c.last_contact_at,
    ).select_from(
        CONTACT.outerjoin(ACCOUNT, ACCOUNT.c.id == CONTACT.c.account_id).outerjoin(
            REP, REP.c.id == CONTACT.c.owner_id
        )
    )


def record(conn: Connection, contact_id: int) -> dict:
    """THE JSON shape of a contact (list, show, add, edit)."""
    row = conn.execute(_query().where(CONTACT.c.id == contact_id)).mappings().first()
    if row is None:
        rows.one(conn, CONTACT, contact_id, "contact")  # NotFound
    return dict(row)  # type: ignore[arg-type]


def list_contacts(conn: Connection, **wanted: Any) -> list[dict]:
    """Contacts ordered by name (`contact_query`'s filters and limit), in their JSON shape."""
    return [dict(row) for row in conn.execute(contact_query(conn, **wanted)).mappings()]


def each_contact(conn: Connection, **wanted: Any) -> Iterator[dict]:
    """Every contact matching `wanted` (`contact_query`'s filters) in the JSON shape, by name,
    read as it is consumed (`paging.each_row`): `contact list` with no limit."""
    from salescli.services.paging import each_row

    return (dict(row._mapping) for row in each_row(conn, contact_query(conn, **wanted)))


def contact_query(
    conn: Connection,
    *,
    account_id: int | None = None,
    search: str | None = None,
    owner: str | None = None,
    team: str | None = None,
    settings: Any = None,
    limit: int | None = None,
) -> sa.Select:
    """The contacts' query, ordered by name. `owner` is `me|none|ID|NAME` and `team` a team
    or a manager (services.scope; both need `settings`)."""
    from salescli.services import scope
    from salescli.text import like_pattern

    query = _query()
    if account_id is not None:
        query = query.where(CONTACT.c.account_id == account_id)
    if search:
        query = query.where(CONTACT.c.search_text.like(like_pattern(search), escape="\\"))
    if owner is not None:
        query = query.where(scope.owner_clause(conn, CONTACT.c.owner_id, owner, settings))
    if team is not None:
        query = query.where(scope.team_clause(conn, CONTACT.c.owner_id, team, settings))
    query = query.order_by(CONTACT.c.search_text, CONTACT.c.id)
    if limit is not None:
        query = query.limit(limit)
    return query
