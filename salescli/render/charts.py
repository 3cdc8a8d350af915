"""Terminal charts. plotext stays behind these functions, which return strings.

plotext is pinned to the long-stable 5.3 API (6.x is a beta rewrite with another API);
only this module would change if that changes.
"""

from __future__ import annotations

from collections.abc import Sequence


def use_color() -> bool:
    """Colour only on a terminal and never under NO_COLOR (plotext ignores NO_COLOR itself)."""
    import os
    import sys

    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )


def hbar(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    width: int | None = None,
    color: bool | None = None,
) -> str:
    """A horizontal bar chart, one bar per label, top to bottom in the order given (the order
    of the table it illustrates), as text: `stacked_bars` with one part and no legend, so that
    every bar has its own labelled row and names in wide scripts keep the bars aligned.
    Whole-number values get whole-number ticks."""
    return stacked_bars(
        labels, {"": values}, [None] * len(labels), title=title, width=width, color=color
    )


def line(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    width: int | None = None,
    color: bool | None = None,
) -> str:
    """A line chart of `values` over `labels` (periods, oldest first), as text."""
    import shutil

    import plotext as plt

    from salescli.text import visible

    plt.clear_figure()
    columns = width or min(shutil.get_terminal_size((100, 24)).columns, 100)
    plt.plotsize(columns, 18)
    xs = list(range(1, len(values) + 1))
    plt.plot(xs, [float(v) for v in values], marker="braille")
    step = max(1, len(labels) // 6)
    shown = [visible(str(label)) for label in labels]
    plt.xticks(xs[::step], shown[::step])
    if title:
        plt.title(title)
    colored = use_color() if color is None else color
    if not colored:
        plt.theme("clear")
    text = plt.build()
    plt.clear_figure()
    return text if colored else plt.uncolorize(text)


# Shades tell the parts of a stacked bar apart without colour (a pipe, NO_COLOR, a printout).
_SHADES = ("█", "▓", "▒", "░")
_COLORS = ("green", "blue", "cyan", "gray")
_MARK, _MARK_COLOR = "┃", "red"


def stacked_bars(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    marks: Sequence[float | None],
    *,
    title: str = "",
    mark_label: str = "quota",
    width: int | None = None,
    color: bool | None = None,
) -> str:
    """One horizontal bar per label, stacked from `series` (name -> one value per label, in
    the order given: the first part starts at zero), with `marks[i]` (or nothing for None)
    drawn as a ┃ across bar i, top to bottom in the order of the labels, as text.

    The parts are told apart by their shade (█ ▓ ▒ ░, in the legend under the title) as well as
    their colour. plotext counts characters, not terminal cells, so the labels are drawn here:
    a name in a wide script (黄婷婷) keeps the bars aligned and is never cut or wrapped, unless it
    would leave the bars fewer than 30 columns (then it ends in an ellipsis).
    """
    import shutil

    import plotext as plt
    from rich.cells import cell_len, set_cell_size

    from salescli.text import visible

    if not labels:
        return title
    colored = use_color() if color is None else color
    columns = width or min(shutil.get_terminal_size((100, 24)).columns, 100)
    names = [visible(str(label)) for label in labels]
    room = max(8, columns - 30)
    shown = [n if cell_len(n) <= room else set_cell_size(n, room - 1) + "…" for n in names]
    # plotext gets equal-length stand-ins for the labels, replaced by the labels below.
    tokens = [f"§{i:04d}" for i in range(len(labels))]
    token_width = len(tokens[0])
    label_width = max(token_width, *(cell_len(n) for n in shown))
    parts = list(series.items())
    totals = [sum(float(values[i]) for _, values in parts) for i in range(len(labels))]
    top = max([*totals, *(float(m) for m in marks if m is not None), 0.0])
    whole = all(float(v).is_integer() for _, values in parts for v in values)
    ticks = _ticks(top, whole and all(float(m).is_integer() for m in marks if m is not None))

    plt.clear_figure()
    # Two rows per bar (the bar and a gap) and y from 0.5 to count + 0.5: bar i sits on its own
    # row, never rounded onto its neighbour's; plotext must not shrink that to the terminal's
    # height (a long team scrolls, as its table does).
    plt.limit_size(False, False)
    plt.plotsize(max(20, columns - (label_width - token_width)), 2 * len(labels) + 4)
    if not colored:
        plt.theme("clear")
    count = len(labels)
    # Each part is a line from zero to where it ends, the outer parts drawn first: a part that
    # ends inside a cell still shows in it, and a part worth nothing draws nothing. Bar i is at
    # height count - i (plotext counts from the bottom): the chart reads like the table.
    ends, running = [], [0.0] * count
    for _, values in parts:
        running = [r + float(v) for r, v in zip(running, values, strict=True)]
        ends.append(running)
    for k in range(len(parts) - 1, -1, -1):
        for i in range(count):
            if float(parts[k][1][i]) > 0:
                plt.plot(
                    [0, ends[k][i]], [count - i, count - i], marker=_SHADES[k],
                    color=_COLORS[k] if colored else None,
                )  # fmt: skip
    at = [(float(m), count - i) for i, m in enumerate(marks) if m is not None]
    if at:
        plt.scatter(
            [x for x, _ in at], [y for _, y in at], marker=_MARK,
            color=_MARK_COLOR if colored else None,
        )  # fmt: skip
    plt.ylim(0.5, count + 0.5)
    plt.yticks(list(range(count, 0, -1)), tokens)
    plt.xlim(0, ticks[-1])
    plt.xticks(ticks, [_compact(t) for t in ticks])
    text = plt.build()
    plt.clear_figure()
    if not colored:
        text = plt.uncolorize(text)

    by_token = dict(zip(tokens, shown, strict=True))
    lines = []
    for line in text.splitlines():
        head = plt.uncolorize(line)[:token_width] if colored else line[:token_width]
        name = by_token.get(head)
        if name is None and head.strip():  # not a margin: keep it, shifted with the rest
            lines.append(" " * max(0, label_width - token_width) + line)
            continue
        margin = " " * (label_width - cell_len(name or "")) + (name or "")
        lines.append(margin + _after_margin(line, token_width, colored))
    legend = [
        (name, shade, colour)
        for (name, _), shade, colour in zip(parts, _SHADES, _COLORS, strict=False)
        if name  # one unnamed part (hbar): no legend
    ]
    if any(m is not None for m in marks):
        legend.append((mark_label, _MARK, _MARK_COLOR))
    keys = [
        (f"{shade} {visible(name)}", f"{plt.colorize(shade, colour) if colored else shade} {visible(name)}")
        for name, shade, colour in legend
    ]  # fmt: skip
    head = [title.center(columns).rstrip()] if title else []
    plain = "  ".join(text for text, _ in keys)
    if not keys:
        key = []
    elif label_width + 1 + cell_len(plain) <= columns:  # over the bars
        key = [" " * (label_width + 1) + "  ".join(shown for _, shown in keys)]
    else:  # from the left edge, on as many lines as a narrow terminal needs
        key = _wrap_legend(keys, columns)
    return "\n".join([*head, *key, *lines])


def _wrap_legend(keys: list[tuple[str, str]], columns: int) -> list[str]:
    """The legend's entries (plain text, as shown) two spaces apart, on lines of at most
    `columns` cells (an entry is never split)."""
    from rich.cells import cell_len

    lines: list[list[tuple[str, str]]] = [[]]
    for key in keys:
        line = lines[-1]
        if line and cell_len("  ".join(text for text, _ in [*line, key])) > columns:
            lines.append([key])
        else:
            line.append(key)
    return ["  ".join(shown for _, shown in line) for line in lines]


def _after_margin(line: str, width: int, colored: bool) -> str:
    """`line` without its first `width` visible characters (escape sequences kept)."""
    if not colored:
        return line[width:]
    import re

    out, seen = [], 0
    for piece in re.split(r"(\x1b\[[0-9;]*m)", line):
        if piece.startswith("\x1b["):
            out.append(piece)
            continue
        cut = min(len(piece), max(0, width - seen))
        seen += cut
        out.append(piece[cut:])
    return "".join(out)


def _ticks(top: float, whole: bool = False) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 times a power of ten; a whole number when `whole`)
    up to at least `top`: 4-6 ticks."""
    import math

    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    steps = [s * power for s in (1, 2, 2.5, 5, 10)]
    step = next(s for s in steps if s >= raw and (not whole or float(s).is_integer()))
    step = max(step, 1) if whole else step
    count = math.ceil(top / step - 1e-9)
    return [step * i for i in range(count + 1)]


def _compact(value: float) -> str:
    """250000 as 250k, 1500000 as 1.5M: tick labels that fit under narrow bars."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"
