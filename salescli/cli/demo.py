"""`salescli demo`: fill an empty database with a seeded, realistic sales team."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, state
from salescli.render import Format

SizeOpt = Annotated[
    str,
    typer.Option(
        "--size",
        metavar="SIZE",
        help="small (a team of 10, a year; seconds), medium (20k leads, 50k deals) "
        "or large (200k leads, 1M deals, 2M activities; minutes).",
    ),
]
CountOpt = Annotated[int | None, typer.Option(metavar="N")]

TRY = (
    "salescli deal list --open --sort amount --sum",
    "salescli lead list --status new --sort score",
    "salescli rep list",
)


def command(
    ctx: typer.Context,
    size: SizeOpt = "small",
    leads: Annotated[
        int | None, typer.Option("--leads", metavar="N", help="Leads (instead of the size's).")
    ] = None,
    deals: Annotated[
        int | None, typer.Option("--deals", metavar="N", help="Deals (instead of the size's).")
    ] = None,
    activities: Annotated[
        int | None,
        typer.Option("--activities", metavar="N", help="Activities (instead of the size's)."),
    ] = None,
    reps: Annotated[
        int | None, typer.Option("--reps", metavar="N", help="Reps, managers included.")
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="The same seed gives the same data.")
    ] = 1,
    fmt: FormatOpt = Format.table,
) -> None:
    """Fill an empty database with a realistic sales team to try salescli on.

    Reps, accounts, contacts, leads, deals with their stage history, activities, tasks, rates,
    quarterly quotas and forecast snapshots.

    Refuses a database that already holds data (exit 1); writes all or nothing.

    Example: salescli --db demo.db demo --size small --seed 7
    """
    import sys

    from salescli import db, render
    from salescli.services import demo as generator

    chosen = generator.resolve_size(
        size.strip().lower(), reps=reps, leads=leads, deals=deals, activities=activities
    )
    st = state(ctx)
    where = db.display_url(st.url)
    progress = None
    if sys.stderr.isatty() and chosen.deals + chosen.leads >= 50_000:

        def progress(phase: str) -> None:
            render.message(f"Writing {phase}...")

    with st.connection(write=True) as conn:
        counts = generator.generate(
            conn,
            chosen,
            seed=seed,
            now=st.now,
            tz=st.tz,
            reporting=st.settings.currency,
            where=where,
            progress=progress,
        )
    render.write_record({"database": where, "seed": seed, **counts}, fmt, tz=st.tz)
    if fmt != Format.json:
        render.message("Try:\n" + "\n".join(f"  {command}" for command in TRY))
