"""`product import` / `product export` on the CSV engine (services/csv/engine.py).

Products have no owner: the entity refuses `--owner`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services.csv import engine as csvio
from salescli.services.csv.common import (
    clean_text,
    export_records,
)
from salescli.services.csv.engine import FieldSpec, ImportContext, invalid
from salescli.services.csv.types import ImportState
from salescli.services.deals.rules import amount_minor
from salescli.tables import PRODUCT
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


FIELDS = (
    FieldSpec("name", required=True, max_length=200, aliases=("product", "product name")),
    FieldSpec("price", "money", aliases=("sales price", "list price", "unit price")),
    FieldSpec("currency", "currency"),
    FieldSpec("series", max_length=200, aliases=("product series", "family", "product line")),
    FieldSpec("active", "bool"),
    FieldSpec("external_id", max_length=200, aliases=("external id", "ext id", "sku")),
)
EXPORT_COLUMNS = (
    "id",
    "name",
    "series",
    "price",
    "currency",
    "active",
    "external_id",
    "created_at",
)


def _prepare(ctx: ImportContext) -> None:
    assert ctx.conn is not None
    ctx.state.products = {
        key: (pid, name)
        for pid, name, key in ctx.conn.execute(
            sa.select(PRODUCT.c.id, PRODUCT.c.name, PRODUCT.c.name_key)
        )
    }
    ctx.state.seen = {}


def _validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    name = clean_text(values["name"])
    if name is None:
        raise invalid("name", None, "is required (e.g. GTX Pro)")
    key = fold(name)
    existing = ctx.state.products.get(key)
    if existing is not None:
        raise InvalidData(f"duplicate of product {existing[0]} ('{existing[1]}')")
    first = ctx.state.seen.get(key)
    if first is not None:
        raise InvalidData(f"duplicate of line {first} (product '{name}')")
    ctx.state.seen[key] = ctx.line
    if values["price"] is None:
        raise invalid("price", None, "is required (e.g. 4500)")
    currency = values["currency"] or ctx.options.currency
    return {
        "name": name,
        "name_key": key,
        "series": values["series"],
        "price_minor": amount_minor(values["price"], currency, "price"),
        "currency": currency,
        "active": True if values["active"] is None else values["active"],
        "external_id": values["external_id"],
    }


def _insert(rows: list[dict[str, Any]], ctx: ImportContext) -> None:
    assert ctx.conn is not None
    stored = csvio.storage_instant(ctx.now, ctx.conn.dialect.name)
    ctx.conn.execute(sa.insert(PRODUCT), [{**row, "created_at": stored} for row in rows])


@dataclass
class ProductImportState(ImportState):
    """`product import`: what `prepare` loads and `validate` remembers (typed, see csv.types.ImportState)."""

    products: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)


ENTITY = csvio.Entity(
    state=ProductImportState,
    name="product",
    fields=FIELDS,
    validate=_validate,
    insert=_insert,
    prepare=_prepare,
    ignored=("id", "lines", "deals"),
    owner_field=None,
)


def export(conn: Connection, *, active: bool | None = None) -> Iterator[dict[str, Any]]:
    """Every product in id order, in the columns `product import` reads."""
    from salescli.money import from_minor

    query = sa.select(PRODUCT).order_by(PRODUCT.c.id)
    if active is not None:
        query = query.where(PRODUCT.c.active == active)
    for record in export_records(conn, query, ("created_at",)):
        record["price"] = from_minor(record.pop("price_minor"), record["currency"])
        record["active"] = bool(record["active"])
        yield record
