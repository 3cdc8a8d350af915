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

Modules: auto (this one: `task auto`'s run and shape, `task rules`), auto_rules (the
built-in rules), stage_rules (`enter_stage`, the stage rules' SELECTs), auto_frame (the
frame every rule is written in: candidate SELECT, keys, the INSERT ... SELECT, due offsets),
auto_settings (the task.* settings).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound, UsageError
from salescli.services.tasks.auto_frame import (
    TITLE_LENGTH,
    Context,
    candidate_rows,
    check_due,
    check_priority,
    context,
    insert_tasks,
)
from salescli.services.tasks.auto_rules import check_in, first_contact, follow_up, stale_deal
from salescli.services.tasks.auto_settings import DEFAULT_OWNER, SETTING_KEYS
from salescli.services.tasks.stage_rules import stage_rule_selects

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

RULES = ("follow-up", "first-contact", "check-in", "stale-deal")
STAGE_RULE = "stage"  # `--rule stage`: the catch-up of the stage rules
RULE_CHOICES = (*RULES, STAGE_RULE)
DESCRIPTIONS = {
    "follow-up": "a call, email or meeting on an open lead or deal with no next step",
    "first-contact": "a new lead not contacted within the hours",
    "check-in": "a customer (won deal) with no activity for the days",
    "stale-deal": "an open deal past its stage's stale days (deal stale)",
}


# --------------------------------------------------------------------------- task auto


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
    ctx = context(conn, now, settings)
    names = [rule] if rule else list(RULE_CHOICES)
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(TASK.c.id), 0))).scalar_one()
    planned: list[Any] = []
    unassigned: list[Any] = []
    for name in names:
        if name != STAGE_RULE and not enabled(settings, name):
            continue
        for select in _selects(conn, ctx, name):
            if dry_run:
                found = candidate_rows(conn, select, None)
                planned += [r for r in found if r["owner_id"] is not None]
                unassigned += [r for r in found if r["owner_id"] is None]
                continue
            if ctx.default_owner_id is None:  # else every candidate has an owner
                # One read of the rule's records: the unassigned are listed, and the INSERT
                # runs only when some candidate has an owner (a daily re-run reads once).
                found = candidate_rows(conn, select, None)
                unassigned += [r for r in found if r["owner_id"] is None]
                if all(r["owner_id"] is None for r in found):
                    continue
            insert_tasks(conn, ctx, select)
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
    return stage_rule_selects(conn, ctx, sa.true(), catch_up=True)


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


# --------------------------------------------------------------------------- task rules


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
