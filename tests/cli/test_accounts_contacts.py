"""Accounts and contacts: uniqueness, search in any script, edits, refusals, deal counts."""

from __future__ import annotations


def _id(cli, *args: str) -> int:
    return int(cli.ok(*args).out.strip())


def test_account_add_unique_ignoring_case(cli):
    cli.ok("rep", "add", "Ana Souza")
    first = _id(
        cli, "account", "add", "Jürgen Groß GmbH", "--industry", "Retail", "--owner", "ana souza"
    )
    clash = cli("account", "add", "JÜRGEN GROSS  gmbh")
    assert clash.code == 1
    # The one wording of the unique-name rule: add, edit and import say the same.
    assert clash.err == f"Error: duplicate of account {first} ('Jürgen Groß GmbH')\n"
    assert clash.out == ""
    assert cli.sql("SELECT count(*) FROM account") == [(1,)]
    record = cli.json("account", "add", "Çağrı Yılmaz Ltd", "--country", "Türkiye")
    assert record["name"] == "Çağrı Yılmaz Ltd" and record["country"] == "Türkiye"
    assert record["owner"] is None and record["customer"] is False
    shown = cli.json("account", "show", "jürgen gross gmbh")
    assert (shown["id"], shown["industry"], shown["owner"]) == (first, "Retail", "Ana Souza")
    assert shown["owner_id"] == cli.sql("SELECT id FROM rep WHERE name = 'Ana Souza'")[0][0]
    assert cli("account", "show", "Nobody Inc").code == 3
    assert cli("account", "add", "   ").code == 1


def test_account_owner_defaults_to_me(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    account = cli.json("account", "add", "Acme")
    assert account["owner"] == "Ana Souza"
    missing = cli("account", "add", "Beta", "--owner", "Nobody")
    assert missing.code == 3 and "rep 'Nobody' not found" in missing.err
    assert cli.sql("SELECT name FROM account") == [("Acme",)]


def test_account_list_search_sort_limit(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang")
    names = ["Иван Петров ООО", "Beta Corp", "alpha GmbH", "王芳 Trading"]
    owners = ["Ana Souza", "Wang Fang", "Ana Souza", "Wang Fang"]
    for index, (name, owner) in enumerate(zip(names, owners, strict=True)):
        cli.ok(
            "account", "add", name, "--owner", owner,
            env={"SALESCLI_NOW": f"2026-11-0{index + 1}T10:00:00+00:00"},
        )  # fmt: skip
    rows = cli.json("account", "list")
    assert [r["name"] for r in rows] == [
        "alpha GmbH",
        "Beta Corp",
        "Иван Петров ООО",
        "王芳 Trading",
    ]
    newest = cli.json("account", "list", "--sort", "created", "--limit", "2")
    assert [r["name"] for r in newest] == ["王芳 Trading", "alpha GmbH"]
    assert newest[0]["created_at"] == "2026-11-04T10:00:00+00:00"
    assert [r["name"] for r in cli.json("account", "list", "--search", "иван")] == [
        "Иван Петров ООО"
    ]
    assert [r["name"] for r in cli.json("account", "list", "--search", "王芳")] == ["王芳 Trading"]
    assert [r["name"] for r in cli.json("account", "list", "--owner", "wang fang")] == [
        "Beta Corp",
        "王芳 Trading",
    ]
    assert cli.json("account", "list", "--search", "50%_") == []
    assert cli("account", "list", "--sort", "size").code == 2
    assert cli("account", "list", "--owner", "Nobody").code == 3


def test_account_edit(cli):
    cli.ok("rep", "add", "Ana Souza")
    acme = _id(cli, "account", "add", "Acme", "--website", "acme.example", "--owner", "Ana Souza")
    child = _id(cli, "account", "add", "Acme Iberia", "--parent", "acme")
    grandchild = _id(cli, "account", "add", "Acme Porto", "--parent", str(child))
    person = _id(cli, "contact", "add", "Wang Fang", "--account", "Acme")
    deal = _id(cli, "deal", "add", "Pilot", "--account", "Acme", "--amount", "100")
    cli.ok("account", "edit", "acme", "--name", "ACME Holding", "--website", "", "--owner", "none")
    assert cli.sql(
        "SELECT name, name_key, website, owner_id FROM account WHERE id = :i", i=acme
    ) == [("ACME Holding", "acme holding", None, None)]
    cycle = cli("account", "edit", str(acme), "--parent", str(grandchild))
    assert cycle.code == 1 and cycle.err == (
        "Error: parent 'Acme Porto' makes a cycle: "
        "ACME Holding → Acme Porto → Acme Iberia → ACME Holding\n"
    )
    assert cli.sql("SELECT parent_id FROM account WHERE id = :i", i=acme) == [(None,)]
    taken = cli("account", "edit", str(child), "--name", "acme holding")
    assert taken.code == 1 and taken.err == f"Error: duplicate of account {acme} ('ACME Holding')\n"
    shown = cli.json("account", "show", str(grandchild))
    assert (shown["parent"], shown["parent_id"]) == ("Acme Iberia", child)
    assert cli.json("account", "list", "--search", "holding")[0]["id"] == acme
    # Contacts and deals are found by their account's new name.
    assert [r["id"] for r in cli.json("contact", "list", "--search", "holding")] == [person]
    assert [r["id"] for r in cli.json("deal", "list", "--search", "holding")] == [deal]


def test_account_delete_refusals(cli):
    acme = _id(cli, "account", "add", "Acme")
    _id(cli, "contact", "add", "Ana Souza", "--account", "Acme")
    _id(cli, "contact", "add", "Wang Fang", "--account", "Acme")
    refused = cli("account", "delete", "Acme", "--yes")
    assert refused.code == 1
    assert f"account {acme} 'Acme' has 0 deals and 2 contacts" in refused.err
    empty = _id(cli, "account", "add", "Empty Ltd")
    cli.ok("log", "note", "--account", str(empty), "Met at a fair")
    no_yes = cli("account", "delete", str(empty))
    assert no_yes.code == 4 and "--yes" in no_yes.err
    assert cli.sql("SELECT count(*) FROM account") == [(2,)]
    cli.ok("account", "delete", str(empty), "--yes")
    assert cli.sql("SELECT id FROM account") == [(acme,)]
    assert cli.sql("SELECT count(*) FROM activity") == [(0,)]
    assert cli("account", "delete", str(empty), "--yes").code == 3


def test_contact_unicode_search_both_backends(cli):
    acme = _id(cli, "account", "add", "Acme")
    ids = {
        name: _id(cli, "contact", "add", name, "--account", "Acme")
        for name in ("Иван Петров", "JÜRGEN GROß", "Çağrı Yılmaz", "Ana Souza")
    }
    for query, name in (
        ("иван", "Иван Петров"),
        ("ИВАН петров", "Иван Петров"),
        ("jürgen", "JÜRGEN GROß"),
        ("gross", "JÜRGEN GROß"),
        ("çağrı", "Çağrı Yılmaz"),
    ):
        rows = cli.json("contact", "list", "--search", query)
        assert [(r["id"], r["name"]) for r in rows] == [(ids[name], name)], query
    by_account = cli.json("contact", "list", "--account", str(acme), "--search", "acme")
    assert len(by_account) == 4 and {r["account_id"] for r in by_account} == {acme}
    assert cli.json("contact", "list", "--search", "ana", "--limit", "1")[0]["name"] == "Ana Souza"


def test_contact_add_validation(cli):
    bad = cli("contact", "add", "Ana Souza", "--email", "ana@")
    assert bad.code == 1 and "email 'ana@' is not an email address" in bad.err
    missing = cli("contact", "add", "Ana Souza", "--account", "Nowhere")
    assert missing.code == 3 and "account 'Nowhere' not found" in missing.err
    assert cli.sql("SELECT count(*) FROM contact") == [(0,)]
    record = cli.json(
        "contact", "add", "Ana Souza", "--email", "Ana.Souza@Example.COM", "--title", "CTO"
    )
    assert (record["email"], record["title"], record["account"]) == (
        "Ana.Souza@example.com",
        "CTO",
        None,
    )
    assert cli.sql("SELECT email_key FROM contact") == [("ana.souza@example.com",)]


def test_contact_names_ambiguous_and_edit(cli):
    cli.ok("rep", "add", "Wang Fang")
    acme = _id(cli, "account", "add", "Acme")
    one = _id(cli, "contact", "add", "Ana Souza", "--account", "Acme")
    two = _id(cli, "contact", "add", "ANA SOUZA")
    ambiguous = cli("contact", "show", "ana souza")
    assert ambiguous.code == 1 and f"{one} 'Ana Souza', {two} 'ANA SOUZA'" in ambiguous.err
    assert cli("contact", "show", "Ana").code == 3
    cli.ok("contact", "edit", str(two), "--name", "Ana Lima", "--phone", "+55 11 5555", "--account", "acme", "--owner", "Wang Fang")  # fmt: skip
    assert cli.sql("SELECT name, phone, account_id FROM contact WHERE id = :i", i=two) == [
        ("Ana Lima", "+55 11 5555", acme)
    ]
    shown = cli.json("contact", "show", "ana lima")
    assert (shown["id"], shown["owner"], shown["account"]) == (two, "Wang Fang", "Acme")
    assert cli.json("contact", "list", "--search", "+55 11")[0]["id"] == two
    cli.ok("contact", "edit", str(two), "--account", "none", "--phone", "")
    assert cli.sql("SELECT phone, account_id FROM contact WHERE id = :i", i=two) == [(None, None)]
    assert cli("contact", "edit", str(two), "--email", "nope").code == 1


def test_contact_delete(cli):
    contact = _id(cli, "contact", "add", "Ana Souza")
    cli.ok("log", "call", "--contact", str(contact), "Intro call")
    refused = cli("contact", "delete", str(contact))
    assert refused.code == 4 and "with 1 activity, 0 tasks" in refused.err
    cli.ok("contact", "delete", "ana souza", "--yes")
    assert cli.sql("SELECT count(*) FROM contact") == [(0,)]
    assert cli.sql("SELECT count(*) FROM activity") == [(0,)]


def _insert_task(cli, **values) -> None:
    """A task row written directly (task commands belong to another group): the timeline reads it."""
    import datetime as dt

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    sqlite = "://" not in cli.url
    for key, value in values.items():
        if isinstance(value, str) and "T" in value:
            instant = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
            values[key] = instant.replace(tzinfo=None) if sqlite else instant
    eng = create_engine(f"sqlite:///{cli.url}" if sqlite else cli.url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO task (title, due_at, priority, deal_id, created_at, done_at) "
                    "VALUES (:title, :due_at, 'normal', :deal_id, :created_at, :done_at)"
                ),
                values,
            )
    finally:
        eng.dispose()


def test_account_show_history_in_time_order(cli):
    def at(when: str, *args: str) -> str:
        return cli.ok(*args, env={"SALESCLI_NOW": when}).out.strip()

    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    lead = at("2026-11-02T09:00:00+00:00", "lead", "add", "Jürgen Groß", "--company", "Acme GmbH", "--source", "event")  # fmt: skip
    at("2026-11-03T10:00:00+00:00", "log", "call", "--lead", lead, "--outcome", "reached", "First call")  # fmt: skip
    converted = cli.ok("lead", "convert", lead, "--amount", "24000", "--stage", "qualification", "--format", "json", env={"SALESCLI_NOW": "2026-11-05T08:00:00+00:00"}).json()  # fmt: skip
    deal, contact, acme = converted["deal_id"], converted["contact_id"], converted["account_id"]
    at("2026-11-06T12:00:00+00:00", "log", "email", "--contact", str(contact), "Sent deck")
    at("2026-11-09T09:00:00+00:00", "deal", "move", str(deal), "proposal")
    at("2026-11-09T09:00:00+00:00", "log", "note", "--deal", str(deal), "Wants 3 years")
    at("2026-11-10T15:00:00+00:00", "log", "meeting", "--account", "acme gmbh", "--at", "2026-11-10T14:00:00+00:00", "On-site demo")  # fmt: skip
    _insert_task(cli, title="Chase the proposal", deal_id=deal, created_at="2026-11-11T08:00:00+00:00", due_at="2026-11-13T09:00:00+00:00", done_at="2026-11-12T16:00:00+00:00")  # fmt: skip
    second = at("2026-11-12T09:00:00+00:00", "deal", "add", "Acme – support", "--account", "Acme GmbH", "--amount", "5000")  # fmt: skip
    at("2026-11-16T09:00:00+00:00", "deal", "lose", second, "--reason", "price")
    # The deal grows before it is won: each event shows the amount it had then.
    at("2026-11-18T09:00:00+00:00", "deal", "edit", str(deal), "--amount", "30000")
    at("2026-11-20T09:00:00+00:00", "deal", "win", str(deal))
    # Someone else's history stays out.
    other = at("2026-11-04T09:00:00+00:00", "account", "add", "Beta")
    at("2026-11-04T09:30:00+00:00", "log", "call", "--account", other, "Not Acme")

    shown = cli.json("account", "show", str(acme))
    assert [(i["at"], i["kind"], i["ref"]) for i in shown["timeline"]] == [
        ("2026-11-02T09:00:00+00:00", "lead created", f"lead {lead}"),
        ("2026-11-03T10:00:00+00:00", "call", f"lead {lead}"),
        ("2026-11-05T08:00:00+00:00", "lead converted", f"lead {lead}"),
        ("2026-11-05T08:00:00+00:00", "deal created", f"deal {deal}"),
        ("2026-11-06T12:00:00+00:00", "email", f"contact {contact}"),
        ("2026-11-09T09:00:00+00:00", "stage change", f"deal {deal}"),
        ("2026-11-09T09:00:00+00:00", "note", f"deal {deal}"),
        ("2026-11-10T14:00:00+00:00", "meeting", f"account {acme}"),
        ("2026-11-11T08:00:00+00:00", "task created", "task 1"),
        ("2026-11-12T09:00:00+00:00", "deal created", f"deal {second}"),
        ("2026-11-12T16:00:00+00:00", "task done", "task 1"),
        ("2026-11-13T09:00:00+00:00", "task due", "task 1"),
        ("2026-11-16T09:00:00+00:00", "deal lost", f"deal {second}"),
        ("2026-11-20T09:00:00+00:00", "deal won", f"deal {deal}"),
    ]
    whats = [i["what"] for i in shown["timeline"]]
    assert whats[0] == "Jürgen Groß from event"
    assert whats[1] == "First call [reached] by Ana Souza"
    assert whats[3] == "Acme GmbH – Jürgen Groß (24,000.00 USD, qualification)"
    assert whats[5] == "Acme GmbH – Jürgen Groß: qualification → proposal"
    assert whats[12] == "Acme – support: prospecting → lost (5,000.00 USD, reason: price)"
    assert whats[13] == "Acme GmbH – Jürgen Groß: proposal → won (30,000.00 USD)"
    assert [c["id"] for c in shown["contacts"]] == [contact]
    assert [(d["id"], d["stage"], d["amount"]) for d in shown["deals"]] == [
        (deal, "won", 30000),
        (int(second), "lost", 5000),
    ]
    assert (shown["open_deals"], shown["won_deals"], shown["won_amount"]) == (0, 1, 30000)
    assert shown["customer"] is True
    assert shown["last_contact_at"] == "2026-11-10T14:00:00+00:00"
    plain = cli.ok("account", "show", "Acme GmbH").out
    assert "\ntimeline:\nat\tkind\twhat\tref\n2026-11-02 09:00\tlead created\t" in plain
    # The deal counts agree with an independent count.
    assert cli.sql(
        "SELECT s.kind, count(*), sum(d.amount_minor) FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE d.account_id = :a GROUP BY s.kind ORDER BY s.kind", a=acme
    ) == [("lost", 1, 500000), ("won", 1, 3000000)]  # fmt: skip


def test_account_list_counts_and_customers(cli):
    acme = int(cli.ok("account", "add", "Acme").out)
    beta = int(cli.ok("account", "add", "Beta").out)
    gamma = int(cli.ok("account", "add", "Gamma").out)
    won = [cli.ok("deal", "add", f"A{i}", "--account", "Acme", "--amount", amount).out.strip() for i, amount in enumerate(["1000.10", "2500", "700"])]  # fmt: skip
    for deal in won[:2]:
        cli.ok("deal", "win", deal)
    cli.ok("deal", "add", "B eur", "--account", "Beta", "--amount", "900", "--currency", "EUR")
    beta_won = cli.ok("deal", "add", "B usd", "--account", "Beta", "--amount", "100").out.strip()
    cli.ok("deal", "win", beta_won)
    beta_eur = cli.ok("deal", "add", "B eur2", "--account", "Beta", "--amount", "50", "--currency", "EUR").out.strip()  # fmt: skip
    cli.ok("deal", "win", beta_eur)
    rows = {r["id"]: r for r in cli.json("account", "list")}
    pick = ("open_deals", "won_deals", "won_amount", "currency", "customer")
    assert tuple(rows[acme][k] for k in pick) == (1, 2, 3500.1, "USD", True)
    # A won deal in another currency: the amount is not mixed in silently.
    assert tuple(rows[beta][k] for k in pick) == (1, 2, None, "USD", True)
    assert tuple(rows[gamma][k] for k in pick) == (0, 0, 0, "USD", False)
    assert [r["id"] for r in cli.json("account", "list", "--customer")] == [acme, beta]
    assert cli.sql(
        "SELECT sum(d.amount_minor) FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE s.kind = 'won' AND d.account_id = :a", a=acme
    ) == [(350010,)]  # fmt: skip
    refused = cli("account", "delete", "Acme", "--yes")
    assert refused.code == 1 and "has 3 deals and 0 contacts" in refused.err


def test_account_won_amount_converted_as_deal_list_sums(cli):
    """A USD and a EUR won deal: the won amount is their sum in the reporting currency at the
    rate `deal list --sum` uses (without a rate it stays null, never mixed silently)."""
    beta = int(cli.ok("account", "add", "Beta").out)
    usd = cli.ok("deal", "add", "B usd", "--account", "Beta", "--amount", "100.10").out.strip()
    eur = cli.ok("deal", "add", "B eur", "--account", "Beta", "--amount", "50", "--currency", "EUR").out.strip()  # fmt: skip
    cli.ok("deal", "add", "B open", "--account", "Beta", "--amount", "70", "--currency", "EUR")
    cli.ok("deal", "win", usd)
    cli.ok("deal", "win", eur)
    assert cli.json("account", "show", "Beta")["won_amount"] is None
    cli.ok("currency", "rate", "set", "EUR", "1.10", "--on", "2026-11-01")
    cli.ok("currency", "rate", "set", "EUR", "2.00", "--on", "2026-12-01")  # not yet in force
    listed = cli.json("account", "list")
    assert [(r["id"], r["won_deals"], r["won_amount"], r["currency"]) for r in listed] == [
        (beta, 2, 155.1, "USD")
    ]
    assert cli.json("account", "show", "Beta")["won_amount"] == 155.1
    summed = cli.ok("deal", "list", "--won", "--account", "Beta", "--sum").err
    assert summed.splitlines()[-1] == "2 deals: amount 155.10 USD, weighted (open) 0.00 USD"
    by_money = cli.json("account", "list", "--sort", "won")[0]
    assert (by_money["won_amount"], by_money["won_revenue"], by_money["pipeline"]) == (
        155.1,
        155.1,
        77,
    )
    assert cli.sql(
        "SELECT d.currency, sum(d.amount_minor) FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE s.kind = 'won' GROUP BY d.currency ORDER BY d.currency"
    ) == [("EUR", 5000), ("USD", 10010)]


def _team(cli) -> dict[str, int]:
    """Maria manages Ana, Ana manages Bo; Cy is in team 'Nordics' alone."""
    cli.ok("rep", "add", "Maria Boss")
    cli.ok("rep", "add", "Ana Souza", "--manager", "Maria Boss")
    cli.ok("rep", "add", "Bo Lind", "--manager", "Ana Souza")
    cli.ok("rep", "add", "Cy Ng", "--team", "Nordics")
    return {name: rid for rid, name in cli.sql("SELECT id, name FROM rep")}


def test_owner_and_team_mean_the_same_in_account_contact_activity_lists(cli):
    reps = _team(cli)
    for name, owner in (("Acme", "Ana Souza"), ("Beta", "Bo Lind"), ("Gamma", "Cy Ng"), ("Delta", "none")):  # fmt: skip
        cli.ok("account", "add", name, "--owner", owner)
        contact = cli.ok("contact", "add", f"{name} Person", "--account", name, "--owner", owner)
        rep = [] if owner == "none" else ["--rep", owner]
        cli.ok("log", "call", "--contact", contact.out.strip(), *rep, f"Called {name}")

    def names(*args: str) -> dict[str, list[str]]:
        return {
            "account": [r["name"] for r in cli.json("account", "list", *args)],
            "contact": [r["account"] for r in cli.json("contact", "list", *args)],
            "activity": [
                r["text"].removeprefix("Called ")
                for r in cli.json(
                    "activity", "list", *[a.replace("--owner", "--rep") for a in args]
                )
            ],
        }

    def each(expected: list[str]) -> dict[str, list[str]]:
        return {
            "account": expected,
            "contact": expected,
            "activity": sorted(expected, reverse=True),
        }

    assert names("--owner", "none") == each(["Delta"])
    assert names("--owner", "ana souza") == each(["Acme"])
    assert names("--owner", str(reps["Bo Lind"])) == each(["Beta"])
    assert names("--team", "Maria Boss") == each(["Acme", "Beta"])
    assert names("--team", "nordics") == each(["Gamma"])
    cli.ok("config", "set", "me", "Ana Souza")
    assert names("--owner", "me") == each(["Acme"])
    assert names("--team", "me") == each(["Acme", "Beta"])
    assert names("--owner", "me", "--team", "Nordics") == each([])
    exported = [r["name"] for r in cli.json("account", "export", "--owner", "me")]
    assert exported == ["Acme"]
    assert [r["name"] for r in cli.json("account", "export", "--team", "me")] == ["Acme", "Beta"]
    assert [r["name"] for r in cli.json("account", "export", "--owner", "none")] == ["Delta"]
    for group, option in (("account", "--owner"), ("contact", "--owner"), ("activity", "--rep")):
        missing = cli(group, "list", option, "Nobody")
        assert missing.code == 3 and missing.err == "Error: rep 'Nobody' not found (see: salescli rep list)\n"  # fmt: skip
        assert cli(group, "list", "--team", "Nobody").code == 3


def test_every_write_ends_with_one_output_after_the_commit(cli):
    """Table format: a new id on stdout, or one line on stderr; json/csv: the record in the
    shape `show`/`list` use."""
    cli.ok("rep", "add", "Ana Souza")
    added = cli.ok("account", "add", "Acme", "--format", "csv")
    header, row = added.out.splitlines()
    assert header.split(",")[:3] == ["id", "name", "industry"] and row.startswith("1,Acme,")
    assert added.err == ""
    edited = cli.ok("account", "edit", "Acme", "--industry", "Retail")
    assert (edited.out, edited.err) == ("", "account 1 updated\n")
    as_json = cli.json("account", "edit", "Acme", "--owner", "Ana Souza")
    shown = cli.json("account", "show", "Acme")
    assert as_json == {k: shown[k] for k in as_json} and as_json["owner"] == "Ana Souza"
    assert list(as_json) == list(cli.json("account", "list")[0])
    contact = cli.json("contact", "add", "Wang Fang", "--account", "Acme")
    assert contact == cli.json("contact", "list")[0]
    assert cli.json("contact", "edit", "Wang Fang", "--title", "CTO")["title"] == "CTO"
    logged = cli.json("log", "call", "--contact", "Wang Fang", "Intro")
    assert logged == cli.json("activity", "list")[0]
    csv_log = cli.ok("log", "note", "--account", "Acme", "x", "--format", "csv").out
    assert csv_log.splitlines()[0] == "id,kind,at,rep,rep_id,record,lead_id,deal_id,contact_id,account_id,outcome,text"  # fmt: skip
    gone = cli.ok("contact", "delete", "Wang Fang", "--yes", "--format", "json").json()
    assert (gone["id"], gone["name"], gone["title"]) == (contact["id"], "Wang Fang", "CTO")
    quiet = cli.ok("account", "delete", "Acme", "--yes")
    assert (quiet.out, quiet.err) == ("", "account 1 'Acme' deleted\n")
    assert cli.sql("SELECT count(*) FROM account") == [(0,)]


def test_account_list_by_money_converts_ties_and_cuts_in_sql(cli):
    """`--sort won|pipeline` sorts in SQL by the amounts in the reporting currency (other
    currencies at the rate in force), ties in name order, and cuts at --limit; the figures
    shown are the exact conversions of `deal list --sum`; a missing rate is an error."""
    for name in ("Gamma", "Alpha", "Epsilon", "Beta", "Delta"):
        cli.ok("account", "add", name)
    cli.ok("currency", "rate", "set", "EUR", "1.00", "--on", "2026-10-01")
    cli.ok("currency", "rate", "set", "EUR", "1.1005", "--on", "2026-11-01")  # in force now
    cli.ok("currency", "rate", "set", "EUR", "3.00", "--on", "2026-12-01")  # not yet

    def deal(account: str, amount: str, currency: str = "USD", won: bool = False) -> None:
        added = cli.ok("deal", "add", account, "--account", account, "--amount", amount,
                       "--currency", currency).out.strip()  # fmt: skip
        if won:
            cli.ok("deal", "win", added)

    deal("Alpha", "100", won=True)
    deal("Beta", "95", "EUR", won=True)  # 104.5475 USD: 104.55
    deal("Gamma", "104.55", won=True)  # the same to the cent: name order
    deal("Gamma", "0.01")  # pipeline 0.01
    deal("Epsilon", "50", "EUR")  # 55.025
    deal("Epsilon", "10.01", "EUR")  # 11.016005: 66.041005, rounded once: 66.04

    def order(*args: str) -> list[tuple]:
        return [(r["name"], r["won_revenue"], r["pipeline"], r["won_amount"])
                for r in cli.json("account", "list", *args)]  # fmt: skip

    assert order("--sort", "won") == [
        ("Beta", 104.55, 0, 104.55),
        ("Gamma", 104.55, 0.01, 104.55),
        ("Alpha", 100, 0, 100),
        ("Delta", 0, 0, 0),
        ("Epsilon", 0, 66.04, 0),
    ]
    assert order("--sort", "pipeline") == [
        ("Epsilon", 0, 66.04, 0),
        ("Gamma", 104.55, 0.01, 104.55),
        ("Alpha", 100, 0, 100),
        ("Beta", 104.55, 0, 104.55),
        ("Delta", 0, 0, 0),
    ]
    assert [r[0] for r in order("--sort", "won", "--limit", "2")] == ["Beta", "Gamma"]
    assert [r[0] for r in order("--sort", "won", "--customer")] == ["Beta", "Gamma", "Alpha"]
    assert [r[0] for r in order("--sort", "pipeline", "--search", "a", "--limit", "3")] == [
        "Gamma", "Alpha", "Beta",
    ]  # fmt: skip
    summed = cli.ok("deal", "list", "--account", "Epsilon", "--sum").err.splitlines()[-1]
    assert summed.startswith("2 deals: amount 66.04 USD")
    deal("Delta", "1000", "JPY")
    missing = cli("account", "list", "--sort", "pipeline")
    assert missing.code == 1 and missing.out == ""
    assert missing.err.startswith("Error: no JPY rate")
