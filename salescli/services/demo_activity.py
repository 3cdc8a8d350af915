"""The demo's activities (calls, emails, meetings, notes) on leads and deals, and the
accounts' last contact they imply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salescli.services.demo_data import (
    CALL_OUTCOMES,
    TEXTS,
)

if TYPE_CHECKING:
    from salescli.services.demo_context import Context


def add(
    ctx: Context,
    kind: str,
    when: int,
    rep: int | None,
    *,
    lead_id: int | None = None,
    deal_id: int | None = None,
) -> None:
    rng = ctx.rng
    outcome = rng.choice(CALL_OUTCOMES) if kind == "call" else None
    text = rng.choice(TEXTS[kind])
    if not text and outcome is None:
        text = "Checked in"
    stored = ctx.instant(when)
    ctx.writer.add("activity", (kind, lead_id, deal_id, rep, stored, outcome, text, stored))
    ctx.counts["activities"] += 1


def last_contacts(ctx: Context) -> None:
    """Accounts' last contact: the latest activity on their deals or converted leads."""
    if not ctx.account_contact:
        return
    import sqlalchemy as sa

    from salescli.tables import ACCOUNT

    rows = [
        {"aid": account_id, "at": ctx.instant(when)}
        for account_id, when in sorted(ctx.account_contact.items())
    ]
    statement = (
        sa.update(ACCOUNT)
        .where(ACCOUNT.c.id == sa.bindparam("aid"))
        .values(last_contact_at=sa.bindparam("at"))
    )
    ctx.conn.execute(statement, rows)
