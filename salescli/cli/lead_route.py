"""`salescli lead score` and `salescli lead assign`: scoring and routing verbs on the lead app."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli.common import FormatOpt, OutputOpt, id_parser, state
from salescli.cli.lead_base import LeadStatus, app
from salescli.errors import UsageError
from salescli.render import Column, Format

RULE_COLUMNS = [
    Column("rule", "rule"),
    Column("points", "points", "right"),
    Column("detail", "detail"),
]
ASSIGN_COLUMNS = [
    Column("lead_id", "lead", "right"),
    Column("lead", "name"),
    Column("rep", "rep"),
    Column("rep_id", "rep id", "right"),
    Column("strategy", "strategy"),
    Column("reason", "reason"),
]


@app.command("score")
def lead_score(
    ctx: typer.Context,
    lead_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="Lead id.", parser=id_parser())
    ] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show each rule's points.")] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Refresh every stored score (after changing rules).")
    ] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Refresh and print a lead's score; --explain shows each rule, --all rescores every lead.

    Example: salescli lead score 12 --explain
    """
    from salescli import render
    from salescli.services.leads import routing as routing
    from salescli.services.leads import scoring as scoring

    if all_ == (lead_id is not None) or (all_ and explain):
        raise UsageError("give a lead ID or --all (e.g. salescli lead score 12 --explain)")
    st = state(ctx)
    with st.connection(write=True) as conn:
        if all_:
            result = scoring.refresh_all(conn, st.now)
        else:
            assert lead_id is not None
            result = scoring.explain(conn, routing.get_lead(conn, lead_id)["id"], st.now)
    if all_:
        render.message(f"{result['changed']} of {result['leads']} lead scores changed")
        if fmt != Format.table or output:
            render.write_record(result, fmt, output=output)
    elif fmt == Format.json:
        record = result if explain else {"id": result["id"], "score": result["score"]}
        render.write_record(record, fmt, output=output)
    elif explain:
        total = {"rule": "total", "points": result["score"], "detail": _total_detail(result)}
        render.write_rows([*result["rules"], total], fmt, columns=RULE_COLUMNS, output=output)
    elif fmt == Format.table and output is None:
        render.print_id(result["score"])
    else:
        render.write_record({"id": result["id"], "score": result["score"]}, fmt, output=output)


def _total_detail(result: dict) -> str:
    points = sum(rule["points"] for rule in result["rules"])
    return "sum of the rules" if points == result["score"] else f"sum {points}, never below 0"


@app.command("assign")
def lead_assign(
    ctx: typer.Context,
    lead_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="Lead id.", parser=id_parser())
    ] = None,
    rep: Annotated[str | None, typer.Argument(metavar="REP", help="Rep name or id.")] = None,
    auto: Annotated[bool, typer.Option("--auto", help="Route every unowned lead.")] = False,
    strategy: Annotated[
        str | None,
        typer.Option(
            help="round-robin, territory, skill or load (default: config routing.strategy)."
        ),
    ] = None,
    status: Annotated[
        LeadStatus,
        typer.Option(case_sensitive=False, help="Route unowned leads with this status."),
    ] = LeadStatus.new,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, change nothing.")] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Assign a lead to a rep, or route every unowned lead with --auto.

    Example: salescli lead assign --auto --strategy territory
    """
    from salescli import render
    from salescli.services.leads import records as leads
    from salescli.services.leads import routing as routing

    if auto == (lead_id is not None) or (not auto and rep is None) or (auto and rep):
        raise UsageError("give ID REP, or --auto (e.g. salescli lead assign 12 'Ana Souza')")
    if not auto and (strategy or dry_run or status != LeadStatus.new):
        raise UsageError("--strategy, --status and --dry-run go with --auto")
    st = state(ctx)
    if not auto:
        assert lead_id is not None and rep is not None
        with st.connection(write=True) as conn:
            row = routing.assign(conn, lead_id, rep, settings=st.settings, now=st.now)
            record = leads.record(conn, lead_id)
        verb = "assigned to" if row["changed"] else "already belongs to"
        note = f"lead {row['lead_id']} {verb} {row['rep']}"
        render.changed(record, fmt, note=note, output=output, tz=st.tz)
        return
    with st.connection(write=not dry_run) as conn:
        rows = routing.auto_assign(
            conn,
            strategy=strategy or routing.default_strategy(conn),
            status=status.value,
            me=leads.actor(conn, st.settings),
            now=st.now,
            dry_run=dry_run,
        )
    render.write_rows(rows, fmt, columns=ASSIGN_COLUMNS, output=output, tz=st.tz)
    count = f"{len(rows)} lead{'' if len(rows) == 1 else 's'}"
    render.message(f"{count} would be assigned (dry run)" if dry_run else f"{count} assigned")
