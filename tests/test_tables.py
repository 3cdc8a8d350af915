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
    assert len(defined) == 19


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
    package = Path(tables.__file__).parent
    found = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path.name not in ("tables.py", "models.py")
        and "migrations" not in path.parts
        and any(s in path.read_text() for s in ("sa.table(", "sa.column(", "sa.Table("))
    ]
    assert found == []


def test_the_orm_models_match_the_tables_while_they_remain():
    # Transitional: services still on the ORM use salescli.models; it must not drift.
    models_file = Path(tables.__file__).parent / "models.py"
    if not models_file.exists():
        return
    from sqlmodel import SQLModel

    import salescli.models  # noqa: F401

    for name, table in tables.METADATA.tables.items():
        model = SQLModel.metadata.tables[name]
        assert list(model.c.keys()) == list(table.c.keys()), name
        for column in table.c:
            other = model.c[column.name]
            assert other.nullable == column.nullable, (name, column.name)
            assert other.primary_key == column.primary_key, (name, column.name)
            assert other.type._type_affinity is column.type._type_affinity, (name, column.name)
