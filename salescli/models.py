"""SQLModel tables: the schema's source of truth (migrations are generated from it).

Money is integer minor units (`*_minor`) beside a currency code; instants are UTC through
`UTCDateTime`; business dates (close dates) are plain DATEs in the team's time zone.
Text that is searched has a casefolded copy (`search_text`, `*_key`) so that search is
case-insensitive for every script on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes stored as UTC (naive on SQLite, timestamptz on PostgreSQL)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused; attach a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=100)
    value: str


class Rep(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)
    email: str | None = Field(default=None, max_length=320)
    manager_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    team: str | None = Field(default=None, max_length=200)
    territory: str | None = Field(default=None, max_length=200)
    skills: str = Field(default="", max_length=2000)
    active: bool = Field(default=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    name_key: str = Field(max_length=300, unique=True)
    industry: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=200)
    territory: str | None = Field(default=None, max_length=200)
    employees: int | None = None
    parent_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    owner_id: int | None = Field(
        default=None, foreign_key="rep.id", ondelete="SET NULL", index=True
    )
    external_id: str | None = Field(default=None, max_length=200, index=True)
    notes: str | None = None
    search_text: str = Field(default="")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_contact_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    email: str | None = Field(default=None, max_length=320)
    email_key: str | None = Field(default=None, max_length=320, index=True)
    phone: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    account_id: int | None = Field(
        default=None, foreign_key="account.id", ondelete="SET NULL", index=True
    )
    owner_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", ondelete="SET NULL")
    external_id: str | None = Field(default=None, max_length=200, index=True)
    search_text: str = Field(default="")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_contact_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Lead(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    email: str | None = Field(default=None, max_length=320)
    email_key: str | None = Field(default=None, max_length=320, index=True)
    phone: str | None = Field(default=None, max_length=100)
    phone_key: str | None = Field(default=None, max_length=40, index=True)
    company: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=200)
    status: str = Field(default="new", max_length=20, index=True)
    status_reason: str | None = Field(default=None, max_length=500)
    territory: str | None = Field(default=None, max_length=200)
    owner_id: int | None = Field(
        default=None, foreign_key="rep.id", ondelete="SET NULL", index=True
    )
    score: int = Field(default=0)
    external_id: str | None = Field(default=None, max_length=200, index=True)
    notes: str | None = None
    search_text: str = Field(default="")
    # The conversion's account, contact and deal point back here through their lead_id.
    import_batch_id: int | None = Field(
        default=None, foreign_key="importbatch.id", ondelete="SET NULL"
    )
    forgotten: bool = Field(default=False)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_contact_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    converted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class LeadTag(SQLModel, table=True):
    """A lead's tag: `tag` is the folded key (matching, uniqueness), `label` the spelling
    first typed (what is shown)."""

    lead_id: int = Field(foreign_key="lead.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, max_length=100, index=True)
    label: str = Field(max_length=100)


class LeadKey(SQLModel, table=True):
    """A blocking key of a lead's name + company (salescli.tables.LEADKEY; lead_dedupe)."""

    lead_id: int = Field(foreign_key="lead.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=40, index=True)


class LeadAssignment(SQLModel, table=True):
    """Every assignment of a lead to a rep, by hand or by a routing strategy."""

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", ondelete="CASCADE", index=True)
    rep_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    previous_rep_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    strategy: str = Field(max_length=30)
    reason: str | None = Field(default=None, max_length=300)
    assigned_by: str | None = Field(default=None, max_length=200)
    assigned_at: dt.datetime = Field(sa_type=UTCDateTime)


class ImportBatch(SQLModel, table=True):
    """One committed import: the file's hash lets a re-import of the same file be refused."""

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=30)
    file_name: str = Field(max_length=500)
    file_sha256: str = Field(max_length=64, index=True)
    rows: int
    imported_at: dt.datetime = Field(sa_type=UTCDateTime)


class Stage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    position: int
    probability: int
    forecast_category: str = Field(max_length=20)
    stale_days: int = Field(default=14)
    kind: str = Field(default="open", max_length=10)


class LostReason(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)


class Product(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)
    series: str | None = Field(default=None, max_length=200)
    price_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    active: bool = Field(default=True)
    external_id: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Deal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    account_id: int | None = Field(
        default=None, foreign_key="account.id", ondelete="SET NULL", index=True
    )
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    owner_id: int | None = Field(
        default=None, foreign_key="rep.id", ondelete="SET NULL", index=True
    )
    lead_id: int | None = Field(default=None, foreign_key="lead.id", ondelete="SET NULL")
    amount_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    probability: int
    probability_override: bool = Field(default=False)
    forecast_category: str = Field(max_length=20)
    category_override: bool = Field(default=False)
    close_date: dt.date | None = Field(default=None, index=True)
    source: str | None = Field(default=None, max_length=200)
    deal_type: str = Field(default="new", max_length=10)
    lost_reason_id: int | None = Field(default=None, foreign_key="lostreason.id")
    lost_note: str | None = Field(default=None, max_length=500)
    external_id: str | None = Field(default=None, max_length=200, index=True)
    import_batch_id: int | None = Field(
        default=None, foreign_key="importbatch.id", ondelete="SET NULL"
    )
    search_text: str = Field(default="")
    created_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    stage_entered_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_activity_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class DealLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE", index=True)
    product_id: int = Field(foreign_key="product.id")
    quantity: int
    unit_price_minor: int = Field(sa_type=sa.BigInteger)
    discount_bp: int = Field(default=0)  # basis points: 1250 = 12.5 %
    amount_minor: int = Field(sa_type=sa.BigInteger)


class StageChange(SQLModel, table=True):
    """Stage history: one row per stage a deal entered (the first row is its creation)."""

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE", index=True)
    from_stage_id: int | None = Field(default=None, foreign_key="stage.id")
    to_stage_id: int = Field(foreign_key="stage.id")
    probability: int
    changed_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    changed_by: str | None = Field(default=None, max_length=200)
    # The deal's amount when it entered the stage (the account timeline shows it).
    amount_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str | None = Field(default=None, max_length=3)


class CurrencyRate(SQLModel, table=True):
    """Value of one unit of `currency` in `quote` (the reporting currency when it was set),
    from `valid_on`. Rates for another reporting currency are never used."""

    __table_args__ = (sa.UniqueConstraint("currency", "quote", "valid_on"),)
    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(max_length=3)
    quote: str = Field(max_length=3)
    rate: str = Field(max_length=40)  # a Decimal string: exact, never a float
    valid_on: dt.date


class Activity(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10, index=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", ondelete="CASCADE", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id", ondelete="CASCADE", index=True)
    contact_id: int | None = Field(
        default=None, foreign_key="contact.id", ondelete="CASCADE", index=True
    )
    account_id: int | None = Field(
        default=None, foreign_key="account.id", ondelete="CASCADE", index=True
    )
    rep_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL", index=True)
    occurred_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    outcome: str | None = Field(default=None, max_length=300)
    text: str = Field(default="")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Task(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    owner_id: int | None = Field(default=None, foreign_key="rep.id", ondelete="SET NULL")
    priority: str = Field(default="normal", max_length=10)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", ondelete="CASCADE")
    deal_id: int | None = Field(default=None, foreign_key="deal.id", ondelete="CASCADE")
    account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="CASCADE")
    done_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Erasure(SQLModel, table=True):
    """`lead forget` leaves only this: a hash of what was erased and when."""

    id: int | None = Field(default=None, primary_key=True)
    subject_hash: str = Field(max_length=64)
    erased_at: dt.datetime = Field(sa_type=UTCDateTime)
