"""Reps: salespeople and managers, with a manager hierarchy used for roll-ups.

Names are unique ignoring case and Unicode form (`name_key` = `text.fold(name)`); a rep is
referred to by id or by name (services.scope is the one resolver). Skills are tags stored
folded, comma-separated, in one column. Everything runs on SQLAlchemy Core over a
`Connection`; a rep record is a read-only `Row` (`rep.id`, `rep.name`, `rep._mapping`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.services import config, rows, scope
from salescli.services.leads.statuses import CLOSED_STATUSES
from salescli.tables import LEAD, REP
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

    from salescli.services.config import Settings

# `--manager none` clears a manager; a rep may therefore not be called that.
NO_MANAGER = "none"
NAME_MAX: int = REP.c.name.type.length  # type: ignore[attr-defined]
SKILL_MAX = 100


def name_key(name: str) -> str:
    return fold(name)


def _rep(conn: Connection, rep_id: int) -> Row:
    found = conn.execute(sa.select(REP).where(REP.c.id == rep_id)).first()
    if found is None:
        raise NotFound(f"rep {rep_id} not found (see: salescli rep list)")
    return found


def get_by_name(conn: Connection, name: str) -> Row:
    """The rep called `name` (case and accents ignored); NotFound otherwise."""
    found = conn.execute(sa.select(REP).where(REP.c.name_key == name_key(name))).first()
    if found is None:
        raise NotFound(f"rep '{name}' not found (see: salescli rep list)")
    return found


def resolve(conn: Connection, ref: str) -> Row:
    """A rep by id or by name (case and accents ignored); NotFound otherwise."""
    found = scope.find_rep_id(conn, ref)
    if found is None:
        raise NotFound(f"rep '{ref}' not found (see: salescli rep list)")
    return _rep(conn, found)


def _me_setting(conn: Connection, name: str) -> str:
    """`config set me NAME`: NAME must be a rep; stored as the rep spells their name."""
    return str(get_by_name(conn, name).name)


ME = config.declare(
    "me",
    None,
    "the rep you are: default owner of what you create (SALESCLI_REP overrides)",
    check=_me_setting,
)


def me(conn: Connection, settings: Settings) -> Row | None:
    """The rep you are: SALESCLI_REP, else `config set me`; None when neither is set. A name
    that matches no rep is refused (NotFound, exit 3), never ignored: it would leave records
    without their owner and write a name nobody has into their history."""
    name = settings.me
    if not name or not name.strip():
        return None
    return _rep(conn, scope.rep_id(conn, scope.ME, settings))


def me_name(conn: Connection, settings: Settings) -> str | None:
    """Your rep's own spelling of their name (for "by" in histories), or None."""
    rep = me(conn, settings)
    return rep.name if rep is not None else None


def default_owner(conn: Connection, settings: Settings) -> Row | None:
    """The default owner of what you create: you (see `me`)."""
    return me(conn, settings)


def subordinates(conn: Connection, rep_id: int) -> list[int]:
    """Ids of every rep under `rep_id` (direct and indirect reports, active or not), sorted."""
    return sorted(scope.under(conn, [rep_id]) - {rep_id})


def skills_of(rep: Any) -> list[str]:
    return [s for s in rep.skills.split(",") if s]


def parse_skills(values: str | Iterable[str] | None) -> list[str]:
    """`"Enterprise, german"` -> `["enterprise", "german"]`: folded, without repeats."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    skills: list[str] = []
    for value in values:
        for part in value.split(","):
            skill = fold(part)
            if len(skill) > SKILL_MAX:
                raise InvalidData(f"skill '{part.strip()}' is longer than {SKILL_MAX} characters")
            if skill and skill not in skills:
                skills.append(skill)
    return skills


def check_name(name: str) -> str:
    """A rep name: trimmed, not empty, not a number (it would read as an id), not `none`."""
    clean = " ".join(name.split())
    if not clean:
        raise InvalidData("rep name is empty (e.g. 'Ana Souza')")
    if len(clean) > NAME_MAX:
        raise InvalidData(f"rep name '{clean[:40]}...' is longer than {NAME_MAX} characters")
    if clean.isdigit():
        raise InvalidData(
            f"rep name '{clean}' is a number, which reads as an id (e.g. 'Ana Souza')"
        )
    if name_key(clean) == NO_MANAGER:
        raise InvalidData(f"rep name '{clean}' is reserved (--manager none clears a manager)")
    return clean


def optional_text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    clean = " ".join(value.split())
    limit = REP.c[field].type.length  # type: ignore[attr-defined]
    if len(clean) > limit:
        raise InvalidData(f"{field} '{clean[:40]}...' is longer than {limit} characters")
    return clean or None


def optional_email(value: str | None) -> str | None:
    from salescli.text import check_email

    if value is None or not value.strip():
        return None
    return check_email(value)


def _check_unique(conn: Connection, name: str, exclude: int | None = None) -> None:
    other = conn.execute(
        sa.select(REP.c.id, REP.c.name).where(REP.c.name_key == name_key(name))
    ).first()
    if other is not None and other.id != exclude:
        raise InvalidData(
            f"rep '{name}' already exists as '{other.name}' (id {other.id}); "
            "names are unique ignoring case and accents"
        )


def check_cycle(conn: Connection, rep: Any, manager: Any) -> None:
    """Refuse a manager that is the rep itself or reports to it (directly or not)."""
    if manager.id == rep.id:
        raise InvalidData(
            f"rep '{rep.name}' cannot be its own manager (cycle: {rep.name} → {rep.name})"
        )
    links = {
        r.id: (r.name, r.manager_id)
        for r in conn.execute(sa.select(REP.c.id, REP.c.name, REP.c.manager_id))
    }
    chain = [rep.name, manager.name]
    current = manager.manager_id
    seen = {manager.id}
    while current is not None and current not in seen:
        seen.add(current)
        name, parent = links[current]
        chain.append(name)
        if current == rep.id:
            raise InvalidData(
                f"manager '{manager.name}' for rep '{rep.name}' would create a hierarchy cycle: "
                f"{' → '.join(chain)} (choose a manager outside {rep.name}'s reporting line)"
            )
        current = parent


def _manager(conn: Connection, ref: str | None) -> Row | None:
    if ref is None or not ref.strip() or name_key(ref) == NO_MANAGER:
        return None
    return resolve(conn, ref)


def add(
    conn: Connection,
    name: str,
    *,
    now: dt.datetime,
    email: str | None = None,
    manager: str | None = None,
    team: str | None = None,
    territory: str | None = None,
    skills: str | Iterable[str] | None = None,
    active: bool = True,
) -> int:
    """Create a rep (the manager, by id or name, must exist); its new id."""
    clean = check_name(name)
    _check_unique(conn, clean)
    boss = _manager(conn, manager)
    return rows.insert(
        conn,
        REP,
        {
            "name": clean,
            "name_key": name_key(clean),
            "email": optional_email(email),
            "manager_id": boss.id if boss else None,
            "team": optional_text(team, "team"),
            "territory": optional_text(territory, "territory"),
            "skills": ",".join(parse_skills(skills)),
            "active": active,
            "created_at": now,
        },
    )


def edit(
    conn: Connection,
    rep: Any,
    *,
    name: str | None = None,
    email: str | None = None,
    manager: str | None = None,
    team: str | None = None,
    territory: str | None = None,
    skills: str | Iterable[str] | None = None,
    add_skills: Sequence[str] = (),
    remove_skills: Sequence[str] = (),
) -> int:
    """Change the given fields of `rep` (a record or an id; None = leave as is; "" clears an
    optional text field); its id. Read the record again for the new values."""
    if isinstance(rep, int):
        rep = _rep(conn, rep)
    values: dict[str, Any] = {}
    if name is not None:
        clean = check_name(name)
        _check_unique(conn, clean, exclude=rep.id)
        values.update(name=clean, name_key=name_key(clean))
    if email is not None:
        values["email"] = optional_email(email)
    if manager is not None:
        boss = _manager(conn, manager)
        if boss is not None:
            check_cycle(conn, rep, boss)
        values["manager_id"] = boss.id if boss else None
    if team is not None:
        values["team"] = optional_text(team, "team")
    if territory is not None:
        values["territory"] = optional_text(territory, "territory")
    current = parse_skills(skills) if skills is not None else skills_of(rep)
    for skill in parse_skills(remove_skills):
        if skill not in current:
            have = ", ".join(current) or "none"
            raise InvalidData(f"rep '{rep.name}' has no skill '{skill}' (skills: {have})")
        current.remove(skill)
    current += [s for s in parse_skills(add_skills) if s not in current]
    values["skills"] = ",".join(current)
    rows.update(conn, REP, rep.id, values)
    return int(rep.id)


def set_active(conn: Connection, rep: Any, active: bool) -> bool:
    """Activate or deactivate; returns False when the rep already was in that state."""
    if rep.active == active:
        return False
    rows.update(conn, REP, rep.id, {"active": active})
    return True


def open_leads_query() -> Any:
    """(owner_id, n): open leads per owner (still worked: not closed, not forgotten).

    The one definition of a rep's load, shown by `rep list` and used by lead routing."""
    return (
        sa.select(LEAD.c.owner_id, sa.func.count().label("n"))
        .where(
            LEAD.c.owner_id.is_not(None),
            LEAD.c.status.not_in(CLOSED_STATUSES),
            LEAD.c.forgotten.is_(False),
        )
        .group_by(LEAD.c.owner_id)
    )


def open_leads(conn: Connection) -> dict[int, int]:
    """Open leads per owner id, in one GROUP BY query."""
    return {owner: int(count) for owner, count in conn.execute(open_leads_query())}


def record(conn: Connection, rep: Any, counts: dict[int, int] | None = None) -> dict[str, Any]:
    """The JSON shape of a rep (as `rep list`, `rep show`, `rep add|edit` print it); `rep` is
    a record or an id."""
    if isinstance(rep, int):
        rep = _rep(conn, rep)
    manager = None
    if rep.manager_id is not None:
        manager = conn.execute(sa.select(REP.c.name).where(REP.c.id == rep.manager_id)).scalar()
    if counts is None:
        counts = open_leads(conn)
    return _row(rep, manager, counts)


def sort_key(name: str) -> str:
    """Alphabetical order that files `Çağrı` under C, not after Z (accents ignored)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", fold(name))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _row(rep: Any, manager: str | None, counts: dict[int, int]) -> dict[str, Any]:
    return {
        "id": rep.id,
        "name": rep.name,
        "email": rep.email,
        "manager": manager,
        "manager_id": rep.manager_id,
        "team": rep.team,
        "territory": rep.territory,
        "skills": skills_of(rep),
        "active": rep.active,
        "open_leads": counts.get(rep.id or 0, 0),
        "created_at": rep.created_at,
    }


def show(conn: Connection, rep: Any) -> dict[str, Any]:
    """The record plus its direct reports (`reports`: [{id, name}])."""
    result = record(conn, rep)
    reports = conn.execute(
        sa.select(REP.c.id, REP.c.name, REP.c.name_key).where(REP.c.manager_id == result["id"])
    ).all()
    ordered = sorted(reports, key=lambda r: r.name_key)  # code points, on both backends
    result["reports"] = [{"id": r.id, "name": r.name} for r in ordered]
    return result


def list_reps(
    conn: Connection,
    *,
    team: str | None = None,
    territory: str | None = None,
    manager: str | None = None,
    active: bool | None = True,
) -> list[dict[str, Any]]:
    """Reps sorted by name; `active=None` lists everyone. Team/territory match ignoring case."""
    boss = resolve(conn, manager) if manager is not None else None
    everyone = conn.execute(sa.select(REP)).all()
    names = {r.id: r.name for r in everyone}
    counts = open_leads(conn)
    found = []
    for rep in sorted(everyone, key=lambda r: (sort_key(r.name_key), r.name_key, r.id)):
        if active is not None and rep.active != active:
            continue
        if team is not None and fold(rep.team) != fold(team):
            continue
        if territory is not None and fold(rep.territory) != fold(territory):
            continue
        if boss is not None and rep.manager_id != boss.id:
            continue
        found.append(_row(rep, names.get(rep.manager_id), counts))
    return found
