"""The query vocabulary every command shares: who (`--owner`, `--team`), which records
(accounts, contacts by reference) and which deals (a scope compiled to SQL).

- A rep reference is an id, a name (case and accents ignored), `me` (SALESCLI_REP or
  `config set me`) or, where a filter allows it, `none` (no owner).
- A team is every rep whose `team` field is that name, or the rep of that name (or `me`) and
  everyone under them, transitively.
- `DealScope` is the deals a list, forecast or report is about; `deal_clauses()` turns it
  into WHERE clauses over `tables.DEAL` joined with `tables.STAGE`.

Everything runs on SQLAlchemy Core over a `Connection`; the same words mean the same rows in
every command (tests/cli/test_vocabulary.py runs each form through each command).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import NotFound
from salescli.ids import as_id
from salescli.tables import ACCOUNT, CONTACT, DEAL, REP, STAGE
from salescli.text import fold, like_pattern

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.config import Settings

ME = "me"
NO_OWNER = "none"
STATES = ("open", "won", "lost")


def is_me(ref: str) -> bool:
    return ref.strip().casefold() == ME


def is_none(ref: str) -> bool:
    return fold(ref) == NO_OWNER


def me_or(ref: str, settings: Settings) -> str:
    """`ref`, or the configured rep's name when `ref` is `me` (NotFound when none is set)."""
    if not is_me(ref):
        return ref
    if not settings.me or not settings.me.strip():
        raise NotFound("owner 'me' is not set (salescli config set me NAME, or SALESCLI_REP)")
    return settings.me


def find_rep_id(conn: Connection, ref: str) -> int | None:
    """The id of the rep `ref` names (an id, else a name), or None."""
    value = ref.strip()
    if (number := as_id(value)) is not None:
        found = conn.execute(sa.select(REP.c.id).where(REP.c.id == number)).scalar()
        if found is not None:
            return int(found)
    found = conn.execute(sa.select(REP.c.id).where(REP.c.name_key == fold(value))).scalar()
    return None if found is None else int(found)


def rep_id(conn: Connection, ref: str, settings: Settings) -> int:
    """The rep `ref` names: an id, a name or `me`; NotFound (exit 3) otherwise."""
    if is_me(ref):
        name = me_or(ref, settings)
        found = find_rep_id(conn, name)
        if found is None:
            import os

            source = "SALESCLI_REP" if os.environ.get("SALESCLI_REP") else "config me"
            raise NotFound(f"{source} '{name}' is not a rep (see: salescli rep list)")
        return found
    found = find_rep_id(conn, ref)
    if found is None:
        raise NotFound(f"rep '{ref}' not found (see: salescli rep list)")
    return found


def owner_ref(conn: Connection, ref: str, settings: Settings) -> int | None:
    """An `--owner` value: a rep id (id, name, `me`), or None for `none` (no owner)."""
    if is_none(ref):
        return None
    return rep_id(conn, ref, settings)


def owner_or_me(conn: Connection, ref: str | None, settings: Settings) -> int | None:
    """The owner a write sets from `--owner`: an id, a name or `me`; `none` is no owner; not
    given (None or blank) is you (`me`) when configured, else no owner."""
    if ref is None or not ref.strip():
        if not settings.me or not settings.me.strip():
            return None
        return rep_id(conn, ME, settings)
    return owner_ref(conn, ref, settings)


def owner_clause(conn: Connection, column: Any, ref: str, settings: Settings) -> Any:
    """`column` (an owner id column) matches `--owner ref`: `none` is IS NULL."""
    owner = owner_ref(conn, ref, settings)
    return column.is_(None) if owner is None else column == owner


def under(conn: Connection, manager_ids: list[int]) -> set[int]:
    """`manager_ids` and every rep under them, transitively (a recursive CTE)."""
    if not manager_ids:
        return set()
    tree = sa.select(REP.c.id).where(REP.c.id.in_(manager_ids)).cte("tree", recursive=True)
    tree = tree.union(sa.select(REP.c.id).where(REP.c.manager_id == tree.c.id))
    return {int(r) for r in conn.execute(sa.select(tree.c.id)).scalars()}


def team_ids(conn: Connection, team: str, settings: Settings) -> list[int]:
    """A `--team` value: the reps whose team is `team`, or the rep named `team` (or `me`) and
    everyone under them, transitively; NotFound (exit 3) when it names neither."""
    found: set[int] = set()
    if is_me(team):
        found |= under(conn, [rep_id(conn, team, settings)])
    else:
        key = fold(team)
        teams = conn.execute(sa.select(REP.c.id, REP.c.team).where(REP.c.team.is_not(None))).all()
        found |= {int(r.id) for r in teams if fold(r.team) == key}
        manager = find_rep_id(conn, team)
        if manager is not None:
            found |= under(conn, [manager])
    if not found:
        raise NotFound(
            f"team '{team}' not found: no rep has that team or that name (see: salescli rep list)"
        )
    return sorted(found)


def team_clause(conn: Connection, column: Any, team: str, settings: Settings) -> Any:
    return column.in_(team_ids(conn, team, settings))


def account_id(conn: Connection, ref: str) -> int:
    """The account `ref` names: an id, else a name (case and accents ignored)."""
    value = ref.strip()
    if (number := as_id(value)) is not None:
        found = conn.execute(sa.select(ACCOUNT.c.id).where(ACCOUNT.c.id == number)).scalar()
        if found is not None:
            return int(found)
    found = conn.execute(
        sa.select(ACCOUNT.c.id).where(ACCOUNT.c.name_key == fold(value)).order_by(ACCOUNT.c.id)
    ).scalar()
    if found is None:
        raise NotFound(f"account '{ref}' not found (see: salescli account list)")
    return int(found)


def contact_id(conn: Connection, ref: str, account: int | None = None) -> int:
    """The contact `ref` names: an id, else a name (case and accents ignored), within
    `account` when given; NotFound when none, InvalidData listing them when several."""
    from salescli.errors import InvalidData

    value = (ref or "").strip()
    where: list[Any] = [] if account is None else [CONTACT.c.account_id == account]
    if (number := as_id(value)) is not None:
        found = conn.execute(sa.select(CONTACT.c.id).where(CONTACT.c.id == number, *where)).scalar()
        if found is not None:
            return int(found)
    key = fold(value)
    rows = conn.execute(
        sa.select(CONTACT.c.id, CONTACT.c.name)
        .where(CONTACT.c.search_text.like(like_pattern(value), escape="\\"), *where)
        .order_by(CONTACT.c.id)
    ).all()
    matches = [r for r in rows if key and fold(r.name) == key]
    where_text = "" if account is None else f" at account {account}"
    if not matches:
        raise NotFound(f"contact '{ref}' not found{where_text} (see: salescli contact list)")
    if len(matches) > 1:
        listed = ", ".join(f"{r.id} '{r.name}'" for r in matches)
        raise InvalidData(
            f"contact name '{ref}' matches {len(matches)} contacts{where_text}: {listed} "
            f"(give the id, e.g. {matches[0].id})"
        )
    return int(matches[0].id)


def day_start_utc(day: dt.date, tz: str) -> dt.datetime:
    """The instant `day` begins in the time zone `tz`, in UTC."""
    from zoneinfo import ZoneInfo

    local = dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.UTC)


def stage_ids(conn: Connection, name: str) -> list[int]:
    """The stage called `name` (case and accents ignored); NotFound listing the stages."""
    rows = conn.execute(sa.select(STAGE.c.id, STAGE.c.name).order_by(STAGE.c.position)).all()
    ids = [int(r.id) for r in rows if fold(r.name) == fold(name)]
    if not ids:
        names = ", ".join(r.name for r in rows)
        raise NotFound(f"stage '{name}' not found (stages: {names})")
    return ids[:1]


@dataclass
class DealScope:
    """Which deals: every field None means "any". Periods are `[start, end)` dates; `on`
    says whether a period is on the close date or on the created date."""

    owner: str | None = None  # id, name, me, none
    team: str | None = None
    state: str | None = None  # open / won / lost
    states: tuple[str, ...] | None = None  # several stage kinds at once (the forecast: won, open)
    stage: str | None = None
    category: str | None = None  # forecast category
    currency: str | None = None
    account: str | None = None
    period: tuple[dt.date, dt.date] | None = None
    on: str = "close"  # close / created
    search: str | None = None


def deal_clauses(
    conn: Connection, scope: DealScope, settings: Settings, tz: str = "UTC"
) -> list[Any]:
    """WHERE clauses over DEAL (joined with STAGE for `state`) for `scope`."""
    clauses: list[Any] = []
    if scope.stage is not None:
        clauses.append(DEAL.c.stage_id.in_(stage_ids(conn, scope.stage)))
    if scope.owner is not None:
        clauses.append(owner_clause(conn, DEAL.c.owner_id, scope.owner, settings))
    if scope.team is not None:
        clauses.append(team_clause(conn, DEAL.c.owner_id, scope.team, settings))
    if scope.account is not None:
        clauses.append(DEAL.c.account_id == account_id(conn, scope.account))
    if scope.state is not None:
        # Open deals (the pipeline: bounded) by stage id, through an index, and sorted; closed
        # ones (the history: grows) by the joined stage's kind, walking the close-date index
        # in order until the page is full (docs/performance.md, `deal list`).
        if scope.state == "open":
            open_ids = sa.select(STAGE.c.id).where(STAGE.c.kind == "open")
            clauses.append(DEAL.c.stage_id.in_(open_ids))
        else:
            clauses.append(STAGE.c.kind == scope.state)
    if scope.states is not None:
        clauses.append(STAGE.c.kind.in_(scope.states))
    if scope.category is not None:
        clauses.append(DEAL.c.forecast_category == scope.category)
    if scope.currency is not None:
        clauses.append(DEAL.c.currency == scope.currency.strip().upper())
    if scope.period is not None:
        start, end = scope.period
        if scope.on == "created":
            clauses.append(DEAL.c.created_at >= day_start_utc(start, tz))
            clauses.append(DEAL.c.created_at < day_start_utc(end, tz))
        else:
            clauses.append(DEAL.c.close_date >= start)
            clauses.append(DEAL.c.close_date < end)
    if scope.search:
        clauses.append(DEAL.c.search_text.like(like_pattern(scope.search), escape="\\"))
    return clauses
