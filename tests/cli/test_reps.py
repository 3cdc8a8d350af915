from __future__ import annotations

import csv
from collections import Counter

import pytest

from salescli.errors import NotFound
from tests.conftest import DATASETS, NOW

MAVEN_TEAMS = DATASETS / "maven-crm-sales-opportunities" / "sales_teams.csv"


def rep(cli, *args: str) -> int:
    return int(cli.ok("rep", "add", *args).out)


def add_lead(cli, name: str, status: str, owner_id: int) -> None:
    """A lead written straight into the table (the lead commands are not under test here)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO lead (name, status, owner_id, score, forgotten, search_text, "
                    "created_at, updated_at) VALUES (:n, :s, :o, 0, false, '', :t, :t)"
                ),
                {"n": name, "s": status, "o": owner_id, "t": "2026-11-01 10:00:00"},
            )
    finally:
        eng.dispose()


def test_add_prints_id_and_json_record(cli):
    assert cli.ok("rep", "add", "Maria Lopez", "--email", "maria@example.com").out == "1\n"
    record = cli.json(
        "rep", "add", "  Jürgen   Groß ", "--email", "Juergen@Example.COM", "--manager",
        "MARIA LOPEZ", "--team", "DACH", "--territory", "Germany", "--skills",
        "German, Enterprise,german",
    )  # fmt: skip
    assert record == {
        "id": 2,
        "name": "Jürgen Groß",
        "email": "Juergen@example.com",
        "manager": "Maria Lopez",
        "manager_id": 1,
        "team": "DACH",
        "territory": "Germany",
        "skills": ["german", "enterprise"],
        "active": True,
        "open_leads": 0,
        "created_at": NOW,
    }
    assert cli.sql("SELECT name, name_key, skills, manager_id FROM rep WHERE id = 2") == [
        ("Jürgen Groß", "jurgen gross", "german,enterprise", 1)
    ]


def test_unicode_names_unique_ignoring_case(cli):
    rep(cli, "Jürgen Groß")
    rep(cli, "王芳")
    for dup in ("JÜRGEN GROSS", "jürgen groß", "Jürgen  Groß"):
        result = cli("rep", "add", dup)
        assert result.code == 1, dup
        assert "already exists as 'Jürgen Groß' (id 1)" in result.err
    assert cli("rep", "add", "王芳").code == 1
    assert cli.json("rep", "show", "jürgen gross")["id"] == 1
    assert cli.json("rep", "show", "王芳")["name"] == "王芳"
    assert cli.sql("SELECT count(*) FROM rep") == [(2,)]
    # Renaming onto another rep's name is refused too; renaming a rep's own case is fine.
    assert cli("rep", "edit", "王芳", "--name", "JÜRGEN GROß").code == 1
    cli.ok("rep", "edit", "1", "--name", "JÜRGEN GROß")
    assert cli.sql("SELECT name FROM rep WHERE id = 1") == [("JÜRGEN GROß",)]


def test_add_errors(cli):
    rep(cli, "Ana Souza")
    cases = [
        (("rep", "add", "Bo", "--manager", "Nobody"), 3, "rep 'Nobody' not found"),
        (("rep", "add", "Bo", "--manager", "99"), 3, "rep '99' not found"),
        (("rep", "add", "Bo", "--email", "bo@"), 1, "email 'bo@' is not an email address"),
        (("rep", "add", "   "), 1, "rep name is empty"),
        (("rep", "add", "42"), 1, "rep name '42' is a number"),
        (("rep", "add", "None"), 1, "is reserved"),
        (("rep", "add", "Bo", "--format", "yaml"), 2, "yaml"),
        (("rep", "show", "Nobody"), 3, "rep 'Nobody' not found"),
        (("rep", "edit", "Ana Souza"), 2, "nothing to change"),
        (("rep", "deactivate", "7"), 3, "rep '7' not found"),
    ]
    for args, code, text in cases:
        result = cli(*args)
        assert result.code == code, (args, result.err)
        assert text in result.err, (args, result.err)
        assert result.out == ""
    assert cli.sql("SELECT name FROM rep") == [("Ana Souza",)]


def test_list_filters_and_open_leads(cli):
    boss = rep(cli, "Maria Lopez", "--team", "EMEA")
    ana = rep(cli, "Ana Souza", "--manager", "Maria Lopez", "--team", "emea", "--territory", "BR")
    bob = rep(cli, "Bob Stone", "--manager", str(boss), "--team", "US", "--territory", "br")
    rep(cli, "Çağrı Yılmaz", "--team", "EMEA")
    statuses = ["new", "contacted", "qualified", "nurturing", "converted", "lost", "unqualified"]
    for i, status in enumerate(statuses):
        add_lead(cli, f"Lead {i}", status, ana if i % 2 == 0 else bob)
    # Independent count: open = not converted/lost/unqualified, per owner.
    expected = dict(
        cli.sql(
            "SELECT owner_id, count(*) FROM lead WHERE status NOT IN "
            "('converted', 'lost', 'unqualified') GROUP BY owner_id"
        )
    )
    assert expected == {ana: 2, bob: 2}
    rows = cli.json("rep", "list")
    assert [r["name"] for r in rows] == ["Ana Souza", "Bob Stone", "Çağrı Yılmaz", "Maria Lopez"]
    assert {r["name"]: r["open_leads"] for r in rows} == {
        "Ana Souza": 2,
        "Bob Stone": 2,
        "Çağrı Yılmaz": 0,
        "Maria Lopez": 0,
    }
    assert rows[0] == {
        "id": ana,
        "name": "Ana Souza",
        "email": None,
        "manager": "Maria Lopez",
        "manager_id": boss,
        "team": "emea",
        "territory": "BR",
        "skills": [],
        "active": True,
        "open_leads": 2,
        "created_at": NOW,
    }
    names = lambda *a: [r["name"] for r in cli.json("rep", "list", *a)]  # noqa: E731
    assert names("--team", "EMEA") == ["Ana Souza", "Çağrı Yılmaz", "Maria Lopez"]
    assert names("--territory", "br") == ["Ana Souza", "Bob Stone"]
    assert names("--manager", "maria lopez") == ["Ana Souza", "Bob Stone"]
    assert names("--team", "APAC") == []
    assert cli("rep", "list", "--manager", "Nobody").code == 3
    table = cli.ok("rep", "list", "--team", "US").out.splitlines()
    assert table == [
        "id\tname\temail\tmanager\tteam\tterritory\tskills\tactive\topen leads",
        f"{bob}\tBob Stone\t\tMaria Lopez\tUS\tbr\t\tyes\t2",
    ]


def test_activation(cli):
    rep(cli, "Ana Souza")
    rep(cli, "Bob Stone")
    add_lead(cli, "L", "new", 2)
    result = cli.ok("rep", "deactivate", "bob stone")
    assert " ".join(result.err.split()) == (
        "Rep 2 (Bob Stone) deactivated; it still owns 1 open lead(s) (see: salescli lead assign)."
    )
    assert "already inactive" in cli.ok("rep", "deactivate", "2").err
    assert cli.sql("SELECT id, active FROM rep ORDER BY id") == [(1, True), (2, False)]
    assert [r["id"] for r in cli.json("rep", "list")] == [1]
    assert [r["id"] for r in cli.json("rep", "list", "--inactive")] == [2]
    assert [r["id"] for r in cli.json("rep", "list", "--all")] == [1, 2]
    assert cli.json("rep", "show", "2")["active"] is False
    assert cli.json("rep", "activate", "2")["active"] is True
    assert cli.sql("SELECT count(*) FROM rep WHERE active") == [(2,)]
    assert cli.sql("SELECT owner_id FROM lead") == [(2,)]


def test_show_with_reports(cli):
    rep(cli, "Maria Lopez", "--skills", "enterprise")
    rep(cli, "Zoe Kim", "--manager", "Maria Lopez")
    rep(cli, "Ana Souza", "--manager", "1")
    rep(cli, "Ivan Petrov", "--manager", "Ana Souza")
    shown = cli.json("rep", "show", "maria lopez")
    assert shown == {
        "id": 1,
        "name": "Maria Lopez",
        "email": None,
        "manager": None,
        "manager_id": None,
        "team": None,
        "territory": None,
        "skills": ["enterprise"],
        "active": True,
        "open_leads": 0,
        "created_at": NOW,
        "reports": [{"id": 3, "name": "Ana Souza"}, {"id": 2, "name": "Zoe Kim"}],
    }
    text = cli.ok("rep", "show", "1").out
    assert text.endswith("reports:\nid\tname\n3\tAna Souza\n2\tZoe Kim\n")
    assert cli.json("rep", "show", "4")["reports"] == []


def test_edit_fields_and_skills(cli):
    rep(cli, "Maria Lopez")
    rep(cli, "Ana Souza", "--email", "ana@example.com", "--team", "EMEA", "--skills", "a,b")
    record = cli.json(
        "rep", "edit", "Ana Souza", "--name", "Ana Souza Lima", "--email", "ana@lima.example",
        "--manager", "Maria Lopez", "--team", "LATAM", "--territory", "Brazil",
        "--add-skill", "C,d", "--add-skill", "a", "--remove-skill", "b",
    )  # fmt: skip
    assert {k: record[k] for k in ("name", "email", "manager", "team", "territory", "skills")} == {
        "name": "Ana Souza Lima",
        "email": "ana@lima.example",
        "manager": "Maria Lopez",
        "team": "LATAM",
        "territory": "Brazil",
        "skills": ["a", "c", "d"],
    }
    bad = cli("rep", "edit", "2", "--remove-skill", "zz")
    assert bad.code == 1 and "rep 'Ana Souza Lima' has no skill 'zz' (skills: a, c, d)" in bad.err
    cli.ok("rep", "edit", "2", "--skills", "x", "--email", "", "--team", "", "--manager", "none")
    assert cli.sql("SELECT email, team, manager_id, skills FROM rep WHERE id = 2") == [
        (None, None, None, "x")
    ]
    assert cli("rep", "edit", "2", "--email", "not-an-email").code == 1
    assert cli("rep", "edit", "2", "--manager", "Nobody").code == 3
    assert cli.sql("SELECT email, manager_id FROM rep WHERE id = 2") == [(None, None)]


def test_edit_refuses_hierarchy_cycles(cli):
    rep(cli, "Anna")
    rep(cli, "Bert", "--manager", "Anna")
    rep(cli, "Cleo", "--manager", "Bert")
    result = cli("rep", "edit", "Anna", "--manager", "Bert")
    assert result.code == 1
    assert "would create a hierarchy cycle: Anna → Bert → Anna" in result.err
    result = cli("rep", "edit", "Anna", "--manager", "Cleo")
    assert result.code == 1
    assert "cycle: Anna → Cleo → Bert → Anna" in result.err
    result = cli("rep", "edit", "Bert", "--manager", "bert")
    assert result.code == 1
    assert "rep 'Bert' cannot be its own manager (cycle: Bert → Bert)" in result.err
    # A refused edit writes nothing, not even its other changes.
    assert cli("rep", "edit", "Anna", "--team", "X", "--manager", "Cleo").code == 1
    assert cli.sql("SELECT name, manager_id, team FROM rep ORDER BY id") == [
        ("Anna", None, None),
        ("Bert", 1, None),
        ("Cleo", 2, None),
    ]
    # Moving Cleo up to Anna is fine.
    cli.ok("rep", "edit", "Cleo", "--manager", "Anna")
    assert cli.sql("SELECT manager_id FROM rep WHERE name = 'Cleo'") == [(1,)]


def test_export_csv_and_json(cli, tmp_path):
    rep(cli, "Ana Souza", "--manager", "", "--team", "EMEA", "--skills", "german,sap")
    rep(cli, "Zed Boss", "--email", "zed@example.com")
    cli.ok("rep", "edit", "Ana Souza", "--manager", "Zed Boss")
    rep(cli, "=Formula", "--manager", "Ana Souza")
    cli.ok("rep", "deactivate", "=Formula")
    out = tmp_path / "reps.csv"
    cli.ok("rep", "export", "--output", str(out))
    assert out.read_text(encoding="utf-8") == (
        "name,email,manager,team,territory,skills,active\n"
        "Zed Boss,zed@example.com,,,,,true\n"
        'Ana Souza,,Zed Boss,EMEA,,"german,sap",true\n'
        "'=Formula,,Ana Souza,,,,false\n"
    )
    assert cli.json("rep", "export")[1] == {
        "name": "Ana Souza",
        "email": None,
        "manager": "Zed Boss",
        "team": "EMEA",
        "territory": None,
        "skills": ["german", "sap"],
        "active": True,
    }
    assert cli("rep", "export", "--format", "table").code == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_service_helpers(cli, monkeypatch):
    from salescli import connect, db
    from salescli.services import config
    from salescli.services.reps import records as reps

    for args in [
        ("Maria",),
        ("Ana", "--manager", "Maria"),
        ("Bob", "--manager", "Ana"),
        ("Cid", "--manager", "Bob"),
        ("Dee", "--manager", "Maria"),
        ("Eve",),
    ]:
        rep(cli, *args)
    cli.ok("rep", "deactivate", "Bob")
    with connect.connection_scope(db.resolve_url(cli.url)) as conn:
        assert reps.subordinates(conn, 1) == [2, 3, 4, 5]
        assert reps.subordinates(conn, 2) == [3, 4]
        assert reps.subordinates(conn, 6) == []
        assert reps.resolve(conn, "maria").id == 1
        assert reps.default_owner(conn, config.Settings({})) is None
        assert reps.default_owner(conn, config.Settings({"me": "ANA"})).id == 2
        with pytest.raises(NotFound, match="config me 'ghost' is not a rep"):
            reps.default_owner(conn, config.Settings({"me": "ghost"}))
        monkeypatch.setenv("SALESCLI_REP", "eve")
        assert reps.default_owner(conn, config.Settings({"me": "ANA"})).id == 6


def maven_expected() -> tuple[set[str], set[str], Counter]:
    with MAVEN_TEAMS.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    agents = {r["sales_agent"] for r in rows}
    managers = {r["manager"] for r in rows}
    return agents, managers, Counter(r["manager"] for r in rows)


def test_import_maven_sales_teams(cli, tmp_path):
    agents, managers, reports = maven_expected()
    assert (len(agents), len(managers)) == (35, 6)
    mapping = ("--map", "sales_agent=name", "--map", "regional_office=team")
    result = cli.ok("rep", "import", str(MAVEN_TEAMS), *mapping)
    assert f"Imported 35 reps from {MAVEN_TEAMS}" in " ".join(result.err.split())
    assert "Created 6 manager(s) named in the file" in result.err
    assert cli.sql("SELECT count(*) FROM rep") == [(41,)]
    rows = cli.json("rep", "list")
    assert len(rows) == 41
    assert {r["name"] for r in rows} == agents | managers
    counted = Counter(r["manager"] for r in rows if r["manager"] is not None)
    assert counted == reports
    for name in managers:
        assert len(cli.json("rep", "show", name)["reports"]) == reports[name]
    # Independently: the database's own manager links, joined in SQL.
    per_manager = dict(
        cli.sql(
            "SELECT m.name, count(*) FROM rep r JOIN rep m ON r.manager_id = m.id GROUP BY m.name"
        )
    )
    assert per_manager == dict(reports)
    with MAVEN_TEAMS.open(newline="", encoding="utf-8-sig") as fh:
        file_rows = list(csv.DictReader(fh))
    # Agents take their row's office; a created manager the office of the first row naming it.
    offices = {r["sales_agent"]: r["regional_office"] for r in file_rows}
    for r in reversed(file_rows):
        offices[r["manager"]] = r["regional_office"]
    assert {r["name"]: r["team"] for r in rows} == offices
    assert cli.sql("SELECT entity, rows FROM importbatch") == [("rep", 35)]
    # The same file again is refused; with --again its rows are duplicates: nothing doubled.
    again = cli("rep", "import", str(MAVEN_TEAMS), *mapping)
    assert again.code == 1 and "was already imported" in again.err and "--again" in again.err
    again = cli("rep", "import", str(MAVEN_TEAMS), *mapping, "--again")
    assert again.code == 1
    assert "35 invalid rows" in again.err
    assert "line 2: name 'Anna Snelling' is a duplicate of existing rep" in again.err
    assert cli.sql("SELECT count(*) FROM rep") == [(41,)]


def test_import_any_order_creates_missing_managers(cli, tmp_path):
    rep(cli, "Maria Lopez", "--team", "EMEA")
    path = tmp_path / "reps.csv"
    path.write_text(
        "\ufeffName,E-mail,Manager,Team,Territory,Skills,Active,Notes\n"
        'Ana Souza,ana@example.com,Bruno Dias,LATAM,Brazil,"Portuguese, SAP",yes,x\n'
        "Chen Wei,,Li Na,APAC,,,no,\n"
        "Bruno Dias,bruno@example.com,maria lopez,,,,,\n"
        "王芳,,Li Na,,China,mandarin,1,\n"
        "Ivan Petrov,,,,,,,\n",
        encoding="utf-8",
    )
    result = cli.ok("rep", "import", str(path))
    err = " ".join(result.err.split())
    assert "Ignored 1 column(s) that match no rep field: Notes" in err
    assert "Imported 5 reps" in err and "Created 1 manager(s) named in the file: Li Na" in err
    rows = {r["name"]: r for r in cli.json("rep", "list", "--all")}
    ids = {name: row["id"] for name, row in rows.items()}
    assert rows["Ana Souza"] | {"id": 0} == {
        "id": 0,
        "name": "Ana Souza",
        "email": "ana@example.com",
        "manager": "Bruno Dias",
        "manager_id": ids["Bruno Dias"],
        "team": "LATAM",
        "territory": "Brazil",
        "skills": ["portuguese", "sap"],
        "active": True,
        "open_leads": 0,
        "created_at": NOW,
    }
    assert rows["Bruno Dias"]["manager_id"] == 1
    assert rows["Chen Wei"]["active"] is False
    assert rows["王芳"]["manager"] == "Li Na" and rows["王芳"]["skills"] == ["mandarin"]
    # The created manager has only a name, and the team of the first row naming it.
    assert {k: rows["Li Na"][k] for k in ("email", "manager", "team", "territory", "active")} == {
        "email": None,
        "manager": None,
        "team": "APAC",
        "territory": None,
        "active": True,
    }
    assert rows["Ivan Petrov"]["manager"] is None
    assert cli.sql("SELECT count(*) FROM rep") == [(7,)]


def test_import_refuses_cycles(cli, tmp_path):
    path = tmp_path / "cycle.csv"
    path.write_text(
        "name,manager\nAnna,Cleo\nBert,Anna\nCleo,Bert\nDora,Anna\nEmil,Fritz\n", encoding="utf-8"
    )
    result = cli("rep", "import", str(path))
    assert result.code == 1
    lines = result.err.splitlines()
    assert "3 invalid rows" in lines[0] and "nothing imported" in lines[0]
    assert lines[1:] == [
        "  line 2: manager 'Cleo' makes a hierarchy cycle: Anna → Cleo → Bert → Anna",
        "  line 3: manager 'Anna' makes a hierarchy cycle: Bert → Anna → Cleo → Bert",
        "  line 4: manager 'Bert' makes a hierarchy cycle: Cleo → Bert → Anna → Cleo",
    ]
    assert cli.sql("SELECT count(*) FROM rep") == [(0,)]
    assert cli.sql("SELECT count(*) FROM importbatch") == [(0,)]
    dry = cli("rep", "import", str(path), "--dry-run")
    assert dry.code == 1 and "dry run" in dry.err
    self_managed = tmp_path / "self.csv"
    self_managed.write_text("name,manager\nAnna,ANNA\n", encoding="utf-8")
    result = cli("rep", "import", str(self_managed))
    assert result.code == 1
    assert "line 2: manager 'ANNA' is the rep itself (cycle: Anna → Anna)" in result.err
    # --skip-invalid: the cycle and the rows under it are rejected, the rest imported.
    rejects = tmp_path / "rejects.csv"
    result = cli("rep", "import", str(path), "--skip-invalid", "--reject-file", str(rejects))
    assert result.code == 1
    assert "1 imported, 4 rejected" in " ".join(result.err.split())
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        "name,manager,line,error",
        "Anna,Cleo,2,manager 'Cleo' makes a hierarchy cycle: Anna → Cleo → Bert → Anna",
        "Bert,Anna,3,manager 'Anna' makes a hierarchy cycle: Bert → Anna → Cleo → Bert",
        "Cleo,Bert,4,manager 'Bert' makes a hierarchy cycle: Cleo → Bert → Anna → Cleo",
        "Dora,Anna,5,manager 'Anna' is on a rejected row (line 2)",
    ]
    assert cli.sql("SELECT r.name, m.name FROM rep r LEFT JOIN rep m ON r.manager_id = m.id "
                   "ORDER BY r.id") == [("Fritz", None), ("Emil", "Fritz")]  # fmt: skip


def test_import_duplicates_and_bad_rows(cli, tmp_path):
    rep(cli, "Jürgen Groß", "--team", "DACH")
    path = tmp_path / "dups.csv"
    path.write_text(
        "name,manager,email,active\n"
        "JÜRGEN GROSS,,,\n"
        "Lena Vogel,jürgen groß,lena@example.com,yes\n"
        "Lena Vogel,,,\n"
        "Otto Bad,,otto@,\n"
        "Paula Maybe,,,maybe\n"
        "42,,,\n",
        encoding="utf-8",
    )
    result = cli("rep", "import", str(path))
    assert result.code == 1
    assert [line.strip() for line in result.err.splitlines()[1:]] == [
        "line 2: name 'JÜRGEN GROSS' is a duplicate of existing rep 1 ('Jürgen Groß'); not "
        "imported (change it with: salescli rep edit)",
        "line 4: rep 'Lena Vogel' is already on line 3",
        "line 5: email 'otto@' is not an email address (There must be something after the "
        "@-sign) (e.g. ana@example.com)",
        "line 6: active 'maybe' is not yes/no (yes, no, true, false, 1, 0)",
        "line 7: rep name '42' is a number, which reads as an id (e.g. 'Ana Souza')",
    ]
    assert cli.sql("SELECT count(*) FROM rep") == [(1,)]
    result = cli("rep", "import", str(path), "--skip-invalid")
    assert result.code == 1
    assert cli.sql("SELECT name, manager_id, email FROM rep ORDER BY id") == [
        ("Jürgen Groß", None, None),
        ("Lena Vogel", 1, "lena@example.com"),
    ]
    assert (tmp_path / "dups.csv.rejects.csv").read_text(encoding="utf-8").count("\n") == 6
    missing = tmp_path / "nonames.csv"
    missing.write_text("sales_agent,manager\nAna,\n", encoding="utf-8")
    result = cli("rep", "import", str(missing))
    assert result.code == 1 and "no column for the required field name" in result.err
    assert cli("rep", "import", str(tmp_path / "nope.csv")).code == 2
    assert cli("rep", "import", str(path), "--owner", "Jürgen Groß").code == 2


def test_export_round_trips_through_import(cli, tmp_path):
    rep(cli, "Maria Lopez", "--email", "maria@example.com", "--team", "EMEA")
    rep(cli, "Jürgen Groß", "--manager", "Maria Lopez", "--skills", "german,sap")
    rep(cli, "王芳", "--manager", "Jürgen Groß", "--territory", "APAC")
    rep(cli, "Ana Souza", "--manager", "Maria Lopez")
    cli.ok("rep", "deactivate", "Ana Souza")
    first = tmp_path / "first.csv"
    cli.ok("rep", "export", "--output", str(first))
    other = tmp_path / "other.db"
    cli.ok("--db", str(other), "rep", "import", str(first))
    second = tmp_path / "second.csv"
    cli.ok("--db", str(other), "rep", "export", "--output", str(second))
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")

    def without_ids(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k not in ("id", "manager_id")} for r in rows]

    copied = cli.json("--db", str(other), "rep", "list", "--all")
    assert without_ids(copied) == without_ids(cli.json("rep", "list", "--all"))


BAD_REP_VALUES = [
    ("name", "12345", "rep name '12345' is a number, which reads as an id (e.g. 'Ana Souza')"),
    ("name", "None", "rep name 'None' is reserved (--manager none clears a manager)"),
    (
        "email",
        "ana-at-example",
        "email 'ana-at-example' is not an email address (An email address must have an "
        "@-sign) (e.g. ana@example.com)",
    ),
    ("team", "T" * 201, f"team '{'T' * 40}...' is longer than 200 characters"),
    ("skills", "s" * 101, f"skill '{'s' * 101}' is longer than 100 characters"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_REP_VALUES)
def test_rep_add_edit_and_import_refuse_a_bad_value_alike(cli, tmp_path, field, value, message):
    """One rule per field: `rep add`, `rep edit` and `rep import` give the same refusal."""
    cli.ok("rep", "add", "Ana Souza")
    option = [f"--{field}", value]
    added = cli("rep", "add", value) if field == "name" else cli("rep", "add", "Bob", *option)
    edited = cli("rep", "edit", "Ana Souza", *option)
    path = tmp_path / "reps.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows(
            [["name", field], ["Bob", value]] if field != "name" else [[field], [value]]
        )
    imported = cli("rep", "import", str(path))
    assert (added.code, edited.code, imported.code) == (1, 1, 1)
    assert added.err == edited.err == f"Error: {message}\n"
    assert imported.err == (
        f"Error: 1 invalid row in {path}; nothing imported (fix them, or use --skip-invalid "
        f"to import the rest):\n  line 2: {message}\n"
    )
    assert cli.sql("SELECT name FROM rep") == [("Ana Souza",)]
