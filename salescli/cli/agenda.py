"""`salescli agenda`: my day: overdue, due today and the next days' tasks."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salescli.cli.common import FormatOpt, OutputOpt, TeamOpt, state, whole_number
from salescli.render import Column, Format

# At 80 columns the last wide columns give way first (render.fit_widths): they are last.
COLUMNS = [
    Column("id", "id", "right"),
    Column("due", "due"),
    Column("title", "title"),
    Column("record_name", "on"),
    Column("stage", "stage"),
    Column("amount", "amount", "right"),
    Column("currency", "cur"),
    Column("last_contact", "last contact"),
    Column("priority", "priority"),
    Column("record", "record"),
]
TEAM_COLUMNS = [*COLUMNS[:3], Column("owner", "owner"), *COLUMNS[3:]]
SECTIONS = (("overdue", "Overdue"), ("due_today", "Due today"), ("upcoming", "Next days"))


def command(
    ctx: typer.Context,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="REP", help="Whose agenda: id, name or me (default me)."),
    ] = None,
    team: TeamOpt = None,
    days: Annotated[
        int,
        typer.Option(
            "--days", metavar="N", parser=whole_number(0, 366), help="Days ahead after today."
        ),
    ] = 7,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Your day: overdue tasks, then those due today and in the next days.

    Each task shows its record, that record's last contact, and a deal's stage and amount.

    Example: salescli agenda --days 3
    """
    from salescli import render
    from salescli.errors import InvalidData
    from salescli.services.tasks import queries
    from salescli.services.tasks.due import local_day

    st = state(ctx)
    if owner is None and team is None:
        if not st.settings.me:
            raise InvalidData(
                "whose agenda? set yourself with `salescli config set me NAME` (or "
                "SALESCLI_REP), or give --owner REP or --team MANAGER"
            )
        owner = "me"
    with st.connection() as conn:
        result = queries.agenda(
            conn, owner=owner, team=team, settings=st.settings, now=st.now, days=days
        )
    counts = result["counts"]
    header = (
        f"{counts['overdue']} overdue · {counts['today']} due today · "
        f"{counts['upcoming']} in the next {days} days"
    )
    columns = TEAM_COLUMNS if team is not None else COLUMNS
    if fmt == Format.json:
        render.write_record(result, fmt, output=output, tz=st.tz)
        return
    for key, _ in SECTIONS:
        for task in result[key]:
            contacted = task["last_contact_at"]
            task["last_contact"] = local_day(contacted, st.tz) if contacted else None
    if fmt == Format.csv:
        rows: list[dict[str, Any]] = [
            {"section": key, **task} for key, _ in SECTIONS for task in result[key]
        ]
        render.write_rows(
            rows, fmt, columns=[Column("section", "section"), *columns], output=output, tz=st.tz
        )
        return
    sections = {title: (result[key], columns) for key, title in SECTIONS}
    render.write_record(
        {"agenda": header, "today": result["today"]},
        fmt,
        output=output,
        tz=st.tz,
        sections=sections,
    )
