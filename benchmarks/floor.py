#!/usr/bin/env python
"""The floor: the least a Typer + SQLAlchemy Core command can cost (issue 9).

`python benchmarks/floor.py show --db URL` parses one command with Typer, opens the database
with SQLAlchemy Core and reads one row. benchmarks/run.py times every salescli command beside
it: the ratio to this floor is what salescli's own code costs on top of the stack.
"""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False)


@app.command()
def show(db: str = typer.Option(..., "--db"), table: str = "lead") -> None:
    """Read one row of TABLE and print it."""
    import sqlalchemy as sa

    url = db if "://" in db else f"sqlite:///{db}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        ids = sa.table(table, sa.column("id"))
        row = conn.execute(sa.select(ids.c.id).order_by(ids.c.id).limit(1)).first()
    typer.echo(row[0] if row else "")


@app.command()
def version() -> None:
    """Typer needs two commands to keep `show` a subcommand."""
    typer.echo("floor")


if __name__ == "__main__":
    app()
