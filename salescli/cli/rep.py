"""`salescli rep`: salespeople and managers."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.cli import importing as io
from salescli.cli.common import FormatOpt, OutputOpt, state
from salescli.errors import UsageError
from salescli.render import Column, Format

app = typer.Typer(
    no_args_is_help=True,
    help="Manage reps: salespeople and managers, their teams, territories and skills.",
)

RepArg = Annotated[str, typer.Argument(metavar="REP", help="Rep id or name.")]
EmailOpt = Annotated[str | None, typer.Option("--email", help="Email address.")]
ManagerOpt = Annotated[
    str | None, typer.Option("--manager", metavar="REP", help="Manager (id or name).")
]
TeamOpt = Annotated[str | None, typer.Option("--team", help="Team name.")]
TerritoryOpt = Annotated[str | None, typer.Option("--territory", help="Territory (lead routing).")]
SkillsOpt = Annotated[
    str | None, typer.Option("--skills", metavar="A,B", help="Skills, comma-separated.")
]

COLUMNS = [
    Column("id", "id", "right"),
    Column("name", "name"),
    Column("email", "email"),
    Column("manager", "manager"),
    Column("team", "team"),
    Column("territory", "territory"),
    Column("skills", "skills"),
    Column("active", "active"),
    Column("open_leads", "open leads", "right"),
]
REPORT_COLUMNS = [Column("id", "id", "right"), Column("name", "name")]


@app.command("add")
def rep_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name (unique, ignoring case and accents).")],
    email: EmailOpt = None,
    manager: ManagerOpt = None,
    team: TeamOpt = None,
    territory: TerritoryOpt = None,
    skills: SkillsOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add a rep and print its id (with --format json, the record).

    Example: salescli rep add "Ana Souza" --email ana@example.com --team EMEA --skills german
    """
    from salescli import render
    from salescli.services.reps import records as reps

    st = state(ctx)
    with st.connection(write=True) as conn:
        rep_id = reps.add(
            conn, name, now=st.now, email=email, manager=manager, team=team,
            territory=territory, skills=skills,
        )  # fmt: skip
        result = reps.record(conn, rep_id)
    render.changed(result, fmt, created=True, tz=st.tz)


@app.command("list")
def rep_list(
    ctx: typer.Context,
    team: TeamOpt = None,
    territory: TerritoryOpt = None,
    manager: Annotated[
        str | None, typer.Option("--manager", metavar="REP", help="Direct reports of REP.")
    ] = None,
    active: Annotated[
        bool, typer.Option("--active/--inactive", help="Active reps (default) or inactive ones.")
    ] = True,
    everyone: Annotated[bool, typer.Option("--all", help="Active and inactive reps.")] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List reps with their open lead counts (active reps unless told otherwise).

    Example: salescli rep list --team EMEA --format json
    """
    from salescli import render
    from salescli.services.reps import records as reps

    st = state(ctx)
    with st.connection() as conn:
        rows = reps.list_reps(
            conn, team=team, territory=territory, manager=manager,
            active=None if everyone else active,
        )  # fmt: skip
    render.write_rows(rows, fmt, columns=COLUMNS, output=output, tz=st.tz)


@app.command("show")
def rep_show(
    ctx: typer.Context, rep: RepArg, fmt: FormatOpt = Format.table, output: OutputOpt = None
) -> None:
    """Show one rep and its direct reports.

    Example: salescli rep show "Ana Souza" --format json
    """
    from salescli import render
    from salescli.services.reps import records as reps

    st = state(ctx)
    with st.connection() as conn:
        result = reps.show(conn, reps.resolve(conn, rep))
    sections = {"reports": (result["reports"], REPORT_COLUMNS)}
    render.write_record(result, fmt, output=output, tz=st.tz, sections=sections)


@app.command("edit")
def rep_edit(
    ctx: typer.Context,
    rep: RepArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help='Email ("" clears it).')] = None,
    manager: Annotated[
        str | None, typer.Option("--manager", metavar="REP", help="Manager; none clears it.")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help='Team ("" clears it).')] = None,
    territory: Annotated[
        str | None, typer.Option("--territory", help='Territory ("" clears it).')
    ] = None,
    skills: Annotated[
        str | None, typer.Option("--skills", metavar="A,B", help='Replace skills ("" clears).')
    ] = None,
    add_skill: Annotated[
        list[str] | None, typer.Option("--add-skill", metavar="A,B", help="Add skills.")
    ] = None,
    remove_skill: Annotated[
        list[str] | None, typer.Option("--remove-skill", metavar="A,B", help="Remove skills.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Change a rep's name, email, manager, team, territory or skills.

    Example: salescli rep edit "Ana Souza" --manager "Maria Lopez" --add-skill enterprise
    """
    from salescli import render
    from salescli.services.reps import records as reps

    changes = dict(name=name, email=email, manager=manager, team=team, territory=territory)
    changes["skills"] = skills
    if all(v is None for v in changes.values()) and not add_skill and not remove_skill:
        raise UsageError("nothing to change: give at least one option (see: salescli rep edit -h)")
    st = state(ctx)
    with st.connection(write=True) as conn:
        found = reps.edit(
            conn, reps.resolve(conn, rep), **changes, add_skills=add_skill or (),
            remove_skills=remove_skill or (),
        )  # fmt: skip
        result = reps.record(conn, found)
    note = f"Rep {result['id']} ({result['name']}) updated."
    render.changed(result, fmt, note=note, tz=st.tz)


def _set_active(ctx: typer.Context, ref: str, active: bool, fmt: Format) -> None:
    from salescli import render
    from salescli.services.reps import records as reps

    st = state(ctx)
    with st.connection(write=True) as conn:
        found = reps.resolve(conn, ref)
        changed = reps.set_active(conn, found, active)
        result = reps.record(conn, found.id)
    word = "activated" if active else "deactivated"
    text = f"Rep {result['id']} ({result['name']}) {word}."
    if not changed:
        now_state = "active" if active else "inactive"
        text = f"Rep {result['id']} ({result['name']}) was already {now_state}."
    if not active and result["open_leads"]:
        text = text.rstrip(".") + (
            f"; it still owns {result['open_leads']} open lead(s) (see: salescli lead assign)."
        )
    render.changed(result, fmt, note=text, tz=st.tz)


@app.command("deactivate")
def rep_deactivate(ctx: typer.Context, rep: RepArg, fmt: FormatOpt = Format.table) -> None:
    """Mark a rep inactive: lead routing skips it; its records stay.

    Example: salescli rep deactivate "Ana Souza"
    """
    _set_active(ctx, rep, False, fmt)


@app.command("activate")
def rep_activate(ctx: typer.Context, rep: RepArg, fmt: FormatOpt = Format.table) -> None:
    """Mark a rep active again.

    Example: salescli rep activate "Ana Souza"
    """
    _set_active(ctx, rep, True, fmt)


io.register_import(
    app,
    "salescli.services.reps.io:entity",
    note="salescli.services.reps.io:managers_message",
    report="salescli.services.reps.io:ManagerReport",
    omit=("date_format", "decimal_comma", "owner"),
    help="""Import reps from CSV (name, email, manager, team, territory, skills, active).

    Managers named in the file that are not reps yet are created; a hierarchy cycle is refused.

    Example: salescli rep import sales_teams.csv --map sales_agent=name --map regional_office=team
    """,
)


@app.command("export")
def rep_export(
    ctx: typer.Context, fmt: io.ExportFormatOpt = io.ExportFormat.csv, output: OutputOpt = None
) -> None:
    """Write every rep (active or not) in the columns that rep import reads.

    Example: salescli rep export --output reps.csv
    """
    from salescli.render.export import export_rows
    from salescli.services.reps import io as rep_io

    st = state(ctx)
    with st.connection() as conn:
        rows = rep_io.export_rows(conn)
    export_rows(rows, rep_io.EXPORT_FIELDS, fmt.value, output=output, tz=st.tz)
