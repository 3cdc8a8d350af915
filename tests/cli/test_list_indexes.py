"""Every filter a list offers is served by an index (issue 9): the main query of each list
option, as SQLite plans it, searches or walks the index docs/performance.md names for it.
Plans come from the schema (salescli runs no ANALYZE), so the small demo plans as the large."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

# (command line, the index its main query must use); REP, MANAGER, ACCOUNT, LEAD, DEAL and
# CONTACT are filled from the demo.
CASES = [
    ("lead list", "lead", "ix_lead_created_at"),
    ("lead list --status new", "lead", "ix_lead_status"),
    ("lead list --owner REP", "lead", "ix_lead_owner_id_status"),
    ("lead list --owner none", "lead", "ix_lead_owner_id_status"),
    ("lead list --source web", "lead", "ix_lead_source"),
    ("lead list --territory DACH", "lead", "ix_lead_territory"),
    ("lead list --tag hot", "leadtag", "sqlite_autoindex_leadtag_1"),
    ("lead list --sort score", "lead", "ix_lead_score"),
    ("lead list --sort last-contact", "lead", "ix_lead_last_contact_at"),
    ("deal list", "deal", "ix_deal_stage_id_close_date"),
    ("deal list --stage proposal", "deal", "ix_deal_stage_id_close_date"),
    ("deal list --owner REP", "deal", "ix_deal_owner_id"),
    ("deal list --team MANAGER", "deal", "ix_deal_owner_id"),
    ("deal list --account ACCOUNT", "deal", "ix_deal_stage_id_account_id_stage_entered_at"),
    ("deal list --won", "deal", "ix_deal_close_date"),
    ("deal list --all --sort created", "deal", "ix_deal_created_at"),
    ("deal list --closing this-quarter", "deal", "ix_deal_stage_id_close_date"),
    ("account list --owner REP", "account", "ix_account_owner_id"),
    ("account list --sort created", "account", "ix_account_created_at"),
    ("contact list --account ACCOUNT", "contact", "ix_contact_account_id"),
    ("activity list", "activity", "ix_activity_occurred_at"),
    ("activity list --period this-week", "activity", "ix_activity_occurred_at"),
    ("activity list --rep REP", "activity", "ix_activity_rep_id_occurred_at"),
    ("activity list --kind call", "activity", "ix_activity_kind_occurred_at_lead_id_deal_id"),
    ("activity list --lead LEAD", "activity", "ix_activity_lead_id"),
    ("activity list --deal DEAL", "activity", "ix_activity_deal_id_occurred_at"),
    ("activity list --contact CONTACT", "activity", "ix_activity_contact_id"),
    ("deal stale --owner REP", "deal", "ix_deal_owner_id"),
]


@pytest.fixture
def demo(cli):
    cli.ok("demo")

    def one(query: str) -> str:
        return str(cli.sql(query)[0][0])

    return cli, {
        "REP": one("SELECT name FROM rep WHERE manager_id IS NOT NULL ORDER BY id LIMIT 1"),
        "MANAGER": one("SELECT name FROM rep WHERE manager_id IS NULL ORDER BY id LIMIT 1"),
        "ACCOUNT": one("SELECT min(account_id) FROM deal"),
        "LEAD": one("SELECT min(lead_id) FROM activity"),
        "DEAL": one("SELECT min(deal_id) FROM activity"),
        "CONTACT": one("SELECT min(id) FROM contact"),
    }


def _main_query(cli, args: list[str]) -> tuple[str, object]:
    """The list's own query among the statements the command sends: the longest ordered
    SELECT (lookups of the records a filter names come first and are not ordered)."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        cli.ok(*args)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    ordered = [
        (s, p)
        for s, p in seen
        if s.lstrip().upper().startswith(("SELECT", "WITH")) and " ORDER BY " in s
    ]
    assert ordered, args
    return max(ordered, key=lambda found: len(found[0]))


def test_every_list_filter_is_served_by_an_index(demo):
    cli, names = demo
    db = sqlite3.connect(cli.url)
    try:
        for line, table, index in CASES:
            args = [names.get(word, word) for word in line.split()]
            statement, parameters = _main_query(cli, args)
            plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            used = rf"^(SEARCH|SCAN) {table} USING (COVERING )?INDEX {index}\b"
            assert any(re.match(used, step) for step in plan), (line, plan)
            assert not any(re.fullmatch(rf"SCAN {table}", step) for step in plan), (line, plan)
    finally:
        db.close()
