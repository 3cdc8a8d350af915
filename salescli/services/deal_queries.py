"""The `deal list` hot path: filtered deal rows and their totals, in SQLAlchemy Core.

Runs over a Connection with lightweight `sa.table()` clauses: nothing here imports sqlmodel
or salescli.models (tests/cli/test_deals.py checks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.money import from_minor
from salescli.services.deals import aware, me_or
from salescli.text import fold, like_pattern

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

SORTS = ("close", "amount", "created", "stage", "probability")


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
    value = me_or(ref, settings).strip()
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
            "created_at": aware(r.created_at),
            "updated_at": aware(r.updated_at),
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
