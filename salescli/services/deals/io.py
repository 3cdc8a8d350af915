"""`deal import` on top of the CSV engine (services/csv/engine.py); `deal export` is deal_export.py.

Benchmarked path (the Maven import, 10,000-deal files): lookups loaded once, one Core
executemany per table (accounts
named in the file, deals, stage history, line items), all in the caller's transaction.

Semantics follow services/deals/records.py: amounts in minor units, the stage's probability and
forecast category snapshotted unless the row gives them, `deal_type` existing when the account
had a won deal before, one stage-history row per stage entered. A closed (won/lost) deal gets
two history rows: created in the first open stage at its creation, then won/lost at the start
of its close date (in the configured time zone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from salescli.errors import InvalidData
from salescli.services.csv import engine as csvio
from salescli.services.csv.cells import map_value_hint
from salescli.services.csv.common import (
    batch_ids,
    create_accounts,
    load_accounts,
    load_reps,
    new_accounts,
    plan_accounts,
    rep_id,
    row_account,
)
from salescli.services.csv.engine import FieldSpec, ImportContext, invalid
from salescli.services.csv.types import ImportState
from salescli.services.deals.rules import (
    DEAL_TYPES,
    TITLE_MAX,
    amount_minor,
    check_close_day,
    clean_note,
    clean_source,
    clean_title,
    history_row,
    stage_values,
)
from salescli.services.deals.stages import CATEGORIES, match_reason
from salescli.tables import CONTACT, DEAL, DEALLINE, LOSTREASON, PRODUCT, STAGE, STAGECHANGE
from salescli.text import fold, search_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

FIELDS = (
    FieldSpec(
        "title",
        aliases=("deal", "deal name", "deal title", "opportunity", "opportunity name", "name"),
    ),
    FieldSpec("amount", "money", aliases=("value", "deal value", "deal amount")),
    FieldSpec("currency", "currency"),
    FieldSpec(
        "account",
        max_length=300,
        aliases=("account name", "company", "company name", "organization", "organisation"),
    ),
    FieldSpec("contact", max_length=300, aliases=("contact name", "person")),
    FieldSpec(
        "account_external_id",
        max_length=200,
        aliases=("account external id", "account ext id"),
    ),
    FieldSpec("owner", max_length=200, aliases=("deal owner", "rep", "sales rep", "assigned to")),
    FieldSpec("stage", max_length=100, aliases=("deal stage", "pipeline stage", "stage name")),
    FieldSpec("product", max_length=200, aliases=("product name",)),
    FieldSpec("close_date", "date", aliases=("close", "close date", "closing date", "closed")),
    FieldSpec("created_at", "datetime", aliases=("created", "created date", "create date")),
    FieldSpec("source", aliases=("lead source", "deal source")),
    FieldSpec("type", "choice", choices=DEAL_TYPES, aliases=("deal type", "business type")),
    FieldSpec("probability", "int", aliases=("win probability",)),
    FieldSpec("forecast_category", "choice", choices=CATEGORIES, aliases=("category", "forecast")),
    FieldSpec("external_id", max_length=200, aliases=("external id", "ext id")),
    FieldSpec("lost_reason", max_length=100, aliases=("lost reason", "loss reason")),
    FieldSpec("lost_note", aliases=("lost note",)),
)
# Columns our own `deal export` writes that an import reads silently.
IGNORED = ("id", "updated_at")


# ----------------------------------------------------------------------------- import


@dataclass
class DealImportState(ImportState):
    """`deal import`: what `prepare` loads and `validate` remembers (typed, see csv.types.ImportState)."""

    stages: dict[str, Any] = field(default_factory=dict)
    stage_names: str = ""
    first_open: Any = None
    products: dict[str, tuple[int, str]] = field(default_factory=dict)
    products_loose: dict[str, tuple[int, str]] = field(default_factory=dict)
    reasons: list[Any] = field(default_factory=list)
    contacts: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    externals: dict[str, int] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    zone: Any = None
    today: Any = None
    account_names: dict[int, tuple[str, str]] | None = None  # id -> (name_key, name)


def entity(report: dict[str, Any] | None = None) -> csvio.Entity:
    """The `deal import` entity. `report`, when given, receives the names of the accounts
    created (`accounts_written`) or, on a dry run, that would be (`accounts_planned`)."""
    sink = report if report is not None else {}
    return csvio.Entity(
        state=DealImportState,
        name="deal",
        fields=FIELDS,
        validate=_validate,
        insert=lambda rows, ctx: _insert(rows, ctx, sink),
        prepare=_prepare,
        check_all=lambda rows, ctx: plan_accounts(rows, ctx, sink),
        ignored=IGNORED,
    )


def _prepare(ctx: ImportContext) -> None:
    conn = ctx.conn
    assert conn is not None
    load_reps(ctx)
    load_accounts(ctx)
    stages = conn.execute(
        sa.select(
            STAGE.c.id,
            STAGE.c.name,
            STAGE.c.probability,
            STAGE.c.forecast_category,
            STAGE.c.kind,
        ).order_by(STAGE.c.position, STAGE.c.id)
    ).all()
    by_key = {fold(s.name): s for s in stages}
    first_open = next((s for s in stages if s.kind == "open"), None)
    if first_open is None:
        raise InvalidData(
            "the pipeline has no open stage (add one: salescli deal stages add discovery)"
        )
    ctx.state.stages = by_key
    ctx.state.stage_names = ", ".join(s.name for s in stages)
    ctx.state.first_open = first_open
    products: dict[str, tuple[int, str]] = {}
    loose: dict[str, tuple[int, str]] = {}
    for pid, name, key in conn.execute(
        sa.select(PRODUCT.c.id, PRODUCT.c.name, PRODUCT.c.name_key).order_by(PRODUCT.c.id)
    ):
        products[key] = (pid, name)
        loose.setdefault(key.replace(" ", ""), (pid, name))
    ctx.state.products, ctx.state.products_loose = products, loose
    ctx.state.reasons = conn.execute(sa.select(LOSTREASON).order_by(LOSTREASON.c.id)).all()
    contacts: dict[str, list[tuple[int, int | None]]] = {}
    for cid, name, account_id in conn.execute(
        sa.select(CONTACT.c.id, CONTACT.c.name, CONTACT.c.account_id).order_by(CONTACT.c.id)
    ):
        contacts.setdefault(fold(name), []).append((cid, account_id))
    ctx.state.contacts = contacts
    externals = {
        ext: did
        for did, ext in conn.execute(
            sa.select(DEAL.c.id, DEAL.c.external_id).where(DEAL.c.external_id.is_not(None))
        )
    }
    ctx.state.externals = externals
    ctx.state.seen = {}
    ctx.state.zone = ZoneInfo(ctx.options.timezone)
    ctx.state.today = ctx.now.astimezone(ctx.state.zone).date()


def _stage(ctx: ImportContext, name: str | None) -> Any:
    if name is None:
        return ctx.state.first_open
    found = ctx.state.stages.get(fold(name))
    if found is None:
        names = ctx.state.stage_names
        hint = map_value_hint("stage", name, names.split(", "))
        raise invalid("stage", name, f"is not a stage (stages: {names}); {hint}")
    return found


def _product(ctx: ImportContext, name: str) -> tuple[int, str]:
    """By name ignoring case, then ignoring spaces as well (`GTXPro` finds `GTX Pro`)."""
    key = fold(name)
    found = ctx.state.products.get(key) or ctx.state.products_loose.get(key.replace(" ", ""))
    if found is None:
        raise invalid("product", name, "is not a product (see: salescli product list)")
    return found


def _contact(ctx: ImportContext, name: str, account_id: int | None, has_account: bool) -> tuple:
    """(contact id, the contact's account id); at the row's account when it names one."""
    candidates = ctx.state.contacts.get(fold(name), [])
    if has_account:
        candidates = [c for c in candidates if account_id is not None and c[1] == account_id]
        where = " at the row's account"
    else:
        where = ""
    if not candidates:
        raise invalid("contact", name, f"is not a contact{where} (see: salescli contact list)")
    if len(candidates) > 1:
        ids = ", ".join(str(c[0]) for c in candidates)
        raise invalid("contact", name, f"is ambiguous{where}: contacts {ids}")
    return candidates[0]


def _close_instant(ctx: ImportContext, day: dt.date) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=ctx.state.zone)
    return start.astimezone(dt.UTC)


def _validate(values: dict[str, Any], ctx: ImportContext) -> dict[str, Any]:
    state = ctx.state
    external = values["external_id"]
    if external is not None:
        other = state.externals.get(external)
        if other is not None:
            raise InvalidData(f"duplicate of deal {other} (external id {external})")
        first = state.seen.get(external)
        if first is not None:
            raise InvalidData(f"duplicate of line {first} (external id {external})")
        state.seen[external] = ctx.line
    stage = _stage(ctx, values["stage"])
    currency = values["currency"] or ctx.options.currency
    amount = values["amount"]
    minor = amount_minor(amount, currency)
    account_key, account_id, account_name = row_account(ctx, values)
    contact_id = None
    if values["contact"] is not None:
        contact_id, contact_account = _contact(
            ctx, values["contact"], account_id, account_key is not None
        )
        if account_key is None and contact_account is not None:
            account_id = contact_account
            if state.account_names is None:
                state.account_names = {i: (k, n) for k, (i, n) in state.accounts.items()}
            account_key, account_name = state.account_names[contact_account]
    product = _product(ctx, values["product"]) if values["product"] is not None else None
    title = values["title"]
    if title is None:
        parts = [p for p in (product[1] if product else None, account_name) if p]
        title = " – ".join(parts)[:TITLE_MAX] if parts else external
        if title is None:
            raise invalid(
                "title",
                None,
                "is required unless the row has an external_id (e.g. Acme – 50 seats)",
            )
    title = clean_title(title)
    source = clean_source(values["source"])
    kind = stage.kind
    probability = values["probability"]
    category = values["forecast_category"]
    reason_id = None
    lost_note = clean_note(values["lost_note"], "lost_note")
    if kind == "lost":
        reason_id = match_reason(state.reasons, values["lost_reason"] or "other", "lost_reason").id
    elif values["lost_reason"] is not None or lost_note is not None:
        field = "lost_reason" if values["lost_reason"] is not None else "lost_note"
        raise invalid(field, values[field], f"applies to lost deals only (stage: {stage.name})")
    created = values["created_at"]
    close_date = values["close_date"]
    closed_at = None
    if kind != "open":
        close_date = close_date or state.today
        try:
            check_close_day(close_date, kind, state.today, field="close_date")
        except InvalidData as exc:
            raise invalid("close_date", close_date, str(exc).split(" ", 2)[2]) from None
        start = _close_instant(ctx, close_date)
        if created is None:
            created = min(ctx.now, start)
        # Closed before it was entered (a backfilled deal): like `deal win --on` a past day,
        # the close date stays and the history row is at the creation.
        closed_at = max(created, start)
    elif created is None:
        created = ctx.now
    entered = stage_values(
        stage, probability, category, closed_at or created, category_field="forecast_category"
    )
    return {
        "title": title,
        "account_key": account_key,
        "account_id": account_id,
        "account_name": account_name,
        "contact_id": contact_id,
        "owner_id": rep_id(ctx, values["owner"]),
        "amount_minor": minor,
        "currency": currency,
        "stage_id": stage.id,
        "kind": kind,
        "probability": entered["probability"],
        "probability_override": entered["probability_override"],
        "forecast_category": entered["forecast_category"],
        "category_override": entered["category_override"],
        "close_date": close_date,
        "source": source,
        "deal_type": values["type"],
        "lost_reason_id": reason_id,
        "lost_note": lost_note,
        "external_id": external,
        "product_id": product[0] if product else None,
        "search_text": search_text(title, account_name),
        "created_at": created,
        "closed_at": closed_at,
    }


def _first_wins(conn: Connection) -> dict[int, dt.date]:
    """account id -> the close date of its first won deal (date.min when it has none)."""
    query = (
        sa.select(DEAL.c.account_id, sa.func.min(DEAL.c.close_date))
        .join(STAGE, STAGE.c.id == DEAL.c.stage_id)
        .where(STAGE.c.kind == "won", DEAL.c.account_id.is_not(None))
        .group_by(DEAL.c.account_id)
    )
    found = {}
    for account_id, first in conn.execute(query):
        if isinstance(first, str):
            first = dt.date.fromisoformat(first)
        found[account_id] = first or dt.date.min
    return found


def _deal_types(rows: list[dict[str, Any]], first_win: dict[int, dt.date]) -> None:
    """`existing` when the account had a won deal before this deal's close (open deals: any
    won deal), counting the won deals of the file too; a type given in the file wins."""
    for row in rows:
        if row["kind"] == "won" and row["account_id"] is not None:
            known = first_win.get(row["account_id"])
            if known is None or row["close_date"] < known:
                first_win[row["account_id"]] = row["close_date"]
    for row in rows:
        if row["deal_type"] is not None:
            continue
        first = first_win.get(row["account_id"]) if row["account_id"] is not None else None
        if first is None:
            row["deal_type"] = "new"
        elif row["kind"] == "open":
            row["deal_type"] = "existing"
        else:
            row["deal_type"] = "existing" if first < row["close_date"] else "new"


def _insert(rows: list[dict[str, Any]], ctx: ImportContext, report: dict) -> None:
    conn = ctx.conn
    assert conn is not None
    dialect = conn.dialect.name
    batch = ctx.batch_id
    names = new_accounts(rows)
    created = create_accounts(conn, names, ctx.now)
    report["accounts_written"] = list(names.values())
    for row in rows:
        if row["account_id"] is None and row["account_key"] is not None:
            row["account_id"] = created[row["account_key"]]
    _deal_types(rows, _first_wins(conn))
    now = csvio.storage_instant(ctx.now, dialect)
    payload = []
    for row in rows:
        created_at = csvio.storage_instant(row["created_at"], dialect)
        entered = row["closed_at"] or row["created_at"]
        payload.append(
            {
                "title": row["title"],
                "account_id": row["account_id"],
                "contact_id": row["contact_id"],
                "owner_id": row["owner_id"],
                "lead_id": None,
                "amount_minor": row["amount_minor"],
                "currency": row["currency"],
                "stage_id": row["stage_id"],
                "probability": row["probability"],
                "probability_override": row["probability_override"],
                "forecast_category": row["forecast_category"],
                "category_override": row["category_override"],
                "close_date": row["close_date"],
                "source": row["source"],
                "deal_type": row["deal_type"],
                "lost_reason_id": row["lost_reason_id"],
                "lost_note": row["lost_note"],
                "external_id": row["external_id"],
                "import_batch_id": batch,
                "search_text": row["search_text"],
                "created_at": created_at,
                "updated_at": now,
                "stage_entered_at": csvio.storage_instant(entered, dialect),
                "last_activity_at": None,
            }
        )
    conn.execute(sa.insert(DEAL), payload)
    ids = batch_ids(conn, DEAL, batch, len(rows), "deal")
    first = ctx.state.first_open
    by = f"import batch {batch}"
    history = []
    lines = []
    for deal_id, row in zip(ids, rows, strict=True):
        created = csvio.storage_instant(row["created_at"], dialect)
        money = (row["amount_minor"], row["currency"])
        entered = {**row, "stage_entered_at": created}
        if row["closed_at"] is not None:  # created in the first open stage, then closed
            opened = stage_values(first, None, None, created)
            history.append(history_row(deal_id, None, opened, by, *money))
            closed = csvio.storage_instant(row["closed_at"], dialect)
            entered = {**row, "stage_entered_at": closed}
            history.append(history_row(deal_id, first.id, entered, by, *money))
        else:
            history.append(history_row(deal_id, None, entered, by, *money))
        if row["product_id"] is not None and row["amount_minor"] is not None:
            lines.append(
                {
                    "deal_id": deal_id,
                    "product_id": row["product_id"],
                    "quantity": 1,
                    "unit_price_minor": row["amount_minor"],
                    "discount_bp": 0,
                    "amount_minor": row["amount_minor"],
                }
            )
    conn.execute(sa.insert(STAGECHANGE), history)
    if lines:
        conn.execute(sa.insert(DEALLINE), lines)
    _stage_rules(conn, batch, ctx.now)


def _stage_rules(conn: Connection, batch: int | None, now: dt.datetime) -> None:
    """The imported open deals entered their stage: its stage rules make their tasks."""
    from salescli.services import config
    from salescli.services.tasks import stage_rules

    if batch is None:
        return
    is_open = sa.select(STAGE.c.id).where(STAGE.c.kind == "open").scalar_subquery()
    where = sa.and_(DEAL.c.import_batch_id == batch, DEAL.c.stage_id.in_(is_open))
    stage_rules.enter_stage(conn, where, now, config.load(conn))


ENTITY = entity()
