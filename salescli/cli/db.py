"""`salescli db`: create, migrate, check, back up and restore the database."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, YesOpt, confirm, state
from salescli.render import Format

app = typer.Typer(
    no_args_is_help=True, help="Create, migrate, check, back up and restore the database."
)


@app.command("init")
def db_init(ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """Create the database (or bring it up to date) and print where it is.

    Example: salescli --db ~/sales.db db init
    """
    from salescli import render
    from salescli.services import maintenance

    render.write_record(maintenance.init(state(ctx).url), fmt, output=output)


@app.command("migrate")
def db_migrate(
    ctx: typer.Context,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="On PostgreSQL, migrate even when pg_dump cannot take a backup first.",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Apply pending schema migrations, after a backup (a copy on SQLite, pg_dump on PostgreSQL).

    Example: salescli db migrate
    """
    from salescli import db_migrate, render
    from salescli.services import maintenance

    url = state(ctx).url
    try:
        result = maintenance.migrate(url, without_backup=yes)
    except db_migrate.BackupUnavailable as exc:
        if not sys.stdin.isatty():
            raise
        render.message(f"Warning: {exc}")
        confirm("Migrate without a backup?", False)
        result = maintenance.migrate(url, without_backup=True)
    render.write_record(result, fmt, output=output)


@app.command("check")
def db_check(ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """Run the integrity and foreign-key checks; exit 1 on any fault.

    Example: salescli db check --format json
    """
    from salescli import render
    from salescli.services import maintenance

    result = maintenance.check(state(ctx).url)
    render.write_record(result, fmt, output=output)
    if not result["ok"]:
        raise typer.Exit(1)


@app.command("vacuum")
def db_vacuum(ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """Reclaim the space left by deleted rows (SQLite VACUUM; VACUUM ANALYZE on PostgreSQL).

    Example: salescli db vacuum
    """
    from salescli import render
    from salescli.services import maintenance

    render.write_record(maintenance.vacuum(state(ctx).url), fmt, output=output)


@app.command("backup")
def db_backup(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(
            help="Backup file, or a directory to write a new one in (default: backups/ beside "
            "the database)."
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Replace PATH if it is an existing file.")
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Write a consistent copy of the live database (mode 0600); an existing PATH needs --yes.

    A directory PATH gets a new, uniquely named backup; the live database is always refused.

    Example: salescli db backup ~/sales-2026-11-23.db
    """
    from salescli import render
    from salescli.services import maintenance

    st = state(ctx)
    st.protect()
    target, exist = maintenance.backup_target(st.url, path, st.now)
    if exist == "new" and target.exists():
        confirm(f"Replace the existing file {target}?", yes)
        exist = "replace"
    render.write_record(maintenance.backup(st.url, target, exist), fmt, output=output)


@app.command("restore")
def db_restore(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="A backup made by `salescli db backup`.")],
    yes: YesOpt = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Replace the database with a backup (the current one is backed up first).

    Example: salescli db restore ~/sales-2026-11-23.db --yes
    """
    from pathlib import Path

    from salescli import render
    from salescli.services import maintenance

    st = state(ctx)
    confirm(f"Replace {st.url} with {path}?", yes)
    render.write_record(maintenance.restore(st.url, Path(path), st.now), fmt, output=output)
