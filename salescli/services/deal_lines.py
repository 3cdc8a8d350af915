"""Line items of a deal (product × quantity × unit price less a discount).

A deal with lines takes its amount from them: every change recomputes it.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.instants import utc
from salescli.money import MAX_MAJOR, from_minor
from salescli.services.deals import amount_minor, get, require_open

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Deal, DealLine


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


def _recompute(session: Session, deal: Deal, now: dt.datetime) -> bool:
    """amount = sum of lines; returns whether the deal still has lines."""
    import sqlalchemy as sa

    from salescli.models import DealLine

    session.flush()
    count, total = session.execute(
        sa.select(
            sa.func.count(DealLine.id),
            sa.cast(sa.func.sum(DealLine.amount_minor), sa.BigInteger),
        ).where(DealLine.deal_id == deal.id)
    ).one()
    if count and from_minor(int(total), deal.currency) >= MAX_MAJOR:  # type: ignore[operator]
        raise InvalidData(
            f"deal {deal.id}: the lines add up to more than 9999999999999 {deal.currency}"
        )
    deal.amount_minor = int(total) if count else None
    deal.updated_at = utc(now)
    session.add(deal)
    session.flush()
    return bool(count)


def add_line(
    session: Session,
    deal_id: int | str,
    product_ref: str,
    *,
    quantity: int,
    price: str | None,
    discount: str | None,
    now: dt.datetime,
) -> DealLine:
    """A line on the deal; the price defaults to the product's (same currency required)."""
    from salescli.models import DealLine
    from salescli.money import parse_amount
    from salescli.services import products

    deal = get(session, deal_id)
    # A closed deal's booked revenue changes only after `deal reopen`, like moves.
    require_open(session, deal, "change the line items of")
    product = products.resolve(session, product_ref)
    if quantity < 1:
        raise InvalidData(f"qty '{quantity}' must be a whole number of at least 1 (e.g. --qty 2)")
    if price is not None:
        unit = amount_minor(parse_amount(price, deal.currency, field="price"), deal.currency)
    elif product.currency != deal.currency:
        raise InvalidData(
            f"product '{product.name}' is priced in {product.currency} but deal {deal.id} is in "
            f"{deal.currency}: give the unit price in {deal.currency} (e.g. --price 4500)"
        )
    else:
        unit = product.price_minor
    assert unit is not None
    bp = parse_discount(discount)
    amount = line_amount(quantity, unit, bp)
    line = DealLine(
        deal_id=deal.id,  # type: ignore[arg-type]
        product_id=product.id,  # type: ignore[arg-type]
        quantity=quantity,
        unit_price_minor=unit,
        discount_bp=bp,
        amount_minor=amount,
    )
    session.add(line)
    _recompute(session, deal, now)
    return line


def list_lines(session: Session, deal_id: int) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from salescli.models import Deal, DealLine, Product

    rows = session.execute(
        sa.select(DealLine, Product.name, Deal.currency)
        .join(Product, Product.id == DealLine.product_id)
        .join(Deal, Deal.id == DealLine.deal_id)
        .where(DealLine.deal_id == deal_id)
        .order_by(DealLine.id)
    ).all()
    return [
        {
            "id": line.id,
            "product": name,
            "product_id": line.product_id,
            "quantity": line.quantity,
            "unit_price": from_minor(line.unit_price_minor, currency),
            "discount": Decimal(line.discount_bp) / 100,
            "amount": from_minor(line.amount_minor, currency),
            "currency": currency,
        }
        for line, name, currency in rows
    ]


def remove_line(session: Session, deal_id: int | str, line_id: int, now: dt.datetime) -> bool:
    """Remove a line; returns whether the deal still has lines."""
    from salescli.models import DealLine

    deal = get(session, deal_id)
    require_open(session, deal, "change the line items of")
    line = session.get(DealLine, line_id)
    if line is None or line.deal_id != deal.id:
        raise NotFound(
            f"line '{line_id}' not found on deal {deal.id} (see: salescli deal line list {deal.id})"
        )
    session.delete(line)
    return _recompute(session, deal, now)
