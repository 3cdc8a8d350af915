"""`deal|account|contact|product import` and `export`: the CSV engine through the real CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import PG_URL


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def utc(value: object) -> dt.datetime:
    """A stored instant as aware UTC, whatever the backend returned (text or datetime)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def day(value: object) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def count(cli, table: str) -> int:
    return cli.sql(f"SELECT count(*) FROM {table}")[0][0]


def setup_refs(cli) -> None:
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Bo Lind")
    cli.ok("product", "add", "GTX Pro", "--price", "4821", "--series", "GTX")
    cli.ok("account", "add", "Jürgen Groß GmbH")


DEALS = (
    "title,amount,account,owner,stage,close_date,created_at,source,product,external_id\n"
    'Big one,"$22,700.00",JÜRGEN GROSS GMBH,Ana Souza,proposal,2026-12-15,,web,,D-1\n'
    "Won one,4500,Новая Компания,bo lind,Won,2026-03-10,2026-01-05,referral,GTXPro,D-2\n"
    "Lost one,0,Новая Компания,Ana Souza,lost,2026-04-01,2026-02-01T10:30:00+01:00,,,D-3\n"
    ",,Çağrı Ltd,,,,,,GTX Pro,D-4\n"
)


def test_deal_import_accounts_history_lines_and_types(cli, tmp_path):
    setup_refs(cli)
    path = write(tmp_path / "deals.csv", DEALS)
    result = cli.ok("deal", "import", path)
    assert result.err.splitlines() == [
        f"Imported 4 deals from {path} (batch 1).",
        "Created 2 accounts named in the file: Новая Компания, Çağrı Ltd",
    ]
    accounts = cli.sql("SELECT id, name, name_key FROM account ORDER BY id")
    assert accounts == [
        (1, "Jürgen Groß GmbH", "jurgen gross gmbh"),
        (2, "Новая Компания", "новая компания"),
        (3, "Çağrı Ltd", "cagri ltd"),
    ]
    rows = cli.sql(
        "SELECT d.title, d.account_id, r.name, d.amount_minor, d.currency, s.name, d.probability, "
        "d.forecast_category, d.close_date, d.source, d.deal_type, lr.name, d.external_id, "
        "d.import_batch_id, d.search_text FROM deal d JOIN stage s ON s.id = d.stage_id "
        "LEFT JOIN rep r ON r.id = d.owner_id LEFT JOIN lostreason lr ON lr.id = d.lost_reason_id "
        "ORDER BY d.id"
    )
    rows = [(*r[:8], day(r[8]) if r[8] else None, *r[9:]) for r in rows]
    assert rows == [
        ("Big one", 1, "Ana Souza", 2270000, "USD", "proposal", 50, "best_case",
         dt.date(2026, 12, 15), "web", "new", None, "D-1", 1, "big one | jurgen gross gmbh"),
        ("Won one", 2, "Bo Lind", 450000, "USD", "won", 100, "closed",
         dt.date(2026, 3, 10), "referral", "new", None, "D-2", 1, "won one | новая компания"),
        # Lost on 2026-04-01, after the account's first win (2026-03-10): an existing customer.
        ("Lost one", 2, "Ana Souza", 0, "USD", "lost", 0, "omitted",
         dt.date(2026, 4, 1), None, "existing", "other", "D-3", 1, "lost one | новая компания"),
        # No title: the product and the account; no stage: the first open stage.
        ("GTX Pro – Çağrı Ltd", 3, None, None, "USD", "prospecting", 10, "pipeline",
         None, None, "new", None, "D-4", 1, "gtx pro – cagri ltd | cagri ltd"),
    ]  # fmt: skip
    history = cli.sql(
        "SELECT c.deal_id, f.name, t.name, c.probability, c.changed_at FROM stagechange c "
        "LEFT JOIN stage f ON f.id = c.from_stage_id JOIN stage t ON t.id = c.to_stage_id "
        "ORDER BY c.deal_id, c.changed_at, c.id"
    )
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert [(*h[:4], utc(h[4])) for h in history] == [
        (1, None, "proposal", 50, now),
        (2, None, "prospecting", 10, dt.datetime(2026, 1, 5, tzinfo=dt.UTC)),
        (2, "prospecting", "won", 100, dt.datetime(2026, 3, 10, tzinfo=dt.UTC)),
        (3, None, "prospecting", 10, dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC)),
        (3, "prospecting", "lost", 0, dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
        (4, None, "prospecting", 10, now),
    ]
    entered = cli.sql("SELECT id, stage_entered_at, created_at FROM deal ORDER BY id")
    assert [(i, utc(e), utc(c)) for i, e, c in entered] == [
        (1, now, now),
        (2, dt.datetime(2026, 3, 10, tzinfo=dt.UTC), dt.datetime(2026, 1, 5, tzinfo=dt.UTC)),
        (3, dt.datetime(2026, 4, 1, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC)),
        (4, now, now),
    ]
    # GTXPro found GTX Pro; a line only where there is an amount: qty 1 at that amount.
    lines = cli.sql(
        "SELECT deal_id, product_id, quantity, unit_price_minor, discount_bp, amount_minor "
        "FROM dealline ORDER BY deal_id"
    )
    assert lines == [(2, 1, 1, 450000, 0, 450000)]
    shown = cli.json("deal", "show", "2")
    assert [(h["from"], h["to"]) for h in shown["stage_history"]] == [
        (None, "prospecting"),
        ("prospecting", "won"),
    ]
    assert shown["lines"][0]["product"] == "GTX Pro" and shown["amount"] == 4500
    assert [d["title"] for d in cli.json("deal", "list", "--search", "çağrı")] == [
        "GTX Pro – Çağrı Ltd"
    ]


def test_history_close_instant_follows_the_configured_zone(cli, tmp_path):
    cli.ok("config", "set", "timezone", "Europe/Berlin")
    path = write(
        tmp_path / "d.csv",
        "title,stage,created_at,close_date\nWon,won,2026-03-01,2026-03-10\nOpen,,2026-03-02,\n",
    )
    cli.ok("deal", "import", path)
    history = cli.sql("SELECT deal_id, changed_at FROM stagechange ORDER BY deal_id, id")
    berlin = [(d, utc(at).astimezone(dt.timezone(dt.timedelta(hours=1)))) for d, at in history]
    assert [(d, at.isoformat()) for d, at in berlin] == [
        (1, "2026-03-01T00:00:00+01:00"),
        (1, "2026-03-10T00:00:00+01:00"),
        (2, "2026-03-02T00:00:00+01:00"),
    ]


def test_unknown_stage_rejects_the_whole_file(cli, tmp_path):
    setup_refs(cli)
    path = write(
        tmp_path / "deals.csv",
        "title,amount,account,stage\n"
        "A,100,New Co,prospecting\n"
        "B,200,Other Co,Engaging\n"
        "C,-5,,qualification\n"
        "D,300,,qualification\n",
    )
    result = cli("deal", "import", path)
    assert result.code == 1
    assert result.err.splitlines() == [
        f"Error: 2 invalid rows in {path}; nothing imported (fix them, or use --skip-invalid "
        "to import the rest):",
        "  line 3: stage 'Engaging' is not a stage (stages: prospecting, qualification, proposal, "
        'negotiation, won, lost); map it: --map-value "stage:Engaging=prospecting"',
        "  line 4: column 'amount': '-5' is not an amount (e.g. 12000, 12,000.50)",
    ]
    for table in ("deal", "stagechange", "dealline", "importbatch"):
        assert count(cli, table) == 0
    assert count(cli, "account") == 1  # only the one set up: New Co was not created
    dry = cli("deal", "import", path, "--dry-run", "--map-value", "stage:Engaging=qualification")
    assert dry.code == 1 and dry.err.startswith("Error: 1 invalid row in ")
    assert "; dry run (fix them" in dry.err and "Would create" not in dry.err
    dry = cli("deal", "import", path, "--dry-run", "--skip-invalid", "--map-value",
              "stage:Engaging=qualification")  # fmt: skip
    assert dry.code == 1
    assert dry.err.splitlines() == [
        "Dry run: 3 deals would be imported, 1 rejected:",
        "  line 4: column 'amount': '-5' is not an amount (e.g. 12000, 12,000.50)",
        "Would create 2 accounts named in the file: New Co, Other Co",
    ]
    assert not Path(f"{path}.rejects.csv").exists()
    assert count(cli, "deal") == 0 and count(cli, "account") == 1


def test_skip_invalid_writes_a_reject_file_and_imports_the_rest(cli, tmp_path):
    setup_refs(cli)
    path = write(
        tmp_path / "deals.csv",
        "title,amount,account,owner,stage,lost_reason\n"
        "Good,100,Acme,Ana Souza,prospecting,\n"
        "Bad owner,200,Zeta,Nobody,prospecting,\n"
        "Bad reason,0,Zeta,,lost,bored\n"
        "Good lost,0,Acme,,lost,price\n",
    )
    result = cli("deal", "import", path, "--skip-invalid")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"2 imported, 2 rejected → {path}.rejects.csv",
        "Created 1 account named in the file: Acme",
    ]
    rejects = Path(f"{path}.rejects.csv")
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600
    assert list(csv.reader(io.StringIO(rejects.read_text()))) == [
        ["title", "amount", "account", "owner", "stage", "lost_reason", "line", "error"],
        ["Bad owner", "200", "Zeta", "Nobody", "prospecting", "", "3",
         "owner 'Nobody' is not a rep (see: salescli rep list)"],
        ["Bad reason", "0", "Zeta", "", "lost", "bored", "4",
         "lost_reason 'bored' is not in the list (valid reasons: price, competitor, "
         "no-budget, no-decision, timing, other)"],
    ]  # fmt: skip
    assert cli.sql(
        "SELECT d.title, a.name, lr.name FROM deal d JOIN account a ON a.id = d.account_id "
        "LEFT JOIN lostreason lr ON lr.id = d.lost_reason_id ORDER BY d.id"
    ) == [("Good", "Acme", None), ("Good lost", "Acme", "price")]
    assert cli.sql("SELECT name FROM account WHERE name = 'Zeta'") == []


def test_reimport_refused_and_duplicate_external_ids_reported(cli, tmp_path):
    path = write(tmp_path / "d.csv", "title,amount,external_id\nA,1,X-1\nB,2,X-2\nC,3,X-1\n")
    result = cli("deal", "import", path)
    assert result.code == 1 and "line 4: duplicate of line 2 (external id X-1)" in result.err
    path = write(tmp_path / "d.csv", "title,amount,external_id\nA,1,X-1\nB,2,X-2\n")
    cli.ok("deal", "import", path)
    again = cli("deal", "import", path)
    assert again.code == 1
    assert again.err.strip() == (
        f"Error: {path} was already imported on 2026-11-23 09:00 UTC as batch 1; "
        "use --again to import it again"
    )
    forced = cli("deal", "import", path, "--again")
    assert forced.code == 1
    assert "line 2: duplicate of deal 1 (external id X-1)" in forced.err
    assert "line 3: duplicate of deal 2 (external id X-2)" in forced.err
    assert count(cli, "deal") == 2 and count(cli, "importbatch") == 1


def test_decimal_comma_date_format_currency_and_owner_default(cli, tmp_path):
    cli.ok("rep", "add", "Ana Souza")
    path = write(
        tmp_path / "eu.csv",
        "Titel;Betrag;Abschluss;Erstellt;Phase\n"
        "Groß;EUR 1.250,50;15/12/2026;01/10/2026;qualification\n"
        "Klein;€ 99,99;31/01/2026;02/01/2026;Gewonnen\n",
    )
    args = ["--map", "Titel=title", "--map", "Betrag=amount", "--map", "Abschluss=close_date"]
    args += ["--map", "Erstellt=created_at", "--map", "Phase=stage"]
    args += ["--decimal-comma", "--date-format", "%d/%m/%Y", "--owner", "Ana Souza"]
    args += ["--map-value", "stage:Gewonnen=won"]
    cli.ok("deal", "import", path, *args)
    rows = cli.sql(
        "SELECT d.title, d.amount_minor, d.currency, d.close_date, d.created_at, r.name "
        "FROM deal d JOIN rep r ON r.id = d.owner_id ORDER BY d.id"
    )
    assert [(t, a, c, day(d), utc(cr), o) for t, a, c, d, cr, o in rows] == [
        ("Groß", 125050, "EUR", dt.date(2026, 12, 15), dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
         "Ana Souza"),
        ("Klein", 9999, "EUR", dt.date(2026, 1, 31), dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
         "Ana Souza"),
    ]  # fmt: skip
    bad = write(tmp_path / "bad.csv", "title,close_date\nA,2026-12-15\n")
    result = cli("deal", "import", bad, "--date-format", "%d/%m/%Y")
    assert result.code == 1
    assert (
        "line 2: column 'close_date': '2026-12-15' is not a date in the format %d/%m/%Y "
        "(e.g. 23/11/2026; other formats: --date-format)"
    ) in result.err
    unknown = cli("deal", "import", bad, "--owner", "Nobody")
    assert unknown.code == 3 and "--owner: rep 'Nobody' not found" in unknown.err


def test_closed_deal_rules(cli, tmp_path):
    path = write(
        tmp_path / "d.csv",
        "title,stage,created_at,close_date,probability,lost_note\n"
        "Odd,won,,2026-04-30,40,\n"
        "Note,qualification,,,,too pricey\n",
    )
    result = cli("deal", "import", path)
    assert result.code == 1
    assert result.err.splitlines()[1:] == [
        "  line 2: probability '40' does not apply to a won deal (always 100)",
        "  line 3: lost_note 'too pricey' applies to lost deals only (stage: qualification)",
    ]
    fine = write(
        tmp_path / "ok.csv",
        "title,stage,created_at,close_date,probability\n"
        "Fine,won,,2026-04-30,100\n"
        "Now,won,,,\n"
        "Backfilled,lost,2026-05-01T08:00:00Z,2026-04-30,\n",
    )
    cli.ok("deal", "import", fine)
    rows = cli.sql("SELECT close_date, created_at, probability_override FROM deal ORDER BY id")
    # No creation date: created at the start of the close date (or now, when that is earlier);
    # no close date: today.
    assert [(day(c), utc(cr), bool(o)) for c, cr, o in rows] == [
        (dt.date(2026, 4, 30), dt.datetime(2026, 4, 30, tzinfo=dt.UTC), False),
        (dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC), False),
        (dt.date(2026, 4, 30), dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC), False),
    ]
    # Entered after it closed: like `deal win --on` a past day, the history never runs backwards.
    history = cli.sql("SELECT changed_at FROM stagechange WHERE deal_id = 3 ORDER BY id")
    assert [utc(h[0]) for h in history] == [dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)] * 2


def test_contact_lookup_and_account_from_contact(cli, tmp_path):
    cli.ok("account", "add", "Acme")
    cli.ok("account", "add", "Beta")
    cli.ok("contact", "add", "Иван Петров", "--account", "Acme")
    cli.ok("contact", "add", "Ana Souza", "--account", "Acme")
    cli.ok("contact", "add", "Ana Souza", "--account", "Beta")
    path = write(
        tmp_path / "d.csv",
        "title,contact,account\nA,иван петров,\nB,Ana Souza,Beta\nC,Ana Souza,\nD,Иван Петров,Beta\n",
    )
    result = cli("deal", "import", path)
    assert result.code == 1
    assert result.err.splitlines()[1:] == [
        "  line 4: contact 'Ana Souza' is ambiguous: contacts 2, 3",
        "  line 5: contact 'Иван Петров' is not a contact at the row's account "
        "(see: salescli contact list)",
    ]
    good = write(tmp_path / "g.csv", "title,contact,account\nA,иван петров,\nB,Ana Souza,Beta\n")
    cli.ok("deal", "import", good)
    assert cli.sql("SELECT title, contact_id, account_id, search_text FROM deal ORDER BY id") == [
        ("A", 1, 1, "a | acme"),
        ("B", 3, 2, "b | beta"),
    ]


def test_account_import_parents_in_any_order_and_errors(cli, tmp_path):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("account", "add", "Holding AG")
    path = write(
        tmp_path / "a.csv",
        "account,sector,employees,office_location,subsidiary_of,owner,revenue\n"
        "Child,technolgy,10,Philipines,Parent Co,Ana Souza,1.5\n"
        "Parent Co,retail,2500,Germany,Holding AG,,2\n"
        "Solo,,,,,,\n",
    )
    result = cli.ok(
        "account", "import", path, "--map", "account=name", "--map", "sector=industry",
        "--map", "office_location=country", "--map", "subsidiary_of=parent",
        "--map-value", "industry:technolgy=technology",
    )  # fmt: skip
    assert result.err.splitlines() == [
        "Ignored 1 column(s) that match no account field: revenue "
        "(use --map COLUMN=FIELD to import one)",
        f"Imported 3 accounts from {path} (batch 1).",
    ]
    rows = cli.sql(
        "SELECT a.name, a.industry, a.employees, a.country, p.name, a.owner_id, a.search_text "
        "FROM account a LEFT JOIN account p ON p.id = a.parent_id ORDER BY a.id"
    )
    assert rows == [
        ("Holding AG", None, None, None, None, None, "holding ag"),
        ("Child", "technology", 10, "Philipines", "Parent Co", 1,
         "child | technology | philipines"),
        ("Parent Co", "retail", 2500, "Germany", "Holding AG", None,
         "parent co | retail | germany"),
        ("Solo", None, None, None, None, None, "solo"),
    ]  # fmt: skip
    bad = write(
        tmp_path / "bad.csv",
        "name,parent\nA,B\nB,A\nC,Nowhere\nchild,\nD,D\nE,X\nX,\nX,\n",
    )
    result = cli("account", "import", bad)
    assert result.code == 1
    assert result.err.splitlines()[1:] == [
        "  line 2: parent 'B' makes a cycle: A → B → A",
        "  line 3: parent 'A' makes a cycle: B → A → B",
        "  line 4: parent 'Nowhere' is neither an account nor a row of the file "
        "(import the parent first, or add it to the file)",
        "  line 5: duplicate of account 2 ('Child')",
        "  line 6: parent 'D' is the account itself (cycle: D → D)",
        "  line 9: duplicate of line 8 (account 'X')",
    ]
    assert count(cli, "account") == 4


def test_contact_and_product_import(cli, tmp_path):
    cli.ok("account", "add", "Acme")
    cli.ok("rep", "add", "Bo Lind")
    products = write(
        tmp_path / "p.csv",
        'product,series,sales_price,currency\nGTX Pro,GTX,"4,821.50",\nMG Special,MG,55,EUR\n'
        "gtx pro,GTX,1,\n",
    )
    result = cli("product", "import", products)
    assert result.code == 1 and "line 4: duplicate of line 2 (product 'gtx pro')" in result.err
    fixed = write(tmp_path / "p2.csv", 'product,series,sales_price\nGTX Pro,GTX,"4,821.50"\n')
    cli.ok("product", "import", fixed)
    assert cli.sql("SELECT name, name_key, series, price_minor, currency, active FROM product") == [
        ("GTX Pro", "gtx pro", "GTX", 482150, "USD", True)
    ] or cli.sql("SELECT name, name_key, series, price_minor, currency, active FROM product") == [
        ("GTX Pro", "gtx pro", "GTX", 482150, "USD", 1)
    ]
    assert cli("product", "import", fixed, "--again", "--owner", "Bo Lind").code == 2
    people = write(
        tmp_path / "c.csv",
        "Full Name,E-Mail,Company,Job Title,owner\n"
        "JÜRGEN GROß,Jurgen@Example.DE,ACME,CTO,Bo Lind\n"
        "Çağrı Yılmaz,,Yeni Şirket,,\n"
        "Ana Souza,jurgen@example.de,,,\n",
    )
    result = cli("contact", "import", people)
    assert result.code == 1
    assert "line 4: duplicate of line 2 (email jurgen@example.de)" in result.err
    assert count(cli, "contact") == 0 and count(cli, "account") == 1
    people = write(
        tmp_path / "c.csv",
        "Full Name,E-Mail,Company,Job Title,owner\n"
        "JÜRGEN GROß,Jurgen@Example.DE,ACME,CTO,Bo Lind\n"
        "Çağrı Yılmaz,,Yeni Şirket,,\n",
    )
    result = cli.ok("contact", "import", people)
    assert result.err.splitlines()[-1] == "Created 1 account named in the file: Yeni Şirket"
    assert cli.sql(
        "SELECT c.name, c.email, c.email_key, c.title, a.name, c.owner_id, c.search_text "
        "FROM contact c JOIN account a ON a.id = c.account_id ORDER BY c.id"
    ) == [
        ("JÜRGEN GROß", "Jurgen@example.de", "jurgen@example.de", "CTO", "Acme", 1,
         "jurgen gross | jurgen@example.de | cto | acme"),
        ("Çağrı Yılmaz", None, None, None, "Yeni Şirket", None, "cagri yilmaz | yeni sirket"),
    ]  # fmt: skip
    assert [c["name"] for c in cli.json("contact", "list", "--search", "jürgen")] == ["JÜRGEN GROß"]
    again = cli("contact", "import", people, "--again")
    assert "line 3: duplicate of contact 2 (Çağrı Yılmaz at Yeni Şirket)" in again.err


@pytest.fixture
def other_db(backend, tmp_path, request):
    """A second, empty database on the same backend (the round trip imports into it)."""
    if backend == "sqlite":
        yield str(tmp_path / "other.db")
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from salescli import connect

    template = request.getfixturevalue("pg_template")
    name = f"salescli_rt_{os.getpid()}"
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    connect.forget(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_export_import_round_trip_for_every_entity(cli, tmp_path, other_db):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("product", "add", "GTX Pro", "--price", "4821.50", "--series", "GTX")
    cli.ok("product", "add", "=Formula", "--price", "10", "--currency", "EUR")
    cli.ok("product", "edit", "=Formula", "--inactive")
    cli.ok("account", "add", "Child GmbH", "--industry", "Retail", "--owner", "Ana Souza")
    cli.ok("account", "add", "Иван Holding", "--country", "Россия")
    cli.ok("account", "edit", "Child GmbH", "--parent", "Иван Holding")
    cli.ok("contact", "add", "Çağrı Yılmaz", "--account", "Child GmbH", "--email", "c@x.com",
           "--phone", "+49 30 1234567", "--title", "CTO")  # fmt: skip
    cli.ok("deal", "add", "Open deal", "--amount", "12,000.50", "--account", "Child GmbH",
           "--contact", "Çağrı Yılmaz", "--owner", "Ana Souza", "--stage", "proposal",
           "--close", "2026-12-31", "--source", "web", "--probability", "60")  # fmt: skip
    early = {"SALESCLI_NOW": "2026-11-19T09:00:00+00:00"}  # created before it closed
    cli.ok("deal", "add", "Won deal", "--account", "Иван Holding", "--currency", "EUR", env=early)
    cli.ok("deal", "line", "add", "2", "GTX Pro", "--price", "4000")
    cli.ok("deal", "win", "2", "--on", "2026-11-20")
    cli.ok("deal", "add", "Lost deal", "--amount", "0", env=early)
    cli.ok("deal", "lose", "3", "--reason", "price", "--note", "too dear", "--on", "2026-11-21")
    files = {}
    for entity in ("product", "account", "contact", "deal"):
        files[entity] = str(tmp_path / f"{entity}s.csv")
        result = cli.ok(entity, "export", "--output", files[entity])
        assert stat.S_IMODE(os.stat(files[entity]).st_mode) == 0o600
        assert result.err.startswith("Exported ")
    deal_csv = Path(files["deal"]).read_text()
    assert deal_csv.splitlines()[0] == (
        "id,external_id,title,account,contact,owner,amount,currency,stage,probability,"
        "forecast_category,close_date,source,type,product,lost_reason,lost_note,created_at,"
        "updated_at"
    )
    assert "'=Formula" in Path(files["product"]).read_text()
    cli.ok("--db", other_db, "rep", "add", "Ana Souza")
    for entity in ("product", "account", "contact", "deal"):
        cli.ok("--db", other_db, entity, "import", files[entity])
        again = cli.ok("--db", other_db, entity, "export")
        assert again.out == Path(files[entity]).read_text(), entity
    first = cli.json("deal", "show", "2")
    second = cli.json("--db", other_db, "deal", "show", "2")
    assert [(h["from"], h["to"]) for h in second["stage_history"]] == [
        (None, "prospecting"),
        ("prospecting", "won"),
    ]
    assert second["lines"][0]["product"] == "GTX Pro" and second["amount"] == 4000
    assert second["close_date"] == first["close_date"] == "2026-11-20"
    listed = cli.json("deal", "export", "--format", "json", "--state", "open")
    assert [d["title"] for d in listed] == ["Open deal"]
    assert listed[0]["amount"] == 12000.5 and listed[0]["probability"] == 60


def test_export_account_filter_keeps_that_accounts_rows(cli):
    cli.ok("account", "add", "Acme")
    cli.ok("account", "add", "Beta")
    cli.ok("contact", "add", "Ana Souza", "--account", "Acme")
    cli.ok("contact", "add", "Bo Chen", "--account", "Beta")
    cli.ok("contact", "add", "Cy Loner")
    cli.ok("deal", "add", "Acme deal", "--account", "acme")
    cli.ok("deal", "add", "Beta deal", "--account", "Beta")
    cli.ok("deal", "add", "No account")
    contacts = cli.json("contact", "export", "--account", "ACME", "--format", "json")
    assert [c["name"] for c in contacts] == ["Ana Souza"]
    deals = cli.json("deal", "export", "--account", "Beta", "--format", "json")
    assert [d["title"] for d in deals] == ["Beta deal"]
    assert cli("deal", "export", "--account", "Nobody").code == 3
