"""Alembic environment: runs on the connection salescli hands over (see db_migrate.migrate)."""

from __future__ import annotations

from typing import Any

from alembic import context

from salescli.tables import METADATA as target_metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from salescli import db

        url = context.config.get_main_option("sqlalchemy.url") or db.resolve_url(None)
        with db.engine(url, write=True).connect() as conn:
            _run(conn)
            conn.commit()
        return
    _run(connection)


def _applied(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    # db_migrate.migrate names the migration that failed: the one after the last applied.
    applied = context.config.attributes.get("applied")
    if applied is not None and step.up_revision_id:
        applied.append(step.up_revision_id)


def _run(connection: Any) -> None:
    # Batch mode rebuilds tables on SQLite; transactional DDL makes a failed migration roll
    # back whole instead of leaving the file half-migrated.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        transactional_ddl=True,
        compare_type=True,
        on_version_apply=_applied,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
