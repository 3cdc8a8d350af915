"""Reps: salespeople and managers, with a manager hierarchy used for roll-ups.

Names are unique ignoring case and Unicode form (`name_key` = `text.fold(name)`); a rep is
referred to by id or by name. Skills are tags stored folded, comma-separated, in one column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.ids import as_id
from salescli.services.lead_statuses import CLOSED_STATUSES
from salescli.text import fold

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Rep
    from salescli.services.config import Settings

# `--manager none` clears a manager; a rep may therefore not be called that.
NO_MANAGER = "none"
NAME_MAX = 200


def name_key(name: str) -> str:
    return fold(name)


def get_by_name(session: Session, name: str) -> Rep:
    from sqlmodel import select

    from salescli.models import Rep

    rep = session.exec(select(Rep).where(Rep.name_key == name_key(name))).first()
    if rep is None:
        raise NotFound(f"rep '{name}' not found (see: salescli rep list)")
    return rep


def resolve(session: Session, ref: str) -> Rep:
    """A rep by id or by name (case-insensitive)."""
    from salescli.models import Rep

    if (number := as_id(ref)) is not None:
        rep = session.get(Rep, number)
        if rep is not None:
            return rep
    return get_by_name(session, ref)


def me(session: Session, settings: Settings) -> Rep | None:
    """The rep you are: SALESCLI_REP, else `config set me`; None when neither is set. A name
    that matches no rep is refused (NotFound, exit 3), never ignored: it would leave records
    without their owner and write a name nobody has into their history."""
    import os

    name = settings.me
    if not name or not name.strip():
        return None
    try:
        return resolve(session, name)
    except NotFound:
        source = "SALESCLI_REP" if os.environ.get("SALESCLI_REP") else "config me"
        raise NotFound(f"{source} '{name}' is not a rep (see: salescli rep list)") from None


def me_name(session: Session, settings: Settings) -> str | None:
    """Your rep's own spelling of their name (for "by" in histories), or None."""
    rep = me(session, settings)
    return rep.name if rep is not None else None


def default_owner(session: Session, settings: Settings) -> Rep | None:
    """The default owner of what you create: you (see `me`)."""
    return me(session, settings)


def subordinates(session: Session, rep_id: int) -> list[int]:
    """Ids of every rep under `rep_id` (direct and indirect reports, active or not), sorted."""
    children = _children(session)
    found: set[int] = set()
    queue = list(children.get(rep_id, []))
    while queue:
        rid = queue.pop()
        if rid in found or rid == rep_id:
            continue
        found.add(rid)
        queue.extend(children.get(rid, []))
    return sorted(found)


def skills_of(rep: Rep) -> list[str]:
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
            if len(skill) > 100:
                raise InvalidData(f"skill '{part.strip()}' is longer than 100 characters")
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
    if len(clean) > NAME_MAX:
        raise InvalidData(f"{field} '{clean[:40]}...' is longer than {NAME_MAX} characters")
    return clean or None


def optional_email(value: str | None) -> str | None:
    from salescli.text import check_email

    if value is None or not value.strip():
        return None
    return check_email(value)


def _check_unique(session: Session, name: str, exclude: int | None = None) -> None:
    from sqlmodel import select

    from salescli.models import Rep

    other = session.exec(select(Rep).where(Rep.name_key == name_key(name))).first()
    if other is not None and other.id != exclude:
        raise InvalidData(
            f"rep '{name}' already exists as '{other.name}' (id {other.id}); "
            "names are unique ignoring case and accents"
        )


def _children(session: Session) -> dict[int, list[int]]:
    from sqlmodel import select

    from salescli.models import Rep

    children: dict[int, list[int]] = {}
    for rid, manager_id in session.exec(select(Rep.id, Rep.manager_id)).all():
        if manager_id is not None:
            children.setdefault(manager_id, []).append(rid)
    return children


def check_cycle(session: Session, rep: Rep, manager: Rep) -> None:
    """Refuse a manager that is the rep itself or reports to it (directly or not)."""
    from sqlmodel import select

    from salescli.models import Rep as RepModel

    if manager.id == rep.id:
        raise InvalidData(
            f"rep '{rep.name}' cannot be its own manager (cycle: {rep.name} → {rep.name})"
        )
    links = {
        rid: (name, mid)
        for rid, name, mid in session.exec(
            select(RepModel.id, RepModel.name, RepModel.manager_id)
        ).all()
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


def _manager(session: Session, ref: str | None) -> Rep | None:
    if ref is None or not ref.strip() or name_key(ref) == NO_MANAGER:
        return None
    return resolve(session, ref)


def add(
    session: Session,
    name: str,
    *,
    now: dt.datetime,
    email: str | None = None,
    manager: str | None = None,
    team: str | None = None,
    territory: str | None = None,
    skills: str | Iterable[str] | None = None,
    active: bool = True,
) -> Rep:
    """Create a rep; the manager (id or name) must exist."""
    from salescli.models import Rep

    clean = check_name(name)
    _check_unique(session, clean)
    boss = _manager(session, manager)
    rep = Rep(
        name=clean,
        name_key=name_key(clean),
        email=optional_email(email),
        manager_id=boss.id if boss else None,
        team=optional_text(team, "team"),
        territory=optional_text(territory, "territory"),
        skills=",".join(parse_skills(skills)),
        active=active,
        created_at=now,
    )
    session.add(rep)
    session.flush()
    return rep


def edit(
    session: Session,
    rep: Rep,
    *,
    name: str | None = None,
    email: str | None = None,
    manager: str | None = None,
    team: str | None = None,
    territory: str | None = None,
    skills: str | Iterable[str] | None = None,
    add_skills: Sequence[str] = (),
    remove_skills: Sequence[str] = (),
) -> Rep:
    """Change the given fields (None = leave as is; "" clears an optional text field)."""
    if name is not None:
        clean = check_name(name)
        _check_unique(session, clean, exclude=rep.id)
        rep.name, rep.name_key = clean, name_key(clean)
    if email is not None:
        rep.email = optional_email(email)
    if manager is not None:
        boss = _manager(session, manager)
        if boss is not None:
            check_cycle(session, rep, boss)
        rep.manager_id = boss.id if boss else None
    if team is not None:
        rep.team = optional_text(team, "team")
    if territory is not None:
        rep.territory = optional_text(territory, "territory")
    current = parse_skills(skills) if skills is not None else skills_of(rep)
    for skill in parse_skills(remove_skills):
        if skill not in current:
            have = ", ".join(current) or "none"
            raise InvalidData(f"rep '{rep.name}' has no skill '{skill}' (skills: {have})")
        current.remove(skill)
    current += [s for s in parse_skills(add_skills) if s not in current]
    rep.skills = ",".join(current)
    session.add(rep)
    session.flush()
    return rep


def set_active(session: Session, rep: Rep, active: bool) -> bool:
    """Activate or deactivate; returns False when the rep already was in that state."""
    if rep.active == active:
        return False
    rep.active = active
    session.add(rep)
    session.flush()
    return True


def open_leads_query() -> Any:
    """(owner_id, n): open leads per owner (still worked: not closed, not forgotten).

    The one definition of a rep's load, shown by `rep list` and used by lead routing."""
    import sqlalchemy as sa

    from salescli.models import Lead

    return (
        sa.select(Lead.owner_id, sa.func.count().label("n"))
        .where(
            Lead.owner_id.is_not(None),  # type: ignore[union-attr]
            Lead.status.not_in(CLOSED_STATUSES),  # type: ignore[attr-defined]
            Lead.forgotten.is_(False),  # type: ignore[attr-defined]
        )
        .group_by(Lead.owner_id)
    )


def open_leads(session: Session) -> dict[int, int]:
    """Open leads per owner id, in one GROUP BY query."""
    return {owner: int(count) for owner, count in session.execute(open_leads_query())}


def record(session: Session, rep: Rep, counts: dict[int, int] | None = None) -> dict[str, Any]:
    """The JSON shape of a rep (as `rep list` prints it)."""
    manager = None
    if rep.manager_id is not None:
        from salescli.models import Rep as RepModel

        boss = session.get(RepModel, rep.manager_id)
        manager = boss.name if boss else None
    if counts is None:
        counts = open_leads(session)
    return _row(rep, manager, counts)


def sort_key(name: str) -> str:
    """Alphabetical order that files `Çağrı` under C, not after Z (accents ignored)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", fold(name))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _row(rep: Rep, manager: str | None, counts: dict[int, int]) -> dict[str, Any]:
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


def show(session: Session, rep: Rep) -> dict[str, Any]:
    """The record plus its direct reports (`reports`: [{id, name}])."""
    from sqlmodel import select

    from salescli.models import Rep as RepModel

    reports = session.exec(select(RepModel).where(RepModel.manager_id == rep.id)).all()
    result = record(session, rep)
    result["reports"] = [
        {"id": r.id, "name": r.name} for r in sorted(reports, key=lambda r: r.name_key)
    ]
    return result


def list_reps(
    session: Session,
    *,
    team: str | None = None,
    territory: str | None = None,
    manager: str | None = None,
    active: bool | None = True,
) -> list[dict[str, Any]]:
    """Reps sorted by name; `active=None` lists everyone. Team/territory match ignoring case."""
    from sqlmodel import select

    from salescli.models import Rep

    boss = resolve(session, manager) if manager is not None else None
    everyone = session.exec(select(Rep)).all()
    names = {r.id: r.name for r in everyone}
    counts = open_leads(session)
    rows = []
    for rep in sorted(everyone, key=lambda r: (sort_key(r.name_key), r.name_key, r.id)):
        if active is not None and rep.active != active:
            continue
        if team is not None and fold(rep.team) != fold(team):
            continue
        if territory is not None and fold(rep.territory) != fold(territory):
            continue
        if boss is not None and rep.manager_id != boss.id:
            continue
        rows.append(_row(rep, names.get(rep.manager_id), counts))
    return rows
