"""default pipeline stages and lost reasons (SPEC "Deal")

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULT_STAGES = [
    # name, position, probability %, forecast category, stale days, kind
    ("prospecting", 1, 10, "pipeline", 14, "open"),
    ("qualification", 2, 20, "pipeline", 14, "open"),
    ("proposal", 3, 50, "best_case", 14, "open"),
    ("negotiation", 4, 75, "commit", 14, "open"),
    ("won", 5, 100, "closed", 14, "won"),
    ("lost", 6, 0, "omitted", 14, "lost"),
]
DEFAULT_LOST_REASONS = ["price", "competitor", "no-budget", "no-decision", "timing", "other"]


def upgrade() -> None:
    stage = sa.table(
        "stage",
        sa.column("name"),
        sa.column("position"),
        sa.column("probability"),
        sa.column("forecast_category"),
        sa.column("stale_days"),
        sa.column("kind"),
    )
    op.bulk_insert(
        stage,
        [
            dict(
                zip(
                    ("name", "position", "probability", "forecast_category", "stale_days", "kind"),
                    row,
                    strict=True,
                )
            )
            for row in DEFAULT_STAGES
        ],
    )
    lost = sa.table("lostreason", sa.column("name"))
    op.bulk_insert(lost, [{"name": name} for name in DEFAULT_LOST_REASONS])


def downgrade() -> None:
    op.execute("DELETE FROM lostreason")
    op.execute("DELETE FROM stage")
