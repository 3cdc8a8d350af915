"""The demo's activities (calls, emails, meetings, notes) on leads and deals, and the
accounts' last contact they imply."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

from salescli.services.demo_context import chooser
from salescli.services.demo_data import ACTIVITY_KINDS, ACTIVITY_WEIGHTS, CALL_OUTCOMES, TEXTS

if TYPE_CHECKING:
    from salescli.services.demo_context import Context


def adder(ctx: Context) -> Callable[[str, int, int | None, int | None, int | None], None]:
    """`add` for a hot loop: (kind, when, rep, lead id, deal id), the same draws."""
    rng, counts = ctx.rng, ctx.counts
    choice, stored_form, append = chooser(rng), ctx.instants(), ctx.writer.appender("activity")

    def add_one(
        kind: str, when: int, rep: int | None, lead_id: int | None, deal_id: int | None
    ) -> None:
        outcome = choice(CALL_OUTCOMES) if kind == "call" else None
        text = choice(TEXTS[kind])
        if not text and outcome is None:
            text = "Checked in"
        stored = stored_form(when)
        append((kind, lead_id, deal_id, rep, stored, outcome, text, stored))
        counts["activities"] += 1

    return add_one


def kind_picker(ctx: Context) -> Callable[[], str]:
    """An activity's kind: `rng.choices(ACTIVITY_KINDS, cum_weights=ACTIVITY_WEIGHTS)[0]`
    without the list (the same draw: one `random()`, bisected as `choices` does)."""
    random, total, hi = ctx.rng.random, ACTIVITY_WEIGHTS[-1] + 0.0, len(ACTIVITY_KINDS) - 1

    def kind() -> str:
        return ACTIVITY_KINDS[bisect.bisect_right(ACTIVITY_WEIGHTS, random() * total, 0, hi)]

    return kind


def last_contacts(ctx: Context) -> None:
    """Accounts' last contact: the latest activity on their deals or converted leads."""
    if not ctx.account_contact:
        return
    import sqlalchemy as sa

    from salescli.tables import ACCOUNT

    stored = ctx.instants()
    rows = [
        {"aid": account_id, "at": stored(when)}
        for account_id, when in sorted(ctx.account_contact.items())
    ]
    statement = (
        sa.update(ACCOUNT)
        .where(ACCOUNT.c.id == sa.bindparam("aid"))
        .values(last_contact_at=sa.bindparam("at"))
    )
    if ctx.sqlite:  # the values are in storage form already: the driver's executemany
        compiled = statement.compile(dialect=ctx.conn.dialect)
        order = list(compiled.positiontup or ())
        ctx.conn.exec_driver_sql(str(compiled), [tuple(row[k] for k in order) for row in rows])
        return
    ctx.conn.execute(statement, rows)
