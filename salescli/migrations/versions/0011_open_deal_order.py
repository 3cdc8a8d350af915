"""an index on deal (stage_id, close_date): the open deals in close-date order

Revision ID: 0011
Revises: 0010

`deal list` shows the open deals by close date, a page at a time. Without this index SQLite
reads every open deal and sorts them (0.11 s at 54,000 open deals, growing with the
pipeline); with it, `deals.queries._open_by_close` reads the first page of each open stage in
order and merges them (under a millisecond; docs/performance.md, "deal list").

Only an index: no data changes, no table is rebuilt.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.create_index("ix_deal_stage_id_close_date", ["stage_id", "close_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.drop_index("ix_deal_stage_id_close_date")
