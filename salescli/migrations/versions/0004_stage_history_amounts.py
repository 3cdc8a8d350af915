"""stage history keeps the deal's amount at each change

Revision ID: 0004
Revises: 0003

Each stage-history row records the deal's amount and currency when the change happened, so
that the account timeline shows the amount an event had rather than the deal's amount today.
Rows written before this revision take the deal's current amount: the best that is known.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stagechange") as batch:
        batch.add_column(sa.Column("amount_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    op.execute(
        "UPDATE stagechange SET "
        "amount_minor = (SELECT deal.amount_minor FROM deal WHERE deal.id = stagechange.deal_id), "
        "currency = (SELECT deal.currency FROM deal WHERE deal.id = stagechange.deal_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("stagechange") as batch:
        batch.drop_column("currency")
        batch.drop_column("amount_minor")
