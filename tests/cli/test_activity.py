"""The activity log: targets, last-contact updates (forward only), filters in the team's zone."""

from __future__ import annotations


def _id(cli, *args: str, **kwargs) -> int:
    return int(cli.ok(*args, **kwargs).out.strip())


def _instant(cli, query: str, **params) -> str | None:
    """A stored instant as 'YYYY-MM-DD HH:MM' UTC, read independently of the code under test."""
    import datetime as dt

    value = cli.sql(query, **params)[0][0]
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M")


def test_log_needs_exactly_one_target(cli):
    contact = _id(cli, "contact", "add", "Ana Souza")
    account = _id(cli, "account", "add", "Acme")
    none = cli("log", "call", "Called")
    assert none.code == 2 and "exactly one record" in none.err and "got none" in none.err
    two = cli("log", "email", "--contact", str(contact), "--account", str(account), "Mail")
    assert two.code == 2 and "got --contact, --account" in two.err
    assert cli("log", "meeting", "--deal", "999", "Demo").code == 3
    assert cli("log", "note", "--lead", "999", "x").code == 3
    assert cli("log", "call", "--contact", "Nobody", "x").code == 3
    bad_at = cli("log", "call", "--contact", str(contact), "--at", "soonish", "x")
    assert bad_at.code == 2 and "at 'soonish'" in bad_at.err
    future = cli("log", "call", "--contact", str(contact), "--at", "2026-11-23T09:01+00:00", "x")
    assert future.code == 1 and "in the future" in future.err
    empty = cli("log", "call", "--contact", str(contact))
    assert empty.code == 1 and "needs a text or an --outcome" in empty.err
    assert cli("log", "fax", "--contact", str(contact), "x").code == 2
    assert cli.sql("SELECT count(*) FROM activity") == [(0,)]
    assert cli.sql("SELECT last_contact_at FROM contact") == [(None,)]


def test_log_records_activity_with_rep_default_me(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang")
    contact = _id(cli, "contact", "add", "Иван Петров")
    first = _id(cli, "log", "call", "--contact", "иван петров", "--outcome", "reached", "Demo?")
    cli.ok("config", "set", "me", "Wang Fang")
    second = cli.json("log", "email", "--contact", str(contact), "--at", "yesterday", "Sent deck")
    assert second == {
        "id": first + 1,
        "kind": "email",
        "at": "2026-11-22T09:00:00+00:00",
        "rep": "Wang Fang",
        "rep_id": second["rep_id"],
        "record": f"contact {contact}",
        "lead_id": None,
        "deal_id": None,
        "contact_id": contact,
        "account_id": None,
        "outcome": None,
        "text": "Sent deck",
    }
    third = _id(cli, "log", "note", "--contact", str(contact), "--rep", "ana souza", "Likes tea")
    rows = cli.sql("SELECT a.id, a.kind, r.name, a.outcome FROM activity a LEFT JOIN rep r ON r.id = a.rep_id ORDER BY a.id")  # fmt: skip
    assert rows == [
        (first, "call", None, "reached"),
        (first + 1, "email", "Wang Fang", None),
        (third, "note", "Ana Souza", None),
    ]


def test_last_contact_moves_forward_only(cli):
    account = _id(cli, "account", "add", "Acme")
    contact = _id(cli, "contact", "add", "Ana Souza", "--account", "Acme")
    other = _id(cli, "account", "add", "Beta")
    cli.ok("log", "call", "--contact", str(contact), "--at", "2026-11-20T10:00+00:00", "First")
    assert _instant(cli, "SELECT last_contact_at FROM contact") == "2026-11-20 10:00"
    acct_q = "SELECT last_contact_at FROM account WHERE id = :i"
    assert _instant(cli, acct_q, i=account) == "2026-11-20 10:00"
    # A back-dated log is recorded but does not move last contact backwards.
    cli.ok("log", "call", "--contact", str(contact), "--at", "2026-11-18T10:00+00:00", "Older")
    assert _instant(cli, "SELECT last_contact_at FROM contact") == "2026-11-20 10:00"
    assert _instant(cli, acct_q, i=account) == "2026-11-20 10:00"
    # Logging on the account moves the account only.
    cli.ok("log", "meeting", "--account", "acme", "--at", "2026-11-21T08:15+01:00", "Visit")
    assert _instant(cli, acct_q, i=account) == "2026-11-21 07:15"
    assert _instant(cli, "SELECT last_contact_at FROM contact") == "2026-11-20 10:00"
    assert _instant(cli, acct_q, i=other) is None
    assert cli.sql("SELECT count(*) FROM activity") == [(3,)]
    shown = cli.json("contact", "show", str(contact))
    assert [a["text"] for a in shown["activities"]] == ["First", "Older"]
    assert shown["last_contact_at"] == "2026-11-20T10:00:00+00:00"


def test_activity_list_period_in_tokyo(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang")
    cli.ok("config", "set", "timezone", "Asia/Tokyo")
    acme = _id(cli, "account", "add", "Acme")
    ana = _id(cli, "contact", "add", "Ana Lima", "--account", "Acme")
    beta = _id(cli, "account", "add", "Beta")
    # 23:30 UTC on the 22nd is 08:30 on the 23rd in Tokyo; 14:59 UTC is still the 22nd there.
    late = _id(cli, "log", "call", "--contact", str(ana), "--rep", "Ana Souza", "--at", "2026-11-22T23:30:00+00:00", "Late")  # fmt: skip
    edge = _id(cli, "log", "email", "--account", "acme", "--rep", "Wang Fang", "--at", "2026-11-22T14:59:00+00:00", "Edge")  # fmt: skip
    midnight = _id(cli, "log", "call", "--account", "beta", "--rep", "Wang Fang", "--at", "2026-11-22T15:00:00+00:00", "Midnight")  # fmt: skip
    early = _id(cli, "log", "meeting", "--account", str(beta), "--rep", "Ana Souza", "--at", "2026-11-21T16:00:00+00:00", "Early")  # fmt: skip

    def ids(*args: str) -> list[int]:
        return [row["id"] for row in cli.json("activity", "list", *args)]

    assert ids() == [late, midnight, edge, early]
    assert ids("--period", "2026-11-23..2026-11-23") == [late, midnight]
    assert ids("--period", "2026-11-22..2026-11-22") == [edge, early]
    assert ids("--period", "2026-11-20..2026-11-21") == []
    assert ids("--period", "this-week") == [late, midnight]  # Mon 23 Nov, Tokyo
    assert ids("--period", "last-week") == [edge, early]
    assert ids("--rep", "ana souza") == [late, early]
    assert ids("--kind", "call") == [late, midnight]
    assert ids("--account", "acme") == [late, edge]  # the account and its contacts
    assert ids("--contact", str(ana)) == [late]
    assert ids("--account", "beta", "--kind", "call", "--rep", "Wang Fang") == [midnight]
    assert ids("--limit", "2") == [late, midnight]
    row = cli.json("activity", "list", "--contact", "ana lima")[0]
    assert row["at"] == "2026-11-23T08:30:00+09:00" and row["record"] == f"contact {ana}"
    assert (row["rep"], row["account_id"], row["contact_id"]) == ("Ana Souza", None, ana)
    assert cli("activity", "list", "--period", "someday").code == 2
    assert cli("activity", "list", "--kind", "fax").code == 2
    assert cli("activity", "list", "--account", "Nobody").code == 3
    assert acme != beta
    plain = cli.ok("activity", "list", "--period", "2026-11-22..2026-11-22").out.splitlines()
    assert plain[0].split("\t") == ["id", "at", "kind", "rep", "record", "outcome", "text"]
    assert plain[1].split("\t")[:3] == [str(edge), "2026-11-22 23:59", "email"]


def test_log_on_lead_and_deal_updates_last_contact(cli):
    lead = _id(cli, "lead", "add", "Çağrı Yılmaz", "--source", "web")
    assert cli.sql("SELECT score FROM lead") == [(10,)]  # source web
    cli.ok("log", "call", "--lead", str(lead), "--at", "2026-11-22T10:00+00:00", "Reached")
    assert cli.sql("SELECT status FROM lead") == [("contacted",)]
    assert _instant(cli, "SELECT last_contact_at FROM lead") == "2026-11-22 10:00"
    assert cli.sql("SELECT score FROM lead") == [(30,)]  # + engagement 20 (contact within 14 days)
    cli.ok("log", "note", "--lead", str(lead), "--at", "2026-11-01T10:00+00:00", "Old note")
    assert _instant(cli, "SELECT last_contact_at FROM lead") == "2026-11-22 10:00"
    assert cli.sql("SELECT score FROM lead") == [(30,)]

    acme = _id(cli, "account", "add", "Acme")
    deal = _id(cli, "deal", "add", "Acme – pilot", "--account", "Acme", "--amount", "1000", env={"SALESCLI_NOW": "2026-11-01T09:00:00+00:00"})  # fmt: skip
    assert _instant(cli, "SELECT last_activity_at FROM deal") is None
    cli.ok("log", "meeting", "--deal", str(deal), "--at", "2026-11-21T16:00+00:00", "Demo")
    cli.ok("log", "email", "--deal", str(deal), "--at", "2026-11-10T16:00+00:00", "Back-dated")
    assert _instant(cli, "SELECT last_activity_at FROM deal") == "2026-11-21 16:00"
    acct_q = "SELECT last_contact_at FROM account WHERE id = :i"
    assert _instant(cli, acct_q, i=acme) == "2026-11-21 16:00"
    # The stale timer restarted: 2 days since the meeting, not 22 since creation.
    stale = cli.json("deal", "stale", "--days", "3")
    assert [row["id"] for row in stale] == []
    assert [row["id"] for row in cli.json("deal", "stale", "--days", "1")] == [deal]
    assert [a["text"] for a in cli.json("deal", "show", str(deal))["activities"]] == [
        "Back-dated",
        "Demo",
    ]
