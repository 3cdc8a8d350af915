"""Charts say when they are left out (in a pipe, in a format that has none) in every command
that draws one, fit a narrow terminal, and a failed --output names its file.

NOW is Monday 2026-11-23 09:00 UTC.
"""

from __future__ import annotations

import json
import os

import pytest

PIPE = "(chart left out: stdout is not a terminal)\n"


def _deals(cli) -> None:
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("quota", "set", "Ana Souza", "10000", "--period", "2026-Q4")
    won = cli.ok("deal", "add", "Won", "--owner", "Ana Souza", "--amount", "1000").out.strip()
    cli.ok("deal", "win", won, "--on", "2026-11-02")
    for category, amount in (("commit", "2000"), ("best_case", "3000"), ("pipeline", "4000")):
        cli.ok("deal", "add", category, "--owner", "Ana Souza", "--amount", amount,
               "--close", "2026-12-15", "--category", category)  # fmt: skip
    lost = cli.ok("deal", "add", "Lost", "--owner", "Ana Souza", "--amount", "500").out.strip()
    cli.ok("deal", "lose", lost, "--reason", "price", "--on", "2026-11-20")
    cli.ok("log", "call", "--deal", won, "--rep", "Ana Souza", "--at", "2026-11-20T10:00", "Hi")


REPORTS = [
    ["report", "pipeline"],
    ["report", "lost", "--period", "2026-11"],
    ["report", "funnel", "--period", "2026"],
    ["report", "performance", "--period", "2026-11"],
    ["report", "leaderboard", "--period", "2026-11"],
    ["report", "activity", "--period", "2026-11"],
    ["report", "trend"],
]


def test_reports_say_when_their_chart_is_left_out(cli, monkeypatch):
    from salescli import render

    _deals(cli)
    for report in REPORTS:
        piped = cli.ok(*report, "--chart")
        assert piped.err.endswith(PIPE), (report, piped.err)
        assert "┤" not in piped.out and "┼" not in piped.out
        assert cli.ok(*report).err.count("chart") == 0  # not asked for: nothing said
    weekly = cli.ok("report", "weekly")  # its funnel is drawn on a terminal, never asked for
    assert "chart" not in weekly.err
    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    for report in REPORTS:
        for fmt in ("json", "csv", "markdown", "html"):
            shown = cli.ok(*report, "--chart", "--format", fmt)
            assert shown.err.endswith(f"(chart left out: --format {fmt} has no chart)\n")
            assert "┤" not in shown.out and "┼" not in shown.out
        data = json.loads(cli.ok(*report, "--chart", "--format", "json").out)
        assert data == json.loads(cli.ok(*report, "--format", "json").out)
    lost = cli.json("report", "lost", "--period", "2026-11")
    assert [(r["reason"], r["count"], r["amount"]) for r in lost["by_reason"]] == [("price", 1, 500)]  # fmt: skip
    drawn = cli.ok("report", "lost", "--period", "2026-11", "--chart")
    assert drawn.err == "" and "Lost deals by reason" in drawn.out


def test_forecast_chart_legend_fits_a_40_column_terminal(cli, monkeypatch):
    from rich.cells import cell_len

    from salescli import render

    _deals(cli)
    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    for width, legend in (
        (80, ["█ closed  ▓ commit  ▒ best case  ░ pipeline  ┃ quota"]),
        (40, ["█ closed  ▓ commit  ▒ best case", "░ pipeline  ┃ quota"]),
    ):
        out = cli.ok("forecast", "--chart", env={"COLUMNS": str(width)}).out
        chart = out[out.index("Forecast 2026-Q4 per rep (USD)") :].splitlines()
        assert max(cell_len(line) for line in chart) <= width
        assert [line.strip() for line in chart[1 : 1 + len(legend)]] == legend
        assert chart[1 + len(legend)].lstrip().startswith("┌")
        # Ana: 1,000 closed, 2,000 commit, 3,000 best case, 4,000 pipeline; quota 10,000.
        bar = next(line for line in chart if "┤" in line).split("┤")[1]
        cells = bar.index("┃") / 10000
        counts = [bar.count(shade) for shade in "█▓▒░"]
        assert all(
            abs(n - amount * cells) <= 1.5
            for n, amount in zip(counts, (1000, 2000, 3000, 4000), strict=True)
        )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_failed_output_names_its_file(cli):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@example.com")
    for command in (["lead", "list"], ["lead", "export"], ["report", "pipeline"]):
        for flag in ("--output", "-o"):
            full = cli(*command, flag, "/dev/full")
            assert full.code == 1 and full.out == ""
            assert full.err == "Error: cannot write --output '/dev/full': No space left on device\n"


def test_report_bars_keep_wide_names_aligned_one_labelled_row_each(cli, monkeypatch):
    from rich.cells import cell_len

    from salescli import render

    for name, amount in (("黄婷婷", "3000"), ("Ana Souza", "1000"), ("Варвара Блинова", "2000")):
        cli.ok("rep", "add", name)
        won = cli.ok("deal", "add", f"{name} deal", "--owner", name, "--amount", amount).out
        cli.ok("deal", "win", won.strip(), "--on", "2026-11-02")
    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    for width, cut in ((80, "Варвара Блинова"), (40, "Варвара Б…")):  # room: width - 30
        out = cli.ok("report", "leaderboard", "--period", "2026-11", "--chart",
                     env={"COLUMNS": str(width)}).out  # fmt: skip
        lines = out.splitlines()
        chart = lines[[line.strip() for line in lines].index("Ranked by revenue") + 1 :]
        assert max(cell_len(line) for line in chart) <= width
        rows = [line for line in chart if "┤" in line]
        assert [line.split("┤")[0].strip() for line in rows] == ["黄婷婷", cut, "Ana Souza"]
        assert len({cell_len(line.split("┤")[0]) for line in rows}) == 1
        assert [line for line in chart if "█" in line and "┤" not in line] == []
        bars = [line.split("┤")[1].count("█") for line in rows]
        cells = bars[0] / 3000
        assert all(abs(n - amount * cells) <= 1.5 for n, amount in zip(bars, (3000, 2000, 1000), strict=True))  # fmt: skip
        ticks = [line for line in chart if line.strip()][-1].split()
        assert ticks == ["0", "1k", "2k", "3k"]
