"""`contact show`: the contact with its deals and activities (above contacts.records and
activities, which log on contacts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from salescli.services.contacts.records import record
from salescli.tables import DEAL, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def show(conn: Connection, contact_id: int) -> dict:
    """The contact with its deals and activities (newest first)."""
    from salescli.money import from_minor
    from salescli.services import activities

    deals = conn.execute(
        sa.select(DEAL, STAGE.c.name.label("stage"))
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .where(DEAL.c.contact_id == contact_id)
        .order_by(DEAL.c.id)
    ).mappings()
    return {
        **record(conn, contact_id),
        "deals": [
            {
                "id": d["id"],
                "title": d["title"],
                "stage": d["stage"],
                "amount": from_minor(d["amount_minor"], d["currency"]),
                "currency": d["currency"],
                "close_date": d["close_date"],
            }
            for d in deals
        ],
        "activities": activities.list_activities(conn, contact_id=contact_id, strict=True),
    }
