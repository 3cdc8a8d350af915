"""accent-blind keys and tag spellings

Revision ID: 0003
Revises: 0002

`text.fold` now drops accents (`Jürgen` -> `jurgen`, `Araújo` -> `araujo`), so every key
stored with the old fold is folded again, in Python (SQL cannot fold alike on both backends),
in batches of BATCH rows (e-mail keys keep their accents: `text.fold_case`):

- `search_text` of lead, contact, account, deal; `name_key` of rep, account and product; rep skills; the folded suffix of `scoring.tag.*` and
  `scoring.source.*` settings; the tag keys of `leadtag`.
- `leadtag` gains `label`: the tag's spelling as first typed (for tags stored before, the
  folded key is all that is known, so it becomes the label).

Names that must be unique and now fold alike (`Jürgen Groß` and `Jurgen Gross`, two
accounts `Café Roma` / `Cafe Roma`, two stages or lost reasons, two scoring settings) make
the migration refuse: it raises one message naming every such pair with its ids and how to
rename one, and the whole upgrade rolls back (the database stays at 0002). Two tags of one lead
that now fold alike are merged into one (the first spelling is kept): that loses nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 1000
# (table, folded column, the column it is folded from). Search texts are folded again as
# stored (so that what `lead forget` erased from them stays erased); name keys are made from
# the name, as the collision check does (a name renamed by hand gets its key).
REFOLD = [
    ("lead", "search_text", "search_text"),
    ("contact", "search_text", "search_text"),
    ("account", "search_text", "search_text"),
    ("account", "name_key", "name"),
    ("deal", "search_text", "search_text"),
    ("rep", "name_key", "name"),
    ("product", "name_key", "name"),
]
# Names unique up to folding: (table, column holding the name, command that renames).
UNIQUE_NAMES = [
    ("rep", "name", "salescli rep edit {id} --name 'NEW NAME'"),
    ("account", "name", "salescli account edit {id} --name 'NEW NAME'"),
    ("product", "name", "salescli product edit {id} --name 'NEW NAME'"),
    ("stage", "name", "salescli deal stages edit '{name}' --name NEW-NAME"),
    ("lostreason", "name", "salescli lost-reason remove '{name}'"),
]
FOLDED_SETTING_PREFIXES = ("scoring.tag.", "scoring.source.")


def upgrade() -> None:
    from salescli.text import fold

    conn = op.get_bind()
    _refuse_collisions(conn, fold)
    for table, column, source in REFOLD:
        _refold_column(conn, table, column, source, fold)
    _refold_skills(conn, fold)
    _refold_settings(conn, fold)
    with op.batch_alter_table("leadtag") as batch:
        batch.add_column(sa.Column("label", sa.String(length=100), nullable=True))
    conn.execute(sa.text("UPDATE leadtag SET label = tag"))
    _refold_tags(conn, fold)
    with op.batch_alter_table("leadtag") as batch:
        batch.alter_column("label", existing_type=sa.String(length=100), nullable=False)


def downgrade() -> None:
    # Keys folded without accents still find everything the old fold found.
    with op.batch_alter_table("leadtag") as batch:
        batch.drop_column("label")


def _refuse_collisions(conn: sa.Connection, fold: Any) -> None:
    problems: list[str] = []
    fixes: list[str] = []
    for table, column, fix in UNIQUE_NAMES:
        groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
        t = sa.table(table, sa.column("id"), sa.column(column))
        rows = conn.execute(sa.select(t.c.id, t.c[column]).order_by(t.c.id))
        for row_id, name in rows:
            groups[fold(name)].append((row_id, name))
        for same in groups.values():
            if len(same) > 1:
                problems.append(" and ".join(f"{table} {i} '{n}'" for i, n in same))
                row_id, name = same[-1]
                fixes.append(fix.format(id=row_id, name=name))
    keys: dict[str, list[str]] = defaultdict(list)
    for (key,) in conn.execute(sa.text("SELECT key FROM setting ORDER BY key")):
        for prefix in FOLDED_SETTING_PREFIXES:
            if key.startswith(prefix):
                keys[prefix + fold(key[len(prefix) :])].append(key)
    for same_keys in keys.values():
        if len(same_keys) > 1:
            problems.append(" and ".join(f"setting '{k}'" for k in same_keys))
            fixes.append(f"salescli config unset '{same_keys[-1]}'")
    if problems:
        from salescli.errors import SalesError

        raise SalesError(
            "these names differ only by accents or case and would become one: "
            f"{'; '.join(problems)}. Rename or remove one of each with the salescli that "
            f"wrote the database (e.g. {'; '.join(fixes)}) or by changing that row's name "
            "in SQL, then run salescli again"
        )


def _batches(conn: sa.Connection, table: str, *columns: str) -> Any:
    """(id, *columns) rows of `table` by id, BATCH at a time (keyset paging, no rescans)."""
    t = sa.table(table, sa.column("id"), *(sa.column(c) for c in set(columns)))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(t.c.id, *(t.c[c] for c in columns))
            .where(t.c.id > last)
            .order_by(t.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _refold_column(conn: sa.Connection, table: str, column: str, source: str, fold: Any) -> None:
    t = sa.table(table, sa.column("id"), sa.column(column))
    update = (
        t.update().where(t.c.id == sa.bindparam("row_id")).values({column: sa.bindparam("value")})
    )
    unique = column == "name_key"
    pending: list[dict[str, Any]] = []
    for rows in _batches(conn, table, column, source):
        changed = []
        for row_id, value, origin in rows:
            new = fold(origin) if origin is not None else value
            if new != value:
                changed.append({"row_id": row_id, "value": new})
        if changed and unique:
            # A key may still be held by a row updated later (a name renamed by hand):
            # park each changed key on a value of its own first, then set them all.
            conn.execute(
                update, [{"row_id": c["row_id"], "value": f"\x01{c['row_id']}"} for c in changed]
            )
            pending.extend(changed)
        elif changed:
            conn.execute(update, changed)
    for start in range(0, len(pending), BATCH):
        conn.execute(update, pending[start : start + BATCH])


def _refold_skills(conn: sa.Connection, fold: Any) -> None:
    update = sa.text("UPDATE rep SET skills = :value WHERE id = :row_id")
    for rows in _batches(conn, "rep", "skills"):
        changed = []
        for row_id, value in rows:
            if not value or value.isascii():
                continue
            skills: list[str] = []
            for part in value.split(","):
                skill = fold(part)
                if skill and skill not in skills:
                    skills.append(skill)
            new = ",".join(skills)
            if new != value:
                changed.append({"row_id": row_id, "value": new})
        if changed:
            conn.execute(update, changed)


def _refold_settings(conn: sa.Connection, fold: Any) -> None:
    for (key,) in conn.execute(sa.text("SELECT key FROM setting")).all():
        for prefix in FOLDED_SETTING_PREFIXES:
            if key.startswith(prefix) and not key.isascii():
                new = prefix + fold(key[len(prefix) :])
                if new != key:
                    conn.execute(
                        sa.text("UPDATE setting SET key = :new WHERE key = :old"),
                        {"new": new, "old": key},
                    )


def _refold_tags(conn: sa.Connection, fold: Any) -> None:
    """Tag keys folded again; two tags of a lead that now fold alike become one."""
    rows = conn.execute(sa.text("SELECT lead_id, tag FROM leadtag ORDER BY lead_id, tag")).all()
    existing = {(lead_id, tag) for lead_id, tag in rows}
    delete = sa.text("DELETE FROM leadtag WHERE lead_id = :lead_id AND tag = :tag")
    insert = sa.text("INSERT INTO leadtag (lead_id, tag, label) VALUES (:lead_id, :tag, :label)")
    for lead_id, tag in rows:
        new = fold(tag)
        if new == tag:
            continue
        conn.execute(delete, {"lead_id": lead_id, "tag": tag})
        existing.discard((lead_id, tag))
        if (lead_id, new) not in existing:
            conn.execute(insert, {"lead_id": lead_id, "tag": new, "label": tag})
            existing.add((lead_id, new))
