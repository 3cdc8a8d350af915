"""Deals: the record, creation, edits and deletion; entering a stage (with history).

Amounts are integer minor units in the deal's currency. A deal stores the probability and
forecast category it got on entering its stage (the stage defaults at that time, or explicit
overrides); a later change to the stage's defaults does not touch it.

Elsewhere: stage moves, win, lose and reopen in deal_moves.py; line items in deal_lines.py;
show, history and stale deals in deal_views.py; the `deal list` hot path (SQLAlchemy Core, no
sqlmodel) in deal_queries.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.instants import utc
from salescli.money import check_currency, from_minor, stated_currency, to_minor
from salescli.text import search_text

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Deal, Stage
    from salescli.services.config import Settings

DEAL_TYPES = ("new", "existing")
# A deal's state is the kind of its stage.
STATES = ("open", "won", "lost")
TITLE_MAX = 300


def clean_title(title: str) -> str:
    value = " ".join((title or "").split())
    if not value:
        raise InvalidData("deal title is empty (e.g. 'Acme – 50 seats')")
    if len(value) > TITLE_MAX:
        raise InvalidData(f"deal title '{value[:40]}…' is longer than {TITLE_MAX} characters")
    return value


def amount_minor(amount: Decimal | None, currency: str, field: str = "amount") -> int | None:
    """Exact minor units; refuses negative amounts and more decimals than the currency has.

    Also the check of the imports (deal_io, product_io): the error names the field, so a
    bad row's reject line does too.
    """
    from salescli.services.csvtypes import invalid

    if amount is None:
        return None
    if amount < 0:
        raise invalid(field, amount, "is negative (e.g. 12000)")
    minor = to_minor(amount, currency)
    if from_minor(minor, currency) != amount:
        raise invalid(field, amount, f"has more decimal places than {currency} allows")
    return minor


def check_close_day(day: dt.date | None, kind: str, today: dt.date, field: str = "close") -> None:
    """The one rule for a closed deal's close date, for win/lose, edit and import: a won or lost
    deal closed on a day that has happened (today at the latest)."""
    if day is not None and kind != "open" and day > today:
        raise InvalidData(
            f"{field} '{day.isoformat()}' is in the future: a {kind} deal closes on the day it "
            f"happens (e.g. {today.isoformat()})"
        )


def actor_name(actor: str | None, settings: Settings, session: Session) -> str:
    """Who made a change, as their rep record spells it (SALESCLI_REP / config me)."""
    from salescli.services import reps

    return actor or reps.me_name(session, settings) or "unknown"


def get(session: Session, deal_id: int | str) -> Deal:
    from salescli.models import Deal

    value = str(deal_id).strip()
    number = as_id(value)
    deal = session.get(Deal, number) if number is not None else None
    if deal is None:
        raise NotFound(f"deal '{deal_id}' not found (see: salescli deal list)")
    return deal


def stage_of(session: Session, stage_id: int) -> Stage:
    from salescli.models import Stage

    stage = session.get(Stage, stage_id)
    assert stage is not None
    return stage


def _has_won_deal(session: Session, account_id: int, exclude: int | None = None) -> bool:
    import sqlalchemy as sa

    from salescli.models import Deal, Stage

    query = (
        sa.select(sa.func.count(Deal.id))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.account_id == account_id, Stage.kind == "won")
    )
    if exclude is not None:
        query = query.where(Deal.id != exclude)
    return bool(session.execute(query).scalar_one())


def _account_name(session: Session, account_id: int | None) -> str | None:
    from salescli.models import Account

    if account_id is None:
        return None
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account '{account_id}' not found (see: salescli account list)")
    return account.name


def search_text_of(session: Session, deal: Deal) -> str:
    """The deal's searchable copy: its title and its account's name, folded."""
    return search_text(deal.title, _account_name(session, deal.account_id))


def _check_type(value: str) -> str:
    if value not in DEAL_TYPES:
        raise InvalidData(f"type '{value}' is not one of new, existing (e.g. --type new)")
    return value


def record_change(
    session: Session,
    deal: Deal,
    from_stage_id: int | None,
    stage: Stage,
    now: dt.datetime,
    actor: str,
) -> None:
    from salescli.models import StageChange

    session.add(
        StageChange(
            deal_id=deal.id,
            from_stage_id=from_stage_id,
            to_stage_id=stage.id,
            probability=deal.probability,
            changed_at=utc(now),
            changed_by=actor,
            amount_minor=deal.amount_minor,
            currency=deal.currency,
        )
    )


def apply_stage(
    deal: Deal, stage: Stage, probability: int | None, category: str | None, now: dt.datetime
) -> None:
    """Enter `stage`: its current defaults unless this very change overrides them."""
    from salescli.services import stages

    deal.stage_id = stage.id  # type: ignore[assignment]
    if probability is not None:
        deal.probability = stages.check_probability(probability)
    else:
        deal.probability = stage.probability
    deal.probability_override = probability is not None
    if category is not None:
        deal.forecast_category = stages.check_category(category)
    else:
        deal.forecast_category = stage.forecast_category
    deal.category_override = category is not None
    deal.stage_entered_at = utc(now)
    deal.updated_at = utc(now)


def create(
    session: Session,
    *,
    title: str,
    amount: Decimal | None,
    currency: str | None,
    account_id: int | None,
    contact_id: int | None,
    owner_id: int | None,
    stage: str | None,
    close_date: dt.date | None,
    source: str | None,
    deal_type: str | None,
    lead_id: int | None,
    probability: int | None,
    forecast_category: str | None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """A new deal in an open stage (default: the first), with its first stage-history row.

    owner_id None → "me" when that rep exists; currency None → the configured currency;
    deal_type None → `existing` when the account already has a won deal, else `new`.
    """
    from salescli.models import Contact, Deal, Rep
    from salescli.services import reps, stages

    clean = clean_title(title)
    code = check_currency(currency or settings.currency)
    minor = amount_minor(amount, code)
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound(f"contact '{contact_id}' not found (see: salescli contact list)")
        if account_id is None:
            account_id = contact.account_id
    account_name = _account_name(session, account_id)
    if owner_id is not None:
        if session.get(Rep, owner_id) is None:
            raise NotFound(f"rep '{owner_id}' not found (see: salescli rep list)")
    else:
        me = reps.default_owner(session, settings)
        owner_id = me.id if me is not None else None
    target = stages.get_open(session, stage) if stage else stages.first_open(session)
    if deal_type is None:
        deal_type = "existing" if account_id and _has_won_deal(session, account_id) else "new"
    at = utc(now)
    deal = Deal(
        title=clean,
        account_id=account_id,
        contact_id=contact_id,
        owner_id=owner_id,
        lead_id=lead_id,
        amount_minor=minor,
        currency=code,
        stage_id=target.id,  # type: ignore[arg-type]
        probability=0,
        forecast_category="pipeline",
        close_date=close_date,
        source=(source or "").strip() or None,
        deal_type=_check_type(deal_type),
        search_text=search_text(clean, account_name),
        created_at=at,
        updated_at=at,
        stage_entered_at=at,
    )
    apply_stage(deal, target, probability, forecast_category, now)
    session.add(deal)
    session.flush()
    record_change(session, deal, None, target, now, actor_name(actor, settings, session))
    session.flush()
    return deal


def account_for(session: Session, ref: str, now: dt.datetime) -> tuple[int, bool]:
    """An account by id or name; a name that does not exist yet creates it. (id, created)."""
    from salescli.services import accounts

    conn = session.connection()  # port: accounts run on Core
    try:
        return accounts.resolve(conn, ref)["id"], False
    except NotFound:
        if ref.strip().isdigit():  # a number is never taken for a new account's name
            raise
    account, created = accounts.get_or_create(conn, ref, utc(now))
    return account["id"], created


def contact_for(session: Session, ref: str, account_id: int | None = None) -> int:
    from salescli.services import contacts

    return contacts.resolve(session.connection(), ref, account_id)["id"]  # port: Core


def me_or(ref: str, settings: Settings) -> str:
    """`ref`, or the configured rep's name when `ref` is `me`."""
    if ref.strip().casefold() != "me":
        return ref
    if not settings.me:
        raise NotFound("owner 'me' is not set (salescli config set me NAME, or SALESCLI_REP)")
    return settings.me


def owner_for(session: Session, ref: str, settings: Settings) -> int:
    """A rep by id or name; `me` means the configured rep."""
    from salescli.services import reps

    return reps.resolve(session, me_or(ref, settings)).id  # type: ignore[return-value]


# ---- one deal as a record ------------------------------------------------------------------


def record(session: Session, deal: Deal) -> dict[str, Any]:
    """The deal in the JSON shape of `deal list`, plus its detail fields."""
    from salescli.models import Contact, LostReason, Rep

    stage = stage_of(session, deal.stage_id)
    contact = session.get(Contact, deal.contact_id) if deal.contact_id else None
    owner = session.get(Rep, deal.owner_id) if deal.owner_id else None
    reason = session.get(LostReason, deal.lost_reason_id) if deal.lost_reason_id else None
    return {
        "id": deal.id,
        "title": deal.title,
        "account": _account_name(session, deal.account_id),
        "account_id": deal.account_id,
        "contact": contact.name if contact else None,
        "contact_id": deal.contact_id,
        "owner": owner.name if owner else None,
        "owner_id": deal.owner_id,
        "amount": from_minor(deal.amount_minor, deal.currency),
        "currency": deal.currency,
        "stage": stage.name,
        "stage_id": deal.stage_id,
        "status": stage.kind,
        "probability": deal.probability,
        "probability_override": deal.probability_override,
        "forecast_category": deal.forecast_category,
        "category_override": deal.category_override,
        "close_date": deal.close_date,
        "source": deal.source,
        "type": deal.deal_type,
        "lost_reason": reason.name if reason else None,
        "lost_note": deal.lost_note,
        "lead_id": deal.lead_id,
        "created_at": utc(deal.created_at),
        "updated_at": utc(deal.updated_at),
        "stage_entered_at": utc(deal.stage_entered_at),
        "last_activity_at": utc(deal.last_activity_at),
    }


# ---- changes ---------------------------------------------------------------------------------


def edit(
    session: Session, deal_id: int | str, *, now: dt.datetime, changes: dict[str, Any]
) -> Deal:
    """Apply `changes`: title, amount (text), currency, account_id, contact_id, owner_id,
    close_date, source, deal_type, probability, forecast_category. A deal with line items
    takes its amount from them (an explicit amount is refused)."""
    import sqlalchemy as sa

    from salescli.models import DealLine
    from salescli.money import parse_amount
    from salescli.services import stages

    deal = get(session, deal_id)
    unknown = set(changes) - {
        "title",
        "amount",
        "currency",
        "account_id",
        "contact_id",
        "owner_id",
        "close_date",
        "source",
        "deal_type",
        "probability",
        "forecast_category",
    }
    if unknown:
        raise InvalidData(f"deal fields {', '.join(sorted(unknown))} cannot be edited")
    has_lines = session.execute(
        sa.select(sa.exists().where(DealLine.deal_id == deal.id))
    ).scalar_one()
    if "title" in changes:
        deal.title = clean_title(changes["title"])
    if changes.get("amount") and "currency" not in changes:
        # An amount that names its currency (`€15,000`) sets it, as `deal add` does.
        stated = stated_currency(changes["amount"])
        if stated and deal.currency not in stated[1]:
            changes = {**changes, "currency": stated[0]}
    if "currency" in changes:
        code = check_currency(changes["currency"])
        if code != deal.currency and has_lines:
            raise InvalidData(
                f"deal {deal.id} has line items priced in {deal.currency}: remove them "
                "before changing its currency"
            )
        if "amount" not in changes:
            deal.amount_minor = amount_minor(from_minor(deal.amount_minor, deal.currency), code)
        deal.currency = code
    if "amount" in changes:
        if has_lines:
            raise InvalidData(
                f"deal {deal.id} has line items: its amount is their sum "
                f"(see: salescli deal line list {deal.id})"
            )
        text = changes["amount"]
        deal.amount_minor = (
            None if text is None else amount_minor(parse_amount(text, deal.currency), deal.currency)
        )
    if "close_date" in changes:
        today = now.date()
        check_close_day(changes["close_date"], stage_of(session, deal.stage_id).kind, today)
    for key in ("account_id", "contact_id", "owner_id", "close_date"):
        if key in changes:
            setattr(deal, key, changes[key])
    if "source" in changes:
        deal.source = (changes["source"] or "").strip() or None
    if "deal_type" in changes:
        deal.deal_type = _check_type(changes["deal_type"])
    if changes.get("probability") is not None:
        require_open(session, deal, "change the probability of")
        deal.probability = stages.check_probability(changes["probability"])
        deal.probability_override = True
    if changes.get("forecast_category") is not None:
        require_open(session, deal, "change the category of")
        deal.forecast_category = stages.check_category(changes["forecast_category"])
        deal.category_override = True
    deal.search_text = search_text_of(session, deal)
    deal.updated_at = utc(now)
    session.add(deal)
    session.flush()
    return deal


def require_open(session: Session, deal: Deal, action: str) -> Stage:
    stage = stage_of(session, deal.stage_id)
    if stage.kind != "open":
        raise InvalidData(
            f"deal {deal.id} is {stage.kind}: cannot {action} it; reopen it first "
            f"(salescli deal reopen {deal.id})"
        )
    return stage


def dependents(session: Session, deal_id: int | str) -> dict[str, Any]:
    """What a delete takes with it (for the confirmation question)."""
    import sqlalchemy as sa

    from salescli.models import Activity, DealLine, StageChange, Task

    deal = get(session, deal_id)

    def count(model: Any) -> int:
        return int(
            session.execute(
                sa.select(sa.func.count()).select_from(model).where(model.deal_id == deal.id)
            ).scalar_one()
        )

    return {
        "id": deal.id,
        "title": deal.title,
        "stage_changes": count(StageChange),
        "activities": count(Activity),
        "tasks": count(Task),
        "lines": count(DealLine),
    }


def delete(session: Session, deal_id: int | str) -> dict[str, Any]:
    """Delete the deal with its history, lines, activities and tasks."""
    import sqlalchemy as sa

    from salescli.models import Activity, Deal, DealLine, StageChange, Task

    summary = dependents(session, deal_id)
    for model in (DealLine, StageChange, Activity, Task):
        session.execute(sa.delete(model).where(model.deal_id == summary["id"]))
    session.execute(sa.delete(Deal).where(Deal.id == summary["id"]))  # type: ignore[arg-type]
    return summary
