"""`task auto` (follow-up, first contact, check-in, stale deal), `task rules` and the stage
rules through every way a deal enters a stage. SALESCLI_NOW is Monday 2026-11-23 09:00 UTC;
the team's zone is Europe/Berlin (UTC+1 in November): a task due on a day without a time is
due at 23:59:59 Berlin = 22:59:59 UTC."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def at(**delta: float) -> dict[str, str]:
    """The environment of a command run `delta` before NOW."""
    return {"SALESCLI_NOW": (NOW - dt.timedelta(**delta)).isoformat()}


def iso(value: object) -> str:
    """A stored instant as 'YYYY-MM-DD HH:MM:SS' UTC, whatever the backend returned."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def new_id(cli, *args: str, **kwargs) -> int:
    return int(cli.ok(*args, **kwargs).out.strip())


def tasks(cli) -> list[tuple]:
    """(rule, rule_key, title, due UTC, timed, priority, owner, lead, deal, account), by id:
    read with plain SQL."""
    rows = cli.sql(
        "SELECT t.rule, t.rule_key, t.title, t.due_at, t.timed, t.priority, r.name, t.lead_id, "
        "t.deal_id, t.account_id FROM task t LEFT JOIN rep r ON r.id = t.owner_id ORDER BY t.id"
    )
    return [(*row[:3], iso(row[3]), bool(row[4]), *row[5:]) for row in rows]


def setup(cli) -> None:
    cli.ok("config", "set", "timezone", "Europe/Berlin")
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Bo Lind")


def activity_id(cli, target: str, record: int) -> int:
    return cli.sql(f"SELECT max(id) FROM activity WHERE {target}_id = :r", r=record)[0][0]


# --------------------------------------------------------------------------- follow-up


def test_follow_up_the_latest_contact_of_open_records_without_a_next_step(cli):
    setup(cli)
    old = at(days=40)
    ana = new_id(cli, "lead", "add", "Lena Vogel", "--owner", "Ana Souza", env=old)
    bo = new_id(cli, "lead", "add", "Jörg Ахмедов", "--owner", "Bo Lind", env=old)
    note = new_id(cli, "lead", "add", "Only Noted", "--owner", "Ana Souza", env=old)
    lost = new_id(cli, "lead", "add", "Gone Lead", "--owner", "Ana Souza", env=old)
    stale = new_id(cli, "lead", "add", "Long Ago", "--owner", "Ana Souza", env=old)
    nobody = new_id(cli, "lead", "add", "No Owner", env=old)
    deal = new_id(cli, "deal", "add", "Ana's deal", "--owner", "Bo Lind", env=old)
    won = new_id(cli, "deal", "add", "Won deal", "--owner", "Bo Lind", env=old)
    cli.ok("log", "call", "--lead", str(ana), "--at", "2026-11-19T10:00+00:00", "First call")
    cli.ok("log", "call", "--lead", str(ana), "--at", "2026-11-20T10:00+00:00", "Second call")
    # 23:30 UTC on the 22nd is 00:30 on the 23rd in Berlin: due the 26th, Berlin time.
    cli.ok("log", "email", "--lead", str(bo), "--at", "2026-11-22T23:30+00:00", "Mailed")
    cli.ok("log", "note", "--lead", str(note), "--at", "2026-11-20T10:00+00:00", "A note")
    cli.ok("log", "call", "--lead", str(lost), "--at", "2026-11-20T10:00+00:00", "Called")
    cli.ok("lead", "edit", str(lost), "--status", "lost", "--reason", "went elsewhere")
    cli.ok("log", "call", "--lead", str(stale), "--at", "2026-10-20T10:00+00:00", "Old call")
    cli.ok("log", "call", "--lead", str(nobody), "--at", "2026-11-21T10:00+00:00", "Called")
    cli.ok("log", "meeting", "--deal", str(deal), "--at", "2026-11-21T08:00+00:00", "Demo")
    cli.ok("log", "call", "--deal", str(won), "--at", "2026-11-21T08:00+00:00", "Closing")
    cli.ok("deal", "win", str(won))
    first = cli.json("task", "auto", "--rule", "follow-up")
    a, b, n, d = (activity_id(cli, t, r) for t, r in
                  (("lead", ana), ("lead", bo), ("lead", nobody), ("deal", deal)))  # fmt: skip
    assert tasks(cli) == [
        ("follow-up", f"follow-up:activity:{a}", "Follow up: Lena Vogel",
         "2026-11-23 22:59:59", False, "normal", "Ana Souza", ana, None, None),
        ("follow-up", f"follow-up:activity:{b}", "Follow up: Jörg Ахмедов",
         "2026-11-26 22:59:59", False, "normal", "Bo Lind", bo, None, None),
        ("follow-up", f"follow-up:activity:{d}", "Follow up: Ana's deal",
         "2026-11-24 22:59:59", False, "normal", "Bo Lind", None, deal, None),
    ]  # fmt: skip
    ids = [row[0] for row in cli.sql("SELECT id FROM task ORDER BY id")]
    assert [(r["id"], r["record"], r["owner"], r["unassigned"]) for r in first] == [
        (ids[0], f"lead {ana}", "Ana Souza", False),
        (ids[1], f"lead {bo}", "Bo Lind", False),
        (ids[2], f"deal {deal}", "Bo Lind", False),
        (None, f"lead {nobody}", None, True),
    ]
    assert first[0]["due_at"] == "2026-11-23T23:59:59+01:00" and first[0]["timed"] is False
    assert first[3] == {
        "rule": "follow-up", "id": None, "title": "Follow up: No Owner",
        "due_at": "2026-11-24T23:59:59+01:00", "timed": False, "priority": "normal",
        "owner": None, "owner_id": None, "record": f"lead {nobody}", "lead_id": nobody,
        "deal_id": None, "account_id": None, "contact_id": None, "unassigned": True,
    }  # fmt: skip
    # Idempotent: the same data and clock create nothing; the unassigned lead is listed again.
    again = cli.json("task", "auto", "--rule", "follow-up")
    assert [(r["id"], r["record"]) for r in again] == [(None, f"lead {nobody}")]
    assert len(tasks(cli)) == 3
    # The default owner takes the records without one.
    cli.ok("config", "set", "task.default_owner", "bo lind")
    third = cli.json("task", "auto", "--rule", "follow-up")
    assert [(r["record"], r["owner"], r["unassigned"]) for r in third] == [
        (f"lead {nobody}", "Bo Lind", False)
    ]
    assert tasks(cli)[-1][1:7] == (
        f"follow-up:activity:{n}", "Follow up: No Owner", "2026-11-24 22:59:59", False,
        "normal", "Bo Lind",
    )  # fmt: skip
    # A new contact with the follow-up still open and due after it: the next step exists.
    cli.ok("log", "call", "--lead", str(bo), "--at", "2026-11-23T08:00+00:00", "Again")
    assert cli.json("task", "auto", "--rule", "follow-up") == []
    # Once that follow-up is done, the newer contact has no next step: a new follow-up.
    cli.sql("UPDATE task SET done_at = created_at WHERE lead_id = :l", l=bo)
    newest = activity_id(cli, "lead", bo)
    made = cli.json("task", "auto", "--rule", "follow-up")
    assert [(r["record"], r["due_at"]) for r in made] == [
        (f"lead {bo}", "2026-11-26T23:59:59+01:00")
    ]
    assert tasks(cli)[-1][1] == f"follow-up:activity:{newest}"


def test_follow_up_ties_kinds_records_and_the_window_edge(cli):
    """The latest contact per record: two at the same instant → the later logged (higher id);
    a later note is no contact; another record's contact hides nothing; a contact exactly
    `window_days` old is in the window."""
    setup(cli)
    old = at(days=40)
    tie = new_id(cli, "lead", "add", "Tie Lead", "--owner", "Ana Souza", env=old)
    noted = new_id(cli, "lead", "add", "Noted Lead", "--owner", "Ana Souza", env=old)
    edge = new_id(cli, "lead", "add", "Edge Lead", "--owner", "Bo Lind", env=old)
    deal = new_id(cli, "deal", "add", "Edge deal", "--owner", "Bo Lind", env=old)
    cli.ok("log", "call", "--lead", str(tie), "--at", "2026-11-20T10:00+00:00", "One")
    cli.ok("log", "email", "--lead", str(tie), "--at", "2026-11-20T10:00+00:00", "Two")
    cli.ok("log", "call", "--lead", str(noted), "--at", "2026-11-19T10:00+00:00", "Called")
    cli.ok("log", "note", "--lead", str(noted), "--at", "2026-11-21T10:00+00:00", "A note")
    cli.ok("log", "meeting", "--deal", str(deal), "--at", "2026-11-20T10:00+00:00", "Demo")
    # 30 days before NOW to the second; a later contact on another record changes nothing.
    cli.ok("log", "call", "--lead", str(edge), "--at", "2026-10-24T09:00+00:00", "Edge")
    cli.ok("log", "call", "--lead", str(tie), "--at", "2026-11-10T10:00+00:00", "Earlier")
    # A second before the window: no follow-up.
    out = new_id(cli, "lead", "add", "Too Old", "--owner", "Bo Lind", env=old)
    cli.ok("log", "call", "--lead", str(out), "--at", "2026-10-24T08:59:59+00:00", "Too old")
    rows = cli.sql("SELECT id, kind, lead_id, deal_id, occurred_at FROM activity ORDER BY id")
    by = [(r[0], r[1], r[2], r[3]) for r in rows]
    two = [r[0] for r in by if r[1] == "email" and r[2] == tie]
    call = [r[0] for r in by if r[1] == "call" and r[2] == noted]
    edge_call = [r[0] for r in by if r[2] == edge]
    demo = [r[0] for r in by if r[3] == deal]
    assert len(two) == len(call) == len(edge_call) == len(demo) == 1
    assert two[0] > min(r[0] for r in by if r[2] == tie)  # logged second, same instant
    cli.json("task", "auto", "--rule", "follow-up")
    assert tasks(cli) == [
        ("follow-up", f"follow-up:activity:{two[0]}", "Follow up: Tie Lead",
         "2026-11-23 22:59:59", False, "normal", "Ana Souza", tie, None, None),
        ("follow-up", f"follow-up:activity:{call[0]}", "Follow up: Noted Lead",
         "2026-11-22 22:59:59", False, "normal", "Ana Souza", noted, None, None),
        # 24 Oct 11:00 Berlin (CEST) + 3 days = 27 Oct, CET: 22:59:59 UTC.
        ("follow-up", f"follow-up:activity:{edge_call[0]}", "Follow up: Edge Lead",
         "2026-10-27 22:59:59", False, "normal", "Bo Lind", edge, None, None),
        ("follow-up", f"follow-up:activity:{demo[0]}", "Follow up: Edge deal",
         "2026-11-23 22:59:59", False, "normal", "Bo Lind", None, deal, None),
    ]  # fmt: skip
    assert cli.json("task", "auto", "--rule", "follow-up") == []


def test_follow_up_settings_days_window_priority(cli):
    setup(cli)
    lead = new_id(cli, "lead", "add", "Lena Vogel", "--owner", "Ana Souza", env=at(days=60))
    cli.ok("log", "call", "--lead", str(lead), "--at", "2026-10-20T10:00+00:00", "Old call")
    assert cli.json("task", "auto", "--rule", "follow-up") == []  # outside 30 days
    cli.ok("config", "set", "task.follow_up.window_days", "40")
    cli.ok("config", "set", "task.follow_up.days", "7")
    cli.ok("config", "set", "task.follow_up.priority", "high")
    made = cli.json("task", "auto", "--rule", "follow-up")
    # 20 Oct 12:00 Berlin (CEST) + 7 days = 27 Oct, after the change to CET: 22:59:59 UTC.
    assert [(r["due_at"], r["priority"]) for r in made] == [("2026-10-27T23:59:59+01:00", "high")]
    bad = cli("config", "set", "task.follow_up.days", "soon")
    assert bad.code == 1 and "task.follow_up.days 'soon' is not a whole number" in bad.err
    assert cli("config", "set", "task.follow_up.priority", "urgent").code == 2
    wrong = cli("config", "set", "task.default_owner", "Nobody Here")
    assert wrong.code == 3 and "rep 'Nobody Here' not found" in wrong.err


# --------------------------------------------------------------------------- first contact


def test_first_contact_new_leads_not_contacted_within_the_hours(cli):
    setup(cli)
    due = new_id(cli, "lead", "add", "Waited Long", "--owner", "Ana Souza", env=at(hours=25))
    recent = new_id(cli, "lead", "add", "Just Came", "--owner", "Ana Souza", env=at(hours=23))
    called = new_id(cli, "lead", "add", "Was Called", "--owner", "Ana Souza", env=at(hours=30))
    new_id(cli, "lead", "add", "Qualified", "--status", "qualified", env=at(hours=30))
    nobody = new_id(cli, "lead", "add", "Nobody's", env=at(days=3))
    cli.ok("log", "call", "--lead", str(called), "--at", "2026-11-22T10:00+00:00", "Hello")
    made = cli.json("task", "auto", "--rule", "first-contact")
    assert [(r["record"], r["owner"], r["unassigned"]) for r in made] == [
        (f"lead {due}", "Ana Souza", False),
        (f"lead {nobody}", None, True),
    ]
    assert made[0]["due_at"] == "2026-11-23T10:00:00+01:00" and made[0]["timed"] is True
    assert tasks(cli) == [
        ("first-contact", f"first-contact:lead:{due}", "First contact: Waited Long",
         "2026-11-23 09:00:00", True, "high", "Ana Souza", due, None, None),
    ]  # fmt: skip
    assert cli.json("task", "auto", "--rule", "first-contact")[0]["unassigned"] is True
    cli.ok("config", "set", "task.first_contact.hours", "12")
    later = cli.json("task", "auto", "--rule", "first-contact")
    assert [(r["record"], r["unassigned"]) for r in later] == [
        (f"lead {recent}", False),
        (f"lead {nobody}", True),
    ]


# --------------------------------------------------------------------------- check-in


def test_check_in_customers_untouched_for_the_days(cli):
    setup(cli)
    for name in ("Old Customer", "Busy Customer", "Prospect", "New Customer"):
        cli.ok("account", "add", name, "--owner", "Ana Souza", env=at(days=400))
    contact = new_id(cli, "contact", "add", "Eva Klein", "--account", "Old Customer")
    old = new_id(cli, "deal", "add", "Old win", "--account", "Old Customer", env=at(days=300))
    cli.ok("deal", "win", str(old), env=at(days=200))
    cli.ok("log", "call", "--contact", str(contact), "--at", "2026-08-20T10:00+00:00", "Hi")
    busy = new_id(cli, "deal", "add", "Busy win", "--account", "Busy Customer", env=at(days=300))
    cli.ok("deal", "win", str(busy), env=at(days=200))
    cli.ok("log", "call", "--deal", str(busy), "--at", "2026-11-10T10:00+00:00", "Upsell?")
    cli.ok("deal", "add", "Open only", "--account", "Prospect", env=at(days=300))
    fresh = new_id(cli, "deal", "add", "Fresh", "--account", "New Customer", env=at(days=300))
    cli.ok("deal", "win", str(fresh), env=at(days=30))
    made = cli.json("task", "auto", "--rule", "check-in")
    account = cli.sql("SELECT id FROM account WHERE name = 'Old Customer'")[0][0]
    assert [(r["record"], r["owner"], r["due_at"]) for r in made] == [
        (f"account {account}", "Ana Souza", "2026-11-23T23:59:59+01:00")
    ]
    assert tasks(cli) == [
        ("check-in", f"check-in:account:{account}:2026-08-20 10:00:00.000000",
         "Check in with Old Customer", "2026-11-23 22:59:59", False, "normal", "Ana Souza",
         None, None, account),
    ]  # fmt: skip
    assert cli.json("task", "auto", "--rule", "check-in") == []
    # Done, then 91 days after a new contact: a new check-in (a new anchor).
    cli.sql("UPDATE task SET done_at = created_at")
    cli.ok("log", "email", "--account", "Old Customer", "--at", "2026-11-23T08:00+00:00", "Hi")
    assert cli.json("task", "auto", "--rule", "check-in") == []
    later = {"SALESCLI_NOW": "2027-02-22T09:00:00+00:00"}
    next_one = cli.json("task", "auto", "--rule", "check-in", env=later)
    busy_id, new_id_ = (cli.sql("SELECT id FROM account WHERE name = :n", n=n)[0][0]
                        for n in ("Busy Customer", "New Customer"))  # fmt: skip
    assert [(r["record"], r["due_at"]) for r in next_one] == [
        (f"account {account}", "2027-02-22T23:59:59+01:00"),
        (f"account {busy_id}", "2027-02-22T23:59:59+01:00"),
        (f"account {new_id_}", "2027-02-22T23:59:59+01:00"),
    ]
    assert [row[1] for row in tasks(cli)[1:]] == [
        f"check-in:account:{account}:2026-11-23 08:00:00.000000",
        f"check-in:account:{busy_id}:2026-11-10 10:00:00.000000",
        f"check-in:account:{new_id_}:2026-10-24 09:00:00.000000",
    ]


# --------------------------------------------------------------------------- stale deal


def test_stale_deal_is_what_deal_stale_lists(cli):
    setup(cli)
    idle = new_id(cli, "deal", "add", "Idle", "--owner", "Bo Lind", env=at(days=20))
    touched = new_id(cli, "deal", "add", "Touched", "--owner", "Bo Lind", env=at(days=20))
    young = new_id(cli, "deal", "add", "Young", "--owner", "Bo Lind", env=at(days=10))
    orphan = new_id(cli, "deal", "add", "Orphan", "--owner", "none", env=at(days=30))
    cli.ok("log", "call", "--deal", str(touched), "--at", "2026-11-18T10:00+00:00", "Hi")
    stale = cli.json("deal", "stale")
    assert [row["id"] for row in stale] == [orphan, idle]
    assert young not in (idle, touched)
    made = cli.json("task", "auto", "--rule", "stale-deal")
    assert [(r["record"], r["owner"], r["unassigned"]) for r in made] == [
        (f"deal {idle}", "Bo Lind", False),
        (f"deal {orphan}", None, True),
    ]
    assert tasks(cli) == [
        ("stale-deal", f"stale:deal:{idle}:2026-11-03 09:00:00.000000", "Stale deal: Idle",
         "2026-11-23 22:59:59", False, "normal", "Bo Lind", None, idle, None),
    ]  # fmt: skip
    assert [r["id"] for r in cli.json("task", "auto", "--rule", "stale-deal")] == [None]
    # Done and still idle: the same last touch, the same key: no second nudge.
    cli.sql("UPDATE task SET done_at = created_at")
    assert [r["id"] for r in cli.json("task", "auto", "--rule", "stale-deal")] == [None]
    cli.ok("log", "call", "--deal", str(idle), "--at", "2026-11-23T08:00+00:00", "Hello")
    assert cli.json("deal", "stale") == cli.json("deal", "stale", "--days", "14")
    later = {"SALESCLI_NOW": "2026-12-08T09:00:00+00:00"}  # 15 days after that call
    again = cli.json("task", "auto", "--rule", "stale-deal", env=later)
    assert [(r["record"], r["unassigned"]) for r in again] == [
        (f"deal {idle}", False),
        (f"deal {touched}", False),
        (f"deal {young}", False),
        (f"deal {orphan}", True),
    ]
    assert tasks(cli)[1][1] == f"stale:deal:{idle}:2026-11-23 08:00:00.000000"


# --------------------------------------------------------------------------- switches, dry run


def test_rules_listed_switched_off_and_dry_run_writes_nothing(cli):
    setup(cli)
    lead = new_id(cli, "lead", "add", "Waited Long", "--owner", "Ana Souza", env=at(days=2))
    deal = new_id(cli, "deal", "add", "Idle", "--owner", "Bo Lind", env=at(days=20))
    cli.ok("config", "set", "task.stale_deal.enabled", "false")
    rules = {r["rule"]: r for r in cli.json("task", "rules")}
    assert [(name, r["enabled"], r["priority"]) for name, r in rules.items()] == [
        ("follow-up", True, "normal"),
        ("first-contact", True, "high"),
        ("check-in", True, "normal"),
        ("stale-deal", False, "normal"),
    ]
    assert rules["follow-up"]["settings"] == "task.follow_up.days=3 task.follow_up.window_days=30"
    assert rules["check-in"]["settings"] == "task.check_in.days=90"
    assert cli.json("task", "auto", "--rule", "stale-deal") == []
    planned = cli.json("task", "auto", "--dry-run")
    assert [(r["id"], r["rule"], r["record"]) for r in planned] == [
        (None, "first-contact", f"lead {lead}")
    ]
    assert cli.sql("SELECT count(*) FROM task") == [(0,)]
    cli.ok("config", "set", "task.stale_deal.enabled", "on")
    planned = cli.json("task", "auto", "--dry-run")
    assert [(r["rule"], r["record"]) for r in planned] == [
        ("first-contact", f"lead {lead}"),
        ("stale-deal", f"deal {deal}"),
    ]
    assert cli.sql("SELECT count(*) FROM task") == [(0,)]
    made = cli.json("task", "auto")
    assert [(r["rule"], r["record"], r["due_at"]) for r in made] == [
        (p["rule"], p["record"], p["due_at"]) for p in planned
    ]
    assert all(r["id"] is not None for r in made)
    table = cli.ok("task", "auto")
    assert table.err.strip() == "task auto created 0 tasks"
    assert cli("task", "auto", "--rule", "nonsense").code == 2
    assert cli("config", "set", "task.check_in.enabled", "maybe").code == 2


# --------------------------------------------------------------------------- stage rules


def stage_tasks(cli) -> list[tuple]:
    return [(row[0], row[2], row[3], row[6], row[8]) for row in tasks(cli)]


def test_stage_rules_add_list_delete_and_bad_input(cli):
    setup(cli)
    rule = new_id(cli, "task", "rules", "add", "--on-stage", "Proposal", "--title",
                  "Chase the proposal", "--due", "+3d")  # fmt: skip
    shown = cli.json("task", "rules")[-1]
    assert shown == {
        "rule": f"stage:{rule}", "id": rule, "on_stage": "proposal", "enabled": True,
        "description": "a deal enters proposal", "title": "Chase the proposal", "due": "+3d",
        "priority": "normal", "settings": None, "default_owner": None,
    }  # fmt: skip
    unknown = cli("task", "rules", "add", "--on-stage", "nowhere", "--title", "x")
    assert unknown.code == 3 and unknown.err.count("\n") == 1 and "stage 'nowhere'" in unknown.err
    closed = cli("task", "rules", "add", "--on-stage", "won", "--title", "x")
    assert closed.code == 1 and "is the won stage" in closed.err
    bad = cli("task", "rules", "add", "--on-stage", "proposal", "--title", "x", "--due", "soon")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "--due 'soon' is not an offset" in bad.err
    assert cli("task", "rules", "add", "--on-stage", "proposal", "--title", " ").code == 1
    odd = ("--on-stage", "proposal", "--title", "x", "--priority", "urgent")
    assert cli("task", "rules", "add", *odd).code == 2
    refused = cli("task", "rules", "delete", str(rule))
    assert refused.code == 4 and "refused without --yes" in refused.err
    assert cli("task", "rules", "delete", "999", "--yes").code == 3
    assert cli.sql("SELECT count(*) FROM taskrule") == [(1,)]
    gone = cli.json("task", "rules", "delete", str(rule), "--yes")
    assert gone["id"] == rule and gone["on_stage"] == "proposal"
    assert cli.sql("SELECT count(*) FROM taskrule") == [(0,)]


def test_stage_rule_through_deal_add_and_deal_move(cli):
    setup(cli)
    cli.ok("task", "rules", "add", "--on-stage", "proposal", "--title", "Chase the proposal",
           "--due", "+3d")  # fmt: skip
    cli.ok("task", "rules", "add", "--on-stage", "negotiation", "--title", "Call the buyer",
           "--due", "tomorrow", "--priority", "high")  # fmt: skip
    added = new_id(cli, "deal", "add", "Born in proposal", "--stage", "proposal",
                   "--owner", "Ana Souza")  # fmt: skip
    moved = new_id(cli, "deal", "add", "Moves along", "--owner", "Bo Lind")
    assert stage_tasks(cli) == [
        ("stage:1", "Chase the proposal", "2026-11-26 22:59:59", "Ana Souza", added)
    ]
    cli.ok("deal", "move", str(moved), "proposal")
    cli.ok("deal", "move", str(moved), "negotiation")
    cli.ok("deal", "move", str(moved), "proposal", env=at(hours=-30))  # Tuesday 15:00 UTC
    assert stage_tasks(cli)[1:] == [
        ("stage:1", "Chase the proposal", "2026-11-26 22:59:59", "Bo Lind", moved),
        ("stage:2", "Call the buyer", "2026-11-24 22:59:59", "Bo Lind", moved),
        ("stage:1", "Chase the proposal", "2026-11-27 22:59:59", "Bo Lind", moved),
    ]
    keys = [row[0] for row in cli.sql("SELECT rule_key FROM task ORDER BY id")]
    changes = [
        row[0]
        for row in cli.sql("SELECT id FROM stagechange WHERE deal_id = :d ORDER BY id", d=moved)
    ]
    assert keys[1:] == [
        f"stage:1:deal:{moved}:{changes[1]}",
        f"stage:2:deal:{moved}:{changes[2]}",
        f"stage:1:deal:{moved}:{changes[3]}",
    ]
    # Nothing doubles: task auto's catch-up finds every entry served.
    assert cli.json("task", "auto", "--rule", "stage") == []


def test_stage_rule_owner_fallback_and_unassigned(cli):
    setup(cli)
    cli.ok("task", "rules", "add", "--on-stage", "proposal", "--title", "Chase", "--due", "+1w")
    orphan = new_id(cli, "deal", "add", "No owner", "--stage", "proposal", "--owner", "none")
    assert stage_tasks(cli) == []
    listed = cli.json("task", "auto", "--rule", "stage")
    assert [(r["rule"], r["record"], r["unassigned"], r["due_at"]) for r in listed] == [
        ("stage:1", f"deal {orphan}", True, "2026-11-30T23:59:59+01:00")
    ]
    cli.ok("config", "set", "task.default_owner", "Ana Souza")
    made = cli.json("task", "auto", "--rule", "stage")
    assert [(r["record"], r["owner"], r["unassigned"]) for r in made] == [
        (f"deal {orphan}", "Ana Souza", False)
    ]
    other = new_id(cli, "deal", "add", "Also none", "--stage", "proposal", "--owner", "none")
    assert stage_tasks(cli)[-1] == ("stage:1", "Chase", "2026-11-30 22:59:59", "Ana Souza", other)
    assert cli.json("task", "auto", "--rule", "stage") == []


def test_stage_rule_through_lead_convert_and_deal_import(cli, tmp_path: Path):
    setup(cli)
    cli.ok("task", "rules", "add", "--on-stage", "qualification", "--title", "Qualify",
           "--due", "today")  # fmt: skip
    lead = new_id(cli, "lead", "add", "Lena Vogel", "--company", "Vogel AG", "--owner", "Bo Lind")
    converted = cli.json("lead", "convert", str(lead), "--stage", "qualification")
    deal = converted["deal_id"]
    assert stage_tasks(cli) == [("stage:1", "Qualify", "2026-11-23 22:59:59", "Bo Lind", deal)]
    path = tmp_path / "deals.csv"
    path.write_text(
        "title,owner,stage,close_date,external_id\n"
        "Imported open,Ana Souza,qualification,2026-12-15,D-1\n"
        "Imported won,Ana Souza,won,2026-03-10,D-2\n"
        "Other stage,Ana Souza,proposal,2026-12-15,D-3\n",
        encoding="utf-8",
    )
    cli.ok("deal", "import", str(path))
    opened = cli.sql("SELECT id FROM deal WHERE external_id = 'D-1'")[0][0]
    assert stage_tasks(cli)[1:] == [
        ("stage:1", "Qualify", "2026-11-23 22:59:59", "Ana Souza", opened)
    ]
    assert cli.json("task", "auto", "--rule", "stage") == []
