"""The records' tables: reps, stages, accounts, leads, contacts, deals, activities, stage
history, settings, rates, imports (the planning tables are in tables.plans; salescli.tables exports them all).
"""

from __future__ import annotations

import sqlalchemy as sa

from salescli.tables.base import METADATA, Instant

CURRENCYRATE = sa.Table(
    "currencyrate",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("quote", sa.String(3), nullable=False),
    sa.Column("rate", sa.String(40), nullable=False),
    sa.Column("valid_on", sa.Date(), nullable=False),
    sa.UniqueConstraint("currency", "quote", "valid_on"),
)
ERASURE = sa.Table(
    "erasure",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("subject_hash", sa.String(64), nullable=False),
    sa.Column("erased_at", Instant(), nullable=False),
)
IMPORTBATCH = sa.Table(
    "importbatch",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("entity", sa.String(30), nullable=False),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("rows", sa.Integer(), nullable=False),
    sa.Column("imported_at", Instant(), nullable=False),
)
LOSTREASON = sa.Table(
    "lostreason",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
)
PRODUCT = sa.Table(
    "product",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False, unique=True),
    sa.Column("series", sa.String(200), nullable=True),
    sa.Column("price_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False, default=True),
    sa.Column("external_id", sa.String(200), nullable=True),
    sa.Column("created_at", Instant(), nullable=False),
)
REP = sa.Table(
    "rep",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False, unique=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column(
        "manager_id",
        sa.Integer(),
        sa.ForeignKey("rep.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("team", sa.String(200), nullable=True),
    sa.Column("territory", sa.String(200), nullable=True),
    sa.Column("skills", sa.String(2000), nullable=False, default=""),
    sa.Column("active", sa.Boolean(), nullable=False, default=True),
    sa.Column("created_at", Instant(), nullable=False),
)
SETTING = sa.Table(
    "setting",
    METADATA,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.String(), nullable=False),
)
STAGE = sa.Table(
    "stage",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("probability", sa.Integer(), nullable=False),
    sa.Column("forecast_category", sa.String(20), nullable=False),
    sa.Column("stale_days", sa.Integer(), nullable=False, default=14),
    sa.Column("kind", sa.String(10), nullable=False, default="open"),
)
ACCOUNT = sa.Table(
    "account",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("name_key", sa.String(300), nullable=False, unique=True),
    sa.Column("industry", sa.String(200), nullable=True),
    sa.Column("website", sa.String(500), nullable=True),
    sa.Column("phone", sa.String(100), nullable=True),
    sa.Column("country", sa.String(200), nullable=True),
    sa.Column("territory", sa.String(200), nullable=True),
    sa.Column("employees", sa.Integer(), nullable=True),
    sa.Column(
        "parent_id", sa.Integer(), sa.ForeignKey("account.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column(
        "owner_id",
        sa.Integer(),
        sa.ForeignKey("rep.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("external_id", sa.String(200), nullable=True, index=True),
    sa.Column("notes", sa.String(), nullable=True),
    sa.Column("search_text", sa.String(), nullable=False, default=""),
    sa.Column("created_at", Instant(), nullable=False, index=True),
    sa.Column("updated_at", Instant(), nullable=False),
    sa.Column("last_contact_at", Instant(), nullable=True),
)
LEAD = sa.Table(
    "lead",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("email_key", sa.String(320), nullable=True, index=True),
    sa.Column("phone", sa.String(100), nullable=True),
    sa.Column("phone_key", sa.String(40), nullable=True, index=True),
    sa.Column("company", sa.String(300), nullable=True),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("source", sa.String(200), nullable=True, index=True),
    sa.Column("status", sa.String(20), nullable=False, index=True, default="new"),
    sa.Column("status_reason", sa.String(500), nullable=True),
    sa.Column("territory", sa.String(200), nullable=True, index=True),
    sa.Column(
        "owner_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("score", sa.Integer(), nullable=False, default=0, index=True),
    sa.Column("external_id", sa.String(200), nullable=True, index=True),
    sa.Column("notes", sa.String(), nullable=True),
    sa.Column("search_text", sa.String(), nullable=False, default=""),
    sa.Column(
        "import_batch_id",
        sa.Integer(),
        sa.ForeignKey("importbatch.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("forgotten", sa.Boolean(), nullable=False, default=False),
    sa.Column("created_at", Instant(), nullable=False, index=True),
    sa.Column("updated_at", Instant(), nullable=False),
    sa.Column("last_contact_at", Instant(), nullable=True, index=True),
    sa.Column("converted_at", Instant(), nullable=True),
    # `--owner` filters, and each rep's open leads (`rep list`, routing) counted from the
    # index alone.
    sa.Index("ix_lead_owner_id_status", "owner_id", "status", "forgotten"),
)
CONTACT = sa.Table(
    "contact",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("email_key", sa.String(320), nullable=True, index=True),
    sa.Column("phone", sa.String(100), nullable=True),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column(
        "account_id",
        sa.Integer(),
        sa.ForeignKey("account.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column(
        "owner_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column(
        "lead_id",
        sa.Integer(),
        sa.ForeignKey("lead.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("external_id", sa.String(200), nullable=True, index=True),
    sa.Column("search_text", sa.String(), nullable=False, default=""),
    sa.Column("created_at", Instant(), nullable=False),
    sa.Column("updated_at", Instant(), nullable=False),
    sa.Column("last_contact_at", Instant(), nullable=True),
)
LEADASSIGNMENT = sa.Table(
    "leadassignment",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "lead_id",
        sa.Integer(),
        sa.ForeignKey("lead.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("rep_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="SET NULL"), nullable=True),
    sa.Column(
        "previous_rep_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("strategy", sa.String(30), nullable=False),
    sa.Column("reason", sa.String(300), nullable=True),
    sa.Column("assigned_by", sa.String(200), nullable=True),
    sa.Column("assigned_at", Instant(), nullable=False),
)
LEADTAG = sa.Table(
    "leadtag",
    METADATA,
    sa.Column(
        "lead_id", sa.Integer(), sa.ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("tag", sa.String(100), primary_key=True, index=True),
    sa.Column("label", sa.String(100), nullable=False),
)
# The near-identical name + company search (`lead add`/`lead edit` warnings) looks leads up
# here instead of reading them all: each lead (not forgotten) has one row per blocking key
# of its folded name + company (services.leads.dedupe_keys.segment_keys).
LEADKEY = sa.Table(
    "leadkey",
    METADATA,
    sa.Column(
        "lead_id", sa.Integer(), sa.ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(40), primary_key=True, index=True),
)
DEAL = sa.Table(
    "deal",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column(
        "account_id",
        sa.Integer(),
        sa.ForeignKey("account.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column(
        "contact_id",
        sa.Integer(),
        sa.ForeignKey("contact.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column(
        "owner_id",
        sa.Integer(),
        sa.ForeignKey("rep.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column(
        "lead_id",
        sa.Integer(),
        sa.ForeignKey("lead.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("amount_minor", sa.BigInteger(), nullable=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("stage_id", sa.Integer(), sa.ForeignKey("stage.id"), nullable=False),
    sa.Column("probability", sa.Integer(), nullable=False),
    sa.Column("probability_override", sa.Boolean(), nullable=False, default=False),
    sa.Column("forecast_category", sa.String(20), nullable=False),
    sa.Column("category_override", sa.Boolean(), nullable=False, default=False),
    sa.Column("close_date", sa.Date(), nullable=True, index=True),
    sa.Column("source", sa.String(200), nullable=True),
    sa.Column("deal_type", sa.String(10), nullable=False, default="new"),
    sa.Column("lost_reason_id", sa.Integer(), sa.ForeignKey("lostreason.id"), nullable=True),
    sa.Column("lost_note", sa.String(500), nullable=True),
    sa.Column("external_id", sa.String(200), nullable=True, index=True),
    sa.Column(
        "import_batch_id",
        sa.Integer(),
        sa.ForeignKey("importbatch.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("search_text", sa.String(), nullable=False, default=""),
    sa.Column("created_at", Instant(), nullable=False, index=True),
    sa.Column("updated_at", Instant(), nullable=False),
    sa.Column("stage_entered_at", Instant(), nullable=False),
    sa.Column("last_activity_at", Instant(), nullable=True),
    # by stage; the won deals by account with when they were won (task auto's check-in rule)
    # from the index alone.
    sa.Index(
        "ix_deal_stage_id_account_id_stage_entered_at", "stage_id", "account_id", "stage_entered_at"
    ),  # fmt: skip
    # Migration 0011: the open deals of a stage in close-date order (`deal list`'s page).
    sa.Index("ix_deal_stage_id_close_date", "stage_id", "close_date"),
    # Migration 0010: the columns `grouped_totals` reads, by close date (covering).
    sa.Index(
        "ix_deal_close_date_totals",
        "close_date",
        "stage_id",
        "owner_id",
        "currency",
        "amount_minor",
        "probability",
        "forecast_category",
    ),
)
ACTIVITY = sa.Table(
    "activity",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column(
        "lead_id",
        sa.Integer(),
        sa.ForeignKey("lead.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column(
        "deal_id",
        sa.Integer(),
        sa.ForeignKey("deal.id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column(
        "contact_id",
        sa.Integer(),
        sa.ForeignKey("contact.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column(
        "account_id",
        sa.Integer(),
        sa.ForeignKey("account.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("rep_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="SET NULL"), nullable=True),
    sa.Column("occurred_at", Instant(), nullable=False, index=True),
    sa.Column("outcome", sa.String(300), nullable=True),
    sa.Column("text", sa.String(), nullable=False, default=""),
    sa.Column("created_at", Instant(), nullable=False),
    # `activity list --rep/--kind`, newest first: the filter and the order in one index.
    sa.Index("ix_activity_rep_id_occurred_at", "rep_id", "occurred_at"),
    # ... and task auto's follow-up rule reads its window and whose the contacts are from it.
    sa.Index(
        "ix_activity_kind_occurred_at_lead_id_deal_id", "kind", "occurred_at", "lead_id", "deal_id"
    ),  # fmt: skip
    # a deal's activities, newest first: `deal stale`'s last touch from the index alone.
    sa.Index("ix_activity_deal_id_occurred_at", "deal_id", "occurred_at"),
)
DEALLINE = sa.Table(
    "dealline",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "deal_id",
        sa.Integer(),
        sa.ForeignKey("deal.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=False),
    sa.Column("quantity", sa.Integer(), nullable=False),
    sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
    sa.Column("discount_bp", sa.Integer(), nullable=False, default=0),
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
)
STAGECHANGE = sa.Table(
    "stagechange",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "deal_id",
        sa.Integer(),
        sa.ForeignKey("deal.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("from_stage_id", sa.Integer(), sa.ForeignKey("stage.id"), nullable=True),
    sa.Column("to_stage_id", sa.Integer(), sa.ForeignKey("stage.id"), nullable=False),
    sa.Column("probability", sa.Integer(), nullable=False),
    sa.Column("changed_at", Instant(), nullable=False, index=True),
    sa.Column("changed_by", sa.String(200), nullable=True),
    sa.Column("amount_minor", sa.BigInteger(), nullable=True),
    sa.Column("currency", sa.String(3), nullable=True),
)
