"""Accounts: the customer companies and their list with deal counts (history: account_history)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.instants import utc

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Account
    from salescli.services.config import Settings

SORTS = ("name", "created", "won", "pipeline")
EDITABLE = ("industry", "website", "phone", "country", "territory")


def name_key(name: str) -> str:
    from salescli.text import fold

    return fold(name)


def clean_name(name: str, field: str = "name") -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidData(f"account {field} is empty (e.g. 'Acme GmbH')")
    if len(value) > 300:
        raise InvalidData(f"account {field} '{value[:40]}…' is longer than 300 characters")
    return value


def find(session: Session, name: str) -> Account | None:
    """The account with this name (case-insensitive, Unicode-aware), or None."""
    from sqlmodel import select

    from salescli.models import Account

    return session.exec(select(Account).where(Account.name_key == name_key(name))).first()


def resolve(session: Session, ref: str) -> Account:
    """An account by id or by name (case-insensitive); NotFound (exit 3) otherwise."""
    from salescli.models import Account

    value = (ref or "").strip()
    if (number := as_id(value)) is not None:
        account = session.get(Account, number)
        if account is not None:
            return account
    account = find(session, value) if value else None
    if account is None:
        raise NotFound(f"account '{ref}' not found (see: salescli account list)")
    return account


def rep_id(session: Session, ref: str | None, settings: Settings | None = None) -> int | None:
    """The id of the rep named by `ref`, else of "me" (SALESCLI_REP / config me), else None."""
    from salescli.services import reps

    if ref:
        return reps.resolve(session, ref).id
    me = reps.default_owner(session, settings) if settings is not None else None
    return me.id if me else None


def _search_text(account: Account) -> str:
    from salescli.text import search_text

    return search_text(
        account.name, account.industry, account.website, account.country, account.territory
    )


def create(
    session: Session,
    *,
    name: str,
    now: dt.datetime,
    industry: str | None = None,
    website: str | None = None,
    phone: str | None = None,
    country: str | None = None,
    territory: str | None = None,
    owner_id: int | None = None,
    parent_id: int | None = None,
) -> Account:
    """A new account; a name already taken (ignoring case) is refused naming the existing id."""
    from salescli.models import Account

    value = clean_name(name)
    existing = find(session, value)
    if existing is not None:
        raise InvalidData(
            f"account '{value}' already exists (id {existing.id}, '{existing.name}'); "
            "names are unique ignoring case and accents"
        )
    account = Account(
        name=value,
        name_key=name_key(value),
        industry=_opt(industry),
        website=_opt(website),
        phone=_opt(phone),
        country=_opt(country),
        territory=_opt(territory),
        owner_id=owner_id,
        parent_id=parent_id,
        created_at=utc(now),
        updated_at=utc(now),
    )
    account.search_text = _search_text(account)
    session.add(account)
    session.flush()
    return account


def get_or_create(
    session: Session, name: str, now: dt.datetime, **fields: Any
) -> tuple[Account, bool]:
    """The account with this name (matched ignoring case), created when missing; (account, created)."""
    existing = find(session, clean_name(name))
    if existing is not None:
        return existing, False
    return create(session, name=name, now=now, **fields), True


def _opt(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def update(
    session: Session, account: Account, changes: dict[str, Any], now: dt.datetime
) -> Account:
    """Apply `changes` (name, industry..., owner_id, parent_id); "" clears a text field."""
    if "name" in changes and changes["name"] is not None:
        value = clean_name(changes["name"])
        other = find(session, value)
        if other is not None and other.id != account.id:
            raise InvalidData(f"account '{value}' already exists (id {other.id})")
        account.name = value
        account.name_key = name_key(value)
    for key in EDITABLE:
        if key in changes and changes[key] is not None:
            setattr(account, key, _opt(changes[key]))
    if "owner_id" in changes:
        account.owner_id = changes["owner_id"]
    if "parent_id" in changes:
        check_parent(session, account, changes["parent_id"])
        account.parent_id = changes["parent_id"]
    account.search_text = _search_text(account)
    account.updated_at = utc(now)
    session.add(account)
    session.flush()
    if "name" in changes and changes["name"] is not None:
        _refresh_related_search(session, account)
    return account


def _refresh_related_search(session: Session, account: Account) -> None:
    """Contacts and deals are searchable by their account's name: keep that copy current."""
    from sqlmodel import select

    from salescli.models import Contact, Deal
    from salescli.services import contacts, deals

    for contact in session.exec(select(Contact).where(Contact.account_id == account.id)):
        contact.search_text = contacts.search_text_of(contact, account.name)
        session.add(contact)
    for deal in session.exec(select(Deal).where(Deal.account_id == account.id)):
        deal.search_text = deals.search_text_of(session, deal)
        session.add(deal)
    session.flush()


def check_parent(session: Session, account: Account, parent_id: int | None) -> None:
    """Refuse a parent that is the account itself or one of its own subsidiaries."""
    from salescli.models import Account

    seen: set[int] = set()
    current = parent_id
    while current is not None and current not in seen:
        if current == account.id:
            raise InvalidData(
                f"parent {parent_id} would make account {account.id} its own parent "
                "(pick an account that is not below it)"
            )
        seen.add(current)
        parent = session.get(Account, current)
        current = parent.parent_id if parent else None


def delete(session: Session, account: Account) -> dict:
    """Delete an account that has no deals and no contacts (refused with the counts otherwise)."""
    counts = dependents(session, account)
    if counts["deals"] or counts["contacts"]:
        raise InvalidData(
            f"account {account.id} '{account.name}' has {plural(counts['deals'], 'deal')} "
            f"and {plural(counts['contacts'], 'contact')}: delete or move them first"
        )
    session.delete(account)
    session.flush()
    return {"id": account.id, "name": account.name, "deleted": True, **counts}


def plural(count: int, word: str) -> str:
    """`1 deal`, `2 deals`, `3 activities`."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def dependents(session: Session, account: Account) -> dict[str, int]:
    """How many deals, contacts, activities and tasks point at the account."""
    import sqlalchemy as sa

    from salescli.models import Activity, Contact, Deal, Task

    counts = {}
    for key, model in (
        ("deals", Deal),
        ("contacts", Contact),
        ("activities", Activity),
        ("tasks", Task),
    ):
        stmt = sa.select(sa.func.count()).select_from(model).where(model.account_id == account.id)
        counts[key] = int(session.execute(stmt).scalar_one())
    return counts


def _deal_counts(settings_currency: str) -> Any:
    """A per-account aggregate of deals: open / won counts and won amount in one currency."""
    import sqlalchemy as sa

    from salescli.models import Deal, Stage

    won = Stage.kind == "won"
    return (
        sa.select(
            Deal.account_id.label("account_id"),
            sa.func.count(sa.case((Stage.kind == "open", 1))).label("open_deals"),
            sa.func.count(sa.case((won, 1))).label("won_deals"),
            sa.cast(
                sa.func.sum(
                    sa.case((won & (Deal.currency == settings_currency), Deal.amount_minor))
                ),
                sa.BigInteger,
            ).label("won_minor"),
            sa.func.count(sa.case((won & (Deal.currency != settings_currency), 1))).label(
                "won_other"
            ),
        )
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.account_id.is_not(None))
        .group_by(Deal.account_id)
        .subquery("deal_counts")
    )


def list_accounts(
    session: Session,
    *,
    currency: str,
    search: str | None = None,
    owner_id: int | None = None,
    customer: bool | None = None,
    sort: str = "name",
    limit: int | None = None,
    settings: Settings | None = None,
    today: dt.date | None = None,
) -> list[dict]:
    """Accounts with open/won deal counts and won amount (in `currency`, the reporting one).

    `won_amount` is None when some won deal is in another currency (never mixed silently).
    Sorted by `won` or `pipeline`, rows also carry `won_revenue` and `pipeline` (open amount):
    every deal converted to the reporting currency as `deal list --sum` does, most first.
    """
    import sqlalchemy as sa

    from salescli.models import Account, Rep
    from salescli.text import like_pattern

    if sort not in SORTS:
        raise InvalidData(f"sort '{sort}' is not one of: {', '.join(SORTS)} (e.g. name)")
    counts = _deal_counts(currency)
    open_deals = sa.func.coalesce(counts.c.open_deals, 0)
    won_deals = sa.func.coalesce(counts.c.won_deals, 0)
    stmt = (
        sa.select(
            Account.id,
            Account.name,
            Account.industry,
            Account.website,
            Account.country,
            Account.territory,
            Rep.name.label("owner"),
            Account.owner_id,
            open_deals.label("open_deals"),
            won_deals.label("won_deals"),
            counts.c.won_minor,
            sa.func.coalesce(counts.c.won_other, 0).label("won_other"),
            Account.created_at,
            Account.last_contact_at,
        )
        .outerjoin(counts, counts.c.account_id == Account.id)
        .outerjoin(Rep, Rep.id == Account.owner_id)
    )
    if search:
        stmt = stmt.where(Account.search_text.like(like_pattern(search), escape="\\"))
    if owner_id is not None:
        stmt = stmt.where(Account.owner_id == owner_id)
    if customer is True:
        stmt = stmt.where(won_deals > 0)
    elif customer is False:
        stmt = stmt.where(won_deals == 0)
    if sort == "name":
        stmt = stmt.order_by(Account.name_key, Account.id)
    elif sort == "created":
        stmt = stmt.order_by(Account.created_at.desc(), Account.id.desc())
    else:
        stmt = stmt.order_by(Account.name_key, Account.id)
    if limit is not None and sort not in ("won", "pipeline"):
        stmt = stmt.limit(limit)
    rows = [
        {
            "id": row["id"],
            "name": row["name"],
            "industry": row["industry"],
            "website": row["website"],
            "country": row["country"],
            "territory": row["territory"],
            "owner": row["owner"],
            "owner_id": row["owner_id"],
            **_deal_summary(row, currency),
            "created_at": row["created_at"],
            "last_contact_at": row["last_contact_at"],
        }
        for row in session.execute(stmt).mappings()
    ]
    if sort in ("won", "pipeline"):
        assert settings is not None, "sorting by money needs the settings (reporting currency)"
        rows = _by_money(session, rows, sort, settings, today)[:limit]
    return rows


def _by_money(
    session: Session, rows: list[dict], sort: str, settings: Settings, today: dt.date | None
) -> list[dict]:
    """`rows` with `won_revenue` and `pipeline` per account, sorted by one of them, most first
    (ties by name): the deal list's grouped totals, so the conversion is the same."""
    from salescli.services import deal_queries

    conn = session.connection()
    figures = {}
    for state, key in (("won", "won_revenue"), ("open", "pipeline")):
        grouped = deal_queries.grouped_totals(
            conn, deal_queries.Filters(state=state), settings, ["account"], today
        )
        figures[key] = {g["account_id"]: g["amount"] for g in grouped["groups"]}
    zero = deal_queries.round_zero(settings.currency)
    for row in rows:
        row["won_revenue"] = figures["won_revenue"].get(row["id"], zero)
        row["pipeline"] = figures["pipeline"].get(row["id"], zero)
    field = "won_revenue" if sort == "won" else "pipeline"
    return sorted(rows, key=lambda r: -r[field])  # stable: ties keep the name order


def rep_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    from sqlmodel import select

    from salescli.models import Rep

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {r.id: r.name for r in session.exec(select(Rep).where(Rep.id.in_(wanted)))}  # type: ignore[union-attr,misc]


def record(session: Session, account: Account, currency: str) -> dict:
    """The account as a JSON-shaped dict (with its deal counts)."""
    from salescli.models import Account as AccountModel

    summary = _summary(session, account.id, currency)
    parent = session.get(AccountModel, account.parent_id) if account.parent_id else None
    names = rep_names(session, {account.owner_id})
    return {
        "id": account.id,
        "name": account.name,
        "industry": account.industry,
        "website": account.website,
        "phone": account.phone,
        "country": account.country,
        "territory": account.territory,
        "owner": names.get(account.owner_id) if account.owner_id else None,  # type: ignore[arg-type]
        "owner_id": account.owner_id,
        "parent": parent.name if parent else None,
        "parent_id": account.parent_id,
        **summary,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
        "last_contact_at": account.last_contact_at,
    }


def _summary(session: Session, account_id: int | None, currency: str) -> dict:
    import sqlalchemy as sa

    counts = _deal_counts(currency)
    query = sa.select(counts).where(counts.c.account_id == account_id)
    return _deal_summary(session.execute(query).mappings().first() or _NO_DEALS, currency)


_NO_DEALS = {"open_deals": 0, "won_deals": 0, "won_minor": 0, "won_other": 0}


def _deal_summary(row: Any, currency: str) -> dict:
    """The deal figures of a `_deal_counts` row; `won_amount` is None when some won deal is in
    another currency (never mixed silently)."""
    from salescli.money import from_minor

    won_deals = int(row["won_deals"])
    return {
        "open_deals": int(row["open_deals"]),
        "won_deals": won_deals,
        "won_amount": None if row["won_other"] else from_minor(row["won_minor"] or 0, currency),
        "currency": currency,
        "customer": won_deals > 0,
    }


def show(session: Session, account: Account, currency: str) -> dict:
    """The account record with its contacts, deals and the whole history in time order."""
    from salescli.services import account_history

    return {**record(session, account, currency), **account_history.history(session, account)}


def record_ref(row: Any) -> str:
    """`deal 12`, `contact 3`, `account 1` or `lead 7`: the record an activity or task is on."""
    for key in ("deal_id", "contact_id", "account_id", "lead_id"):
        value = getattr(row, key, None) if not isinstance(row, dict) else row.get(key)
        if value is not None:
            return f"{key[:-3]} {value}"
    return ""
