"""Accounts read: THE JSON shape with the deal figures (`record`, `shape`), `account show`
(`show`: with contacts, deals and history) and `account list`: filtered, sorted by name,
creation or money (won revenue, pipeline), with the money converted as `deal list --sum`
converts it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services import rows
from salescli.tables import ACCOUNT, DEAL, REP, STAGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings


# ---- one JSON shape ---------------------------------------------------------------


def _deal_counts(currency: str, account_id: int | list[int] | None = None) -> Any:
    """A per-account aggregate of deals: open / won counts, the won amount in the reporting
    currency and how many won deals are in another one (those need converting). With
    `account_id` (one id or a page of ids), those accounts' deals only (SQLite would
    aggregate every deal first)."""
    won = STAGE.c.kind == "won"
    only: sa.ColumnElement[bool]
    if account_id is None:
        only = DEAL.c.account_id.is_not(None)
    elif isinstance(account_id, list):
        only = DEAL.c.account_id.in_(account_id)
    else:
        only = DEAL.c.account_id == account_id
    return (
        sa.select(
            DEAL.c.account_id.label("account_id"),
            sa.func.count(sa.case((STAGE.c.kind == "open", 1))).label("open_deals"),
            sa.func.count(sa.case((won, 1))).label("won_deals"),
            sa.cast(
                sa.func.sum(sa.case((won & (DEAL.c.currency == currency), DEAL.c.amount_minor))),
                sa.BigInteger,
            ).label("won_minor"),
            sa.func.count(sa.case((won & (DEAL.c.currency != currency), 1))).label("won_other"),
        )
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .where(only)
        .group_by(DEAL.c.account_id)
        .subquery("deal_counts")
    )


def select_shape(currency: str, account_id: int | list[int] | None = None) -> Any:
    """Every field of the account's JSON shape, with its owner, parent and deal counts (of
    one account's deals only when `account_id` is given)."""
    counts = _deal_counts(currency, account_id)
    parent = ACCOUNT.alias("parent")
    won_deals = sa.func.coalesce(counts.c.won_deals, 0)
    return (
        sa.select(
            ACCOUNT.c.id,
            ACCOUNT.c.name,
            ACCOUNT.c.industry,
            ACCOUNT.c.website,
            ACCOUNT.c.phone,
            ACCOUNT.c.country,
            ACCOUNT.c.territory,
            ACCOUNT.c.employees,
            REP.c.name.label("owner"),
            ACCOUNT.c.owner_id,
            parent.c.name.label("parent"),
            ACCOUNT.c.parent_id,
            sa.func.coalesce(counts.c.open_deals, 0).label("open_deals"),
            won_deals.label("won_deals"),
            counts.c.won_minor,
            sa.func.coalesce(counts.c.won_other, 0).label("won_other"),
            ACCOUNT.c.external_id,
            ACCOUNT.c.created_at,
            ACCOUNT.c.updated_at,
            ACCOUNT.c.last_contact_at,
        ).select_from(
            ACCOUNT.outerjoin(counts, counts.c.account_id == ACCOUNT.c.id)
            .outerjoin(REP, REP.c.id == ACCOUNT.c.owner_id)
            .outerjoin(parent, parent.c.id == ACCOUNT.c.parent_id)
        )
    ), won_deals


def shape(row: Mapping[Any, Any], currency: str, won: dict[int, Any] | None) -> dict:
    """THE JSON shape of an account (list, show, add, edit)."""
    from salescli.money import from_minor

    won_deals = int(row["won_deals"])
    if not row["won_other"]:
        won_amount = from_minor(row["won_minor"] or 0, currency)
    else:  # converted as `deal list --sum` does; None only when a rate is missing
        won_amount = None if won is None else won.get(row["id"])
    return {
        "id": row["id"],
        "name": row["name"],
        "industry": row["industry"],
        "website": row["website"],
        "phone": row["phone"],
        "country": row["country"],
        "territory": row["territory"],
        "employees": row["employees"],
        "owner": row["owner"],
        "owner_id": row["owner_id"],
        "parent": row["parent"],
        "parent_id": row["parent_id"],
        "open_deals": int(row["open_deals"]),
        "won_deals": won_deals,
        "won_amount": won_amount,
        "currency": currency,
        "customer": won_deals > 0,
        "external_id": row["external_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_contact_at": row["last_contact_at"],
    }


def deal_totals(
    conn: Connection,
    settings: Settings,
    today: dt.date | None,
    state: str,
    account: int | None = None,
) -> dict[int, Any] | None:
    """account id -> the amount of its deals in `state`, converted to the reporting currency
    by the deals' one money aggregation (`deal list --sum`); None when a rate is missing."""
    from salescli.services.deals import queries as deal_queries

    filters = deal_queries.Filters(state=state, account=None if account is None else str(account))
    try:
        grouped = deal_queries.grouped_totals(conn, filters, settings, ["account"], today)
    except InvalidData:
        return None
    return {g["account_id"]: g["amount"] for g in grouped["groups"]}


def record(
    conn: Connection, account_id: int, settings: Settings, today: dt.date | None = None
) -> dict:
    """The account as a JSON-shaped dict, with its deal figures."""
    query, _ = select_shape(settings.currency, account_id)
    row = conn.execute(query.where(ACCOUNT.c.id == account_id)).mappings().first()
    if row is None:
        rows.one(conn, ACCOUNT, account_id, "account")  # NotFound
    assert row is not None
    won = deal_totals(conn, settings, today, "won", account_id) if row["won_other"] else {}
    return shape(row, settings.currency, won)


def show(conn: Connection, account_id: int, settings: Settings, today: dt.date | None) -> dict:
    """The account record with its contacts, deals and the whole history in time order."""
    from salescli.services.accounts import history as account_history

    return {
        **record(conn, account_id, settings, today),
        **account_history.history(conn, account_id),
    }


SORTS = ("name", "created", "won", "pipeline")


def list_accounts(
    conn: Connection,
    *,
    settings: Settings,
    today: dt.date | None = None,
    search: str | None = None,
    owner: str | None = None,
    team: str | None = None,
    customer: bool | None = None,
    sort: str = "name",
    limit: int | None = None,
) -> list[dict]:
    """Accounts in their JSON shape, with open/won deal counts and the won amount converted
    to the reporting currency as `deal list --sum` converts it.

    `owner` is `me|none|ID|NAME`, `team` a team or a manager (services.scope). Sorted by
    `won` or `pipeline`, rows also carry `won_revenue` and `pipeline` (open amount), most
    first.
    """

    _check_sort(sort)
    if sort in ("won", "pipeline"):
        return _list_by_money(
            conn, settings, today, sort, limit, _filters(conn, settings, search, owner, team),
            customer,
        )  # fmt: skip
    query = _listed(conn, settings, search, owner, team, customer, sort)
    if limit is not None:
        query = query.limit(limit)
    return list(_shaped(conn, conn.execute(query).all(), settings, today))


def each_account(conn: Connection, **wanted: Any) -> Iterable[dict]:
    """Every account `list_accounts` lists with `wanted` (its filters and sort, no limit), in
    its order and shape, read as it is consumed (`paging.each_row`): `account list` with no
    limit. The won amounts in other currencies are converted by `list_accounts`' rule: once,
    for every account, at the first listed account that has one. Sorted by money, the list is
    `list_accounts`' (converted after it is sorted in SQL)."""
    from salescli.services.paging import each_row

    sort = wanted.get("sort", "name")
    _check_sort(sort)
    if sort in ("won", "pipeline"):
        return list_accounts(conn, **wanted)
    settings, today = wanted["settings"], wanted.get("today")
    search, owner, team = (wanted.get(key) for key in ("search", "owner", "team"))
    query = _listed(conn, settings, search, owner, team, wanted.get("customer"), sort)
    return _shaped(conn, each_row(conn, query), settings, today)


def _shaped(
    conn: Connection, found: Iterable[Any], settings: Settings, today: dt.date | None
) -> Iterator[dict]:
    """The accounts `found` in their shape: the won amounts in other currencies converted once,
    for every account (`deal_totals`), when the first account that has one comes."""
    won: dict[int, Any] | None = {}
    converted = False
    for row in found:
        account = row._mapping
        if account["won_other"] and not converted:
            won, converted = deal_totals(conn, settings, today, "won"), True
        yield shape(account, settings.currency, won)


def _check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise InvalidData(f"sort '{sort}' is not one of: {', '.join(SORTS)} (e.g. name)")


def _listed(
    conn: Connection,
    settings: Settings,
    search: str | None,
    owner: str | None,
    team: str | None,
    customer: bool | None,
    sort: str,
) -> sa.Select:
    """`account list`'s query in name or creation order: the accounts in their shape."""
    query, won_deals = select_shape(settings.currency)
    query = query.where(*_filters(conn, settings, search, owner, team))
    if customer is True:
        query = query.where(won_deals > 0)
    elif customer is False:
        query = query.where(won_deals == 0)
    if sort == "created":
        return query.order_by(ACCOUNT.c.created_at.desc(), ACCOUNT.c.id.desc())
    return query.order_by(ACCOUNT.c.name_key, ACCOUNT.c.id)


def _filters(
    conn: Connection,
    settings: Settings,
    search: str | None,
    owner: str | None,
    team: str | None,
) -> list[Any]:
    """WHERE clauses over ACCOUNT for `account list`'s --search, --owner and --team."""
    from salescli.services import scope
    from salescli.text import like_pattern

    clauses = []
    if search:
        clauses.append(ACCOUNT.c.search_text.like(like_pattern(search), escape="\\"))
    if owner is not None:
        clauses.append(scope.owner_clause(conn, ACCOUNT.c.owner_id, owner, settings))
    if team is not None:
        clauses.append(scope.team_clause(conn, ACCOUNT.c.owner_id, team, settings))
    return clauses


# The page's accounts are read by id, this many per `IN` list.
PAGE_BY_ID = 500


def _list_by_money(
    conn: Connection,
    settings: Settings,
    today: dt.date | None,
    sort: str,
    limit: int | None,
    clauses: list[Any],
    customer: bool | None,
) -> list[dict]:
    """`account list --sort won|pipeline`: the accounts with `won_revenue` and `pipeline`,
    most first by one of them (ties in name order), sorted and cut to `limit` in SQL (one
    query, `_money`); the page's figures are then converted exactly (`_page_totals`), as
    `deal list --sum` converts them."""
    from salescli.services.deals import queries as deal_queries

    currency = settings.currency
    money = _money(conn, settings, today)
    key = money.c.won_key if sort == "won" else money.c.pipeline_key
    page = (
        sa.select(ACCOUNT.c.id, sa.func.sum(money.c.unrated).over().label("unrated"))
        .select_from(ACCOUNT.outerjoin(money, money.c.account_id == ACCOUNT.c.id))
        .where(*clauses)
        .order_by(sa.func.coalesce(sa.func.round(key), 0).desc(), ACCOUNT.c.name_key, ACCOUNT.c.id)
    )
    if customer is not None:
        won_deals = sa.func.coalesce(money.c.won_deals, 0)
        page = page.where(won_deals > 0 if customer else won_deals == 0)
    if limit is not None:
        page = page.limit(limit)
    picked = conn.execute(page).all()
    if any(row.unrated for row in picked):  # a missing rate: said once, as `deal list --sum`
        _strict_totals(conn, settings, today, "won")
        _strict_totals(conn, settings, today, "open")
    ids = [row.id for row in picked]
    if not ids:
        return []
    records: dict[int, Any] = {}
    won: dict[int, Any] = {}
    pipeline: dict[int, Any] = {}
    for start in range(0, len(ids), PAGE_BY_ID):  # bounded IN lists (bind parameter limits)
        chunk = ids[start : start + PAGE_BY_ID]
        query, _ = select_shape(currency, chunk)
        found = conn.execute(query.where(ACCOUNT.c.id.in_(chunk))).mappings()
        records.update((row["id"], row) for row in found)
        chunk_won, chunk_pipeline = _page_totals(conn, settings, today, chunk)
        won.update(chunk_won)
        pipeline.update(chunk_pipeline)
    zero = deal_queries.round_zero(currency)
    result = []
    for account_id in ids:
        row = shape(records[account_id], currency, won)
        row["won_revenue"] = won.get(account_id, zero)
        row["pipeline"] = pipeline.get(account_id, zero)
        result.append(row)
    field = "won_revenue" if sort == "won" else "pipeline"
    # SQL sorted by a float key on SQLite; the exact figures settle any difference in the page.
    return sorted(result, key=lambda r: -r[field])


def _money(conn: Connection, settings: Settings, today: dt.date | None) -> Any:
    """Per account: its won deals, and its won and open (pipeline) amounts in minor units of
    the reporting currency, converted in SQL by the rule of `deals.queries.grouped_totals`
    (deals summed per currency and rate day; closed deals at the rate in force on their close
    date, open ones at the rate in force `today`, or the latest without one; deals without an
    amount not summed), and `unrated`: the groups that need a rate and have none.

    The amounts order the list: exact numerics on PostgreSQL, floats on SQLite (the rates are
    decimal text); the figures shown are converted exactly in Python (`_page_totals`)."""
    from decimal import Decimal

    from salescli.money import exponent
    from salescli.tables import CURRENCYRATE

    reporting = settings.currency
    kind = STAGE.c.kind
    no_day = sa.null()
    day_today = sa.literal(today, sa.Date()) if today is not None else no_day
    day = sa.case(
        (DEAL.c.currency == reporting, no_day),
        (kind == "open", day_today),
        else_=sa.func.coalesce(DEAL.c.close_date, day_today),
    )
    groups = (
        sa.select(
            DEAL.c.account_id.label("account_id"),
            kind.label("kind"),
            DEAL.c.currency.label("currency"),
            day.label("day"),
            sa.func.count().label("deals"),
            sa.func.sum(DEAL.c.amount_minor).label("minor"),
        )
        .select_from(DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id))
        .where(DEAL.c.account_id.is_not(None), kind.in_(("won", "open")))
        .group_by(DEAL.c.account_id, kind, DEAL.c.currency, day)
        .subquery("money_groups")
    )
    rate = (
        sa.select(sa.cast(CURRENCYRATE.c.rate, sa.Numeric(asdecimal=False)))
        .where(
            CURRENCYRATE.c.currency == groups.c.currency,
            CURRENCYRATE.c.quote == reporting,
            sa.or_(groups.c.day.is_(None), CURRENCYRATE.c.valid_on <= groups.c.day),
        )
        .order_by(CURRENCYRATE.c.valid_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Minor units of a currency in minor units of the reporting one (10 ** exponent apart).
    places = exponent(reporting)
    known = conn.execute(
        sa.select(CURRENCYRATE.c.currency).where(CURRENCYRATE.c.quote == reporting).distinct()
    ).scalars()
    scale = {
        code: sa.literal(Decimal(10) ** (places - exponent(code)), sa.Numeric(asdecimal=False))
        for code in known
        if exponent(code) != places
    }
    rated = sa.select(
        groups.c.account_id, groups.c.kind, groups.c.deals, groups.c.currency, groups.c.minor,
        rate.label("rate"),
    ).subquery("money_rated")  # fmt: skip
    factor: sa.ColumnElement[Any] = rated.c.rate
    if scale:
        factor = factor * sa.case(scale, value=rated.c.currency, else_=1)
    foreign = rated.c.currency != reporting
    value = sa.case((foreign, rated.c.minor * factor), else_=rated.c.minor)
    unrated = sa.case((foreign & rated.c.minor.is_not(None) & rated.c.rate.is_(None), 1), else_=0)
    is_won, is_open = rated.c.kind == "won", rated.c.kind == "open"
    return (
        sa.select(
            rated.c.account_id,
            sa.func.sum(sa.case((is_won, rated.c.deals), else_=0)).label("won_deals"),
            sa.func.sum(sa.case((is_won, value))).label("won_key"),
            sa.func.sum(sa.case((is_open, value))).label("pipeline_key"),
            sa.func.sum(unrated).label("unrated"),
        )
        .group_by(rated.c.account_id)
        .subquery("money")
    )


def _page_totals(
    conn: Connection, settings: Settings, today: dt.date | None, ids: list[int]
) -> tuple[dict[int, Any], dict[int, Any]]:
    """(won, pipeline): account id -> its won / open amount in the reporting currency, for
    the accounts `ids`, converted exactly as `grouped_totals` does
    (summed per currency and rate day in SQL, converted with `currency.Converter`, rounded
    once per account); a missing rate raises InvalidData naming it."""
    from decimal import Decimal

    from salescli.services.currency import Converter, round_money

    reporting = settings.currency
    rate_day = sa.case((DEAL.c.currency == reporting, sa.null()), else_=DEAL.c.close_date)
    query = (
        sa.select(
            DEAL.c.account_id,
            STAGE.c.kind,
            DEAL.c.currency,
            rate_day.label("rate_day"),
            sa.cast(sa.func.sum(DEAL.c.amount_minor), sa.BigInteger).label("minor"),
        )
        .select_from(DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id))
        .where(
            DEAL.c.account_id.in_(ids),
            STAGE.c.kind.in_(("won", "open")),
            DEAL.c.amount_minor.is_not(None),
        )
        .group_by(DEAL.c.account_id, STAGE.c.kind, DEAL.c.currency, rate_day)
    )
    converter = Converter(conn, reporting, today)
    sums: dict[str, dict[int, Decimal]] = {"won": {}, "open": {}}
    for row in conn.execute(query):
        on = row.rate_day if row.kind != "open" else None
        value = converter.convert(row.minor, row.currency, on)
        into = sums[row.kind]
        into[row.account_id] = into.get(row.account_id, Decimal(0)) + value
    won, pipeline = (
        {k: round_money(v, reporting) for k, v in sums[state].items()} for state in ("won", "open")
    )
    return won, pipeline


def _strict_totals(
    conn: Connection, settings: Settings, today: dt.date | None, state: str
) -> dict[int, Any]:
    from salescli.services.deals import queries as deal_queries

    grouped = deal_queries.grouped_totals(
        conn, deal_queries.Filters(state=state), settings, ["account"], today
    )
    return {g["account_id"]: g["amount"] for g in grouped["groups"]}
