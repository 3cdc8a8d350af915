"""`lead merge`: fold one lead into another (blank fields filled, tags united, history
re-pointed); the dropped lead goes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from salescli.errors import InvalidData
from salescli.services.leads.dedupe_keys import refresh_keys

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def merge(conn: Connection, keep_id: int, drop_id: int, *, now: dt.datetime) -> dict:
    """Fold DROP into KEEP (blank fields filled, tags united, history re-pointed); DROP goes."""
    import sqlalchemy as sa

    from salescli.services import rows
    from salescli.services.leads import scoring as scoring
    from salescli.services.leads.rules import EDITABLE, check_changeable
    from salescli.tables import ACTIVITY, CONTACT, DEAL, LEAD, LEADASSIGNMENT, LEADTAG, TASK
    from salescli.text import email_key, phone_key, search_text

    if keep_id == drop_id:
        raise InvalidData(f"cannot merge lead {keep_id} with itself (give two different ids)")
    keep = rows.one(conn, LEAD, keep_id, "lead")
    drop = rows.one(conn, LEAD, drop_id, "lead")
    for lead in (keep, drop):
        check_changeable(lead)
    merged = dict(keep)
    for field in (*EDITABLE, "external_id", "owner_id"):
        if merged[field] in (None, "") and drop[field] not in (None, ""):
            merged[field] = drop[field]
    # KEEP's status (and its reason and conversion) is KEEP's: only empty fields are filled.
    contacts = [t for t in (keep["last_contact_at"], drop["last_contact_at"]) if t is not None]
    changes = {field: merged[field] for field in merged if merged[field] != keep[field]}
    changes.update(
        created_at=min(keep["created_at"], drop["created_at"]),
        last_contact_at=max(contacts) if contacts else None,
        email_key=email_key(merged["email"]),
        phone_key=phone_key(merged["phone"]),
        search_text=search_text(
            merged["name"], merged["email"], merged["phone"], merged["company"], merged["title"]
        ),
        updated_at=now,
    )
    tag_query = sa.select(LEADTAG.c.tag, LEADTAG.c.label).order_by(LEADTAG.c.tag)
    existing = dict(conn.execute(tag_query.where(LEADTAG.c.lead_id == keep_id)).all())
    dropped = conn.execute(tag_query.where(LEADTAG.c.lead_id == drop_id)).all()
    moved_tags = [(t, label) for t, label in dropped if t not in existing]
    moved: dict[str, int] = {}
    for name, table in (
        ("activities", ACTIVITY),
        ("assignments", LEADASSIGNMENT),
        ("tasks", TASK),
        ("contacts", CONTACT),
        ("deals", DEAL),
    ):
        result = conn.execute(
            sa.update(table).where(table.c.lead_id == drop_id).values(lead_id=keep_id)
        )
        moved[name] = result.rowcount
    rows.delete(conn, LEAD, drop_id)  # its tags and keys go with it (ON DELETE CASCADE)
    if moved_tags:
        conn.execute(
            sa.insert(LEADTAG),
            [{"lead_id": keep_id, "tag": t, "label": label} for t, label in moved_tags],
        )
    rows.update(conn, LEAD, keep_id, changes)
    refresh_keys(conn, [keep_id])
    scoring.refresh(conn, keep_id, now)
    return {"id": keep_id, "merged_id": drop_id, "tags_added": moved_tags, **moved}
