"""Money and dates that must not silently change meaning (one rule through add, edit, import,
win/lose and line items)."""

from __future__ import annotations

from tests.conftest import NOW  # 2026-11-23T09:00:00+00:00, a Monday


def _id(result) -> int:
    return int(result.out)


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "deals.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_symbol_or_code_in_an_amount_sets_the_currency(cli):
    euro = _id(cli.ok("deal", "add", "Euro", "--amount", "€12,000.50"))
    code = _id(cli.ok("deal", "add", "Code", "--amount", "EUR 1250"))
    pound = _id(cli.ok("deal", "add", "Pound", "--amount", "1,000 GBP"))
    cad = _id(cli.ok("deal", "add", "Dollar", "--amount", "$99.50", "--currency", "CAD"))
    assert cli.sql("SELECT id, amount_minor, currency FROM deal ORDER BY id") == [
        (euro, 1200050, "EUR"),
        (code, 125000, "EUR"),
        (pound, 100000, "GBP"),
        (cad, 9950, "CAD"),
    ]
    # An edit's amount that names a currency sets it too.
    cli.ok("deal", "edit", str(code), "--amount", "£300")
    assert cli.sql("SELECT amount_minor, currency FROM deal WHERE id = :i", i=code) == [
        (30000, "GBP")
    ]


def test_an_amount_contradicting_the_currency_is_refused(cli):
    for args in (
        ("--amount", "EUR 1250", "--currency", "USD"),
        ("--amount", "€12,000.50", "--currency", "USD"),
    ):
        result = cli("deal", "add", "Bad", *args)
        assert result.code == 1
        assert "is in EUR but the currency is USD" in result.err
        assert result.err.count("\n") == 1
    assert cli.sql("SELECT count(*) FROM deal") == [(0,)]
    deal = _id(cli.ok("deal", "add", "Ok", "--amount", "10", "--currency", "USD"))
    refused = cli("deal", "edit", str(deal), "--amount", "€5", "--currency", "USD")
    assert refused.code == 1 and "is in EUR but the currency is USD" in refused.err
    assert cli.sql("SELECT amount_minor, currency FROM deal") == [(1000, "USD")]


def test_import_refuses_a_symbol_that_contradicts_the_currency_column(cli, tmp_path):
    path = _write(tmp_path, "title,amount,currency\nA,€99.50,USD\nB,€10,\n")
    result = cli("deal", "import", path)
    assert result.code == 1
    assert "'€99.50' is in EUR but the row's currency is USD" in result.err
    assert cli.sql("SELECT count(*) FROM deal") == [(0,)]
    ok = _write(tmp_path, "title,amount,currency\nB,€10,\nC,$5,CAD\n")
    cli.ok("deal", "import", ok)
    assert cli.sql("SELECT title, amount_minor, currency FROM deal ORDER BY title") == [
        ("B", 1000, "EUR"),
        ("C", 500, "CAD"),
    ]


def test_a_closed_deal_never_gets_a_future_close_date(cli, tmp_path):
    won = _id(cli.ok("deal", "add", "Won", "--amount", "10", env={"SALESCLI_NOW": "2026-11-19T10:00:00+00:00"}))  # fmt: skip
    cli.ok("deal", "win", str(won))
    edit = cli("deal", "edit", str(won), "--close", "2026-12-01")
    assert edit.code == 1
    assert edit.err == (
        "Error: close '2026-12-01' is in the future: a won deal closes on the day it happens "
        "(e.g. 2026-11-23)\n"
    )
    assert cli.sql("SELECT CAST(close_date AS TEXT) FROM deal") == [("2026-11-23",)]
    cli.ok("deal", "edit", str(won), "--close", "2026-11-20")  # a past day is fine (after creation)
    # An open deal may close in the future.
    opened = _id(cli.ok("deal", "add", "Open", "--close", "2027-01-15"))
    cli.ok("deal", "edit", str(opened), "--close", "2027-02-01")
    path = _write(tmp_path, "title,stage,close_date\nX,won,2026-12-24\nY,lost,2026-11-01\n")
    imported = cli("deal", "import", path)
    assert imported.code == 1
    assert "close_date '2026-12-24' is in the future" in imported.err
    assert cli.sql("SELECT count(*) FROM deal") == [(2,)]


def test_win_on_a_past_day_is_recorded_on_that_day(cli):
    deal = _id(
        cli.ok("deal", "add", "Backdated", env={"SALESCLI_NOW": "2026-11-02T10:00:00+00:00"})
    )
    cli.ok("deal", "win", str(deal), "--on", "2026-11-10")
    rows = cli.sql("SELECT changed_at FROM stagechange WHERE deal_id = :d ORDER BY id", d=deal)
    assert [str(r[0])[:19] for r in rows] == ["2026-11-02 10:00:00", "2026-11-10 00:00:00"]
    assert cli.json("deal", "show", str(deal))["stage_entered_at"].startswith("2026-11-10T00:00")
    # Today: the time of the command.
    today = _id(cli.ok("deal", "add", "Today"))
    cli.ok("deal", "lose", str(today), "--reason", "price", "--on", "today")
    last = cli.sql("SELECT max(changed_at) FROM stagechange WHERE deal_id = :d", d=today)
    assert str(last[0][0])[:19] == NOW[:19].replace("T", " ")


def test_a_close_before_the_last_stage_change_keeps_history_in_order_and_says_so(cli):
    deal = _id(cli.ok("deal", "add", "New", env={"SALESCLI_NOW": "2026-11-18T10:00:00+00:00"}))
    cli.ok("deal", "move", str(deal), "proposal", env={"SALESCLI_NOW": "2026-11-21T10:00:00+00:00"})
    result = cli.ok("deal", "win", str(deal), "--on", "2026-11-19")
    assert result.err == (
        "deal 1 won on 2026-11-19; it was entered later, so its stage history records the "
        "close on 2026-11-21\n"
    )
    assert cli.sql("SELECT CAST(close_date AS TEXT) FROM deal") == [("2026-11-19",)]
    rows = cli.sql("SELECT changed_at FROM stagechange WHERE deal_id = 1 ORDER BY id")
    assert [str(r[0])[:19] for r in rows] == [
        "2026-11-18 10:00:00",
        "2026-11-21 10:00:00",
        "2026-11-21 10:00:00",
    ]
    # A close on or after the last change says nothing more.
    other = _id(cli.ok("deal", "add", "Other", env={"SALESCLI_NOW": "2026-11-20T10:00:00+00:00"}))
    assert cli.ok("deal", "win", str(other), "--on", "2026-11-21").err == (
        "deal 2 won on 2026-11-21\n"
    )


def test_open_deals_convert_at_the_rate_in_force_today(cli):
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-01")
    cli.ok("currency", "rate", "set", "EUR", "2.00", "--on", "2026-12-01")  # not yet in force
    cli.ok("deal", "add", "Open EUR", "--amount", "1000", "--currency", "EUR")
    assert cli.ok("deal", "list", "--sum").err.strip() == (
        "1 deals: amount 1,100.00 USD, weighted (open) 110.00 USD"
    )


def test_line_items_of_a_closed_deal_change_only_after_reopen(cli):
    cli.ok("product", "add", "Seat", "--price", "100")
    deal = _id(cli.ok("deal", "add", "Seats"))
    cli.ok("deal", "line", "add", str(deal), "Seat", "--qty", "2")
    cli.ok("deal", "win", str(deal))
    for args in (("add", str(deal), "Seat"), ("remove", str(deal), "1")):
        result = cli("deal", "line", *args)
        assert result.code == 1
        assert f"deal {deal} is won: cannot change the line items of it; reopen it first" in (
            result.err
        )
    assert cli.sql("SELECT amount_minor FROM deal") == [(20000,)]
    cli.ok("deal", "reopen", str(deal))
    cli.ok("deal", "line", "add", str(deal), "Seat")
    assert cli.sql("SELECT amount_minor FROM deal") == [(30000,)]


def test_edit_account_none_detaches_the_deal(cli):
    deal = _id(cli.ok("deal", "add", "Acme deal", "--account", "Acme"))
    cli.ok("deal", "edit", str(deal), "--account", "none")
    assert cli.sql("SELECT account_id FROM deal") == [(None,)]
    assert cli.sql("SELECT name FROM account") == [("Acme",)]
