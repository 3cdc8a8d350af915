"""`rep import` / `rep export`: reps in the columns name, email, manager, team, territory,
skills, active, through the shared CSV engine (salescli.services.csv.engine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salescli.ids import as_id
from salescli.services.csv import cells as csvcells
from salescli.services.csv import engine as csvio
from salescli.services.csv.engine import ImportContext, ImportState, RowError, invalid
from salescli.services.reps.records import (
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
    from sqlalchemy.engine import Connection

EXPORT_FIELDS = ("name", "email", "manager", "team", "territory", "skills", "active")


def export_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every rep in the columns `rep import` reads (managers before their reports)."""
    rows = list_reps(conn, active=None)
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


# --- import (through the shared engine, salescli.services.csv.engine) --------------------------


@dataclass
class ManagerReport:
    """The managers a rep import created (`written`) or, on a dry run, would (`planned`)."""

    written: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)


@dataclass
class NewManager:
    """A manager named in the file that is no rep yet: created with the first row's team."""

    name: str
    team: str | None = None


@dataclass
class RepImportState(ImportState):
    """`rep import`'s lookups (existing reps) and what validating the file found."""

    existing: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (id, name)
    ids: dict[int, str] = field(default_factory=dict)  # id -> name
    attempted: set[str] = field(default_factory=set)  # every name key a row gave
    creates: dict[str, NewManager] = field(default_factory=dict)  # key -> manager to create


Context = ImportContext[RepImportState]


def entity(report: ManagerReport | None = None) -> csvio.Entity[RepImportState]:
    """The `csvio.Entity` behind `rep import`: columns name, email, manager, team, territory,
    skills, active.

    A manager named in the file that is neither a row of the file nor an existing rep is
    created (a rep with only a name, and the team of the first row naming it); rows may come in
    any order. A row whose name is an existing rep is a duplicate: rejected with the id, never
    doubled. A hierarchy cycle among the file's rows rejects those rows. `report`, when given,
    receives the names of the managers created (`written`) or, on a dry run, that would be
    (`planned`).
    """
    sink = report if report is not None else ManagerReport()
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
        insert=lambda rows, ctx: _insert(rows, ctx, sink),
        prepare=_prepare,
        check_all=lambda rows, ctx: _check_all(rows, ctx, sink),
        ignored=("id", "manager_id", "open_leads", "created_at"),
        owner_field=None,
        state=RepImportState,
    )


def _prepare(ctx: Context) -> None:
    import sqlalchemy as sa

    from salescli.tables import REP

    if ctx.conn is not None:
        for rid, name, key in ctx.conn.execute(sa.select(REP.c.id, REP.c.name, REP.c.name_key)):
            ctx.state.existing[key] = (rid, name)
            ctx.state.ids[rid] = name


def _validate(values: dict[str, Any], ctx: Context) -> dict[str, Any]:
    raw = values["name"] or ""
    ctx.state.attempted.add(name_key(raw))
    name = check_name(raw)
    key = name_key(name)
    duplicate = ctx.state.existing.get(key)
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
        if manager_id is None or manager_id not in ctx.state.ids:
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
TRUE_WORDS = csvcells.TRUE_WORDS | {"active"}
FALSE_WORDS = csvcells.FALSE_WORDS | {"inactive"}


def _check_all(rows: list[Any], ctx: Context, report: ManagerReport) -> list[RowError]:
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
        rejected = ctx.state.attempted - set(by_key) - set(ctx.state.existing)
        _reject_reports_of_rejected(by_key, errors, rejected)
    creates: dict[str, NewManager] = {}
    for row in by_key.values():
        manager = row.clean["manager"]
        if row.line in errors or not manager or row.clean["manager_id"] is not None:
            continue
        mkey = name_key(manager)
        if mkey in by_key or mkey in ctx.state.existing:
            continue
        entry = creates.setdefault(mkey, NewManager(manager))
        entry.team = entry.team or row.clean["team"]
    ctx.state.creates = creates
    if ctx.options.dry_run:
        report.planned = [entry.name for entry in creates.values()]
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


def _insert(rows: list[dict[str, Any]], ctx: Context, report: ManagerReport) -> None:
    import sqlalchemy as sa

    from salescli.tables import REP as table

    assert ctx.conn is not None
    keys = {row["name_key"] for row in rows}
    new: list[dict[str, Any]] = [
        {
            "name": check_name(entry.name),
            "name_key": key,
            "email": None,
            "team": entry.team,
            "territory": None,
            "skills": "",
            "active": True,
        }
        for key, entry in ctx.state.creates.items()
        if key not in keys
    ]
    columns = ("name", "name_key", "email", "team", "territory", "skills", "active")
    new += [{c: row[c] for c in columns} for row in rows]
    for item in new:
        item["created_at"] = ctx.now
    ctx.conn.execute(sa.insert(table), new)
    report.written = [item["name"] for item in new if item["name_key"] not in keys]
    ids = {
        key: rid
        for rid, key in ctx.conn.execute(
            sa.select(table.c.id, table.c.name_key).where(
                table.c.name_key.in_([item["name_key"] for item in new])
            )
        )
    }
    known = {key: rid for key, (rid, _) in ctx.state.existing.items()}
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


def managers_message(report: ManagerReport) -> str:
    """`Created 2 manager(s) named in the file: ...` after a rep import ("" if none)."""
    for names, verb in ((report.written, "Created"), (report.planned, "Would create")):
        if names:
            return f"{verb} {len(names)} manager(s) named in the file: {', '.join(names)}"
    return ""
