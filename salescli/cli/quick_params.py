"""Parameter values without pydantic, where Typer's answer is known beforehand.

Typer (0.29 on) coerces every parameter through a pydantic `TypeAdapter`, built the first time
the parameter takes a value, even a missing one: every command imports pydantic and builds its
adapters, about 0.1 s of CPU on the 2-core machine (a third of `deal show`). For the values
salescli's parameters take, what the adapter returns is known without it:

- a missing value: `None`, or `()` for a repeatable option (Typer answers so before coercing);
- text for a `str` parameter: the same text;
- a parameter with a `parser` (ids, amounts): the parser's result;
- an `Enum` choice: Typer's own `coerce_cli_choice`, which the adapter calls;
- a repeated option of those: the list of the values.

Anything else (a parser or a choice that refuses the value, `int` without a parser, files,
paths) goes to Typer's own coercion, so every error message stays Typer's. `install()` swaps
`get_runtime_param` of Typer's parameter class; if Typer's internals change shape it leaves
Typer alone (tests/test_startup.py notices that pydantic loads again).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

_SLOW = object()  # "ask Typer"


class _QuickParam:
    """Stands where Typer keeps a parameter's `RuntimeParam`: answers the known cases and
    builds Typer's own (with its pydantic adapter) only for the rest."""

    __slots__ = ("descriptor", "_build", "_real")

    def __init__(self, descriptor: Any, build: Any) -> None:
        self.descriptor = descriptor
        self._build = build
        self._real: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        quick = _quick_value(self.descriptor, value, param, ctx)
        if quick is not _SLOW:
            return quick
        if self._real is None:
            self._real = self._build(self.descriptor)
        return self._real.coerce(value, param=param, ctx=ctx)


def _quick_value(descriptor: Any, value: Any, param: Any, ctx: Any) -> Any:
    repeated = param.multiple or param.nargs == -1
    if value is None:
        return () if repeated else None
    if descriptor.file_annotation is not None:
        return _SLOW
    annotation = descriptor.annotation
    if repeated:
        if (
            not isinstance(value, (list, tuple))
            or getattr(annotation, "__origin__", None) is not list
        ):
            return _SLOW
        (item,) = annotation.__args__
        items = [_quick_leaf(item, descriptor.parameter_info, v, ctx) for v in value]
        return _SLOW if any(v is _SLOW for v in items) else items
    return _quick_leaf(annotation, descriptor.parameter_info, value, ctx)


def _quick_leaf(annotation: Any, info: Any, value: Any, ctx: Any) -> Any:
    """One value as Typer's `build_leaf_adapter` would coerce it, in its order of checks."""
    if value is None:
        return _SLOW
    if info.parser is not None:
        try:
            return info.parser(value)
        except Exception:  # Typer's adapter words the refusal
            return _SLOW
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        from typer._param_types import coerce_cli_choice

        try:
            return coerce_cli_choice(
                value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx
            )
        except ValueError:
            return _SLOW
    if annotation is str and isinstance(value, str):
        return value
    return _SLOW


def install() -> None:
    """Answer the known cases of every Typer parameter without pydantic (see the module)."""
    from typer import core

    parameter = getattr(core, "_TyperParameter", None)
    build = getattr(core, "build_runtime_param", None)
    if parameter is None or build is None or not hasattr(parameter, "get_runtime_param"):
        return
    if getattr(parameter, "_salescli_quick", False):
        return

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            self._runtime_param = _QuickParam(self.type_descriptor, build)
        return self._runtime_param

    parameter.get_runtime_param = get_runtime_param
    parameter._salescli_quick = True
