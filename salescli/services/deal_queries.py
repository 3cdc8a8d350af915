"""The `deal list` hot path: filtered deal rows and their totals, in SQLAlchemy Core.

Runs over a Connection with the lightweight tables of salescli.tables: nothing here imports
sqlmodel or salescli.models (tests/cli/test_deals.py checks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.instants import utc
from salescli.money import from_minor
from salescli.services.deals import me_or
from salescli.services.paging import first_rows
from salescli.tables import ACCOUNT, CONTACT, DEAL, LOSTREASON, REP, STAGE
from salescli.text import fold, like_pattern

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

SORTS = ("close", "amount", "created", "stage", "probability")
# The deal columns a `deal list` row is built from.
_LIST_COLUMNS = (
    "id",
    "title",
    "account_id",
    "contact_id",
    "owner_id",
    "amount_minor",
    "currency",
    "stage_id",
    "probability",
    "forecast_category",
    "close_date",
    "source",
    "deal_type",
    "created_at",
    "updated_at",
)


@dataclass
class Filters:
    stage: str | None = None
    owner: str | None = None
    team: str | None = None
    account: str | None = None
    state: str | None = None  # open / won / lost
    closing: tuple[dt.date, dt.date] | None = None  # [start, end)
    search: str | None = None


def _rep_id(conn: Connection, ref: str, settings: Settings) -> int:
    value = me_or(ref, settings).strip()
    if (number := as_id(value)) is not None:
        found = conn.execute(sa.select(REP.c.id).where(REP.c.id == number)).scalar()
        if found is not None:
            return int(found)
    found = conn.execute(sa.select(REP.c.id).where(REP.c.name_key == fold(value))).scalar()
    if found is None:
        raise NotFound(f"rep '{ref}' not found (see: salescli rep list)")
    return int(found)


def _team_ids(conn: Connection, team: str) -> list[int]:
    """Reps whose team is `team`, or the rep named `team` and everyone under them."""
    rows = conn.execute(sa.select(REP.c.id, REP.c.name_key, REP.c.team, REP.c.manager_id)).all()
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


def _where(conn: Connection, f: Filters, settings: Settings) -> list[Any]:
    clauses: list[Any] = []
    if f.stage is not None:
        rows = conn.execute(sa.select(STAGE.c.id, STAGE.c.name).order_by(STAGE.c.position)).all()
        ids = [r.id for r in rows if fold(r.name) == fold(f.stage)]
        if not ids:
            names = ", ".join(r.name for r in rows)
            raise NotFound(f"stage '{f.stage}' not found (stages: {names})")
        clauses.append(DEAL.c.stage_id == ids[0])
    if f.owner is not None:
        clauses.append(DEAL.c.owner_id == _rep_id(conn, f.owner, settings))
    if f.team is not None:
        clauses.append(DEAL.c.owner_id.in_(_team_ids(conn, f.team)))
    if f.account is not None:
        value = f.account.strip()
        cond = ACCOUNT.c.name_key == fold(value)
        if (number := as_id(value)) is not None:
            cond = sa.or_(cond, ACCOUNT.c.id == number)
        found = conn.execute(sa.select(ACCOUNT.c.id).where(cond).order_by(ACCOUNT.c.id)).all()
        if not found:
            raise NotFound(f"account '{f.account}' not found (see: salescli account list)")
        clauses.append(DEAL.c.account_id == found[0].id)
    if f.state is not None:
        clauses.append(STAGE.c.kind == f.state)
    if f.closing is not None:
        clauses.append(DEAL.c.close_date >= f.closing[0])
        clauses.append(DEAL.c.close_date < f.closing[1])
    if f.search:
        clauses.append(DEAL.c.search_text.like(like_pattern(f.search), escape="\\"))
    return clauses


def _order(sort: str) -> list[Any]:
    if sort not in SORTS:
        raise InvalidData(f"sort '{sort}' is not one of {', '.join(SORTS)} (e.g. --sort amount)")
    return {
        "close": [DEAL.c.close_date.asc().nulls_last(), DEAL.c.id],
        "amount": [DEAL.c.amount_minor.desc().nulls_last(), DEAL.c.id],
        "created": [DEAL.c.created_at.desc(), DEAL.c.id.desc()],
        "stage": [STAGE.c.position, DEAL.c.close_date.asc().nulls_last(), DEAL.c.id],
        "probability": [DEAL.c.probability.desc(), DEAL.c.id],
    }[sort]


def list_deals(
    conn: Connection, f: Filters, settings: Settings, *, sort: str = "close", limit: int = 100
) -> tuple[list[dict[str, Any]], bool]:
    """Deals matching `f` in the JSON shape; (rows, whether more matched beyond `limit`)."""
    if limit < 0:
        raise InvalidData(f"limit '{limit}' must be 0 (all) or more (e.g. --limit 50)")
    query = (
        sa.select(
            *(DEAL.c[name] for name in _LIST_COLUMNS),
            STAGE.c.name.label("stage_name"),
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
        .where(*_where(conn, f, settings))
        .order_by(*_order(sort))
    )
    rows, more = first_rows(conn, query, limit)
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
            "created_at": utc(r.created_at),
            "updated_at": utc(r.updated_at),
        }
        for r in rows
    ], more


def totals(
    conn: Connection, f: Filters, settings: Settings, today: dt.date | None = None
) -> dict[str, Any]:
    """Count, amount and weighted amount of every deal matching `f`, in the reporting currency.

    Won and lost deals convert at the rate in force on their close date, open deals at the
    rate in force `today` (a rate dated in the future does not apply yet); a missing rate is
    an error naming the currency.
    """
    from salescli.services.currency import Converter, round_money

    reporting = settings.currency
    # Aggregate in SQL; only what conversion needs stays apart: the currency, the stage kind
    # and probability, and the close date for deals in another currency (rates are dated).
    rate_day = sa.case((DEAL.c.currency == reporting, sa.null()), else_=DEAL.c.close_date)
    query = (
        sa.select(
            DEAL.c.currency,
            rate_day.label("rate_day"),
            STAGE.c.kind,
            DEAL.c.probability,
            sa.func.count().label("deals"),
            sa.func.count(DEAL.c.amount_minor).label("known"),
            sa.cast(sa.func.sum(DEAL.c.amount_minor), sa.BigInteger).label("minor"),
        )
        .select_from(DEAL)
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .where(*_where(conn, f, settings))
        .group_by(DEAL.c.currency, rate_day, STAGE.c.kind, DEAL.c.probability)
    )
    converter = Converter(conn, reporting, today)
    count = unknown = 0
    amount = weighted = Decimal(0)
    for currency, day, kind, probability, deals, known, minor in conn.execute(query).all():
        count += deals
        unknown += deals - known
        if not known:
            continue
        value = converter.convert(minor, currency, day if kind != "open" else None)
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
