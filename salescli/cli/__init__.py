"""The face: one Typer app per group, wired here. Heavy libraries load inside commands."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from salescli import __version__
from salescli.cli import quick_params
from salescli.cli.common import State
from salescli.errors import EXIT_INTERRUPTED, EXIT_USAGE, SalesError

EPILOG = (
    "Exit codes: 0 success · 1 invalid data or refused operation · 2 usage error · "
    "3 not found · 4 refused without --yes (no terminal) · 75 database busy or server "
    "unreachable (retry) · 130 interrupted.\n\n"
    "Database: --db PATH_OR_URL, else SALESCLI_DB, else the user data directory. "
    "SALESCLI_NOW freezes the clock; SALESCLI_REP names you."
)

quick_params.install()  # parameter values without importing pydantic (see the module)


def _error(text: str) -> None:
    from salescli.render import message

    message(f"Error: {_one_message(text)}")


def _one_message(text: str) -> str:
    """Escape the message; an indented line after a newline is a detail line by design (an
    import lists its bad rows so), any other newline comes from a quoted value: escaped."""
    head, *rest = text.split("\n")
    out = [visible(head)]
    for line in rest:
        if line[:1] in (" ", "\t") and line.strip():
            out.append("\n" + visible(line))
        else:
            out.append("\\n" + visible(line))
    return "".join(out)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Bidirectional overrides and isolates reorder what a terminal shows: escaped like controls.
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def visible(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\n`, `\\x00`), an
    undecodable byte of the command line (a surrogate escape) as `\\xff`, and bidi controls as
    `\\u202e`: an error message quoting a hostile value can neither drive the terminal, nor
    span lines in a log, nor fail to print."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        code = ord(char)
        if char in _NAMED:
            out.append(_NAMED[char])
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or code in _BIDI or code in (0x2028, 0x2029, 0xFEFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _undecodable(args: list[str]) -> tuple[str, str] | None:
    """The first argument holding bytes that are not UTF-8 (Python keeps them as surrogate
    escapes), as (what to call it, the value). Control characters are stripped later, on
    the way in (`parse_args`)."""
    for index, arg in enumerate(args):
        if not any(0xD800 <= ord(char) <= 0xDFFF for char in arg):
            continue
        if arg.startswith("--") and "=" in arg:
            name, _, value = arg.partition("=")
            return visible(name), value
        previous = args[index - 1] if index else ""
        if previous.startswith("-") and not arg.startswith("-"):
            return visible(previous), arg
        return f"argument {index + 1}", arg
    return None


class SalesGroup(TyperGroup):
    """Translates the error vocabulary into one stderr line and an exit code, in one place."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Usage errors as one line naming the option, the value and an example (exit 2)."""
        from salescli.cli.usage import one_line, tidy_help

        if not getattr(self, "_tidied", False):
            tidy_help(self)
            self._tidied = True
        kwargs["standalone_mode"] = False
        if not standalone_mode:
            return super().main(*args, **kwargs)
        try:
            result = super().main(*args, **kwargs)
        except Exception as exc:
            if not type(exc).__module__.startswith("typer"):
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":
                from typer import rich_utils

                rich_utils.rich_format_error(exc)  # type: ignore[arg-type]
            elif type(exc).__name__ == "Abort":
                _error("aborted")
                sys.exit(1)
            elif hasattr(exc, "format_message"):
                _error(one_line(exc))
            else:
                raise
            sys.exit(getattr(exc, "exit_code", 2))
        sys.exit(result if isinstance(result, int) else 0)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The way in for every value typed: control characters (a colour escape, a bell, an
        # OSC sequence that sets the window title) are stripped; newline and tab stay (notes).
        from salescli.text import strip_controls

        return super().parse_args(ctx, [strip_controls(arg) for arg in args])

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        bad = _undecodable(list(args))
        if bad is not None:
            name, value = bad
            _error(
                f"{name} '{value}' is not valid UTF-8 text "
                "(check the encoding of the terminal or script, e.g. LANG=C.UTF-8)"
            )
            raise typer.Exit(EXIT_USAGE)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SalesError as exc:
            if _debug(ctx):
                raise
            _error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`salescli lead export | head`): stop quietly.
            _silence_stdout()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if _debug(ctx) or type(exc).__module__.startswith("typer"):
                raise
            from salescli.db import translate_error

            translated = translate_error(exc)
            if isinstance(translated, SalesError):
                _error(str(translated))
                raise typer.Exit(translated.exit_code) from None
            if isinstance(exc, OSError):
                _error(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
                raise typer.Exit(1) from None
            # A driver error's text quotes the SQL and its parameters (personal data): show
            # only the driver's own first line.
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            _error(
                f"internal error ({type(exc).__name__}: {detail[0] if detail else ''}); "
                "run with --debug for details"
            )
            raise typer.Exit(1) from None


def _silence_stdout() -> None:
    import contextlib
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())


def _debug(ctx: Any) -> bool:
    obj = ctx.find_root().obj
    return bool(getattr(obj, "debug", False))


def _root() -> typer.Typer:
    """The root command: global options only; groups are added by `_register`."""
    root = typer.Typer(
        cls=SalesGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
        help="salescli: sales management in the terminal (leads, deals, pipeline, reports).",
        epilog=EPILOG,
    )
    root.callback()(main)
    return root


def _version(value: bool) -> None:
    if value:
        typer.echo(f"salescli {__version__}")
        raise typer.Exit()


def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH_OR_URL",
            help="Database file or URL (default: $SALESCLI_DB, else the user data dir).",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
) -> None:
    """salescli: sales management in the terminal."""
    ctx.obj = State(db, debug)


# Command groups: (module in salescli.cli, group name), in help order. A module with a
# `command` function instead of an `app` is a single command (`salescli demo`).
GROUPS: list[tuple[str, str]] = [
    ("lead", "lead"),
    ("deal", "deal"),
    ("account", "account"),
    ("contact", "contact"),
    ("task", "task"),
    ("agenda", "agenda"),
    ("quota", "quota"),
    ("forecast", "forecast"),
    ("report", "report"),
    ("commission", "commission"),
    ("log", "log"),
    ("activity", "activity"),
    ("rep", "rep"),
    ("product", "product"),
    ("lost_reason", "lost-reason"),
    ("currency", "currency"),
    ("config", "config"),
    ("db", "db"),
    ("demo", "demo"),
]


def _register(
    root: typer.Typer, names: set[str] | None = None, *, listing: bool = False
) -> typer.Typer:
    """Add the groups `names` (None: all) to `root`. `listing`: each group as the root's own
    `--help` shows it, its help line without its commands (Typer would turn every command of
    every group into Click objects just to list the groups: ~0.15 s); a single-command group
    (`demo`) is registered as it is either way."""
    for module_name, group in GROUPS:
        if names is not None and group not in names:
            continue
        module = __import__(f"salescli.cli.{module_name}", fromlist=["app"])
        single = getattr(module, "command", None)
        if single is not None:
            root.command(group)(single)
        elif listing:
            root.add_typer(typer.Typer(), name=group, **_group_help(module.app))
        else:
            root.add_typer(module.app, name=group)
    return root


def _group_help(app: typer.Typer) -> dict[str, Any]:
    """The help line and visibility Typer would show for `app` in its parent's listing."""
    from typer.models import DefaultPlaceholder

    text = app.info.help
    if isinstance(text, DefaultPlaceholder) or text is None:
        callback = app.registered_callback
        text = (callback.help or callback.callback.__doc__) if callback else None
    return {"help": text, "hidden": app.info.hidden is True}


_FULL_APP: typer.Typer | None = None


def full_app() -> typer.Typer:
    """The root with every group (help, completion, tests, the docs generator)."""
    global _FULL_APP
    if _FULL_APP is None:
        _FULL_APP = _register(_root())
    return _FULL_APP


def __getattr__(name: str) -> Any:
    # `salescli.cli.app` is built on first use: a normal run builds only its own group.
    if name == "app":
        return full_app()
    raise AttributeError(name)


def _group_in(argv: list[str]) -> str | None:
    """The command group named on the command line, skipping the root options."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--db":
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def run() -> None:
    # Typer turns every command of every group into Click objects on each call (~0.2 s for
    # all of salescli); building only the group being run keeps each command quick.
    import os

    group = _group_in(sys.argv[1:])
    names = {name for _, name in GROUPS}
    completing = any(key.endswith("_COMPLETE") for key in os.environ)
    if group in names and not completing:
        _register(_root(), {group})(prog_name="salescli")
    elif group is None and not completing and {"-h", "--help"} & set(sys.argv[1:]):
        _register(_root(), listing=True)(prog_name="salescli")
    else:
        full_app()(prog_name="salescli")
    sys.exit(0)
