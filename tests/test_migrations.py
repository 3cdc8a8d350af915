"""The migrations build exactly the schema salescli.tables describes, on both backends."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool


def test_blank_database_migrates_to_the_schema(cli):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from salescli.tables import METADATA

    cli.ok("db", "init")
    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = create_engine(url, poolclass=NullPool)
    with eng.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, METADATA)
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


def test_0004_gives_old_stage_history_the_deals_amount(tmp_path):
    """Rows written before 0004 take the deal's current amount; new rows record their own."""
    import sqlite3

    from alembic import command
    from alembic.config import Config

    from salescli import connect

    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    config = Config()
    config.set_main_option("script_location", "salescli:migrations")
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0003")
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO deal (id, title, currency, amount_minor, stage_id, probability, "
        "probability_override, forecast_category, category_override, deal_type, search_text, "
        "created_at, updated_at, stage_entered_at) VALUES (1, 'A', 'EUR', 12345, 1, 10, 0, "
        "'pipeline', 0, 'new', 'a', '2026-11-01 00:00:00', '2026-11-01 00:00:00', "
        "'2026-11-01 00:00:00')"
    )
    conn.execute(
        "INSERT INTO stagechange (deal_id, to_stage_id, probability, changed_at) "
        "VALUES (1, 1, 10, '2026-11-01 00:00:00')"
    )
    conn.commit()
    conn.close()
    command.upgrade(config, "head")
    connect.forget()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT amount_minor, currency FROM stagechange").fetchall() == [
        (12345, "EUR")
    ]
    conn.close()
