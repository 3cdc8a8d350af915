"""The account rules: every way an account is written (add, edit, import, lead convert)
goes through them: `check_values` (names, field lengths from the schema, whitespace,
employees), `check_unique` / `duplicate` (names unique ignoring case and accents) and
`check_parent` / `cycle` (no account below itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services import rows
from salescli.tables import ACCOUNT
from salescli.text import fold, search_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping


# Single-line text fields: spaces collapsed, "" is None, at most the column's length.
TEXT_FIELDS = ("industry", "website", "phone", "country", "territory", "external_id")


EXAMPLES = {
    "name": "Acme GmbH",
    "industry": "Manufacturing",
    "website": "acme.example",
    "phone": "+49 30 1234567",
    "country": "Germany",
    "territory": "DACH",
    "external_id": "001A000001",
}


def name_key(name: str) -> str:
    return fold(name)


def limit(field: str) -> int | None:
    """The longest value `field` may hold: the schema's column length."""
    return getattr(ACCOUNT.c[field].type, "length", None)


def too_long(field: str, value: str, most: int) -> InvalidData:
    return InvalidData(
        f"{field} '{value[:40]}…' is longer than {most} characters (shorten it to {most})"
    )


def clean_text(field: str, value: str | None, most: int | None) -> str | None:
    """A single-line text value: spaces collapsed, blank is None, at most `most` characters."""
    text = " ".join((value or "").split())
    if not text:
        return None
    if most is not None and len(text) > most:
        raise too_long(field, text, most)
    return text


def clean_name(name: str | None, field: str = "name") -> str:
    """An account name: spaces collapsed, not empty, at most the column's length."""
    value = clean_text(field, name, limit("name"))
    if value is None:
        raise InvalidData(f"{field} '{(name or '').strip()}' is empty (e.g. {EXAMPLES['name']})")
    return value


def check_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The account rule over plain values (add, edit, import and convert all call it).

    Only the keys given are checked and returned (an edit passes what changes): `name`
    (required, with its `name_key`), the single-line text fields, `notes` (kept as typed,
    blank is None), `employees` (not negative); other keys pass through.
    """
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            clean["name"] = clean_name(value)
            clean["name_key"] = name_key(clean["name"])
        elif key in TEXT_FIELDS:
            clean[key] = clean_text(key, value, limit(key))
        elif key == "notes":
            clean[key] = value if value and value.strip() else None
        elif key == "employees":
            if value is not None and value < 0:
                raise InvalidData(f"employees '{value}' is negative (e.g. 250)")
            clean[key] = value
        else:
            clean[key] = value
    return clean


def duplicate(existing_id: int, existing_name: str) -> InvalidData:
    """The refusal of a name another account has (ignoring case and accents)."""
    return InvalidData(f"duplicate of account {existing_id} ('{existing_name}')")


def find(conn: Connection, name: str) -> RowMapping | None:
    """The account with this name (ignoring case and accents), or None."""
    query = sa.select(ACCOUNT).where(ACCOUNT.c.name_key == name_key(name))
    return conn.execute(query.order_by(ACCOUNT.c.id)).mappings().first()


def check_unique(conn: Connection, name: str, exclude: int | None = None) -> None:
    """Refuse a name that another account has."""
    other = find(conn, name)
    if other is not None and other["id"] != exclude:
        raise duplicate(other["id"], other["name"])


def self_parent(parent: str, name: str) -> InvalidData:
    return InvalidData(f"parent '{parent}' is the account itself (cycle: {name} → {name})")


def cycle(parent: str, names: list[str]) -> InvalidData:
    """`names`: the account, its new parent, ... up to the account again."""
    return InvalidData(f"parent '{parent}' makes a cycle: {' → '.join(names)}")


def check_parent(conn: Connection, account: Mapping[str, Any], parent_id: int | None) -> None:
    """Refuse a parent that is the account itself or one of its own subsidiaries."""
    if parent_id is None:
        return
    chain = [account["name"]]
    seen: set[int] = set()
    current: int | None = parent_id
    while current is not None and current not in seen:
        row = rows.get(conn, ACCOUNT, current)
        if row is None:
            return
        if current == account["id"]:
            first = chain[1] if len(chain) > 1 else account["name"]
            if len(chain) == 1:
                raise self_parent(first, account["name"])
            raise cycle(first, [*chain, account["name"]])
        seen.add(current)
        chain.append(row["name"])
        current = row["parent_id"]


def search_text_of(values: Mapping[str, Any]) -> str:
    """The searchable copy: name, industry, website, country, territory."""
    return search_text(
        values.get("name"),
        values.get("industry"),
        values.get("website"),
        values.get("country"),
        values.get("territory"),
    )
