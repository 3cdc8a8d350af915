"""The settings of follow-up automation (`task auto` and the stage rules): who gets the
tasks of records without an owner, and each built-in rule's switch, figures and priority.
Declared here, in this order, for `config list` (services.SETTINGS_MODULES)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from salescli.errors import UsageError
from salescli.services import config

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

PRIORITIES = ("high", "normal", "low")


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


FOLLOW_UP_DAYS = config.declare_whole(
    "task.follow_up.days",
    "3",
    "task auto: a follow-up is due this many days after the contact",
    0,
)


FOLLOW_UP_WINDOW = config.declare_whole(
    "task.follow_up.window_days",
    "30",
    "task auto: contacts older than this many days get no follow-up (check-in and stale take over)",
    1,
)


FOLLOW_UP_PRIORITY = _priority("follow-up", "task.follow_up", "normal")


FIRST_CONTACT_ON = _enabled("first-contact", "task.first_contact")


FIRST_CONTACT_HOURS = config.declare_whole(
    "task.first_contact.hours",
    "24",
    "task auto: a new lead not contacted this many hours after it came in gets a task",
    0,
)


FIRST_CONTACT_PRIORITY = _priority("first-contact", "task.first_contact", "high")


CHECK_IN_ON = _enabled("check-in", "task.check_in")


CHECK_IN_DAYS = config.declare_whole(
    "task.check_in.days",
    "90",
    "task auto: a customer (an account with a won deal) untouched this many days gets a check-in",
    1,
)


CHECK_IN_PRIORITY = _priority("check-in", "task.check_in", "normal")


STALE_ON = _enabled("stale-deal", "task.stale_deal")


STALE_PRIORITY = _priority("stale-deal", "task.stale_deal", "normal")


SETTING_KEYS = {
    "follow-up": (FOLLOW_UP_ON, FOLLOW_UP_DAYS, FOLLOW_UP_WINDOW, FOLLOW_UP_PRIORITY),
    "first-contact": (FIRST_CONTACT_ON, FIRST_CONTACT_HOURS, FIRST_CONTACT_PRIORITY),
    "check-in": (CHECK_IN_ON, CHECK_IN_DAYS, CHECK_IN_PRIORITY),
    "stale-deal": (STALE_ON, STALE_PRIORITY),
}
