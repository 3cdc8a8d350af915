"""The activity log: calls, emails, meetings and notes on a lead, deal, contact or account."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, UsageError
from salescli.ids import as_id
from salescli.instants import utc

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Activity

KINDS = ("call", "email", "meeting", "note")
TARGETS = ("lead", "deal", "contact", "account")


def check_kind(kind: str) -> str:
    value = kind.strip().lower()
    if value not in KINDS:
        raise UsageError(f"kind '{kind}' is not one of: {', '.join(KINDS)} (e.g. call)")
    return value


def one_target(**targets: str | None) -> tuple[str, str]:
    """Exactly one of --lead/--deal/--contact/--account: (kind, ref); none or two → exit 2."""
    given = [(kind, ref) for kind, ref in targets.items() if ref is not None and ref != ""]
    if len(given) != 1:
        named = ", ".join(f"--{kind}" for kind, _ in given) or "none"
        raise UsageError(
            "give exactly one record to log on: --lead ID, --deal ID, --contact ID or "
            f"--account ID (got {named}; e.g. --deal 12)"
        )
    return given[0]


def _forward(current: dt.datetime | None, at: dt.datetime) -> dt.datetime:
    """Last-contact times only move forward: a back-dated log keeps a later one."""
    return at if current is None or at > current else current


def _touch_account(session: Session, account_id: int | None, at: dt.datetime) -> None:
    from salescli.models import Account

    account = session.get(Account, account_id) if account_id else None
    if account is not None:
        account.last_contact_at = _forward(account.last_contact_at, at)
        session.add(account)


def resolve_target(session: Session, kind: str, ref: str) -> Any:
    """The lead, deal, contact or account named by `ref` (an id; accounts/contacts also by name)."""
    from salescli.errors import NotFound
    from salescli.models import Deal, Lead
    from salescli.services import accounts, contacts

    if kind == "account":
        return accounts.resolve(session, ref)
    if kind == "contact":
        return contacts.resolve(session, ref)
    model = Lead if kind == "lead" else Deal
    number = as_id(ref)
    record = session.get(model, number) if number is not None else None
    if record is None or (kind == "lead" and getattr(record, "forgotten", False)):
        raise NotFound(f"{kind} '{ref}' not found (see: salescli {kind} list)")
    return record


def log(
    session: Session,
    *,
    kind: str,
    target: str,
    record: Any,
    at: dt.datetime,
    now: dt.datetime,
    rep_id: int | None = None,
    outcome: str | None = None,
    text: str = "",
) -> Activity:
    """Record an activity on `record` (a Lead, Deal, Contact or Account) and update last contact.

    A lead's last contact (status new → contacted, score refreshed); a contact's and its
    account's; a deal's last activity (the stale timer) and its account's last contact.
    """
    from salescli.models import Activity

    kind = check_kind(kind)
    at, now = utc(at), utc(now)
    if target not in TARGETS:
        raise UsageError(f"record type '{target}' is not one of: {', '.join(TARGETS)}")
    if at > now:
        raise InvalidData(
            f"at '{at.isoformat()}' is in the future: the log records what happened "
            "(e.g. --at 2026-11-20T14:30, or --at yesterday)"
        )
    text = (text or "").strip()
    outcome = (outcome or "").strip() or None
    if not text and not outcome:
        raise InvalidData(f'a {kind} needs a text or an --outcome (e.g. "Discussed pricing")')
    activity = Activity(
        kind=kind,
        rep_id=rep_id,
        occurred_at=at,
        outcome=outcome,
        text=text,
        created_at=now,
        **{f"{target}_id": record.id},
    )
    session.add(activity)
    _touch(session, target, record, at, now)
    session.flush()
    return activity


def _touch(session: Session, target: str, record: Any, at: dt.datetime, now: dt.datetime) -> None:
    if target == "lead":
        record.last_contact_at = _forward(record.last_contact_at, at)
        if record.status == "new":
            record.status = "contacted"
            record.updated_at = now
        session.add(record)
        _refresh_score(session, record, now)
    elif target == "deal":
        record.last_activity_at = _forward(record.last_activity_at, at)
        session.add(record)
        _touch_account(session, record.account_id, at)
    elif target == "contact":
        record.last_contact_at = _forward(record.last_contact_at, at)
        session.add(record)
        _touch_account(session, record.account_id, at)
    else:
        _touch_account(session, record.id, at)


def _refresh_score(session: Session, lead: Any, now: dt.datetime) -> None:
    """Re-score the lead (its score weighs recent contact)."""
    from salescli.services import scoring

    session.flush()
    scoring.refresh(session, lead, now)


def list_activities(
    session: Session,
    *,
    rep_id: int | None = None,
    kind: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    lead_id: int | None = None,
    deal_id: int | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
    strict: bool = False,
    limit: int | None = None,
    activity_id: int | None = None,
) -> list[dict]:
    """Activities newest first, filtered; [since, until) bounds `occurred_at` (UTC instants).

    `account_id` matches activities on the account, its contacts and its deals (unless
    `strict`); `deal_id`/`contact_id`/`lead_id` match that record only.
    """
    import sqlalchemy as sa

    from salescli.models import Activity, Contact, Deal, Rep

    stmt = sa.select(
        Activity.id,
        Activity.kind,
        Activity.occurred_at.label("at"),  # type: ignore[attr-defined]
        Rep.name.label("rep"),
        Activity.rep_id,
        Activity.lead_id,
        Activity.deal_id,
        Activity.contact_id,
        Activity.account_id,
        Activity.outcome,
        Activity.text,
    ).outerjoin(Rep, Rep.id == Activity.rep_id)
    if activity_id is not None:
        stmt = stmt.where(Activity.id == activity_id)
    if rep_id is not None:
        stmt = stmt.where(Activity.rep_id == rep_id)
    if kind is not None:
        stmt = stmt.where(Activity.kind == check_kind(kind))
    if since is not None:
        stmt = stmt.where(Activity.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(Activity.occurred_at < until)
    if lead_id is not None:
        stmt = stmt.where(Activity.lead_id == lead_id)
    if deal_id is not None:
        stmt = stmt.where(Activity.deal_id == deal_id)
    if contact_id is not None:
        stmt = stmt.where(Activity.contact_id == contact_id)
    if account_id is not None:
        if strict:
            stmt = stmt.where(Activity.account_id == account_id)
        else:
            contacts = sa.select(Contact.id).where(Contact.account_id == account_id)
            deals = sa.select(Deal.id).where(Deal.account_id == account_id)
            stmt = stmt.where(
                sa.or_(
                    Activity.account_id == account_id,
                    Activity.contact_id.in_(contacts),  # type: ignore[union-attr]
                    Activity.deal_id.in_(deals),  # type: ignore[union-attr]
                )
            )
    stmt = stmt.order_by(Activity.occurred_at.desc(), Activity.id.desc())  # type: ignore[attr-defined]
    if limit is not None:
        stmt = stmt.limit(limit)
    from salescli.services.accounts import record_ref

    rows = []
    for row in session.execute(stmt).mappings():
        item = dict(row)
        rows.append(
            {
                "id": item["id"],
                "kind": item["kind"],
                "at": item["at"],
                "rep": item["rep"],
                "rep_id": item["rep_id"],
                "record": record_ref(item),
                **{k: item[k] for k in ("lead_id", "deal_id", "contact_id", "account_id")},
                "outcome": item["outcome"],
                "text": item["text"],
            }
        )
    return rows


def record(session: Session, activity: Activity) -> dict:
    """One activity in the list's JSON shape."""
    return list_activities(session, activity_id=activity.id)[0]
