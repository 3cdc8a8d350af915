"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool


def test_blank_database_migrates_to_the_models(cli):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from salescli import models  # noqa: F401

    cli.ok("db", "init")
    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = create_engine(url, poolclass=NullPool)
    with eng.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    eng.dispose()
    assert diff == []


def test_head_constant_matches_the_scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from salescli.migrations import HEAD, KNOWN_REVISIONS

    config = Config()
    config.set_main_option("script_location", "salescli:migrations")
    script = ScriptDirectory.from_config(config)
    assert script.get_current_head() == HEAD
    assert sorted(KNOWN_REVISIONS) == sorted(r.revision for r in script.walk_revisions())


def test_default_pipeline(cli):
    cli.ok("db", "init")
    assert cli.sql(
        "SELECT name, probability, forecast_category, kind FROM stage ORDER BY position"
    ) == [
        ("prospecting", 10, "pipeline", "open"),
        ("qualification", 20, "pipeline", "open"),
        ("proposal", 50, "best_case", "open"),
        ("negotiation", 75, "commit", "open"),
        ("won", 100, "closed", "won"),
        ("lost", 0, "omitted", "lost"),
    ]
