"""The tables of the work ahead: tasks and task rules (issue 10), quotas, forecast adjustments
and forecast snapshots (issue 11). Part of the one schema: defined on `tables.base.METADATA`
and exported by salescli.tables with the others."""

from __future__ import annotations

import sqlalchemy as sa

from salescli.tables.base import METADATA, Instant

TASK = sa.Table(
    "task",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("due_at", Instant(), nullable=True, index=True),
    sa.Column(
        "owner_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("priority", sa.String(10), nullable=False, default="normal"),
    sa.Column("lead_id", sa.Integer(), sa.ForeignKey("lead.id", ondelete="CASCADE"), nullable=True),
    sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deal.id", ondelete="CASCADE"), nullable=True),
    sa.Column(
        "account_id", sa.Integer(), sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column(
        "contact_id", sa.Integer(), sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("done_at", Instant(), nullable=True),
    sa.Column("created_at", Instant(), nullable=False),
    # Added by 0007 (tasks): due_at is the end of the local day unless `timed` (--at given).
    sa.Column("timed", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("every", sa.String(4), nullable=True),  # 1d, 1w, 2w, 1m: repeats
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("done_note", sa.Text(), nullable=True),
    sa.Column("updated_at", Instant(), nullable=True),
    # What created it: NULL (a person), or a rule of `task auto` / a stage rule; `rule_key` is
    # unique, what makes a second run of the rules create nothing.
    sa.Column("rule", sa.String(40), nullable=True),
    sa.Column("rule_key", sa.String(200), nullable=True),
    sa.Column("series_id", sa.Integer(), nullable=True),  # first occurrence of a repeat
    sa.Index("ux_task_rule_key", "rule_key", unique=True),
    sa.Index("ix_task_owner_id_done_at_due_at", "owner_id", "done_at", "due_at"),
    sa.Index("ix_task_lead_id", "lead_id"),
    sa.Index("ix_task_deal_id", "deal_id"),
    sa.Index("ix_task_account_id", "account_id"),
    sa.Index("ix_task_contact_id", "contact_id"),
)
TASKRULE = sa.Table(
    "taskrule",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "stage_id", sa.Integer(), sa.ForeignKey("stage.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("due", sa.String(10), nullable=False),  # an offset: +3d, +1w, today
    sa.Column("priority", sa.String(10), nullable=False),
    sa.Column("created_at", Instant(), nullable=False),
    sa.Index("ix_taskrule_stage_id", "stage_id"),
)
QUOTA = sa.Table(
    "quota",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    # `rep`: the rep's own target; `team`: the manager's target for everyone under them.
    sa.Column("scope", sa.String(4), nullable=False),
    sa.Column("rep_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="CASCADE"), nullable=False),
    sa.Column("metric", sa.String(20), nullable=False),  # revenue, deals, leads, activities
    sa.Column("period", sa.String(40), nullable=False),  # its label: 2026-Q4, 2026-11...
    sa.Column("period_start", sa.Date(), nullable=False),
    sa.Column("period_end", sa.Date(), nullable=False),  # exclusive
    # revenue: minor units of `currency`; the other metrics: a count (currency NULL).
    sa.Column("target", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("import_batch_id", sa.Integer(), sa.ForeignKey("importbatch.id"), nullable=True),
    sa.Column("created_at", Instant(), nullable=False),
    sa.Column("updated_at", Instant(), nullable=False),
    sa.UniqueConstraint("scope", "rep_id", "metric", "period_start", "period_end"),
    sa.Index("ix_quota_period_start", "period_start", "period_end"),
)
FORECASTADJUSTMENT = sa.Table(
    "forecastadjustment",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("rep_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="CASCADE"), nullable=False),
    sa.Column("period", sa.String(40), nullable=False),
    sa.Column("period_start", sa.Date(), nullable=False),
    sa.Column("period_end", sa.Date(), nullable=False),
    sa.Column("category", sa.String(20), nullable=False),  # commit, best_case
    sa.Column("amount_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("adjusted_by", sa.String(200), nullable=True),
    sa.Column("created_at", Instant(), nullable=False),
    sa.Index("ix_forecastadjustment_rep_id_period", "rep_id", "period_start", "period_end"),
)
FORECASTSNAPSHOT = sa.Table(
    "forecastsnapshot",
    METADATA,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("taken_at", Instant(), nullable=False),
    sa.Column("period", sa.String(40), nullable=False),
    sa.Column("period_start", sa.Date(), nullable=False),
    sa.Column("period_end", sa.Date(), nullable=False),
    sa.Column("method", sa.String(20), nullable=False),
    # The rep whose own deals it forecasts (NULL: every deal, the whole team's total).
    sa.Column("rep_id", sa.Integer(), sa.ForeignKey("rep.id", ondelete="CASCADE"), nullable=True),
    sa.Column("forecast_minor", sa.BigInteger(), nullable=False),  # the method's figure
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("figures", sa.Text(), nullable=False),  # every figure of the row, as JSON
    sa.Index("ix_forecastsnapshot_period", "period_start", "period_end", "method"),
)
