"""Finding and seeing (issue 8): list defaults, limits per format, accent-blind search and
lookups, group-by, lead sources, tag spelling."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest


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
    def add(title: str, close: str) -> int:
        return int(cli.ok("deal", "add", title, "--amount", "10", "--close", close).out)

    old = add("Old 2017", "2017-03-01")
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
