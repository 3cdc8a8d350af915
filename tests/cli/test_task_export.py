"""`task export`: an iCalendar file parsed back with icalendar (every entry checked), stable
UIDs across exports, the owner and period filters; and the CSV/JSON export."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from icalendar import Calendar

from salescli.services import paging


def _id(cli, *args: str) -> int:
    return int(cli.ok(*args).out.strip())


def _setup(cli) -> dict[str, int]:
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Wang Fang")
    cli.ok("config", "set", "me", "Ana Souza")
    cli.ok("config", "set", "timezone", "Europe/Berlin")
    deal = _id(cli, "deal", "add", "Acme renewal", "--account", "Acme", "--amount", "EUR 1250.50", "--stage", "proposal", "--owner", "Ana Souza")  # fmt: skip
    ids = {
        "call": _id(
            cli,
            "task",
            "add",
            "Call Acme",
            "--deal",
            str(deal),
            "--due",
            "tomorrow",
            "--at",
            "14:00",
            "--priority",
            "high",
            "--note",
            "Ask about seats",
        ),  # fmt: skip
        "day": _id(cli, "task", "add", "Send deck", "--due", "2026-12-01"),
        "someday": _id(cli, "task", "add", "Read the RFP"),
        "wang": _id(cli, "task", "add", "Wang's", "--owner", "Wang Fang", "--due", "tomorrow"),
        "done": _id(cli, "task", "add", "Done already", "--due", "today"),
    }
    cli.ok("task", "done", str(ids["done"]))
    ids["deal"] = deal
    return ids


def _entries(text: str) -> dict[str, dict]:
    calendar = Calendar.from_ical(text)
    found = {}
    for component in calendar.walk():
        if component.name in ("VTODO", "VEVENT"):
            found[str(component["summary"])] = {
                "kind": component.name,
                "uid": str(component["uid"]),
                "due": component["due"].dt if "due" in component else None,
                "start": component["dtstart"].dt if "dtstart" in component else None,
                "end": component["dtend"].dt if "dtend" in component else None,
                "priority": int(component["priority"]),
                "description": str(component.get("description", "")),
            }
    return found


def test_ics_has_every_open_task_of_mine_with_its_zone(cli, tmp_path):
    ids = _setup(cli)
    target = tmp_path / "tasks.ics"
    result = cli("task", "export", "--ics", str(target))
    assert result.code == 0 and f"Exported 3 open tasks to {target}" in result.err
    entries = _entries(target.read_text())
    assert set(entries) == {"Call Acme", "Send deck", "Read the RFP"}
    berlin = ZoneInfo("Europe/Berlin")
    call = entries["Call Acme"]
    assert call["kind"] == "VEVENT"
    assert call["start"] == dt.datetime(2026, 11, 24, 14, 0, tzinfo=berlin)
    assert call["start"].utcoffset() == dt.timedelta(hours=1)
    assert call["end"] - call["start"] == dt.timedelta(minutes=30)
    assert call["priority"] == 1
    assert call["description"] == (
        f"deal {ids['deal']}: Acme renewal (proposal, 1,250.50 EUR)\nOwner: Ana Souza\nAsk about seats"
    )
    assert entries["Send deck"]["kind"] == "VTODO"
    assert entries["Send deck"]["due"] == dt.date(2026, 12, 1)
    assert entries["Read the RFP"]["due"] is None
    assert call["uid"].startswith(f"salescli-task-{ids['call']}-")
    # The VTIMEZONE for Europe/Berlin is in the file: calendars place 14:00 right.
    assert "BEGIN:VTIMEZONE" in target.read_text() and "TZID:Europe/Berlin" in target.read_text()


def test_uids_are_stable_and_filters_apply(cli, tmp_path):
    ids = _setup(cli)
    first = _entries(cli.ok("task", "export", "--ics", "-").out)
    cli.ok("task", "edit", str(ids["call"]), "--at", "16:00")
    second = _entries(cli.ok("task", "export", "--ics", "-").out)
    assert {k: v["uid"] for k, v in first.items()} == {k: v["uid"] for k, v in second.items()}
    assert second["Call Acme"]["start"].hour == 16
    everyone = _entries(cli.ok("task", "export", "--ics", "-", "--everyone").out)
    assert set(everyone) == {"Call Acme", "Send deck", "Read the RFP", "Wang's"}
    wang = _entries(cli.ok("task", "export", "--ics", "-", "--owner", "wang fang").out)
    assert set(wang) == {"Wang's"}
    december = _entries(cli.ok("task", "export", "--ics", "-", "--due", "2026-12").out)
    assert set(december) == {"Send deck"}
    both = cli("task", "export", "--ics", "-", "--output", str(tmp_path / "x"))
    assert both.code == 2


def test_csv_and_json_export_every_task(cli):
    ids = _setup(cli)
    rows = json.loads(cli.ok("task", "export", "--format", "json", "--everyone").out)
    assert [r["id"] for r in rows] == [ids["done"], ids["call"], ids["wang"], ids["day"], ids["someday"]]  # fmt: skip
    assert [r["status"] for r in rows] == ["done", "open", "open", "open", "open"]
    text = cli.ok("task", "export").out.splitlines()
    assert text[0].startswith("id,title,due,due_at,timed,status")
    assert len(text) == 1 + 4  # mine: header + 4 tasks (Wang's is not mine)


def test_the_calendar_written_in_pieces_is_icalendars_own_text(cli, tmp_path, monkeypatch):
    """The calendar is written entry by entry (the tasks never held whole): the text is the
    one icalendar writes for the calendar parsed back whole, its VTIMEZONE before the entries
    when a task has a time, and none when none has."""
    ids = _setup(cli)

    def export(*args: str) -> str:  # from a file: the runner's stdout turns CRLF into LF
        path = tmp_path / "tasks.ics"
        cli.ok("task", "export", "--ics", str(path), *args)
        return path.read_bytes().decode()

    read: list[int] = []
    each_row = paging.each_row

    def reading(conn, query):  # type: ignore[no-untyped-def]
        for row in each_row(conn, query):
            read.append(row.id)
            yield row

    monkeypatch.setattr(paging, "each_row", reading)
    text = export("--everyone")
    assert sorted(read) == sorted(ids[k] for k in ("call", "day", "someday", "wang"))
    assert Calendar.from_ical(text).to_ical().decode() == text
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//salescli//tasks//EN\r\n")
    assert text.endswith("END:VCALENDAR\r\n") and text.count("END:VCALENDAR") == 1
    assert text.count("BEGIN:VTIMEZONE") == 1
    assert text.index("END:VTIMEZONE") < text.index("BEGIN:VEVENT") < text.index("BEGIN:VTODO")
    cli.ok("task", "delete", str(ids["call"]), "--yes")  # the one task with a time
    untimed = export("--everyone")
    assert "VTIMEZONE" not in untimed and "VEVENT" not in untimed
    assert untimed.count("BEGIN:VTODO") == 3
    assert Calendar.from_ical(untimed).to_ical().decode() == untimed
    empty = export("--due", "2030-01")
    assert empty == (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//salescli//tasks//EN\r\n"
        "X-WR-CALNAME:salescli tasks\r\nEND:VCALENDAR\r\n"
    )
