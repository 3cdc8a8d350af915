"""Finding and seeing (issue 8): list defaults, limits per format, accent-blind search and
lookups, group-by, lead sources, tag spelling."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from salescli.migrations import HEAD


def _write(path: Path, header: str, rows: list[str]) -> str:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def many(cli, tmp_path: Path):
    """150 leads, deals (open), accounts, contacts and activities."""
    n = 150
    cli.ok("lead", "import", _write(tmp_path / "l.csv", "name,email",
           [f"Lead {i:03},lead{i}@example.com" for i in range(n)]))  # fmt: skip
    cli.ok("account", "import", _write(tmp_path / "a.csv", "name",
           [f"Account {i:03}" for i in range(n)]))  # fmt: skip
    cli.ok("contact", "import", _write(tmp_path / "c.csv", "name,email",
           [f"Contact {i:03},contact{i}@example.com" for i in range(n)]))  # fmt: skip
    cli.ok("deal", "import", _write(tmp_path / "d.csv", "title,amount,stage,close_date",
           [f"Deal {i:03},{i + 1},prospecting,2027-01-{i % 28 + 1:02}" for i in range(n)]))  # fmt: skip
    cli.sql(
        "INSERT INTO activity (kind, lead_id, occurred_at, outcome, text, created_at) "
        "SELECT 'call', id, created_at, NULL, 'hello', created_at FROM lead"
    )
    return cli


LISTS = [
    ("lead", "list"),
    ("deal", "list"),
    ("account", "list"),
    ("contact", "list"),
    ("activity", "list"),
]


@pytest.mark.parametrize("command", LISTS, ids=lambda c: c[0])
def test_machine_formats_return_every_row(many, command, tmp_path):
    cli = many
    result = cli.ok(*command, "--format", "json")
    assert len(json.loads(result.out)) == 150
    assert "showing the first" not in result.err
    rows = list(csv.reader(io.StringIO(cli.ok(*command, "--format", "csv").out)))
    assert len(rows) == 151  # header + every row
    markdown = cli.ok(*command, "--format", "markdown").out.splitlines()
    assert len(markdown) == 152  # header, rule, every row
    out = tmp_path / f"{command[0]}.json"
    cli.ok(*command, "--format", "json", "--output", str(out))
    assert len(json.loads(out.read_text())) == 150
    # --limit still cuts, and says so on stderr only
    limited = cli.ok(*command, "--format", "json", "--limit", "20")
    assert len(json.loads(limited.out)) == 20
    assert "(showing the first 20 " in limited.err


@pytest.mark.parametrize("command", LISTS, ids=lambda c: c[0])
def test_tables_show_a_page_and_say_they_cut(many, command):
    result = many.ok(*command)
    assert len(result.out.splitlines()) == 101  # header + 100 rows (tab-separated off a terminal)
    noun = {"activity": "activities"}.get(command[0], command[0] + "s")
    assert result.err.strip() == f"(showing the first 100 {noun}: --limit 0 shows all)"
    everything = many.ok(*command, "--limit", "0") if command[0] in ("lead", "deal") else None
    if everything is not None:
        assert len(everything.out.splitlines()) == 151 and everything.err == ""


def test_deal_list_defaults_to_open_deals_soonest_first(cli):
    def add(title: str, close: str, env: dict[str, str] | None = None) -> int:
        return int(cli.ok("deal", "add", title, "--amount", "10", "--close", close, env=env).out)

    old = add("Old 2017", "2017-03-01", {"SALESCLI_NOW": "2017-02-01T09:00:00+00:00"})
    cli.ok("deal", "win", str(old), "--on", "2017-03-01")
    late = add("Late", "2027-02-01")
    soon = add("Soon", "2026-12-01")
    lost = add("Lost", "2026-11-01")
    cli.ok("deal", "lose", str(lost), "--reason", "price")
    assert [d["id"] for d in cli.json("deal", "list")] == [soon, late]
    assert [d["id"] for d in cli.json("deal", "list", "--all")] == [old, lost, soon, late]
    assert [d["id"] for d in cli.json("deal", "list", "--won")] == [old]
    assert [d["id"] for d in cli.json("deal", "list", "--lost")] == [lost]
    assert [d["id"] for d in cli.json("deal", "list", "--stage", "won")] == [old]
    both = cli("deal", "list", "--all", "--won")
    assert both.code == 2
    assert (
        both.err.strip() == "Error: --open, --won, --lost and --all exclude each other (give one)"
    )


def test_deal_stale_takes_limit(cli):
    for i in range(3):
        cli.ok("deal", "add", f"Idle {i}", env={"SALESCLI_NOW": f"2026-10-0{i + 1}T09:00:00+00:00"})
    assert [d["title"] for d in cli.json("deal", "stale")] == ["Idle 0", "Idle 1", "Idle 2"]
    result = cli.ok("deal", "stale", "--limit", "2")
    assert [line.split("\t")[1] for line in result.out.splitlines()[1:]] == ["Idle 0", "Idle 1"]
    assert result.err.strip() == "(showing the first 2 deals: --limit 0 shows all)"
    assert len(cli.json("deal", "stale", "--limit", "1")) == 1


# --- accents -------------------------------------------------------------------------------


def test_search_and_lookups_ignore_accents(cli):
    cli.ok("rep", "add", "Jürgen Groß")
    lead = cli.ok("lead", "add", "Ana Araújo", "--company", "Işık Tekstil").out.strip()
    cli.ok("account", "add", "Işık Tekstil")
    cli.ok("contact", "add", "Jürgen Weiß", "--account", "Işık Tekstil")

    def leads(query: str) -> list[str]:
        return [r["id"] for r in cli.json("lead", "list", "--search", query)]

    assert leads("araujo") == [int(lead)]
    assert leads("ARAUJO") == [int(lead)]
    assert leads("ISIK") == [int(lead)] == leads("işık") == leads("isik")
    assert cli.json("rep", "show", "jurgen gross")["name"] == "Jürgen Groß"
    assert cli.json("rep", "show", "JURGEN GROSS")["name"] == "Jürgen Groß"
    assert [a["name"] for a in cli.json("account", "list", "--search", "isik")] == ["Işık Tekstil"]
    assert cli.json("account", "show", "ISIK TEKSTIL")["name"] == "Işık Tekstil"
    assert cli.json("contact", "show", "jurgen weiss")["name"] == "Jürgen Weiß"
    cli.ok("deal", "add", "Renewal", "--account", "isik tekstil", "--owner", "jurgen gross")
    deal = cli.json("deal", "list", "--search", "işık")[0]
    assert (deal["account"], deal["owner"]) == ("Işık Tekstil", "Jürgen Groß")
    # Cyrillic and Japanese letters are not "accented": й is not и, が is not か.
    cli.ok("lead", "add", "Йошкар Ола")
    cli.ok("lead", "add", "がっこう")
    assert leads("иошкар") == [] and len(leads("йошкар")) == 1
    assert leads("かっこう") == [] and len(leads("がっこう")) == 1


def test_names_that_differ_only_by_accents_collide(cli):
    cli.ok("rep", "add", "Jürgen Groß")
    rep = cli("rep", "add", "Jurgen Gross")
    assert rep.code == 1
    assert rep.err.strip() == (
        "Error: rep 'Jurgen Gross' already exists as 'Jürgen Groß' (id 1); "
        "names are unique ignoring case and accents"
    )
    cli.ok("account", "add", "Café Roma")
    assert cli("account", "add", "CAFE ROMA").code == 1
    # Contact names are not unique: a lookup that matches several lists them, never picks one.
    cli.ok("contact", "add", "Işık Demir")
    cli.ok("contact", "add", "Isik Demir")
    ambiguous = cli("contact", "show", "isik demir")
    assert ambiguous.code == 1
    assert ambiguous.err.strip() == (
        "Error: contact name 'isik demir' matches 2 contacts: 1 'Işık Demir', 2 'Isik Demir' "
        "(give the id, e.g. 1)"
    )
    assert cli.json("contact", "show", "2")["name"] == "Isik Demir"


def _at_0002(cli) -> None:
    """Take the test database back to revision 0002 (before accent-blind keys)."""
    from alembic import command
    from alembic.config import Config

    from salescli import connect

    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    config = Config()
    config.set_main_option("script_location", "salescli:migrations")
    config.set_main_option("sqlalchemy.url", url)
    command.downgrade(config, "0002")
    connect.forget(url)


def _seed_old_keys(cli) -> None:
    """Rows as salescli 0002 stored them: keys folded for case only."""
    now = "2026-11-01 09:00:00"
    cli.sql(
        "INSERT INTO rep (id, name, name_key, skills, active, created_at) VALUES "
        "(1, 'Jürgen Groß', 'jürgen gross', 'deutsch,größe', true, :t)", t=now,
    )  # fmt: skip
    cli.sql(
        "INSERT INTO account (id, name, name_key, search_text, created_at, updated_at) VALUES "
        "(1, 'Işık Tekstil', 'işik tekstil', 'işik tekstil', :t, :t)", t=now,
    )  # fmt: skip
    cli.sql(
        "INSERT INTO lead (id, name, email, email_key, status, score, search_text, forgotten, "
        "created_at, updated_at) VALUES (1, 'Ana Araújo', 'Ana@Exämple.com', 'ana@exämple.com', "
        "'new', 0, 'ana araújo | ana@exämple.com', false, :t, :t)", t=now,
    )  # fmt: skip
    cli.sql("INSERT INTO leadtag (lead_id, tag) VALUES (1, 'größe'), (1, 'grösse'), (1, 'vip')")
    cli.sql("INSERT INTO setting (key, value) VALUES ('scoring.tag.größe', '9')")


def test_migration_0003_refolds_every_stored_key(cli):
    cli.ok("db", "init")
    _at_0002(cli)
    _seed_old_keys(cli)
    assert cli.json("rep", "show", "jurgen gross")["name"] == "Jürgen Groß"  # migrates on open
    assert cli.sql("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert cli.sql("SELECT name_key, skills FROM rep") == [("jurgen gross", "deutsch,grosse")]
    assert cli.sql("SELECT name_key, search_text FROM account") == [
        ("isik tekstil", "isik tekstil")
    ]
    assert cli.sql("SELECT email_key, search_text FROM lead") == [
        ("ana@exämple.com", "ana araujo | ana@example.com")  # e-mail keys keep accents
    ]
    # two tags that now fold alike became one (with one of their spellings)
    assert cli.sql("SELECT tag, label FROM leadtag ORDER BY tag") == [
        ("grosse", "grösse"),
        ("vip", "vip"),
    ]
    assert cli.sql("SELECT key FROM setting WHERE key LIKE 'scoring.tag.%'") == [
        ("scoring.tag.grosse",)
    ]
    assert [r["id"] for r in cli.json("lead", "list", "--search", "araujo")] == [1]
    assert [r["id"] for r in cli.json("lead", "list", "--tag", "GROSSE")] == [1]


def test_migration_0003_refuses_names_that_would_collide(cli):
    cli.ok("db", "init")
    _at_0002(cli)
    _seed_old_keys(cli)
    cli.sql(
        "INSERT INTO rep (id, name, name_key, skills, active, created_at) VALUES "
        "(2, 'Jurgen Gross', 'jurgen gross', '', true, '2026-11-01 09:00:00')"
    )
    result = cli("lead", "list")
    assert result.code == 1
    assert result.err.strip().startswith(
        "Error: migration 0003 (accent-blind keys and tag spellings) failed: these names differ "
        "only by accents or case and would become one: rep 1 'Jürgen Groß' and rep 2 'Jurgen "
        "Gross'. Rename or remove one of each with the salescli that wrote the database (e.g. "
        "salescli rep edit 2 --name 'NEW NAME') or by changing that row's name in SQL, then run "
        "salescli again; the database is unchanged, still at revision 0002; "
    )
    assert len(result.err.strip().splitlines()) == 1
    assert cli.sql("SELECT version_num FROM alembic_version") == [("0002",)]
    assert cli.sql("SELECT id, name_key FROM rep ORDER BY id") == [
        (1, "jürgen gross"),
        (2, "jurgen gross"),
    ]
    assert cli.sql("SELECT count(*) FROM leadtag") == [(3,)]
    # renamed (as the message says), the next command migrates
    cli.sql("UPDATE rep SET name = 'Jurgen Gross (Bonn)' WHERE id = 2")
    from salescli import db_migrate

    db_migrate.forget_schema_check()
    assert [r["name"] for r in cli.json("rep", "list")] == ["Jürgen Groß", "Jurgen Gross (Bonn)"]
    assert cli.sql("SELECT version_num FROM alembic_version") == [(HEAD,)]


# --- tags and duplicates -------------------------------------------------------------------


def test_tags_keep_the_spelling_first_typed(cli):
    cli.ok("lead", "add", "Ana", "--tag", "Größe,VIP")
    cli.ok("lead", "add", "Bo", "--tag", "GROSSE")
    cli.ok("lead", "tag", "2", "vip")
    assert cli.json("lead", "show", "1")["tags"] == ["Größe", "VIP"]
    # the second lead's tags are the same tags: shown as first typed, found folded
    assert cli.json("lead", "show", "2")["tags"] == ["Größe", "VIP"]
    assert [r["id"] for r in cli.json("lead", "list", "--tag", "grosse")] == [2, 1]
    assert [r["id"] for r in cli.json("lead", "list", "--tag", "GRÖSSE")] == [2, 1]
    out = cli.ok("lead", "list", "--format", "csv").out
    assert out.splitlines()[1:] == ['2,Bo,,,new,,,0,"Größe,VIP",', '1,Ana,,,new,,,0,"Größe,VIP",']
    assert cli.json("lead", "untag", "1", "grösse")["tags"] == ["VIP"]


def test_imported_tags_keep_the_spelling_first_typed(cli, tmp_path):
    cli.ok("lead", "add", "Ana", "--tag", "Größe")
    path = tmp_path / "leads.csv"
    path.write_text('name,tags\nBo,"GROSSE,Key Account"\nCy,key account\n', encoding="utf-8")
    cli.ok("lead", "import", str(path))
    assert cli.sql(
        "SELECT l.name, t.tag, t.label FROM leadtag t JOIN lead l ON l.id = t.lead_id ORDER BY l.id, t.tag"
    ) == [
        ("Ana", "grosse", "Größe"),
        ("Bo", "grosse", "Größe"),
        ("Bo", "key account", "Key Account"),
        ("Cy", "key account", "Key Account"),
    ]


def test_contact_add_refuses_a_duplicate_email(cli):
    cli.ok("contact", "add", "Ana Souza", "--email", "ana@example.com")
    again = cli("contact", "add", "Ana S.", "--email", "ANA@example.com")
    assert again.code == 1
    assert again.err.strip() == (
        "Error: contact 1 already has email ana@example.com; use --allow-duplicate to add anyway"
    )
    assert cli.sql("SELECT count(*) FROM contact") == [(1,)]
    forced = cli.ok("contact", "add", "Ana S.", "--email", "ana@example.com", "--allow-duplicate")
    assert forced.out.strip() == "2"


# --- lead sources --------------------------------------------------------------------------


def _sources(cli) -> None:
    spellings = ["Google"] * 3 + ["google"] * 2 + ["GOOGLE"] + ["Référence", "reference"]
    spellings += ["web"] * 4 + [""]
    for i, source in enumerate(spellings):
        cli.ok("lead", "add", f"Lead {i}", *(["--source", source] if source else []))


def test_lead_sources_groups_spellings_that_differ_by_case_or_accents(cli):
    _sources(cli)
    assert cli.json("lead", "sources") == [
        {"source": "Google", "count": 6},
        {"source": "web", "count": 4},
        {"source": "Référence", "count": 2},  # a tie: the first spelling in code-point order
        {"source": None, "count": 1},
    ]


def test_lead_sources_chart_reads_like_the_table_on_a_terminal_only(cli, monkeypatch, tmp_path):
    from salescli import render

    _sources(cli)
    piped = cli.ok("lead", "sources", "--chart")
    assert piped.out == "source\tcount\nGoogle\t6\nweb\t4\nRéférence\t2\n\t1\n"
    assert piped.err.strip() == "(chart left out: stdout is not a terminal)"
    monkeypatch.setattr(render, "_stdout_is_terminal", lambda: True)
    out = tmp_path / "sources.csv"
    shown = cli.ok("lead", "sources", "--chart", "--format", "csv", "--output", str(out))
    assert out.read_text() == "source,count\nGoogle,6\nweb,4\nRéférence,2\n,1\n"  # no chart
    lines = shown.out.splitlines()
    bars = [line.split("┤")[0].strip() for line in lines if "┤" in line]
    assert bars == ["Google", "web", "Référence", "(none)"]  # the table's order
    ticks = [line for line in lines if line.strip()][-1].split()
    assert ticks == ["0", "2", "4", "6"]  # whole numbers only


# --- group-by ------------------------------------------------------------------------------


@pytest.fixture
def book(cli):
    """Deals across owners, stages, accounts, products, sources, months and two currencies."""
    cli.ok("rep", "add", "Ana")
    cli.ok("rep", "add", "Bob")
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-01-01")
    cli.ok("product", "add", "Seat", "--price", "100")
    cli.ok("product", "add", "Support", "--price", "50")

    def deal(title: str, *args: str, env: dict[str, str] | None = None) -> int:
        return int(cli.ok("deal", "add", title, *args, env=env).out)

    a = deal("A", "--amount", "1000", "--owner", "Ana", "--stage", "proposal",
             "--close", "2026-12-10", "--source", "Google", "--account", "Acme")  # fmt: skip
    deal("B", "--amount", "2000", "--currency", "EUR", "--owner", "Bob", "--close",
         "2027-01-05", "--source", "google", "--account", "Zeta")  # fmt: skip
    deal("C", "--owner", "Ana", "--close", "2026-12-20", "--account", "Acme")
    d = deal("D", "--amount", "500", "--owner", "Bob", "--source", "web", "--account", "Beta",
             env={"SALESCLI_NOW": "2026-11-02T08:00:00+00:00"})  # fmt: skip
    cli.ok("deal", "win", str(d), "--on", "2026-11-02")
    lines = deal("E", "--owner", "Ana", "--stage", "negotiation", "--close", "2026-12-01")
    cli.ok("deal", "line", "add", str(lines), "Seat", "--qty", "3")
    cli.ok("deal", "line", "add", str(lines), "Support")
    assert a == 1
    return cli


def test_group_by_owner_and_stage(book):
    cli = book
    result = cli.json("deal", "list", "--group-by", "owner,stage")
    assert result == {
        "group_by": ["owner", "stage"],
        "currency": "USD",
        "groups": [
            {"owner": "Ana", "owner_id": 1, "stage": "prospecting", "count": 1, "amount": 0,
             "weighted": 0, "unknown_amount": 1, "currency": "USD"},
            {"owner": "Ana", "owner_id": 1, "stage": "proposal", "count": 1, "amount": 1000,
             "weighted": 500, "unknown_amount": 0, "currency": "USD"},
            {"owner": "Ana", "owner_id": 1, "stage": "negotiation", "count": 1, "amount": 350,
             "weighted": 262.5, "unknown_amount": 0, "currency": "USD"},
            {"owner": "Bob", "owner_id": 2, "stage": "prospecting", "count": 1, "amount": 2200,
             "weighted": 220, "unknown_amount": 0, "currency": "USD"},
        ],
        "total": {"count": 4, "amount": 3550, "weighted": 982.5, "unknown_amount": 1,
                  "currency": "USD"},
    }  # fmt: skip
    # the totals are deal list --sum's, to the cent
    summed = cli.ok("deal", "list", "--sum").err.strip()
    assert summed == (
        "4 deals: amount 3,550.00 USD, weighted (open) 982.50 USD; 1 without an amount (not summed)"
    )
    table = cli.ok("deal", "list", "--group-by", "stage", "--all").out.splitlines()
    assert table == [
        "stage\tdeals\tamount\tweighted\tno amount\tcur",
        "prospecting\t2\t2,200.00\t220.00\t1\tUSD",
        "proposal\t1\t1,000.00\t500.00\t0\tUSD",
        "negotiation\t1\t350.00\t262.50\t0\tUSD",
        "won\t1\t500.00\t0.00\t0\tUSD",
        "total\t5\t4,050.00\t982.50\t1\tUSD",
    ]
    assert cli.ok("deal", "list", "--group-by", "owner", "--format", "csv").out == (
        "owner,count,amount,weighted,unknown_amount,currency\n"
        "Ana,3,1350,762.5,1,USD\nBob,1,2200,220,0,USD\n"
    )


def test_group_by_every_dimension_with_filters(book):
    cli = book

    def groups(*args: str) -> list[tuple]:
        result = cli.json("deal", "list", *args)
        return [tuple(v for k, v in g.items() if k not in ("currency", "unknown_amount"))
                for g in result["groups"]]  # fmt: skip

    assert groups("--group-by", "account") == [
        ("Acme", 1, 2, 1000, 500),
        ("Zeta", 2, 1, 2200, 220),
        (None, None, 1, 350, 262.5),
    ]
    assert groups("--group-by", "product") == [
        ("Seat", 1, 1, 300, 225),
        ("Support", 2, 1, 50, 37.5),
        (None, None, 3, 3200, 720),
    ]
    assert groups("--group-by", "source", "--all") == [
        ("Google", 2, 3200, 720),  # Google and google: one source
        ("web", 1, 500, 0),
        (None, 2, 350, 262.5),
    ]
    assert groups("--group-by", "close-month", "--all") == [
        ("2026-11", 1, 500, 0),
        ("2026-12", 3, 1350, 762.5),
        ("2027-01", 1, 2200, 220),
    ]
    assert groups("--group-by", "stage", "--owner", "Ana", "--closing", "2026-12") == [
        ("prospecting", 1, 0, 0),
        ("proposal", 1, 1000, 500),
        ("negotiation", 1, 350, 262.5),
    ]
    bad = cli("deal", "list", "--group-by", "colour")
    assert bad.code == 2
    assert bad.err.strip() == (
        "Error: --group-by 'colour' is not one of: stage, owner, account, product, source, "
        "close-month, lost-reason, lost-at (e.g. --group-by owner,stage)"
    )
    assert cli("deal", "list", "--group-by", "owner,stage,account").code == 2
    cli.ok("deal", "add", "Yen", "--amount", "100", "--currency", "JPY")
    missing = cli("deal", "list", "--group-by", "owner")
    assert missing.code == 1 and "no JPY rate" in missing.err


def test_account_list_sorts_by_won_revenue_or_pipeline(book):
    cli = book

    def order(sort: str) -> list[tuple]:
        return [(r["name"], r["won_revenue"], r["pipeline"])
                for r in cli.json("account", "list", "--sort", sort)]  # fmt: skip

    assert order("pipeline") == [("Zeta", 0, 2200), ("Acme", 0, 1000), ("Beta", 500, 0)]
    assert order("won") == [("Beta", 500, 0), ("Acme", 0, 1000), ("Zeta", 0, 2200)]
    assert [
        r["name"] for r in cli.json("account", "list", "--sort", "pipeline", "--limit", "1")
    ] == ["Zeta"]
    assert "won_revenue" not in cli.json("account", "list")[0]
