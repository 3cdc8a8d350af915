"""`rep import` / `rep export`: reps in the columns name, email, manager, team, territory,
skills, active, through the shared CSV engine (salescli.services.csvio).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from salescli.ids import as_id
from salescli.services import csvio, csvread
from salescli.services.csvio import RowError, invalid
from salescli.services.reps import (
    NAME_MAX,
    NO_MANAGER,
    check_name,
    list_reps,
    name_key,
    optional_email,
    optional_text,
    parse_skills,
)

if TYPE_CHECKING:
    from sqlmodel import Session

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


def entity(report: dict[str, Any] | None = None) -> Any:
    """The `csvio.Entity` behind `rep import`: columns name, email, manager, team, territory,
    skills, active.

    A manager named in the file that is neither a row of the file nor an existing rep is
    created (a rep with only a name, and the team of the first row naming it); rows may come in
    any order. A row whose name is an existing rep is a duplicate: rejected with the id, never
    doubled. A hierarchy cycle among the file's rows rejects those rows. `report`, when given,
    receives the names of the managers created (`managers_written`) or, on a dry run, that
    would be (`managers_planned`).
    """
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
        validate=_validate,
        insert=_insert,
        prepare=lambda ctx: _prepare(ctx, report),
        check_all=_check_all,
        ignored=("id", "manager_id", "open_leads", "created_at"),
        owner_field=None,
    )


def _prepare(ctx: Any, report: dict[str, Any] | None) -> None:
    import sqlalchemy as sa

    from salescli.tables import REP

    existing: dict[str, tuple[int, str]] = {}
    ids: dict[int, str] = {}
    if ctx.conn is not None:
        for rid, name, key in ctx.conn.execute(sa.select(REP.c.id, REP.c.name, REP.c.name_key)):
            existing[key] = (rid, name)
            ids[rid] = name
    ctx.state.update(
        existing=existing, ids=ids, attempted=set(), report=report if report is not None else {}
    )


def _validate(values: dict[str, Any], ctx: Any) -> dict[str, Any]:
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
        manager_id = as_id(manager)
        if manager_id is None or manager_id not in ctx.state["ids"]:
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
        "email": optional_email(values["email"]),
        "manager": manager or None,
        "manager_id": manager_id,
        "team": optional_text(values["team"], "team"),
        "territory": optional_text(values["territory"], "territory"),
        "skills": ",".join(parse_skills(values["skills"] or [])),
        "active": active is None or active.casefold() in TRUE_WORDS,
    }


# The import engine's booleans, plus the words a rep export of another CRM may use.
TRUE_WORDS = csvread.TRUE_WORDS | {"active"}
FALSE_WORDS = csvread.FALSE_WORDS | {"inactive"}


def _check_all(rows: list[Any], ctx: Any) -> list[Any]:
    """Whole-file rules: names repeated in the file, hierarchy cycles, managers to create."""
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


def _insert(rows: list[dict[str, Any]], ctx: Any) -> None:
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


def managers_message(report: dict[str, Any]) -> str:
    """`Created 2 manager(s) named in the file: ...` after a rep import ("" if none)."""
    for key, verb in (("managers_written", "Created"), ("managers_planned", "Would create")):
        if report.get(key):
            names = ", ".join(report[key])
            return f"{verb} {len(report[key])} manager(s) named in the file: {names}"
    return ""
