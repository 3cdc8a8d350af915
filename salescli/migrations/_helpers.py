"""What several hand-written migrations share. Imported by migration files only.

A helper here must keep doing exactly what it did when the migrations that call it were
written: a database upgraded with the old code and one upgraded with the new must be the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from alembic import op

# (table, index name, columns)
Index = tuple[str, str, Sequence[str]]


def replace_indexes(create: Iterable[Index], drop: Iterable[Index]) -> None:
    """Create the indexes `create`, then drop the indexes `drop`, each in the order given, one
    batch operation per index (batch mode creates and drops indexes in place on SQLite, no
    table is rebuilt).

    A migration that replaces indexes by wider ones (each old one a prefix of its new one)
    calls `replace_indexes(ADDED, REPLACED)` to upgrade and
    `replace_indexes(REPLACED, reversed(ADDED))` to downgrade.
    """
    for table, name, columns in create:
        with op.batch_alter_table(table) as batch:
            batch.create_index(name, list(columns), unique=False)
    for table, name, _ in drop:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(name)
