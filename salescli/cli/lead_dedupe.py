"""`salescli lead duplicates` and `salescli lead merge`."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import (
    FormatOpt,
    OutputOpt,
    YesOpt,
    confirm,
    id_parser,
    progress_bar,
    state,
    whole_number,
)
from salescli.cli.lead_base import app, lead_label
from salescli.render import Column, Format

DUPLICATE_COLUMNS = [
    Column("lead_id", "lead", "right"),
    Column("name", "name"),
    Column("other_id", "other", "right"),
    Column("other_name", "other name"),
    Column("reason", "reason"),
    Column("similarity", "similarity", "right"),
]


@app.command("duplicates")
def lead_duplicates(
    ctx: typer.Context,
    threshold: Annotated[
        int,
        typer.Option(
            "--threshold",
            help="Name + company similarity, 0-100.",
            parser=whole_number(0, 100),
        ),
    ] = 90,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List likely duplicate pairs: same email, same phone, or near-identical name + company.

    Example: salescli lead duplicates --threshold 85 --format json
    """
    from salescli import render
    from salescli.services.leads import dedupe as lead_dedupe

    st = state(ctx)
    with st.connection() as conn, progress_bar("Comparing leads") as progress:
        if fmt == Format.csv:  # up to millions of pairs: streamed, no dict per pair
            pairs, names = lead_dedupe.duplicate_pairs(conn, threshold, progress)
        else:
            rows = lead_dedupe.duplicates(conn, threshold, progress)
    if fmt == Format.csv:
        render.write_csv_tuples(
            ((a, names[a], b, names[b], reason, score) for a, b, reason, score in pairs),
            DUPLICATE_COLUMNS,
            output=output,
            tz=st.tz,
        )
    else:
        render.write_rows(rows, fmt, columns=DUPLICATE_COLUMNS, output=output, tz=st.tz)


@app.command("merge")
def lead_merge(
    ctx: typer.Context,
    keep: Annotated[
        int, typer.Argument(metavar="KEEP", help="The lead that stays.", parser=id_parser())
    ],
    drop: Annotated[
        int,
        typer.Argument(metavar="DROP", help="The lead merged in and deleted.", parser=id_parser()),
    ],
    yes: YesOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Merge DROP into KEEP: blanks filled, tags united, history moved; DROP is deleted.

    Example: salescli lead merge 12 31 --yes
    """
    from salescli import render
    from salescli.services.leads import merge as lead_merge
    from salescli.services.leads import records as leads

    confirm(f"Merge {lead_label(ctx, drop)} into {lead_label(ctx, keep)}?", yes)
    st = state(ctx)
    with st.connection(write=True) as conn:
        moved = lead_merge.merge(conn, keep, drop, now=st.now)
        record = leads.record(conn, keep)
    note = (
        f"Merged lead {drop} into lead {keep} ({moved['activities']} activities, "
        f"{moved['tasks']} tasks, {len(moved['tags_added'])} tags moved)."
    )
    render.changed(record, fmt, note=note, tz=st.tz)
