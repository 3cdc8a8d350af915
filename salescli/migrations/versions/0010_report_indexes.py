"""a covering index for the money aggregation by close date (forecast, reports)

Revision ID: 0010
Revises: 0009

`deals.queries.grouped_totals` (THE money aggregation: forecast, quota progress, trend,
performance, leaderboard, weekly) reads the deals of a close-date range and only these
columns: close date, stage, owner, currency, amount, probability and forecast category. One
index holding them all answers the query from the index alone, without reading the deal rows
(docs/performance.md, forecast section). `ix_deal_close_date` stays (its list orders).

Only an index: no data changes, no table is rebuilt.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = [
    "close_date",
    "stage_id",
    "owner_id",
    "currency",
    "amount_minor",
    "probability",
    "forecast_category",
]


def upgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.create_index("ix_deal_close_date_totals", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.drop_index("ix_deal_close_date_totals")
