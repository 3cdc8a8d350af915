"""Lightweight SQLAlchemy Core tables for the paths that must not import sqlmodel.

`lead list`, `deal list` (with `--sum`), every CSV import/export and `salescli demo` run on SQLAlchemy Core
alone: importing sqlmodel and salescli.models costs ~35x `python -c pass`. They build their
queries from these `sqlalchemy.table()` clauses instead, one definition per table, each
naming the columns those paths use (a subset of the table in salescli.models, the schema's
source of truth; tests/test_tables.py fails when a name here is not a model column).

Instant columns are left untyped on purpose: writers pass values already in storage form
(`csvtypes.storage_instant`: naive UTC text on SQLite, aware on PostgreSQL) and readers turn
what comes back (text on SQLite) into aware UTC with `salescli.instants.utc`.
"""

from __future__ import annotations

import sqlalchemy as sa

ACTIVITY = sa.table(
    "activity",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("lead_id", sa.Integer),
    sa.column("deal_id", sa.Integer),
    sa.column("contact_id", sa.Integer),
    sa.column("account_id", sa.Integer),
    sa.column("rep_id", sa.Integer),
    sa.column("occurred_at"),
    sa.column("outcome", sa.String),
    sa.column("text", sa.String),
    sa.column("created_at"),
)
ACCOUNT = sa.table(
    "account",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("industry", sa.String),
    sa.column("website", sa.String),
    sa.column("phone", sa.String),
    sa.column("country", sa.String),
    sa.column("territory", sa.String),
    sa.column("employees", sa.Integer),
    sa.column("parent_id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("external_id", sa.String),
    sa.column("notes", sa.String),
    sa.column("search_text", sa.String),
    sa.column("created_at"),
    sa.column("updated_at"),
    sa.column("last_contact_at"),
)
CONTACT = sa.table(
    "contact",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("email", sa.String),
    sa.column("email_key", sa.String),
    sa.column("phone", sa.String),
    sa.column("title", sa.String),
    sa.column("account_id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("lead_id", sa.Integer),
    sa.column("external_id", sa.String),
    sa.column("search_text", sa.String),
    sa.column("created_at"),
    sa.column("updated_at"),
    sa.column("last_contact_at"),
)
CURRENCYRATE = sa.table(
    "currencyrate",
    sa.column("id", sa.Integer),
    sa.column("currency", sa.String),
    sa.column("quote", sa.String),
    sa.column("rate", sa.String),
    sa.column("valid_on", sa.Date),
)
DEAL = sa.table(
    "deal",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("account_id", sa.Integer),
    sa.column("contact_id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("lead_id", sa.Integer),
    sa.column("amount_minor", sa.BigInteger),
    sa.column("currency", sa.String),
    sa.column("stage_id", sa.Integer),
    sa.column("probability", sa.Integer),
    sa.column("probability_override", sa.Boolean),
    sa.column("forecast_category", sa.String),
    sa.column("category_override", sa.Boolean),
    sa.column("close_date", sa.Date),
    sa.column("source", sa.String),
    sa.column("deal_type", sa.String),
    sa.column("lost_reason_id", sa.Integer),
    sa.column("lost_note", sa.String),
    sa.column("external_id", sa.String),
    sa.column("import_batch_id", sa.Integer),
    sa.column("search_text", sa.String),
    sa.column("created_at"),
    sa.column("updated_at"),
    sa.column("stage_entered_at"),
    sa.column("last_activity_at"),
)
DEALLINE = sa.table(
    "dealline",
    sa.column("deal_id", sa.Integer),
    sa.column("product_id", sa.Integer),
    sa.column("quantity", sa.Integer),
    sa.column("unit_price_minor", sa.BigInteger),
    sa.column("discount_bp", sa.Integer),
    sa.column("amount_minor", sa.BigInteger),
)
IMPORTBATCH = sa.table(
    "importbatch",
    sa.column("id", sa.Integer),
    sa.column("entity", sa.String),
    sa.column("file_name", sa.String),
    sa.column("file_sha256", sa.String),
    sa.column("rows", sa.Integer),
    sa.column("imported_at"),
)
LEAD = sa.table(
    "lead",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("email", sa.String),
    sa.column("email_key", sa.String),
    sa.column("phone", sa.String),
    sa.column("phone_key", sa.String),
    sa.column("company", sa.String),
    sa.column("title", sa.String),
    sa.column("source", sa.String),
    sa.column("status", sa.String),
    sa.column("status_reason", sa.String),
    sa.column("territory", sa.String),
    sa.column("owner_id", sa.Integer),
    sa.column("score", sa.Integer),
    sa.column("external_id", sa.String),
    sa.column("notes", sa.String),
    sa.column("search_text", sa.String),
    sa.column("import_batch_id", sa.Integer),
    sa.column("forgotten", sa.Boolean),
    sa.column("created_at"),
    sa.column("updated_at"),
    sa.column("last_contact_at"),
    sa.column("converted_at"),
)
LEADASSIGNMENT = sa.table(
    "leadassignment",
    sa.column("lead_id", sa.Integer),
    sa.column("rep_id", sa.Integer),
    sa.column("previous_rep_id", sa.Integer),
    sa.column("strategy", sa.String),
    sa.column("reason", sa.String),
    sa.column("assigned_by", sa.String),
    sa.column("assigned_at"),
)
LEADTAG = sa.table(
    "leadtag",
    sa.column("lead_id", sa.Integer),
    sa.column("tag", sa.String),
    sa.column("label", sa.String),
)
LOSTREASON = sa.table("lostreason", sa.column("id", sa.Integer), sa.column("name", sa.String))
PRODUCT = sa.table(
    "product",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("series", sa.String),
    sa.column("price_minor", sa.BigInteger),
    sa.column("currency", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("external_id", sa.String),
    sa.column("created_at"),
)
REP = sa.table(
    "rep",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("email", sa.String),
    sa.column("team", sa.String),
    sa.column("territory", sa.String),
    sa.column("skills", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("manager_id", sa.Integer),
    sa.column("created_at"),
)
STAGE = sa.table(
    "stage",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("position", sa.Integer),
    sa.column("probability", sa.Integer),
    sa.column("forecast_category", sa.String),
    sa.column("kind", sa.String),
)
TASK = sa.table("task", sa.column("id", sa.Integer), sa.column("title", sa.String))
STAGECHANGE = sa.table(
    "stagechange",
    sa.column("deal_id", sa.Integer),
    sa.column("from_stage_id", sa.Integer),
    sa.column("to_stage_id", sa.Integer),
    sa.column("probability", sa.Integer),
    sa.column("changed_at"),
    sa.column("changed_by", sa.String),
    sa.column("amount_minor", sa.BigInteger),
    sa.column("currency", sa.String),
)
