"""Follow-up automation: the rules of `task auto` and the stage rules (`task rules`).

Every rule is one set-based statement: `INSERT INTO task ... SELECT` of the tasks that are
missing, each with a `rule_key` (unique in the table) that names what it is about, so that a
second run with the same data creates nothing:

- follow-up      `follow-up:activity:<id>`: the latest call, email or meeting on an open lead
                 or an open deal, logged in the last `task.follow_up.window_days`, with no
                 open task on that record created or due after it → a task due at the end of
                 the local day `task.follow_up.days` later;
- first-contact  `first-contact:lead:<id>`: a lead still `new`, never contacted, created at
                 least `task.first_contact.hours` ago → a task due now;
- check-in       `check-in:account:<id>:<last touch>`: an account with a won deal whose last
                 touch (its last contact: an activity on the account, one of its contacts or
                 one of its deals, as `account show` says, or its latest win when later) is at
                 least `task.check_in.days` old → a task due today;
- stale-deal     `stale:deal:<id>:<last touch>`: an open deal stale as `deal stale` defines it
                 (services.deals.views.stale_clause) → a task due today;
- stage rules    `stage:<rule>:deal:<id>:<stage change>`: a deal entering the rule's stage
                 (`enter_stage`, called by every path that puts a deal in a stage); `task
                 auto` catches up entries since the rule was made that got no task (no owner
                 then).

Who: the record's owner, else `task.default_owner`; with neither the record is reported as
unassigned (nothing is written for it; the next run tries again). The only Python loops are
over rules and over the days of a window, never over records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound, UsageError
from salescli.services import config

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

PRIORITIES = ("high", "normal", "low")
CONTACT_KINDS = ("call", "email", "meeting")
RULES = ("follow-up", "first-contact", "check-in", "stale-deal")
STAGE_RULE = "stage"  # `--rule stage`: the catch-up of the stage rules
RULE_CHOICES = (*RULES, STAGE_RULE)
TITLE_LENGTH = 300


def _flag(key: str) -> Any:
    def parse(value: str) -> str:
        clean = value.strip().lower()
        if clean in ("true", "on", "yes", "1"):
            return "true"
        if clean in ("false", "off", "no", "0"):
            return "false"
        raise UsageError(f"{key} '{value}' is not true or false (e.g. config set {key} false)")

    return parse


def _owner_setting(conn: Connection, name: str) -> str:
    """`config set task.default_owner NAME`: NAME must be a rep (stored as they spell it)."""
    from salescli.services.reps.records import get_by_name

    return str(get_by_name(conn, name).name)


def _enabled(rule: str, key: str) -> config.Setting:
    return config.declare(f"{key}.enabled", "true", f"task auto: the {rule} rule is on",
                          _flag(f"{key}.enabled"))  # fmt: skip


def _priority(rule: str, key: str, default: str) -> config.Setting:
    name = f"{key}.priority"
    help = f"task auto: priority of {rule} tasks"
    return config.declare(name, default, help, config.choice(name, PRIORITIES, "a priority"))


DEFAULT_OWNER = config.declare(
    "task.default_owner",
    None,
    "task auto and stage rules: the rep who gets the tasks of records without an owner",
    check=_owner_setting,
)
FOLLOW_UP_ON = _enabled("follow-up", "task.follow_up")
FOLLOW_UP_DAYS = config.declare(
    "task.follow_up.days", "3", "task auto: a follow-up is due this many days after the contact",
    config.integer("task.follow_up.days", 0),
)  # fmt: skip
FOLLOW_UP_WINDOW = config.declare(
    "task.follow_up.window_days", "30",
    "task auto: contacts older than this many days get no follow-up (check-in and stale take over)",
    config.integer("task.follow_up.window_days", 1),
)  # fmt: skip
FOLLOW_UP_PRIORITY = _priority("follow-up", "task.follow_up", "normal")
FIRST_CONTACT_ON = _enabled("first-contact", "task.first_contact")
FIRST_CONTACT_HOURS = config.declare(
    "task.first_contact.hours", "24",
    "task auto: a new lead not contacted this many hours after it came in gets a task",
    config.integer("task.first_contact.hours", 0),
)  # fmt: skip
FIRST_CONTACT_PRIORITY = _priority("first-contact", "task.first_contact", "high")
CHECK_IN_ON = _enabled("check-in", "task.check_in")
CHECK_IN_DAYS = config.declare(
    "task.check_in.days", "90",
    "task auto: a customer (an account with a won deal) untouched this many days gets a check-in",
    config.integer("task.check_in.days", 1),
)  # fmt: skip
CHECK_IN_PRIORITY = _priority("check-in", "task.check_in", "normal")
STALE_ON = _enabled("stale-deal", "task.stale_deal")
STALE_PRIORITY = _priority("stale-deal", "task.stale_deal", "normal")

SETTING_KEYS = {
    "follow-up": (FOLLOW_UP_ON, FOLLOW_UP_DAYS, FOLLOW_UP_WINDOW, FOLLOW_UP_PRIORITY),
    "first-contact": (FIRST_CONTACT_ON, FIRST_CONTACT_HOURS, FIRST_CONTACT_PRIORITY),
    "check-in": (CHECK_IN_ON, CHECK_IN_DAYS, CHECK_IN_PRIORITY),
    "stale-deal": (STALE_ON, STALE_PRIORITY),
}
DESCRIPTIONS = {
    "follow-up": "a call, email or meeting on an open lead or deal with no next step",
    "first-contact": "a new lead not contacted within the hours",
    "check-in": "a customer (won deal) with no activity for the days",
    "stale-deal": "an open deal past its stage's stale days (deal stale)",
}


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


def _instant(value: dt.datetime) -> Any:
    from salescli.tables import Instant

    return sa.literal(value, type_=Instant())


def _greatest(dialect: str, *values: Any) -> Any:
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


def _text(value: Any) -> Any:
    return sa.cast(value, sa.String)


def _title(prefix: str, name: Any) -> Any:
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


def _owner(ctx: Context, column: Any) -> Any:
    if ctx.default_owner_id is None:
        return column
    return sa.func.coalesce(column, sa.literal(ctx.default_owner_id, sa.Integer))


def _row(
    ctx: Context,
    rule: Any,
    key: Any,
    title: Any,
    due: Any,
    timed: bool,
    priority: str,
    owner: Any,
    **records: Any,
) -> list[Any]:
    """The columns of a candidate task, in CANDIDATE_COLUMNS order."""
    from salescli.tables import Instant

    null = sa.null()
    return [
        (rule if not isinstance(rule, str) else sa.literal(rule, sa.String)).label("rule"),
        key.label("rule_key"),
        title.label("title"),
        sa.type_coerce(due, Instant()).label("due_at"),
        sa.literal(timed, sa.Boolean).label("timed"),
        sa.literal(priority, sa.String).label("priority"),
        owner.label("owner_id"),
        *(
            sa.cast(records.get(name, null), sa.Integer).label(name)
            for name in ("lead_id", "deal_id", "account_id", "contact_id")
        ),
    ]


def _key_missing(key: Any) -> Any:
    from salescli.tables import TASK

    done = TASK.alias("keyed")
    return ~sa.exists().where(done.c.rule_key == key)


def _no_open_rule_task(column: str, record_id: Any, rule: str) -> Any:
    from salescli.tables import TASK

    open_ = TASK.alias("same_rule")
    return ~sa.exists().where(
        open_.c[column] == record_id, open_.c.rule == rule, open_.c.done_at.is_(None)
    )


# --------------------------------------------------------------------------- the rules


def _local_day_case(ctx: Context, column: Any, since: dt.datetime, days: int) -> Any:
    """End of the local day `days` after `column`'s local day, for instants from `since` on:
    a CASE over the (few) local days of the window, exact across DST changes."""
    from salescli.services.tasks.due import end_of_day, local_day, local_instant

    first, last = local_day(since, ctx.tz), local_day(ctx.now, ctx.tz)
    whens = []
    day = first
    while day <= last:
        next_start = local_instant(day + dt.timedelta(days=1), dt.time(0), ctx.tz)
        due = end_of_day(day + dt.timedelta(days=days), ctx.tz)
        whens.append((column < _instant(next_start), _instant(due)))
        day += dt.timedelta(days=1)
    return sa.case(*whens, else_=_instant(end_of_day(last + dt.timedelta(days=days), ctx.tz)))


def follow_up(ctx: Context) -> list[Any]:
    from salescli.services.leads.statuses import CLOSED_STATUSES
    from salescli.tables import ACTIVITY, DEAL, LEAD, STAGE, TASK

    days = int(ctx.settings.get(FOLLOW_UP_DAYS.key) or 3)
    window = int(ctx.settings.get(FOLLOW_UP_WINDOW.key) or 30)
    priority = ctx.settings.get(FOLLOW_UP_PRIORITY.key) or "normal"
    since = ctx.now - dt.timedelta(days=window)
    selects = []
    for target in ("lead", "deal"):
        contact = ACTIVITY.alias("contact")
        task = TASK.alias("next_step")
        column = f"{target}_id"
        # The contacts of the window, newest first per record (a later contact is in the
        # window too): one read of the window from ix_activity_kind_occurred_at_lead_id_deal_id,
        # rank 1 is the latest (ties: the higher id), the one that may need a follow-up.
        rank = sa.func.row_number().over(
            partition_by=contact.c[column],
            order_by=(contact.c.occurred_at.desc(), contact.c.id.desc()),
        )
        act = (
            sa.select(contact.c.id, contact.c[column], contact.c.occurred_at, rank.label("rank"))
            .where(
                contact.c.kind.in_(CONTACT_KINDS),
                contact.c.occurred_at >= _instant(since),
                contact.c[column].is_not(None),
            )
            .subquery("act")
        )
        key = sa.literal("follow-up:activity:", sa.String) + _text(act.c.id)
        next_step = ~sa.exists().where(
            task.c[column] == act.c[column],
            task.c.done_at.is_(None),
            sa.or_(task.c.created_at >= act.c.occurred_at, task.c.due_at >= act.c.occurred_at),
        )
        due = _local_day_case(ctx, act.c.occurred_at, since, days)
        where = [
            act.c.rank == 1,
            next_step,
            _key_missing(key),
        ]
        if target == "lead":
            title = _title("Follow up: ", LEAD.c.name)
            cols = _row(ctx, "follow-up", key, title, due, False, priority,
                        _owner(ctx, LEAD.c.owner_id), lead_id=LEAD.c.id)  # fmt: skip
            query = sa.select(*cols).select_from(act.join(LEAD, LEAD.c.id == act.c.lead_id))
            where += [LEAD.c.forgotten.is_(False), LEAD.c.status.not_in(CLOSED_STATUSES)]
        else:
            title = _title("Follow up: ", DEAL.c.title)
            cols = _row(ctx, "follow-up", key, title, due, False, priority,
                        _owner(ctx, DEAL.c.owner_id), deal_id=DEAL.c.id)  # fmt: skip
            joined = act.join(DEAL, DEAL.c.id == act.c.deal_id).join(
                STAGE, STAGE.c.id == DEAL.c.stage_id
            )
            query = sa.select(*cols).select_from(joined)
            where.append(STAGE.c.kind == "open")
        selects.append(query.where(*where))
    return selects


def first_contact(ctx: Context) -> list[Any]:
    from salescli.tables import LEAD

    hours = int(ctx.settings.get(FIRST_CONTACT_HOURS.key) or 24)
    priority = ctx.settings.get(FIRST_CONTACT_PRIORITY.key) or "high"
    key = sa.literal("first-contact:lead:", sa.String) + _text(LEAD.c.id)
    cols = _row(ctx, "first-contact", key, _title("First contact: ", LEAD.c.name),
                _instant(ctx.now), True, priority, _owner(ctx, LEAD.c.owner_id),
                lead_id=LEAD.c.id)  # fmt: skip
    query = sa.select(*cols).where(
        LEAD.c.status == "new",
        LEAD.c.last_contact_at.is_(None),
        LEAD.c.forgotten.is_(False),
        LEAD.c.created_at <= _instant(ctx.now - dt.timedelta(hours=hours)),
        _no_open_rule_task("lead_id", LEAD.c.id, "first-contact"),
        _key_missing(key),
    )
    return [query]


def check_in(ctx: Context) -> list[Any]:
    from salescli.tables import ACCOUNT, DEAL, STAGE

    days = int(ctx.settings.get(CHECK_IN_DAYS.key) or 90)
    priority = ctx.settings.get(CHECK_IN_PRIORITY.key) or "normal"
    won_stages = sa.select(STAGE.c.id).where(STAGE.c.kind == "won").scalar_subquery()
    won = (
        sa.select(DEAL.c.account_id, sa.func.max(DEAL.c.stage_entered_at).label("won_at"))
        .where(DEAL.c.stage_id.in_(won_stages), DEAL.c.account_id.is_not(None))
        .group_by(DEAL.c.account_id)
        .subquery("won")
    )
    touched = _greatest(
        ctx.dialect, sa.func.coalesce(ACCOUNT.c.last_contact_at, won.c.won_at), won.c.won_at
    )
    key = (
        sa.literal("check-in:account:", sa.String)
        + _text(ACCOUNT.c.id)
        + sa.literal(":", sa.String)
        + instant_text(ctx.dialect, touched)
    )
    cols = _row(ctx, "check-in", key, _title("Check in with ", ACCOUNT.c.name),
                _instant(_today_due(ctx)), False, priority, _owner(ctx, ACCOUNT.c.owner_id),
                account_id=ACCOUNT.c.id)  # fmt: skip
    query = (
        sa.select(*cols)
        .select_from(won.join(ACCOUNT, ACCOUNT.c.id == won.c.account_id))
        .where(
            touched <= _instant(ctx.now - dt.timedelta(days=days)),
            _no_open_rule_task("account_id", ACCOUNT.c.id, "check-in"),
            _key_missing(key),
        )
    )
    return [query]


def _today_due(ctx: Context) -> dt.datetime:
    return offset_due("+0d", ctx.now, ctx.tz)


def stale_deal(ctx: Context, conn: Connection) -> list[Any]:
    from salescli.services.deals.views import last_touch, stale_clause
    from salescli.tables import DEAL

    priority = ctx.settings.get(STALE_PRIORITY.key) or "normal"
    touched = last_touch(ctx.dialect)
    key = (
        sa.literal("stale:deal:", sa.String)
        + _text(DEAL.c.id)
        + sa.literal(":", sa.String)
        + instant_text(ctx.dialect, touched)
    )
    cols = _row(ctx, "stale-deal", key, _title("Stale deal: ", DEAL.c.title),
                _instant(_today_due(ctx)), False, priority, _owner(ctx, DEAL.c.owner_id),
                deal_id=DEAL.c.id)  # fmt: skip
    query = sa.select(*cols).where(
        stale_clause(conn, ctx.now),
        _no_open_rule_task("deal_id", DEAL.c.id, "stale-deal"),
        _key_missing(key),
    )
    return [query]


def _stage_rule_selects(conn: Connection, ctx: Context, where: Any, catch_up: bool) -> list[Any]:
    """One SELECT per stage rule: the deals matching `where` that are in the rule's stage and
    have no task for their latest entry into it. `catch_up`: entries since the rule exists."""
    from salescli.tables import DEAL, STAGECHANGE, TASKRULE

    selects = []
    for rule in conn.execute(sa.select(TASKRULE).order_by(TASKRULE.c.id)).all():
        entry = (
            sa.select(sa.func.max(STAGECHANGE.c.id))
            .where(STAGECHANGE.c.deal_id == DEAL.c.id, STAGECHANGE.c.to_stage_id == rule.stage_id)
            .correlate(DEAL)
            .scalar_subquery()
        )
        key = (
            sa.literal(f"stage:{rule.id}:deal:", sa.String)
            + _text(DEAL.c.id)
            + sa.literal(":", sa.String)
            + _text(entry)
        )
        cols = _row(ctx, f"stage:{rule.id}", key, sa.literal(rule.title, sa.String),
                    _instant(offset_due(rule.due, ctx.now, ctx.tz)), False, rule.priority,
                    _owner(ctx, DEAL.c.owner_id), deal_id=DEAL.c.id)  # fmt: skip
        clauses = [where, DEAL.c.stage_id == rule.stage_id, entry.is_not(None), _key_missing(key)]
        if catch_up:
            since = (
                sa.select(sa.func.max(STAGECHANGE.c.changed_at))
                .where(STAGECHANGE.c.id == entry)
                .scalar_subquery()
            )
            clauses.append(since >= _instant(rule.created_at))
        selects.append(sa.select(*cols).where(*clauses))
    return selects


CANDIDATE_COLUMNS = (
    "rule", "rule_key", "title", "due_at", "timed", "priority", "owner_id",
    "lead_id", "deal_id", "account_id", "contact_id",
)  # fmt: skip


def _owned(select: Any, assigned: bool | None) -> Any:
    """`select` limited to candidates with an owner (True), without one (False) or all
    (None), in record order. The owner test goes into the rule's own WHERE (no wrapping
    subquery), so that a run reads each rule's records once."""
    columns = select.selected_columns
    if assigned is not None:
        owner = columns.owner_id.element
        select = select.where(owner.is_not(None) if assigned else owner.is_(None))
    return select.order_by(*(columns[name] for name in ("lead_id", "deal_id", "account_id")))


def _insert(conn: Connection, ctx: Context, select: Any) -> int:
    """INSERT INTO task SELECT the candidates of `select` that have an owner."""
    from salescli.tables import TASK

    source = _owned(select, True).add_columns(
        _instant(ctx.now).label("created_at"), _instant(ctx.now).label("updated_at")
    )
    result = conn.execute(
        sa.insert(TASK).from_select([*CANDIDATE_COLUMNS, "created_at", "updated_at"], source)
    )
    return int(result.rowcount or 0)


def _candidates(conn: Connection, select: Any, assigned: bool | None) -> list[Any]:
    """The candidate rows of `select` (see `_owned`)."""
    return list(conn.execute(_owned(select, assigned)).mappings().all())


def _context(conn: Connection, now: dt.datetime, settings: Settings) -> Context:
    from salescli.instants import utc

    return Context(
        utc(now), settings.timezone, settings, default_owner_id(conn, settings),
        conn.dialect.name,
    )  # fmt: skip


def enabled(settings: Settings, rule: str) -> bool:
    setting = SETTING_KEYS[rule][0]
    return (settings.get(setting.key) or "true") == "true"


def run(
    conn: Connection,
    *,
    now: dt.datetime,
    settings: Settings,
    rule: str | None = None,
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """Run the rules that are on (or only `rule`; a rule switched off never runs): the tasks
    created (dry run: those it would create, `id` None), then the unassigned records, in the
    JSON shape of `task auto`."""
    from salescli.tables import TASK

    if rule is not None and rule not in RULE_CHOICES:
        raise UsageError(f"--rule '{rule}' is not a rule (one of {', '.join(RULE_CHOICES)})")
    ctx = _context(conn, now, settings)
    names = [rule] if rule else list(RULE_CHOICES)
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(TASK.c.id), 0))).scalar_one()
    planned: list[Any] = []
    unassigned: list[Any] = []
    for name in names:
        if name != STAGE_RULE and not enabled(settings, name):
            continue
        for select in _selects(conn, ctx, name):
            if dry_run:
                found = _candidates(conn, select, None)
                planned += [r for r in found if r["owner_id"] is not None]
                unassigned += [r for r in found if r["owner_id"] is None]
                continue
            if ctx.default_owner_id is None:  # else every candidate has an owner
                # One read of the rule's records: the unassigned are listed, and the INSERT
                # runs only when some candidate has an owner (a daily re-run reads once).
                found = _candidates(conn, select, None)
                unassigned += [r for r in found if r["owner_id"] is None]
                if all(r["owner_id"] is None for r in found):
                    continue
            _insert(conn, ctx, select)
    if dry_run:
        created = [{"id": None, **r} for r in planned]
    else:
        query = sa.select(TASK).where(TASK.c.id > before).order_by(TASK.c.id)
        created = [dict(r) for r in conn.execute(query).mappings().all()]
    return shape(conn, created, unassigned)


def _selects(conn: Connection, ctx: Context, name: str) -> list[Any]:
    if name == "follow-up":
        return follow_up(ctx)
    if name == "first-contact":
        return first_contact(ctx)
    if name == "check-in":
        return check_in(ctx)
    if name == "stale-deal":
        return stale_deal(ctx, conn)
    return _stage_rule_selects(conn, ctx, sa.true(), catch_up=True)


def _record(row: Any) -> str | None:
    for name in ("deal", "lead", "account", "contact"):
        if row.get(f"{name}_id") is not None:
            return f"{name} {row[f'{name}_id']}"
    return None


def shape(
    conn: Connection, created: list[dict[str, Any]], unassigned: list[Any]
) -> list[dict[str, Any]]:
    from salescli.instants import utc
    from salescli.tables import REP

    owners = {r["owner_id"] for r in created if r["owner_id"] is not None}
    names: dict[int, str] = {}
    if owners:
        query = sa.select(REP.c.id, REP.c.name).where(REP.c.id.in_(sorted(owners)))
        names = {row.id: row.name for row in conn.execute(query)}
    result = []
    for row, lost in [*((r, False) for r in created), *((dict(r), True) for r in unassigned)]:
        result.append(
            {
                "rule": row["rule"],
                "id": None if lost else row["id"],
                "title": row["title"],
                "due_at": utc(row["due_at"]),
                "timed": bool(row["timed"]),
                "priority": row["priority"],
                "owner": None if lost else names.get(row["owner_id"]),
                "owner_id": None if lost else row["owner_id"],
                "record": _record(row),
                "lead_id": row["lead_id"],
                "deal_id": row["deal_id"],
                "account_id": row["account_id"],
                "contact_id": row["contact_id"],
                "unassigned": lost,
            }
        )
    return result


# --------------------------------------------------------------------------- stage rules


def enter_stage(conn: Connection, where: Any, now: dt.datetime, settings: Settings) -> int:
    """Deals matching `where` (a clause on DEAL: one id, an import batch) have just entered
    their current stage: create the tasks of that stage's rules (one INSERT ... SELECT per
    rule; a deal without an owner and no `task.default_owner` gets none now: `task auto`
    lists it as unassigned). The number of tasks created."""
    from salescli.tables import TASKRULE

    if conn.execute(sa.select(TASKRULE.c.id).limit(1)).first() is None:
        return 0
    ctx = _context(conn, now, settings)
    selects = _stage_rule_selects(conn, ctx, where, catch_up=False)
    return sum(_insert(conn, ctx, select) for select in selects)


def list_rules(conn: Connection, settings: Settings) -> list[dict[str, Any]]:
    """The built-in rules with their settings and on/off, then the stage rules."""
    from salescli.tables import STAGE, TASKRULE

    found: list[dict[str, Any]] = []
    owner = settings.get(DEFAULT_OWNER.key)
    for name in RULES:
        declared = SETTING_KEYS[name]
        values = {s.key: settings.get(s.key) for s in declared[1:]}
        found.append(
            {
                "rule": name,
                "id": None,
                "on_stage": None,
                "enabled": enabled(settings, name),
                "description": DESCRIPTIONS[name],
                "title": None,
                "due": None,
                "priority": values.pop(f"{declared[0].key.rsplit('.', 1)[0]}.priority"),
                "settings": " ".join(f"{k}={v}" for k, v in values.items()) or None,
                "default_owner": owner,
            }
        )
    query = (
        sa.select(TASKRULE, STAGE.c.name.label("stage"))
        .join(STAGE, STAGE.c.id == TASKRULE.c.stage_id)
        .order_by(TASKRULE.c.id)
    )
    for row in conn.execute(query).all():
        found.append(
            {
                "rule": f"stage:{row.id}",
                "id": row.id,
                "on_stage": row.stage,
                "enabled": True,
                "description": f"a deal enters {row.stage}",
                "title": row.title,
                "due": row.due,
                "priority": row.priority,
                "settings": None,
                "default_owner": owner,
            }
        )
    return found


def add_rule(
    conn: Connection, *, stage: str, title: str, due: str, priority: str, now: dt.datetime
) -> dict[str, Any]:
    """A stage rule: when a deal enters open stage `stage`, a task `title` due at `due`."""
    from salescli.services import rows
    from salescli.services.deals import stages
    from salescli.tables import TASKRULE

    offset = check_due(due)
    level = check_priority(priority)
    clean = " ".join((title or "").split())
    if not clean:
        raise InvalidData('--title is empty (e.g. --title "Chase the proposal")')
    if len(clean) > TITLE_LENGTH:
        raise InvalidData(f"--title is {len(clean)} characters long (at most {TITLE_LENGTH})")
    target = stages.get_open(conn, stage)
    rule_id = rows.insert(
        conn,
        TASKRULE,
        {"stage_id": target.id, "title": clean, "due": offset, "priority": level,
         "created_at": now},
    )  # fmt: skip
    return rule_record(conn, rule_id)


def rule_record(conn: Connection, rule_id: int) -> dict[str, Any]:
    from salescli.tables import STAGE, TASKRULE

    row = conn.execute(
        sa.select(TASKRULE, STAGE.c.name.label("stage"))
        .join(STAGE, STAGE.c.id == TASKRULE.c.stage_id)
        .where(TASKRULE.c.id == rule_id)
    ).first()
    if row is None:
        raise NotFound(f"task rule {rule_id} not found (see: salescli task rules)")
    return {
        "id": row.id,
        "rule": f"stage:{row.id}",
        "on_stage": row.stage,
        "title": row.title,
        "due": row.due,
        "priority": row.priority,
        "created_at": row.created_at,
    }


def delete_rule(conn: Connection, rule_id: int) -> dict[str, Any]:
    """Delete a stage rule (the tasks it made stay); the rule as it was."""
    from salescli.tables import TASKRULE

    found = rule_record(conn, rule_id)
    conn.execute(sa.delete(TASKRULE).where(TASKRULE.c.id == rule_id))
    return found
