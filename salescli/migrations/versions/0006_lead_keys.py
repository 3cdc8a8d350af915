"""leadkey: the near-identical name + company search through an index

Revision ID: 0006
Revises: 0005

`lead add` and `lead edit` warned about near-identical leads by reading every lead. Each lead
(not forgotten) now has its blocking keys in `leadkey` (services.leads.dedupe_keys.segment_keys:
the segments of its folded, word-sorted name + company), looked up by an index. This
revision creates the table and fills it for the leads already there, in batches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    from salescli.services.leads.dedupe_keys import segment_keys

    op.create_table(
        "leadkey",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id", "key"),
    )
    conn = op.get_bind()
    lead = sa.table(
        "lead", sa.column("id"), sa.column("name"), sa.column("company"), sa.column("forgotten")
    )
    leadkey = sa.table("leadkey", sa.column("lead_id"), sa.column("key"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(lead.c.id, lead.c.name, lead.c.company)
            .where(lead.c.id > last, lead.c.forgotten == sa.false())
            .order_by(lead.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        keys = [
            {"lead_id": lead_id, "key": key}
            for lead_id, name, company in rows
            for key in segment_keys(name, company)
        ]
        conn.execute(sa.insert(leadkey), keys)
        last = rows[-1][0]
    with op.batch_alter_table("leadkey") as batch:
        batch.create_index("ix_leadkey_key", ["key"])


def downgrade() -> None:
    with op.batch_alter_table("leadkey") as batch:
        batch.drop_index("ix_leadkey_key")
    op.drop_table("leadkey")
