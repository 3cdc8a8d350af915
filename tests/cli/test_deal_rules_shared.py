"""One definition of each rule of a deal: the same bad value gets the same refusal (exit code
and message) from `deal add`, `deal edit` and `deal import`; the one JSON shape of a deal from
every command; the one deal scope (`--owner none`, `--team`) in list, stale and export; the
one output after a change (render.changed, after the commit)."""

from __future__ import annotations

import json

import pytest

LONG = "x" * 301
LONG_SOURCE = "s" * 201

# (import column, import cell, add/edit options, the message every command gives; an import
# names a cell that is not a value of its type by its column: `column 'amount': '-5' is ...`)
BAD = [
    (
        "probability",
        "150",
        ("--probability", "150"),
        "probability '150' must be a percentage from 0 to 100 (e.g. 30)",
    ),
    (
        "probability",
        "-1",
        ("--probability", "-1"),
        "probability '-1' must be a percentage from 0 to 100 (e.g. 30)",
    ),
    (
        "amount",
        "-5",
        ("--amount", "-5"),
        "amount '-5' is not an amount (e.g. 12000, 12,000.50)",
    ),
    (
        "source",
        LONG_SOURCE,
        ("--source", LONG_SOURCE),
        f"source '{'s' * 40}…' is longer than 200 characters",
    ),
]


def _import(cli, tmp_path, column: str, cell: str):
    path = tmp_path / "deals.csv"
    header = "title" if column == "title" else f"title,{column}"
    row = cell if column == "title" else f"Deal,{cell}"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    return cli("deal", "import", str(path))


@pytest.mark.parametrize(("column", "cell", "options", "message"), BAD)
def test_the_same_bad_value_is_refused_alike_by_add_edit_and_import(
    cli, tmp_path, column, cell, options, message
):
    deal = int(cli.ok("deal", "add", "Kept", "--amount", "10").out)
    before = cli.sql("SELECT * FROM deal")
    added = cli("deal", "add", "New", *options)
    edited = cli("deal", "edit", str(deal), *options)
    imported = _import(cli, tmp_path, column, cell)
    assert (added.code, added.err) == (1, f"Error: {message}\n")
    assert (edited.code, edited.err) == (1, f"Error: {message}\n")
    assert imported.code == 1
    cell = f"line 2: column '{column}': {message.removeprefix(column + ' ')}"
    assert f"line 2: {message}" in imported.err or cell in imported.err
    assert cli.sql("SELECT * FROM deal") == before
    assert cli.sql("SELECT count(*) FROM stagechange") == [(1,)]


def test_a_title_too_long_is_refused_alike(cli, tmp_path):
    deal = int(cli.ok("deal", "add", "Kept").out)
    message = f"title '{'x' * 40}…' is longer than 300 characters"
    added = cli("deal", "add", LONG)
    edited = cli("deal", "edit", str(deal), "--title", LONG)
    imported = _import(cli, tmp_path, "title", LONG)
    assert (added.code, added.err) == (1, f"Error: {message}\n")
    assert (edited.code, edited.err) == (1, f"Error: {message}\n")
    assert imported.code == 1 and f"line 2: {message}" in imported.err
    assert cli.sql("SELECT title FROM deal") == [("Kept",)]


def test_more_decimals_than_the_currency_has_is_refused_alike(cli, tmp_path):
    deal = int(cli.ok("deal", "add", "Kept", "--currency", "JPY").out)
    added = cli("deal", "add", "New", "--amount", "12.5", "--currency", "JPY")
    edited = cli("deal", "edit", str(deal), "--amount", "12.5")
    path = tmp_path / "deals.csv"
    path.write_text("title,amount,currency\nNew,12.5,JPY\n", encoding="utf-8")
    imported = cli("deal", "import", str(path))
    rule = "'12.5' has more than 0 decimal places for JPY (e.g. 12000, 12,000.50)"
    assert (added.code, added.err) == (1, f"Error: amount {rule}\n")
    assert (edited.code, edited.err) == (1, f"Error: amount {rule}\n")
    assert imported.code == 1 and f"line 2: column 'amount': {rule}" in imported.err
    assert cli.sql("SELECT count(*) FROM deal") == [(1,)]


def test_a_won_deal_in_the_future_is_refused_alike_by_edit_win_and_import(cli, tmp_path):
    deal = int(cli.ok("deal", "add", "Kept").out)
    win = cli("deal", "win", str(deal), "--on", "2026-12-01")
    assert win.code == 1
    assert "'2026-12-01' is in the future: a won deal closes on the day it happens" in win.err
    cli.ok("deal", "win", str(deal))
    edit = cli("deal", "edit", str(deal), "--close", "2026-12-01")
    assert edit.code == 1
    assert "'2026-12-01' is in the future: a won deal closes on the day it happens" in edit.err
    path = tmp_path / "deals.csv"
    path.write_text("title,stage,close_date\nW,won,2026-12-01\n", encoding="utf-8")
    imported = cli("deal", "import", str(path))
    assert imported.code == 1
    assert "'2026-12-01' is in the future: a won deal closes on the day it happens" in imported.err


def test_an_unknown_lost_reason_is_refused_alike_by_lose_and_import(cli, tmp_path):
    deal = int(cli.ok("deal", "add", "Kept").out)
    lose = cli("deal", "lose", str(deal), "--reason", "weather")
    assert lose.code == 1
    assert lose.err.startswith("Error: lost reason 'weather' is not in the list (valid reasons: ")
    path = tmp_path / "deals.csv"
    path.write_text("title,stage,lost_reason\nL,lost,weather\n", encoding="utf-8")
    imported = cli("deal", "import", str(path))
    assert imported.code == 1
    reasons = lose.err.split("(valid reasons: ")[1]
    assert f"lost_reason 'weather' is not in the list (valid reasons: {reasons}" in imported.err


def test_stage_entry_writes_one_history_row_with_the_money_of_the_deal(cli, tmp_path):
    cli.ok("rep", "add", "Ana")
    env = {"SALESCLI_REP": "Ana"}
    deal = int(cli.ok("deal", "add", "A", "--amount", "€100", env=env).out)
    cli.ok("deal", "move", str(deal), "proposal", "--probability", "50", env=env)
    cli.ok("deal", "edit", str(deal), "--amount", "250", env=env)
    cli.ok("deal", "win", str(deal), env=env)
    path = tmp_path / "deals.csv"
    path.write_text("title,amount,currency,stage\nB,99,GBP,proposal\n", encoding="utf-8")
    cli.ok("deal", "import", str(path))
    assert cli.sql(
        "SELECT d.title, s.name, c.probability, c.changed_by, c.amount_minor, c.currency "
        "FROM stagechange c JOIN deal d ON d.id = c.deal_id JOIN stage s ON s.id = c.to_stage_id "
        "ORDER BY c.id"
    ) == [
        ("A", "prospecting", 10, "Ana", 10000, "EUR"),
        ("A", "proposal", 50, "Ana", 10000, "EUR"),
        ("A", "won", 100, "Ana", 25000, "EUR"),
        ("B", "proposal", 50, "import batch 1", 9900, "GBP"),
    ]
    assert cli.sql("SELECT probability_override FROM deal ORDER BY id") == [(False,), (False,)]


def test_every_deal_command_gives_the_one_record_shape(cli):
    deal = int(cli.ok("deal", "add", "Shape", "--amount", "10").out)
    shape = list(cli.json("deal", "show", str(deal)))[:27]
    outputs = [
        cli.json("deal", "list"),
        [cli.json("deal", "edit", str(deal), "--amount", "20")],
        [cli.json("deal", "move", str(deal), "proposal")],
        [cli.json("deal", "win", str(deal))],
        [cli.json("deal", "reopen", str(deal))],
        [cli.json("deal", "lose", str(deal), "--reason", "price")],
        [cli.json("deal", "add", "Other")],
    ]
    for rows in outputs:
        assert list(rows[0]) == shape
    lost = cli.json("deal", "list", "--lost")[0]
    assert (lost["status"], lost["lost_reason"], lost["amount"]) == ("lost", "price", 20)


def test_move_win_lose_print_after_the_commit_once(cli):
    deal = int(cli.ok("deal", "add", "Out", "--amount", "10").out)
    moved = cli.ok("deal", "move", str(deal), "proposal")
    assert moved.out == ""
    assert moved.err == f"deal {deal}: prospecting → proposal (50%, best_case)\n"
    as_csv = cli.ok("deal", "move", str(deal), "negotiation", "--format", "csv")
    assert as_csv.err == ""
    header, values = as_csv.out.splitlines()
    assert header.split(",")[:3] == ["id", "title", "account"]
    assert values.startswith(f"{deal},Out,")
    won = cli.ok("deal", "win", str(deal), "--format", "json")
    assert won.err == "" and json.loads(won.out)["status"] == "won"
    reopened = cli.ok("deal", "reopen", str(deal))
    assert reopened.err == f"deal {deal} reopened in negotiation\n" and reopened.out == ""
    lost = cli.ok("deal", "lose", str(deal), "--reason", "price")
    assert lost.err == f"deal {deal} lost on 2026-11-23 (price)\n"


def test_owner_none_and_team_mean_the_same_in_list_stale_and_export(cli):
    cli.ok("rep", "add", "Boss", "--team", "East")
    cli.ok("rep", "add", "Ana", "--manager", "Boss")
    cli.ok("deal", "add", "Owned", "--owner", "Ana")
    cli.ok("deal", "add", "Nobody's")
    cli.ok("deal", "add", "Boss's", "--owner", "Boss")

    def titles(*args: str) -> list[str]:
        return sorted(r["title"] for r in cli.json(*args))

    assert titles("deal", "list", "--owner", "none") == ["Nobody's"]
    assert titles("deal", "export", "--owner", "none") == ["Nobody's"]
    assert titles("deal", "list", "--team", "Boss") == ["Boss's", "Owned"]
    assert titles("deal", "export", "--team", "Boss") == ["Boss's", "Owned"]
    later = {"SALESCLI_NOW": "2027-03-01T09:00:00+00:00"}
    stale = cli.ok("deal", "stale", "--owner", "none", "--format", "json", env=later).json()
    assert [r["title"] for r in stale] == ["Nobody's"]
    stale = cli.ok("deal", "stale", "--team", "Boss", "--format", "json", env=later).json()
    assert sorted(r["title"] for r in stale) == ["Boss's", "Owned"]
    assert cli("deal", "stale", "--owner", "Zed").code == 3
    summed = cli.ok("deal", "list", "--owner", "none", "--sum")
    assert (
        summed.err
        == "1 deals: amount 0.00 USD, weighted (open) 0.00 USD; 1 without an amount (not summed)\n"
    )


def test_product_stage_reason_and_rate_writes_end_with_the_record(cli):
    product = cli.json("product", "add", "GTX Pro", "--price", "4821")
    assert product["name"] == "GTX Pro" and product["lines"] == 0
    edited = cli.json("product", "edit", "GTX Pro", "--price", "5000")
    assert list(edited) == list(product) and edited["price"] == 5000
    assert cli.ok("product", "edit", "GTX Pro", "--inactive").err == (
        f"product {product['id']} 'GTX Pro': 5,000.00 USD\n"
    )
    stage = cli.json("deal", "stages", "add", "demo", "--probability", "30", "--category",
                     "pipeline", "--after", "qualification")  # fmt: skip
    assert {k: stage[k] for k in ("name", "probability", "kind")} == {
        "name": "demo", "probability": 30, "kind": "open",
    }  # fmt: skip
    reason = cli.json("lost-reason", "add", "timing issue")
    assert reason == {"id": reason["id"], "name": "timing issue", "deals": 0}
    rate = cli.json("currency", "rate", "set", "EUR", "1.08")
    assert rate == {
        "currency": "EUR", "rate": 1.08, "valid_on": "2026-11-23", "reporting_currency": "USD",
    }  # fmt: skip


def test_deal_product_stage_and_rate_commands_do_not_load_the_orm(cli):
    import subprocess
    import sys

    from tests.conftest import NOW, clean_env

    commands = [
        ["deal", "add", "A", "--amount", "10"],
        ["deal", "edit", "1", "--amount", "20", "--source", "web"],
        ["deal", "move", "1", "proposal"],
        ["product", "add", "Kit", "--price", "5"],
        ["product", "edit", "Kit", "--price", "6"],
        ["deal", "line", "add", "1", "Kit", "--qty", "2"],
        ["deal", "line", "list", "1"],
        ["deal", "show", "1"],
        ["deal", "history", "1"],
        ["deal", "win", "1"],
        ["deal", "reopen", "1"],
        ["lost-reason", "add", "weather"],
        ["deal", "lose", "1", "--reason", "weather"],
        ["deal", "stages", "add", "demo", "--probability", "30", "--category", "pipeline"],
        ["deal", "stages", "move", "demo", "--first"],
        ["deal", "stages", "edit", "demo", "--stale-days", "9"],
        ["deal", "stages", "remove", "demo"],
        ["currency", "rate", "set", "EUR", "1.08"],
        ["currency", "rate", "list"],
        ["product", "list"],
        ["lost-reason", "list"],
        ["deal", "stale", "--owner", "none"],
        ["deal", "list", "--all", "--group-by", "stage"],
        ["deal", "delete", "1", "--yes"],
    ]
    code = (
        "import sys\n"
        "from salescli.cli import app\n"
        f"for args in {commands!r}:\n"
        "    try:\n"
        "        app(args, prog_name='salescli')\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (args, exc.code)\n"
        "sys.stderr.write('loaded=' + ','.join(m for m in ('sqlmodel', 'salescli.models', "
        "'sqlalchemy.orm') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW),
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("loaded=")
    assert cli.sql("SELECT count(*) FROM deal") == [(0,)]
