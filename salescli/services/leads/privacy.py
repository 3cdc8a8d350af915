"""Personal data of the person behind a lead: `lead forget` (erasure) and `lead export-person`."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

FORGOTTEN = "forgotten"
# Tables `lead forget` leaves alone: the team's own records and the erasure log.
_FORGET_SKIP = ("erasure", "setting", "rep")


def subject_hash(lead_id: int, email_key: str | None) -> str:
    """What the erasure log keeps: sha256 of "<lead id>:<folded email>"."""
    return hashlib.sha256(f"{lead_id}:{email_key or ''}".encode()).hexdigest()


def forget(conn: Connection, lead_id: int, *, now: dt.datetime) -> dict:
    """Erase the person's personal data everywhere; keep the anonymous lead (status, dates)."""
    import sqlalchemy as sa

    from salescli.services import rows
    from salescli.services.leads import dedupe_keys as lead_keys
    from salescli.services.leads import records as leads
    from salescli.tables import ACTIVITY, CONTACT, DEAL, ERASURE, LEAD, LEADTAG, TASK

    lead = leads.get(conn, lead_id)
    if lead["forgotten"]:
        return {"id": lead_id, "forgotten": True, "already": True}
    name, email, email_key, phone = lead["name"], lead["email"], lead["email_key"], lead["phone"]
    contact_ids = list(
        conn.execute(sa.select(CONTACT.c.id).where(CONTACT.c.lead_id == lead_id)).scalars()
    )
    blank = dict.fromkeys(
        ("email", "email_key", "phone", "phone_key", "company", "title", "notes"), None
    )
    rows.update(
        conn, LEAD, lead_id,
        {**blank, "external_id": None, "status_reason": None, "name": FORGOTTEN,
         "search_text": "", "forgotten": True, "updated_at": now},
    )  # fmt: skip
    lead_keys.refresh_keys(conn, [lead_id])
    conn.execute(sa.delete(LEADTAG).where(LEADTAG.c.lead_id == lead_id))
    on_person = ACTIVITY.c.lead_id == lead_id
    task_on_person = TASK.c.lead_id == lead_id
    if contact_ids:
        on_person = sa.or_(on_person, ACTIVITY.c.contact_id.in_(contact_ids))
        task_on_person = sa.or_(task_on_person, TASK.c.contact_id.in_(contact_ids))
        conn.execute(
            sa.update(CONTACT)
            .where(CONTACT.c.id.in_(contact_ids))
            .values(
                name=FORGOTTEN, email=None, email_key=None, phone=None, title=None,
                external_id=None, search_text="", updated_at=now,
            )
        )  # fmt: skip
    activities_blanked = conn.execute(
        sa.update(ACTIVITY).where(on_person).values(text="", outcome=None)
    ).rowcount
    conn.execute(sa.update(TASK).where(task_on_person).values(title=FORGOTTEN))
    conn.execute(
        sa.update(DEAL)
        .where(DEAL.c.lead_id == lead_id)
        .values(
            title=sa.func.replace(DEAL.c.title, name, FORGOTTEN),
            search_text=sa.func.replace(DEAL.c.search_text, fold(name), FORGOTTEN),
        )
    )
    _sweep(conn, [v for v in (email, email_key, phone) if v and len(v) >= 6])
    rows.insert(conn, ERASURE, {"subject_hash": subject_hash(lead_id, email_key), "erased_at": now})
    return {
        "id": lead_id,
        "forgotten": True,
        "already": False,
        "contacts": len(contact_ids),
        "activities": activities_blanked,
    }


def _sweep(conn: Connection, needles: Sequence[str]) -> None:
    """Remove any copy of the email/phone left in a text column anywhere (search copies,
    notes, task titles...), whatever its case; a value left blank becomes NULL (or '')."""
    import re

    import sqlalchemy as sa

    from salescli.tables import METADATA

    if not needles:
        return
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    likes = []
    for needle in dict.fromkeys(n.lower() for n in needles):
        likes.append(
            "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
    for table in METADATA.sorted_tables:
        if table.name in _FORGET_SKIP:
            continue
        keys = list(table.primary_key.columns)
        for column in table.columns:
            if column.primary_key or not is_text(column):
                continue
            # lower() folds ASCII only, which is what an email address or phone number is.
            found = sa.or_(*(sa.func.lower(column).like(like, escape="\\") for like in likes))
            for row in conn.execute(sa.select(*keys, column).where(found)).all():
                value: str | None = pattern.sub("", row[-1]).strip()
                if not value:
                    value = None if column.nullable else ""
                where = [key == row[i] for i, key in enumerate(keys)]
                conn.execute(sa.update(table).where(*where).values({column.name: value}))


def is_text(column: Any) -> bool:
    """A string column (a TypeDecorator over a String counts too)."""
    import sqlalchemy as sa

    kind = getattr(column.type, "impl_instance", column.type)
    return isinstance(kind, sa.String)


def truncate_wal(url: str) -> bool:
    """After a forget on SQLite: copy the WAL into the file and empty it, so the erased values
    survive in neither (deleted cells are already zeroed by secure_delete). False when another
    connection kept the log busy (the values then stay in it until the next checkpoint)."""
    import sqlite3

    from salescli import db

    path = db.sqlite_path(url)
    if path is None:
        return True
    conn = sqlite3.connect(path, timeout=db.busy_timeout(), isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    return busy == 0


def export_person(conn: Connection, lead_id: int, *, now: dt.datetime) -> dict:
    """Everything held about the person behind a lead, as one JSON document."""
    import sqlalchemy as sa

    from salescli import money
    from salescli.services.leads.records import activities, dicts, show
    from salescli.tables import ACCOUNT, CONTACT, DEAL, STAGE, TASK

    lead_record = show(conn, lead_id)
    contacts = dicts(
        conn,
        sa.select(
            CONTACT.c.id, CONTACT.c.name, CONTACT.c.email, CONTACT.c.phone, CONTACT.c.title,
            ACCOUNT.c.name.label("account"), CONTACT.c.account_id, CONTACT.c.created_at,
            CONTACT.c.updated_at, CONTACT.c.last_contact_at,
        )
        .select_from(CONTACT)
        .outerjoin(ACCOUNT, ACCOUNT.c.id == CONTACT.c.account_id)
        .where(CONTACT.c.lead_id == lead_id)
        .order_by(CONTACT.c.id),
    )  # fmt: skip
    contact_ids = [c["id"] for c in contacts]
    deals = dicts(
        conn,
        sa.select(
            DEAL.c.id, DEAL.c.title, ACCOUNT.c.name.label("account"), DEAL.c.account_id,
            DEAL.c.amount_minor, DEAL.c.currency, STAGE.c.name.label("stage"), DEAL.c.stage_id,
            DEAL.c.close_date, DEAL.c.source, DEAL.c.created_at,
        )
        .select_from(DEAL)
        .outerjoin(ACCOUNT, ACCOUNT.c.id == DEAL.c.account_id)
        .outerjoin(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .where(DEAL.c.lead_id == lead_id)
        .order_by(DEAL.c.id),
    )  # fmt: skip
    for deal in deals:
        minor = deal.pop("amount_minor")
        deal["amount"] = money.from_minor(minor, deal["currency"]) if minor is not None else None
    task_where = TASK.c.lead_id == lead_id
    if contact_ids:
        task_where = sa.or_(task_where, TASK.c.contact_id.in_(contact_ids))
    tasks = dicts(
        conn,
        sa.select(
            TASK.c.id, TASK.c.title, TASK.c.due_at, TASK.c.priority, TASK.c.done_at,
            TASK.c.created_at,
        )
        .where(task_where)
        .order_by(TASK.c.id),
    )  # fmt: skip
    return {
        "schema_version": 1,
        "exported_at": now,
        "lead": {k: v for k, v in lead_record.items() if k not in ("assignments", "activities")},
        "tags": lead_record["tags"],
        "assignments": lead_record["assignments"],
        "activities": activities(conn, lead_id=lead_id, contact_ids=contact_ids),
        "tasks": tasks,
        "contacts": contacts,
        "deals": deals,
    }
