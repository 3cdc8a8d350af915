"""Deals: the record, creation, edits and deletion; entering a stage.

Everything runs on SQLAlchemy Core over the command's `Connection` (services.rows, services.scope).
Amounts are integer minor units in the deal's currency. A deal stores the probability and
forecast category it got on entering its stage (the stage defaults at that time, or explicit
overrides); a later change to the stage's defaults does not touch it.

One definition of each rule, in deals.rules: `deal add`, `deal edit`, the moves, `deal
import` and `lead convert` all check a deal's values with its `check_*` functions and enter a
stage with `stage_values` + `history_row`.

Elsewhere: stage moves, win, lose and reopen in deal_moves.py; line items in deal_lines.py;
show, history and stale deals in deal_views.py; lists and totals in deal_queries.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.money import check_currency, from_minor, stated_currency
from salescli.services import rows
from salescli.services.deals.rules import (
    amount_minor,
    check_category,
    check_close_day,
    check_probability,
    check_type,
    clean_source,
    clean_title,
    history_row,
    stage_values,
)
from salescli.tables import (
    ACCOUNT,
    ACTIVITY,
    CONTACT,
    DEAL,
    DEALLINE,
    LOSTREASON,
    REP,
    STAGE,
    STAGECHANGE,
    TASK,
)
from salescli.text import search_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings


def actor_name(conn: Connection, actor: str | None, settings: Settings) -> str:
    """Who made a change, as their rep record spells it (SALESCLI_REP / config me)."""
    if actor:
        return actor
    me = my_rep_id(conn, settings)
    if me is None:
        return "unknown"
    return str(conn.execute(sa.select(REP.c.name).where(REP.c.id == me)).scalar_one())


def my_rep_id(conn: Connection, settings: Settings) -> int | None:
    """The rep you are (SALESCLI_REP, else `config me`), None when neither is set; a name that
    is no rep is refused (NotFound), never ignored."""
    from salescli.services import scope

    if not settings.me or not settings.me.strip():
        return None
    return scope.rep_id(conn, scope.ME, settings)


# ---- reading --------------------------------------------------------------------------------


def deal_id_of(deal_id: int | str) -> int:
    value = str(deal_id).strip()
    number = as_id(value)
    if number is None:
        raise NotFound(f"deal '{deal_id}' not found (see: salescli deal list)")
    return number


def get(conn: Connection, deal_id: int | str) -> RowMapping:
    """The deal row; NotFound (exit 3) naming it otherwise."""
    number = deal_id_of(deal_id)
    deal = rows.get(conn, DEAL, number)
    if deal is None:
        raise NotFound(f"deal '{deal_id}' not found (see: salescli deal list)")
    return deal


def stage_of(conn: Connection, stage_id: int) -> RowMapping:
    return rows.one(conn, STAGE, stage_id, "stage")


def _has_won_deal(conn: Connection, account_id: int) -> bool:
    query = (
        sa.select(sa.func.count(DEAL.c.id))
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .where(DEAL.c.account_id == account_id, STAGE.c.kind == "won")
    )
    return bool(conn.execute(query).scalar_one())


def _account_name(conn: Connection, account_id: int | None) -> str | None:
    if account_id is None:
        return None
    name = conn.execute(sa.select(ACCOUNT.c.name).where(ACCOUNT.c.id == account_id)).scalar()
    if name is None:
        raise NotFound(f"account '{account_id}' not found (see: salescli account list)")
    return str(name)


def search_text_of(conn: Any, deal: Any) -> str:
    """The deal's searchable copy: its title and its account's name, folded. `deal` is any
    record with `title` and `account_id` (a Core row; the ORM object of an unported caller,
    with its Session: both have `execute`)."""
    return search_text(deal.title, _account_name(conn, deal.account_id))


def refresh_search_text(conn: Connection, account_id: int) -> None:
    """The deals of an account after its name changed: their searchable copy follows."""
    name = _account_name(conn, account_id)
    for deal_id, title in conn.execute(
        sa.select(DEAL.c.id, DEAL.c.title).where(DEAL.c.account_id == account_id)
    ).all():
        rows.update(conn, DEAL, deal_id, {"search_text": search_text(title, name)})


# ---- one deal as a record (list, show, add, edit, move, win, lose) --------------------------


def record_query() -> sa.Select:
    """The deals with everything their record names (stage, account, contact, owner, lost
    reason): `deal list` filters and orders it, `record()` takes one."""
    return (
        sa.select(
            DEAL,
            STAGE.c.name.label("stage_name"),
            STAGE.c.kind.label("stage_kind"),
            ACCOUNT.c.name.label("account_name"),
            CONTACT.c.name.label("contact_name"),
            REP.c.name.label("owner_name"),
            LOSTREASON.c.name.label("lost_name"),
        )
        .select_from(DEAL)
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .outerjoin(ACCOUNT, ACCOUNT.c.id == DEAL.c.account_id)
        .outerjoin(CONTACT, CONTACT.c.id == DEAL.c.contact_id)
        .outerjoin(REP, REP.c.id == DEAL.c.owner_id)
        .outerjoin(LOSTREASON, LOSTREASON.c.id == DEAL.c.lost_reason_id)
    )


def shape(r: Any) -> dict[str, Any]:
    """A row of `record_query()` in the deal's one JSON shape."""
    return {
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
        "status": r.stage_kind,
        "probability": r.probability,
        "probability_override": bool(r.probability_override),
        "forecast_category": r.forecast_category,
        "category_override": bool(r.category_override),
        "close_date": r.close_date,
        "source": r.source,
        "type": r.deal_type,
        "lost_reason": r.lost_name,
        "lost_note": r.lost_note,
        "lead_id": r.lead_id,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "stage_entered_at": r.stage_entered_at,
        "last_activity_at": r.last_activity_at,
    }


def record(conn: Connection, deal: int | str | Any) -> dict[str, Any]:
    """The deal (an id, or a row read earlier: read again, its current values) as a record."""
    number = deal_id_of(deal) if isinstance(deal, int | str) else int(deal["id"])
    found = conn.execute(record_query().where(DEAL.c.id == number)).first()
    if found is None:
        raise NotFound(f"deal '{number}' not found (see: salescli deal list)")
    return shape(found)


# ---- creating -------------------------------------------------------------------------------


def create(
    conn: Connection,
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
    default_owner: bool = True,
) -> int:
    """A new deal in an open stage (default: the first), with its first stage-history row;
    its id. `deal add`, `lead convert` and the API of other services create deals here.

    owner_id None → "me" when that rep exists (not with default_owner=False: `--owner none`);
    currency None → the configured currency;
    deal_type None → `existing` when the account already has a won deal, else `new`.
    """
    from salescli.services.deals import stages as stages

    clean = clean_title(title)
    code = check_currency(currency or settings.currency)
    minor = amount_minor(amount, code)
    if contact_id is not None:
        contact = rows.get(conn, CONTACT, contact_id)
        if contact is None:
            raise NotFound(f"contact '{contact_id}' not found (see: salescli contact list)")
        if account_id is None:
            account_id = contact["account_id"]
    account_name = _account_name(conn, account_id)
    if owner_id is not None:
        rows.one(conn, REP, owner_id, "rep")
    elif default_owner:
        owner_id = my_rep_id(conn, settings)
    target = stages.get_open(conn, stage) if stage else stages.first_open(conn)
    if deal_type is None:
        deal_type = "existing" if account_id and _has_won_deal(conn, account_id) else "new"
    entered = stage_values(target, probability, forecast_category, now)
    who = actor_name(conn, actor, settings)
    values = {
        "title": clean,
        "account_id": account_id,
        "contact_id": contact_id,
        "owner_id": owner_id,
        "lead_id": lead_id,
        "amount_minor": minor,
        "currency": code,
        "close_date": close_date,
        "source": clean_source(source),
        "deal_type": check_type(deal_type),
        "search_text": search_text(clean, account_name),
        "created_at": now,
        "updated_at": now,
        **entered,
    }
    deal_id = rows.insert(conn, DEAL, values)
    rows.insert(conn, STAGECHANGE, history_row(deal_id, None, entered, who, minor, code))
    from salescli.services.tasks import stage_rules  # a deal entered a stage

    stage_rules.enter_stage(conn, DEAL.c.id == deal_id, now, settings)
    return deal_id


def account_for(conn: Connection, ref: str, now: dt.datetime) -> tuple[int, bool]:
    """An account by id or name; a name that does not exist yet creates it. (id, created)."""
    from salescli.services import scope
    from salescli.services.accounts import records as accounts

    try:
        return scope.account_id(conn, ref), False
    except NotFound:
        if as_id(ref.strip()) is not None:  # a number is never taken for a new account's name
            raise
    account, created = accounts.get_or_create(conn, ref, now)
    return int(account["id"]), created


def contact_for(conn: Connection, ref: str, account_id: int | None = None) -> int:
    from salescli.services import scope

    return scope.contact_id(conn, ref, account_id)


def owner_for(conn: Connection, ref: str, settings: Settings) -> int | None:
    """`--owner`: a rep by id or name, `me` (the configured rep), `none` (no owner)."""
    from salescli.services import scope

    return scope.owner_ref(conn, ref, settings)


# ---- changes --------------------------------------------------------------------------------

EDITABLE = frozenset(
    {
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
)


def edit(conn: Connection, deal_id: int | str, *, now: dt.datetime, changes: dict[str, Any]) -> int:
    """Apply `changes`: title, amount (text), currency, account_id, contact_id, owner_id,
    close_date, source, deal_type, probability, forecast_category. A deal with line items
    takes its amount from them (an explicit amount is refused). Returns the deal's id."""
    from salescli.money import parse_amount

    deal = get(conn, deal_id)
    number = int(deal["id"])
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidData(f"deal fields {', '.join(sorted(unknown))} cannot be edited")
    has_lines = conn.execute(
        sa.select(sa.exists().where(DEALLINE.c.deal_id == number))
    ).scalar_one()
    values: dict[str, Any] = {}
    title = clean_title(changes["title"]) if "title" in changes else deal["title"]
    currency = deal["currency"]
    minor = deal["amount_minor"]
    if changes.get("amount") and "currency" not in changes:
        # An amount that names its currency (`€15,000`) sets it, as `deal add` does.
        stated = stated_currency(changes["amount"])
        if stated and currency not in stated[1]:
            changes = {**changes, "currency": stated[0]}
    if "currency" in changes:
        code = check_currency(changes["currency"])
        if code != currency and has_lines:
            raise InvalidData(
                f"deal {number} has line items priced in {currency}: remove them "
                "before changing its currency"
            )
        if "amount" not in changes:
            minor = amount_minor(from_minor(minor, currency), code)
        currency = code
    if "amount" in changes:
        if has_lines:
            raise InvalidData(
                f"deal {number} has line items: its amount is their sum "
                f"(see: salescli deal line list {number})"
            )
        text = changes["amount"]
        minor = None if text is None else amount_minor(parse_amount(text, currency), currency)
    kind = stage_of(conn, deal["stage_id"]).kind
    if "close_date" in changes:
        check_close_day(changes["close_date"], kind, now.date())
    for key in ("account_id", "contact_id", "owner_id", "close_date"):
        if key in changes:
            values[key] = changes[key]
    if values.get("owner_id") is not None:
        rows.one(conn, REP, values["owner_id"], "rep")
    if "source" in changes:
        values["source"] = clean_source(changes["source"])
    if "deal_type" in changes:
        values["deal_type"] = check_type(changes["deal_type"])
    if changes.get("probability") is not None:
        require_open(conn, deal, "change the probability of")
        values["probability"] = check_probability(changes["probability"])
        values["probability_override"] = True
    if changes.get("forecast_category") is not None:
        require_open(conn, deal, "change the category of")
        values["forecast_category"] = check_category(changes["forecast_category"])
        values["category_override"] = True
    account = values.get("account_id", deal["account_id"])
    values.update(
        title=title,
        currency=currency,
        amount_minor=minor,
        search_text=search_text(title, _account_name(conn, account)),
        updated_at=now,
    )
    rows.update(conn, DEAL, number, values)
    return number


def require_open(conn: Connection, deal: Any, action: str) -> RowMapping:
    stage = stage_of(conn, deal["stage_id"])
    if stage.kind != "open":
        raise InvalidData(
            f"deal {deal['id']} is {stage.kind}: cannot {action} it; reopen it first "
            f"(salescli deal reopen {deal['id']})"
        )
    return stage


def dependents(conn: Connection, deal_id: int | str) -> dict[str, Any]:
    """What a delete takes with it (for the confirmation question)."""
    deal = get(conn, deal_id)

    def count(table: sa.Table) -> int:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.deal_id == deal["id"])
            ).scalar_one()
        )

    return {
        "id": deal["id"],
        "title": deal["title"],
        "stage_changes": count(STAGECHANGE),
        "activities": count(ACTIVITY),
        "tasks": count(TASK),
        "lines": count(DEALLINE),
    }


def delete(conn: Connection, deal_id: int | str) -> dict[str, Any]:
    """Delete the deal with its history, lines, activities and tasks."""
    summary = dependents(conn, deal_id)
    for table in (DEALLINE, STAGECHANGE, ACTIVITY, TASK):
        conn.execute(sa.delete(table).where(table.c.deal_id == summary["id"]))
    rows.delete(conn, DEAL, summary["id"])
    return summary
