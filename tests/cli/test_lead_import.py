"""`lead import` / `lead export`: the CSV engine driven through the real CLI and database."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DATASETS, NOW, clean_env

ROOT = Path(__file__).resolve().parents[2]
XEDU = DATASETS / "x-education-leads" / "Leads.csv"


def write(path: Path, text: str, *, encoding: str = "utf-8", bom: bool = False) -> str:
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return str(path)


def utc(value: object) -> dt.datetime:
    """A stored instant as aware UTC, whatever the backend returned (text or datetime)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def counts(cli) -> tuple[int, int, int]:
    return (
        cli.sql("SELECT count(*) FROM lead")[0][0],
        cli.sql("SELECT count(*) FROM leadtag")[0][0],
        cli.sql("SELECT count(*) FROM importbatch")[0][0],
    )


def test_bom_semicolon_crlf_quoted_newline_and_unicode(cli, tmp_path):
    path = write(
        tmp_path / "leads.csv",
        "Full Name;E-Mail;Phone Number;Company;Tags;Notes;Status\r\n"
        "Иван Петров;IVAN@Example.RU;+7 (495) 123-45-67;ООО Ромашка;Hot, enterprise;"
        '"first line\r\nsecond line";Contacted\r\n'
        "JÜRGEN   GROß;jurgen@example.de;;Groß GmbH;hot;;\r\n"
        "Çağrı Yılmaz;;;;;;qualified\r\n",
        bom=True,
    )
    result = cli.ok("lead", "import", path)
    assert result.err.strip() == f"Imported 3 leads from {path} (batch 1)."
    rows = cli.sql(
        "SELECT name, email, email_key, phone, phone_key, company, status, notes, search_text, "
        "import_batch_id FROM lead ORDER BY id"
    )
    assert rows[0] == (
        "Иван Петров",
        "IVAN@example.ru",
        "ivan@example.ru",
        "+7 (495) 123-45-67",
        "+74951234567",
        "ООО Ромашка",
        "contacted",
        "first line\r\nsecond line",
        "иван петров | ivan@example.ru | +7 (495) 123-45-67 | ооо ромашка",
        1,
    )
    assert rows[1][0] == "JÜRGEN GROß" and rows[1][8].startswith("jurgen gross | ")
    assert rows[2][0] == "Çağrı Yılmaz" and rows[2][6] == "qualified" and rows[2][3] is None
    tags = cli.sql("SELECT lead_id, tag FROM leadtag ORDER BY lead_id, tag")
    assert tags == [(1, "enterprise"), (1, "hot"), (2, "hot")]
    for query, expected in (
        ("иван", "Иван Петров"),
        ("jürgen", "JÜRGEN GROß"),
        ("çağrı", "Çağrı Yılmaz"),
    ):
        found = [r["name"] for r in cli.json("lead", "list", "--search", query)]
        assert found == [expected]
    batch = cli.sql("SELECT entity, file_name, rows, file_sha256 FROM importbatch")
    import hashlib

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert batch == [("lead", "leads.csv", 3, digest)]


def test_quoted_newline_error_names_the_starting_line(cli, tmp_path):
    path = write(
        tmp_path / "l.csv",
        'name,email,notes\nAna,ana@,"a\nb\nc"\nBo,not-an-email,ok\n',
    )
    result = cli("lead", "import", path)
    assert result.code == 1
    assert "\n  line 2: email 'ana@' is not an email address" in result.err
    assert "\n  line 5: email 'not-an-email' is not an email address" in result.err
    assert counts(cli) == (0, 0, 0)


def test_empty_and_header_only_files(cli, tmp_path):
    empty = write(tmp_path / "empty.csv", "")
    result = cli("lead", "import", empty)
    assert result.code == 1 and f"{empty} is empty (expected a header row" in result.err
    header = write(tmp_path / "header.csv", "name,email\r\n")
    result = cli("lead", "import", header)  # a quiet day's export in a cron job: success
    assert result.code == 0 and result.out == ""
    assert result.err == f"Imported 0 leads from {header} (it has a header but no data rows).\n"
    assert cli.sql("SELECT count(*) FROM importbatch")[0][0] == 0
    dry = cli("lead", "import", header, "--dry-run")
    assert dry.code == 0 and dry.err == "Dry run: 0 leads would be imported; nothing written.\n"
    assert cli("lead", "import", str(tmp_path / "nope.csv")).code == 2
    assert counts(cli) == (0, 0, 0)


def test_missing_required_column_fails_before_any_row(cli, tmp_path):
    path = write(tmp_path / "l.csv", "email,company\nana@x.com,Acme\nbad,Acme\n")
    result = cli("lead", "import", path)
    assert result.code == 1
    assert "has no column for the required field name (columns: email, company)" in result.err
    assert "line" not in result.err  # no row was read
    # A --map can point another column at the name.
    ok = cli.ok("lead", "import", path, "--map", "company=name", "--map", "email=", "--dry-run")
    assert "Dry run: 2 leads would be imported; nothing written." in ok.err
    assert counts(cli) == (0, 0, 0)


def test_bad_row_at_line_9999_writes_nothing(cli, tmp_path):
    lines = ["name,email,source"]
    for i in range(2, 10002):
        email = "broken@" if i == 9999 else f"p{i}@example.com"
        lines.append(f"Person {i},{email},web")
    path = write(tmp_path / "big.csv", "\n".join(lines) + "\n")
    result = cli("lead", "import", path)
    assert result.code == 1
    assert result.err.startswith(f"Error: 1 invalid row in {path}; nothing imported")
    assert "line 9999: email 'broken@' is not an email address" in result.err
    assert counts(cli) == (0, 0, 0)


def test_many_errors_are_capped_at_20(cli, tmp_path):
    lines = ["name,status"] + [f"P{i},bogus" for i in range(25)]
    path = write(tmp_path / "l.csv", "\n".join(lines) + "\n")
    result = cli("lead", "import", path)
    assert result.code == 1
    assert "25 invalid rows" in result.err and "  and 5 more" in result.err
    assert result.err.count("is not one of: new, contacted") == 20
    assert "line 2: column 'status': 'bogus' is not one of: new, contacted" in result.err


def test_skip_invalid_writes_private_reject_file(cli, tmp_path):
    path = write(
        tmp_path / "l.csv",
        "name,email,status,Extra\n"
        "Ana,ana@x.com,new,1\n"
        "Bo,bo@,new,2\n"
        "Cy,cy@x.com,weird,3\n"
        "Di,di@x.com,,4\n",
    )
    old = os.umask(0o022)
    try:
        result = cli("lead", "import", path, "--skip-invalid")
    finally:
        os.umask(old)
    reject = f"{path}.rejects.csv"
    assert result.code == 1
    assert result.err.strip().endswith(f"2 imported, 2 rejected → {reject}")
    assert stat.S_IMODE(os.stat(reject).st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(Path(reject).read_text(encoding="utf-8"))))
    assert rows[0] == ["name", "email", "status", "Extra", "line", "error"]
    assert rows[1][:5] == ["Bo", "bo@", "new", "2", "3"]
    assert rows[1][5].startswith("email 'bo@' is not an email address")
    assert rows[2] == [
        "Cy",
        "cy@x.com",
        "weird",
        "3",
        "4",
        "column 'status': 'weird' is not one of: new, contacted, qualified, unqualified, "
        'nurturing, converted, lost; map it: --map-value "status:weird=converted"',
    ]
    assert cli.sql("SELECT name, status FROM lead ORDER BY id") == [("Ana", "new"), ("Di", "new")]
    # The fixed reject file imports (its line/error columns are read silently).
    Path(reject).write_text(
        Path(reject).read_text().replace("bo@,", "bo@x.com,").replace("weird", "new")
    )
    custom = tmp_path / "r.csv"
    fixed = cli.ok("lead", "import", reject, "--reject-file", str(custom))
    assert "Ignored 1 column(s) that match no lead field: Extra (" in fixed.err
    assert not custom.exists()
    assert cli.sql("SELECT count(*) FROM lead") == [(4,)]


def test_dry_run_writes_nothing(cli, tmp_path):
    path = write(tmp_path / "l.csv", "name,email,tags\nAna,ana@x.com,a\nBo,bo@x.com,b\n")
    result = cli.ok("lead", "import", path, "--dry-run")
    assert result.err.strip() == "Dry run: 2 leads would be imported; nothing written."
    assert counts(cli) == (0, 0, 0)
    bad = write(tmp_path / "b.csv", "name,email\nAna,ana@x.com\nBo,bo@\n")
    result = cli("lead", "import", bad, "--dry-run", "--skip-invalid")
    assert result.code == 1
    assert "Dry run: 1 leads would be imported, 1 rejected:" in result.err
    assert "line 3: email 'bo@'" in result.err
    assert not Path(f"{bad}.rejects.csv").exists()
    assert counts(cli) == (0, 0, 0)


def test_reimport_refused_unless_again(cli, tmp_path):
    path = write(tmp_path / "l.csv", "name,company\nAna,Acme\nBo,Beta\n")
    cli.ok("lead", "import", path)
    again = cli("lead", "import", path)
    assert again.code == 1
    assert (
        f"{path} was already imported on 2026-11-23 09:00 UTC as batch 1; "
        "use --again to import it again"
    ) in again.err
    assert cli.sql("SELECT count(*) FROM lead") == [(2,)]
    cli.ok("lead", "import", path, "--again")
    assert cli.sql(
        "SELECT import_batch_id, count(*) FROM lead GROUP BY import_batch_id ORDER BY 1"
    ) == [
        (1, 2),
        (2, 2),
    ]
    assert cli.sql("SELECT id, rows FROM importbatch ORDER BY id") == [(1, 2), (2, 2)]


def test_duplicates_of_existing_and_within_file(cli, tmp_path):
    cli.ok("lead", "add", "Ana Souza", "--email", "ana@x.com", "--phone", "+49 30 1234567")
    path = write(
        tmp_path / "l.csv",
        "name,email,phone,external_id\n"
        "Ana S,ANA@X.COM,,\n"
        "Other,o@x.com,0049-30-1234567,\n"
        "New,new@x.com,+49 (30) 1234567,E1\n"
        "Twin,NEW@x.com,,\n"
        "Ext,ext@x.com,,E1\n"
        "Again,new@X.com,,\n"
        "Ext2,,,E1\n",
    )
    result = cli("lead", "import", path)
    assert result.code == 1
    errors = [line.strip() for line in result.err.splitlines()[1:]]
    assert errors == [
        "line 2: duplicate of lead 1 (email ANA@x.com)",
        "line 4: duplicate of lead 1 (phone +49 (30) 1234567)",
        "line 7: duplicate of line 5 (email new@x.com)",
        "line 8: duplicate of line 6 (external id E1)",
    ]
    assert cli.sql("SELECT count(*) FROM lead") == [(1,)]
    result = cli("lead", "import", path, "--skip-invalid")
    assert result.err.strip() == f"3 imported, 4 rejected → {path}.rejects.csv"
    assert cli.sql("SELECT name FROM lead ORDER BY id") == [
        ("Ana Souza",), ("Other",), ("Twin",), ("Ext",),
    ]  # fmt: skip


def test_map_value_null_value_date_format_and_owner(cli, tmp_path):
    cli.ok("config", "set", "timezone", "Europe/Berlin")
    cli.ok("rep", "add", "Bo Lind")
    cli.ok("rep", "add", "Çağrı Yılmaz")
    path = write(
        tmp_path / "crm.csv",
        "Lead Name,Lead Status,Lead Source,Created,Last Contact,Lead Owner,Region\n"
        'Ana,Hot,Select,"05 Mar, 2026 14:04:05","01 Nov, 2026 09:00:00",,Select\n'
        'Bo,Working,web,"01 Jul, 2026 10:00:00",,çağrı yılmaz,EMEA\n'
        "Cy,Unknown,SELECT,,,,\n",
    )
    result = cli.ok(
        "lead", "import", path,
        "--map-value", "status:hot=qualified",
        "--map-value", "status:Working=contacted",
        "--map-value", "status:Unknown=",
        "--null-value", "Select",
        "--date-format", "%d %b, %Y %H:%M:%S",
        "--owner", "bo lind",
    )  # fmt: skip
    assert "Ignored" not in result.err
    rows = cli.sql(
        "SELECT l.name, l.status, l.source, l.territory, r.name, l.created_at, l.last_contact_at "
        "FROM lead l LEFT JOIN rep r ON r.id = l.owner_id ORDER BY l.id"
    )
    assert [r[:5] for r in rows] == [
        ("Ana", "qualified", None, None, "Bo Lind"),
        ("Bo", "contacted", "web", "EMEA", "Çağrı Yılmaz"),
        ("Cy", "new", None, None, "Bo Lind"),
    ]
    # Naive times are in the configured zone (Berlin: UTC+1 in March/November, +2 in July).
    assert utc(rows[0][5]) == dt.datetime(2026, 3, 5, 13, 4, 5, tzinfo=dt.UTC)
    assert utc(rows[0][6]) == dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    assert utc(rows[1][5]) == dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    assert utc(rows[2][5]) == dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # now
    assert rows[1][6] is None
    assignments = cli.sql(
        "SELECT a.lead_id, r.name, a.strategy, a.reason FROM leadassignment a "
        "JOIN rep r ON r.id = a.rep_id ORDER BY a.lead_id"
    )
    assert assignments == [
        (1, "Bo Lind", "import", "import batch 1"),
        (2, "Çağrı Yılmaz", "import", "import batch 1"),
        (3, "Bo Lind", "import", "import batch 1"),
    ]
    bad_date = write(tmp_path / "d.csv", "name,created_at\nAna,2026-13-01\n")
    result = cli("lead", "import", bad_date)
    assert (
        "line 2: column 'created_at': '2026-13-01' is not a date-time in ISO format" in result.err
    )
    unknown = write(tmp_path / "o.csv", "name,owner\nAna,Nobody\n")
    result = cli("lead", "import", unknown)
    assert "line 2: owner 'Nobody' is not a rep (see: salescli rep list)" in result.err
    assert cli("lead", "import", unknown, "--owner", "Ghost").code == 3


def test_unknown_columns_one_notice(cli, tmp_path):
    path = write(
        tmp_path / "l.csv", "name,Favourite Colour,email,Shoe Size,,\nAna,red,ana@x.com,38,,\n"
    )
    result = cli.ok("lead", "import", path)
    notices = [line for line in result.err.splitlines() if "Ignored" in line]
    assert notices == [
        "Ignored 2 column(s) that match no lead field: Favourite Colour, Shoe Size "
        "(use --map COLUMN=FIELD to import one)"
    ]


def test_encoding_error_suggests_cp1252(cli, tmp_path):
    path = write(tmp_path / "win.csv", "name,company\nJürgen Groß,Müller AG\n", encoding="cp1252")
    result = cli("lead", "import", path)
    assert result.code == 1
    assert "is not valid utf-8-sig (byte 0xfc on line 2)" in result.err
    assert "try --encoding cp1252" in result.err
    cli.ok("lead", "import", path, "--encoding", "cp1252")
    assert cli.sql("SELECT name, company FROM lead") == [("Jürgen Groß", "Müller AG")]


def test_delimiter_sniffed_and_forced(cli, tmp_path):
    tab = write(tmp_path / "t.tsv", "name\temail\tcompany\nAna\tana@x.com\tA, B and C\n")
    cli.ok("lead", "import", tab)
    pipe = write(tmp_path / "p.csv", "name|company\nBo|X;Y\n")
    cli.ok("lead", "import", pipe, "--delimiter", "|")
    assert cli.sql("SELECT name, company FROM lead ORDER BY id") == [
        ("Ana", "A, B and C"),
        ("Bo", "X;Y"),
    ]
    assert cli("lead", "import", pipe, "--delimiter", "||").code == 2


def test_email_validation_fast_path_and_validator(cli, tmp_path):
    path = write(
        tmp_path / "l.csv",
        "name,email\nA,a.b+c@Sub.Example.COM\nB,josé@exämple.com\nC,c@example.test\nD,d@@x.com\n",
    )
    result = cli("lead", "import", path, "--skip-invalid")
    assert result.code == 1
    assert cli.sql("SELECT email, email_key FROM lead ORDER BY id") == [
        ("a.b+c@sub.example.com", "a.b+c@sub.example.com"),
        ("josé@exämple.com", "josé@exämple.com"),
    ]
    text = Path(f"{path}.rejects.csv").read_text(encoding="utf-8")
    reasons = [row[-1] for row in csv.reader(io.StringIO(text))][1:]
    assert reasons[0].startswith("email 'c@example.test' is not an email address (")
    assert reasons[1].startswith("email 'd@@x.com' is not an email address (")


def test_export_neutralises_formula_cells(cli, tmp_path):
    cli.ok("lead", "add", "=cmd()", "--company", "@SUM(A1)", "--phone", "+1 555 0100")
    out = cli.ok("lead", "export").out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["name"] == "'=cmd()"
    assert rows[0]["company"] == "'@SUM(A1)"
    assert rows[0]["phone"] == "'+1 555 0100"
    data = cli.json("lead", "export")
    assert data[0]["name"] == "=cmd()" and data[0]["phone"] == "+1 555 0100"


def test_export_to_private_file_with_filters(cli, tmp_path):
    path = write(
        tmp_path / "l.csv",
        "name,status,source,tags\nAna,new,web,b;a\nBo,qualified,web,\nCy,new,event,\n",
    )
    cli.ok("lead", "import", path)
    target = tmp_path / "out.json"
    old = os.umask(0o022)
    try:
        result = cli.ok(
            "lead",
            "export",
            "--format",
            "json",
            "--output",
            str(target),
            "--status",
            "new",
            "--source",
            "web",
        )
    finally:
        os.umask(old)
    assert result.err.strip() == f"Exported 1 leads to {target}."
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    data = json.loads(target.read_text())
    assert [(d["id"], d["name"], d["tags"]) for d in data] == [(1, "Ana", ["a", "b"])]
    assert cli.json("lead", "export", "--owner", "none", "--status", "qualified")[0]["name"] == "Bo"
    assert cli("lead", "export", "--status", "bogus").code == 2
    assert cli.ok("lead", "export", "--source", "nothing").out == (
        "id,name,email,phone,company,title,source,status,status_reason,tags,territory,owner,"
        "score,external_id,notes,created_at,updated_at,last_contact_at\n"
    )
    assert cli.ok("lead", "export", "-f", "json", "--source", "nothing").out == "[]\n"


def _wipe_leads(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(url if "://" in url else f"sqlite:///{url}", poolclass=NullPool)
    with eng.begin() as conn:
        for table in ("leadassignment", "leadtag", "lead", "importbatch"):
            conn.execute(text(f"DELETE FROM {table}"))
    eng.dispose()


def test_export_import_round_trip(cli, tmp_path):
    cli.ok("rep", "add", "Bo Lind")
    source = write(
        tmp_path / "l.csv",
        "name,email,phone,company,title,source,status,status_reason,tags,territory,owner,"
        "external_id,notes,created_at,last_contact_at\n"
        'Иван Петров,ivan@x.ru,+7 495 1,=evil(),CTO,web,lost,"too pricey, -10%","hot,vip",EMEA,'
        'Bo Lind,X-1,"line1\nline2",2026-01-02T03:04:05+02:00,2026-11-20T10:00:00Z\n'
        "Ana,,,,,,new,,,,,,,,\n",
    )
    cli.ok("lead", "import", source)
    first_json = cli.json("lead", "export")
    exported = tmp_path / "export.csv"
    cli.ok("lead", "export", "--output", str(exported))
    _wipe_leads(cli.url)
    result = cli.ok("lead", "import", str(exported))
    assert "Ignored" not in result.err
    second_json = cli.json("lead", "export")

    def strip(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "id"} for r in rows]

    assert strip(second_json) == strip(first_json)
    assert first_json[0]["company"] == "=evil()" and first_json[0]["notes"] == "line1\nline2"
    assert first_json[0]["created_at"] == "2026-01-02T01:04:05+00:00"
    assert first_json[0]["tags"] == ["hot", "vip"] and first_json[0]["owner"] == "Bo Lind"


def _independent_source_counts() -> dict[str | None, int]:
    tally: collections.Counter[str | None] = collections.Counter()
    with open(XEDU, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            value = row["Lead Source"].strip()
            tally[None if value in ("", "Select") else value] += 1
    # lead sources counts spellings that differ by case as one source, in its most common
    # spelling (the file has 2868 "Google" and 5 "google")
    merged: dict[str | None, list[tuple[int, str | None]]] = collections.defaultdict(list)
    for value, n in tally.items():
        merged[value.casefold() if value else None].append((n, value))
    return {max(spellings)[1]: sum(n for n, _ in spellings) for spellings in merged.values()}


@pytest.mark.skipif(not XEDU.exists(), reason="X Education data set not present")
def test_x_education_file_imports_with_documented_mapping(cli, tmp_path):
    script = ROOT / "examples" / "import-x-education.sh"
    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    done = subprocess.run(
        ["bash", str(script), str(XEDU)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Imported 9240 leads" in done.stderr
    expected = _independent_source_counts()
    got = {row["source"]: row["count"] for row in cli.json("lead", "sources")}
    assert got == expected
    assert got["Google"] == 2873 and "google" not in got
    assert sum(got.values()) == 9240
    assert cli.sql("SELECT count(DISTINCT external_id) FROM lead") == [(9240,)]
    tag = cli.sql("SELECT count(*) FROM leadtag WHERE tag = 'will revert after reading the email'")
    assert tag == [(2072,)]
    again = cli("lead", "import", str(XEDU), "--map", "Lead Number=name")
    assert again.code == 1 and "already imported" in again.err
