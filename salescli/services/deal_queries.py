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

from salescli.errors import InvalidData, NotFound, UsageError
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


def deal_state(
    *,
    open_: bool = False,
    won: bool = False,
    lost: bool = False,
    all_: bool = False,
    stage: str | None = None,
) -> str | None:
    """The stage kind a list shows: open deals unless --won, --lost, --all or a --stage (which
    may be a closed one) says otherwise."""
    if won or lost:
        return "won" if won else "lost"
    if all_ or (stage is not None and not open_):
        return None
    return "open"


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
    return grouped_totals(conn, f, settings, [], today)["total"]


# `deal list --group-by`: each dimension's key columns (named as in the JSON shape), the
# joins it needs, and the deal amount it sums (a product sums its lines).
GROUP_BY = ("stage", "owner", "account", "product", "source", "close-month")


def _dimension(name: str) -> dict[str, Any]:
    from salescli.tables import DEALLINE, PRODUCT

    if name == "stage":
        return {"columns": [STAGE.c.name.label("stage"), STAGE.c.position.label("_stage_pos")]}
    if name == "owner":
        return {
            "columns": [REP.c.name.label("owner"), DEAL.c.owner_id.label("owner_id")],
            "join": (REP, REP.c.id == DEAL.c.owner_id),
        }
    if name == "account":
        return {
            "columns": [ACCOUNT.c.name.label("account"), DEAL.c.account_id.label("account_id")],
            "join": (ACCOUNT, ACCOUNT.c.id == DEAL.c.account_id),
        }
    if name == "product":
        return {
            "columns": [PRODUCT.c.name.label("product"), DEALLINE.c.product_id.label("product_id")],
            "join": (DEALLINE, DEALLINE.c.deal_id == DEAL.c.id),
            "join2": (PRODUCT, PRODUCT.c.id == DEALLINE.c.product_id),
            "amount": sa.func.coalesce(DEALLINE.c.amount_minor, DEAL.c.amount_minor),
        }
    if name == "source":
        return {"columns": [DEAL.c.source.label("source")]}
    if name == "close-month":
        # Summed per close day in SQL (no portable month function), into months below.
        return {"columns": [DEAL.c.close_date.label("close_month")]}
    raise UsageError(
        f"--group-by '{name}' is not one of: {', '.join(GROUP_BY)} (e.g. --group-by owner,stage)"
    )


def check_group_by(value: str) -> list[str]:
    """`owner,stage` -> ["owner", "stage"]: one or two known dimensions, or InvalidData."""
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not names or len(names) > 2 or len(set(names)) != len(names):
        raise UsageError(
            f"--group-by '{value}' must name one or two different fields of: "
            f"{', '.join(GROUP_BY)} (e.g. --group-by owner,stage)"
        )
    for name in names:
        _dimension(name)
    return names


def grouped_totals(
    conn: Connection,
    f: Filters,
    settings: Settings,
    group_by: list[str],
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Count, amount and weighted amount per group of `group_by` dimensions (none: one
    total), converted to the reporting currency exactly as `deal list --sum` does (closed
    deals at their close date's rate, open ones at the rate in force `today`).

    Returns {"group_by", "currency", "groups": [{<keys>, count, amount, weighted,
    unknown_amount}], "total": {count, amount, weighted, unknown_amount, currency}}.
    """
    from salescli.services.currency import Converter, round_money

    reporting = settings.currency
    dims = [_dimension(name) for name in group_by]
    keys = [c for d in dims for c in d["columns"]]
    amount_col = next((d["amount"] for d in dims if "amount" in d), DEAL.c.amount_minor)
    # Aggregate in SQL; only what conversion needs stays apart: the currency, the stage kind
    # and probability, and the close date for deals in another currency (rates are dated).
    rate_day = sa.case((DEAL.c.currency == reporting, sa.null()), else_=DEAL.c.close_date)
    source = DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id)
    for d in dims:
        for join in ("join", "join2"):
            if join in d:
                source = source.outerjoin(*d[join])
    known_deal = sa.case((amount_col.is_not(None), DEAL.c.id), else_=sa.null())
    query = (
        sa.select(
            DEAL.c.currency,
            rate_day.label("rate_day"),
            STAGE.c.kind,
            DEAL.c.probability,
            sa.func.count(sa.distinct(DEAL.c.id)).label("deals"),
            sa.func.count(sa.distinct(known_deal)).label("known"),
            sa.cast(sa.func.sum(amount_col), sa.BigInteger).label("minor"),
            *keys,
        )
        .select_from(source)
        .where(*_where(conn, f, settings))
        .group_by(DEAL.c.currency, rate_day, STAGE.c.kind, DEAL.c.probability, *keys)
    )
    converter = Converter(conn, reporting, today)
    groups: dict[tuple, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        key_values = _group_key(row, group_by)
        group = groups.get(tuple(key_values.items()))
        if group is None:
            group = groups[tuple(key_values.items())] = {
                **key_values,
                "count": 0,
                "amount": Decimal(0),
                "weighted": Decimal(0),
                "unknown_amount": 0,
            }
        group["count"] += row["deals"]
        group["unknown_amount"] += row["deals"] - row["known"]
        if "source" in group_by and row["source"] is not None:
            spellings = group.setdefault("_spellings", {})
            spellings[row["source"]] = spellings.get(row["source"], 0) + row["deals"]
        if not row["known"]:
            continue
        kind = row["kind"]
        value = converter.convert(
            row["minor"], row["currency"], row["rate_day"] if kind != "open" else None
        )
        group["amount"] += value
        if kind == "open":
            group["weighted"] += value * Decimal(row["probability"]) / 100
    rows = sorted(groups.values(), key=lambda g: _group_order(g, group_by))
    for g in rows:
        g.pop("_stage_pos", None)
        spellings = g.pop("_spellings", None)
        if spellings:  # a source shows in its most common spelling
            g["source"] = min(spellings, key=lambda s: (-spellings[s], s))
        g["amount"] = round_money(g["amount"], reporting)
        g["weighted"] = round_money(g["weighted"], reporting)
        g["currency"] = reporting
    if group_by:
        total = grouped_totals(conn, f, settings, [], today)["total"]
    else:
        total = rows[0] if rows else {
            "count": 0, "amount": round_money(Decimal(0), reporting),
            "weighted": round_money(Decimal(0), reporting), "unknown_amount": 0,
            "currency": reporting,
        }  # fmt: skip
    return {
        "group_by": group_by,
        "currency": reporting,
        "groups": rows if group_by else [],
        "total": total,
    }


def round_zero(currency: str) -> Decimal:
    """Zero in `currency` at its minor units (what an account without deals shows)."""
    from salescli.services.currency import round_money

    return round_money(Decimal(0), currency)


def _group_key(row: Any, group_by: list[str]) -> dict[str, Any]:
    """The JSON keys of a group (close days become months; sources meet ignoring case)."""
    key: dict[str, Any] = {}
    for name in group_by:
        if name == "stage":
            key["stage"] = row["stage"]
            key["_stage_pos"] = row["_stage_pos"]
        elif name == "close-month":
            day = row["close_month"]
            key["close_month"] = day.isoformat()[:7] if day is not None else None
        elif name == "source":
            key["source"] = fold(row["source"]) or None
        else:
            key[name] = row[name]
            key[f"{name}_id"] = row[f"{name}_id"]
    return key


def _group_order(group: dict[str, Any], group_by: list[str]) -> tuple:
    """Stages in pipeline order, months in time order, names alphabetically; none last."""
    order: list[Any] = []
    for name in group_by:
        if name == "stage":
            order.append((0, group["_stage_pos"]))
        elif name == "close-month":
            value = group["close_month"]
            order.append((value is None, value or ""))
        else:
            value = group[name]
            order.append((value is None, fold(value), value or ""))
    return tuple(order)
