"""Every CLI test runs against a real database file in a temp dir, and again on PostgreSQL
when SALESCLI_TEST_PG_URL names a server (each test in a fresh database of its own)."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

PG_URL = os.environ.get("SALESCLI_TEST_PG_URL")
NOW = "2026-11-23T09:00:00+00:00"
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
if not DATASETS.exists():
    DATASETS = Path(os.environ.get("SALESCLI_DATASETS", "/work/shared/datasets"))
_counter = itertools.count()
ROOT = Path(__file__).resolve().parents[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a newcomer's shell, for any test that runs salescli as a process.

    Only PATH (with this interpreter's bin first), a HOME of its own and LANG, plus `extra`:
    no variable of the development or CI machine (PYTHONUNBUFFERED, SALESCLI_*...) can hide
    a failure. PYTHONPATH names this checkout, so `python -m salescli` runs this code.
    """
    import sys
    import tempfile

    path = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")]
    )
    env = {
        "PATH": path,
        "HOME": tempfile.mkdtemp(prefix="salescli-home-"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def _pg_admin_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    assert PG_URL is not None
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> str | None:
    """A database migrated once; each test clones it (CREATE DATABASE ... TEMPLATE)."""
    if not PG_URL:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from salescli import connect, db_migrate

    name = f"salescli_tmpl_{os.getpid()}"
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _pg_admin_url(name)
    db_migrate.ensure_schema(url)
    connect.forget(url)
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test starts from a copy (migrations run once)."""
    from salescli import connect, db_migrate

    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    db_migrate.ensure_schema(url)
    connect.forget(url)
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch) -> Any:
    monkeypatch.setenv("SALESCLI_NOW", NOW)
    monkeypatch.delenv("SALESCLI_REP", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    if backend == "sqlite":
        import shutil

        path = tmp_path / "sales.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        path.chmod(0o600)
        monkeypatch.setenv("SALESCLI_DB", str(path))
        yield str(path)
        return
    if not PG_URL:
        pytest.skip("set SALESCLI_TEST_PG_URL to run the PostgreSQL half")
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from salescli import connect

    template = request.getfixturevalue("pg_template")
    name = f"salescli_t_{os.getpid()}_{next(_counter)}"
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = _pg_admin_url(name)
    monkeypatch.setenv("SALESCLI_DB", url)
    yield url
    connect.forget(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def _cache_click_tree() -> None:
    """Typer's runner rebuilds the whole Click tree on every call (~0.2 s with ~100 commands);
    the tree never changes during a test run, so build it once per app."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[int, Any] = {}

    def cached(app: Any) -> Any:
        if id(app) not in built:
            built[id(app)] = build(app)
        return built[id(app)]

    typer.testing._get_command = cached


_cache_click_tree()


class Cli:
    """Runs salescli in-process against the test database; asserts no traceback leaks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None) -> Result:
        from salescli.cli import app

        result = self.runner.invoke(app, list(args), input=input, env=env, prog_name="salescli")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert "Traceback" not in result.stderr, result.stderr
        return Result(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.code == 0, f"exit {result.code}: {result.err}{result.out}"
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        return self.ok(*args, "--format", "json", **kwargs).json()

    def sql(self, query: str, **params: Any) -> list[tuple]:
        """An independent look at the database: plain SQL, not the code under test."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        url = self.url if "://" in self.url else f"sqlite:///{self.url}"
        eng = create_engine(url, poolclass=NullPool)
        try:
            with eng.begin() as conn:
                result = conn.execute(text(query), params)
                return [tuple(row) for row in result.all()] if result.returns_rows else []
        finally:
            eng.dispose()


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(db_url)
