"""Who can hold a quota: a team quota needs a manager who manages someone (`quota set --team`
and a `team` row of `quota import`), and nobody holds one for the deals without an owner
(`quota progress --rep none`)."""

from __future__ import annotations

import json


def _team(cli) -> None:
    """Maria Lopez > Ana Souza > Bo Chen: Bo manages nobody."""
    cli.ok("rep", "add", "Maria Lopez")
    cli.ok("rep", "add", "Ana Souza", "--manager", "Maria Lopez")
    cli.ok("rep", "add", "Bo Chen", "--manager", "Ana Souza")


def test_team_quota_refused_for_a_rep_who_manages_nobody(cli):
    _team(cli)
    refused = cli("quota", "set", "--team", "bo chen", "1000", "--period", "2027-Q1")
    assert refused.code == 1
    assert refused.err.strip() == (
        "Error: --team 'Bo Chen' manages nobody: a quota team is a manager and everyone under "
        'them; set a rep quota instead (salescli quota set "Bo Chen" 1000 --period 2027-Q1)'
    )
    counts = cli("quota", "set", "--team", "Bo Chen", "12", "--period", "2027-Q1", "--metric", "deals")  # fmt: skip
    assert counts.code == 1
    assert '(salescli quota set "Bo Chen" 12 --period 2027-Q1 --metric deals)' in counts.err
    assert cli.sql("SELECT count(*) FROM quota") == [(0,)]
    # The advice works; a manager of someone still holds a team quota.
    cli.ok("quota", "set", "Bo Chen", "1000", "--period", "2027-Q1")
    cli.ok("quota", "set", "--team", "Ana Souza", "5000", "--period", "2027-Q1")
    assert cli.sql("SELECT scope, target FROM quota ORDER BY id") == [
        ("rep", 100_000),
        ("team", 500_000),
    ]


def test_quota_import_refuses_a_team_row_for_a_rep_who_manages_nobody(cli, tmp_path):
    _team(cli)
    path = tmp_path / "quotas.csv"
    path.write_text(
        "rep,team,amount,period\n,Maria Lopez,9000,2027-Q1\nBo Chen,,1000,2027-Q1\n,Bo Chen,1000,2027-Q1\n",  # fmt: skip
        encoding="utf-8",
    )
    refused = cli("quota", "import", str(path))
    assert refused.code == 1
    assert (
        "  line 4: team 'Bo Chen' manages nobody: a quota team is a manager and everyone under "
        "them; give the name as rep for a rep quota"
    ) in refused.err.splitlines()
    assert "line 2" not in refused.err and "line 3" not in refused.err
    assert cli.sql("SELECT count(*) FROM quota") == [(0,)]  # all or nothing
    path.write_text("rep,team,amount,period\n,Maria Lopez,9000,2027-Q1\n", encoding="utf-8")
    cli.ok("quota", "import", str(path))
    assert cli.sql("SELECT scope, target FROM quota") == [("team", 900_000)]


def test_quota_progress_rep_none_says_no_quota_covers_unowned_deals(cli):
    _team(cli)
    cli.ok("quota", "set", "Bo Chen", "1000", "--period", "2026-Q4")
    deal = cli.ok("deal", "add", "Nobody's", "--owner", "none", "--amount", "700").out.strip()
    cli.ok("deal", "win", deal, "--on", "2026-11-02")
    note = (
        "no quota covers deals without an owner: quotas are set for reps and teams "
        '(e.g. salescli quota progress --rep "Ana Souza")'
    )
    table = cli.ok("quota", "progress", "--rep", "none")
    assert (table.out, table.err.strip()) == ("", note)
    as_json = cli.ok("quota", "progress", "--rep", "None", "--format", "json")
    assert (json.loads(as_json.out), as_json.err.strip()) == ([], note)
    # Everyone's progress leaves the unowned 700 out too (deals without an owner count for
    # nobody, docs/quotas.md).
    everyone = cli.json("quota", "progress")
    assert [(r["rep"], r["team"], r["actual"]) for r in everyone] == [
        ("Ana Souza", "Ana Souza", 0), ("Maria Lopez", "Maria Lopez", 0), ("Bo Chen", None, 0),
    ]  # fmt: skip
