"""`lead convert`: account created or reused, contact and deal from the lead, once only."""

from __future__ import annotations

CONVERTED = "2026-11-22T20:00:00+00:00"


def _id(cli, *args: str, **kwargs) -> int:
    return int(cli.ok(*args, **kwargs).out.strip())


def _counts(cli) -> tuple:
    return cli.sql(
        "SELECT (SELECT count(*) FROM account), (SELECT count(*) FROM contact), "
        "(SELECT count(*) FROM deal), (SELECT count(*) FROM stagechange)"
    )[0]


def test_convert_creates_account_contact_deal(cli):
    cli.ok("rep", "add", "Ana Souza")
    lead = _id(
        cli, "lead", "add", "Jürgen Groß", "--email", "jg@acme.example", "--phone", "+49 30 1234",
        "--company", "Acme GmbH", "--title", "CTO", "--source", "referral", "--owner", "Ana Souza",
        "--territory", "DACH",
    )  # fmt: skip
    result = cli.json(
        "lead", "convert", str(lead), "--amount", "24,000.50", "--currency", "EUR",
        "--stage", "qualification", "--close", "2026-12-31", env={"SALESCLI_NOW": CONVERTED},
    )  # fmt: skip
    account_id = cli.sql("SELECT id FROM account")[0][0]
    contact_id = cli.sql("SELECT id FROM contact")[0][0]
    deal_id = cli.sql("SELECT id FROM deal")[0][0]
    assert result == {
        "lead_id": lead,
        "account_id": account_id,
        "account": "Acme GmbH",
        "contact_id": contact_id,
        "deal_id": deal_id,
        "account_created": True,
    }
    ana = cli.sql("SELECT id FROM rep")[0][0]
    assert cli.sql("SELECT name, name_key, owner_id, territory FROM account") == [
        ("Acme GmbH", "acme gmbh", ana, "DACH")
    ]
    assert cli.sql(
        "SELECT name, email, phone, title, account_id, owner_id, lead_id FROM contact"
    ) == [("Jürgen Groß", "jg@acme.example", "+49 30 1234", "CTO", account_id, ana, lead)]
    assert cli.sql(
        "SELECT d.title, d.amount_minor, d.currency, d.source, d.lead_id, d.contact_id, "
        "d.account_id, d.owner_id, d.close_date, s.name FROM deal d JOIN stage s ON s.id = d.stage_id"
    ) == [
        (
            "Acme GmbH – Jürgen Groß", 2400050, "EUR", "referral", lead, contact_id, account_id,
            ana, cli.sql("SELECT close_date FROM deal")[0][0], "qualification",
        )
    ]  # fmt: skip
    assert str(cli.sql("SELECT close_date FROM deal")[0][0]) == "2026-12-31"
    assert cli.sql("SELECT status FROM lead") == [("converted",)]
    shown = cli.json("lead", "show", str(lead))
    assert shown["status"] == "converted" and shown["converted_at"] == CONVERTED
    deal = cli.json("deal", "show", str(deal_id))
    assert (deal["source"], deal["lead_id"], deal["amount"], deal["type"]) == (
        "referral",
        lead,
        24000.5,
        "new",
    )


def test_convert_twice_refused_with_local_date(cli):
    cli.ok("config", "set", "timezone", "Asia/Tokyo")
    lead = _id(cli, "lead", "add", "Ana Souza", "--company", "Beta")
    first = cli.json("lead", "convert", str(lead), env={"SALESCLI_NOW": CONVERTED})
    before = _counts(cli)
    again = cli("lead", "convert", str(lead), "--amount", "5000")
    assert again.code == 1
    # 20:00 UTC on the 22nd is the 23rd in Tokyo.
    assert f"lead {lead} was converted on 2026-11-23 (deal {first['deal_id']})" in again.err
    assert again.out == ""
    assert _counts(cli) == before == (1, 1, 1, 1)
    assert cli("lead", "convert", "999").code == 3


def test_convert_reuses_account_by_name(cli):
    existing = _id(cli, "account", "add", "JÜRGEN STRASSE Ltd")
    lead = _id(
        cli, "lead", "add", "Çağrı Yılmaz", "--company", "jürgen straße ltd", "--source", "web"
    )
    result = cli.json("lead", "convert", str(lead), "--amount", "900")
    assert (result["account_id"], result["account"], result["account_created"]) == (
        existing,
        "JÜRGEN STRASSE Ltd",
        False,
    )
    assert cli.sql("SELECT count(*) FROM account") == [(1,)]
    assert cli.sql("SELECT title, account_id, source FROM deal") == [
        ("JÜRGEN STRASSE Ltd – Çağrı Yılmaz", existing, "web")
    ]
    account = cli.json("account", "show", str(existing))
    assert [c["name"] for c in account["contacts"]] == ["Çağrı Yılmaz"]
    assert account["open_deals"] == 1 and account["won_deals"] == 0


def test_convert_needs_an_account_name(cli):
    lead = _id(cli, "lead", "add", "Wang Fang", "--email", "wang@example.com")
    refused = cli("lead", "convert", str(lead))
    assert refused.code == 1 and "has no company: name the account with --account" in refused.err
    assert _counts(cli) == (0, 0, 0, 0)
    assert cli.sql("SELECT status, converted_at FROM lead") == [("new", None)]
    result = cli.json("lead", "convert", str(lead), "--account", "王芳 Trading", "--no-deal")
    assert result["deal_id"] is None and result["account_created"] is True
    assert _counts(cli) == (1, 1, 0, 0)
    again = cli("lead", "convert", str(lead))
    assert again.code == 1 and f"(contact {result['contact_id']}, no deal)" in again.err


def test_convert_is_all_or_nothing(cli):
    lead = _id(cli, "lead", "add", "Ana Souza", "--company", "Acme")
    bad_stage = cli("lead", "convert", str(lead), "--stage", "no-such-stage")
    assert bad_stage.code in (1, 3) and "no-such-stage" in bad_stage.err
    bad_amount = cli("lead", "convert", str(lead), "--amount", "1.5k")
    assert bad_amount.code == 1 and "write 1500" in bad_amount.err
    closed = cli("lead", "convert", str(lead), "--stage", "won")
    assert closed.code != 0
    usage = cli("lead", "convert", str(lead), "--no-deal", "--amount", "100")
    assert usage.code == 2 and "--amount" in usage.err
    assert _counts(cli) == (0, 0, 0, 0)
    assert cli.sql("SELECT status FROM lead") == [("new",)]


def test_convert_owner_and_last_contact(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang")
    lead = _id(cli, "lead", "add", "Иван Петров", "--company", "Иван ООО", "--owner", "none")
    cli.ok("log", "call", "--lead", str(lead), "--at", "2026-11-20T10:00+00:00", "Intro")
    assert cli.sql("SELECT status FROM lead") == [("contacted",)]
    cli.ok("config", "set", "me", "Wang Fang")
    result = cli.json("lead", "convert", str(lead), "--title", "Иван – pilot")
    wang = cli.sql("SELECT id FROM rep WHERE name = 'Wang Fang'")[0][0]
    assert cli.sql("SELECT title, owner_id FROM deal") == [("Иван – pilot", wang)]
    contact = cli.json("contact", "show", str(result["contact_id"]))
    assert contact["last_contact_at"] == "2026-11-20T10:00:00+00:00"
    assert cli.json("account", "show", "иван ооо")["last_contact_at"] == "2026-11-20T10:00:00+00:00"
    other = _id(cli, "lead", "add", "Ana Lima", "--company", "Lima SA")
    cli.ok("lead", "convert", str(other), "--owner", "ana souza")
    ana = cli.sql("SELECT id FROM rep WHERE name = 'Ana Souza'")[0][0]
    assert cli.sql("SELECT owner_id FROM deal WHERE lead_id = :l", l=other) == [(ana,)]
    assert cli.sql("SELECT owner_id FROM contact WHERE lead_id = :l", l=other) == [(ana,)]
