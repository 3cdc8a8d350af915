"""salescli.tables (the sqlmodel-free Core tables of the hot paths) must not drift from the
SQLModel tables in salescli.models: a renamed or retyped model column fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from salescli import tables
from tests.conftest import clean_env

LIGHT = {name: value for name, value in vars(tables).items() if isinstance(value, sa.TableClause)}


def model_tables() -> dict[str, sa.Table]:
    from sqlmodel import SQLModel

    import salescli.models  # noqa: F401 - fills SQLModel.metadata

    return dict(SQLModel.metadata.tables)


def test_every_light_table_is_found():
    assert sorted(t.name for t in LIGHT.values()) == [
        "account",
        "activity",
        "contact",
        "currencyrate",
        "deal",
        "dealline",
        "importbatch",
        "lead",
        "leadassignment",
        "leadtag",
        "lostreason",
        "product",
        "rep",
        "stage",
        "stagechange",
        "task",
    ]


@pytest.mark.parametrize("name", sorted(LIGHT))
def test_light_columns_are_model_columns_of_the_same_kind(name):
    from salescli.models import UTCDateTime

    light = LIGHT[name]
    model = model_tables()[light.name]
    assert set(light.c.keys()) <= set(model.c.keys()), set(light.c.keys()) - set(model.c.keys())
    for column in light.c:
        model_type = model.c[column.name].type
        if isinstance(model_type, UTCDateTime):
            # Instants stay untyped: values go in already in storage form (see tables.py).
            assert isinstance(column.type, sa.types.NullType), column.name
        else:
            assert model_type._type_affinity is column.type._type_affinity, column.name


def test_importing_tables_does_not_import_sqlmodel_or_the_models():
    probe = (
        "import sys, salescli.tables; "
        "print(','.join(m for m in ('sqlmodel', 'salescli.models', 'pendulum') if m in sys.modules))"
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


def test_no_other_module_defines_a_light_table():
    package = Path(tables.__file__).parent
    found = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path.name != "tables.py"
        and "migrations" not in path.parts
        and ("sa.table(" in path.read_text() or "sa.column(" in path.read_text())
    ]
    assert found == []
