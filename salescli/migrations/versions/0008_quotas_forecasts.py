"""quotas, forecast adjustments and forecast snapshots

Revision ID: 0008
Revises: 0007

`quota`: a rep's target (scope `rep`) or a manager's target for everyone under them (scope
`team`) for a period on a metric (revenue in minor units of a currency, or a count).
`forecastadjustment`: a manager's judgement beside a computed commit or best-case figure (every
adjustment kept; the latest counts). `forecastsnapshot`: a forecast as it stood when taken, per
method and rep, for `forecast accuracy`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salescli.tables import Instant

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=4), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Instant(), nullable=False),
        sa.Column("updated_at", Instant(), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_batch_id"], ["importbatch.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "rep_id", "metric", "period_start", "period_end"),
    )
    with op.batch_alter_table("quota") as batch:
        batch.create_index("ix_quota_period_start", ["period_start", "period_end"])
    op.create_table(
        "forecastadjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("adjusted_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", Instant(), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("forecastadjustment") as batch:
        batch.create_index(
            "ix_forecastadjustment_rep_id_period", ["rep_id", "period_start", "period_end"]
        )
    op.create_table(
        "forecastsnapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", Instant(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("forecast_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("forecastsnapshot") as batch:
        batch.create_index("ix_forecastsnapshot_period", ["period_start", "period_end", "method"])


def downgrade() -> None:
    with op.batch_alter_table("forecastsnapshot") as batch:
        batch.drop_index("ix_forecastsnapshot_period")
    op.drop_table("forecastsnapshot")
    with op.batch_alter_table("forecastadjustment") as batch:
        batch.drop_index("ix_forecastadjustment_rep_id_period")
    op.drop_table("forecastadjustment")
    with op.batch_alter_table("quota") as batch:
        batch.drop_index("ix_quota_period_start")
    op.drop_table("quota")
