"""`salescli deal move|win|lose|reopen|delete`: a deal through the pipeline, or out of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import FormatOpt, YesOpt, delete_confirmed, state
from salescli.cli.deal_base import CategoryOpt, DealArg, ProbabilityOpt, app, category_value
from salescli.render import Format

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

OnOpt = Annotated[
    str | None, typer.Option("--on", metavar="DATE", help="Close date (default today).")
]


@app.command("move")
def deal_move(
    ctx: typer.Context,
    deal_id: DealArg,
    stage: Annotated[str, typer.Argument(help="Open stage to move to.")],
    probability: ProbabilityOpt = None,
    category: CategoryOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Move an open deal to another open stage (its defaults apply unless overridden).

    Example: salescli deal move 12 negotiation --probability 80
    """
    from salescli import render
    from salescli.services.deals import moves as deal_moves
    from salescli.services.deals import records as deals

    st = state(ctx)
    with st.connection(write=True) as conn:
        before = deals.record(conn, deal_id)["stage"]
        number = deal_moves.move(
            conn, deal_id, stage, probability=probability, category=category_value(category),
            now=st.now, actor=None, settings=st.settings,
        )  # fmt: skip
        record = deals.record(conn, number)
    note = (
        f"deal {number}: {before} → {record['stage']} "
        f"({record['probability']}%, {record['forecast_category']})"
    )
    render.changed(record, fmt, note=note, tz=st.tz)


def _backfill_note(st: Any, record: dict[str, Any]) -> str:
    """Said when a deal closes on a day before its history began (entered after the fact)."""
    from salescli.services.deals.moves import closed_before_history

    recorded = closed_before_history(record, st.now.tzinfo)
    if recorded is None:
        return ""
    return (
        f"; it was entered later, so its stage history records the close on {recorded.isoformat()}"
    )


@app.command("win")
def deal_win(
    ctx: typer.Context, deal_id: DealArg, on: OnOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Mark an open deal won; its close date becomes --on (default today).

    Example: salescli deal win 12 --on yesterday
    """
    from salescli import render
    from salescli.services.deals import moves as deal_moves
    from salescli.services.deals import records as deals

    st = state(ctx)
    day = st.day(on, field="--on") or st.today
    with st.connection(write=True) as conn:
        number = deal_moves.win(conn, deal_id, on=day, now=st.now, actor=None, settings=st.settings)
        record = deals.record(conn, number)
    note = f"deal {number} won on {day.isoformat()}{_backfill_note(st, record)}"
    render.changed(record, fmt, note=note, tz=st.tz)


@app.command("lose")
def deal_lose(
    ctx: typer.Context,
    deal_id: DealArg,
    reason: Annotated[
        str, typer.Option("--reason", help="A lost reason (salescli lost-reason list).")
    ],
    note: Annotated[str | None, typer.Option("--note", help="Free text about the loss.")] = None,
    on: OnOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Mark an open deal lost, with a reason from the lost-reason list.

    Example: salescli deal lose 12 --reason price --note "went with a cheaper tool"
    """
    from salescli import render
    from salescli.services.deals import moves as deal_moves
    from salescli.services.deals import records as deals

    st = state(ctx)
    day = st.day(on, field="--on") or st.today
    with st.connection(write=True) as conn:
        number = deal_moves.lose(
            conn, deal_id, reason=reason, note=note, on=day, now=st.now, actor=None,
            settings=st.settings,
        )  # fmt: skip
        record = deals.record(conn, number)
    text = f"deal {number} lost on {day.isoformat()} ({reason}){_backfill_note(st, record)}"
    render.changed(record, fmt, note=text, tz=st.tz)


@app.command("reopen")
def deal_reopen(
    ctx: typer.Context,
    deal_id: DealArg,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Open stage (default: the one before closing).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Reopen a won or lost deal in the stage it was in before closing (or --stage).

    Example: salescli deal reopen 12 --stage proposal
    """
    from salescli import render
    from salescli.services.deals import moves as deal_moves
    from salescli.services.deals import records as deals

    st = state(ctx)
    with st.connection(write=True) as conn:
        number = deal_moves.reopen(
            conn, deal_id, stage=stage, now=st.now, actor=None, settings=st.settings
        )
        record = deals.record(conn, number)
    render.changed(record, fmt, note=f"deal {number} reopened in {record['stage']}", tz=st.tz)


@app.command("delete")
def deal_delete(
    ctx: typer.Context, deal_id: DealArg, yes: YesOpt = False, fmt: FormatOpt = Format.table
) -> None:
    """Delete a deal with its stage history, line items, activities and tasks.

    Example: salescli deal delete 12 --yes
    """
    from salescli.services.deals import records as deals

    def ask(conn: Connection) -> tuple[str, None]:
        info = deals.dependents(conn, deal_id)
        return (
            f"Delete deal {info['id']} '{info['title']}' with {info['stage_changes']} stage "
            f"changes, {info['lines']} lines, {info['activities']} activities and "
            f"{info['tasks']} tasks?"
        ), None

    def delete(conn: Connection, _: None) -> tuple[dict[str, Any], str]:
        record = deals.record(conn, deal_id)  # as it was: what --format json|csv shows
        deals.delete(conn, deal_id)
        return record, f"deal {deal_id} deleted"

    delete_confirmed(ctx, ask, delete, yes=yes, fmt=fmt)
