"""JSON shapes and filters of the deal/customer commands that the review pass pinned down:
ids beside names, export --owner filters, one activity's record, one product's usage."""

from __future__ import annotations


def _id(cli, *args: str) -> int:
    return int(cli.ok(*args).out)


def test_stage_list_carries_the_stage_id(cli):
    rows = cli.json("deal", "stages")
    stored = dict(cli.sql("SELECT name, id FROM stage"))
    assert {r["name"]: r["id"] for r in rows} == stored
    assert list(rows[0]) == [
        "id", "name", "position", "probability", "forecast_category", "stale_days", "kind",
        "open_deals",
    ]  # fmt: skip


def test_deal_show_activities_name_the_rep_with_its_id(cli):
    ana = _id(cli, "rep", "add", "Ana Souza")
    deal = _id(cli, "deal", "add", "Pilot")
    cli.ok("log", "call", "--deal", str(deal), "--rep", "Ana Souza", "Reached the CTO")
    cli.ok("log", "note", "--deal", str(deal), "No rep")
    shown = cli.json("deal", "show", str(deal))
    assert [(a["rep"], a["rep_id"], a["text"]) for a in shown["activities"]] == [
        ("Ana Souza", ana, "Reached the CTO"),
        (None, None, "No rep"),
    ]


def test_log_prints_the_activity_it_recorded(cli):
    cli.ok("account", "add", "Acme GmbH")
    contact = _id(cli, "contact", "add", "Jürgen Groß", "--account", "Acme GmbH")
    cli.ok("log", "call", "--contact", str(contact), "First")
    first = cli.json("log", "meeting", "--account", "Acme GmbH", "On site")
    second = cli.json("log", "email", "--account", "Acme GmbH", "--outcome", "sent", "Offer")
    assert second["id"] == first["id"] + 1
    assert {k: second[k] for k in ("kind", "record", "account_id", "outcome", "text")} == {
        "kind": "email", "record": "account 1", "account_id": 1, "outcome": "sent",
        "text": "Offer",
    }  # fmt: skip
    assert first["text"] == "On site" and first["kind"] == "meeting"


def test_exports_filter_by_owner_name_id_or_none(cli):
    cli.ok("rep", "add", "Ana")
    cli.ok("rep", "add", "Bob")
    cli.ok("account", "add", "A1", "--owner", "Ana")
    cli.ok("account", "add", "B1", "--owner", "Bob")
    cli.ok("account", "add", "Nobody")
    cli.ok("deal", "add", "DA", "--owner", "Ana")
    cli.ok("deal", "add", "DB", "--owner", "Bob")

    def names(*args: str) -> list[str]:
        rows = cli.json(*args)
        return [r.get("name") or r.get("title") for r in rows]

    assert names("account", "export", "--owner", "ana") == ["A1"]
    assert names("account", "export", "--owner", "2") == ["B1"]
    assert names("account", "export", "--owner", "None") == ["Nobody"]
    assert names("deal", "export", "--owner", "BOB") == ["DB"]
    assert names("deal", "export", "--owner", "none") == []
    missing = cli("deal", "export", "--owner", "Zed")
    assert missing.code == 3 and "--owner: rep 'Zed' not found" in missing.err
    assert cli("account", "export", "--owner", "9").code == 3


def test_product_show_counts_its_own_lines_only(cli):
    cli.ok("product", "add", "GTX Pro", "--price", "4821")
    cli.ok("product", "add", "MG Special", "--price", "55")
    deal = _id(cli, "deal", "add", "Kit")
    other = _id(cli, "deal", "add", "Other")
    cli.ok("deal", "line", "add", str(deal), "GTX Pro", "--qty", "2")
    cli.ok("deal", "line", "add", str(other), "GTX Pro")
    cli.ok("deal", "line", "add", str(deal), "MG Special", "--qty", "3")
    assert {k: cli.json("product", "show", "gtx pro")[k] for k in ("lines", "deals")} == {
        "lines": 2, "deals": 2,
    }  # fmt: skip
    assert {k: cli.json("product", "show", "MG Special")[k] for k in ("lines", "deals")} == {
        "lines": 1, "deals": 1,
    }  # fmt: skip
    edit = cli("deal", "edit", str(deal), "--amount", "100")
    assert edit.code == 1 and "has line items" in edit.err


def test_contact_delete_refused_names_the_deal_count(cli):
    contact = _id(cli, "contact", "add", "Ana Souza")
    cli.ok("deal", "add", "One", "--contact", str(contact))
    refused = cli("contact", "delete", str(contact), "--yes")
    assert refused.code == 1
    assert f"contact {contact} 'Ana Souza' is the contact on 1 deal:" in refused.err
    cli.ok("deal", "add", "Two", "--contact", str(contact))
    assert "is the contact on 2 deals:" in cli("contact", "delete", str(contact), "--yes").err
    bad = cli("contact", "add", "Bo", "--email", "bo@")
    assert bad.code == 1 and bad.err.startswith("Error: email 'bo@' is not an email address (")
