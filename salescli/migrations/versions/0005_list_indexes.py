"""indexes for every list filter and the lookups of show pages

Revision ID: 0005
Revises: 0004

Every filter a list offers is served by an index (docs/performance.md shows the plans):

- `lead list --source/--territory` and its `--sort score/last-contact` (also `lead sources`);
- `account list --sort created`;
- `activity list --rep/--kind`, newest first: one index holds the filter and the order
  (they replace the single-column `rep_id` and `kind` indexes, their prefixes);
- each rep's open leads (`rep list`, routing) counted from one index, `lead (owner_id,
  status, forgotten)`, without reading the leads (it replaces `ix_lead_owner_id`, its prefix);
- the foreign keys that show pages, conversion, privacy and deletes look up by:
  `deal.contact_id`, `deal.lead_id`, `contact.lead_id`, `rep.manager_id` (`--team`, the
  manager tree).

Only indexes: no data changes, no table is rebuilt (batch mode creates indexes in place).
"""

from __future__ import annotations

from salescli.migrations._helpers import replace_indexes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, index name, columns)
ADDED = (
    ("lead", "ix_lead_source", ["source"]),
    ("lead", "ix_lead_territory", ["territory"]),
    ("lead", "ix_lead_score", ["score"]),
    ("lead", "ix_lead_last_contact_at", ["last_contact_at"]),
    ("account", "ix_account_created_at", ["created_at"]),
    ("contact", "ix_contact_lead_id", ["lead_id"]),
    ("deal", "ix_deal_contact_id", ["contact_id"]),
    ("deal", "ix_deal_lead_id", ["lead_id"]),
    ("rep", "ix_rep_manager_id", ["manager_id"]),
    ("activity", "ix_activity_rep_id_occurred_at", ["rep_id", "occurred_at"]),
    ("activity", "ix_activity_kind_occurred_at", ["kind", "occurred_at"]),
    ("lead", "ix_lead_owner_id_status", ["owner_id", "status", "forgotten"]),
)
# Prefixes of the new composite indexes: every query they served, the composite serves.
REPLACED = (
    ("activity", "ix_activity_rep_id", ["rep_id"]),
    ("activity", "ix_activity_kind", ["kind"]),
    ("lead", "ix_lead_owner_id", ["owner_id"]),
)


def upgrade() -> None:
    replace_indexes(ADDED, REPLACED)


def downgrade() -> None:
    replace_indexes(REPLACED, reversed(ADDED))
