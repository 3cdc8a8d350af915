"""One output after a change (issue 7): every write command, in every group, prints the same
way, after its transaction: in a table the new id (add) or one line on stderr (a change); with
--format json the record as `show` gives it (an object with its `id`); with --format csv that
record as one CSV row under a header."""

from __future__ import annotations

import csv
import io
import json

import pytest

SETUP = (
    ("rep", "add", "Ana Souza"),
    ("rep", "add", "Bo Berg"),
    ("product", "add", "GTX Pro", "--price", "100"),
    ("account", "add", "Acme GmbH"),
    ("account", "add", "Empty Co"),
    ("contact", "add", "Cy Chen", "--account", "Acme GmbH"),
    ("lead", "add", "Di Dorn", "--company", "Dorn AG"),
    ("lead", "add", "Ed Eng", "--company", "Eng Ltd", "--status", "qualified"),
    ("deal", "add", "Acme - 5 seats", "--amount", "500", "--account", "Acme GmbH"),
    ("deal", "add", "Acme - support", "--amount", "50", "--account", "Acme GmbH"),
    ("deal", "lose", "2", "--reason", "price"),
    ("task", "add", "Call Cy", "--contact", "1", "--due", "tomorrow", "--owner", "Ana Souza"),
    ("task", "add", "Weekly", "--due", "mon", "--every", "1w", "--owner", "Bo Berg"),
    ("task", "add", "Sent", "--deal", "1", "--owner", "Bo Berg"),
    ("task", "done", "3"),
)

# (command, the id of the record it prints, whether it creates that record)
WRITES = [
    (("lead", "add", "Fa Fox"), 3, True),
    (("lead", "edit", "1", "--title", "CTO"), 1, False),
    (("lead", "qualify", "1"), 1, False),
    (("lead", "nurture", "1"), 1, False),
    (("lead", "disqualify", "1", "--reason", "no budget"), 1, False),
    (("lead", "lose", "1", "--reason", "went quiet"), 1, False),
    (("lead", "tag", "1", "vip"), 1, False),
    (("lead", "untag", "1", "vip"), 1, False),
    (("lead", "assign", "1", "Bo Berg"), 1, False),
    (("lead", "merge", "1", "2", "--yes"), 1, False),
    (("deal", "add", "Acme - training", "--amount", "70"), 3, True),
    (("deal", "edit", "1", "--amount", "600"), 1, False),
    (("deal", "move", "1", "proposal"), 1, False),
    (("deal", "win", "1"), 1, False),
    (("deal", "lose", "1", "--reason", "price"), 1, False),
    (("deal", "reopen", "2"), 2, False),
    (("account", "add", "Beta AG"), 3, True),
    (("account", "edit", "Acme GmbH", "--industry", "Retail"), 1, False),
    (("contact", "add", "Gu Gao", "--account", "Acme GmbH"), 2, True),
    (("contact", "edit", "1", "--title", "CFO"), 1, False),
    (("log", "call", "--lead", "1", "Intro"), 1, True),
    (("log", "email", "--deal", "1", "Sent the quote"), 1, True),
    (("log", "meeting", "--account", "1", "Kick-off"), 1, True),
    (("log", "note", "--contact", "1", "Prefers mornings"), 1, True),
    (("rep", "add", "Hu Hale"), 3, True),
    (("rep", "edit", "Bo Berg", "--territory", "DACH"), 2, False),
    (("rep", "deactivate", "Bo Berg"), 2, False),
    (("product", "add", "GTX Lite", "--price", "50"), 2, True),
    (("product", "edit", "GTX Pro", "--price", "120"), 1, False),
    (("deal", "stages", "add", "demo", "--probability", "30", "--category", "pipeline"), 7, True),
    (("lost-reason", "add", "missing feature"), 7, True),
    (("task", "add", "Send the quote", "--deal", "1", "--owner", "Bo Berg"), 4, True),
    (("task", "edit", "1", "--priority", "high"), 1, False),
    (("task", "snooze", "1", "+2d"), 1, False),
    (("task", "skip", "2"), 2, False),
    (("task", "done", "1", "--log", "call"), 1, False),
    (("task", "reopen", "3"), 3, False),
    (("task", "delete", "1", "--yes"), 1, False),
    (("lead", "delete", "1", "--yes"), 1, False),
    (("deal", "delete", "2", "--yes"), 2, False),
    (("contact", "delete", "1", "--yes"), 1, False),
    (("account", "delete", "Empty Co", "--yes"), 2, False),
]


def _ids(item):
    return " ".join(item) if isinstance(item, tuple) else None


@pytest.fixture
def data(cli):
    for command in SETUP:
        cli.ok(*command)
    return cli


@pytest.mark.parametrize(("command", "record_id", "created"), WRITES, ids=_ids)
def test_json_is_the_record(data, command, record_id, created):
    result = data.ok(*command, "--format", "json")
    record = json.loads(result.out)
    assert isinstance(record, dict) and record["id"] == record_id
    assert result.err == ""


@pytest.mark.parametrize(("command", "record_id", "created"), WRITES, ids=_ids)
def test_csv_is_the_record_in_one_row(data, command, record_id, created):
    result = data.ok(*command, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert len(rows) == 1 and rows[0]["id"] == str(record_id)


@pytest.mark.parametrize(("command", "record_id", "created"), WRITES, ids=_ids)
def test_table_prints_the_id_or_one_line(data, command, record_id, created):
    result = data.ok(*command)
    if created:  # the id on stdout, at most one line of news on stderr
        assert result.out == f"{record_id}\n"
        assert len(result.err.strip().splitlines()) <= 1, result.err
    else:
        assert result.out == ""
        assert len(result.err.strip().splitlines()) == 1, result.err
