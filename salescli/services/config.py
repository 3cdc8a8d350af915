"""Settings kept in the database (`setting` table), so a team on PostgreSQL shares them.

Every setting is declared once, by the module that uses it, with `declare()`:

    STRATEGY = config.declare(
        "routing.strategy", "round-robin", "default strategy of lead assign --auto",
        parse=check_strategy,  # text -> stored text; raises InvalidData/UsageError
    )

`config get|set|unset|list` read the registry; `load(conn)` reads the stored values into a
`Settings` that answers `settings.get(key)` (stored value, else the declared default) and the
typed properties the CLI uses (`timezone`, `currency`, `week_start`...). The modules that
declare settings are listed in `salescli.services.SETTINGS_MODULES`: the registry imports them
the first time it needs a key it does not know yet (so reading settings stays cheap). This
module imports neither the modules that declare settings nor SQLAlchemy at its top.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound, UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _text(value: str) -> str:
    return value


@dataclass(frozen=True)
class Setting:
    """One declared setting (or, with `family`, every key that starts with `key`).

    parse: the stored text from what the user typed; raises InvalidData (exit 1) for a bad
        value, UsageError (exit 2) for a value outside a fixed list (see `choice`).
    check: optional `(conn, parsed) -> stored` for what only the database can tell (`me`
        must name a rep; it is stored as the rep spells their name).
    fold_suffix: for a family matched against folded text (scoring.tag.HOT == scoring.tag.hot).
    """

    key: str
    default: str | None
    help: str
    parse: Callable[[str], str] = _text
    family: bool = False
    fold_suffix: bool = False
    check: Callable[[Connection, str], str] | None = None


# key -> Setting, in declaration order; families (open-ended keys) by prefix.
REGISTRY: dict[str, Setting] = {}
FAMILIES: dict[str, Setting] = {}
_LOADED = False


def declare(
    key: str,
    default: str | None,
    help: str,
    parse: Callable[[str], str] = _text,
    *,
    family: bool = False,
    fold_suffix: bool = False,
    check: Callable[[Connection, str], str] | None = None,
) -> Setting:
    """Declare a setting (at the top of the module that uses it) and return it.

    `family=True` declares every key that starts with `key` (`scoring.tag.` covers
    `scoring.tag.hot`...). Declaring the same key twice differently is a programming error.
    """
    setting = Setting(key, default, help, parse, family, fold_suffix, check)
    table = FAMILIES if family else REGISTRY
    previous = table.get(key)
    if previous is not None and previous != setting:
        raise RuntimeError(f"setting {key!r} is declared twice")
    table[key] = setting
    return setting


def _load_declarations() -> None:
    """Import every module that declares settings (salescli.services.SETTINGS_MODULES)."""
    global _LOADED
    if _LOADED:
        return
    import importlib

    from salescli.services import SETTINGS_MODULES

    for name in SETTINGS_MODULES:
        importlib.import_module(name)
    _LOADED = True


def _find(name: str) -> Setting | None:
    if name in REGISTRY:
        return REGISTRY[name]
    for prefix, setting in FAMILIES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return setting
    return None


def lookup(name: str) -> Setting | None:
    """The declaration behind key `name` (a family's for its members), or None."""
    found = _find(name)
    if found is None and not _LOADED:
        _load_declarations()
        found = _find(name)
    return found


def setting(name: str) -> Setting:
    """The declaration behind key `name`; NotFound (exit 3) naming the known keys."""
    found = lookup(name)
    if found is None:
        _load_declarations()
        known = ", ".join([*REGISTRY, *(f"{p}*" for p in sorted(FAMILIES))])
        raise NotFound(f"config key '{name}' is unknown (known: {known})")
    return found


def canonical(name: str) -> str:
    """The stored spelling of a key: families with fold_suffix keep the suffix folded."""
    found = lookup(name)
    if found is not None and found.family and found.fold_suffix:
        from salescli.text import fold

        return found.key + fold(name[len(found.key) :])
    return name


# --------------------------------------------------------------------------- parsers

# Whole-number settings are stored as text and read back as INTEGER-sized numbers.
MAX_SETTING = 2_147_483_647


def declare_whole(key: str, default: str | None, help: str, minimum: int | None = None) -> Setting:
    """`declare` a whole-number setting (at least `minimum`): its errors name `key`."""
    return declare(key, default, help, integer(key, minimum))


def integer(name: str, minimum: int | None = None) -> Callable[[str], str]:
    """A parser for a whole number (at least `minimum`, at most MAX_SETTING)."""

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


def choice(name: str, choices: Sequence[str], noun: str = "a choice") -> Callable[[str], str]:
    """A parser for one of `choices` (case ignored): a usage error (exit 2) otherwise, as a
    bad enum value is on every command line (`name` is the key or the option named)."""

    def check(value: str) -> str:
        clean = value.strip().lower()
        if clean not in choices:
            listed = ", ".join(choices)
            raise UsageError(f"{name} '{value}' is not {noun} (one of {listed})")
        return clean

    return check


def _currency(value: str) -> str:
    from salescli.money import check_currency

    return check_currency(value)


def _timezone(value: str) -> str:
    from salescli import dates

    try:
        dates.timezone(value)
    except UsageError as exc:
        raise InvalidData(str(exc)) from None
    return value


def _weekday(value: str) -> str:
    from salescli import dates

    try:
        return dates.WEEKDAYS[dates.weekday_index(value)]
    except UsageError as exc:
        raise InvalidData(str(exc)) from None


def _month(value: str) -> str:
    if not (value.strip().isascii() and value.strip().isdigit()) or not 1 <= int(value) <= 12:
        raise InvalidData(f"fiscal_year_start_month '{value}' must be a month number 1-12 (e.g. 4)")
    return str(int(value))


# The settings every command reads through `State` (cli/common.py): money and calendar.
CURRENCY = declare("currency", "USD", "reporting currency and default deal currency", _currency)
TIMEZONE = declare("timezone", "UTC", "IANA zone for dates and periods", _timezone)
WEEK_START = declare(
    "week_start", "monday", "first day of a week for this-week/last-week", _weekday
)
FISCAL_YEAR_START_MONTH = declare(
    "fiscal_year_start_month", "1", "month the fiscal year starts (4 = April)", _month
)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Settings:
    """The stored values (`values`: key -> text) with the declared defaults behind them."""

    values: dict[str, str]

    def get(self, name: str) -> str | None:
        if name in self.values:
            return self.values[name]
        found = lookup(name)
        return found.default if found is not None else None

    @property
    def timezone(self) -> str:
        return self.get(TIMEZONE.key) or "UTC"

    @property
    def currency(self) -> str:
        return self.get(CURRENCY.key) or "USD"

    @property
    def week_start(self) -> int:
        from salescli.dates import weekday_index

        return weekday_index(self.get(WEEK_START.key) or "monday")

    @property
    def fiscal_year_start_month(self) -> int:
        return int(self.get(FISCAL_YEAR_START_MONTH.key) or 1)

    @property
    def me(self) -> str | None:
        """The rep you are: SALESCLI_REP, else `config set me` (declared in services.reps)."""
        return os.environ.get("SALESCLI_REP") or self.values.get("me")

    def prefixed(self, prefix: str) -> dict[str, str]:
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)}


def load(conn: Connection) -> Settings:
    """Every stored setting, in one query (`conn`: a Connection; an ORM Session from a
    caller not yet ported is run on its connection)."""
    import sqlalchemy as sa

    from salescli.tables import SETTING

    rows = conn.execute(sa.select(SETTING.c.key, SETTING.c.value)).all()
    return Settings({key: value for key, value in rows})


def _entry(name: str, value: str | None, default: bool) -> dict[str, Any]:
    return {"key": name, "value": value, "default": default}


def get(conn: Connection, name: str) -> dict[str, Any]:
    """{key, value, default}: the stored value, else the declared default."""
    name = canonical(name)
    found = setting(name)
    stored = load(conn).values
    return _entry(name, stored.get(name, found.default), name not in stored)


def set_value(conn: Connection, name: str, value: str) -> dict[str, Any]:
    """Parse `value` by the key's declaration and store it."""
    import sqlalchemy as sa

    from salescli.tables import SETTING

    name = canonical(name)
    declared = setting(name)
    clean = declared.parse(value)
    if declared.check is not None:
        clean = declared.check(conn, clean)
    exists = conn.execute(sa.select(SETTING.c.key).where(SETTING.c.key == name)).first()
    if exists is None:
        conn.execute(sa.insert(SETTING).values(key=name, value=clean))
    else:
        conn.execute(sa.update(SETTING).where(SETTING.c.key == name).values(value=clean))
    return _entry(name, clean, False)


def unset(conn: Connection, name: str) -> dict[str, Any]:
    """Remove the stored value: the declared default applies again."""
    import sqlalchemy as sa

    from salescli.tables import SETTING

    name = canonical(name)
    found = setting(name)
    conn.execute(sa.delete(SETTING).where(SETTING.c.key == name))
    return _entry(name, found.default, True)


def list_all(conn: Connection) -> list[dict[str, Any]]:
    """Every declared key (value, whether it is the default, help), then the stored members
    of families (scoring.tag.hot...) in key order."""
    _load_declarations()
    stored = load(conn).values
    rows = [
        {**_entry(name, stored.get(name, s.default), name not in stored), "help": s.help}
        for name, s in REGISTRY.items()
    ]
    for name in sorted(stored):
        if name not in REGISTRY:
            found = lookup(name)
            rows.append({**_entry(name, stored[name], False), "help": found.help if found else ""})
    return rows
