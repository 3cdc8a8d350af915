"""Lead conversion: a qualified lead becomes an account (reused by name), a contact and a deal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Lead
    from salescli.services.config import Settings


def get_lead(session: Session, ref: str) -> Lead:
    from salescli.models import Lead

    value = (ref or "").strip()
    number = as_id(value)
    lead = session.get(Lead, number) if number is not None else None
    if lead is None or lead.forgotten:
        raise NotFound(f"lead '{ref}' not found (see: salescli lead list)")
    return lead


def _refuse_twice(session: Session, lead: Lead, tz: str) -> None:
    """A lead converts once: say when, and what it became."""
    from sqlmodel import select

    from salescli.models import Contact, Deal

    if lead.status != "converted" and lead.converted_at is None:
        return
    deal = session.exec(select(Deal).where(Deal.lead_id == lead.id).order_by(Deal.id)).first()
    if deal is not None:
        what = f"deal {deal.id}"
    else:
        contact = session.exec(
            select(Contact).where(Contact.lead_id == lead.id).order_by(Contact.id)
        ).first()
        what = f"contact {contact.id}, no deal" if contact else "no deal"
    when = ""
    if lead.converted_at is not None:
        from zoneinfo import ZoneInfo

        when = f" on {lead.converted_at.astimezone(ZoneInfo(tz)).date().isoformat()}"
    raise InvalidData(f"lead {lead.id} was converted{when} ({what}); a lead converts once")


def convert(
    session: Session,
    lead: Lead,
    *,
    now: dt.datetime,
    settings: Settings,
    account: str | None = None,
    owner_id: int | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    stage: str | None = None,
    close_date: dt.date | None = None,
    title: str | None = None,
    with_deal: bool = True,
    actor: str | None = None,
) -> dict:
    """Convert `lead` in the caller's transaction; returns the ids of what it became.

    The account is `account` (id or name) or the lead's company, reused when one by that name
    exists (ignoring case) and created otherwise; the contact copies the lead's name, email,
    phone and title; the deal keeps the lead's source for attribution.
    """
    from salescli.instants import utc
    from salescli.services import accounts, contacts, deals, rows
    from salescli.tables import ACCOUNT

    conn = session.connection()  # port: accounts and contacts run on Core
    _refuse_twice(session, lead, settings.timezone)
    name = (account or "").strip() or (lead.company or "").strip()
    if not name:
        raise InvalidData(
            f"lead {lead.id} has no company: name the account with --account (e.g. --account 'Acme GmbH')"
        )
    owner_id = owner_id if owner_id is not None else lead.owner_id
    if owner_id is None:
        owner_id = accounts.rep_id(conn, None, settings)
    number = as_id(name)
    found = rows.get(conn, ACCOUNT, number) if number is not None else None
    if found is not None:
        target, created = found, False
    else:
        target, created = accounts.get_or_create(
            conn, name, now, owner_id=owner_id, territory=lead.territory
        )
    # The person was already talked to as a lead: the customer record keeps that.
    contact_id = contacts.create(
        conn,
        name=lead.name,
        now=now,
        email=lead.email,
        phone=lead.phone,
        title=lead.title,
        account_id=target["id"],
        owner_id=owner_id,
        lead_id=lead.id,
        last_contact_at=lead.last_contact_at,
    )
    if lead.last_contact_at is not None:
        accounts.touch_last_contact(conn, target["id"], lead.last_contact_at)
    deal_id = None
    if with_deal:
        deal_id = deals.create(
            conn,
            title=title or f"{target['name']} – {lead.name}",
            amount=amount,
            currency=currency,
            account_id=target["id"],
            contact_id=contact_id,
            owner_id=owner_id,
            stage=stage,
            close_date=close_date,
            source=lead.source,
            deal_type=None,
            lead_id=lead.id,
            probability=None,
            forecast_category=None,
            now=now,
            actor=actor,
            settings=settings,
        )
    lead.status = "converted"
    lead.converted_at = utc(now)
    lead.updated_at = utc(now)
    session.add(lead)
    session.flush()
    return {
        "lead_id": lead.id,
        "account_id": target["id"],
        "account": target["name"],
        "contact_id": contact_id,
        "deal_id": deal_id,
        "account_created": created,
    }
