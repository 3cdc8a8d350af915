"""Reps: salespeople and managers, with a manager hierarchy used for roll-ups.

Names are unique ignoring case and Unicode form (`name_key` = `text.fold(name)`); a rep is
referred to by id or by name. Skills are tags stored folded, comma-separated, in one column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.text import fold

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Rep
    from salescli.services.config import Settings

# Lead statuses that no longer need a rep's attention (they do not count as open leads).
CLOSED_LEAD_STATUSES = ("converted", "lost", "unqualified")
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

    if ref.strip().isdigit():
        rep = session.get(Rep, int(ref))
        if rep is not None:
            return rep
    return get_by_name(session, ref)


def default_owner(session: Session, settings: Settings) -> Rep | None:
    """The rep named by SALESCLI_REP / `config set me`, if it names an existing rep."""
    me = settings.me
    if not me or not me.strip():
        return None
    try:
        return resolve(session, me)
    except NotFound:
        return None


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


def _optional(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    clean = " ".join(value.split())
    if len(clean) > NAME_MAX:
        raise InvalidData(f"{field} '{clean[:40]}...' is longer than {NAME_MAX} characters")
    return clean or None


def _email(value: str | None) -> str | None:
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
            "names are unique ignoring case"
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
        email=_email(email),
        manager_id=boss.id if boss else None,
        team=_optional(team, "team"),
        territory=_optional(territory, "territory"),
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
        rep.email = _email(email)
    if manager is not None:
        boss = _manager(session, manager)
        if boss is not None:
            check_cycle(session, rep, boss)
        rep.manager_id = boss.id if boss else None
    if team is not None:
        rep.team = _optional(team, "team")
    if territory is not None:
        rep.territory = _optional(territory, "territory")
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


def open_leads(session: Session) -> dict[int, int]:
    """Open leads per owner id, in one GROUP BY query."""
    import sqlalchemy as sa
    from sqlmodel import select

    from salescli.models import Lead

    query = (
        select(Lead.owner_id, sa.func.count())
        .where(Lead.owner_id.is_not(None), Lead.status.not_in(CLOSED_LEAD_STATUSES))
        .group_by(Lead.owner_id)
    )
    return {owner: int(count) for owner, count in session.exec(query).all()}


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


EXPORT_FIELDS = ("name", "email", "manager", "team", "territory", "skills", "active")


def export_rows(session: Session) -> list[dict[str, Any]]:
    """Every rep in the columns `rep import` reads (managers before their reports)."""
    rows = list_reps(session, active=None)
    by_name = {row["name"]: row for row in rows}
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()

    def place(row: dict[str, Any], depth: int = 0) -> None:
        if row["name"] in placed:
            return
        boss = by_name.get(row["manager"]) if row["manager"] else None
        if boss is not None and depth < len(rows):
            place(boss, depth + 1)
        placed.add(row["name"])
        ordered.append({field: row[field] for field in EXPORT_FIELDS})

    for row in rows:
        place(row)
    return ordered


# --- import (through the shared engine, salescli.services.csvio) --------------------------


def import_entity(report: dict[str, Any] | None = None) -> Any:
    """The `csvio.Entity` behind `rep import`: columns name, email, manager, team, territory,
    skills, active.

    A manager named in the file that is neither a row of the file nor an existing rep is
    created (a rep with only a name, and the team of the first row naming it); rows may come in
    any order. A row whose name is an existing rep is a duplicate: rejected with the id, never
    doubled. A hierarchy cycle among the file's rows rejects those rows. `report`, when given,
    receives the names of the managers created (`managers_written`) or, on a dry run, that
    would be (`managers_planned`).
    """
    from salescli.services import csvio

    return csvio.Entity(
        name="rep",
        fields=[
            csvio.FieldSpec("name", required=True, aliases=("rep", "full name", "rep name")),
            csvio.FieldSpec("email", aliases=("email address", "e-mail")),
            csvio.FieldSpec("manager", aliases=("manager name", "reports to")),
            csvio.FieldSpec("team"),
            csvio.FieldSpec("territory", aliases=("region",)),
            csvio.FieldSpec("skills", "list", aliases=("skill", "tags")),
            csvio.FieldSpec("active"),
        ],
        validate=_import_validate,
        insert=_import_insert,
        prepare=lambda ctx: _import_prepare(ctx, report),
        check_all=_import_check_all,
        ignored=("id", "manager_id", "open_leads", "created_at"),
        owner_field=None,
    )


def _import_prepare(ctx: Any, report: dict[str, Any] | None) -> None:
    import sqlalchemy as sa

    existing: dict[str, tuple[int, str]] = {}
    ids: dict[int, str] = {}
    if ctx.conn is not None:
        rep = sa.table("rep", sa.column("id"), sa.column("name"), sa.column("name_key"))
        for rid, name, key in ctx.conn.execute(sa.select(rep.c.id, rep.c.name, rep.c.name_key)):
            existing[key] = (rid, name)
            ids[rid] = name
    ctx.state.update(
        existing=existing, ids=ids, attempted=set(), report=report if report is not None else {}
    )


def _import_validate(values: dict[str, Any], ctx: Any) -> dict[str, Any]:
    from salescli.services.csvio import invalid

    raw = values["name"] or ""
    ctx.state["attempted"].add(name_key(raw))
    name = check_name(raw)
    key = name_key(name)
    duplicate = ctx.state["existing"].get(key)
    if duplicate is not None:
        raise invalid(
            "name", name, f"is a duplicate of existing rep {duplicate[0]} ('{duplicate[1]}'); "
            "not imported (change it with: salescli rep edit)",
        )  # fmt: skip
    manager = " ".join((values["manager"] or "").split())
    manager_id = None
    if name_key(manager) == NO_MANAGER:
        manager = ""
    elif manager.isdigit():
        manager_id = int(manager)
        if manager_id not in ctx.state["ids"]:
            raise invalid("manager", manager, "is not a rep id (name the manager instead)")
    elif manager:
        if len(manager) > NAME_MAX:
            raise invalid("manager", manager[:40], f"is longer than {NAME_MAX} characters")
        if name_key(manager) == key:
            raise invalid("manager", manager, f"is the rep itself (cycle: {name} → {name})")
    active = values["active"]
    if active is not None:
        word = active.casefold()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise invalid("active", active, "is not yes/no (yes, no, true, false, 1, 0)")
    return {
        "name": name,
        "name_key": key,
        "email": _email(values["email"]),
        "manager": manager or None,
        "manager_id": manager_id,
        "team": _optional(values["team"], "team"),
        "territory": _optional(values["territory"], "territory"),
        "skills": ",".join(parse_skills(values["skills"] or [])),
        "active": active is None or active.casefold() in TRUE_WORDS,
    }


TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "on", "x", "active"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "off", "inactive"})


def _import_check_all(rows: list[Any], ctx: Any) -> list[Any]:
    """Whole-file rules: names repeated in the file, hierarchy cycles, managers to create."""
    from salescli.services.csvio import RowError

    errors: dict[int, RowError] = {}
    by_key: dict[str, Any] = {}
    for row in rows:
        first = by_key.get(row.clean["name_key"])
        if first is not None:
            errors[row.line] = RowError(
                row.line, f"rep '{row.clean['name']}' is already on line {first.line}",
                field="name", value=row.clean["name"],
            )  # fmt: skip
        else:
            by_key[row.clean["name_key"]] = row
    parent = {
        key: name_key(row.clean["manager"])
        for key, row in by_key.items()
        if row.clean["manager"] and name_key(row.clean["manager"]) in by_key
    }
    for key, row in by_key.items():
        chain, current = [key], parent.get(key)
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        if current is not None and current == key:
            names = " → ".join(by_key[k].clean["name"] for k in [*chain, key])
            errors[row.line] = RowError(
                row.line, f"manager '{row.clean['manager']}' makes a hierarchy cycle: {names}",
                field="manager", value=row.clean["manager"],
            )  # fmt: skip
    if ctx.options.skip_invalid:
        rejected = ctx.state["attempted"] - set(by_key) - set(ctx.state["existing"])
        _reject_reports_of_rejected(by_key, errors, rejected)
    creates: dict[str, dict[str, Any]] = {}
    for row in by_key.values():
        manager = row.clean["manager"]
        if row.line in errors or not manager or row.clean["manager_id"] is not None:
            continue
        mkey = name_key(manager)
        if mkey in by_key or mkey in ctx.state["existing"]:
            continue
        entry = creates.setdefault(mkey, {"name": manager, "team": None})
        entry["team"] = entry["team"] or row.clean["team"]
    ctx.state["creates"] = creates
    if ctx.options.dry_run:
        ctx.state["report"]["managers_planned"] = [entry["name"] for entry in creates.values()]
    return list(errors.values())


def _reject_reports_of_rejected(
    by_key: dict[str, Any], errors: dict[int, Any], rejected: set[str]
) -> None:
    """With --skip-invalid, a row whose manager is a rejected row of the file goes too (its
    manager would otherwise be created empty)."""
    from salescli.services.csvio import RowError

    changed = True
    while changed:
        changed = False
        for row in by_key.values():
            manager = row.clean["manager"]
            if row.line in errors or not manager:
                continue
            boss = by_key.get(name_key(manager))
            rejected_row = boss is None and name_key(manager) in rejected
            if rejected_row or (boss is not None and boss.line in errors):
                where = f" (line {boss.line})" if boss is not None else ""
                errors[row.line] = RowError(
                    row.line, f"manager '{manager}' is on a rejected row{where}",
                    field="manager", value=manager,
                )  # fmt: skip
                changed = True


def _import_insert(rows: list[dict[str, Any]], ctx: Any) -> None:
    import sqlalchemy as sa

    from salescli.models import Rep

    table = Rep.__table__
    creates = ctx.state.get("creates", {})
    keys = {row["name_key"] for row in rows}
    new = [
        {
            "name": check_name(entry["name"]),
            "name_key": key,
            "email": None,
            "team": entry["team"],
            "territory": None,
            "skills": "",
            "active": True,
        }
        for key, entry in creates.items()
        if key not in keys
    ]
    columns = ("name", "name_key", "email", "team", "territory", "skills", "active")
    new += [{c: row[c] for c in columns} for row in rows]
    for item in new:
        item["created_at"] = ctx.now
    ctx.conn.execute(sa.insert(table), new)
    ctx.state["report"]["managers_written"] = [
        item["name"] for item in new if item["name_key"] not in keys
    ]
    ids = {
        key: rid
        for rid, key in ctx.conn.execute(
            sa.select(table.c.id, table.c.name_key).where(
                table.c.name_key.in_([item["name_key"] for item in new])
            )
        )
    }
    known = {key: rid for key, (rid, _) in ctx.state["existing"].items()}
    known.update(ids)
    links = [
        {"rid": ids[row["name_key"]], "mid": row["manager_id"] or known[name_key(row["manager"])]}
        for row in rows
        if row["manager"]
    ]
    if links:
        ctx.conn.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("rid"))
            .values(manager_id=sa.bindparam("mid")),
            links,
        )
