"""The frame every follow-up rule is written in (services.tasks.auto, auto_rules,
stage_rules): a rule is a SELECT of candidate tasks (`rule_select`: CANDIDATE_COLUMNS, the
record's owner or `task.default_owner`), keyed by a `rule_key` that no task has yet
(`key_missing`), written by one `insert_tasks` (INSERT INTO task ... SELECT) or listed by
`candidate_rows`; and the due offsets of stage rules (`+3d`, `+2w`, `+1m`).

Depends only on the tables, the settings and the due-time helpers (never on deals or leads):
the deals import the stage rules, which build on it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import NotFound, UsageError
from salescli.services import config
from salescli.services.tasks.auto_settings import DEFAULT_OWNER, PRIORITIES

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

TITLE_LENGTH = 300


# --------------------------------------------------------------------------- due offsets

_OFFSET = re.compile(r"^\+?(\d{1,3})([dwm])$")


DUE_HELP = "today, tomorrow, +3d, +2w or +1m (days, weeks, months from the day the rule fires)"


def check_due(text: str) -> str:
    """A stage rule's due offset, normalised (`today`, `+3d`, `+2w`, `+1m`); exit 2 otherwise."""
    value = (text or "").strip().lower()
    if value == "today":
        return "+0d"
    if value == "tomorrow":
        return "+1d"
    match = _OFFSET.match(value)
    if match is None:
        raise UsageError(f"--due '{text}' is not an offset: {DUE_HELP} (e.g. --due +3d)")
    return f"+{int(match.group(1))}{match.group(2)}"


def offset_due(offset: str, now: dt.datetime, tz: str) -> dt.datetime:
    """The end of the local day `offset` after `now`'s local day, in UTC."""
    from salescli.services.tasks.due import add_months, end_of_day, local_day

    match = _OFFSET.match(offset)
    assert match is not None
    number, unit = int(match.group(1)), match.group(2)
    today = local_day(now, tz)
    if unit == "m":
        return end_of_day(add_months(today, number), tz)
    return end_of_day(today + dt.timedelta(days=number * (7 if unit == "w" else 1)), tz)


def check_priority(text: str) -> str:
    return config.choice("--priority", PRIORITIES, "a priority")(text)


# --------------------------------------------------------------------------- SQL helpers


def instant(value: dt.datetime) -> Any:
    from salescli.tables import Instant

    return sa.literal(value, type_=Instant())


def greatest(dialect: str, *values: Any) -> Any:
    """The latest of non-NULL instants (SQLite's many-argument max(), PostgreSQL's greatest)."""
    from salescli.tables import Instant

    func = sa.func.max if dialect == "sqlite" else sa.func.greatest
    return sa.type_coerce(func(*values), Instant())


def instant_text(dialect: str, value: Any) -> Any:
    """An instant as the same text on both backends (`2026-11-20 14:30:00.000000`, UTC): the
    stored text on SQLite, formatted on PostgreSQL. For idempotency keys."""
    if dialect == "sqlite":
        return sa.cast(value, sa.String)
    return sa.func.to_char(sa.func.timezone("UTC", value), "YYYY-MM-DD HH24:MI:SS.US")


def as_text(value: Any) -> Any:
    return sa.cast(value, sa.String)


def task_title(prefix: str, name: Any) -> Any:
    return sa.func.substr(sa.literal(prefix, sa.String) + name, 1, TITLE_LENGTH)


@dataclass(frozen=True)
class Context:
    now: dt.datetime
    tz: str
    settings: Settings
    default_owner_id: int | None
    dialect: str


def default_owner_id(conn: Connection, settings: Settings) -> int | None:
    """The rep of `task.default_owner`, or None; a name that no longer matches a rep is an
    error (never a silent drop)."""
    from salescli.services.reps.records import get_by_name

    name = settings.get(DEFAULT_OWNER.key)
    if not name:
        return None
    try:
        return int(get_by_name(conn, name).id)
    except NotFound:
        raise NotFound(
            f"task.default_owner '{name}' is no rep any more "
            "(e.g. salescli config set task.default_owner 'Ann Lee')"
        ) from None


def owner_or_default(ctx: Context, column: Any) -> Any:
    if ctx.default_owner_id is None:
        return column
    return sa.func.coalesce(column, sa.literal(ctx.default_owner_id, sa.Integer))


def rule_select(
    ctx: Context,
    rule: Any,
    key: Any,
    title: Any,
    due: Any,
    timed: bool,
    priority: str,
    owner: Any,
    **records: Any,
) -> Any:
    """THE frame of a rule: the SELECT of its candidate tasks (CANDIDATE_COLUMNS, in that
    order), owned by `owner` (the record's owner column) or else `task.default_owner`, about
    `records` (`deal_id=DEAL.c.id`, ...). The rule adds its FROM and WHERE (with
    `key_missing(key)`); `insert_tasks` writes the candidates, `candidate_rows` lists them."""
    from salescli.tables import Instant

    null = sa.null()
    return sa.select(
        (rule if not isinstance(rule, str) else sa.literal(rule, sa.String)).label("rule"),
        key.label("rule_key"),
        title.label("title"),
        sa.type_coerce(due, Instant()).label("due_at"),
        sa.literal(timed, sa.Boolean).label("timed"),
        sa.literal(priority, sa.String).label("priority"),
        owner_or_default(ctx, owner).label("owner_id"),
        *(
            sa.cast(records.get(name, null), sa.Integer).label(name)
            for name in ("lead_id", "deal_id", "account_id", "contact_id")
        ),
    )


def rule_key(prefix: str, record_id: Any, version: Any = None) -> Any:
    """A task's `rule_key`: `<prefix><record id>`, then `:<version>` (a text expression:
    the last touch, the stage change) when given."""
    key = sa.literal(prefix, sa.String) + as_text(record_id)
    if version is not None:
        key = key + sa.literal(":", sa.String) + version
    return key


def key_missing(key: Any) -> Any:
    from salescli.tables import TASK

    done = TASK.alias("keyed")
    return ~sa.exists().where(done.c.rule_key == key)


def no_open_rule_task(column: str, record_id: Any, rule: str) -> Any:
    from salescli.tables import TASK

    open_ = TASK.alias("same_rule")
    return ~sa.exists().where(
        open_.c[column] == record_id, open_.c.rule == rule, open_.c.done_at.is_(None)
    )


CANDIDATE_COLUMNS = (
    "rule", "rule_key", "title", "due_at", "timed", "priority", "owner_id",
    "lead_id", "deal_id", "account_id", "contact_id",
)  # fmt: skip


def owned(select: Any, assigned: bool | None) -> Any:
    """`select` limited to candidates with an owner (True), without one (False) or all
    (None), in record order. The owner test goes into the rule's own WHERE (no wrapping
    subquery), so that a run reads each rule's records once."""
    columns = select.selected_columns
    if assigned is not None:
        owner = columns.owner_id.element
        select = select.where(owner.is_not(None) if assigned else owner.is_(None))
    return select.order_by(*(columns[name] for name in ("lead_id", "deal_id", "account_id")))


def insert_tasks(conn: Connection, ctx: Context, select: Any) -> int:
    """INSERT INTO task SELECT the candidates of `select` that have an owner."""
    from salescli.tables import TASK

    source = owned(select, True).add_columns(
        instant(ctx.now).label("created_at"), instant(ctx.now).label("updated_at")
    )
    result = conn.execute(
        sa.insert(TASK).from_select([*CANDIDATE_COLUMNS, "created_at", "updated_at"], source)
    )
    return int(result.rowcount or 0)


def candidate_rows(conn: Connection, select: Any, assigned: bool | None) -> list[Any]:
    """The candidate rows of `select` (see `owned`)."""
    return list(conn.execute(owned(select, assigned)).mappings().all())


def context(conn: Connection, now: dt.datetime, settings: Settings) -> Context:
    from salescli.instants import utc

    return Context(
        utc(now), settings.timezone, settings, default_owner_id(conn, settings),
        conn.dialect.name,
    )  # fmt: skip
