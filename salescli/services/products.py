"""Products: a small price list for deal line items. Prices are minor units in their currency."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.money import amount_currency, check_currency, from_minor
from salescli.text import fold

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Product
    from salescli.services.config import Settings

NAME_MAX = 200


def clean_name(name: str, field: str = "name") -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidData(f"product {field} is empty (e.g. 'GTX Pro')")
    if len(value) > NAME_MAX:
        raise InvalidData(f"product {field} '{value[:40]}…' is longer than {NAME_MAX} characters")
    return value


def _find(session: Session, name: str) -> Product | None:
    from sqlmodel import select

    from salescli.models import Product

    return session.exec(select(Product).where(Product.name_key == fold(name))).first()


def resolve(session: Session, ref: str) -> Product:
    """A product by id or by name (case-insensitive)."""
    from salescli.models import Product

    value = (ref or "").strip()
    if (number := as_id(value)) is not None:
        product = session.get(Product, number)
        if product is not None:
            return product
    product = _find(session, value) if value else None
    if product is None:
        raise NotFound(f"product '{ref}' not found (see: salescli product list)")
    return product


def _price(text: str, currency: str) -> int:
    from salescli.money import parse_amount
    from salescli.services.deals import amount_minor

    minor = amount_minor(parse_amount(text, currency, field="price"), currency, "price")
    assert minor is not None
    return minor


def add(
    session: Session,
    name: str,
    *,
    price: str,
    currency: str | None,
    series: str | None,
    now: dt.datetime,
    settings: Settings,
) -> Product:
    """A new product; names are unique ignoring case."""
    from salescli.instants import utc
    from salescli.models import Product

    clean = clean_name(name)
    existing = _find(session, clean)
    if existing is not None:
        raise InvalidData(f"product '{clean}' already exists (id {existing.id})")
    code = amount_currency(price, currency, settings.currency)
    product = Product(
        name=clean,
        name_key=fold(clean),
        series=(series or "").strip() or None,
        price_minor=_price(price, code),
        currency=code,
        active=True,
        created_at=utc(now),
    )
    session.add(product)
    session.flush()
    return product


def edit(
    session: Session,
    ref: str,
    *,
    name: str | None = None,
    price: str | None = None,
    currency: str | None = None,
    series: str | None = None,
    active: bool | None = None,
) -> Product:
    """Change a product; existing deal lines keep the price they were given."""
    product = resolve(session, ref)
    if name is not None:
        clean = clean_name(name, "new name")
        other = _find(session, clean)
        if other is not None and other.id != product.id:
            raise InvalidData(f"product '{clean}' already exists (id {other.id})")
        product.name = clean
        product.name_key = fold(clean)
    if currency is not None:
        code = check_currency(currency)
        if price is None:
            # The same figure in the new currency (refused if it has too many decimals).
            price = str(from_minor(product.price_minor, product.currency))
        product.currency = code
    if price is not None:
        product.price_minor = _price(price, product.currency)
    if series is not None:
        product.series = series.strip() or None
    if active is not None:
        product.active = active
    session.add(product)
    session.flush()
    return product


def _usage(session: Session, product_id: int | None = None) -> dict[int, tuple[int, int]]:
    """product id → (lines, distinct deals); of one product when `product_id` is given."""
    import sqlalchemy as sa

    from salescli.models import DealLine

    query = sa.select(
        DealLine.product_id,
        sa.func.count(DealLine.id),
        sa.func.count(sa.distinct(DealLine.deal_id)),
    ).group_by(DealLine.product_id)
    if product_id is not None:
        query = query.where(DealLine.product_id == product_id)
    rows = session.execute(query).all()
    return {pid: (int(lines), int(deals)) for pid, lines, deals in rows}


def record(product: Product, usage: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "series": product.series,
        "price": from_minor(product.price_minor, product.currency),
        "currency": product.currency,
        "active": product.active,
        "lines": usage[0],
        "deals": usage[1],
        "created_at": product.created_at,
    }


def list_products(session: Session, *, include_inactive: bool = True) -> list[dict[str, Any]]:
    from sqlmodel import select

    from salescli.models import Product

    query = select(Product).order_by(Product.name_key)
    if not include_inactive:
        query = query.where(Product.active == True)  # noqa: E712
    usage = _usage(session)
    return [record(p, usage.get(p.id, (0, 0))) for p in session.exec(query).all()]  # type: ignore[arg-type]


def show(session: Session, ref: str) -> dict[str, Any]:
    product = resolve(session, ref)
    return record(product, _usage(session, product.id).get(product.id, (0, 0)))  # type: ignore[arg-type]
