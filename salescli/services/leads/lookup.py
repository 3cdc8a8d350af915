"""One lead and its tags, read by id: the lowest of the lead modules (records and scoring both
read through it, neither through the other)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import NotFound
from salescli.tables import LEAD, LEADTAG

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping


def get(conn: Connection, lead_id: int) -> RowMapping:
    """The lead (forgotten ones too); NotFound (exit 3) otherwise."""
    row = conn.execute(sa.select(LEAD).where(LEAD.c.id == lead_id)).mappings().first()
    if row is None:
        raise NotFound(f"lead {lead_id} not found")
    return row


def tags_of(conn: Any, lead_id: int) -> list[str]:
    """The lead's tags as spelt (ordered by key)."""
    return [label for _, label in tag_rows(conn, lead_id)]


def tag_rows(conn: Any, lead_id: int) -> list[tuple[str, str]]:
    """The lead's tags as (key, spelling), ordered by key."""
    query = sa.select(LEADTAG.c.tag, LEADTAG.c.label).where(LEADTAG.c.lead_id == lead_id)
    return sorted((tag, label) for tag, label in conn.execute(query).all())
