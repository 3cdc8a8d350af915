"""The flags every `X import` / `X export` command shares, and the runners behind them.

`register_import` defines a group's `import` command (same flags, same messages for every
entity); `run_export` is the body of every `X export` command:

    register_import(
        app,
        "salescli.services.deals.io:entity",  # the csvio.Entity, or with `note` a function
        note="salescli.services.csv.common:accounts_message",  # of the report dict
        help=...,  # the command's docstring: what, fields, rules, an `Example:` line
    )

Only typer and the standard library at the top: services load inside the command bodies.
"""

from __future__ import annotations

import enum
import importlib
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli.cli.common import OutputOpt, check_output_option, progress_bar, state

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from salescli.services.csv.engine import Entity, ImportOptions, ImportResult

FileArg = Annotated[str, typer.Argument(metavar="FILE", help="CSV file with a header row.")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        metavar="COLUMN=FIELD",
        help="Read CSV column COLUMN as FIELD (repeatable); COLUMN= ignores a column.",
    ),
]
MapValueOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map-value",
        metavar="FIELD:FILE_VALUE=OUR_VALUE",
        help="Translate a value (repeatable), e.g. status:Hot=qualified.",
    ),
]
NullValueOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--null-value", metavar="TEXT", help="Read TEXT as empty (repeatable), e.g. Select."
    ),
]
DateFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        metavar="STRFTIME",
        help='Dates in the file follow this pattern, e.g. "%d %b, %Y %H:%M:%S" (default ISO).',
    ),
]
DecimalCommaOpt = Annotated[
    bool,
    typer.Option("--decimal-comma", help="Amounts use a decimal comma: 1.250,00."),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        metavar="CHAR",
        help="Field separator (default: sniffed among , ; TAB |). 'tab' or '\\t' for TAB.",
    ),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding", metavar="NAME", help="File encoding (default UTF-8, BOM or not), e.g. cp1252."
    ),
]
SkipInvalidOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Import the valid rows, write the others to the reject file, exit 1.",
    ),
]
RejectFileOpt = Annotated[
    str | None,
    typer.Option(
        "--reject-file",
        metavar="FILE",
        help="Where --skip-invalid writes bad rows (default FILE.rejects.csv, created 0600).",
        callback=check_output_option,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Validate and report counts; write nothing.")
]
AgainOpt = Annotated[bool, typer.Option("--again", help="Import a file that was imported before.")]
OwnerOpt = Annotated[
    str | None,
    typer.Option("--owner", metavar="REP", help="Owner of the rows that name none."),
]


class ExportFormat(str, enum.Enum):
    csv = "csv"
    json = "json"


ExportFormatOpt = Annotated[
    ExportFormat,
    typer.Option("--format", "-f", case_sensitive=False, help="csv (default) or json."),
]
ExportOutputOpt = OutputOpt


def register_import(
    app: typer.Typer,
    entity: str,
    *,
    help: str,
    note: str | None = None,
    report: str | None = None,
    warnings: str | None = None,
    omit: tuple[str, ...] = (),
) -> None:
    """Define `import` on `app` with the shared flags (minus `omit`) and `help` as its help.

    `entity` is "module:attr" of the `csvio.Entity`; with `note` ("module:function") the attr
    is a function `(report) -> Entity` and, after the import (also when rows were
    rejected), `note(report)` gives a line for stderr ("Created 2 accounts named in ...").
    `report` ("module:Class") is the class of what the entity fills in (a dict by default).
    `warnings` ("module:function"), `(conn, batch_id) -> list[str]`, runs after the write.
    """

    def import_command(
        ctx: typer.Context,
        file: FileArg,
        map_: MapOpt = None,
        map_value: MapValueOpt = None,
        null_value: NullValueOpt = None,
        date_format: DateFormatOpt = None,
        decimal_comma: DecimalCommaOpt = False,
        delimiter: DelimiterOpt = None,
        encoding: EncodingOpt = None,
        skip_invalid: SkipInvalidOpt = False,
        reject_file: RejectFileOpt = None,
        dry_run: DryRunOpt = False,
        again: AgainOpt = False,
        owner: OwnerOpt = None,
    ) -> None:
        flags: dict[str, Any] = dict(
            map_=map_, map_value=map_value, null_value=null_value, date_format=date_format,
            decimal_comma=decimal_comma, delimiter=delimiter, encoding=encoding,
            skip_invalid=skip_invalid, reject_file=reject_file, dry_run=dry_run, again=again,
            owner=owner,
        )  # fmt: skip
        if warnings is not None:
            flags["warnings"] = _load(warnings)
        if note is None:
            run_import(ctx, _load(entity), file, **flags)
            return
        sink: Any = _load(report)() if report is not None else {}
        try:
            run_import(ctx, _load(entity)(sink), file, **flags)
        except typer.Exit:  # rows rejected (--skip-invalid or a dry run): still say it
            _say(_load(note)(sink))
            raise
        _say(_load(note)(sink))

    import_command.__doc__ = help
    if omit:  # Typer reads the signature: leave the omitted flags out of it (defaults apply)
        signature = inspect.signature(import_command, eval_str=True)
        kept = [p for p in signature.parameters.values() if p.name not in omit]
        import_command.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    app.command("import")(import_command)


def run_export(
    ctx: typer.Context,
    rows: Callable[[Connection], Iterable[dict[str, Any]]],
    columns: Iterable[str],
    fmt: ExportFormat,
    output: str | None,
    label: str,
) -> None:
    """Stream `rows(conn)` as CSV or JSON to stdout or `output`; then `Exported N <label> ...`."""
    from salescli import render
    from salescli.render.export import export_rows

    st = state(ctx)
    with st.connection() as conn:
        count = export_rows(rows(conn), list(columns), fmt.value, output=output, tz=st.tz)
    if output:
        render.message(f"Exported {count} {label} to {output}.")


def _load(spec: str) -> Any:
    """`"salescli.services.deals.io:entity"` -> that attribute (imports the module)."""
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def _say(text: str) -> None:
    from salescli import render

    if text:
        render.message(text)


def import_options(
    ctx: typer.Context,
    *,
    map_: list[str] | None = None,
    map_value: list[str] | None = None,
    null_value: list[str] | None = None,
    date_format: str | None = None,
    decimal_comma: bool = False,
    delimiter: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    reject_file: str | None = None,
    dry_run: bool = False,
    again: bool = False,
    owner: str | None = None,
) -> ImportOptions:
    """The shared flags as `csvio.ImportOptions` (bad flag values → exit 2)."""
    from salescli.errors import UsageError
    from salescli.services.csv.cells import parse_pairs
    from salescli.services.csv.engine import ImportOptions

    maps = dict(parse_pairs(map_ or [], "--map", "Full Name=name"))
    value_maps: dict[str, dict[str, str]] = {}
    for left, right in parse_pairs(map_value or [], "--map-value", "status:Hot=qualified"):
        if ":" not in left:
            raise UsageError(
                f"--map-value '{left}={right}' does not name a field (e.g. status:Hot=qualified)"
            )
        field_name, file_value = left.split(":", 1)
        value_maps.setdefault(field_name.strip(), {})[file_value.strip()] = right
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            raise UsageError(f"--delimiter '{delimiter}' must be one character (e.g. ';')")
    if date_format is not None and "%" not in date_format:
        raise UsageError(
            f"--date-format '{date_format}' is not a strftime pattern (e.g. \"%d/%m/%Y\")"
        )
    st = state(ctx)
    return ImportOptions(
        maps=maps,
        value_maps=value_maps,
        null_values=tuple(null_value or ()),
        date_format=date_format,
        decimal_comma=decimal_comma,
        delimiter=delimiter,
        encoding=encoding,
        skip_invalid=skip_invalid,
        reject_file=reject_file,
        dry_run=dry_run,
        again=again,
        owner=owner,
        currency=st.settings.currency,
        timezone=st.tz,
    )


def run_import(
    ctx: typer.Context,
    entity: Entity,
    file: str,
    *,
    warnings: Callable[[Connection, int], list[str]] | None = None,
    **flags: Any,
) -> ImportResult:
    """Parse the flags, run the import in one write transaction, report, exit 1 on rejects.

    `flags` are the shared option values by parameter name (map_, map_value, null_value,
    date_format, decimal_comma, delimiter, encoding, skip_invalid, reject_file, dry_run,
    again, owner). `warnings(conn, batch_id)`, when given, is read after a write and its
    lines are printed on stderr (`lead import`: near-identical leads).
    """
    from salescli import render
    from salescli.services.csv import engine as csvio

    options = import_options(ctx, **flags)
    st = state(ctx)
    now = st.now
    try:
        with progress_bar(f"Importing {entity.label}") as progress:
            result = csvio.run_import(
                lambda write: st.connection(write=write),
                file,
                entity,
                options,
                now=now,
                progress=progress,
            )
    except csvio.ImportRejected as exc:
        _ignored_notice(entity, exc.unknown_columns)  # the next round needs it too
        raise
    _ignored_notice(entity, result.unknown_columns)
    if warnings is not None and result.batch_id is not None:
        with st.connection() as conn:
            for line in warnings(conn, result.batch_id):
                render.message(f"Warning: {line}")
    label = entity.label
    if result.dry_run:
        text = f"Dry run: {result.imported} {label} would be imported"
        if result.rejected:
            text += f", {result.rejected} rejected:\n" + csvio.listed(
                result.errors, result.rejected
            )
        render.message(text + ("" if result.rejected else "; nothing written."))
        if result.rejected:
            raise typer.Exit(1)
        return result
    if result.rejected:
        render.message(
            f"{result.imported} imported, {result.rejected} rejected → {result.reject_file}"
        )
        raise typer.Exit(1)
    if result.batch_id is None:  # a header and no data rows: a quiet day's export
        render.message(f"Imported 0 {label} from {file} (it has a header but no data rows).")
        return result
    render.message(f"Imported {result.imported} {label} from {file} (batch {result.batch_id}).")
    return result


def _ignored_notice(entity: Entity, columns: list[str]) -> None:
    """One line naming the columns that match no field, with a `--map` hint for id columns
    (`Id` -> external_id, `AccountId` -> account_external_id, when the entity has them)."""
    from salescli import render
    from salescli.services.csv.read import norm_name

    if not columns:
        return
    fields = {spec.name for spec in entity.fields}
    hints = []
    for column in columns:
        key = norm_name(column)
        if not key.endswith("id"):
            continue
        target = "external_id" if key == "id" else f"{key[:-2]}_external_id"
        if target in fields:
            hints.append(f"--map {_quoted(column)}={target}")
    example = f", e.g. {' '.join(hints)}" if hints else ""
    render.message(
        f"Ignored {len(columns)} column(s) that match no {entity.name} field: "
        f"{', '.join(columns)} (use --map COLUMN=FIELD to import one{example})"
    )


def _quoted(column: str) -> str:
    return f'"{column}"' if any(c in column for c in " \"'") else column
