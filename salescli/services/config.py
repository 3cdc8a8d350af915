"""Settings kept in the database (`setting` table), so a team on PostgreSQL shares them."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from salescli.errors import InvalidData, NotFound

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session


@dataclass(frozen=True)
class Key:
    default: str | None
    help: str
    validate: Callable[[str], str] = field(default=lambda value: value)
    # For open-ended families matched against folded text (scoring.tag.HOT == scoring.tag.hot).
    fold_suffix: bool = False


def _currency(value: str) -> str:
    from salescli.money import check_currency

    return check_currency(value)


def _timezone(value: str) -> str:
    from salescli import dates
    from salescli.errors import UsageError

    try:
        dates.timezone(value)
    except UsageError as exc:
        raise InvalidData(str(exc)) from None
    return value


def _weekday(value: str) -> str:
    from salescli import dates
    from salescli.errors import UsageError

    try:
        return dates.WEEKDAYS[dates.weekday_index(value)]
    except UsageError as exc:
        raise InvalidData(str(exc)) from None


# Whole-number settings are stored as text and read back as INTEGER-sized numbers.
MAX_SETTING = 2_147_483_647


def _month(value: str) -> str:
    if not (value.strip().isascii() and value.strip().isdigit()) or not 1 <= int(value) <= 12:
        raise InvalidData(f"fiscal_year_start_month '{value}' must be a month number 1-12 (e.g. 4)")
    return str(int(value))


def integer(name: str, minimum: int | None = None) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            number = int(value.strip())
        except ValueError:
            raise InvalidData(f"{name} '{value}' is not a whole number (e.g. 10)") from None
        if minimum is not None and number < minimum:
            raise InvalidData(f"{name} '{value}' must be at least {minimum}")
        if number > MAX_SETTING:
            raise InvalidData(f"{name} '{value}' must be at most {MAX_SETTING} (e.g. 10)")
        return str(number)

    return check


KEYS: dict[str, Key] = {
    "me": Key(None, "the rep you are: default owner of what you create (SALESCLI_REP overrides)"),
    "currency": Key("USD", "reporting currency and default deal currency", _currency),
    "timezone": Key("UTC", "IANA zone for dates and periods", _timezone),
    "week_start": Key("monday", "first day of a week for this-week/last-week", _weekday),
    "fiscal_year_start_month": Key("1", "month the fiscal year starts (4 = April)", _month),
}
# Families of keys whose names are open-ended (e.g. scoring.source.referral); the lead
# scoring and routing services register theirs.
PREFIXES: dict[str, Key] = {}


def canonical(name: str) -> str:
    """The stored spelling of a key: families with fold_suffix keep the suffix folded."""
    for prefix, key in PREFIXES.items():
        if key.fold_suffix and name.startswith(prefix) and len(name) > len(prefix):
            from salescli.text import fold

            return prefix + fold(name[len(prefix) :])
    return name


def _key(name: str) -> Key:
    if name in KEYS:
        return KEYS[name]
    for prefix, key in PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return key
    known = ", ".join(sorted(KEYS)) + ", " + ", ".join(f"{p}*" for p in sorted(PREFIXES))
    raise NotFound(f"config key '{name}' is unknown (known: {known})")


@dataclass(frozen=True)
class Settings:
    values: dict[str, str]

    def get(self, name: str) -> str | None:
        if name in self.values:
            return self.values[name]
        key = KEYS.get(name)
        return key.default if key else None

    @property
    def timezone(self) -> str:
        return self.get("timezone") or "UTC"

    @property
    def currency(self) -> str:
        return self.get("currency") or "USD"

    @property
    def week_start(self) -> int:
        from salescli.dates import weekday_index

        return weekday_index(self.get("week_start") or "monday")

    @property
    def fiscal_year_start_month(self) -> int:
        return int(self.get("fiscal_year_start_month") or 1)

    @property
    def me(self) -> str | None:
        return os.environ.get("SALESCLI_REP") or self.get("me")

    def prefixed(self, prefix: str) -> dict[str, str]:
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)}


def load(conn: Session | Connection) -> Settings:
    from sqlalchemy import text

    rows = conn.execute(text("SELECT key, value FROM setting")).all()
    return Settings({key: value for key, value in rows})


def get(session: Session, name: str) -> dict:
    name = canonical(name)
    key = _key(name)
    settings = load(session)
    value = settings.values.get(name, key.default)
    return {"key": name, "value": value, "default": name not in settings.values}


def set_value(session: Session, name: str, value: str) -> dict:
    name = canonical(name)
    from salescli.models import Setting

    key = _key(name)
    clean = key.validate(value)
    if name == "me":
        clean = _check_rep(session, value)  # stored as the rep spells their name
    row = session.get(Setting, name)
    if row is None:
        session.add(Setting(key=name, value=clean))
    else:
        row.value = clean
    return {"key": name, "value": clean, "default": False}


def _check_rep(session: Session, name: str) -> str:
    from salescli.services import reps

    return reps.get_by_name(session, name).name


def unset(session: Session, name: str) -> dict:
    name = canonical(name)
    from salescli.models import Setting

    key = _key(name)
    row = session.get(Setting, name)
    if row is not None:
        session.delete(row)
    return {"key": name, "value": key.default, "default": True}


def list_all(session: Session) -> list[dict]:
    settings = load(session)
    rows = [
        {
            "key": name,
            "value": settings.values.get(name, key.default),
            "default": name not in settings.values,
            "help": key.help,
        }
        for name, key in KEYS.items()
    ]
    for name in sorted(settings.values):
        if name not in KEYS:
            rows.append(
                {
                    "key": name,
                    "value": settings.values[name],
                    "default": False,
                    "help": _key(name).help,
                }
            )
    return rows


ROUTING_STRATEGIES = ("round-robin", "territory", "skill", "load")


def _strategy(value: str) -> str:
    clean = value.strip().lower()
    if clean not in ROUTING_STRATEGIES:
        choices = ", ".join(ROUTING_STRATEGIES)
        raise InvalidData(f"routing.strategy '{value}' is not a strategy (one of {choices})")
    return clean


def _points(name: str) -> Callable[[str], str]:
    return integer(name)


def _register_scoring_and_routing() -> None:
    """Lead scoring rules (services/scoring.py) and routing settings (services/routing.py)."""
    from salescli.services import scoring as s

    for source, points in s.DEFAULT_SOURCES.items():
        KEYS[s.SOURCE_PREFIX + source] = Key(
            str(points),
            f"score points for leads from source {source}",
            _points(s.SOURCE_PREFIX + source),
        )
    for name in s.FIELDS:
        KEYS[s.FIELD_PREFIX + name] = Key(
            str(s.DEFAULT_FIELD_POINTS),
            f"score points when a lead's {name} is filled in",
            _points(s.FIELD_PREFIX + name),
        )
    for tag, points in s.DEFAULT_TAGS.items():
        KEYS[s.TAG_PREFIX + tag] = Key(
            str(points), f"score points for leads tagged {tag}", _points(s.TAG_PREFIX + tag)
        )
    KEYS[s.ENGAGEMENT_POINTS] = Key(
        str(s.DEFAULT_ENGAGEMENT_POINTS),
        "score points when the last contact is within scoring.engagement.days",
        _points(s.ENGAGEMENT_POINTS),
    )
    KEYS[s.ENGAGEMENT_DAYS] = Key(
        str(s.DEFAULT_ENGAGEMENT_DAYS),
        "days a contact counts as recent engagement",
        integer(s.ENGAGEMENT_DAYS, 0),
    )
    KEYS[s.DECAY_PER_WEEK] = Key(
        str(s.DEFAULT_DECAY_PER_WEEK),
        "score points lost per full week since the last contact (or creation)",
        integer(s.DECAY_PER_WEEK, 0),
    )
    KEYS[s.DECAY_MAX] = Key(
        str(s.DEFAULT_DECAY_MAX), "most score points decay can take", integer(s.DECAY_MAX, 0)
    )
    PREFIXES[s.SOURCE_PREFIX] = Key(
        "0",
        "score points for leads from this source",
        _points(s.SOURCE_PREFIX + "<source>"),
        fold_suffix=True,
    )
    PREFIXES[s.TAG_PREFIX] = Key(
        "0",
        "score points for leads with this tag",
        _points(s.TAG_PREFIX + "<tag>"),
        fold_suffix=True,
    )
    KEYS["routing.strategy"] = Key(
        "round-robin",
        "default strategy of lead assign --auto: " + ", ".join(ROUTING_STRATEGIES),
        _strategy,
    )
    KEYS["routing.round_robin.last_rep_id"] = Key(
        None,
        "rep who got the last round-robin lead (kept by lead assign --auto)",
        integer("routing.round_robin.last_rep_id", 1),
    )


_register_scoring_and_routing()
