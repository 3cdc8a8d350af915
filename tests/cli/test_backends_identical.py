"""The same commands give byte-identical output on SQLite and on PostgreSQL.

One SQLite file and one PostgreSQL database get the same history (the real Maven data set
through the documented import flags, then a few hand-made leads, calls and stage moves, at
a frozen "now"); every read command below must print exactly the same bytes on stdout and on
stderr, with the same exit code, on both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATASETS, NOW, PG_URL, Cli, _counter, _pg_admin_url

MAVEN = DATASETS / "maven-crm-sales-opportunities"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="set SALESCLI_TEST_PG_URL to compare the backends"),
    pytest.mark.skipif(not MAVEN.exists(), reason="the Maven data set is not here"),
]

ENV = {"SALESCLI_NOW": NOW, "SALESCLI_REP": None, "NO_COLOR": None, "COLUMNS": "100"}

SETUP: list[list[str]] = [
    ["rep", "import", str(MAVEN / "sales_teams.csv"), "--map", "sales_agent=name",
     "--map", "regional_office=team"],
    ["product", "import", str(MAVEN / "products.csv"), "--map", "product=name",
     "--map", "sales_price=price"],
    ["account", "import", str(MAVEN / "accounts.csv"), "--map", "account=name",
     "--map", "sector=industry", "--map", "office_location=country",
     "--map", "subsidiary_of=parent", "--map", "year_established=", "--map", "revenue=",
     "--map-value", "industry:technolgy=technology",
     "--map-value", "country:Philipines=Philippines"],
    ["deal", "import", str(MAVEN / "sales_pipeline.csv"), "--map", "opportunity_id=external_id",
     "--map", "sales_agent=owner", "--map", "deal_stage=stage",
     "--map", "engage_date=created_at", "--map", "close_value=amount",
     "--map-value", "stage:Prospecting=prospecting",
     "--map-value", "stage:Engaging=qualification",
     "--map-value", "stage:Won=won", "--map-value", "stage:Lost=lost"],
    ["lead", "add", "Zoë Ångström", "--email", "zoe@example.com", "--company", "Fjord AB",
     "--source", "web", "--tag", "nordic,vip"],
    ["lead", "add", "İsmail Işık", "--email", "ismail@example.com", "--company", "Boğaz",
     "--source", "Referral", "--phone", "+90 212 555 0101"],
    ["lead", "add", "José Álvarez", "--email", "jose@example.com", "--source", "web",
     "--owner", "Darcel Schlecht"],
    ["log", "call", "--lead", "1", "--outcome", "reached", "Wants a demo"],
    ["log", "email", "--lead", "2", "Sent the price list"],
    ["currency", "rate", "set", "EUR", "1.08", "--on", "2026-11-01"],
    ["deal", "add", "Fjord – 50 seats", "--amount", "12,000.50", "--currency", "EUR",
     "--account", "Fjord AB", "--close", "2026-12-15", "--owner", "Darcel Schlecht"],
    ["deal", "move", "8801", "proposal"],
]  # fmt: skip

OUTPUTS: list[list[str]] = [
    ["rep", "list", "--format", "json"],
    ["rep", "list", "--format", "csv"],
    ["rep", "show", "Darcel Schlecht", "--format", "json"],
    ["product", "list", "--format", "csv"],
    ["account", "list", "--format", "csv", "--limit", "1000"],
    ["account", "show", "1", "--format", "json"],
    ["deal", "list", "--format", "csv", "--limit", "0"],
    ["deal", "list", "--format", "json", "--won", "--limit", "0"],
    ["deal", "list", "--won", "--sum", "--format", "json"],
    ["deal", "list", "--open", "--sum", "--format", "csv"],
    ["deal", "list", "--owner", "Darcel Schlecht", "--format", "markdown", "--limit", "0"],
    ["deal", "list", "--closing", "2017-Q1", "--format", "csv", "--limit", "0"],
    ["deal", "list", "--search", "fjord", "--format", "json"],
    ["deal", "list", "--limit", "15"],
    ["deal", "show", "8801", "--format", "json"],
    ["deal", "history", "1", "--format", "json"],
    ["deal", "stages", "--format", "json"],
    ["deal", "stale", "--format", "csv"],
    ["deal", "export"],
    ["lead", "list", "--format", "csv", "--limit", "0"],
    ["lead", "list", "--search", "isik", "--format", "json"],
    ["lead", "show", "1", "--format", "json"],
    ["lead", "sources", "--format", "json"],
    ["lead", "export"],
    ["activity", "list", "--format", "json"],
    ["account", "export"],
]


@pytest.fixture(scope="module")
def pair(
    sqlite_template: Path, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Cli, Cli]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from salescli import connect

    path = tmp_path_factory.mktemp("identical") / "sales.db"
    shutil.copyfile(sqlite_template, path)
    path.chmod(0o600)
    name = f"salescli_t_{os.getpid()}_{next(_counter)}"
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    url = _pg_admin_url(name)
    clis = (Cli(str(path)), Cli(url))
    for args in SETUP:
        for cli in clis:
            cli.ok("--db", cli.url, *args, env=ENV)
    yield clis
    connect.forget(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("args", OUTPUTS, ids=[" ".join(a) for a in OUTPUTS])
def test_output_is_byte_identical_on_both_backends(pair, args):
    sqlite, postgresql = pair
    a = sqlite("--db", sqlite.url, *args, env=ENV)
    b = postgresql("--db", postgresql.url, *args, env=ENV)
    assert a.code == 0, a.err
    assert (a.code, a.err) == (b.code, b.err)
    assert a.out == b.out
    assert a.out.strip()
