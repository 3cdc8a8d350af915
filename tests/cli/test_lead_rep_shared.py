"""One definition each, seen from every command that uses it: a rep's open leads (`rep list`
and `lead assign --auto` load routing), the lead filters of `lead list` and `lead export`,
and the yes/no words of `rep import`."""

from __future__ import annotations

import csv
import io

from tests.cli.test_routing import rep
from tests.cli.test_scoring import seed_lead


def test_forgotten_leads_are_not_open_leads(cli):
    ann, bob = rep(cli, "Ann"), rep(cli, "Bob")
    kept = seed_lead(cli, "Kept", owner_id=ann)
    gone = seed_lead(cli, "Gone", owner_id=ann, email="gone@example.com")
    seed_lead(cli, "Bobs", owner_id=bob)
    seed_lead(cli, "Closed", owner_id=bob, status="lost")
    assert {r["name"]: r["open_leads"] for r in cli.json("rep", "list")} == {"Ann": 2, "Bob": 1}
    cli.ok("lead", "forget", str(gone), "--yes")
    # The forgotten lead keeps its owner and status but is no longer worked.
    assert cli.sql("SELECT owner_id, status FROM lead WHERE id = :i", i=gone) == [(ann, "new")]
    assert {r["name"]: r["open_leads"] for r in cli.json("rep", "list")} == {"Ann": 1, "Bob": 1}
    assert cli.json("rep", "show", "Ann")["open_leads"] == 1
    new = seed_lead(cli, "New")
    rows = cli.json("lead", "assign", "--auto", "--strategy", "load", "--status", "NEW")
    assert [(r["lead_id"], r["rep"], r["reason"]) for r in rows] == [
        (new, "Ann", "load: 1 open lead")
    ]
    assert kept != new


def test_lead_list_and_export_share_filters(cli, tmp_path):
    ann = rep(cli, "Ann")
    cli.ok("lead", "add", "Ana", "--source", "web", "--owner", "Ann", "--tag", "b,a")
    cli.ok("lead", "add", "Bo", "--source", "web", "--status", "qualified")
    cli.ok("lead", "add", "Cy", "--owner", str(ann))
    for args, names in [
        (("--owner", "ann"), ["Ana", "Cy"]),
        (("--owner", str(ann), "--source", "web"), ["Ana"]),
        (("--owner", "NONE"), ["Bo"]),
        (("--source", " "), ["Cy"]),
        (("--status", "QUALIFIED"), ["Bo"]),
        (("--status", "new", "--status", "qualified", "--source", "web"), ["Ana", "Bo"]),
    ]:
        listed = sorted(r["name"] for r in cli.json("lead", "list", *args))
        exported = [r["name"] for r in cli.json("lead", "export", *args)]
        assert listed == exported == names, args
    listed = cli.json("lead", "list", "--owner", "Ann", "--sort", "name")[0]
    exported = cli.json("lead", "export", "--owner", "Ann")[0]
    shared = set(listed) & set(exported)
    assert shared == {
        "id", "name", "email", "phone", "company", "title", "source", "status",
        "status_reason", "territory", "owner", "score", "tags", "created_at", "updated_at",
        "last_contact_at",
    }  # fmt: skip
    assert {k: listed[k] for k in shared} == {k: exported[k] for k in shared}
    assert set(exported) - shared == {"external_id", "notes"}
    assert listed["owner_id"] == ann and exported["tags"] == ["a", "b"]
    target = tmp_path / "none.csv"
    for command in ("list", "export"):
        missing = cli("lead", command, "--owner", "Zed", "--output", str(target))
        assert missing.code == 3, command
        assert missing.err.strip() == "Error: rep 'Zed' not found (see: salescli rep list)"
        assert not target.exists()
        bad = cli("lead", command, "--status", "open")
        assert bad.code == 2 and "open" in bad.err


def test_rep_import_reads_yes_no_and_active_words(cli, tmp_path):
    path = tmp_path / "reps.csv"
    path.write_text(
        "name,active\nA1,yes\nA2,Active\nA3,\nI1,0\nI2,INACTIVE\nI3,off\n", encoding="utf-8"
    )
    cli.ok("rep", "import", str(path))
    assert cli.sql("SELECT name, active FROM rep ORDER BY id") == [
        ("A1", True), ("A2", True), ("A3", True), ("I1", False), ("I2", False), ("I3", False),
    ]  # fmt: skip
    out = cli.ok("rep", "export").out
    assert [(r["name"], r["active"]) for r in csv.DictReader(io.StringIO(out))] == [
        ("A1", "true"), ("A2", "true"), ("A3", "true"),
        ("I1", "false"), ("I2", "false"), ("I3", "false"),
    ]  # fmt: skip
