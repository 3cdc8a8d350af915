from __future__ import annotations

from salescli.render import charts


def test_hbar_is_plain_text_without_colour():
    text = charts.hbar(
        ["web", "referral", "event"], [12, 5, 3], title="Leads by source", width=60, color=False
    )
    assert "\x1b[" not in text
    lines = text.splitlines()
    assert "Leads by source" in lines[0]
    bars = {line.split("┤")[0].strip(): line.count("█") for line in lines if "┤" in line}
    # bar lengths are proportional to the values: web (12) is the longest, event (3) the shortest
    assert bars["web"] > bars["referral"] > bars["event"] > 0
    assert round(bars["web"] / bars["event"]) == 4


def test_hbar_colour_on_request():
    assert "\x1b[" in charts.hbar(["a"], [1], width=40, color=True)


def test_chart_labels_show_control_characters_as_escapes():
    from salescli.render import charts

    out = charts.hbar(["web\x1b]0;pwned\x07", "[red]ads[/red]"], [2, 1], width=60, color=False)
    assert "\x1b]0" not in out and "\x07" not in out
    assert "web\\x1b]0;pwned\\x07" in out and "[red]ads[/red]" in out


def test_stacked_bars_keep_names_whole_and_aligned_at_80_columns():
    from rich.cells import cell_len

    names = [
        "Ernst-Otto Hornig-Weißenfels",
        "黄婷婷",
        "Варвара Блинова",
        "[red]x[/red]",
        "a\x1b[2J",
    ]
    text = charts.stacked_bars(
        names,
        {"closed": [5, 0, 8, 1, 0], "commit": [0, 0, 2, 0, 1], "pipeline": [20, 16, 4, 0, 0]},
        [30, None, 10, 1, None],
        title="Forecast",
        width=80,
        color=False,
    )
    lines = text.splitlines()
    assert all(cell_len(line) <= 80 for line in lines) and "\x1b" not in text
    rows = [line for line in lines if "┤" in line]
    shown = [line.split("┤")[0].strip() for line in rows]
    assert shown == names[:4] + ["a\\x1b[2J"]  # whole, in order, escapes visible
    # the axis at the same terminal column on every row, wide characters included
    assert len({cell_len(line.split("┤")[0]) for line in rows}) == 1
    assert "█ closed  ▓ commit  ▒ pipeline  ┃ quota" in lines[1]  # shades in order


def test_stacked_bars_cut_only_a_name_that_would_crowd_out_the_bars():
    long = "N" * 70
    text = charts.stacked_bars([long, "Bo"], {"closed": [1, 2]}, [None, None], width=80, color=False)  # fmt: skip
    rows = [line.split("┤")[0].strip() for line in text.splitlines() if "┤" in line]
    assert rows == ["N" * 49 + "…", "Bo"]
    assert "┃" not in text and "quota" not in text


def test_stacked_bars_colour_on_request():
    text = charts.stacked_bars(
        ["黄婷婷", "Bo"], {"closed": [1, 2]}, [2, None], width=60, color=True
    )
    import re

    assert "\x1b[" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert [line.split("┤")[0].strip() for line in plain.splitlines() if "┤" in line] == ["黄婷婷", "Bo"]  # fmt: skip
