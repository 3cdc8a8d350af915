"""What a user sees: stored text printed literally, no control character acted upon, tables
that read at 80 columns without splitting a value, amounts in their currency's minor units."""

from __future__ import annotations

import re

import pytest

from salescli import render

MARKUP = ["Renewal [draft] Q3", "[red]Acme[/red]", "Broken [/] title", "[bold]x[/bold"]


@pytest.fixture
def terminal(monkeypatch):
    """Tables rendered as on a real 80-column terminal (forced terminal, fixed width)."""
    import sys

    from rich.console import Console

    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    monkeypatch.setattr(
        render,
        "_console",
        lambda: Console(
            file=sys.stdout, force_terminal=True, width=80, color_system=None, highlight=False
        ),
    )


def _table_lines(out: str) -> list[str]:
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("──"))
    return lines[rule + 1 :]


def test_stored_text_is_printed_literally_in_tables_and_records(cli, terminal):
    for title in MARKUP:
        cli.ok("deal", "add", title, "--amount", "10")
        cli.ok("lead", "add", title)
    deals = cli.ok("deal", "list").out
    leads = cli.ok("lead", "list").out
    for title in MARKUP:
        assert title in deals and title in leads
    shown = cli.ok("deal", "show", "3").out
    assert "Broken [/] title" in shown
    # Off a terminal (tab-separated) too.
    assert "[red]Acme[/red]" in cli.ok("deal", "show", "2", env={}).out


def test_control_characters_are_stripped_on_the_way_in(cli):
    cli.ok("lead", "add", "Evil\x1b[31m Name\x07\x1b]0;title\x07", "--company", "A\x9bB")
    cli.ok("log", "note", "--lead", "1", "line one\nline\ttwo\x1b[2J")
    name, company = cli.sql("SELECT name, company FROM lead")[0]
    assert (name, company) == ("Evil[31m Name]0;title", "AB")
    assert cli.sql("SELECT text FROM activity") == [("line one\nline\ttwo[2J",)]


def test_control_characters_already_stored_are_shown_as_escapes(cli, terminal):
    cli.ok("lead", "add", "Placeholder")
    cli.sql("UPDATE lead SET name = :n", n="Evil\x1b[31mRed\x07")
    for args in (("lead", "list"), ("lead", "show", "1")):
        out = cli.ok(*args).out
        assert "\x1b" not in out and "\x07" not in out
        assert "Evil\\x1b[31mRed\\x07" in out
    plain = cli.ok("lead", "list", "--format", "table", env={}).out
    assert "Evil\\x1b[31mRed\\x07" in plain and "\x1b" not in plain


def test_lists_read_at_80_columns_without_splitting_a_value(cli, terminal):
    cli.ok("rep", "add", "Maximilian von Hohenzollern-Sigmaringen", "--email", "max@example.com")
    cli.ok(
        "lead",
        "add",
        "Alexandra Konstantinopoulou-Papadimitriou",
        "--email",
        "alexandra.k@example.com",
        "--company",
        "Hohenzollern Sigmaringen Industrieverwaltung GmbH & Co. KG",
        "--source",
        "trade show",
        "--tag",
        "enterprise",
        "--owner",
        "1",
    )
    cli.ok("log", "call", "--lead", "1", "Called")
    cli.ok(
        "deal",
        "add",
        "Hohenzollern Sigmaringen – 1,500 seats, three-year renewal with options",
        "--amount",
        "1234567.89",
        "--currency",
        "EUR",
        "--close",
        "2027-03-01",
        "--owner",
        "1",
    )
    for args, atoms, hidden in [
        (
            ("lead", "list"),
            ["1", "alexandra.k@example.com", "contacted", "40"],
            "owner, tags, last contact",
        ),
        (("deal", "list"), ["1", "prospecting", "10", "1,234,567.89", "EUR", "2027-03-01"], None),
    ]:
        result = cli.ok(*args)
        lines = _table_lines(result.out)
        assert all(len(line) <= 80 for line in result.out.splitlines()), result.out
        # One line per record: nothing wrapped onto a second line.
        assert len(lines) == 1, result.out
        cells = lines[0].split()
        for atom in atoms:
            assert atom in cells, (atom, result.out)
        # Free text is cut with an ellipsis, never folded onto another line.
        assert "…" in lines[0]
        if hidden:
            assert f"({hidden} not shown at 80 columns" in result.err
        else:
            assert result.err == ""


def test_empty_columns_take_no_width_on_a_terminal(cli, terminal):
    cli.ok("lead", "add", "Ana Souza")
    header = cli.ok("lead", "list").out.splitlines()[0]
    assert re.split(r"\s{2,}", header.strip()) == ["id", "name", "status", "score"]


def test_amounts_and_rates_use_their_own_precision(cli):
    cli.ok("config", "set", "currency", "USD")
    cli.ok("currency", "rate", "set", "KWD", "3.2512", "--on", "2026-01-01")
    cli.ok("currency", "rate", "set", "JPY", "0.0065", "--on", "2026-01-01")
    cli.ok("deal", "add", "Kuwait", "--amount", "100.505", "--currency", "KWD")
    cli.ok("deal", "add", "Tokyo", "--amount", "150000", "--currency", "JPY")
    rows = cli.ok("deal", "list").out.splitlines()[1:]
    amounts = sorted(line.split("\t")[6] for line in rows)
    assert amounts == ["100.505", "150,000"]
    rates = cli.ok("currency", "rate", "list").out
    assert "0.0065" in rates and "3.2512" in rates


def test_task_list_and_agenda_read_at_80_columns(cli, terminal):
    cli.ok("rep", "add", "Maximilian von Hohenzollern-Sigmaringen")
    cli.ok("config", "set", "me", "Maximilian von Hohenzollern-Sigmaringen")
    cli.ok(
        "deal",
        "add",
        "Hohenzollern Sigmaringen – 1,500 seats, three-year renewal with options",
        "--amount",
        "1234567.89",
        "--currency",
        "EUR",
        "--stage",
        "proposal",
    )
    cli.ok(
        "task",
        "add",
        "Chase the [bold]proposal[/bold] with procurement and legal before the board meets",
        "--deal",
        "1",
        "--due",
        "2026-11-24",
        "--at",
        "14:00",
        "--priority",
        "high",
    )
    listed = cli.ok("task", "list")
    assert all(len(line) <= 80 for line in listed.out.splitlines()), listed.out
    lines = _table_lines(listed.out)
    assert len(lines) == 1, listed.out
    assert "2026-11-24 14:00" in lines[0] and "high" in lines[0] and "deal 1" in lines[0]
    assert "Chase the [bold]proposal[/bold] with" in lines[0] and "…" in lines[0]
    agenda = cli.ok("agenda")
    assert all(len(line) <= 80 for line in agenda.out.splitlines()), agenda.out
    assert "0 overdue · 0 due today · 1 in the next 7 days" in agenda.out
    row = next(line for line in agenda.out.splitlines() if line.lstrip().startswith("1 "))
    assert "2026-11-24 14:00" in row
    cells = row.split()
    for atom in ("1,234,567.89", "EUR", "proposal"):
        assert atom in cells or atom in agenda.err, (atom, agenda.out, agenda.err)


def test_reports_read_at_80_columns(cli, terminal):
    cli.ok("rep", "add", "Maximilian von Hohenzollern-Sigmaringen")
    cli.ok("rep", "add", "Ana Souza")
    for owner, amount in (("Maximilian von Hohenzollern-Sigmaringen", "1234567.89"), ("Ana Souza", "10")):  # fmt: skip
        deal = cli.ok("deal", "add", f"Deal of {owner}", "--amount", amount, "--owner", owner).out.strip()  # fmt: skip
        cli.ok("deal", "win", deal)
    cli.ok("deal", "add", "Open one", "--amount", "999999.99", "--owner", "Ana Souza", "--stage", "negotiation")  # fmt: skip
    for args, atoms in (
        (("report", "pipeline"), ["negotiation", "999,999.99", "749,999.99"]),
        (("report", "performance"), ["1,234,567.89", "100.0%"]),
        (("report", "leaderboard"), ["1,234,567.89", "100.0%"]),
    ):
        result = cli.ok(*args)
        assert all(len(line) <= 80 for line in result.out.splitlines()), result.out
        for atom in atoms:
            assert any(atom in line.split() for line in result.out.splitlines()), (atom, result.out)
