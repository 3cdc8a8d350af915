"""Products: a small price list for deal line items (Core). Prices are minor units in their
currency."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.money import amount_currency, check_currency, from_minor
from salescli.services import rows
from salescli.tables import DEALLINE, PRODUCT
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings

NAME_MAX: int = PRODUCT.c.name.type.length  # type: ignore[attr-defined]
SERIES_MAX: int = PRODUCT.c.series.type.length  # type: ignore[attr-defined]


def clean_name(name: str | None, field: str = "name") -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidData(f"product {field} is empty (e.g. 'GTX Pro')")
    if len(value) > NAME_MAX:
        raise InvalidData(f"product {field} '{value[:40]}…' is longer than {NAME_MAX} characters")
    return value


def clean_series(series: str | None) -> str | None:
    value = " ".join((series or "").split())
    if len(value) > SERIES_MAX:
        raise InvalidData(f"series '{value[:40]}…' is longer than {SERIES_MAX} characters")
    return value or None


def _find(conn: Connection, name: str) -> RowMapping | None:
    query = sa.select(PRODUCT).where(PRODUCT.c.name_key == fold(name))
    return conn.execute(query).mappings().first()


def resolve(conn: Connection, ref: str) -> RowMapping:
    """A product by id or by name (case-insensitive)."""
    value = (ref or "").strip()
    if (number := as_id(value)) is not None:
        product = rows.get(conn, PRODUCT, number)
        if product is not None:
            return product
    product = _find(conn, value) if value else None
    if product is None:
        raise NotFound(f"product '{ref}' not found (see: salescli product list)")
    return product


def price_minor(text: str, currency: str) -> int:
    """A price typed by a user, exactly, in `currency`'s minor units (the rule of imports too)."""
    from salescli.money import parse_amount
    from salescli.services.deals.rules import amount_minor

    minor = amount_minor(parse_amount(text, currency, field="price"), currency, "price")
    assert minor is not None
    return minor


def add(
    conn: Connection,
    name: str,
    *,
    price: str,
    currency: str | None,
    series: str | None,
    now: dt.datetime,
    settings: Settings,
) -> int:
    """A new product; names are unique ignoring case. Its id."""
    clean = clean_name(name)
    existing = _find(conn, clean)
    if existing is not None:
        raise InvalidData(f"product '{clean}' already exists (id {existing.id})")
    code = amount_currency(price, currency, settings.currency)
    return rows.insert(
        conn,
        PRODUCT,
        {
            "name": clean,
            "name_key": fold(clean),
            "series": clean_series(series),
            "price_minor": price_minor(price, code),
            "currency": code,
            "active": True,
            "created_at": now,
        },
    )


def edit(
    conn: Connection,
    ref: str,
    *,
    name: str | None = None,
    price: str | None = None,
    currency: str | None = None,
    series: str | None = None,
    active: bool | None = None,
) -> int:
    """Change a product; existing deal lines keep the price they were given. Its id."""
    product = resolve(conn, ref)
    values: dict[str, Any] = {}
    if name is not None:
        clean = clean_name(name, "new name")
        other = _find(conn, clean)
        if other is not None and other.id != product.id:
            raise InvalidData(f"product '{clean}' already exists (id {other.id})")
        values.update(name=clean, name_key=fold(clean))
    code = product.currency
    if currency is not None:
        code = check_currency(currency)
        if price is None:
            # The same figure in the new currency (refused if it has too many decimals).
            price = str(from_minor(product.price_minor, product.currency))
        values["currency"] = code
    if price is not None:
        values["price_minor"] = price_minor(price, code)
    if series is not None:
        values["series"] = clean_series(series)
    if active is not None:
        values["active"] = active
    rows.update(conn, PRODUCT, product.id, values)
    return int(product.id)


def _usage(conn: Connection, product_id: int | None = None) -> dict[int, tuple[int, int]]:
    """product id → (lines, distinct deals); of one product when `product_id` is given."""
    query = sa.select(
        DEALLINE.c.product_id,
        sa.func.count(DEALLINE.c.id),
        sa.func.count(sa.distinct(DEALLINE.c.deal_id)),
    ).group_by(DEALLINE.c.product_id)
    if product_id is not None:
        query = query.where(DEALLINE.c.product_id == product_id)
    return {pid: (int(lines), int(deals)) for pid, lines, deals in conn.execute(query).all()}


def shape(product: Any, usage: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    """A product row in the product's one JSON shape."""
    return {
        "id": product.id,
        "name": product.name,
        "series": product.series,
        "price": from_minor(product.price_minor, product.currency),
        "currency": product.currency,
        "active": bool(product.active),
        "lines": usage[0],
        "deals": usage[1],
        "created_at": product.created_at,
    }


def record(conn: Connection, product_id: int) -> dict[str, Any]:
    """The product (list, show, add, edit) as a record."""
    product = rows.one(conn, PRODUCT, product_id, "product")
    return shape(product, _usage(conn, product_id).get(product_id, (0, 0)))


def list_products(conn: Connection, *, include_inactive: bool = True) -> list[dict[str, Any]]:
    query = sa.select(PRODUCT).order_by(PRODUCT.c.name_key)
    if not include_inactive:
        query = query.where(PRODUCT.c.active == sa.true())
    usage = _usage(conn)
    return [shape(p, usage.get(p.id, (0, 0))) for p in conn.execute(query).mappings().all()]


def show(conn: Connection, ref: str) -> dict[str, Any]:
    return record(conn, int(resolve(conn, ref).id))
