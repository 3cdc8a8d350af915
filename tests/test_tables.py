"""salescli.tables is the schema's one source of truth: importing it stays light, and no other
module defines a table of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from salescli import tables
from tests.conftest import clean_env


def test_every_table_is_in_the_metadata():
    defined = {v.name for v in vars(tables).values() if isinstance(v, sa.Table)}
    assert defined == set(tables.METADATA.tables)
    assert len(defined) == 23


def test_importing_tables_does_not_import_an_orm():
    probe = (
        "import sys, salescli.tables; "
        "print(','.join(m for m in ('sqlmodel', 'sqlalchemy.orm', 'pydantic', 'pendulum') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=clean_env(),
    )
    assert result.stdout.strip() == ""


def test_no_other_module_defines_a_table():
    schema = Path(tables.__file__).parent  # salescli/tables/: base, core, plans
    package = schema.parent
    found = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if schema not in path.parents
        and "migrations" not in path.parts
        and any(s in path.read_text() for s in ("sa.table(", "sa.column(", "sa.Table("))
    ]
    assert found == []
