"""Contacts: the people at accounts (a converted lead becomes one)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.instants import utc

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Contact

EDITABLE = ("title", "phone")


def clean_name(name: str) -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidData("contact name is empty (e.g. 'Ana Souza')")
    if len(value) > 300:
        raise InvalidData(f"contact name '{value[:40]}…' is longer than 300 characters")
    return value


def check_email(email: str | None) -> str | None:
    """A syntactically valid address (normalised domain), or None for blank."""
    from salescli.text import check_email

    return check_email(email) if email and email.strip() else None


def resolve(session: Session, ref: str, account_id: int | None = None) -> Contact:
    """A contact by id, or by name (ignoring case and accents); several → exit 1 listing them."""
    from sqlmodel import select

    from salescli.models import Contact
    from salescli.text import fold, like_pattern

    value = (ref or "").strip()
    if (number := as_id(value)) is not None:
        contact = session.get(Contact, number)
        if contact is not None and (account_id is None or contact.account_id == account_id):
            return contact
    key = fold(value)
    stmt = select(Contact).where(Contact.search_text.like(like_pattern(value), escape="\\"))
    if account_id is not None:
        stmt = stmt.where(Contact.account_id == account_id)
    matches = [c for c in session.exec(stmt.order_by(Contact.id)) if key and fold(c.name) == key]
    where = f" at account {account_id}" if account_id is not None else ""
    if not matches:
        raise NotFound(f"contact '{ref}' not found{where} (see: salescli contact list)")
    if len(matches) > 1:
        listed = ", ".join(f"{c.id} '{c.name}'" for c in matches)
        raise InvalidData(
            f"contact name '{ref}' matches {len(matches)} contacts{where}: {listed} "
            f"(give the id, e.g. {matches[0].id})"
        )
    return matches[0]


def search_text_of(contact: Contact, account_name: str | None) -> str:
    """The searchable copy: name, email, title, phone and the account's name."""
    from salescli.text import search_text

    return search_text(contact.name, contact.email, contact.title, contact.phone, account_name)


def _account_name(session: Session, account_id: int | None) -> str | None:
    from salescli.models import Account

    account = session.get(Account, account_id) if account_id else None
    return account.name if account else None


def create(
    session: Session,
    *,
    name: str,
    now: dt.datetime,
    email: str | None = None,
    phone: str | None = None,
    title: str | None = None,
    account_id: int | None = None,
    owner_id: int | None = None,
    lead_id: int | None = None,
    allow_duplicate: bool = True,
) -> Contact:
    """A new contact (email validated, searchable by name, email, title, phone and account).

    Without `allow_duplicate`, an e-mail another contact has is refused (exit 1), as
    `contact import` and `lead add` do.
    """
    from sqlmodel import select

    from salescli.models import Contact
    from salescli.text import email_key

    address = check_email(email)
    if address and not allow_duplicate:
        query = select(Contact).where(Contact.email_key == email_key(address))
        other = session.exec(query.order_by(Contact.id).limit(1)).first()  # type: ignore[arg-type]
        if other is not None:
            raise InvalidData(
                f"contact {other.id} already has email {other.email}; "
                "use --allow-duplicate to add anyway"
            )
    contact = Contact(
        name=clean_name(name),
        email=address,
        email_key=email_key(address),
        phone=_opt(phone),
        title=_opt(title),
        account_id=account_id,
        owner_id=owner_id,
        lead_id=lead_id,
        created_at=utc(now),
        updated_at=utc(now),
    )
    contact.search_text = search_text_of(contact, _account_name(session, account_id))
    session.add(contact)
    session.flush()
    return contact


def _opt(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def update(
    session: Session, contact: Contact, changes: dict[str, Any], now: dt.datetime
) -> Contact:
    """Apply `changes` (name, email, phone, title, account_id, owner_id); "" clears text."""
    from salescli.text import email_key

    if changes.get("name") is not None:
        contact.name = clean_name(changes["name"])
    if changes.get("email") is not None:
        contact.email = check_email(changes["email"])
        contact.email_key = email_key(contact.email)
    for key in EDITABLE:
        if changes.get(key) is not None:
            setattr(contact, key, _opt(changes[key]))
    for key in ("account_id", "owner_id"):
        if key in changes:
            setattr(contact, key, changes[key])
    contact.search_text = search_text_of(contact, _account_name(session, contact.account_id))
    contact.updated_at = utc(now)
    session.add(contact)
    session.flush()
    return contact


def dependents(session: Session, contact: Contact) -> dict[str, int]:
    import sqlalchemy as sa

    from salescli.models import Activity, Deal, Task

    counts = {}
    for key, model in (("deals", Deal), ("activities", Activity), ("tasks", Task)):
        stmt = sa.select(sa.func.count()).select_from(model).where(model.contact_id == contact.id)
        counts[key] = int(session.execute(stmt).scalar_one())
    return counts


def delete(session: Session, contact: Contact) -> dict:
    """Delete a contact that no deal names (refused with the count otherwise).

    Its activities and tasks go with it; the account stays.
    """
    from salescli.services.accounts import plural

    counts = dependents(session, contact)
    if counts["deals"]:
        raise InvalidData(
            f"contact {contact.id} '{contact.name}' is the contact on {plural(counts['deals'], 'deal')}: "
            "change their contact first (salescli deal edit ID --contact OTHER)"
        )
    session.delete(contact)
    session.flush()
    return {"id": contact.id, "name": contact.name, "deleted": True, **counts}


def list_contacts(
    session: Session,
    *,
    account_id: int | None = None,
    search: str | None = None,
    limit: int | None = None,
    contact_id: int | None = None,
) -> list[dict]:
    """Contacts ordered by name, with their account and owner by name."""
    import sqlalchemy as sa

    from salescli.models import Account, Contact, Rep
    from salescli.text import like_pattern

    stmt = (
        sa.select(
            Contact.id,
            Contact.name,
            Contact.title,
            Contact.email,
            Contact.phone,
            Account.name.label("account"),
            Contact.account_id,
            Rep.name.label("owner"),
            Contact.owner_id,
            Contact.lead_id,
            Contact.created_at,
            Contact.last_contact_at,
        )
        .outerjoin(Account, Account.id == Contact.account_id)
        .outerjoin(Rep, Rep.id == Contact.owner_id)
    )
    if account_id is not None:
        stmt = stmt.where(Contact.account_id == account_id)
    if contact_id is not None:
        stmt = stmt.where(Contact.id == contact_id)
    if search:
        stmt = stmt.where(Contact.search_text.like(like_pattern(search), escape="\\"))
    stmt = stmt.order_by(Contact.search_text, Contact.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(row) for row in session.execute(stmt).mappings()]


def show(session: Session, contact: Contact) -> dict:
    """The contact with its deals and activities (newest first)."""
    from sqlmodel import select

    from salescli.models import Deal, Stage
    from salescli.money import from_minor
    from salescli.services import activities

    row = list_contacts(session, contact_id=contact.id)[0]
    deals = session.exec(
        select(Deal, Stage.name)
        .join(Stage, Stage.id == Deal.stage_id)  # type: ignore[arg-type]
        .where(Deal.contact_id == contact.id)
        .order_by(Deal.id)
    ).all()
    return {
        **row,
        "deals": [
            {
                "id": d.id,
                "title": d.title,
                "stage": stage,
                "amount": from_minor(d.amount_minor, d.currency),
                "currency": d.currency,
                "close_date": d.close_date,
            }
            for d, stage in deals
        ],
        "activities": activities.list_activities(session, contact_id=contact.id, strict=True),
    }
