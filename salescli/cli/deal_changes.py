"""`salescli deal move|win|lose|reopen|delete`: a deal through the pipeline, or out of it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salescli.cli.common import FormatOpt, YesOpt, confirm, state
from salescli.cli.deal import (
    CategoryOpt,
    DealArg,
    ProbabilityOpt,
    app,
    category_value,
    print_deal,
)
from salescli.render import Format

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
    from salescli.services import deal_moves, deals

    st = state(ctx)
    with st.session() as session:
        before = deals.stage_of(session, deals.get(session, deal_id).stage_id).name
        deal = deal_moves.move(
            session, deal_id, stage, probability=probability, category=category_value(category),
            now=st.now, actor=None, settings=st.settings,
        )  # fmt: skip
        after = deals.stage_of(session, deal.stage_id).name
        note = f"deal {deal.id}: {before} → {after} ({deal.probability}%, {deal.forecast_category})"
        print_deal(st, session, deal, fmt, note)


def _backfill_note(st: Any, deal: Any) -> str:
    """Said when a deal closes on a day before its history began (entered after the fact)."""
    from salescli.services.deal_moves import closed_before_history

    recorded = closed_before_history(deal, st.now.tzinfo)
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
    from salescli.services import deal_moves

    st = state(ctx)
    with st.session() as session:
        day = st.day(on, field="--on") or st.today
        deal = deal_moves.win(
            session, deal_id, on=day, now=st.now, actor=None, settings=st.settings
        )
        note = _backfill_note(st, deal)
        print_deal(st, session, deal, fmt, f"deal {deal.id} won on {day.isoformat()}{note}")


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
    from salescli.services import deal_moves

    st = state(ctx)
    with st.session() as session:
        day = st.day(on, field="--on") or st.today
        deal = deal_moves.lose(
            session, deal_id, reason=reason, note=note, on=day, now=st.now, actor=None,
            settings=st.settings,
        )  # fmt: skip
        note = _backfill_note(st, deal)
        text = f"deal {deal.id} lost on {day.isoformat()} ({reason}){note}"
        print_deal(st, session, deal, fmt, text)


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
    from salescli.services import deal_moves, deals

    st = state(ctx)
    with st.session() as session:
        deal = deal_moves.reopen(
            session, deal_id, stage=stage, now=st.now, actor=None, settings=st.settings
        )
        stage_name = deals.stage_of(session, deal.stage_id).name
        print_deal(st, session, deal, fmt, f"deal {deal.id} reopened in {stage_name}")


@app.command("delete")
def deal_delete(ctx: typer.Context, deal_id: DealArg, yes: YesOpt = False) -> None:
    """Delete a deal with its stage history, line items, activities and tasks.

    Example: salescli deal delete 12 --yes
    """
    from salescli import render
    from salescli.services import deals

    st = state(ctx)
    with st.session(write=False) as session:
        info = deals.dependents(session, deal_id)
    confirm(
        f"Delete deal {info['id']} '{info['title']}' with {info['stage_changes']} stage changes, "
        f"{info['lines']} lines, {info['activities']} activities and {info['tasks']} tasks?",
        yes,
    )
    with st.session() as session:
        deals.delete(session, deal_id)
    render.message(f"deal {info['id']} deleted")
