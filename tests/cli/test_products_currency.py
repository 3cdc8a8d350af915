"""Products, deal line items (exact sums), conversion rates and currency conversion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salescli.errors import InvalidData


def _id(result) -> int:
    return int(result.out)


def test_products(cli):
    gtx = _id(cli.ok("product", "add", "GTX Pro", "--price", "4,821", "--series", "GTX"))
    mg = _id(cli.ok("product", "add", "MG Special", "--price", "55.50", "--currency", "eur"))
    geraet = cli.json("product", "add", "Jürgen Gerät", "--price", "1000")
    assert cli.sql("SELECT id, name, name_key, price_minor, currency, series FROM product "
                   "ORDER BY id") == [
        (gtx, "GTX Pro", "gtx pro", 482100, "USD", "GTX"),
        (mg, "MG Special", "mg special", 5550, "EUR", None),
        (geraet["id"], "Jürgen Gerät", "jurgen gerat", 100000, "USD", None),
    ]  # fmt: skip
    assert geraet["price"] == 1000 and geraet["active"] is True
    shown = cli.json("product", "show", "JÜRGEN GERÄT")
    assert (shown["id"], shown["lines"], shown["deals"]) == (geraet["id"], 0, 0)
    dup = cli("product", "add", "gtx pro", "--price", "1")
    assert dup.code == 1 and f"product 'gtx pro' already exists (id {gtx})" in dup.err
    k = cli("product", "add", "Cheap", "--price", "1.5k")
    assert k.code == 1 and "price '1.5k' is not an amount" in k.err
    assert cli("product", "add", "NoPrice").code == 2
    cli.ok("product", "edit", "gtx pro", "--price", "4,999.99", "--name", "GTX Pro 2")
    cli.ok("product", "edit", str(mg), "--inactive")
    assert cli.sql("SELECT name, price_minor FROM product WHERE id = :i", i=gtx) == [
        ("GTX Pro 2", 499999)
    ]
    rows = cli.json("product", "list")
    assert [(r["name"], r["price"], r["currency"], r["active"]) for r in rows] == [
        ("GTX Pro 2", 4999.99, "USD", True),
        ("Jürgen Gerät", 1000, "USD", True),
        ("MG Special", 55.5, "EUR", False),
    ]
    assert [r["name"] for r in cli.json("product", "list", "--active")] == [
        "GTX Pro 2",
        "Jürgen Gerät",
    ]
    assert cli("product", "edit", "gtx pro 2").code == 2
    assert cli("product", "edit", "nosuch", "--price", "1").code == 3
    assert cli("product", "show", "nosuch").code == 3
    taken = cli("product", "edit", "GTX Pro 2", "--name", "mg special")
    assert taken.code == 1 and "already exists" in taken.err


def test_line_items_sum_exactly(cli):
    cli.ok("product", "add", "GTX Pro", "--price", "4,821")
    cli.ok("product", "add", "MG Special", "--price", "55")
    deal = _id(cli.ok("deal", "add", "Bundle", "--amount", "1"))
    d = str(deal)
    first = _id(cli.ok("deal", "line", "add", d, "gtx pro", "--qty", "2", "--discount", "10%"))
    second = _id(cli.ok("deal", "line", "add", d, "MG Special", "--qty", "3", "--price", "49.99"))
    # 2 × 4821.00 × 0.90 = 8677.80 ; 3 × 49.99 = 149.97
    assert cli.sql("SELECT id, quantity, unit_price_minor, discount_bp, amount_minor "
                   "FROM dealline ORDER BY id") == [
        (first, 2, 482100, 1000, 867780),
        (second, 3, 4999, 0, 14997),
    ]  # fmt: skip
    assert cli.sql("SELECT amount_minor FROM deal WHERE id = :d", d=deal) == [(882777,)]
    lines = cli.json("deal", "line", "list", d)
    assert lines[0] == {
        "id": first, "product": "GTX Pro", "product_id": 1, "quantity": 2,
        "unit_price": 4821, "discount": 10, "amount": 8677.8, "currency": "USD",
    }  # fmt: skip
    assert cli.json("deal", "show", d)["lines"] == lines
    refused = cli("deal", "edit", d, "--amount", "5")
    assert refused.code == 1 and "has line items: its amount is their sum" in refused.err
    assert cli("deal", "edit", d, "--currency", "EUR").code == 1
    cli.ok("deal", "line", "remove", d, str(first))
    assert cli.sql("SELECT amount_minor FROM deal WHERE id = :d", d=deal) == [(14997,)]
    last = cli.ok("deal", "line", "remove", d, str(second))
    assert "its amount is unknown" in last.err
    assert cli.sql("SELECT amount_minor FROM deal WHERE id = :d", d=deal) == [(None,)]
    cli.ok("deal", "edit", d, "--amount", "5")  # no lines: a manual amount again
    assert cli.sql("SELECT amount_minor FROM deal WHERE id = :d", d=deal) == [(500,)]
    assert cli.json("product", "show", "gtx pro")["lines"] == 0


def test_line_discount_rounds_half_even_once_per_line(cli):
    cli.ok("product", "add", "Widget", "--price", "0.05")
    deal = str(_id(cli.ok("deal", "add", "Tiny")))
    cli.ok("deal", "line", "add", deal, "widget", "--discount", "50%")  # 2.5 cents -> 2
    cli.ok("deal", "line", "add", deal, "widget", "--price", "0.15", "--discount", "50")  # 7.5 -> 8
    cli.ok("deal", "line", "add", deal, "widget", "--price", "0.25", "--discount", "12.5%")
    # 25 × 0.875 = 21.875 -> 22
    assert cli.sql("SELECT amount_minor FROM dealline ORDER BY id") == [(2,), (8,), (22,)]
    assert cli.sql("SELECT amount_minor FROM deal") == [(32,)]
    assert cli.json("deal", "line", "list", deal)[2]["discount"] == 12.5


def test_line_item_refusals(cli):
    cli.ok("product", "add", "Euro Thing", "--price", "100", "--currency", "EUR")
    deal = str(_id(cli.ok("deal", "add", "Dollar deal")))
    other = str(_id(cli.ok("deal", "add", "Other")))
    cur = cli("deal", "line", "add", deal, "euro thing")
    assert cur.code == 1
    assert "product 'Euro Thing' is priced in EUR but deal 1 is in USD" in cur.err
    for args, code, text in [
        (("--qty", "0"), 1, "qty '0' must be a whole number of at least 1"),
        (("--price", "1", "--discount", "150%"), 1, "between 0% and 100%"),
        (("--price", "1", "--discount", "12.345%"), 1, "more than 2 decimal places"),
        (("--price", "1", "--discount", "ten"), 1, "discount 'ten' is not a number"),
        (("--price", "1.5k"), 1, "price '1.5k' is not an amount"),
        # A line is in its deal's currency: no --currency to suggest.
        (("--price", "EUR 10"), 1, "price 'EUR 10' is in EUR, but the deal is in USD: give the"),
        (("--qty", "two"), 2, ""),
    ]:
        result = cli("deal", "line", "add", deal, "euro thing", *args)
        assert result.code == code and text in result.err, (args, result.err)
    assert cli("deal", "line", "add", deal, "nosuch", "--price", "1").code == 3
    assert cli("deal", "line", "add", "99", "euro thing", "--price", "1").code == 3
    line = _id(cli.ok("deal", "line", "add", deal, "euro thing", "--price", "108.00"))
    assert cli.sql("SELECT amount_minor FROM deal WHERE id = 1") == [(10800,)]
    wrong_deal = cli("deal", "line", "remove", other, str(line))
    assert wrong_deal.code == 3 and f"line '{line}' not found on deal {other}" in wrong_deal.err
    assert cli.sql("SELECT count(*) FROM dealline") == [(1,)]


def test_rates_set_and_list(cli):
    cli.ok("currency", "rate", "set", "eur", "1.08", "--on", "2026-11-01")
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-15")
    cli.ok("currency", "rate", "set", "JPY", "0.0067")  # today
    replaced = cli.ok("currency", "rate", "set", "EUR", "1.0850", "--on", "2026-11-01")
    assert "rate replaced: 1 EUR = 1.0850 USD from 2026-11-01" in replaced.err
    stored = cli.sql(
        "SELECT currency, rate, valid_on FROM currencyrate ORDER BY currency, valid_on"
    )
    assert [(c, r, str(day)) for c, r, day in stored] == [
        ("EUR", "1.0850", "2026-11-01"),
        ("EUR", "1.10", "2026-11-15"),
        ("JPY", "0.0067", "2026-11-23"),
    ]  # fmt: skip
    rows = cli.json("currency", "rate", "list", "--currency", "eur")
    assert rows == [
        {"currency": "EUR", "rate": 1.1, "valid_on": "2026-11-15", "reporting_currency": "USD"},
        {"currency": "EUR", "rate": 1.085, "valid_on": "2026-11-01", "reporting_currency": "USD"},
    ]
    assert len(cli.json("currency", "rate", "list")) == 3
    same = cli("currency", "rate", "set", "USD", "1")
    assert same.code == 1 and "USD is the reporting currency" in same.err
    for bad, text in [("abc", "is not a number"), ("-1", "must be a positive"),
                      ("0", "must be a positive")]:  # fmt: skip
        result = cli("currency", "rate", "set", "EUR", "--", bad)
        assert result.code == 1 and text in result.err
    assert cli("currency", "rate", "set", "EURO", "1").code == 1
    assert cli("currency", "rate", "set", "EUR", "1.1", "--on", "soon").code == 2
    assert cli.sql("SELECT count(*) FROM currencyrate") == [(3,)]


@pytest.fixture
def conn(cli):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    cli.ok("currency", "rate", "set", "EUR", "1.08", "--on", "2026-11-01")
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-15")
    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = create_engine(url, poolclass=NullPool)
    with eng.connect() as connection:
        yield connection
    eng.dispose()


def test_convert_service_uses_the_rate_in_force(conn):
    from salescli.services import currency

    assert currency.convert(conn, 1200050, "EUR", dt.date(2026, 11, 14), "USD") == Decimal(
        "12960.54"
    )
    assert currency.convert(conn, 1200050, "EUR", dt.date(2026, 11, 15), "USD") == Decimal(
        "13200.55"
    )
    assert currency.convert(conn, 1200050, "EUR", None, "USD") == Decimal("13200.55")
    assert currency.convert(conn, 1200050, "USD", None, "USD") == Decimal("12000.50")
    with pytest.raises(InvalidData) as missing:
        currency.convert(conn, 100, "EUR", dt.date(2026, 10, 31), "USD")
    assert str(missing.value) == (
        "no EUR rate on or before 2026-10-31: salescli currency rate set EUR 1.08 --on 2026-10-31"
    )
    with pytest.raises(InvalidData) as none:
        currency.convert(conn, 100, "GBP", None, "USD")
    assert str(none.value).startswith("no GBP rate: salescli currency rate set GBP")
    assert currency.round_money(Decimal("10.005"), "USD") == Decimal("10.00")
    assert currency.round_money(Decimal("10.015"), "USD") == Decimal("10.02")


def test_deal_list_sum_converts_by_close_date(conn, cli):
    won = _id(cli.ok("deal", "add", "Won EUR", "--amount", "1000", "--currency", "EUR", env={"SALESCLI_NOW": "2026-11-10T08:00:00+00:00"}))  # fmt: skip
    cli.ok("deal", "win", str(won), "--on", "2026-11-10")  # 1.08 -> 1080
    cli.ok("deal", "add", "Open EUR", "--amount", "2000", "--currency", "EUR")  # latest 1.10
    cli.ok("deal", "add", "Open USD", "--amount", "500")
    result = cli.ok("deal", "list", "--all", "--sum")
    # 1080 + 2200 + 500; weighted: open deals at 10 %: 220 + 50
    assert result.err.strip() == "3 deals: amount 3,780.00 USD, weighted (open) 270.00 USD"
    gbp = _id(cli.ok("deal", "add", "Pounds", "--amount", "10", "--currency", "GBP", env={"SALESCLI_NOW": "2026-11-20T08:00:00+00:00"}))  # fmt: skip
    cli.ok("deal", "win", str(gbp), "--on", "2026-11-20")
    missing = cli("deal", "list", "--all", "--sum")
    assert missing.code == 1
    assert missing.err.strip() == (
        "Error: no GBP rate on or before 2026-11-20: salescli currency rate set GBP 1.08 "
        "--on 2026-11-20"
    )
    assert cli("deal", "list").code == 0  # only the figure that needs the rate fails
    assert cli.ok("deal", "list", "--sum", "--open").err.strip() == (
        "2 deals: amount 2,700.00 USD, weighted (open) 270.00 USD"
    )
