"""One vocabulary: `--owner me|none|ID|NAME`, `--rep` and `--team` mean the same rows in every
command that has them (issue 7). Each form runs through each command, on both backends."""

from __future__ import annotations

import pytest

ME = {"SALESCLI_REP": "Bo Berg"}
# Ana manages Bo, Bo manages Cy; Di is alone in team West.
REPS = (
    ("Ana Lima",),
    ("Bo Berg", "--manager", "Ana Lima"),
    ("Cy Chen", "--manager", "Bo Berg"),
    ("Di Dorn", "--team", "West"),
)
OWNERS = ("Ana Lima", "Bo Berg", "Cy Chen", "Di Dorn", "none")


@pytest.fixture
def team(cli):
    for rep in REPS:
        cli.ok("rep", "add", *rep)
    ids = {name: i for i, (name, *_) in enumerate(REPS, start=1)}
    assert cli.sql("SELECT id, name FROM rep ORDER BY id") == [(i, n) for n, i in ids.items()]
    for owner in OWNERS:
        tag = owner.split()[0]
        cli.ok("lead", "add", f"Lead {tag}", "--owner", owner)
        cli.ok("account", "add", f"Account {tag}", "--owner", owner)
        cli.ok("contact", "add", f"Contact {tag}", "--owner", owner)
        cli.ok("deal", "add", f"Deal {tag}", "--amount", "100", "--owner", owner)
        if owner != "none":
            lead = cli.sql("SELECT id FROM lead WHERE name = :n", n=f"Lead {tag}")[0][0]
            cli.ok("log", "call", "--lead", str(lead), "--rep", owner, f"Call {tag}")
    return ids


# The forms of one reference to Bo: his id, his name in another case, `me` (SALESCLI_REP).
BO_FORMS = ("2", "bo BERG", "me")

OWNER_FILTERS = [
    # (command, the key of a row's label)
    (("lead", "list"), "name"),
    (("lead", "export"), "name"),
    (("account", "list"), "name"),
    (("account", "export"), "name"),
    (("deal", "list"), "title"),
    (("deal", "export"), "title"),
    (("deal", "stale"), "title"),
]


LATER = {**ME, "SALESCLI_NOW": "2027-03-01T09:00:00+00:00"}  # every deal idle for months


def labels(cli, command, key, *args):
    env = LATER if "stale" in command else ME
    limit = () if "export" in command else ("--limit", "0")
    rows = cli.json(*command, *args, *limit, env=env)
    return sorted(row[key].split()[-1] for row in rows)


@pytest.mark.parametrize(
    ("command", "key"), OWNER_FILTERS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v
)
def test_owner_forms_mean_the_same_rows_in_every_list(cli, team, command, key):
    for form in BO_FORMS:
        assert labels(cli, command, key, "--owner", form) == ["Bo"], form
    assert labels(cli, command, key, "--owner", "none") == ["none"]
    assert labels(cli, command, key, "--owner", "ana lima") == ["Ana"]
    result = cli(*command, "--owner", "Nobody Here", env=ME)
    assert result.code == 3
    assert "rep 'Nobody Here' not found (see: salescli rep list)" in result.err


def test_rep_forms_in_activity_list(cli, team):
    for form in BO_FORMS:
        rows = cli.json("activity", "list", "--rep", form, env=ME)
        assert [row["text"] for row in rows] == ["Call Bo"], form


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("Ana Lima", ["Ana", "Bo", "Cy"]),
        ("me", ["Bo", "Cy"]),
        ("2", ["Bo", "Cy"]),
        ("West", ["Di"]),
    ],
)
def test_team_is_a_manager_and_everyone_under_them(cli, team, form, expected):
    rows = cli.json("deal", "list", "--team", form, env=ME)
    assert sorted(row["title"].split()[-1] for row in rows) == expected


@pytest.mark.parametrize(
    "command",
    [
        ("lead", "add", "New lead"),
        ("account", "add", "New account"),
        ("contact", "add", "New contact"),
        ("deal", "add", "New deal"),
    ],
    ids=lambda v: " ".join(v[:2]),
)
def test_owner_forms_set_the_same_owner_in_every_add(cli, team, command):
    table = command[0]
    for n, (form, expected) in enumerate((("me", 2), ("2", 2), ("bo BERG", 2), ("none", None))):
        record = cli.json(*command[:2], f"{command[2]} {n}", "--owner", form, env=ME)
        assert cli.sql(f"SELECT owner_id FROM {table} WHERE id = :i", i=record["id"]) == [
            (expected,)
        ], form
        assert record["owner_id"] == expected


TASK_VIEWS = [
    # (command, how to read the owners' tags from its JSON)
    (("task", "list"), lambda out: [t["title"] for t in out]),
    (("task", "export", "--format", "json"), lambda out: [t["title"] for t in out]),
    (
        ("agenda",),
        lambda out: [t["title"] for key in ("overdue", "due_today", "upcoming") for t in out[key]],
    ),
]


@pytest.mark.parametrize(("command", "read"), TASK_VIEWS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")  # fmt: skip
def test_owner_and_team_forms_in_the_task_views(cli, team, command, read):
    for owner in OWNERS[:-1]:
        cli.ok("task", "add", f"Task {owner.split()[0]}", "--owner", owner, "--due", "today")

    def tags(*args: str) -> list[str]:
        fmt = () if "export" in command else ("--format", "json")
        return sorted(title.split()[-1] for title in read(cli.json(*command, *args, *fmt, env=ME)))

    for form in BO_FORMS:
        assert tags("--owner", form) == ["Bo"], form
    assert tags("--owner", "ana lima") == ["Ana"]
    assert tags("--team", "Ana Lima") == ["Ana", "Bo", "Cy"]
    assert tags("--team", "me") == ["Bo", "Cy"]
    assert tags("--team", "West") == ["Di"]
    assert tags() == ["Bo"]  # me by default
    missing = cli(*command, "--owner", "Nobody Here", env=ME)
    assert missing.code == 3 and "rep 'Nobody Here' not found" in missing.err


def test_owner_forms_set_the_task_owner(cli, team):
    for form in ("me", "2", "bo BERG"):
        task = cli.json("task", "add", f"Task {form}", "--owner", form, "--format", "json", env=ME)
        assert cli.sql("SELECT owner_id FROM task WHERE id = :i", i=task["id"]) == [(2,)], form
    refused = cli("task", "add", "Nobody's", "--owner", "none", env=ME)
    assert refused.code == 1 and "needs an owner" in refused.err
