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
    of the table it illustrates), as text. Whole-number values get whole-number ticks."""
    import math
    import shutil

    import plotext as plt

    plt.clear_figure()
    columns = width or min(shutil.get_terminal_size((100, 24)).columns, 100)
    plt.plotsize(columns, max(6, 2 * len(labels) + 4))
    # Labels are stored text: control characters shown as escapes, never sent to the terminal.
    from salescli.text import visible

    shown = [visible(str(label)) for label in labels]
    # plotext draws the first bar at the bottom: reversed, the chart reads like the table.
    plt.bar(shown[::-1], [float(v) for v in values][::-1], orientation="horizontal")
    if values and all(float(v).is_integer() for v in values):
        top = max(int(v) for v in values)
        step = max(1, math.ceil(top / 5))
        ticks = list(range(0, top + step, step))
        plt.xticks(ticks, [str(t) for t in ticks])
    if title:
        plt.title(title)
    colored = use_color() if color is None else color
    if not colored:
        plt.theme("clear")
    text = plt.build()
    plt.clear_figure()
    return text if colored else plt.uncolorize(text)


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
