"""`salescli quota ...`: targets per rep or team, period and metric, and progress against them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli import importing as io
from salescli.cli.common import FormatOpt, OutputOpt, YesOpt, delete_confirmed, id_parser, state
from salescli.cli.quota_base import (
    COLUMNS,
    MetricOpt,
    TeamOpt,
    app,
    manager_id,
)
from salescli.errors import UsageError
from salescli.render import Format

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@app.command("set")
def quota_set(
    ctx: typer.Context,
    args: Annotated[
        list[str],
        typer.Argument(metavar="[REP] AMOUNT", help="The rep (not with --team) and the target."),
    ],
    period: Annotated[str, typer.Option("--period", help="2026-Q4, 2026-11, 2026-W47, 2026...")],
    team: TeamOpt = None,
    metric: MetricOpt = "revenue",
    fmt: FormatOpt = Format.table,
) -> None:
    """Set a rep's or a team's quota for a period; setting it again replaces it.

    Revenue in the reporting currency (config get currency); other metrics are whole counts.

    Example: salescli quota set "Ana Souza" 50000 --period 2026-Q4
    """
    from salescli import render
    from salescli.services import scope
    from salescli.services.quotas import records as quotas

    want = 1 if team is not None else 2
    if len(args) != want:
        shape = "AMOUNT with --team MANAGER" if team is not None else "REP AMOUNT (or --team)"
        raise UsageError(
            f"quota set takes {shape}, got {len(args)} argument(s) "
            '(e.g. salescli quota set "Ana Souza" 50000 --period 2026-Q4)'
        )
    quotas.check_metric(metric)
    st = state(ctx)
    when = st.period(period)
    with st.connection(write=True) as conn:
        if team is not None:
            rep_id = manager_id(conn, team, st.settings)
        else:
            rep_id = scope.rep_id(conn, args[0], st.settings)
        quota_id, replaced = quotas.set_quota(
            conn, rep_id=rep_id, team=team is not None, amount=args[-1], period=when,
            metric=metric, settings=st.settings, now=st.now,
        )  # fmt: skip
        record = quotas.record(conn, quota_id)
    note = ("Replaced " if replaced else "Set ") + quotas.describe(record)
    if replaced:
        render.changed(record, fmt, note=note, tz=st.tz)
    else:
        render.changed(record, fmt, created=True, tz=st.tz)


@app.command("list")
def quota_list(
    ctx: typer.Context,
    period: Annotated[
        str | None, typer.Option("--period", help="Quotas whose period overlaps this one.")
    ] = None,
    rep: Annotated[
        str | None, typer.Option("--rep", metavar="REP", help="A rep's own quotas.")
    ] = None,  # fmt: skip
    team: Annotated[
        str | None,
        typer.Option(
            "--team", metavar="MANAGER", help="The team quotas of a manager and their reps' own."
        ),  # fmt: skip
    ] = None,
    metric: Annotated[str | None, typer.Option("--metric", help="One metric only.")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List quotas, by period, then metric, then rep.

    Example: salescli quota list --period 2026 --team "Maria Lopez"
    """
    from salescli import render
    from salescli.services import scope
    from salescli.services.quotas import records as quotas

    if rep is not None and team is not None:
        raise UsageError("give --rep or --team, not both (e.g. --team 'Maria Lopez')")
    st = state(ctx)
    when = st.period(period) if period is not None else None
    with st.connection() as conn:
        rows = quotas.list_quotas(
            conn,
            period=when,
            rep_ids=[scope.rep_id(conn, rep, st.settings)] if rep is not None else None,
            team_manager=manager_id(conn, team, st.settings) if team is not None else None,
            metric=metric,
        )
    render.write_rows(rows, fmt, columns=COLUMNS, output=output, tz=st.tz)


@app.command("delete")
def quota_delete(
    ctx: typer.Context,
    quota_id: Annotated[int, typer.Argument(metavar="ID", help="Quota id.", parser=id_parser())],
    yes: YesOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Delete a quota (with --format json it prints the quota as it was).

    Example: salescli quota delete 3 --yes
    """
    from salescli.services.quotas import records as quotas

    def ask(conn: Connection) -> tuple[str, None]:
        return f"Delete {quotas.describe(quotas.record(conn, quota_id))}?", None

    def delete(conn: Connection, _: None) -> tuple[dict[str, Any], str]:
        gone = quotas.delete(conn, quota_id)
        return gone, f"Deleted {quotas.describe(gone)}."

    delete_confirmed(ctx, ask, delete, yes=yes, fmt=fmt)


@app.command("import")
def quota_import(
    ctx: typer.Context,
    file: io.FileArg,
    period_length: Annotated[
        str | None,
        typer.Option(
            "--period-length",
            help="week, month, quarter or year: a period_start date means the period of that "
            "length holding it.",
        ),
    ] = None,
    map_: io.MapOpt = None,
    map_value: io.MapValueOpt = None,
    null_value: io.NullValueOpt = None,
    date_format: io.DateFormatOpt = None,
    decimal_comma: io.DecimalCommaOpt = False,
    delimiter: io.DelimiterOpt = None,
    encoding: io.EncodingOpt = None,
    skip_invalid: io.SkipInvalidOpt = False,
    reject_file: io.RejectFileOpt = None,
    dry_run: io.DryRunOpt = False,
    again: io.AgainOpt = False,
) -> None:
    """Import quotas from a CSV file (all-or-nothing unless --skip-invalid).

    Fields: rep or team (a name or id; exactly one), amount (required), metric (default
    revenue), and period (a label: 2026-Q4) or period_start (a date) with --period-length.
    A quota that exists already is a bad row (quota set replaces one).

    Example: salescli quota import quotas.csv --map quota_date=period_start --period-length quarter
    """
    from salescli.services.quotas.io import LENGTHS, entity

    length = None
    if period_length is not None:
        length = period_length.strip().lower()
        if length not in LENGTHS:
            raise UsageError(
                f"--period-length '{period_length}' is not one of: {', '.join(LENGTHS)} "
                "(e.g. --period-length quarter)"
            )
    io.run_import(
        ctx, entity(length), file, map_=map_, map_value=map_value, null_value=null_value,
        date_format=date_format, decimal_comma=decimal_comma, delimiter=delimiter,
        encoding=encoding, skip_invalid=skip_invalid, reject_file=reject_file, dry_run=dry_run,
        again=again,
    )  # fmt: skip


# isort: off
from salescli.cli import quota_progress  # noqa: E402, F401
# isort: on
