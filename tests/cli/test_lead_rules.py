"""One definition of a lead's rules: the same bad value gets the same refusal (exit code and
message) from `lead add`, `lead edit` and `lead import`; one JSON shape of a lead from every
command that prints one; `--owner me|none|ID|NAME` and `--team` in list and export."""

from __future__ import annotations

import pytest

LONG_NAME = "B" * 301
LONG_COMPANY = "C" * 301
LONG_TAG = "x" * 101
LONG_REASON = "r" * 501

# (case, add arguments, edit arguments (on lead 1), import columns, the one message)
CASES = [
    (
        "long name",
        [LONG_NAME],
        ["--name", LONG_NAME],
        {"name": LONG_NAME},
        f"name '{'B' * 40}...' is longer than 300 characters",
    ),
    (
        "long company",
        ["Ana", "--company", LONG_COMPANY],
        ["--company", LONG_COMPANY],
        {"name": "Ana", "company": LONG_COMPANY},
        f"company '{'C' * 40}...' is longer than 300 characters",
    ),
    (
        "bad email",
        ["Ana", "--email", "ana@"],
        ["--email", "ana@"],
        {"name": "Ana", "email": "ana@"},
        "email 'ana@' is not an email address (There must be something after the @-sign) "
        "(e.g. ana@example.com)",
    ),
    (
        "phone without digits",
        ["Ana", "--phone", "call me"],
        ["--phone", "call me"],
        {"name": "Ana", "phone": "call me"},
        "phone 'call me' has no digits (e.g. +49 30 1234567)",
    ),
    (
        "converted",
        ["Ana", "--status", "converted"],
        ["--status", "converted"],
        {"name": "Ana", "status": "converted"},
        "status 'converted' is set only by converting the lead (e.g. salescli lead convert 5)",
    ),
    (
        "unqualified without reason",
        ["Ana", "--status", "unqualified"],
        ["--status", "unqualified"],
        {"name": "Ana", "status": "unqualified"},
        "reason '' is required to disqualify a lead (e.g. --reason 'no budget this year')",
    ),
    (
        "reason with an open status",
        ["Ana", "--status", "new", "--reason", "why"],
        ["--status", "new", "--reason", "why"],
        {"name": "Ana", "status": "new", "status_reason": "why"},
        "--reason goes with unqualified or lost, not status 'new'",
    ),
    (
        "long reason",
        ["Ana", "--status", "lost", "--reason", LONG_REASON],
        ["--status", "lost", "--reason", LONG_REASON],
        {"name": "Ana", "status": "lost", "status_reason": LONG_REASON},
        f"reason '{'r' * 40}...' is longer than 500 characters",
    ),
    (
        "long tag",
        ["Ana", "--tag", LONG_TAG],
        None,  # tags change through `lead tag` (below)
        {"name": "Ana", "tags": LONG_TAG},
        f"tag '{'x' * 40}...' is longer than 100 characters",
    ),
]


def _csv(path, columns: dict[str, str]) -> str:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(columns))
        writer.writerow(list(columns.values()))
    return str(path)


@pytest.mark.parametrize(
    ("case", "add", "edit", "row", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_same_bad_value_same_refusal_from_add_edit_import(
    cli, tmp_path, case, add, edit, row, message
):
    assert cli.ok("lead", "add", "Existing Lead").out == "1\n"
    before = cli.sql("SELECT id, name, status, status_reason, email, phone, company FROM lead")

    added = cli("lead", "add", *add)
    assert (added.code, added.out, added.err) == (1, "", f"Error: {message}\n"), case

    if edit is not None:
        edited = cli("lead", "edit", "1", *edit)
    else:
        edited = cli("lead", "tag", "1", LONG_TAG)
    assert (edited.code, edited.out, edited.err) == (1, "", f"Error: {message}\n"), case

    imported = cli("lead", "import", _csv(tmp_path / "bad.csv", row))
    assert imported.code == 1, case
    assert f"\n  line 2: {message}\n" in imported.err, (case, imported.err)

    assert cli.sql("SELECT id, name, status, status_reason, email, phone, company FROM lead") == (
        before
    )
    assert cli.sql("SELECT count(*) FROM leadtag") == [(0,)]


def test_good_values_pass_the_same_rules_everywhere(cli, tmp_path):
    """The reasoned statuses are accepted alike: unqualified with its reason, lost with or
    without one; e-mail normalised the same way."""
    unq = cli.json("lead", "add", "Ana", "--status", "unqualified", "--reason", "no budget")
    assert (unq["status"], unq["status_reason"]) == ("unqualified", "no budget")
    lost = cli.json("lead", "add", "Bo", "--status", "lost", "--email", "Bo@Example.COM")
    assert (lost["status"], lost["status_reason"], lost["email"]) == (
        "lost",
        None,
        "Bo@example.com",
    )
    path = tmp_path / "good.csv"
    path.write_text(
        "name,status,status_reason,email\nCy,unqualified,no budget,Cy@Example.COM\nDi,lost,,\n",
        encoding="utf-8",
    )
    cli.ok("lead", "import", str(path))
    assert cli.sql("SELECT name, status, status_reason, email FROM lead ORDER BY id") == [
        ("Ana", "unqualified", "no budget", None),
        ("Bo", "lost", None, "Bo@example.com"),
        ("Cy", "unqualified", "no budget", "Cy@example.com"),
        ("Di", "lost", None, None),
    ]


# --- one JSON shape -----------------------------------------------------------------------


def test_every_command_prints_the_lead_in_its_one_shape(cli):
    cli.ok("rep", "add", "Ann")
    added = cli.json("lead", "add", "Ana Souza", "--tag", "hot", "--source", "web")
    listed = cli.json("lead", "list")
    assert listed == [added]
    shown = cli.json("lead", "show", "1")
    assert {k: shown[k] for k in added} == added
    shapes = [
        cli.json("lead", "edit", "1", "--title", "CTO"),
        cli.json("lead", "qualify", "1"),
        cli.json("lead", "tag", "1", "vip"),
        cli.json("lead", "untag", "1", "vip"),
        cli.json("lead", "assign", "1", "Ann"),
    ]
    for shape in shapes:
        assert list(shape) == list(added)
    assigned = shapes[-1]
    assert (assigned["owner"], assigned["owner_id"], assigned["title"]) == ("Ann", 1, "CTO")
    assert cli.json("lead", "list") == [assigned]


def test_changes_print_after_the_commit_in_every_format(cli):
    """render.changed: the id (add) or a note (others) in a table; the record in csv."""
    add = cli.ok("lead", "add", "Ana Souza")
    assert (add.out, add.err) == ("1\n", "")
    edit = cli.ok("lead", "edit", "1", "--title", "CTO")
    assert (edit.out, edit.err) == ("", "lead 1 updated\n")
    csv_out = cli.ok("lead", "edit", "1", "--title", "CEO", "--format", "csv").out
    header, values = csv_out.splitlines()
    assert header.startswith("id,name,email,phone,company,title,")
    assert values.startswith("1,Ana Souza,,,,CEO,")
    csv_add = cli.ok("lead", "add", "Bo Chen", "--format", "csv").out.splitlines()
    assert csv_add[0] == header and csv_add[1].startswith("2,Bo Chen,")
    deleted = cli.ok("lead", "delete", "2", "--yes", "--format", "json")
    assert deleted.json()["name"] == "Bo Chen"
    assert deleted.err == ""
    forgot = cli.ok("lead", "forget", "1", "--yes", "--format", "json")
    assert (forgot.json()["name"], forgot.json()["status"]) == ("forgotten", "new")


# --- --owner and --team -------------------------------------------------------------------


def _team(cli) -> None:
    cli.ok("rep", "add", "Max Boss", "--team", "North")
    cli.ok("rep", "add", "Ann", "--manager", "Max Boss")
    cli.ok("rep", "add", "Bob", "--team", "South")
    cli.ok("lead", "add", "L1", "--owner", "Ann")
    cli.ok("lead", "add", "L2", "--owner", "Bob")
    cli.ok("lead", "add", "L3", "--owner", "none")
    cli.ok("lead", "add", "L4", "--owner", "Max Boss")


def names(rows: list[dict]) -> list[str]:
    return sorted(row["name"] for row in rows)


def test_owner_and_team_mean_the_same_in_list_and_export(cli):
    _team(cli)
    me = {"SALESCLI_REP": "Ann"}
    cases = [
        (["--owner", "me"], me, ["L1"]),
        (["--owner", "none"], {}, ["L3"]),
        (["--owner", "2"], {}, ["L1"]),
        (["--owner", "BOB"], {}, ["L2"]),
        (["--team", "North"], {}, ["L4"]),  # the reps whose team is North
        (["--team", "north", "--owner", "none"], {}, []),
        (["--team", "Max Boss"], {}, ["L1", "L4"]),  # a manager and everyone under them
        (["--team", "me"], {"SALESCLI_REP": "Max Boss"}, ["L1", "L4"]),
        (["--team", "south"], {}, ["L2"]),
    ]
    for args, env, expected in cases:
        assert names(cli.json("lead", "list", *args, env=env)) == expected, args
        exported = cli.ok("lead", "export", "--format", "json", *args, env=env).json()
        assert names(exported) == expected, args
    for command in (["lead", "list"], ["lead", "export"]):
        unset = cli(*command, "--owner", "me")
        assert unset.code == 3 and "owner 'me' is not set" in unset.err
        missing = cli(*command, "--team", "Nowhere")
        assert missing.code == 3 and "team 'Nowhere' not found" in missing.err


def test_convert_says_what_it_made_after_the_commit_and_takes_owner_me(cli, tmp_path):
    cli.ok("rep", "add", "Ann")
    cli.ok("lead", "add", "Ana Souza", "--company", "Acme", "--owner", "none")
    done = cli.ok("lead", "convert", "1", "--owner", "me", env={"SALESCLI_REP": "Ann"})
    assert (done.out, done.err) == ("", "lead 1 converted: account 1 (new), contact 1, deal 1\n")
    assert cli.sql("SELECT owner_id FROM deal") == [(1,)]
    assert cli.sql("SELECT status FROM lead") == [("converted",)]
    # A converted lead leaves through export and does not come back in through import.
    path = tmp_path / "leads.csv"
    path.write_text(cli.ok("lead", "export").out, encoding="utf-8")
    cli.ok("lead", "delete", "1", "--yes")
    again = cli("lead", "import", str(path))
    assert again.code == 1
    assert (
        "  line 2: status 'converted' is set only by converting the lead "
        "(e.g. salescli lead convert 5)\n"
    ) in again.err
    assert cli.sql("SELECT count(*) FROM lead") == [(0,)]
