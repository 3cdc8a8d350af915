"""Tasks: owners, due times in two time zones and across DST, repeats (month ends), the list's
filters, the agenda, done/skip/snooze/reopen/delete, and the open tasks in `show`.

NOW is Monday 2026-11-23 09:00 UTC. Expected instants are worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt


def _id(cli, *args: str, **kwargs) -> int:
    return int(cli.ok(*args, **kwargs).out.strip())


def _due(cli, task_id: int) -> str | None:
    """A task's stored due instant as 'YYYY-MM-DD HH:MM:SS' UTC, read straight from the table."""
    value = cli.sql("SELECT due_at FROM task WHERE id = :id", id=task_id)[0][0]
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _team(cli) -> None:
    cli.ok("rep", "add", "Dana Lee")
    cli.ok("rep", "add", "Ana Souza", "--manager", "Dana Lee")
    cli.ok("rep", "add", "Jürgen Groß", "--manager", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang")


def test_owner_is_given_else_the_records_else_me_else_refused(cli):
    _team(cli)
    refused = cli("task", "add", "Call back", "--due", "tomorrow")
    assert refused.code == 1
    assert "needs an owner" in refused.err and "config set me" in refused.err
    assert cli("task", "add", "Call back", "--owner", "none").code == 1
    assert cli.sql("SELECT count(*) FROM task") == [(0,)]

    lead = _id(cli, "lead", "add", "Иван Петров", "--owner", "Wang Fang")
    on_lead = cli.json("task", "add", "Call Иван", "--lead", str(lead), "--format", "json")
    assert (on_lead["owner"], on_lead["record"], on_lead["record_name"]) == (
        "Wang Fang",
        f"lead {lead}",
        "Иван Петров",
    )
    given = cli.json("task", "add", "Prep", "--owner", "ana souza", "--format", "json")
    assert given["owner"] == "Ana Souza"
    mine = cli.json("task", "add", "Mine", "--format", "json", env={"SALESCLI_REP": "Jürgen Groß"})
    assert mine["owner"] == "Jürgen Groß"
    cli.ok("config", "set", "me", "Dana Lee")
    assert cli.json("task", "add", "Config me", "--format", "json")["owner"] == "Dana Lee"
    # The record's owner comes before me; --owner before both.
    assert cli.json("task", "add", "x", "--lead", str(lead), "--format", "json")["owner"] == (
        "Wang Fang"
    )
    assert (
        cli.json("task", "add", "y", "--lead", str(lead), "--owner", "me", "--format", "json")[
            "owner"
        ]
        == "Dana Lee"
    )
    rows = cli.sql("SELECT t.title, r.name FROM task t JOIN rep r ON r.id = t.owner_id ORDER BY t.id")  # fmt: skip
    assert rows == [
        ("Call Иван", "Wang Fang"),
        ("Prep", "Ana Souza"),
        ("Mine", "Jürgen Groß"),
        ("Config me", "Dana Lee"),
        ("x", "Wang Fang"),
        ("y", "Dana Lee"),
    ]


def test_bad_input_is_one_line_and_writes_nothing(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    cases = [
        (("task", "add", "x", "--every", "3d", "--due", "mon"), 2, "--every '3d'"),
        (("task", "add", "x", "--at", "25:00"), 2, "--at '25:00'"),
        (("task", "add", "x", "--due", "someday"), 2, "--due 'someday'"),
        (("task", "add", "x", "--priority", "urgent"), 2, "urgent"),
        (("task", "add", "x", "--lead", "1", "--deal", "2"), 2, "one record"),
        (("task", "add", "x", "--deal", "99"), 3, "deal '99' not found"),
        (("task", "add", "x", "--account", "Nobody"), 3, "account 'Nobody' not found"),
        (("task", "add", "   "), 1, "needs a title"),
        (("task", "add", "x", "--every", "1w"), 1, "needs a first due date"),
        (("task", "add", "x" * 301), 1, "longer than 300"),
        (("task", "show", "999"), 3, "task 999 not found"),
        (("task", "done", "0"), 2, "id"),
        (("task", "list", "--owner", "Nobody"), 3, "rep 'Nobody' not found"),
        (("task", "list", "--done", "--all"), 2, "exclude"),
    ]
    for args, code, text in cases:
        result = cli(*args)
        assert result.code == code, (args, result.err)
        assert text in result.err, (args, result.err)
        assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert cli.sql("SELECT count(*) FROM task") == [(0,)]


def test_due_is_the_end_of_the_local_day_or_the_local_time(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    # UTC: tomorrow ends 2026-11-24 23:59:59.
    plain = _id(cli, "task", "add", "Plain", "--due", "tomorrow")
    assert _due(cli, plain) == "2026-11-24 23:59:59"
    cli.ok("config", "set", "timezone", "Europe/Berlin")  # UTC+1 in November
    berlin = _id(cli, "task", "add", "Berlin", "--due", "tomorrow")
    timed = _id(cli, "task", "add", "Berlin 14:00", "--due", "2026-11-24", "--at", "14:00")
    at_only = _id(cli, "task", "add", "Today 17:30", "--at", "17:30")
    assert _due(cli, berlin) == "2026-11-24 22:59:59"
    assert _due(cli, timed) == "2026-11-24 13:00:00"
    assert _due(cli, at_only) == "2026-11-23 16:30:00"
    shown = cli.json("task", "show", str(timed), "--format", "json")
    assert shown["due"] == "2026-11-24T14:00:00+01:00" and shown["timed"] is True
    assert cli.json("task", "show", str(berlin), "--format", "json")["due"] == "2026-11-24"
    # The day clocks go back (25 hours) and the day they go forward (23 hours) end at
    # 23:59:59 local: CET (UTC+1) after the change in October, CEST (UTC+2) after March's.
    autumn = _id(cli, "task", "add", "Autumn", "--due", "2026-10-25")
    spring = _id(cli, "task", "add", "Spring", "--due", "2026-03-29")
    assert _due(cli, autumn) == "2026-10-25 22:59:59"
    assert _due(cli, spring) == "2026-03-29 21:59:59"

    def today_ids(now: str) -> list[int]:
        found = cli.json("task", "list", "--today", "--format", "json", env={"SALESCLI_NOW": now})
        return [t["id"] for t in found]

    # 2026-10-25 starts at 22:00 UTC on the 24th (CEST) and ends at 23:00 UTC (CET).
    assert today_ids("2026-10-24T22:00:00+00:00") == [autumn]
    assert today_ids("2026-10-24T21:59:59+00:00") == []
    assert today_ids("2026-10-25T22:59:59+00:00") == [autumn]
    assert today_ids("2026-10-25T23:00:00+00:00") == []
    cli.ok("config", "set", "timezone", "America/New_York")  # UTC-5 in November
    york = _id(cli, "task", "add", "New York", "--due", "tomorrow")
    assert _due(cli, york) == "2026-11-25 04:59:59"
    # A time skipped by the spring-forward change (02:30 on 2026-03-08 in New York) moves
    # forward by the hour: 03:30 EDT = 07:30 UTC.
    gap = _id(cli, "task", "add", "Gap", "--due", "2026-03-08", "--at", "02:30")
    assert _due(cli, gap) == "2026-03-08 07:30:00"


def test_today_and_overdue_follow_now_and_the_time_zone(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    cli.ok("config", "set", "timezone", "Asia/Tokyo")  # UTC+9: NOW is Mon 18:00 in Tokyo
    monday = _id(cli, "task", "add", "Monday", "--due", "today")  # ends Mon 14:59:59 UTC
    morning = _id(cli, "task", "add", "Morning", "--due", "today", "--at", "10:00")  # 01:00 UTC
    tuesday = _id(cli, "task", "add", "Tuesday", "--due", "tomorrow")
    assert _due(cli, monday) == "2026-11-23 14:59:59"

    def ids(*args: str, now: str = "2026-11-23T09:00:00+00:00") -> list[int]:
        found = cli.json("task", "list", *args, "--format", "json", env={"SALESCLI_NOW": now})
        return [t["id"] for t in found]

    assert ids("--overdue") == [morning]  # 10:00 Tokyo has passed at 18:00 Tokyo
    assert ids("--today") == [morning, monday]
    # 14:59:59 UTC is the last second of Monday in Tokyo; 15:00 UTC is Tuesday 00:00 there.
    assert ids("--overdue", now="2026-11-23T14:59:59+00:00") == [morning]
    assert ids("--overdue", now="2026-11-23T15:00:00+00:00") == [morning, monday]
    assert ids("--today", now="2026-11-23T15:00:00+00:00") == [tuesday]
    # The same instants in Los Angeles (UTC-8): Monday there ends at 08:00 UTC Tuesday.
    cli.ok("config", "set", "timezone", "America/Los_Angeles")
    la = _id(cli, "task", "add", "LA Monday", "--due", "2026-11-23")
    assert _due(cli, la) == "2026-11-24 07:59:59"
    assert la not in ids("--overdue", now="2026-11-24T07:59:59+00:00")
    assert la in ids("--overdue", now="2026-11-24T08:00:00+00:00")


def test_this_week_follows_week_start(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    sunday = _id(cli, "task", "add", "Sunday", "--due", "2026-11-22")
    saturday = _id(cli, "task", "add", "Saturday", "--due", "2026-11-28")
    next_sunday = _id(cli, "task", "add", "Next Sunday", "--due", "2026-11-29")

    def week() -> list[int]:
        found = cli.json("task", "list", "--due", "this-week", "--format", "json")
        return [t["id"] for t in found]

    assert week() == [saturday, next_sunday]  # Mon 23 .. Sun 29
    cli.ok("config", "set", "week_start", "sunday")
    assert week() == [sunday, saturday]  # Sun 22 .. Sat 28


def test_weekly_repeat_counts_from_the_due_date_across_dst(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    cli.ok("config", "set", "timezone", "Europe/Berlin")
    # Monday 2026-10-19 09:00 CEST (UTC+2) = 07:00 UTC; DST ends on Sunday 2026-10-25.
    first = _id(cli, "task", "add", "Pipeline review", "--due", "2026-10-19", "--at", "09:00", "--every", "1w")  # fmt: skip
    assert _due(cli, first) == "2026-10-19 07:00:00"
    # Done on Wednesday 2026-10-21: the next one is Monday 2026-10-26 09:00 CET = 08:00 UTC.
    done = cli.json(
        "task", "done", str(first), "--format", "json", env={"SALESCLI_NOW": "2026-10-21T12:00:00+00:00"}
    )  # fmt: skip
    following = done["next"]["id"]
    assert done["status"] == "done" and done["next"]["due"] == "2026-10-26T09:00:00+01:00"
    assert _due(cli, following) == "2026-10-26 08:00:00"
    # Done late (Friday 2026-11-06) it still comes back on a Monday: 2026-11-02.
    later = cli.json(
        "task", "done", str(following), "--format", "json", env={"SALESCLI_NOW": "2026-11-06T12:00:00+00:00"}
    )  # fmt: skip
    assert _due(cli, later["next"]["id"]) == "2026-11-02 08:00:00"
    rows = cli.sql("SELECT id, series_id, every, done_at IS NULL FROM task ORDER BY id")
    assert rows == [
        (first, None, "1w", False),
        (following, first, "1w", False),
        (later["next"]["id"], first, "1w", True),
    ]


def test_monthly_repeat_clamps_to_the_month_end_and_keeps_its_day(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    task = _id(cli, "task", "add", "Invoice run", "--due", "2027-01-31", "--every", "1m")
    dues = []
    for _ in range(3):
        done = cli.json("task", "done", str(task), "--format", "json")
        task = done["next"]["id"]
        dues.append(done["next"]["due"])
    assert dues == ["2027-02-28", "2027-03-31", "2027-04-30"]
    leap = _id(cli, "task", "add", "Leap", "--due", "2028-01-31", "--every", "1m")
    assert cli.json("task", "done", str(leap), "--format", "json")["next"]["due"] == "2028-02-29"
    # skip moves the same task along the series without doing it.
    skipped = cli.json("task", "skip", str(task), "--format", "json")
    assert skipped["id"] == task and skipped["due"] == "2027-05-31"
    assert cli.sql("SELECT count(*) FROM task WHERE done_at IS NULL") == [(2,)]


def test_done_reopen_snooze_skip_and_delete(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    deal = _id(cli, "deal", "add", "Acme renewal", "--account", "Acme", "--amount", "1200")
    task = _id(cli, "task", "add", "Call Acme", "--deal", str(deal), "--due", "today", "--at", "15:00")  # fmt: skip
    # snooze counts from today and keeps the time of day: +2d = Wed 25 at 15:00.
    snoozed = cli.json("task", "snooze", str(task), "+2d", "--format", "json")
    assert snoozed["due"] == "2026-11-25T15:00:00+00:00"
    assert cli("task", "snooze", str(task), "yesterday").code == 1
    assert cli("task", "skip", str(task)).code == 1  # does not repeat
    done = cli("task", "done", str(task), "--log", "call", "--note", "Reached Ana")
    assert done.code == 0 and f"task {task} done; logged call" in done.err
    assert cli.sql("SELECT kind, deal_id, text FROM activity") == [
        ("call", deal, "Call Acme: Reached Ana")
    ]
    assert cli.sql("SELECT done_note FROM task") == [("Reached Ana",)]
    again = cli("task", "done", str(task))
    assert again.code == 1 and "already done" in again.err
    assert cli("task", "snooze", str(task), "+1d").code == 1
    reopened = cli.json("task", "reopen", str(task), "--format", "json")
    assert reopened["status"] == "open" and reopened["done_at"] is None
    assert cli("task", "reopen", str(task)).code == 1
    bare = _id(cli, "task", "add", "No record")
    assert cli("task", "done", str(bare), "--log", "email").code == 1
    assert cli.sql("SELECT done_at FROM task WHERE id = :id", id=bare) == [(None,)]
    refused = cli("task", "delete", str(task))
    assert refused.code == 4 and cli.sql("SELECT count(*) FROM task") == [(2,)]
    gone = cli.json("task", "delete", str(task), "--yes", "--format", "json")
    assert gone["title"] == "Call Acme"
    assert cli.sql("SELECT id FROM task") == [(bare,)]


def test_done_reopened_and_done_again_does_not_double_the_next(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    task = _id(cli, "task", "add", "Weekly", "--due", "mon", "--every", "1w")
    first = cli.json("task", "done", str(task), "--format", "json")["next"]["id"]
    cli.ok("task", "reopen", str(task))
    second = cli.json("task", "done", str(task), "--format", "json")["next"]["id"]
    assert first == second
    assert cli.sql("SELECT count(*) FROM task") == [(2,)]


def test_edit_changes_fields_and_stops_a_repeat(cli):
    _team(cli)
    cli.ok("config", "set", "me", "Ana Souza")
    task = _id(cli, "task", "add", "Prep", "--due", "fri", "--every", "1w")
    edited = cli("task", "edit", str(task), "--at", "10:30", "--priority", "high", "--owner", "Wang Fang", "--title", "Prep QBR", "--every", "never")  # fmt: skip
    assert edited.code == 0
    assert f"task {task} updated (title, due, priority, owner, every)" in edited.err
    unchanged = cli("task", "edit", str(task), "--priority", "high")
    assert f"task {task} updated (nothing changed)" in unchanged.err
    shown = cli.json("task", "show", str(task), "--format", "json")
    assert (shown["due"], shown["priority"], shown["owner"], shown["title"], shown["every"]) == (
        "2026-11-27T10:30:00+00:00",
        "high",
        "Wang Fang",
        "Prep QBR",
        None,
    )
    assert cli("task", "edit", str(task), "--every", "1y").code == 2


def test_list_filters_and_order(cli):
    _team(cli)
    cli.ok("config", "set", "me", "Ana Souza")
    deal = _id(cli, "deal", "add", "Big deal", "--account", "Acme", "--owner", "Ana Souza")
    low = _id(cli, "task", "add", "Low", "--due", "tomorrow", "--priority", "low")
    high = _id(cli, "task", "add", "High", "--due", "tomorrow", "--priority", "high")
    late = _id(cli, "task", "add", "Late", "--due", "yesterday", "--deal", str(deal))
    undated = _id(cli, "task", "add", "Someday")
    jurgen = _id(cli, "task", "add", "Jürgen's", "--owner", "Jürgen Groß", "--due", "today")
    wang = _id(cli, "task", "add", "Wang's", "--owner", "Wang Fang", "--due", "today")
    finished = _id(cli, "task", "add", "Finished", "--due", "today")
    cli.ok("task", "done", str(finished))

    def ids(*args: str) -> list[int]:
        return [t["id"] for t in cli.json("task", "list", *args, "--format", "json")]

    # Mine, open, by due time (no due last), then priority high > normal > low.
    assert ids() == [late, high, low, undated]
    assert ids("--owner", "wang fang") == [wang]
    assert ids("--team", "Ana Souza") == [late, jurgen, high, low, undated]
    assert ids("--team", "Dana Lee", "--today") == [jurgen]
    assert ids("--everyone", "--overdue") == [late]
    assert ids("--everyone", "--priority", "high") == [high]
    assert ids("--deal", str(deal)) == [late]
    assert ids("--done") == [finished]
    assert ids("--all", "--due", "today..tomorrow") == [finished, high, low]
    table = cli("task", "list", "--limit", "2")
    assert table.code == 0 and "showing the first 2 tasks" in table.err
    cli.ok("config", "unset", "me")
    assert len(ids()) == 6  # no `me`: every owner's open tasks


def test_agenda_groups_overdue_today_and_the_next_days(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang", "--manager", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    deal = _id(cli, "deal", "add", "Acme renewal", "--account", "Acme", "--amount", "EUR 1250.50", "--stage", "proposal")  # fmt: skip
    cli.ok("log", "call", "--deal", str(deal), "--at", "2026-11-20T10:00+00:00", "Talked")
    late = _id(cli, "task", "add", "Late", "--due", "-2d", "--deal", str(deal))
    early = _id(cli, "task", "add", "Early", "--due", "today", "--at", "08:00")
    today = _id(cli, "task", "add", "Today", "--due", "today")
    week = _id(cli, "task", "add", "Next week", "--due", "+7d")
    _id(cli, "task", "add", "Too far", "--due", "+8d")
    wang = _id(cli, "task", "add", "Wang's", "--due", "tomorrow", "--owner", "Wang Fang")
    result = cli.json("agenda", "--format", "json")
    assert result["counts"] == {"overdue": 2, "today": 1, "upcoming": 1}
    assert [t["id"] for t in result["overdue"]] == [late, early]
    assert [t["id"] for t in result["due_today"]] == [today]
    assert [t["id"] for t in result["upcoming"]] == [week]
    first = result["overdue"][0]
    assert (first["stage"], first["amount"], first["currency"], first["record_name"]) == (
        "proposal",
        1250.5,
        "EUR",
        "Acme renewal",
    )
    assert first["last_contact_at"] == "2026-11-20T10:00:00+00:00"
    team = cli.json("agenda", "--team", "me", "--days", "1", "--format", "json")
    assert team["counts"] == {"overdue": 2, "today": 1, "upcoming": 1}
    assert [t["id"] for t in team["upcoming"]] == [wang]
    text = cli("agenda")
    assert text.code == 0 and "2 overdue · 1 due today · 1 in the next 7 days" in text.out
    cli.ok("config", "unset", "me")
    unset = cli("agenda")
    assert unset.code == 1 and "config set me" in unset.err


def test_show_commands_list_open_tasks(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    lead = _id(cli, "lead", "add", "Ana Lima")
    account = _id(cli, "account", "add", "Acme")
    contact = _id(cli, "contact", "add", "Jürgen Groß", "--account", "Acme")
    deal = _id(cli, "deal", "add", "Renewal", "--account", "Acme")
    on_lead = _id(cli, "task", "add", "Lead task", "--lead", str(lead), "--due", "today")
    on_deal = _id(cli, "task", "add", "Deal task", "--deal", str(deal), "--due", "tomorrow")
    on_contact = _id(cli, "task", "add", "Contact task", "--contact", "jurgen gross")
    on_account = _id(cli, "task", "add", "Account task", "--account", "acme", "--due", "today")
    closed = _id(cli, "task", "add", "Closed", "--deal", str(deal))
    cli.ok("task", "done", str(closed))
    assert [t["id"] for t in cli.json("lead", "show", str(lead), "--format", "json")["tasks"]] == [
        on_lead
    ]
    assert [t["id"] for t in cli.json("deal", "show", str(deal), "--format", "json")["tasks"]] == [
        on_deal
    ]
    shown = cli.json("account", "show", str(account), "--format", "json")
    assert [t["id"] for t in shown["open_tasks"]] == [on_account, on_deal, on_contact]
    assert cli.sql("SELECT account_id FROM task WHERE id = :id", id=on_contact) == [(account,)]
    assert contact
