"""`account import|export`, `contact import|export`, `product import|export` (CSV engine).

Built on services/csvio.py like lead_io.py: no sqlmodel, no models on the import path;
lightweight `sqlalchemy.table()` clauses, lookups loaded once, one Core executemany per table.

`create_accounts` is shared with deal_io: accounts that a deal or contact file names but that
do not exist yet are created in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.services import csvio
from salescli.services.csvio import FieldSpec, ImportContext, RowError, invalid
from salescli.text import fold, search_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

ACCOUNT = sa.table(
    "account",
    sa.column("id", sa.Integer),
    sa.column("name"),
    sa.column("name_key"),
    sa.column("industry"),
    sa.column("website"),
    sa.column("phone"),
    sa.column("country"),
    sa.column("territory"),
    sa.column("employees", sa.Integer),
    sa.column("parent_id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("external_id"),
    sa.column("notes"),
    sa.column("search_text"),
    sa.column("created_at"),
    sa.column("updated_at"),
    sa.column("last_contact_at"),
)
CONTACT = sa.table(
    "contact",
    sa.column("id", sa.Integer),
    sa.column("name"),
    sa.column("email"),
    sa.column("email_key"),
    sa.column("phone"),
    sa.column("title"),
    sa.column("account_id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("lead_id", sa.Integer),
    sa.column("external_id"),
    sa.column("search_text"),
    sa.column("created_at"),
    sa.column("updated_at"),
    sa.column("last_contact_at"),
)
PRODUCT = sa.table(
    "product",
    sa.column("id", sa.Integer),
    sa.column("name"),
    sa.column("name_key"),
    sa.column("series"),
    sa.column("price_minor", sa.BigInteger),
    sa.column("currency"),
    sa.column("active", sa.Boolean),
    sa.column("external_id"),
    sa.column("created_at"),
)
REP = sa.table("rep", sa.column("id", sa.Integer), sa.column("name"), sa.column("name_key"))
CHUNK = 500


# ----------------------------------------------------------------------------- shared helpers


def clean_text(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def load_reps(ctx: ImportContext) -> None:
    """Rep lookups into ctx.state; `--owner` resolved once (NotFound, exit 3)."""
    assert ctx.conn is not None
    reps = {key: rid for rid, key in ctx.conn.execute(sa.select(REP.c.id, REP.c.name_key))}
    ctx.state["reps"] = reps
    ctx.state["rep_ids"] = set(reps.values())
    if ctx.options.owner:
        rep_id(ctx, ctx.options.owner, for_option=True)


def rep_id(ctx: ImportContext, name: str | None, *, for_option: bool = False) -> int | None:
    """The rep named `name` (case-insensitive) or with that id; a bad row otherwise."""
    if name is None:
        return None
    found = ctx.state["reps"].get(fold(name))
    if found is None and name.strip().isdigit() and int(name) in ctx.state["rep_ids"]:
        found = int(name)
    if found is None:
        if for_option:
            raise NotFound(f"--owner: rep '{name}' not found (see: salescli rep list)")
        raise invalid("owner", name, "is not a rep (see: salescli rep list)")
    return found


def load_accounts(ctx: ImportContext) -> None:
    """Account lookups: name_key -> (id, name)."""
    assert ctx.conn is not None
    ctx.state["accounts"] = {
        key: (aid, name)
        for aid, name, key in ctx.conn.execute(
            sa.select(ACCOUNT.c.id, ACCOUNT.c.name, ACCOUNT.c.name_key)
        )
    }


def account_ref(ctx: ImportContext, name: str) -> tuple[str, int | None, str]:
    """(name_key, existing id or None when it is to be created, display name)."""
    clean = clean_text(name)
    assert clean is not None
    if len(clean) > 300:
        raise invalid("account", clean[:40], "is longer than 300 characters")
    key = fold(clean)
    found = ctx.state["accounts"].get(key)
    if found is not None:
        return key, found[0], found[1]
    return key, None, clean


def account_search_text(values: dict[str, Any]) -> str:
    """Like services.accounts: name, industry, website, country, territory."""
    return search_text(
        values.get("name"),
        values.get("industry"),
        values.get("website"),
        values.get("country"),
        values.get("territory"),
    )


def _ids_by_key(conn: Connection, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        query = sa.select(ACCOUNT.c.name_key, ACCOUNT.c.id).where(ACCOUNT.c.name_key.in_(part))
        found.update({key: aid for key, aid in conn.execute(query)})
    return found


def create_accounts(conn: Connection, names: dict[str, str], now: dt.datetime) -> dict[str, int]:
    """Insert accounts with only a name (name_key -> name); returns name_key -> new id."""
    if not names:
        return {}
    stored = csvio.storage_instant(now, conn.dialect.name)
    conn.execute(
        sa.insert(ACCOUNT),
        [
            {
                "name": name,
                "name_key": key,
                "search_text": account_search_text({"name": name}),
                "created_at": stored,
                "updated_at": stored,
            }
            for key, name in names.items()
        ],
    )
    return _ids_by_key(conn, list(names))


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


def instant(value: Any) -> dt.datetime | None:
    """A stored instant as aware UTC (SQLite gives text through untyped columns)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def rep_filter(conn: Connection, ref: str) -> int | None:
    """`--owner REP` of an export: the rep's id, None for `none` (unowned); NotFound else."""
    value = ref.strip()
    if value.casefold() == "none":
        return None
    query = sa.select(REP.c.id).where(REP.c.name_key == fold(value))
    if value.isdigit():
        query = sa.select(REP.c.id).where(
            sa.or_(REP.c.name_key == fold(value), REP.c.id == int(value))
        )
    found = conn.execute(query.order_by(REP.c.id)).first()
    if found is None:
        raise NotFound(f"--owner: rep '{ref}' not found (see: salescli rep list)")
    return int(found[0])


def account_filter(conn: Connection, ref: str) -> int:
    value = ref.strip()
    cond = ACCOUNT.c.name_key == fold(value)
    if value.isdigit():
        cond = sa.or_(cond, ACCOUNT.c.id == int(value))
    found = conn.execute(sa.select(ACCOUNT.c.id).where(cond).order_by(ACCOUNT.c.id)).first()
    if found is None:
        raise NotFound(f"--account: account '{ref}' not found (see: salescli account list)")
    return int(found[0])


# ----------------------------------------------------------------------------- accounts

ACCOUNT_FIELDS = (
    FieldSpec(
        "name",
        required=True,
        max_length=300,
        aliases=("account", "account name", "company", "company name", "organization"),
    ),
    FieldSpec("industry", max_length=200, aliases=("sector", "vertical")),
    FieldSpec("website", max_length=500, aliases=("web site", "url", "web")),
    FieldSpec("phone", max_length=100, aliases=("phone number", "telephone", "switchboard")),
    FieldSpec("country", max_length=200, aliases=("office location", "headquarters", "hq")),
    FieldSpec("territory", max_length=200, aliases=("region",)),
    FieldSpec("employees", "int", aliases=("headcount", "employee count", "number of employees")),
    FieldSpec("owner", max_length=200, aliases=("account owner", "rep")),
    FieldSpec(
        "parent",
        max_length=300,
        aliases=("subsidiary of", "parent account", "parent company", "parent name"),
    ),
    FieldSpec("external_id", max_length=200, aliases=("external id", "ext id")),
    FieldSpec("notes", multiline=True, aliases=("note", "description")),
    FieldSpec("created_at", "datetime", aliases=("created", "created date")),
)
ACCOUNT_EXPORT = (
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


def _account_prepare(ctx: ImportContext) -> None:
    load_reps(ctx)
    load_accounts(ctx)
    ctx.state["seen"] = {}
    ctx.state["attempted"] = {}


def _account_validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    name = clean_text(values["name"])
    if name is None:
        raise invalid("name", None, "is required (e.g. Acme GmbH)")
    key = fold(name)
    ctx.state["attempted"].setdefault(key, ctx.line)
    existing = ctx.state["accounts"].get(key)
    if existing is not None:
        raise InvalidData(f"duplicate of account {existing[0]} ('{existing[1]}')")
    first = ctx.state["seen"].get(key)
    if first is not None:
        raise InvalidData(f"duplicate of line {first} (account '{name}')")
    ctx.state["seen"][key] = ctx.line
    employees = values["employees"]
    if employees is not None and employees < 0:
        raise invalid("employees", employees, "is negative (e.g. 250)")
    parent = values["parent"]
    parent_key = parent_id = None
    if parent is not None:
        parent_key = fold(parent)
        if parent_key == key:
            raise invalid("parent", parent, f"is the account itself (cycle: {name} → {name})")
        found = ctx.state["accounts"].get(parent_key)
        parent_id = found[0] if found is not None else None
    row = {
        "name": name,
        "name_key": key,
        "industry": values["industry"],
        "website": values["website"],
        "phone": values["phone"],
        "country": values["country"],
        "territory": values["territory"],
        "employees": employees,
        "owner_id": rep_id(ctx, values["owner"]),
        "parent": parent,
        "parent_key": parent_key,
        "parent_id": parent_id,
        "external_id": values["external_id"],
        "notes": values["notes"],
        "created_at": values["created_at"] or ctx.now,
    }
    row["search_text"] = account_search_text(row)
    return row


def _account_check_all(rows: list[csvio.Row], ctx: ImportContext) -> list[RowError]:
    """Parents named in the file must be rows of it (any order); no cycles."""
    by_key = {row.clean["name_key"]: row for row in rows}
    attempted = ctx.state["attempted"]
    errors: dict[int, RowError] = {}

    def fail(row: csvio.Row, reason: str) -> None:
        errors[row.line] = RowError(row.line, reason, None, "parent", row.clean["parent"])

    for row in rows:
        clean = row.clean
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
        chain = [row.clean["name_key"]]
        current = by_key.get(row.clean["parent_key"] or "")
        while current is not None and current.clean["name_key"] not in chain:
            chain.append(current.clean["name_key"])
            current = by_key.get(current.clean["parent_key"] or "")
        if current is not None and current.clean["name_key"] == chain[0]:
            names = " → ".join(by_key[k].clean["name"] for k in [*chain, chain[0]])
            fail(row, f"parent '{row.clean['parent']}' makes a cycle: {names}")
    changed = True
    while changed:  # a row whose parent row is rejected goes too
        changed = False
        for row in rows:
            parent_row = by_key.get(row.clean["parent_key"] or "")
            if row.line not in errors and parent_row is not None and parent_row.line in errors:
                fail(
                    row,
                    f"parent '{row.clean['parent']}' is on line {parent_row.line}, which is invalid",
                )
                changed = True
    return list(errors.values())


def _account_insert(rows: list[dict[str, Any]], ctx: ImportContext) -> None:
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
    ids = _ids_by_key(conn, [row["name_key"] for row in rows])
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


ACCOUNT_ENTITY = csvio.Entity(
    name="account",
    fields=ACCOUNT_FIELDS,
    validate=_account_validate,
    insert=_account_insert,
    prepare=_account_prepare,
    check_all=_account_check_all,
    ignored=("id", "owner_id", "parent_id", "updated_at"),
)


def export_accounts(conn: Connection, *, owner: str | None = None) -> Iterator[dict[str, Any]]:
    """Every account in id order, in the columns `account import` reads."""
    parent = ACCOUNT.alias("parent")
    query = (
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
            parent.c.name.label("parent"),
            ACCOUNT.c.external_id,
            ACCOUNT.c.notes,
            ACCOUNT.c.created_at,
            ACCOUNT.c.updated_at,
        )
        .select_from(
            ACCOUNT.outerjoin(REP, REP.c.id == ACCOUNT.c.owner_id).outerjoin(
                parent, parent.c.id == ACCOUNT.c.parent_id
            )
        )
        .order_by(ACCOUNT.c.id)
    )
    if owner is not None:
        owner_id = rep_filter(conn, owner)
        query = query.where(
            ACCOUNT.c.owner_id.is_(None) if owner_id is None else ACCOUNT.c.owner_id == owner_id
        )
    for row in stream(conn, query):
        record = dict(row._mapping)
        record["created_at"] = instant(record["created_at"])
        record["updated_at"] = instant(record["updated_at"])
        yield record


# ----------------------------------------------------------------------------- contacts

CONTACT_FIELDS = (
    FieldSpec(
        "name",
        required=True,
        max_length=300,
        aliases=("full name", "contact name", "contact", "person"),
    ),
    FieldSpec("email", max_length=320, aliases=("e-mail", "email address", "mail")),
    FieldSpec("phone", max_length=100, aliases=("phone number", "telephone", "tel", "mobile")),
    FieldSpec("title", max_length=200, aliases=("job title", "position", "role")),
    FieldSpec(
        "account",
        max_length=300,
        aliases=("account name", "company", "company name", "organization", "organisation"),
    ),
    FieldSpec("owner", max_length=200, aliases=("contact owner", "rep")),
    FieldSpec("external_id", max_length=200, aliases=("external id", "ext id")),
    FieldSpec("created_at", "datetime", aliases=("created", "created date")),
    FieldSpec("last_contact_at", "datetime", aliases=("last contact", "last contacted")),
)
CONTACT_EXPORT = (
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


def contact_entity(report: dict[str, Any] | None = None) -> csvio.Entity:
    """`contact import`; `report["accounts_written"|"accounts_planned"]` = accounts created."""
    sink = report if report is not None else {}
    return csvio.Entity(
        name="contact",
        fields=CONTACT_FIELDS,
        validate=_contact_validate,
        insert=lambda rows, ctx: _contact_insert(rows, ctx, sink),
        prepare=_contact_prepare,
        check_all=lambda rows, ctx: _plan_accounts(rows, ctx, sink),
        ignored=("id", "account_id", "owner_id", "updated_at"),
    )


def _plan_accounts(rows: list[csvio.Row], ctx: ImportContext, report: dict) -> list[RowError]:
    if ctx.options.dry_run:
        report["accounts_planned"] = list(new_accounts([row.clean for row in rows]).values())
    return []


def _contact_prepare(ctx: ImportContext) -> None:
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
    ctx.state["keys"] = {"email": emails, "external_id": externals, "name": names}
    ctx.state["seen"] = {"email": {}, "external_id": {}, "name": {}}


def _contact_validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    from salescli.services.lead_io import clean_email

    name = clean_text(values["name"])
    if name is None:
        raise invalid("name", None, "is required (e.g. Ana Souza)")
    email = values["email"]
    if email is not None:
        email = clean_email(email)
    account_key = account_id = account_name = None
    if values["account"] is not None:
        account_key, account_id, account_name = account_ref(ctx, values["account"])
    email_key = fold(email) if email else None
    external = values["external_id"]
    keys, seen = ctx.state["keys"], ctx.state["seen"]
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
        "name": name,
        "email": email,
        "email_key": email_key,
        "phone": values["phone"],
        "title": values["title"],
        "account_key": account_key,
        "account_id": account_id,
        "account_name": account_name,
        "owner_id": rep_id(ctx, values["owner"]),
        "external_id": external,
        "created_at": values["created_at"] or ctx.now,
        "last_contact_at": values["last_contact_at"],
    }
    row["search_text"] = search_text(name, email, row["title"], row["phone"], account_name)
    return row


def _contact_insert(rows: list[dict[str, Any]], ctx: ImportContext, report: dict) -> None:
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


CONTACT_ENTITY = contact_entity()


def export_contacts(conn: Connection, *, account: str | None = None) -> Iterator[dict[str, Any]]:
    """Every contact in id order, in the columns `contact import` reads."""
    query = (
        sa.select(
            CONTACT.c.id,
            CONTACT.c.name,
            CONTACT.c.email,
            CONTACT.c.phone,
            CONTACT.c.title,
            ACCOUNT.c.name.label("account"),
            REP.c.name.label("owner"),
            CONTACT.c.external_id,
            CONTACT.c.created_at,
            CONTACT.c.updated_at,
            CONTACT.c.last_contact_at,
        )
        .select_from(
            CONTACT.outerjoin(ACCOUNT, ACCOUNT.c.id == CONTACT.c.account_id).outerjoin(
                REP, REP.c.id == CONTACT.c.owner_id
            )
        )
        .order_by(CONTACT.c.id)
    )
    if account is not None:
        query = query.where(CONTACT.c.account_id == account_filter(conn, account))
    for row in stream(conn, query):
        record = dict(row._mapping)
        for key in ("created_at", "updated_at", "last_contact_at"):
            record[key] = instant(record[key])
        yield record


# ----------------------------------------------------------------------------- products

PRODUCT_FIELDS = (
    FieldSpec("name", required=True, max_length=200, aliases=("product", "product name")),
    FieldSpec("price", "money", aliases=("sales price", "list price", "unit price")),
    FieldSpec("currency", "currency"),
    FieldSpec("series", max_length=200, aliases=("product series", "family", "product line")),
    FieldSpec("active", "bool"),
    FieldSpec("external_id", max_length=200, aliases=("external id", "ext id", "sku")),
)
PRODUCT_EXPORT = (
    "id",
    "name",
    "series",
    "price",
    "currency",
    "active",
    "external_id",
    "created_at",
)


def _product_prepare(ctx: ImportContext) -> None:
    assert ctx.conn is not None
    ctx.state["products"] = {
        key: (pid, name)
        for pid, name, key in ctx.conn.execute(
            sa.select(PRODUCT.c.id, PRODUCT.c.name, PRODUCT.c.name_key)
        )
    }
    ctx.state["seen"] = {}


def minor_units(value: Decimal, currency: str, field_name: str) -> int:
    """Exact minor units of a non-negative amount (a bad row otherwise)."""
    from salescli.money import from_minor, to_minor

    if value < 0:
        raise invalid(field_name, value, "is negative (e.g. 4500)")
    minor = to_minor(value, currency)
    if from_minor(minor, currency) != value:
        raise invalid(field_name, value, f"has more decimal places than {currency} allows")
    return minor


def _product_validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    name = clean_text(values["name"])
    if name is None:
        raise invalid("name", None, "is required (e.g. GTX Pro)")
    key = fold(name)
    existing = ctx.state["products"].get(key)
    if existing is not None:
        raise InvalidData(f"duplicate of product {existing[0]} ('{existing[1]}')")
    first = ctx.state["seen"].get(key)
    if first is not None:
        raise InvalidData(f"duplicate of line {first} (product '{name}')")
    ctx.state["seen"][key] = ctx.line
    if values["price"] is None:
        raise invalid("price", None, "is required (e.g. 4500)")
    currency = values["currency"] or ctx.options.currency
    return {
        "name": name,
        "name_key": key,
        "series": values["series"],
        "price_minor": minor_units(values["price"], currency, "price"),
        "currency": currency,
        "active": True if values["active"] is None else values["active"],
        "external_id": values["external_id"],
    }


def _product_insert(rows: list[dict[str, Any]], ctx: ImportContext) -> None:
    assert ctx.conn is not None
    stored = csvio.storage_instant(ctx.now, ctx.conn.dialect.name)
    ctx.conn.execute(sa.insert(PRODUCT), [{**row, "created_at": stored} for row in rows])


PRODUCT_ENTITY = csvio.Entity(
    name="product",
    fields=PRODUCT_FIELDS,
    validate=_product_validate,
    insert=_product_insert,
    prepare=_product_prepare,
    ignored=("id", "lines", "deals"),
    owner_field=None,
)


def export_products(conn: Connection, *, active: bool | None = None) -> Iterator[dict[str, Any]]:
    """Every product in id order, in the columns `product import` reads."""
    from salescli.money import from_minor

    query = sa.select(PRODUCT).order_by(PRODUCT.c.id)
    if active is not None:
        query = query.where(PRODUCT.c.active == active)
    for row in stream(conn, query):
        record = dict(row._mapping)
        record["price"] = from_minor(record.pop("price_minor"), record["currency"])
        record["active"] = bool(record["active"])
        record["created_at"] = instant(record["created_at"])
        yield record


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
