"""The demo's bulk writer: row tuples buffered per table and written in bulk (executemany
on SQLite, COPY on PostgreSQL), secondary indexes dropped and rebuilt, and the columns of
each table in the order the generator gives them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

BATCH_ROWS = 50_000


def light_table(name: str) -> Any:
    """The Core table of salescli.tables named `name` (one definition per table)."""
    from salescli import tables

    return getattr(tables, name.upper())


# ----------------------------------------------------------------------------- writing


class Writer:
    """Buffers row tuples per table and writes them in bulk, parents before children."""

    ORDER = (
        "rep",
        "account",
        "lead",
        "leadkey",
        "contact",
        "deal",
        "leadtag",
        "leadassignment",
        "stagechange",
        "activity",
        "task",
    )

    def __init__(self, conn: Connection, columns: dict[str, tuple[str, ...]]) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.columns = columns
        self.rows: dict[str, list[tuple]] = {name: [] for name in self.ORDER}
        self.sql: dict[str, tuple[str, Any]] = {}
        self.indexes: list[str] = []

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def appender(self, table: str) -> Callable[[tuple], None]:
        """The table's `add` for a hot loop: its buffer's own `append` (flush empties the
        buffer in place, so it stays valid)."""
        return self.rows[table].append

    def checkpoint(self) -> None:
        """Called between whole records (a deal and its history): write when enough is buffered."""
        if sum(map(len, self.rows.values())) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.rows[name]
            if rows:
                self._write(name, rows)
                rows.clear()

    def _write(self, name: str, rows: list[tuple]) -> None:
        columns = self.columns[name]
        if self.sqlite:
            if name not in self.sql:
                self.sql[name] = self._insert_sql(name, columns)
            sql, reorder = self.sql[name]
            self.conn.exec_driver_sql(sql, rows if reorder is None else list(map(reorder, rows)))
            return
        quote = self.conn.dialect.identifier_preparer.quote
        statement = f"COPY {quote(name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        driver = self.conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)

    def _insert_sql(self, name: str, columns: tuple[str, ...]) -> tuple[str, Any]:
        """The INSERT compiled once from the light table, and how to order a row's values
        for it (None when the statement's order is already `columns`)."""
        import operator

        import sqlalchemy as sa

        compiled = (
            sa.insert(light_table(name))
            .values({c: sa.bindparam(c) for c in columns})
            .compile(dialect=self.conn.dialect)
        )
        order = list(compiled.positiontup or ())
        assert compiled.positional and sorted(order) == sorted(columns)
        if order == list(columns):
            return str(compiled), None
        return str(compiled), operator.itemgetter(*(columns.index(c) for c in order))

    def reset_sequences(self, tables: tuple[str, ...]) -> None:
        """PostgreSQL: ids were given explicitly, so move each serial past the largest."""
        if self.sqlite:
            return
        import sqlalchemy as sa

        for name in tables:
            largest = self.conn.execute(sa.select(sa.func.max(light_table(name).c.id))).scalar()
            if largest is not None:
                self.conn.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :m)"),
                    {"t": name, "m": largest},
                )

    def drop_indexes(self) -> None:
        """Drop the secondary indexes of the bulk tables (restored by `restore_indexes`).

        Building an index once over all rows is much faster than maintaining it row by row.
        Their definitions are read from the database itself and replayed as they were, in the
        same transaction: a failure or a kill leaves the schema as it was.
        """
        import sqlalchemy as sa

        tables = list(self.ORDER)
        if self.sqlite:
            query = sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN :tables ORDER BY name"
            ).bindparams(sa.bindparam("tables", expanding=True))
        else:
            query = sa.text(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() "
                "AND tablename IN :tables AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname) ORDER BY indexname"
            ).bindparams(sa.bindparam("tables", expanding=True))
        found = self.conn.execute(query, {"tables": tables}).all()
        quote = self.conn.dialect.identifier_preparer.quote
        for name, _ in found:
            self.conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
        self.indexes = [definition for _, definition in found]

    def restore_indexes(self) -> None:
        for definition in self.indexes:
            self.conn.exec_driver_sql(definition)
        self.indexes = []

    def analyze(self) -> None:
        """PostgreSQL: gather the statistics of the tables just filled (`ANALYZE`, in this
        transaction: it sees the new rows). Without them the planner takes the tables for
        empty: the forecast snapshots written next, and the first commands after the demo,
        ran for minutes (a nested loop over 3.7 million stage changes), and autovacuum may be
        off or minutes away. SQLite plans from the schema alone (docs/performance.md)."""
        if not self.sqlite:
            self.conn.exec_driver_sql("ANALYZE")


COLUMNS: dict[str, tuple[str, ...]] = {
    "rep": (
        "id",
        "name",
        "name_key",
        "email",
        "manager_id",
        "team",
        "territory",
        "skills",
        "active",
        "created_at",
    ),
    "account": (
        "id",
        "name",
        "name_key",
        "industry",
        "website",
        "phone",
        "country",
        "territory",
        "employees",
        "owner_id",
        "search_text",
        "created_at",
        "updated_at",
    ),
    "lead": (
        "id",
        "name",
        "email",
        "email_key",
        "phone",
        "phone_key",
        "company",
        "title",
        "source",
        "status",
        "status_reason",
        "territory",
        "owner_id",
        "score",
        "search_text",
        "forgotten",
        "created_at",
        "updated_at",
        "last_contact_at",
        "converted_at",
    ),
    "contact": (
        "id",
        "name",
        "email",
        "email_key",
        "phone",
        "title",
        "account_id",
        "owner_id",
        "lead_id",
        "search_text",
        "created_at",
        "updated_at",
        "last_contact_at",
    ),
    "deal": (
        "id",
        "title",
        "account_id",
        "contact_id",
        "owner_id",
        "lead_id",
        "amount_minor",
        "currency",
        "stage_id",
        "probability",
        "probability_override",
        "forecast_category",
        "category_override",
        "close_date",
        "source",
        "deal_type",
        "lost_reason_id",
        "lost_note",
        "search_text",
        "created_at",
        "updated_at",
        "stage_entered_at",
        "last_activity_at",
    ),
    "leadkey": ("lead_id", "key"),
    "leadtag": ("lead_id", "tag", "label"),
    "leadassignment": (
        "lead_id",
        "rep_id",
        "previous_rep_id",
        "strategy",
        "reason",
        "assigned_by",
        "assigned_at",
    ),
    "stagechange": (
        "deal_id",
        "from_stage_id",
        "to_stage_id",
        "probability",
        "changed_at",
        "changed_by",
    ),
    "activity": (
        "kind",
        "lead_id",
        "deal_id",
        "rep_id",
        "occurred_at",
        "outcome",
        "text",
        "created_at",
    ),
    "task": (
        "id",
        "title",
        "due_at",
        "timed",
        "owner_id",
        "priority",
        "lead_id",
        "deal_id",
        "account_id",
        "contact_id",
        "done_at",
        "created_at",
        "updated_at",
        "every",
        "note",
    ),
}
