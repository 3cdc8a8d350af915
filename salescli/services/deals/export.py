"""`deal export`: every matching deal in the columns `deal import` reads, streamed (Core)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import NotFound, UsageError
from salescli.services.csv.common import export_records
from salescli.services.deals.rules import STATES
from salescli.services.scope import DealScope, deal_clauses
from salescli.tables import ACCOUNT, CONTACT, DEAL, DEALLINE, LOSTREASON, PRODUCT, REP, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

EXPORT_COLUMNS = (
    "id",
    "external_id",
    "title",
    "account",
    "contact",
    "owner",
    "amount",
    "currency",
    "stage",
    "probability",
    "forecast_category",
    "close_date",
    "source",
    "type",
    "product",
    "lost_reason",
    "lost_note",
    "created_at",
    "updated_at",
)


def export(
    conn: Connection,
    *,
    state: str | None = None,
    stage: str | None = None,
    owner: str | None = None,
    team: str | None = None,
    account: str | None = None,
    settings: Settings | None = None,
) -> Iterator[dict[str, Any]]:
    """Every matching deal in id order, in the columns `deal import` reads, streamed.

    `product` is the product of a deal with exactly one line item (blank otherwise). The
    filters are the deal scope of every command (services.scope): owner `me`, `none`, an id
    or a name; team a team name or a manager.
    """
    from salescli.money import from_minor

    contact = CONTACT.alias("c")
    lost = LOSTREASON.alias("lr")
    single = (
        sa.select(
            DEALLINE.c.deal_id.label("deal_id"),
            sa.func.min(DEALLINE.c.product_id).label("product_id"),
        )
        .group_by(DEALLINE.c.deal_id)
        .having(sa.func.count() == 1)
        .subquery("single")
    )
    query = (
        sa.select(
            DEAL.c.id,
            DEAL.c.external_id,
            DEAL.c.title,
            ACCOUNT.c.name.label("account"),
            contact.c.name.label("contact"),
            REP.c.name.label("owner"),
            DEAL.c.amount_minor,
            DEAL.c.currency,
            STAGE.c.name.label("stage"),
            DEAL.c.probability,
            DEAL.c.forecast_category,
            DEAL.c.close_date,
            DEAL.c.source,
            DEAL.c.deal_type.label("type"),
            PRODUCT.c.name.label("product"),
            lost.c.name.label("lost_reason"),
            DEAL.c.lost_note,
            DEAL.c.created_at,
            DEAL.c.updated_at,
        )
        .select_from(
            DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id)
            .outerjoin(ACCOUNT, ACCOUNT.c.id == DEAL.c.account_id)
            .outerjoin(contact, contact.c.id == DEAL.c.contact_id)
            .outerjoin(REP, REP.c.id == DEAL.c.owner_id)
            .outerjoin(lost, lost.c.id == DEAL.c.lost_reason_id)
            .outerjoin(single, single.c.deal_id == DEAL.c.id)
            .outerjoin(PRODUCT, PRODUCT.c.id == single.c.product_id)
        )
        .order_by(DEAL.c.id)
    )
    if state is not None and state not in STATES:
        raise UsageError(f"--state '{state}' is not one of open, won, lost (e.g. --state won)")
    if settings is None:
        from salescli.services import config

        settings = config.load(conn)
    for option, part in (
        ("--state", DealScope(state=state)),
        ("--stage", DealScope(stage=stage)),
        ("--owner", DealScope(owner=owner)),
        ("--team", DealScope(team=team)),
        ("--account", DealScope(account=account)),
    ):
        try:
            query = query.where(*deal_clauses(conn, part, settings))
        except NotFound as exc:
            raise NotFound(f"{option}: {exc}") from None
    for record in export_records(conn, query):
        record["amount"] = from_minor(record.pop("amount_minor"), record["currency"])
        close = record["close_date"]
        if isinstance(close, str):
            record["close_date"] = dt.date.fromisoformat(close)
        yield record
