"""Lead conversion: a qualified lead becomes an account (reused by name), a contact and a deal.

The only way a lead becomes `converted` (every other writer refuses that status: see
`leads.rules.check_status`): the status needs the account, contact and deal made here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.tables import ACCOUNT, CONTACT, DEAL, LEAD

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings


def get_lead(conn: Connection, ref: str) -> RowMapping:
    """The lead `ref` (an id) names, not forgotten; NotFound (exit 3) otherwise."""
    from salescli.services import rows

    number = as_id((ref or "").strip())
    lead = rows.get(conn, LEAD, number) if number is not None else None
    if lead is None or lead["forgotten"]:
        raise NotFound(f"lead '{ref}' not found (see: salescli lead list)")
    return lead


def _refuse_twice(conn: Connection, lead: RowMapping, tz: str) -> None:
    """A lead converts once: say when, and what it became."""
    if lead["status"] != "converted" and lead["converted_at"] is None:
        return
    first = sa.select(DEAL.c.id).where(DEAL.c.lead_id == lead["id"]).order_by(DEAL.c.id)
    deal = conn.execute(first.limit(1)).scalar()
    if deal is not None:
        what = f"deal {deal}"
    else:
        query = sa.select(CONTACT.c.id).where(CONTACT.c.lead_id == lead["id"])
        contact = conn.execute(query.order_by(CONTACT.c.id).limit(1)).scalar()
        what = f"contact {contact}, no deal" if contact is not None else "no deal"
    when = ""
    if lead["converted_at"] is not None:
        from zoneinfo import ZoneInfo

        when = f" on {lead['converted_at'].astimezone(ZoneInfo(tz)).date().isoformat()}"
    raise InvalidData(f"lead {lead['id']} was converted{when} ({what}); a lead converts once")


def convert(
    conn: Connection,
    lead: RowMapping,
    *,
    now: dt.datetime,
    settings: Settings,
    account: str | None = None,
    owner: str | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    stage: str | None = None,
    close_date: dt.date | None = None,
    title: str | None = None,
    with_deal: bool = True,
) -> dict:
    """Convert `lead` in the caller's transaction; returns the ids of what it became.

    The account is `account` (id or name) or the lead's company, reused when one by that name
    exists (ignoring case) and created otherwise; the contact copies the lead's name, email,
    phone and title; the deal keeps the lead's source for attribution. `owner` (id, name or
    `me`, services.scope) defaults to the lead's owner, else you.
    """
    from salescli.services import rows, scope
    from salescli.services.leads import records as leads

    _refuse_twice(conn, lead, settings.timezone)
    name = (account or "").strip() or (lead["company"] or "").strip()
    if not name:
        raise InvalidData(
            f"lead {lead['id']} has no company: name the account with --account (e.g. --account 'Acme GmbH')"
        )
    owner_id = scope.rep_id(conn, owner, settings) if owner else lead["owner_id"]
    if owner_id is None:
        owner_id = leads.owner_id(conn, None, settings)
    number = as_id(name)
    found = rows.get(conn, ACCOUNT, number) if number is not None else None
    made = _make(conn, lead, found, name, owner_id=owner_id, now=now, settings=settings,
                 deal=dict(amount=amount, currency=currency, stage=stage, close_date=close_date,
                           title=title) if with_deal else None)  # fmt: skip
    rows.update(
        conn, LEAD, lead["id"], {"status": "converted", "converted_at": now, "updated_at": now}
    )
    return {"lead_id": lead["id"], **made}


def _make(
    conn: Connection,
    lead: RowMapping,
    found: RowMapping | None,
    name: str,
    *,
    owner_id: int | None,
    now: dt.datetime,
    settings: Settings,
    deal: dict[str, Any] | None,
) -> dict[str, Any]:
    """The account (found or made), the contact and the deal, through their services (the
    same rules as `account add`, `contact add` and `deal add`)."""
    from salescli.services.accounts import records as accounts
    from salescli.services.contacts import records as contacts
    from salescli.services.deals import records as deals
    from salescli.services.leads import records as leads

    if found is not None:
        target, created = found, False
    else:
        target, created = accounts.get_or_create(
            conn, name, now, owner_id=owner_id, territory=lead["territory"]
        )
    last = lead["last_contact_at"]
    # The person was already talked to as a lead: the customer record keeps that.
    contact_id = contacts.create(
        conn, name=lead["name"], now=now, email=lead["email"], phone=lead["phone"],
        title=lead["title"], account_id=target["id"], owner_id=owner_id, lead_id=lead["id"],
        last_contact_at=last,
    )  # fmt: skip
    if last is not None:
        accounts.touch_last_contact(conn, target["id"], last)
    deal_id = None
    if deal is not None:
        deal_id = deals.create(
            conn,
            title=deal["title"] or f"{target['name']} – {lead['name']}",
            amount=deal["amount"], currency=deal["currency"], account_id=target["id"],
            contact_id=contact_id, owner_id=owner_id, stage=deal["stage"],
            close_date=deal["close_date"], source=lead["source"], deal_type=None,
            lead_id=lead["id"], probability=None, forecast_category=None, now=now,
            actor=leads.actor(conn, settings), settings=settings,
        )  # fmt: skip
    return {
        "account_id": target["id"],
        "account": target["name"],
        "contact_id": contact_id,
        "deal_id": deal_id,
        "account_created": created,
    }
