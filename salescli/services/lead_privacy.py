"""Personal data of the person behind a lead: `lead forget` (erasure) and `lead export-person`."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from salescli.text import fold

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Lead

FORGOTTEN = "forgotten"
# Tables `lead forget` leaves alone: the team's own records and the erasure log.
_FORGET_SKIP = ("erasure", "setting", "rep")


def subject_hash(lead_id: int, email_key: str | None) -> str:
    """What the erasure log keeps: sha256 of "<lead id>:<folded email>"."""
    return hashlib.sha256(f"{lead_id}:{email_key or ''}".encode()).hexdigest()


def forget(session: Session, lead: Lead, *, now: dt.datetime) -> dict:
    """Erase the person's personal data everywhere; keep the anonymous lead (status, dates)."""
    import sqlalchemy as sa

    from salescli.models import Activity, Contact, Deal, Erasure, LeadTag, Task
    from salescli.services import lead_dedupe

    if lead.forgotten:
        return {"id": lead.id, "forgotten": True, "already": True}
    name, email, email_key, phone = lead.name, lead.email, lead.email_key, lead.phone
    contact_ids = list(
        session.execute(sa.select(Contact.id).where(Contact.lead_id == lead.id)).scalars()
    )
    for key in ("email", "email_key", "phone", "phone_key", "company", "title", "notes"):
        setattr(lead, key, None)
    lead.external_id = lead.status_reason = None
    lead.name, lead.search_text, lead.forgotten, lead.updated_at = FORGOTTEN, "", True, now
    session.flush()
    lead_dedupe.refresh_keys(session.connection(), [lead.id])
    session.execute(sa.delete(LeadTag).where(LeadTag.lead_id == lead.id))
    on_person = Activity.lead_id == lead.id
    task_on_person = Task.lead_id == lead.id
    if contact_ids:
        on_person = sa.or_(on_person, Activity.contact_id.in_(contact_ids))
        task_on_person = sa.or_(task_on_person, Task.contact_id.in_(contact_ids))
        session.execute(
            sa.update(Contact)
            .where(Contact.id.in_(contact_ids))
            .values(
                name=FORGOTTEN, email=None, email_key=None, phone=None, title=None,
                external_id=None, search_text="", updated_at=now,
            )
        )  # fmt: skip
    activities_blanked = session.execute(
        sa.update(Activity).where(on_person).values(text="", outcome=None)
    ).rowcount
    session.execute(sa.update(Task).where(task_on_person).values(title=FORGOTTEN))
    session.execute(
        sa.update(Deal)
        .where(Deal.lead_id == lead.id)
        .values(
            title=sa.func.replace(Deal.title, name, FORGOTTEN),
            search_text=sa.func.replace(Deal.search_text, fold(name), FORGOTTEN),
        )
    )
    _sweep(session, [v for v in (email, email_key, phone) if v and len(v) >= 6])
    session.add(Erasure(subject_hash=subject_hash(lead.id, email_key), erased_at=now))
    session.flush()
    return {
        "id": lead.id,
        "forgotten": True,
        "already": False,
        "contacts": len(contact_ids),
        "activities": activities_blanked,
    }


def _sweep(session: Session, needles: Sequence[str]) -> None:
    """Remove any copy of the email/phone left in a text column anywhere (search copies,
    notes, task titles...), whatever its case; a value left blank becomes NULL (or '')."""
    import re

    import sqlalchemy as sa
    from sqlmodel import SQLModel

    if not needles:
        return
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    likes = []
    for needle in dict.fromkeys(n.lower() for n in needles):
        likes.append(
            "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _FORGET_SKIP:
            continue
        keys = list(table.primary_key.columns)
        for column in table.columns:
            if column.primary_key or not is_text(column):
                continue
            # lower() folds ASCII only, which is what an email address or phone number is.
            found = sa.or_(*(sa.func.lower(column).like(like, escape="\\") for like in likes))
            for row in session.execute(sa.select(*keys, column).where(found)).all():
                value = pattern.sub("", row[-1]).strip()
                if not value:
                    value = None if column.nullable else ""
                where = [key == row[i] for i, key in enumerate(keys)]
                session.execute(sa.update(table).where(*where).values({column.name: value}))


def is_text(column: Any) -> bool:
    """A string column (SQLModel's AutoString is a TypeDecorator, not a String)."""
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


def export_person(session: Session, lead: Lead, *, now: dt.datetime) -> dict:
    """Everything held about the person behind a lead, as one JSON document."""
    import sqlalchemy as sa

    from salescli import money
    from salescli.models import Account, Contact, Deal, Stage, Task
    from salescli.services.leads import activities, dicts, show

    lead_record = show(session, lead)
    contacts = dicts(
        session,
        sa.select(
            Contact.id, Contact.name, Contact.email, Contact.phone, Contact.title,
            Account.name.label("account"), Contact.account_id, Contact.created_at,
            Contact.updated_at, Contact.last_contact_at,
        )
        .outerjoin(Account, Account.id == Contact.account_id)
        .where(Contact.lead_id == lead.id)
        .order_by(Contact.id),
    )  # fmt: skip
    contact_ids = [c["id"] for c in contacts]
    deals = dicts(
        session,
        sa.select(
            Deal.id, Deal.title, Account.name.label("account"), Deal.account_id,
            Deal.amount_minor, Deal.currency, Stage.name.label("stage"), Deal.stage_id,
            Deal.close_date,
            Deal.source, Deal.created_at,
        )
        .outerjoin(Account, Account.id == Deal.account_id)
        .outerjoin(Stage, Stage.id == Deal.stage_id)
        .where(Deal.lead_id == lead.id)
        .order_by(Deal.id),
    )  # fmt: skip
    for deal in deals:
        minor = deal.pop("amount_minor")
        deal["amount"] = money.from_minor(minor, deal["currency"]) if minor is not None else None
    task_where = Task.lead_id == lead.id
    if contact_ids:
        task_where = sa.or_(task_where, Task.contact_id.in_(contact_ids))
    tasks = dicts(
        session,
        sa.select(Task.id, Task.title, Task.due_at, Task.priority, Task.done_at, Task.created_at)
        .where(task_where)
        .order_by(Task.id),
    )
    return {
        "schema_version": 1,
        "exported_at": now,
        "lead": {k: v for k, v in lead_record.items() if k not in ("assignments", "activities")},
        "tags": lead_record["tags"],
        "assignments": lead_record["assignments"],
        "activities": activities(session, lead_id=lead.id, contact_ids=contact_ids),
        "tasks": tasks,
        "contacts": contacts,
        "deals": deals,
    }
