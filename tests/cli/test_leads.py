"""The lead command group (core): add, list, show, edit, status verbs, tags, delete,
duplicates, merge, sources, forget, export-person — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
from pathlib import Path

import pytest

from tests.conftest import NOW

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# Scoring rules pinned for these tests, so the expected scores below are computed by hand
# from this table and do not move when the shipped defaults change.
RULES = {
    "scoring.source.referral": "30",
    "scoring.source.web": "10",
    "scoring.field.email": "4",
    "scoring.field.phone": "3",
    "scoring.field.company": "2",
    "scoring.field.title": "1",
    "scoring.tag.hot": "20",
    "scoring.tag.enterprise": "7",
    "scoring.tag.price-objection": "-6",
}


def insert(cli, table: str, **values) -> int:
    """Seed a row straight into a table (activities, tasks, contacts, deals belong to other
    command groups, not under test here), schema defaults filled in; returns its id."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    from salescli.tables import METADATA

    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = sa.create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            result = conn.execute(METADATA.tables[table].insert().values(**values))
            return result.inserted_primary_key[0]
    finally:
        eng.dispose()


def execute(cli, statement: str, **params) -> None:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = sa.create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text(statement), params)
    finally:
        eng.dispose()


def pin_rules(cli) -> None:
    """The RULES settings, written as `config set` would store them (one step, not nine)."""
    cli.ok("db", "init")
    for key, value in RULES.items():
        insert(cli, "setting", key=key, value=value)
    assert cli.ok("config", "get", "scoring.tag.price-objection").out == "-6\n"


def add(cli, *args: str) -> int:
    return int(cli.ok("lead", "add", *args).out)


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]


# --- add ----------------------------------------------------------------------------------


def test_add_prints_id_then_json_record_with_default_owner(cli):
    pin_rules(cli)
    assert cli.ok("rep", "add", "Bo Chen").out == "1\n"
    assert cli.ok("lead", "add", "Nobody Owns Me").out == "1\n"  # no "me" yet: no owner
    cli.ok("config", "set", "me", "Bo Chen")
    record = cli.json(
        "lead", "add", "  Ana   Souza ", "--email", "Ana@Example.COM", "--phone",
        "+49 (30) 1234-567", "--company", "Acme GmbH", "--title", "CTO", "--source", "referral",
        "--tag", "Hot,Enterprise", "--tag", "price-objection", "--territory", "EMEA",
        "--notes", "met at the fair",
    )  # fmt: skip
    assert record == {
        "id": 2,
        "name": "Ana Souza",
        "email": "Ana@example.com",
        "phone": "+49 (30) 1234-567",
        "company": "Acme GmbH",
        "title": "CTO",
        "source": "referral",
        "status": "new",
        "status_reason": None,
        "territory": "EMEA",
        "owner": "Bo Chen",
        "owner_id": 1,
        "score": 30 + 4 + 3 + 2 + 1 + 20 + 7 - 6,
        "tags": ["Enterprise", "Hot", "price-objection"],
        "created_at": NOW,
        "updated_at": NOW,
        "last_contact_at": None,
    }
    assert cli.sql(
        "SELECT email_key, phone_key, search_text, notes, owner_id, forgotten FROM lead "
        "WHERE id = 2"
    ) == [
        (
            "ana@example.com",
            "+49301234567",
            "ana souza | ana@example.com | +49 (30) 1234-567 | acme gmbh | cto",
            "met at the fair",
            1,
            False,
        )
    ]
    assert cli.sql("SELECT owner_id FROM lead WHERE id = 1") == [(None,)]
    assert cli.sql(
        "SELECT lead_id, rep_id, previous_rep_id, strategy, reason, assigned_by "
        "FROM leadassignment ORDER BY id"
    ) == [(2, 1, None, "manual", "default owner (me)", "Bo Chen")]


def test_add_owner_option(cli):
    cli.ok("rep", "add", "Bo Chen")
    cli.ok("config", "set", "me", "Bo Chen")
    assert cli.json("lead", "add", "A", "--owner", "none")["owner_id"] is None
    assert cli.json("lead", "add", "B", "--owner", "BO CHEN")["owner"] == "Bo Chen"
    assert cli.json("lead", "add", "C", "--owner", "1")["owner_id"] == 1
    missing = cli("lead", "add", "D", "--owner", "Nobody Here")
    assert missing.code == 3
    assert "rep 'Nobody Here' not found" in missing.err
    assert cli.sql("SELECT count(*) FROM lead") == [(3,)]
    # SALESCLI_REP names "me" too; an unknown rep there is refused like `config set me`.
    result = cli("lead", "add", "E", env={"SALESCLI_REP": "Ghost"})
    assert result.code == 3
    assert result.err == "Error: SALESCLI_REP 'Ghost' is not a rep (see: salescli rep list)\n"
    assert cli.sql("SELECT count(*) FROM lead") == [(3,)]


def test_add_rejects_bad_input_and_writes_nothing(cli):
    bad_email = cli("lead", "add", "Ana", "--email", "ana@")
    assert bad_email.code == 1
    assert "email 'ana@' is not an email address" in bad_email.err
    assert "(e.g. ana@example.com)" in bad_email.err
    blank = cli("lead", "add", "   ")
    assert blank.code == 1 and "name '' is empty" in blank.err
    phone = cli("lead", "add", "Ana", "--phone", "call me")
    assert phone.code == 1 and "phone 'call me' has no digits" in phone.err
    converted = cli("lead", "add", "Ana", "--status", "converted")
    assert converted.code == 1 and "lead convert" in converted.err
    assert cli("lead", "add", "Ana", "--status", "hot").code == 2
    long_tag = cli("lead", "add", "Ana", "--tag", "x" * 101)
    assert long_tag.code == 1 and "longer than 100 characters" in long_tag.err
    assert cli.sql("SELECT count(*) FROM lead") == [(0,)]
    assert cli.sql("SELECT count(*) FROM leadtag") == [(0,)]


def test_add_refuses_duplicate_email_or_phone_and_warns_on_similar_name(cli):
    assert add(cli, "Ana Souza", "--email", "ana@x.com", "--phone", "+1 555 0100") == 1
    same_email = cli("lead", "add", "Someone Else", "--email", "ANA@X.COM")
    assert same_email.code == 1
    assert same_email.err.strip() == (
        "Error: lead 1 already has email ana@x.com; use --allow-duplicate to add anyway"
    )
    same_phone = cli("lead", "add", "Someone Else", "--phone", "+1 (555) 01-00")
    assert same_phone.code == 1
    assert "lead 1 already has phone +1 555 0100;" in same_phone.err
    assert cli.sql("SELECT count(*) FROM lead") == [(1,)]
    forced = cli.ok("lead", "add", "Other Person", "--email", "ana@x.com", "--allow-duplicate")
    assert forced.out == "2\n"
    assert cli.sql("SELECT count(*) FROM lead WHERE email_key = 'ana@x.com'") == [(2,)]
    # Near-identical name + company: added, with a warning naming the similar lead.
    add(cli, "Jürgen Groß", "--company", "Groß Maschinenbau")
    similar = cli.ok("lead", "add", "Jurgen Groß", "--company", "Groß Maschinenbau")
    assert similar.out == "4\n"
    assert "Warning: lead 3 has a near-identical name and company (100% alike)" in similar.err
    different = cli.ok("lead", "add", "Maria Lopez", "--company", "Groß Maschinenbau")
    assert "Warning" not in different.err


# --- list ---------------------------------------------------------------------------------


def seed_list(cli) -> None:
    pin_rules(cli)
    cli.ok("rep", "add", "Bo Chen")
    cli.ok("rep", "add", "Ana Lima")

    def at(day: int) -> dict:
        return {"SALESCLI_NOW": f"2026-11-{day:02d}T09:00:00+00:00"}

    cli.ok("lead", "add", "Zoe Adams", "--source", "web", "--owner", "Bo Chen", env=at(10))
    cli.ok(
        "lead", "add", "ana rossi", "--source", "referral", "--tag", "hot", "--territory",
        "EMEA", "--owner", "Ana Lima", "--email", "ana@rossi.it", env=at(12),
    )  # fmt: skip
    cli.ok(
        "lead", "add", "Bruno Díaz", "--company", "Díaz_100%", "--status", "contacted", env=at(11)
    )
    cli.ok("lead", "add", "Carla Mendes", "--source", "web", "--tag", "hot,enterprise", env=at(13))
    execute(cli, "UPDATE lead SET last_contact_at = :t WHERE id = 3", t=T0 - dt.timedelta(days=2))
    execute(cli, "UPDATE lead SET last_contact_at = :t WHERE id = 1", t=T0 - dt.timedelta(days=5))


def test_list_default_order_json_shape_and_limit(cli):
    seed_list(cli)
    rows = cli.json("lead", "list")
    assert ids(rows) == [4, 2, 3, 1]  # newest first
    assert rows[1] == {
        "id": 2,
        "name": "ana rossi",
        "email": "ana@rossi.it",
        "phone": None,
        "company": None,
        "title": None,
        "source": "referral",
        "status": "new",
        "status_reason": None,
        "territory": "EMEA",
        "owner": "Ana Lima",
        "owner_id": 2,
        "score": 30 + 4 + 20,
        "tags": ["hot"],
        "created_at": "2026-11-12T09:00:00+00:00",
        "updated_at": "2026-11-12T09:00:00+00:00",
        "last_contact_at": None,
    }
    assert rows[2]["last_contact_at"] == "2026-11-21T09:00:00+00:00"
    assert ids(cli.json("lead", "list", "--limit", "2")) == [4, 2]
    assert ids(cli.json("lead", "list", "--limit", "0")) == [4, 2, 3, 1]
    assert cli("lead", "list", "--limit", "-1").code == 2
    assert cli("lead", "list", "--sort", "size").code == 2


def test_list_says_on_stderr_when_the_limit_cut_the_list(cli):
    seed_list(cli)
    notice = "(showing the first 2 leads: --limit 0 shows all)\n"
    cut = cli.ok("lead", "list", "--limit", "2", "--format", "json")
    assert ids(json.loads(cut.out)) == [4, 2]
    assert cut.err == notice
    table = cli.ok("lead", "list", "--limit", "2")
    assert table.out.splitlines() == cli.ok("lead", "list").out.splitlines()[:3]
    assert table.err == notice
    for limit in ("4", "5", "0"):  # exactly the limit, more room, no limit: no notice
        whole = cli.ok("lead", "list", "--limit", limit, "--format", "json")
        assert ids(json.loads(whole.out)) == [4, 2, 3, 1]
        assert whole.err == ""
    assert cli.ok("lead", "list", "--status", "lost").err == ""


def test_list_filters(cli):
    seed_list(cli)

    def found(*args: str) -> list[int]:
        return ids(cli.json("lead", "list", *args))

    assert found("--status", "contacted") == [3]
    assert found("--status", "new", "--status", "contacted") == [4, 2, 3, 1]
    assert found("--status", "lost") == []
    assert found("--owner", "bo chen") == [1]
    assert found("--owner", "2") == [2]
    assert found("--owner", "none") == [4, 3]
    assert cli("lead", "list", "--owner", "Nobody").code == 3
    assert found("--source", "web") == [4, 1]
    assert found("--tag", "HOT") == [4, 2]
    assert found("--tag", "hot,enterprise") == [4]
    assert found("--territory", "EMEA") == [2]
    assert found("--search", "ROSSI") == [2]
    assert found("--search", "100%") == [3]  # wildcards are literal
    assert found("--search", "_") == [3]
    assert found("--search", "a%s") == []
    assert found("--source", "web", "--owner", "none") == [4]


def test_list_sorts(cli):
    seed_list(cli)

    def order(sort: str) -> list[int]:
        return ids(cli.json("lead", "list", "--sort", sort))

    # Scores by hand from RULES: 1 = web 10; 2 = referral 30 + email 4 + hot 20;
    # 3 = company 2; 4 = web 10 + hot 20 + enterprise 7.
    assert [r["score"] for r in cli.json("lead", "list", "--sort", "score")] == [54, 37, 10, 2]
    assert order("score") == [2, 4, 1, 3]
    assert order("last-contact") == [3, 1, 4, 2]  # never contacted last, newest id first
    assert order("name") == [2, 3, 4, 1]  # ana, bruno, carla, zoe: case-insensitive
    assert order("created") == [4, 2, 3, 1]


def test_list_table_output_is_tab_separated_when_piped(cli):
    seed_list(cli)
    lines = cli.ok("lead", "list", "--owner", "Ana Lima").out.splitlines()
    assert lines == [
        "id\tname\tcompany\temail\tstatus\tsource\towner\tscore\ttags\tlast contact",
        "2\tana rossi\t\tana@rossi.it\tnew\treferral\tAna Lima\t54\thot\t",
    ]
    csv_out = cli.ok("lead", "list", "--format", "csv", "--status", "contacted").out
    assert csv_out.splitlines()[1].startswith("3,Bruno Díaz,Díaz_100%,,contacted,")


def test_search_is_case_insensitive_in_every_script(cli):
    add(cli, "Иван Петров", "--company", "Ромашка")
    add(cli, "JÜRGEN GROß", "--email", "jg@example.de")
    add(cli, "Çağrı Yılmaz")
    add(cli, "王芳", "--company", "Acme")

    def found(text: str) -> list[int]:
        return ids(cli.json("lead", "list", "--search", text))

    assert found("иван") == [1]
    assert found("ИВАН ПЕТРОВ") == [1]
    assert found("ромашка") == [1]
    assert found("jürgen") == [2]
    assert found("GROSS") == [2]
    assert found("çağrı") == [3]
    assert found("ÇAĞRI") == [3]  # Turkish capitals: text.fold() treats ı/İ as i
    assert found("YILMAZ") == [3]
    assert found("yılmaz") == [3]
    assert found("王") == [4]
    assert found("example.de") == [2]


# --- show / edit --------------------------------------------------------------------------


def test_show_has_sections_for_assignments_and_activities(cli):
    cli.ok("rep", "add", "Bo Chen")
    cli.ok("rep", "add", "Ana Lima")
    lead_id = add(cli, "Ana Souza", "--owner", "Bo Chen", "--notes", "likes tea")
    cli.ok("lead", "edit", str(lead_id), "--owner", "Ana Lima")
    insert(
        cli, "activity", kind="call", lead_id=lead_id, rep_id=2, text="intro call",
        outcome="interested", occurred_at=T0 - dt.timedelta(hours=3), created_at=T0,
    )  # fmt: skip
    result = cli.json("lead", "show", str(lead_id))
    assert result["owner"] == "Ana Lima" and result["notes"] == "likes tea"
    assert result["forgotten"] is False and result["converted_at"] is None
    assert result["assignments"] == [
        {
            "assigned_at": NOW,
            "rep": "Bo Chen",
            "rep_id": 1,
            "previous_rep": None,
            "previous_rep_id": None,
            "strategy": "manual",
            "reason": "lead add --owner",
            "assigned_by": None,
        },
        {
            "assigned_at": NOW,
            "rep": "Ana Lima",
            "rep_id": 2,
            "previous_rep": "Bo Chen",
            "previous_rep_id": 1,
            "strategy": "manual",
            "reason": "lead edit --owner",
            "assigned_by": None,
        },
    ]
    assert result["activities"] == [
        {
            "id": 1,
            "kind": "call",
            "occurred_at": "2026-11-23T06:00:00+00:00",
            "rep": "Ana Lima",
            "rep_id": 2,
            "outcome": "interested",
            "text": "intro call",
        }
    ]
    text = cli.ok("lead", "show", str(lead_id)).out
    assert "name\tAna Souza\n" in text
    assert "\nassignments:\nwhen\trep\tprevious\tstrategy\treason\tby\n" in text
    assert "\nactivities:\nwhen\tkind\trep\toutcome\ttext\n" in text
    assert "2026-11-23 06:00\tcall\tAna Lima\tinterested\tintro call" in text
    missing = cli("lead", "show", "99")
    assert missing.code == 3 and missing.err.strip() == "Error: lead 99 not found"


def test_edit_changes_fields_and_refreshes_keys(cli):
    pin_rules(cli)
    add(cli, "Ana Souza", "--email", "ana@x.com", "--company", "Acme")
    add(cli, "Bruno Díaz", "--email", "bruno@y.com", "--phone", "555 0199")
    result = cli.json(
        "lead", "edit", "1", "--name", "Ana Souza Lima", "--email", "ANA@NEW.COM",
        "--company", "", "--phone", "+55 11 9999", "--source", "web", "--title", "CEO",
    )  # fmt: skip
    assert (result["name"], result["email"], result["company"], result["phone"]) == (
        "Ana Souza Lima",
        "ANA@new.com",
        None,
        "+55 11 9999",
    )
    assert result["score"] == 10 + 4 + 3 + 1
    assert cli.sql("SELECT email_key, phone_key, search_text FROM lead WHERE id = 1") == [
        ("ana@new.com", "+55119999", "ana souza lima | ana@new.com | +55 11 9999 | ceo")
    ]
    assert ids(cli.json("lead", "list", "--search", "acme")) == []
    assert ids(cli.json("lead", "list", "--search", "souza lima")) == [1]
    dup = cli("lead", "edit", "1", "--email", "Bruno@Y.com")
    assert dup.code == 1
    assert "lead 2 already has email bruno@y.com; use --allow-duplicate to save anyway" in dup.err
    dup_phone = cli("lead", "edit", "1", "--phone", "5550199")
    assert dup_phone.code == 1 and "lead 2 already has phone 555 0199" in dup_phone.err
    assert cli.sql("SELECT email, phone FROM lead WHERE id = 1") == [("ANA@new.com", "+55 11 9999")]
    # Saving a lead's own email again is not a duplicate of itself.
    cli.ok("lead", "edit", "1", "--email", "ana@new.com", "--title", "Founder")
    cli.ok("lead", "edit", "1", "--email", "bruno@y.com", "--allow-duplicate")
    bad = cli("lead", "edit", "1", "--email", "not-an-email")
    assert bad.code == 1 and "email 'not-an-email' is not an email address" in bad.err
    assert cli("lead", "edit", "1", "--name", " ").code == 1
    assert cli("lead", "edit", "9", "--title", "X").code == 3


# --- status verbs / tags ------------------------------------------------------------------


def test_status_verbs(cli):
    add(cli, "Ana Souza")
    qualify = cli.ok("lead", "qualify", "1")
    assert qualify.out == "" and "lead 1: new → qualified" in qualify.err
    assert cli.json("lead", "nurture", "1")["status"] == "nurturing"
    assert cli("lead", "disqualify", "1").code == 2  # --reason is required
    empty = cli("lead", "disqualify", "1", "--reason", " ")
    assert empty.code == 1 and "reason '' is required to disqualify" in empty.err
    result = cli.json("lead", "disqualify", "1", "--reason", "no budget")
    assert (result["status"], result["status_reason"]) == ("unqualified", "no budget")
    assert cli.json("lead", "qualify", "1")["status_reason"] is None
    lost = cli.json("lead", "lose", "1", "--reason", "chose a competitor")
    assert (lost["status"], lost["status_reason"]) == ("lost", "chose a competitor")
    assert cli.json("lead", "lose", "1")["status_reason"] is None
    edited = cli.json("lead", "edit", "1", "--status", "contacted")
    assert edited["status"] == "contacted"
    wrong = cli("lead", "edit", "1", "--status", "new", "--reason", "why")
    assert wrong.code == 1 and "--reason goes with unqualified or lost" in wrong.err
    assert cli("lead", "edit", "1", "--status", "converted").code == 1
    assert cli("lead", "qualify", "7").code == 3
    execute(cli, "UPDATE lead SET status = 'converted' WHERE id = 1")
    for verb in (["qualify"], ["nurture"], ["lose"], ["disqualify", "--reason", "x"]):
        refused = cli("lead", *verb, "1")
        assert refused.code == 1, verb
        assert "lead 1 is converted; its status cannot change" in refused.err
    assert cli("lead", "edit", "1", "--status", "new").code == 1
    assert cli.sql("SELECT status FROM lead WHERE id = 1") == [("converted",)]


def test_tag_and_untag_refresh_the_score(cli):
    pin_rules(cli)
    add(cli, "Ana Souza", "--tag", "enterprise")
    result = cli.json("lead", "tag", "1", "HOT", "Price-Objection,vip")
    assert result["tags"] == ["enterprise", "HOT", "Price-Objection", "vip"]
    assert result["score"] == 7 + 20 - 6
    assert cli.sql("SELECT tag FROM leadtag WHERE lead_id = 1 ORDER BY tag") == [
        ("enterprise",),
        ("hot",),
        ("price-objection",),
        ("vip",),
    ]
    cli.ok("lead", "tag", "1", "hot")  # already there: no error, no second row
    assert cli.sql("SELECT count(*) FROM leadtag") == [(4,)]
    untagged = cli.ok("lead", "untag", "1", "price-objection", "missing")
    assert "lead 1 tags: enterprise, HOT, vip" in untagged.err
    assert cli.sql("SELECT score FROM lead WHERE id = 1") == [(27,)]
    assert cli("lead", "tag", "1", ",").code == 1
    assert cli("lead", "tag", "5", "x").code == 3


# --- delete -------------------------------------------------------------------------------


def test_delete_needs_yes_and_takes_dependants(cli):
    add(cli, "Ana Souza", "--tag", "hot")
    add(cli, "Bruno Díaz")
    insert(cli, "activity", kind="call", lead_id=1, text="hi", occurred_at=T0, created_at=T0)
    insert(cli, "task", title="Call Ana", lead_id=1, created_at=T0)
    refused = cli("lead", "delete", "1")
    assert refused.code == 4 and "--yes" in refused.err
    assert cli.sql("SELECT count(*) FROM lead") == [(2,)]
    assert cli("lead", "delete", "9", "--yes").code == 3
    done = cli.ok("lead", "delete", "1", "--yes")
    assert "Deleted lead 1 (1 activities, 1 tasks)." in done.err
    assert cli.sql("SELECT id FROM lead") == [(2,)]
    for table in ("leadtag", "activity", "task"):
        assert cli.sql(f"SELECT count(*) FROM {table}") == [(0,)], table


# --- duplicates / merge -------------------------------------------------------------------


def test_duplicates_lists_pairs_by_email_phone_and_name(cli):
    add(cli, "Ana Souza", "--email", "ana@x.com", "--company", "Acme")
    add(cli, "A. Souza", "--email", "ANA@x.com", "--allow-duplicate")
    add(cli, "Bruno Díaz", "--phone", "+1 555 0100", "--company", "Initech")
    add(cli, "Bruno Diaz", "--phone", "+1 (555) 0100", "--company", "Initech", "--allow-duplicate")
    add(cli, "Ana Souza", "--company", "ACME")
    add(cli, "Zoe Adams")
    rows = cli.json("lead", "duplicates")
    assert rows == [
        {
            "lead_id": 1,
            "other_id": 2,
            "name": "Ana Souza",
            "other_name": "A. Souza",
            "reason": "email",
            "similarity": 100.0,
        },
        {
            "lead_id": 1,
            "other_id": 5,
            "name": "Ana Souza",
            "other_name": "Ana Souza",
            "reason": "name",
            "similarity": 100.0,
        },
        {
            "lead_id": 3,
            "other_id": 4,
            "name": "Bruno Díaz",
            "other_name": "Bruno Diaz",
            "reason": "phone",
            "similarity": 100.0,
        },
    ]
    # "a. souza" vs "acme ana souza": 2 * 7 matches / (8 + 14) = 63.6 %.
    loose = cli.json("lead", "duplicates", "--threshold", "60")
    assert [(r["lead_id"], r["other_id"], r["reason"], r["similarity"]) for r in loose] == [
        (1, 2, "email", 100.0),
        (1, 5, "name", 100.0),
        (2, 5, "name", 63.6),
        (3, 4, "phone", 100.0),
    ]
    assert cli("lead", "duplicates", "--threshold", "101").code == 2


def test_duplicates_csv_streams_the_same_rows_with_formulas_neutralised(cli, tmp_path):
    add(cli, '=HYPERLINK("x")', "--email", "a@x.com")
    add(cli, "+Ana", "--email", "A@x.com", "--allow-duplicate")
    add(cli, "Bruno, Díaz", "--company", "Initech")
    add(cli, "Bruno, Diaz", "--company", "INITECH")
    expected = (
        "lead_id,name,other_id,other_name,reason,similarity\n"
        '1,"\'=HYPERLINK(""x"")",2,\'+Ana,email,100.0\n'
        '3,"Bruno, Díaz",4,"Bruno, Diaz",name,100.0\n'
    )
    assert cli.ok("lead", "duplicates", "--format", "csv").out == expected
    path = tmp_path / "pairs.csv"
    cli.ok("lead", "duplicates", "--format", "csv", "--output", str(path))
    assert path.read_text(encoding="utf-8") == expected


def test_merge_moves_everything_to_keep(cli):
    cli.ok("rep", "add", "Bo Chen")
    keep = add(cli, "Ana Souza", "--email", "ana@x.com", "--tag", "hot", "--tag", "vip")
    drop = int(
        cli.ok(
            "lead", "add", "Ana Souza", "--phone", "555 0101", "--company", "Acme", "--title",
            "CTO", "--tag", "vip,enterprise", "--owner", "Bo Chen", "--notes", "from the fair",
            env={"SALESCLI_NOW": "2026-10-01T12:00:00+00:00"},
        ).out
    )  # fmt: skip
    execute(cli, "UPDATE lead SET last_contact_at = :t WHERE id = :i", t=T0, i=drop)
    a1 = insert(cli, "activity", kind="call", lead_id=drop, text="x", occurred_at=T0, created_at=T0)
    a2 = insert(cli, "activity", kind="note", lead_id=keep, text="y", occurred_at=T0, created_at=T0)
    task = insert(cli, "task", title="Follow up", lead_id=drop, created_at=T0)
    refused = cli("lead", "merge", str(keep), str(drop))
    assert refused.code == 4
    assert "Merge lead 2 (Ana Souza) into lead 1 (Ana Souza)" in refused.err
    assert cli("lead", "merge", "1", "1", "--yes").code == 1
    assert cli("lead", "merge", "1", "9", "--yes").code == 3
    result = cli.json("lead", "merge", str(keep), str(drop), "--yes")
    assert result["id"] == keep
    assert result["tags"] == ["enterprise", "hot", "vip"]
    assert (result["owner"], result["owner_id"]) == ("Bo Chen", 1)
    assert result["created_at"] == "2026-10-01T12:00:00+00:00"
    assert result["last_contact_at"] == NOW
    assert cli.sql(
        "SELECT id, name, email, phone, phone_key, company, title, notes, search_text FROM lead"
    ) == [
        (
            keep,
            "Ana Souza",
            "ana@x.com",
            "555 0101",
            "5550101",
            "Acme",
            "CTO",
            "from the fair",
            "ana souza | ana@x.com | 555 0101 | acme | cto",
        )
    ]
    assert cli.sql("SELECT id, lead_id FROM activity ORDER BY id") == [(a1, keep), (a2, keep)]
    assert cli.sql("SELECT id, lead_id FROM task") == [(task, keep)]
    assert cli.sql("SELECT lead_id, rep_id FROM leadassignment") == [(keep, 1)]
    assert cli.sql("SELECT lead_id, tag FROM leadtag ORDER BY tag") == [
        (keep, "enterprise"),
        (keep, "hot"),
        (keep, "vip"),
    ]


def test_merge_keeps_keeps_status(cli):
    keep = add(cli, "Ana Souza", "--email", "ana@x.com")
    drop = add(cli, "Ana Souza", "--company", "Acme")
    cli.ok("lead", "qualify", str(keep))
    cli.ok("lead", "convert", str(drop), "--no-deal")
    before = cli.sql("SELECT status, status_reason, converted_at FROM lead WHERE id = :i", i=keep)
    cli.ok("lead", "merge", str(keep), str(drop), "--yes")
    after = cli.sql("SELECT status, status_reason, converted_at, company FROM lead")
    assert after == [(*before[0], "Acme")]
    assert before[0][0] == "qualified"


# --- sources ------------------------------------------------------------------------------


def test_sources_counts(cli):
    for name, source in [("A", "web"), ("B", "referral"), ("C", "web"), ("D", None)]:
        add(cli, name, *(["--source", source] if source else []))
    add(cli, "E", "--source", "  ")
    add(cli, "F", "--source", "event")
    assert cli.json("lead", "sources") == [
        {"source": "web", "count": 2},
        {"source": None, "count": 2},
        {"source": "event", "count": 1},
        {"source": "referral", "count": 1},
    ]
    assert cli.ok("lead", "sources", "--format", "csv").out == (
        "source,count\nweb,2\n,2\nevent,1\nreferral,1\n"
    )


# --- privacy ------------------------------------------------------------------------------


def seed_person(cli) -> dict:
    """A lead with tags, an activity, a contact (converted), a deal and a task on it."""
    lead_id = add(
        cli, "Ana Souza", "--email", "Ana.Souza@Example.COM", "--phone", "+49 30 1234567",
        "--company", "Acme", "--title", "CTO", "--notes", "reach Ana at ana.souza@example.com",
        "--tag", "hot",
    )  # fmt: skip
    other = add(cli, "Bruno Díaz", "--email", "bruno@y.com", "--notes", "cc ana.souza@example.com")
    account = insert(
        cli, "account", name="Acme", name_key="acme", search_text="acme",
        created_at=T0, updated_at=T0,
    )  # fmt: skip
    contact = insert(
        cli, "contact", name="Ana Souza", email="Ana.Souza@example.com",
        email_key="ana.souza@example.com", phone="+49 30 1234567", title="CTO",
        account_id=account, lead_id=lead_id, created_at=T0, updated_at=T0,
        search_text="ana souza | ana.souza@example.com",
    )  # fmt: skip
    stage = cli.sql("SELECT id FROM stage WHERE name = 'proposal'")[0][0]
    deal = insert(
        cli, "deal", title="Acme - Ana Souza", account_id=account, contact_id=contact,
        lead_id=lead_id, amount_minor=1250050, currency="EUR", stage_id=stage, probability=50,
        forecast_category="best_case", created_at=T0, updated_at=T0, stage_entered_at=T0,
        search_text="acme - ana souza",
    )  # fmt: skip
    insert(
        cli, "activity", kind="email", lead_id=lead_id, rep_id=None, outcome="replied",
        text="Ana wrote from ana.souza@example.com", occurred_at=T0, created_at=T0,
    )  # fmt: skip
    insert(
        cli, "activity", kind="call", contact_id=contact, text="call +49 30 1234567",
        occurred_at=T0 + dt.timedelta(hours=1), created_at=T0,
    )  # fmt: skip
    insert(cli, "task", title="Send deck to ana.souza@example.com", lead_id=lead_id, created_at=T0)
    return {"lead": lead_id, "other": other, "contact": contact, "deal": deal}


def test_export_person_gives_everything_held(cli, tmp_path):
    ids_ = seed_person(cli)
    document = cli.ok("lead", "export-person", str(ids_["lead"])).json()
    assert document["schema_version"] == 1
    assert document["exported_at"] == NOW
    assert document["lead"]["email"] == "Ana.Souza@example.com"
    assert document["lead"]["notes"] == "reach Ana at ana.souza@example.com"
    assert document["tags"] == ["hot"]
    assert [(a["kind"], a["text"]) for a in document["activities"]] == [
        ("email", "Ana wrote from ana.souza@example.com"),
        ("call", "call +49 30 1234567"),
    ]
    assert document["contacts"] == [
        {
            "id": ids_["contact"],
            "name": "Ana Souza",
            "email": "Ana.Souza@example.com",
            "phone": "+49 30 1234567",
            "title": "CTO",
            "account": "Acme",
            "account_id": 1,
            "created_at": NOW,
            "updated_at": NOW,
            "last_contact_at": None,
        }
    ]
    assert document["deals"] == [
        {
            "id": ids_["deal"],
            "title": "Acme - Ana Souza",
            "account": "Acme",
            "account_id": 1,
            "currency": "EUR",
            "stage": "proposal",
            "stage_id": cli.sql("SELECT id FROM stage WHERE name = 'proposal'")[0][0],
            "close_date": None,
            "source": None,
            "created_at": NOW,
            "amount": 12500.5,
        }
    ]
    assert [t["title"] for t in document["tasks"]] == ["Send deck to ana.souza@example.com"]
    target = tmp_path / "ana.json"
    cli.ok("lead", "export-person", str(ids_["lead"]), "--output", str(target))
    assert json.loads(target.read_text(encoding="utf-8")) == document
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert cli("lead", "export-person", "99").code == 3


def text_columns() -> list[tuple[str, str]]:
    """Every string column of every table (the schema, salescli.tables)."""
    import sqlalchemy as sa

    from salescli.tables import METADATA

    return [
        (table.name, column.name)
        for table in METADATA.sorted_tables
        for column in table.columns
        if isinstance(getattr(column.type, "impl_instance", column.type), sa.String)
    ]


def test_forget_erases_the_person_everywhere(cli):
    ids_ = seed_person(cli)
    lead_id = ids_["lead"]
    assert cli("lead", "forget", str(lead_id)).code == 4
    assert cli.sql("SELECT forgotten FROM lead WHERE id = :i", i=lead_id) == [(False,)]
    done = cli.ok("lead", "forget", str(lead_id), "--yes")
    assert "Forgot lead 1" in done.err
    columns = text_columns()
    assert ("lead", "notes") in columns and ("activity", "text") in columns
    for needle in ("ana.souza@example.com", "1234567"):
        for table, column in columns:
            hits = cli.sql(
                f'SELECT count(*) FROM "{table}" WHERE lower("{column}") LIKE :p', p=f"%{needle}%"
            )
            assert hits == [(0,)], (needle, table, column)
    assert cli.sql(
        "SELECT name, email, email_key, phone, phone_key, company, title, notes, search_text, "
        "status, forgotten FROM lead WHERE id = :i",
        i=lead_id,
    ) == [("forgotten", None, None, None, None, None, None, None, "", "new", True)]
    assert cli.sql("SELECT count(*) FROM leadtag") == [(0,)]
    assert cli.sql("SELECT name, email, phone, title FROM contact") == [
        ("forgotten", None, None, None)
    ]
    assert cli.sql("SELECT kind, text, outcome FROM activity ORDER BY id") == [
        ("email", "", None),
        ("call", "", None),
    ]
    assert cli.sql("SELECT title FROM deal") == [("Acme - forgotten",)]
    assert cli.sql("SELECT title FROM task") == [("forgotten",)]
    # The other lead's note loses only the copied address.
    assert cli.sql("SELECT email, notes FROM lead WHERE id = :i", i=ids_["other"]) == [
        ("bruno@y.com", "cc")
    ]
    expected = hashlib.sha256(f"{lead_id}:ana.souza@example.com".encode()).hexdigest()
    assert cli.sql("SELECT subject_hash FROM erasure") == [(expected,)]
    # Anonymous figures stay: the lead still counts in sources and lists.
    assert cli.json("lead", "sources") == [{"source": None, "count": 2}]
    again = cli.ok("lead", "forget", str(lead_id), "--yes")
    assert "already forgotten" in again.err
    assert cli.sql("SELECT count(*) FROM erasure") == [(1,)]
    changed = cli("lead", "edit", str(lead_id), "--name", "Ana")
    assert changed.code == 1 and "was forgotten" in changed.err
    # A forgotten lead's email no longer blocks a new lead with it.
    cli.ok("lead", "add", "Ana Souza", "--email", "ana.souza@example.com")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_forget_leaves_no_email_bytes_in_the_sqlite_files(cli):
    seed_person(cli)
    # Churn: more writes after the person's rows, so old page images sit in the WAL.
    for i in range(20):
        add(cli, f"Filler {i}", "--email", f"filler{i}@example.org")
    cli.ok("lead", "edit", "1", "--title", "Chief Technology Officer")
    path = Path(cli.url)
    before = path.read_bytes() + _wal(path)
    assert b"ana.souza@example.com" in before.lower()
    cli.ok("lead", "forget", "1", "--yes")
    after = path.read_bytes() + _wal(path)
    for needle in (b"ana.souza@example.com", b"+49 30 1234567"):
        assert needle not in after.lower(), needle
    assert b"filler7@example.org" in after  # the rest of the data is still there
    assert cli.json("db", "check")["ok"] is True


def _wal(path: Path) -> bytes:
    wal = Path(f"{path}-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_commands_refuse_unknown_ids_with_exit_3(cli):
    for args in (
        ["show", "42"],
        ["edit", "42", "--name", "X"],
        ["qualify", "42"],
        ["tag", "42", "x"],
        ["untag", "42", "x"],
        ["delete", "42", "--yes"],
        ["forget", "42", "--yes"],
        ["export-person", "42"],
    ):
        result = cli("lead", *args)
        assert result.code == 3, args
        assert result.err.strip() == "Error: lead 42 not found", args
    assert cli("lead", "show", "abc").code == 2
