"""Usage errors in one line, and help that reads as the user types.

Typer (0.29) prints a usage error as a box of four or five lines, with pydantic's wording
("Value error, ...", "Input should be a valid integer") and no example; its help shows
`<bool>` after every flag and `{ID}` for required arguments. The contract is one line on
stderr naming the option, the value, what is valid and an example, exit 2.
"""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperArgument, TyperOption

_EXAMPLE = re.compile(r"^\s*Example:\s*(.+)$", re.MULTILINE)


def _param_name(param: Any) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    if getattr(param, "param_type_name", "") == "option" and opts:
        return opts[0]
    metavar = getattr(param, "metavar", None)
    return (metavar or param.name or "value").upper()


def _detail(exc: Any) -> str:
    """What was wrong with the value, in our words, naming the value."""
    cause = exc.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if errors:
        error = errors[0]
        value = error.get("input")
        kind = error.get("type", "")
        if kind == "int_parsing":
            return f"'{value}' is not a whole number"
        if kind in ("float_parsing", "decimal_parsing"):
            return f"'{value}' is not a number"
        if kind == "bool_parsing":
            return f"'{value}' is not yes or no"
        text = str(error.get("msg", "")).removeprefix("Value error, ").rstrip(".")
        return text if f"'{value}'" in text else f"'{value}': {text[:1].lower()}{text[1:]}"
    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    return (
        re.sub(r"^Invalid value for [^:]+:\s*", "", text).removeprefix("Value error, ").rstrip(".")
    )


def _example(ctx: Any, param: Any) -> str | None:
    if ctx is None:
        return None
    command = ctx.command
    help_text = getattr(command, "help", None) or ""
    found = _EXAMPLE.search(help_text)
    example = found.group(1).strip() if found else None
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None) or getattr(
        getattr(param, "type", None), "choices", None
    )
    name = _param_name(param) if param is not None else None
    if choices and name and name.startswith("--") and (example is None or name not in example):
        # The example's command and arguments, with this option set to a valid value (one
        # other than the default, so that the example shows a change).
        values = [getattr(c, "value", c) for c in choices]
        default = getattr(getattr(param, "default", None), "value", getattr(param, "default", None))
        value = next((v for v in values if v != default), values[0])
        head = example.split(" --", 1)[0] if example else ctx.command_path
        return f"{head} {name} {value}"
    return example


def one_line(exc: Any) -> str:
    """The usage error `exc` (a Click exception) as one line, with an example when known."""
    ctx = getattr(exc, "ctx", None)
    param = getattr(exc, "param", None)
    kind = type(exc).__name__
    if kind == "MissingParameter" and param is not None:
        what = "option" if getattr(param, "param_type_name", "") == "option" else "argument"
        text = f"missing {what} {_param_name(param)}"
    elif kind == "BadParameter" and param is not None:
        text = f"invalid value for {_param_name(param)}: {_detail(exc)}"
    else:
        message = exc.format_message()
        text = message[:1].lower() + message[1:]
        text = text.rstrip(".")
    example = _example(ctx, param)
    if example:
        return f"{text} (e.g. {example})"
    if ctx is not None:
        return f"{text} (see: {ctx.command_path} --help)"
    return text


class _Argument(TyperArgument):
    """A positional argument shown as `ID` (required) or `[ID]` in usage lines."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw.upper()
        if not self.required:
            name = f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")


_option_type = TyperOption.display_type_rich


def _display_type(self: TyperOption, ctx: Any) -> str | None:
    # A flag takes no value: nothing to show after it (Typer 0.29 shows `<bool>`), also for
    # the --help option Typer adds to every command.
    if self.is_flag and self.metavar is None:
        return None
    return _option_type(self, ctx)


def tidy_help(command: Any) -> None:
    """Help as typed: no `<bool>` after a flag, `ID` rather than `{ID}` in usage lines."""
    TyperOption.display_type_rich = _display_type  # type: ignore[method-assign]
    stack = [command]
    while stack:
        current = stack.pop()
        stack.extend(getattr(current, "commands", {}).values())
        for param in getattr(current, "params", []):
            if type(param) is TyperArgument:
                param.__class__ = _Argument
