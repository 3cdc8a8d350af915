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
