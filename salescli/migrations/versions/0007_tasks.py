"""tasks: repeats, notes, timed due dates, automation keys and stage rules

Revision ID: 0007
Revises: 0006

The task table of 0001 held a title, a due instant, an owner, a priority and the related
record. Tasks now repeat (`every`), carry a note and the note of their outcome, know whether
they are due at a time of day (`timed`) or by the end of a day, and remember what created
them: a rule of `task auto` or a stage rule, with a unique `rule_key` that makes a second
run create nothing. `taskrule` holds the stage rules. Indexes serve the task list (owner,
open, due) and the open tasks of one record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salescli.tables import Instant

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(
            sa.Column("timed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("every", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("done_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("updated_at", Instant(), nullable=True))
        batch.add_column(sa.Column("rule", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("rule_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.create_index("ux_task_rule_key", ["rule_key"], unique=True)
        batch.create_index("ix_task_owner_id_done_at_due_at", ["owner_id", "done_at", "due_at"])
        batch.create_index("ix_task_lead_id", ["lead_id"])
        batch.create_index("ix_task_deal_id", ["deal_id"])
        batch.create_index("ix_task_account_id", ["account_id"])
        batch.create_index("ix_task_contact_id", ["contact_id"])
    op.create_table(
        "taskrule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due", sa.String(length=10), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("created_at", Instant(), nullable=False),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("taskrule") as batch:
        batch.create_index("ix_taskrule_stage_id", ["stage_id"])


def downgrade() -> None:
    with op.batch_alter_table("taskrule") as batch:
        batch.drop_index("ix_taskrule_stage_id")
    op.drop_table("taskrule")
    with op.batch_alter_table("task") as batch:
        for name in (
            "ix_task_contact_id",
            "ix_task_account_id",
            "ix_task_deal_id",
            "ix_task_lead_id",
            "ix_task_owner_id_done_at_due_at",
            "ux_task_rule_key",
        ):
            batch.drop_index(name)
        for column in (
            "series_id",
            "rule_key",
            "rule",
            "updated_at",
            "done_note",
            "note",
            "every",
            "timed",
        ):
            batch.drop_column(column)
