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
    assert f"already exists (id {first}" in clash.err
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
    cli.ok("account", "edit", "acme", "--name", "ACME Holding", "--website", "", "--owner", "none")
    assert cli.sql(
        "SELECT name, name_key, website, owner_id FROM account WHERE id = :i", i=acme
    ) == [("ACME Holding", "acme holding", None, None)]
    cycle = cli("account", "edit", str(acme), "--parent", str(grandchild))
    assert cycle.code == 1 and "its own parent" in cycle.err
    assert cli.sql("SELECT parent_id FROM account WHERE id = :i", i=acme) == [(None,)]
    taken = cli("account", "edit", str(child), "--name", "acme holding")
    assert taken.code == 1 and f"(id {acme})" in taken.err
    shown = cli.json("account", "show", str(grandchild))
    assert (shown["parent"], shown["parent_id"]) == ("Acme Iberia", child)
    assert cli.json("account", "list", "--search", "holding")[0]["id"] == acme


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
    assert ambiguous.code == 1 and f"ids {one}, {two}" in ambiguous.err
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
