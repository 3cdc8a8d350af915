"""A list with no limit (`deal list --all --format json`, the default of json, csv and markdown;
deals, leads, activities, contacts, accounts and tasks)
is written as it is read: rows come from the database in batches (a server-side cursor on
PostgreSQL) and go out in chunks, so a million deals are never held whole. The text is the
one the paged path writes, byte for byte."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salescli.render import jsonwrite
from salescli.services import paging

CLOSES = ["2026-12-05", None, "2026-11-30", "2027-01-15", "2026-12-05", None, "2026-12-01"]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches and chunks of a few rows, so that a dozen rows cross several of each."""
    monkeypatch.setattr(paging, "STREAM_BATCH", 5)
    monkeypatch.setattr(jsonwrite, "_STREAM_CHUNK", 4)


@pytest.fixture
def records(cli, small_batches) -> None:
    cli.ok("rep", "add", "Ana Souza")
    for n in range(9):
        cli.ok("account", "add", f"Account {(n * 5) % 9} ß")
    cli.ok("currency", "rate", "set", "EUR", "1.08", "--on", "2026-01-01")
    for i in range(14):
        close = CLOSES[i % len(CLOSES)]
        cli.ok(
            "deal", "add", f"Deal {i} «Ü»", "--amount", f"{1000 + i * 37}.5{i % 10}",
            "--owner", "Ana Souza", *(["--close", close] if close else []),
            "--account", f"Account {i % 9} ß", "--currency", ["USD", "EUR"][i % 4 == 3],
        )  # fmt: skip
        cli.ok("lead", "add", f"Lead {i}", "--email", f"lead{i}@example.com")
        cli.ok("log", "call", "--deal", str(i + 1), f"call {i}\nnull", "--at",
               f"2026-11-{10 + i % 10:02d}T09:{i:02d}:00Z")  # fmt: skip
        cli.ok("contact", "add", f"Contact {14 - i} Groß", "--email", f"c{i}@example.com",
               "--account", f"Account {i % 9} ß")  # fmt: skip
        cli.ok("task", "add", f"Task {i}", "--deal", str(i + 1),
               *(["--due", close] if close else []), "--priority", ["high", "low"][i % 2])  # fmt: skip
    cli.ok("task", "done", "2")
    cli.ok("deal", "win", "3")
    cli.ok("deal", "win", "4", "--on", "2026-11-02")  # in EUR: its account's won amount converted
    cli.ok("deal", "lose", "5", "--reason", "price")


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
@pytest.mark.parametrize(
    "command",
    [
        ["deal", "list", "--all"],
        ["deal", "list"],
        ["lead", "list"],
        ["activity", "list"],
        ["contact", "list"],
        ["account", "list"],
        ["account", "list", "--sort", "created"],
        ["account", "list", "--sort", "won"],
        ["task", "list", "--all", "--everyone"],
        ["task", "list", "--done", "--everyone"],
    ],
)
def test_a_whole_list_is_the_text_of_the_paged_list(cli, records, command, fmt):
    whole = cli.ok(*command, "--format", fmt)
    paged = cli.ok(*command, "--format", fmt, "--limit", "1000")
    assert whole.out == paged.out
    assert whole.err == paged.err == ""


def test_every_deal_in_close_order(cli, records):
    shown = [d["id"] for d in cli.json("deal", "list", "--all")]
    assert shown == [
        row[0]
        for row in cli.sql(
            "SELECT id FROM deal ORDER BY CASE WHEN close_date IS NULL THEN 1 ELSE 0 END, "
            "close_date, id"
        )
    ]
    assert len(shown) == 14
    opened = cli.json("deal", "list")
    assert [d["id"] for d in opened] == [i for i in shown if i not in (3, 4, 5)]
    csv_lines = cli.ok("deal", "list", "--all", "--format", "csv").out.splitlines()
    assert len(csv_lines) == 15 and csv_lines[0].startswith("id,title,")


def test_a_whole_list_is_written_as_it_is_read(cli, records, monkeypatch):
    """Reading and writing interleave: the first chunk is out before the last row is read."""
    from salescli.services.deals import queries

    events: list[str] = []
    read, write = queries.each_row, jsonwrite._JsonWriter._items

    def reading(conn, query):  # type: ignore[no-untyped-def]
        for row in read(conn, query):
            events.append("read")
            yield row

    def writing(self, chunk, depth, pad):  # type: ignore[no-untyped-def]
        events.append("write")
        return write(self, chunk, depth, pad)

    monkeypatch.setattr(queries, "each_row", reading)
    monkeypatch.setattr(jsonwrite._JsonWriter, "_items", writing)
    assert len(cli.json("deal", "list", "--all")) == 14
    assert events.count("read") == 14 and events.count("write") == 4  # chunks of 4: 4+4+4+2
    last_read = len(events) - 1 - events[::-1].index("read")
    assert events.index("write") < last_read
    assert events[:5] == ["read"] * 4 + ["write"]


def test_a_whole_list_to_a_file_and_its_sum(cli, records, tmp_path):
    out = tmp_path / "deals.json"
    done = cli.ok("deal", "list", "--all", "--sum", "--format", "json", "--output", str(out))
    assert out.read_text(encoding="utf-8") == cli.ok("deal", "list", "--all", "--format",
                                                     "json").out  # fmt: skip
    usd, eur = (
        int(cli.sql("SELECT sum(amount_minor) FROM deal WHERE currency = :c", c=c)[0][0])
        for c in ("USD", "EUR")
    )
    total = (Decimal(usd) + Decimal(eur) * Decimal("1.08")) / 100  # one EUR rate: 1.08
    assert f"14 deals: amount {total.quantize(Decimal('0.01')):,} USD," in done.err


def test_an_empty_whole_list(cli, small_batches):
    assert cli.ok("deal", "list", "--all", "--format", "json").out == "[]\n"
    assert cli.ok("lead", "list", "--format", "csv").out.startswith("id,")
    assert cli.ok("activity", "list", "--format", "json").out == "[]\n"
    assert cli.ok("contact", "list", "--format", "markdown").out.count("\n") == 2
    assert cli.ok("task", "list", "--format", "json").out == "[]\n"


def test_every_account_with_its_won_amount_converted(cli, records):
    accounts = cli.json("account", "list")
    assert [a["name"] for a in accounts] == [f"Account {n} ß" for n in range(9)]
    won = {a["name"]: a["won_amount"] for a in accounts if a["won_deals"]}
    # Deal 3 (USD 1,074.52) and deal 4 (EUR 1,111.53 at 1.08 = USD 1,200.45) were won.
    assert cli.sql("SELECT amount_minor, currency FROM deal WHERE id IN (3, 4) ORDER BY id") == [
        (107452, "USD"),
        (111153, "EUR"),
    ]
    assert won == {"Account 2 ß": 1074.52, "Account 3 ß": 1200.45}


def test_task_export_is_read_as_it_is_written(cli, records, monkeypatch):
    """`task export` (CSV or JSON, every task) reads through `paging.each_row` too."""
    read = paging.each_row
    seen: list[int] = []

    def reading(conn, query):  # type: ignore[no-untyped-def]
        for row in read(conn, query):
            seen.append(row.id)
            yield row

    monkeypatch.setattr(paging, "each_row", reading)
    lines = cli.ok("task", "export", "--everyone").out.splitlines()
    ids = [int(line.split(",")[0]) for line in lines[1:]]
    assert ids == seen and sorted(ids) == [
        row[0] for row in cli.sql("SELECT id FROM task ORDER BY id")
    ]
    assert len(ids) == 14
    exported = cli.json("task", "export", "--everyone")
    assert [t["id"] for t in exported] == ids
    assert [t["status"] for t in exported].count("done") == 1
