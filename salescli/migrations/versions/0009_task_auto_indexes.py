"""indexes for `task auto` at scale (issue 10)

Revision ID: 0009
Revises: 0008

Each replaces an index that is its prefix (every query the old one served, the new one
serves), so a write maintains as many indexes as before:

- `activity (kind, occurred_at, lead_id, deal_id)` replaces `(kind, occurred_at)`: the
  follow-up rule reads the contacts of its window, and whose they are, from the index alone;
- `activity (deal_id, occurred_at)` replaces `(deal_id)`: a deal's newest activity from the
  index (`deal stale`, `report stale`, the stale-deal rule);
- `deal (stage_id, account_id, stage_entered_at)` replaces `(stage_id)`: the won deals by
  account, with when they were won, from the index alone (the check-in rule).

Only indexes: no data changes, no table is rebuilt (batch mode creates indexes in place).
"""

from __future__ import annotations

from salescli.migrations._helpers import replace_indexes

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, index name, columns)
ADDED = (
    ("activity", "ix_activity_kind_occurred_at_lead_id_deal_id",
     ["kind", "occurred_at", "lead_id", "deal_id"]),
    ("activity", "ix_activity_deal_id_occurred_at", ["deal_id", "occurred_at"]),
    ("deal", "ix_deal_stage_id_account_id_stage_entered_at",
     ["stage_id", "account_id", "stage_entered_at"]),
)  # fmt: skip
# Prefixes of the new composite indexes.
REPLACED = (
    ("activity", "ix_activity_kind_occurred_at", ["kind", "occurred_at"]),
    ("activity", "ix_activity_deal_id", ["deal_id"]),
    ("deal", "ix_deal_stage_id", ["stage_id"]),
)


def upgrade() -> None:
    replace_indexes(ADDED, REPLACED)


def downgrade() -> None:
    replace_indexes(REPLACED, reversed(ADDED))
