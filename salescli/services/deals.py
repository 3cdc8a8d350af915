"""Deals: creation, stage moves (with history), win/lose/reopen, line items, stale deals.

Amounts are integer minor units in the deal's currency. A deal stores the probability and
forecast category it got on entering its stage (the stage defaults at that time, or explicit
overrides); a later change to the stage's defaults does not touch it.

`list_deals` and `totals` are the `deal list` hot path: SQLAlchemy Core over a Connection with
lightweight table clauses, no sqlmodel import. Everything else uses the ORM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.money import MAX_MAJOR, check_currency, from_minor, to_minor
from salescli.text import fold, like_pattern, search_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from salescli.models import Deal, DealLine, Stage
    from salescli.services.config import Settings

DEAL_TYPES = ("new", "existing")
SORTS = ("close", "amount", "created", "stage", "probability")
STATES = ("open", "won", "lost")
TITLE_MAX = 300


def utc(value: dt.datetime) -> dt.datetime:
    """A plain aware UTC datetime (pendulum instances are converted)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.datetime.fromtimestamp(value.timestamp(), dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def clean_title(title: str) -> str:
    value = " ".join((title or "").split())
    if not value:
        raise InvalidData("deal title is empty (e.g. 'Acme – 50 seats')")
    if len(value) > TITLE_MAX:
        raise InvalidData(f"deal title '{value[:40]}…' is longer than {TITLE_MAX} characters")
    return value


def amount_minor(amount: Decimal | None, currency: str, field: str = "amount") -> int | None:
    """Exact minor units; refuses negative amounts and more decimals than the currency has."""
    if amount is None:
        return None
    if amount < 0:
        raise InvalidData(f"{field} '{amount}' is negative (e.g. 12000)")
    minor = to_minor(amount, currency)
    if from_minor(minor, currency) != amount:
        raise InvalidData(f"{field} '{amount}' has more decimal places than {currency} allows")
    return minor


def actor_name(actor: str | None, settings: Settings) -> str:
    return actor or settings.me or "unknown"


def get(session: Session, deal_id: int | str) -> Deal:
    from salescli.models import Deal

    value = str(deal_id).strip()
    deal = session.get(Deal, int(value)) if value.isdigit() else None
    if deal is None:
        raise NotFound(f"deal '{deal_id}' not found (see: salescli deal list)")
    return deal


def _stage(session: Session, stage_id: int) -> Stage:
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


_search = search_text_of  # the name services/accounts.py uses


def _check_type(value: str) -> str:
    if value not in DEAL_TYPES:
        raise InvalidData(f"type '{value}' is not one of new, existing (e.g. --type new)")
    return value


def _record_change(
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
        )
    )


def _apply_stage(
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
    _apply_stage(deal, target, probability, forecast_category, now)
    session.add(deal)
    session.flush()
    _record_change(session, deal, None, target, now, actor_name(actor, settings))
    session.flush()
    return deal


def account_for(session: Session, ref: str, now: dt.datetime) -> tuple[int, bool]:
    """An account by id or name; a name that does not exist yet creates it. (id, created)."""
    from salescli.services import accounts

    try:
        return accounts.resolve(session, ref).id, False  # type: ignore[return-value]
    except NotFound:
        if ref.strip().isdigit():
            raise
    account, created = accounts.get_or_create(session, ref, utc(now))
    return account.id, created  # type: ignore[return-value]


def contact_for(session: Session, ref: str, account_id: int | None = None) -> int:
    from salescli.services import contacts

    return contacts.resolve(session, ref, account_id).id  # type: ignore[return-value]


def owner_for(session: Session, ref: str, settings: Settings) -> int:
    """A rep by id or name; `me` means the configured rep."""
    from salescli.services import reps

    if ref.strip().casefold() == "me":
        if not settings.me:
            raise NotFound("owner 'me' is not set (salescli config set me NAME, or SALESCLI_REP)")
        ref = settings.me
    return reps.resolve(session, ref).id  # type: ignore[return-value]


# ---- one deal as a record ------------------------------------------------------------------


def record(session: Session, deal: Deal) -> dict[str, Any]:
    """The deal in the JSON shape of `deal list`, plus its detail fields."""
    from salescli.models import Contact, LostReason, Rep

    stage = _stage(session, deal.stage_id)
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
        "created_at": _aware(deal.created_at),
        "updated_at": _aware(deal.updated_at),
        "stage_entered_at": _aware(deal.stage_entered_at),
        "last_activity_at": _aware(deal.last_activity_at),
    }


def show(session: Session, deal_id: int | str, now: dt.datetime) -> dict[str, Any]:
    """The record plus `stage_history`, `activities`, `tasks` and `lines`."""
    import sqlalchemy as sa

    from salescli.models import Activity, Rep, Task

    deal = get(session, deal_id)
    result = record(session, deal)
    result["stage_history"] = history(session, deal.id, now)  # type: ignore[arg-type]
    acts = session.execute(
        sa.select(Activity, Rep.name)
        .outerjoin(Rep, Rep.id == Activity.rep_id)
        .where(Activity.deal_id == deal.id)
        .order_by(Activity.occurred_at, Activity.id)
    ).all()
    result["activities"] = [
        {
            "id": a.id,
            "kind": a.kind,
            "at": _aware(a.occurred_at),
            "rep": rep,
            "outcome": a.outcome,
            "text": a.text,
        }
        for a, rep in acts
    ]
    tasks = session.execute(
        sa.select(Task, Rep.name)
        .outerjoin(Rep, Rep.id == Task.owner_id)
        .where(Task.deal_id == deal.id)
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)  # type: ignore[union-attr]
    ).all()
    result["tasks"] = [
        {
            "id": t.id,
            "title": t.title,
            "due_at": _aware(t.due_at),
            "owner": owner,
            "priority": t.priority,
            "done": t.done_at is not None,
        }
        for t, owner in tasks
    ]
    result["lines"] = list_lines(session, deal.id)  # type: ignore[arg-type]
    return result


def history(session: Session, deal_id: int | str, now: dt.datetime) -> list[dict[str, Any]]:
    """Every stage the deal entered, oldest first, with whole days spent in it."""
    import sqlalchemy as sa

    from salescli.models import Stage, StageChange

    deal = get(session, deal_id)
    names = dict(session.execute(sa.select(Stage.id, Stage.name)).all())
    changes = list(
        session.execute(
            sa.select(StageChange)
            .where(StageChange.deal_id == deal.id)
            .order_by(StageChange.changed_at, StageChange.id)
        ).scalars()
    )
    rows = []
    for index, change in enumerate(changes):
        start = _aware(change.changed_at)
        end = _aware(changes[index + 1].changed_at) if index + 1 < len(changes) else utc(now)
        assert start is not None and end is not None
        rows.append(
            {
                "from": names.get(change.from_stage_id) if change.from_stage_id else None,
                "to": names.get(change.to_stage_id),
                "changed_at": start,
                "changed_by": change.changed_by,
                "probability": change.probability,
                "days_in_stage": max((end - start).days, 0),
            }
        )
    return rows


# ---- changes ---------------------------------------------------------------------------------


def edit(
    session: Session, deal_id: int | str, *, now: dt.datetime, changes: dict[str, Any]
) -> Deal:
    """Apply `changes`: title, amount (text), currency, account_id, contact_id, owner_id,
    close_date, source, deal_type, probability, forecast_category. A deal with line items
    takes its amount from them (an explicit amount is refused)."""
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
    has_lines = bool(list_lines(session, deal.id))  # type: ignore[arg-type]
    if "title" in changes:
        deal.title = clean_title(changes["title"])
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
    for key in ("account_id", "contact_id", "owner_id", "close_date"):
        if key in changes:
            setattr(deal, key, changes[key])
    if "source" in changes:
        deal.source = (changes["source"] or "").strip() or None
    if "deal_type" in changes:
        deal.deal_type = _check_type(changes["deal_type"])
    if changes.get("probability") is not None:
        _require_open(session, deal, "change the probability of")
        deal.probability = stages.check_probability(changes["probability"])
        deal.probability_override = True
    if changes.get("forecast_category") is not None:
        _require_open(session, deal, "change the category of")
        deal.forecast_category = stages.check_category(changes["forecast_category"])
        deal.category_override = True
    deal.search_text = _search(session, deal)
    deal.updated_at = utc(now)
    session.add(deal)
    session.flush()
    return deal


def _require_open(session: Session, deal: Deal, action: str) -> Stage:
    stage = _stage(session, deal.stage_id)
    if stage.kind != "open":
        raise InvalidData(
            f"deal {deal.id} is {stage.kind}: cannot {action} it; reopen it first "
            f"(salescli deal reopen {deal.id})"
        )
    return stage


def move(
    session: Session,
    deal_id: int | str,
    stage_name: str,
    *,
    probability: int | None,
    category: str | None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Move an open deal to another open stage; the new stage's defaults apply unless overridden."""
    from salescli.services import stages

    deal = get(session, deal_id)
    current = _require_open(session, deal, "move")
    target = stages.get(session, stage_name)
    if target.kind != "open":
        verb = "win" if target.kind == "won" else "lose"
        extra = " --reason REASON" if target.kind == "lost" else ""
        raise InvalidData(
            f"a deal reaches the {target.kind} stage through salescli deal {verb} {deal.id}{extra}"
            f", not deal move"
        )
    if target.id == current.id:
        raise InvalidData(
            f"deal {deal.id} is already in {current.name} "
            f"(to change its probability: salescli deal edit {deal.id} --probability 40)"
        )
    _apply_stage(deal, target, probability, category, now)
    _record_change(session, deal, current.id, target, now, actor_name(actor, settings))
    session.flush()
    return deal


def win(
    session: Session,
    deal_id: int | str,
    *,
    on: dt.date,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Close an open deal as won on `on` (its close date)."""
    from salescli.services import stages

    deal = get(session, deal_id)
    current = _require_open(session, deal, "win")
    target = stages.closed_stage(session, "won")
    _apply_stage(deal, target, None, None, now)
    deal.close_date = on
    _record_change(session, deal, current.id, target, now, actor_name(actor, settings))
    session.flush()
    return deal


def lose(
    session: Session,
    deal_id: int | str,
    *,
    reason: str,
    note: str | None,
    on: dt.date,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Close an open deal as lost for a reason from the lost-reason list."""
    from salescli.services import stages

    deal = get(session, deal_id)
    current = _require_open(session, deal, "lose")
    lost_reason = stages.get_reason(session, reason)
    if note is not None and len(note) > 500:
        raise InvalidData("note is longer than 500 characters")
    target = stages.closed_stage(session, "lost")
    _apply_stage(deal, target, None, None, now)
    deal.close_date = on
    deal.lost_reason_id = lost_reason.id
    deal.lost_note = (note or "").strip() or None
    _record_change(session, deal, current.id, target, now, actor_name(actor, settings))
    session.flush()
    return deal


def reopen(
    session: Session,
    deal_id: int | str,
    *,
    stage: str | None,
    now: dt.datetime,
    actor: str | None,
    settings: Settings,
) -> Deal:
    """Back to the stage the deal was in before it closed (or `stage`); the lost reason goes."""
    import sqlalchemy as sa

    from salescli.models import StageChange
    from salescli.services import stages

    deal = get(session, deal_id)
    current = _stage(session, deal.stage_id)
    if current.kind == "open":
        raise InvalidData(f"deal {deal.id} is open (in {current.name}): nothing to reopen")
    if stage is not None:
        target = stages.get_open(session, stage)
    else:
        previous = session.execute(
            sa.select(StageChange.from_stage_id)
            .where(StageChange.deal_id == deal.id, StageChange.to_stage_id == current.id)
            .order_by(StageChange.changed_at.desc(), StageChange.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).scalar()
        candidate = _stage(session, previous) if previous else None
        if candidate is None or candidate.kind != "open":
            candidate = stages.first_open(session)
        target = candidate
    _apply_stage(deal, target, None, None, now)
    deal.lost_reason_id = None
    deal.lost_note = None
    _record_change(session, deal, current.id, target, now, actor_name(actor, settings))
    session.flush()
    return deal


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


# ---- stale deals ----------------------------------------------------------------------------


def stale(
    session: Session, *, now: dt.datetime, days: int | None = None, owner_id: int | None = None
) -> list[dict[str, Any]]:
    """Open deals idle (no stage change, no activity) for at least their stage's stale days
    (or `days`), the longest idle first."""
    import sqlalchemy as sa

    from salescli.models import Activity, Deal, Rep, Stage

    if days is not None and days < 1:
        raise InvalidData(f"days '{days}' must be at least 1 (e.g. --days 30)")
    last_act = (
        sa.select(Activity.deal_id, sa.func.max(Activity.occurred_at).label("at"))
        .where(Activity.deal_id.is_not(None))  # type: ignore[union-attr]
        .group_by(Activity.deal_id)
        .subquery()
    )
    query = (
        sa.select(Deal, Stage.name, Stage.stale_days, Rep.name, last_act.c.at)
        .join(Stage, Stage.id == Deal.stage_id)
        .outerjoin(Rep, Rep.id == Deal.owner_id)
        .outerjoin(last_act, last_act.c.deal_id == Deal.id)
        .where(Stage.kind == "open")
    )
    if owner_id is not None:
        query = query.where(Deal.owner_id == owner_id)
    at_now = utc(now)
    rows = []
    for deal, stage_name, stage_days, owner, activity_at in session.execute(query).all():
        times = [_aware(deal.stage_entered_at), _aware(deal.last_activity_at)]
        times.append(_aware(activity_at))
        last = max(t for t in times if t is not None)
        limit = days if days is not None else stage_days
        idle = at_now - last
        if idle >= dt.timedelta(days=limit):
            rows.append(
                {
                    "id": deal.id,
                    "title": deal.title,
                    "owner": owner,
                    "owner_id": deal.owner_id,
                    "stage": stage_name,
                    "idle_days": idle.days,
                    "stale_after": limit,
                    "last_touch_at": last,
                    "_idle": idle,
                }
            )
    rows.sort(key=lambda r: (-r["_idle"], r["id"]))
    for row in rows:
        del row["_idle"]
    return rows


# ---- line items -----------------------------------------------------------------------------


def parse_discount(text: str | None) -> int:
    """`10%`, `12.5%` or `10` → basis points (1000, 1250, 1000)."""
    if text is None or not text.strip():
        return 0
    from salescli.money import parse_decimal

    example = "e.g. 10% or 12.5%"
    percent = parse_decimal(text.strip().rstrip("%"), field="discount", example=example)
    bp = percent * 100
    if bp != bp.to_integral_value():
        raise InvalidData(f"discount '{text}' has more than 2 decimal places ({example})")
    if not 0 <= bp <= 10000:
        raise InvalidData(f"discount '{text}' must be between 0% and 100% ({example})")
    return int(bp)


def line_amount(quantity: int, unit_minor: int, discount_bp: int) -> int:
    """quantity × unit price less the discount, rounded half-to-even once, in minor units."""
    gross = Decimal(quantity) * Decimal(unit_minor) * Decimal(10000 - discount_bp)
    return int((gross / Decimal(10000)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _recompute(session: Session, deal: Deal, now: dt.datetime) -> bool:
    """amount = sum of lines; returns whether the deal still has lines."""
    import sqlalchemy as sa

    from salescli.models import DealLine

    session.flush()
    count, total = session.execute(
        sa.select(
            sa.func.count(DealLine.id),
            sa.cast(sa.func.sum(DealLine.amount_minor), sa.BigInteger),
        ).where(DealLine.deal_id == deal.id)
    ).one()
    if count and from_minor(int(total), deal.currency) >= MAX_MAJOR:  # type: ignore[operator]
        raise InvalidData(
            f"deal {deal.id}: the lines add up to more than 9999999999999 {deal.currency}"
        )
    deal.amount_minor = int(total) if count else None
    deal.updated_at = utc(now)
    session.add(deal)
    session.flush()
    return bool(count)


def add_line(
    session: Session,
    deal_id: int | str,
    product_ref: str,
    *,
    quantity: int,
    price: str | None,
    discount: str | None,
    now: dt.datetime,
) -> DealLine:
    """A line on the deal; the price defaults to the product's (same currency required)."""
    from salescli.models import DealLine
    from salescli.money import parse_amount
    from salescli.services import products

    deal = get(session, deal_id)
    product = products.resolve(session, product_ref)
    if quantity < 1:
        raise InvalidData(f"qty '{quantity}' must be a whole number of at least 1 (e.g. --qty 2)")
    if price is not None:
        unit = amount_minor(parse_amount(price, deal.currency, field="price"), deal.currency)
    elif product.currency != deal.currency:
        raise InvalidData(
            f"product '{product.name}' is priced in {product.currency} but deal {deal.id} is in "
            f"{deal.currency}: give the unit price in {deal.currency} (e.g. --price 4500)"
        )
    else:
        unit = product.price_minor
    assert unit is not None
    bp = parse_discount(discount)
    amount = line_amount(quantity, unit, bp)
    line = DealLine(
        deal_id=deal.id,  # type: ignore[arg-type]
        product_id=product.id,  # type: ignore[arg-type]
        quantity=quantity,
        unit_price_minor=unit,
        discount_bp=bp,
        amount_minor=amount,
    )
    session.add(line)
    _recompute(session, deal, now)
    return line


def list_lines(session: Session, deal_id: int) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from salescli.models import Deal, DealLine, Product

    rows = session.execute(
        sa.select(DealLine, Product.name, Deal.currency)
        .join(Product, Product.id == DealLine.product_id)
        .join(Deal, Deal.id == DealLine.deal_id)
        .where(DealLine.deal_id == deal_id)
        .order_by(DealLine.id)
    ).all()
    return [
        {
            "id": line.id,
            "product": name,
            "product_id": line.product_id,
            "quantity": line.quantity,
            "unit_price": from_minor(line.unit_price_minor, currency),
            "discount": Decimal(line.discount_bp) / 100,
            "amount": from_minor(line.amount_minor, currency),
            "currency": currency,
        }
        for line, name, currency in rows
    ]


def remove_line(session: Session, deal_id: int | str, line_id: int, now: dt.datetime) -> bool:
    """Remove a line; returns whether the deal still has lines."""
    from salescli.models import DealLine

    deal = get(session, deal_id)
    line = session.get(DealLine, line_id)
    if line is None or line.deal_id != deal.id:
        raise NotFound(
            f"line '{line_id}' not found on deal {deal.id} (see: salescli deal line list {deal.id})"
        )
    session.delete(line)
    return _recompute(session, deal, now)


# ---- the list hot path (Core only) ----------------------------------------------------------


@dataclass
class Filters:
    stage: str | None = None
    owner: str | None = None
    team: str | None = None
    account: str | None = None
    state: str | None = None  # open / won / lost
    closing: tuple[dt.date, dt.date] | None = None  # [start, end)
    search: str | None = None


def _tables() -> dict[str, Any]:
    import sqlalchemy as sa

    return {
        "deal": sa.table(
            "deal",
            sa.column("id", sa.Integer()),
            sa.column("title", sa.String()),
            sa.column("account_id", sa.Integer()),
            sa.column("contact_id", sa.Integer()),
            sa.column("owner_id", sa.Integer()),
            sa.column("amount_minor", sa.BigInteger()),
            sa.column("currency", sa.String()),
            sa.column("stage_id", sa.Integer()),
            sa.column("probability", sa.Integer()),
            sa.column("forecast_category", sa.String()),
            sa.column("close_date", sa.Date()),
            sa.column("source", sa.String()),
            sa.column("deal_type", sa.String()),
            sa.column("lost_reason_id", sa.Integer()),
            sa.column("search_text", sa.String()),
            sa.column("created_at", sa.DateTime()),
            sa.column("updated_at", sa.DateTime()),
        ),
        "stage": sa.table(
            "stage",
            sa.column("id", sa.Integer()),
            sa.column("name", sa.String()),
            sa.column("position", sa.Integer()),
            sa.column("kind", sa.String()),
        ),
        "account": sa.table(
            "account",
            sa.column("id", sa.Integer()),
            sa.column("name", sa.String()),
            sa.column("name_key", sa.String()),
        ),
        "contact": sa.table(
            "contact", sa.column("id", sa.Integer()), sa.column("name", sa.String())
        ),
        "rep": sa.table(
            "rep",
            sa.column("id", sa.Integer()),
            sa.column("name", sa.String()),
            sa.column("name_key", sa.String()),
            sa.column("team", sa.String()),
            sa.column("manager_id", sa.Integer()),
        ),
        "lost": sa.table(
            "lostreason", sa.column("id", sa.Integer()), sa.column("name", sa.String())
        ),
    }


def _rep_id(conn: Connection, t: dict[str, Any], ref: str, settings: Settings) -> int:
    import sqlalchemy as sa

    rep = t["rep"]
    value = ref.strip()
    if value.casefold() == "me":
        if not settings.me:
            raise NotFound("owner 'me' is not set (salescli config set me NAME, or SALESCLI_REP)")
        value = settings.me.strip()
    if value.isdigit():
        found = conn.execute(sa.select(rep.c.id).where(rep.c.id == int(value))).scalar()
        if found is not None:
            return int(found)
    found = conn.execute(sa.select(rep.c.id).where(rep.c.name_key == fold(value))).scalar()
    if found is None:
        raise NotFound(f"rep '{ref}' not found (see: salescli rep list)")
    return int(found)


def _team_ids(conn: Connection, t: dict[str, Any], team: str) -> list[int]:
    """Reps whose team is `team`, or the rep named `team` and everyone under them."""
    import sqlalchemy as sa

    rep = t["rep"]
    rows = conn.execute(sa.select(rep.c.id, rep.c.name_key, rep.c.team, rep.c.manager_id)).all()
    key = fold(team)
    found = {r.id for r in rows if r.team and fold(r.team) == key}
    managers = [r.id for r in rows if r.name_key == key]
    children: dict[int, list[int]] = {}
    for r in rows:
        if r.manager_id is not None:
            children.setdefault(r.manager_id, []).append(r.id)
    seen: set[int] = set()
    queue = list(managers)
    while queue:
        rid = queue.pop()
        if rid not in seen:
            seen.add(rid)
            queue.extend(children.get(rid, []))
    found |= seen
    if not found:
        raise NotFound(
            f"team '{team}' not found: no rep has that team or that name (see: salescli rep list)"
        )
    return sorted(found)


def _where(conn: Connection, t: dict[str, Any], f: Filters, settings: Settings) -> list[Any]:
    import sqlalchemy as sa

    deal, stage, account = t["deal"], t["stage"], t["account"]
    clauses: list[Any] = []
    if f.stage is not None:
        rows = conn.execute(sa.select(stage.c.id, stage.c.name).order_by(stage.c.position)).all()
        ids = [r.id for r in rows if fold(r.name) == fold(f.stage)]
        if not ids:
            names = ", ".join(r.name for r in rows)
            raise NotFound(f"stage '{f.stage}' not found (stages: {names})")
        clauses.append(deal.c.stage_id == ids[0])
    if f.owner is not None:
        clauses.append(deal.c.owner_id == _rep_id(conn, t, f.owner, settings))
    if f.team is not None:
        clauses.append(deal.c.owner_id.in_(_team_ids(conn, t, f.team)))
    if f.account is not None:
        value = f.account.strip()
        cond = account.c.name_key == fold(value)
        if value.isdigit():
            cond = sa.or_(cond, account.c.id == int(value))
        found = conn.execute(sa.select(account.c.id).where(cond).order_by(account.c.id)).all()
        if not found:
            raise NotFound(f"account '{f.account}' not found (see: salescli account list)")
        clauses.append(deal.c.account_id == found[0].id)
    if f.state is not None:
        clauses.append(stage.c.kind == f.state)
    if f.closing is not None:
        clauses.append(deal.c.close_date >= f.closing[0])
        clauses.append(deal.c.close_date < f.closing[1])
    if f.search:
        clauses.append(deal.c.search_text.like(like_pattern(f.search), escape="\\"))
    return clauses


def _order(t: dict[str, Any], sort: str) -> list[Any]:
    deal, stage = t["deal"], t["stage"]
    if sort not in SORTS:
        raise InvalidData(f"sort '{sort}' is not one of {', '.join(SORTS)} (e.g. --sort amount)")
    return {
        "close": [deal.c.close_date.asc().nulls_last(), deal.c.id],
        "amount": [deal.c.amount_minor.desc().nulls_last(), deal.c.id],
        "created": [deal.c.created_at.desc(), deal.c.id.desc()],
        "stage": [stage.c.position, deal.c.close_date.asc().nulls_last(), deal.c.id],
        "probability": [deal.c.probability.desc(), deal.c.id],
    }[sort]


def list_deals(
    conn: Connection, f: Filters, settings: Settings, *, sort: str = "close", limit: int = 100
) -> tuple[list[dict[str, Any]], bool]:
    """Deals matching `f` in the JSON shape; (rows, whether more matched beyond `limit`)."""
    import sqlalchemy as sa

    t = _tables()
    deal, stage, account, contact, rep, lost = (
        t["deal"],
        t["stage"],
        t["account"],
        t["contact"],
        t["rep"],
        t["lost"],
    )
    if limit < 0:
        raise InvalidData(f"limit '{limit}' must be 0 (all) or more (e.g. --limit 50)")
    query = (
        sa.select(
            deal,
            stage.c.name.label("stage_name"),
            account.c.name.label("account_name"),
            contact.c.name.label("contact_name"),
            rep.c.name.label("owner_name"),
            lost.c.name.label("lost_name"),
        )
        .select_from(deal)
        .join(stage, stage.c.id == deal.c.stage_id)
        .outerjoin(account, account.c.id == deal.c.account_id)
        .outerjoin(contact, contact.c.id == deal.c.contact_id)
        .outerjoin(rep, rep.c.id == deal.c.owner_id)
        .outerjoin(lost, lost.c.id == deal.c.lost_reason_id)
        .where(*_where(conn, t, f, settings))
        .order_by(*_order(t, sort))
    )
    if limit:
        query = query.limit(limit + 1)
    rows = conn.execute(query).all()
    more = bool(limit) and len(rows) > limit
    if more:
        rows = rows[:limit]
    return [
        {
            "id": r.id,
            "title": r.title,
            "account": r.account_name,
            "account_id": r.account_id,
            "contact": r.contact_name,
            "contact_id": r.contact_id,
            "owner": r.owner_name,
            "owner_id": r.owner_id,
            "amount": from_minor(r.amount_minor, r.currency),
            "currency": r.currency,
            "stage": r.stage_name,
            "stage_id": r.stage_id,
            "probability": r.probability,
            "forecast_category": r.forecast_category,
            "close_date": r.close_date,
            "source": r.source,
            "type": r.deal_type,
            "lost_reason": r.lost_name,
            "created_at": _aware(r.created_at),
            "updated_at": _aware(r.updated_at),
        }
        for r in rows
    ], more


def totals(conn: Connection, f: Filters, settings: Settings) -> dict[str, Any]:
    """Count, amount and weighted amount of every deal matching `f`, in the reporting currency.

    Won and lost deals convert at the rate in force on their close date, open deals at the
    latest rate; a missing rate is an error naming the currency.
    """
    import sqlalchemy as sa

    from salescli.services.currency import Converter, round_money

    t = _tables()
    deal, stage = t["deal"], t["stage"]
    query = (
        sa.select(
            deal.c.amount_minor,
            deal.c.currency,
            deal.c.close_date,
            deal.c.probability,
            stage.c.kind,
        )
        .select_from(deal)
        .join(stage, stage.c.id == deal.c.stage_id)
        .where(*_where(conn, t, f, settings))
    )
    reporting = settings.currency
    converter = Converter(conn, reporting)
    count = unknown = 0
    amount = weighted = Decimal(0)
    for minor, currency, close_date, probability, kind in conn.execute(query).all():
        count += 1
        if minor is None:
            unknown += 1
            continue
        value = converter.convert(minor, currency, close_date if kind != "open" else None)
        amount += value
        if kind == "open":
            weighted += value * Decimal(probability) / 100
    return {
        "count": count,
        "amount": round_money(amount, reporting),
        "weighted": round_money(weighted, reporting),
        "unknown_amount": unknown,
        "currency": reporting,
    }
