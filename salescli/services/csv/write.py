"""Writing an import, in the one transaction of the write lock: the `importbatch` row, the
entity's `insert` over the valid rows (in batches when it streams), and the bulk INSERT
helpers entity modules call from their `insert`.

Imports here are on a benchmarked path: keep them few.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from salescli.instants import storage_instant

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.csv.types import Entity, ImportContext, Parsed


def bulk_insert_values(
    conn: Connection, table: Any, keys: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT every row (value sequences in `keys` order) in one driver executemany, the
    tuples handed to the driver as they are (the bulk-import hot path). `table` and `keys`
    are the code's own names (quoted here), never input; values must be in storage form."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(key) for key in keys)}) "  # noqa: S608
        f"VALUES ({', '.join([mark] * len(keys))})"
    )
    conn.exec_driver_sql(sql, list(rows))


def record_batch(
    conn: Connection, entity: str, file_name: str, digest: str, rows: int, now: dt.datetime
) -> int:
    """Insert the `importbatch` row (same transaction as the rows) and return its id."""
    import sqlalchemy as sa

    from salescli.tables import IMPORTBATCH as batch

    stmt = (
        sa.insert(batch)
        .values(
            entity=entity,
            file_name=file_name[:500],
            file_sha256=digest,
            rows=rows,
            imported_at=storage_instant(now, conn.dialect.name),
        )
        .returning(batch.c.id)
    )
    return int(conn.execute(stmt).scalar_one())


def insert_rows(parsed: Parsed, ctx: ImportContext, entity: Entity) -> None:
    if not entity.batched:
        rows = list(parsed.good)
        ctx.lines = [row.line for row in rows]
        entity.insert([row.clean for row in rows], ctx)
        return
    for batch in parsed.good.batches():  # plain (line, cells, clean) tuples
        ctx.lines = [row[0] for row in batch]
        entity.insert([row[2] for row in batch], ctx)
