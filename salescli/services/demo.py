"""`salescli demo`: a realistic, seeded sales team in an empty database (newcomers, benchmarks).

`generate()` writes, in the caller's one transaction (all or nothing):

- reps (demo_people.py): managers and reps in six regions (names from Faker's pt_BR,
  de_DE, ru_RU, tr_TR, zh_CN and en_US locales), each with a territory, a team and skills;
  the load is skewed (a few reps own most of the work);
- leads (demo_leads.py) from several sources with tags, scores and assignment history, some
  converted into an account, a contact and a deal exactly as `lead convert` leaves them;
  accounts with contacts (demo_accounts.py);
- deals (demo_deals.py) over the history (lognormal amounts in the reporting currency and a
  second one with monthly rates), each with a stage history through the open stages of the
  pipeline, won or lost (with a reason) when old enough, open otherwise;
- activities (demo_activity.py: call, email, meeting, note) on leads and deals, with the
  last-contact and last-activity times they imply;
- tasks of the reps (demo_tasks.py): done ones over the deals' history, open ones on open
  deals, leads and accounts (overdue, due today, ahead; some repeating), from their own seeded
  stream so that the rows before them do not change;
- quarterly quotas and forecast snapshots, from what the deals became (demo_targets.py).

The phases share a `Context` (demo_context.py: the seeded streams, the writer, instants in
storage form, what each phase leaves for the next) and run in order in `_run`. The static
data is in demo_data.py, the bulk path (executemany, COPY) in demo_writer.py.

Everything derives from a private `random.Random(seed)`, Faker instances seeded from it and
`now` (SALESCLI_NOW), so the same seed and size give the same rows (with the same Faker
version). Rows are validated and normalised by the services' own helpers (emails, phones,
folded keys, search text, scores) and go to the database through the bulk path: executemany
of row tuples on SQLite, COPY on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from salescli.errors import InvalidData, UsageError
from salescli.services import (
    demo_accounts,
    demo_activity,
    demo_deals,
    demo_leads,
    demo_people,
    demo_targets,
    demo_tasks,
)
from salescli.services.demo_context import Context, Size
from salescli.services.demo_writer import light_table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


SIZES: dict[str, Size] = {
    "small": Size(reps=10, leads=150, deals=200, activities=800, days=365),
    "medium": Size(reps=40, leads=20_000, deals=50_000, activities=100_000, days=3 * 365),
    "large": Size(reps=120, leads=200_000, deals=1_000_000, activities=2_000_000, days=3 * 365),
}

# The tables a demo refuses to mix into (stages, lost reasons and settings may be set up).
DATA_TABLES = (
    "rep",
    "account",
    "contact",
    "lead",
    "deal",
    "activity",
    "product",
    "task",
    "currencyrate",
    "importbatch",
    "quota",
    "forecastsnapshot",
)

# The most a demo makes of each (`--reps`, `--leads`...): a few times the `large` size, what the
# generator holds in memory comfortably; beyond it the command refuses (exit 2) before writing.
MAXIMA = {"reps": 1_000, "leads": 1_000_000, "deals": 2_000_000, "activities": 5_000_000}


def resolve_size(
    size: str,
    *,
    reps: int | None = None,
    leads: int | None = None,
    deals: int | None = None,
    activities: int | None = None,
) -> Size:
    """The named size with any explicit counts replacing its own; UsageError (exit 2) if bad."""
    if size not in SIZES:
        raise UsageError(f"--size '{size}' is not one of {', '.join(SIZES)} (e.g. --size small)")
    chosen = SIZES[size]
    given = {"reps": reps, "leads": leads, "deals": deals, "activities": activities}
    for name, value in given.items():
        if value is not None and value < 0:
            raise UsageError(f"--{name} '{value}' must be 0 or more (e.g. --{name} 1000)")
        if value is not None and value > MAXIMA[name]:
            raise UsageError(
                f"--{name} '{value}' is more than a demo makes (at most {MAXIMA[name]:,}) "
                f"(e.g. --{name} {MAXIMA[name] // 10})"
            )
    chosen = replace(chosen, **{k: v for k, v in given.items() if v is not None})
    if chosen.reps < 1:
        raise UsageError("--reps '0' must be at least 1: someone owns the work (e.g. --reps 10)")
    if chosen.activities and not (chosen.leads or chosen.deals):
        raise UsageError(
            "--activities needs leads or deals to log them on (e.g. --leads 100 --deals 100)"
        )
    return chosen


def existing_data(conn: Connection) -> dict[str, int]:
    """Rows already in the tables a demo would fill (empty dict: the database is empty)."""
    import sqlalchemy as sa

    found: dict[str, int] = {}
    for name in DATA_TABLES:
        table = light_table(name)
        count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if count:
            found[name] = int(count)
    return found


def refuse_if_not_empty(conn: Connection, where: str) -> None:
    found = existing_data(conn)
    if found:
        held = ", ".join(f"{table}: {count}" for table, count in found.items())
        raise InvalidData(
            f"the database {where} already holds data ({held}); salescli demo fills only an "
            "empty database (e.g. salescli --db demo.db demo)"
        )


def _run(ctx: Context) -> dict[str, int]:
    """The phases in order, each drawing from the context's streams where the last stopped."""
    import sqlalchemy as sa

    from salescli.tables import LEADKEY

    writer = ctx.writer
    ctx.conn.execute(sa.delete(LEADKEY))  # left by leads deleted with foreign keys off
    ctx.load_pipeline()
    ctx.rates()
    writer.drop_indexes()
    ctx.progress("reps")
    demo_people.reps(ctx)
    ctx.progress("leads")
    conversions = demo_leads.leads(ctx)
    ctx.progress("accounts and contacts")
    demo_accounts.accounts(ctx, conversions)
    ctx.progress("deals")
    demo_deals.deals(ctx, conversions)
    writer.flush()
    ctx.progress("tasks")
    demo_tasks.tasks(ctx)
    writer.flush()
    ctx.progress("indexes")
    writer.restore_indexes()
    demo_activity.last_contacts(ctx)
    writer.reset_sequences(("rep", "account", "contact", "lead", "deal", "task"))
    writer.analyze()
    ctx.progress("quotas and forecast snapshots")
    first_day = dt.datetime.fromtimestamp(ctx.start, ctx.zone).date()
    ctx.counts.update(
        demo_targets.write(ctx.conn, seed=ctx.seed, first_day=first_day, now=ctx.now_at, tz=ctx.tz)
    )
    return ctx.counts


def generate(
    conn: Connection,
    size: Size,
    *,
    seed: int,
    now: dt.datetime,
    tz: str,
    reporting: str,
    where: str = "",
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Fill an empty database in the caller's transaction; returns what was written.

    Raises InvalidData (exit 1) when the database already holds data: nothing is written.
    """
    refuse_if_not_empty(conn, where)
    if conn.dialect.name == "sqlite":
        from sqlalchemy import text

        # A bigger page cache for index maintenance during the bulk write (this connection only).
        conn.execute(text("PRAGMA cache_size=-65536"))
    context = Context(conn, size, seed=seed, now=now, tz=tz, reporting=reporting, progress=progress)
    return _run(context)
