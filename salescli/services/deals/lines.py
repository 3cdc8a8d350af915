"""Line items of a deal (product × quantity × unit price less a discount), in Core.

A deal with lines takes its amount from them: every change recomputes it.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.money import MAX_MAJOR, from_minor
from salescli.services import rows
from salescli.services.deals.records import get, require_open
from salescli.services.deals.rules import amount_minor
from salescli.tables import DEAL, DEALLINE, PRODUCT

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# A line is priced in its deal's currency: there is no --currency to give.
LINE_CURRENCY = (
    "{field} '{text}' is in {stated}, but the deal is in {currency}: give the unit price in "
    "{currency} without {stated} (e.g. --price 4500)"
)


def parse_discount(text: str | None) -> int:
    """`10%`, `12.5%` or `10` → basis points (1000, 1250, 1000)."""
    if text is None or not text.strip():
        return 0
    from salescli.money import parse_decimal

    example = "e.g. 10% or 12.5%"
    percent = parse_decimal(text.strip().rstrip("%"), field="discount", example=example)
    bp = percent * 100
    if bp != bp.to_integral_value():
        raise InvalidData(f"discount '{text}' has more than 2 decimal places ({example})")
    if not 0 <= bp <= 10000:
        raise InvalidData(f"discount '{text}' must be between 0% and 100% ({example})")
    return int(bp)


def line_amount(quantity: int, unit_minor: int, discount_bp: int) -> int:
    """quantity × unit price less the discount, rounded half-to-even once, in minor units."""
    gross = Decimal(quantity) * Decimal(unit_minor) * Decimal(10000 - discount_bp)
    return int((gross / Decimal(10000)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _recompute(conn: Connection, deal: Any, now: dt.datetime) -> bool:
    """amount = sum of lines; returns whether the deal still has lines."""
    count, total = conn.execute(
        sa.select(
            sa.func.count(DEALLINE.c.id),
            sa.cast(sa.func.sum(DEALLINE.c.amount_minor), sa.BigInteger),
        ).where(DEALLINE.c.deal_id == deal.id)
    ).one()
    if count and from_minor(int(total), deal.currency) >= MAX_MAJOR:  # type: ignore[operator]
        raise InvalidData(
            f"deal {deal.id}: the lines add up to more than 9999999999999 {deal.currency}"
        )
    rows.update(
        conn, DEAL, deal.id, {"amount_minor": int(total) if count else None, "updated_at": now}
    )
    return bool(count)


def add_line(
    conn: Connection,
    deal_id: int | str,
    product_ref: str,
    *,
    quantity: int,
    price: str | None,
    discount: str | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """A line on the deal; the price defaults to the product's (same currency required).
    Returns the line's record."""
    from salescli.money import parse_amount
    from salescli.services.products import records as products

    deal = get(conn, deal_id)
    # A closed deal's booked revenue changes only after `deal reopen`, like moves.
    require_open(conn, deal, "change the line items of")
    product = products.resolve(conn, product_ref)
    if quantity < 1:
        raise InvalidData(f"qty '{quantity}' must be a whole number of at least 1 (e.g. --qty 2)")
    if price is not None:
        unit = amount_minor(
            parse_amount(price, deal.currency, field="price", other_currency=LINE_CURRENCY),
            deal.currency,
        )
    elif product.currency != deal.currency:
        raise InvalidData(
            f"product '{product.name}' is priced in {product.currency} but deal {deal.id} is in "
            f"{deal.currency}: give the unit price in {deal.currency} (e.g. --price 4500)"
        )
    else:
        unit = product.price_minor
    assert unit is not None
    bp = parse_discount(discount)
    line_id = rows.insert(
        conn,
        DEALLINE,
        {
            "deal_id": deal.id,
            "product_id": product.id,
            "quantity": quantity,
            "unit_price_minor": unit,
            "discount_bp": bp,
            "amount_minor": line_amount(quantity, unit, bp),
        },
    )
    _recompute(conn, deal, now)
    return next(line for line in list_lines(conn, deal.id) if line["id"] == line_id)


def list_lines(conn: Connection, deal_id: int) -> list[dict[str, Any]]:
    found = conn.execute(
        sa.select(DEALLINE, PRODUCT.c.name.label("product_name"), DEAL.c.currency)
        .join(PRODUCT, PRODUCT.c.id == DEALLINE.c.product_id)
        .join(DEAL, DEAL.c.id == DEALLINE.c.deal_id)
        .where(DEALLINE.c.deal_id == deal_id)
        .order_by(DEALLINE.c.id)
    ).all()
    return [
        {
            "id": line.id,
            "product": line.product_name,
            "product_id": line.product_id,
            "quantity": line.quantity,
            "unit_price": from_minor(line.unit_price_minor, line.currency),
            "discount": Decimal(line.discount_bp) / 100,
            "amount": from_minor(line.amount_minor, line.currency),
            "currency": line.currency,
        }
        for line in found
    ]


def remove_line(conn: Connection, deal_id: int | str, line_id: int, now: dt.datetime) -> bool:
    """Remove a line; returns whether the deal still has lines."""
    deal = get(conn, deal_id)
    require_open(conn, deal, "change the line items of")
    line = rows.get(conn, DEALLINE, line_id)
    if line is None or line.deal_id != deal.id:
        raise NotFound(
            f"line '{line_id}' not found on deal {deal.id} (see: salescli deal line list {deal.id})"
        )
    rows.delete(conn, DEALLINE, line_id)
    return _recompute(conn, deal, now)
