"""One rule per entity: the same bad value through `add`, `edit` and `import` gets the same
refusal (exit code and message) from each, and the same good value is stored alike."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

LONG_NAME = "Ä" * 301
LONG_NAME_MSG = f"name '{'Ä' * 40}…' is longer than 300 characters (shorten it to 300)"


def _csv(tmp_path: Path, header: list[str], row: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(row)
    path = tmp_path / f"rows{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


def _refusal(result) -> tuple[int, str]:
    """(exit code, the one-line reason): `Error: REASON` from add/edit, the row's
    `  line 2: REASON` from an import."""
    lines = result.err.splitlines()
    rows = [line.split(": ", 1)[1] for line in lines if line.startswith("  line 2: ")]
    if rows:
        assert len(rows) == 1, result.err
        return result.code, rows[0]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    return result.code, lines[0].removeprefix("Error: ")


ACCOUNT_CASES = [
    # (field, bad value, the one refusal)
    ("name", LONG_NAME, LONG_NAME_MSG),
    ("name", "   ", "name '' is empty (e.g. Acme GmbH)"),
    ("name", "ACMÉ", "duplicate of account 1 ('Acme')"),
    (
        "industry",
        "x" * 201,
        f"industry '{'x' * 40}…' is longer than 200 characters (shorten it to 200)",
    ),
    (
        "website",
        "w" * 501,
        f"website '{'w' * 40}…' is longer than 500 characters (shorten it to 500)",
    ),
    ("phone", "1" * 101, f"phone '{'1' * 40}…' is longer than 100 characters (shorten it to 100)"),
    (
        "territory",
        "t" * 201,
        f"territory '{'t' * 40}…' is longer than 200 characters (shorten it to 200)",
    ),
]


@pytest.mark.parametrize(("field", "value", "message"), ACCOUNT_CASES)
def test_account_add_edit_import_refuse_alike(cli, tmp_path, field, value, message):
    cli.ok("account", "add", "Acme")
    beta = cli.ok("account", "add", "Beta").out.strip()
    if field == "name":
        add = cli("account", "add", value)
        edit = cli("account", "edit", beta, "--name", value)
        # (a second cell: a row of blanks is no row)
        row = _csv(tmp_path, ["name", "country"], [value, "Germany"])
        imported = cli("account", "import", row)
    else:
        add = cli("account", "add", "Gamma", f"--{field}", value)
        edit = cli("account", "edit", beta, f"--{field}", value)
        imported = cli("account", "import", _csv(tmp_path, ["name", field], ["Gamma", value]))
    assert _refusal(add) == (1, message)
    assert _refusal(edit) == (1, message)
    assert _refusal(imported) == (1, message)
    assert add.out == edit.out == imported.out == ""
    assert cli.sql("SELECT id, name, industry, website, phone, territory FROM account ORDER BY id") == [
        (1, "Acme", None, None, None, None),
        (2, "Beta", None, None, None, None),
    ]  # fmt: skip


def test_account_parent_cycles_refused_alike(cli, tmp_path):
    message = "parent 'Delta' is the account itself (cycle: Delta → Delta)"
    imported = cli("account", "import", _csv(tmp_path, ["name", "parent"], ["Delta", "Delta"]))
    assert _refusal(imported) == (1, message)
    delta = cli.ok("account", "add", "Delta").out.strip()
    assert _refusal(cli("account", "edit", delta, "--parent", "Delta")) == (1, message)
    assert _refusal(cli("account", "edit", delta, "--parent", delta)) == (1, message)
    child = cli.ok("account", "add", "Delta Kids", "--parent", "Delta").out.strip()
    loop = cli("account", "edit", delta, "--parent", child)
    assert _refusal(loop) == (1, "parent 'Delta Kids' makes a cycle: Delta → Delta Kids → Delta")
    assert cli.sql("SELECT name, parent_id FROM account ORDER BY id") == [
        ("Delta", None),
        ("Delta Kids", int(delta)),
    ]


def test_account_values_stored_alike(cli, tmp_path):
    """Spaces collapse and blanks are empty the same way in add, edit and import."""
    cli.ok("account", "add", "  Acme   Corp ", "--industry", " Retail   Goods ", "--website", " ")
    beta = cli.ok("account", "add", "Beta").out.strip()
    cli.ok("account", "edit", beta, "--name", " Beta   Corp ", "--industry", " Retail   Goods ")
    path = _csv(
        tmp_path, ["name", "industry", "website"], ["  Gamma   Corp ", " Retail   Goods ", " "]
    )
    cli.ok("account", "import", path)
    assert cli.sql("SELECT name, name_key, industry, website, search_text FROM account ORDER BY id") == [
        ("Acme Corp", "acme corp", "Retail Goods", None, "acme corp | retail goods"),
        ("Beta Corp", "beta corp", "Retail Goods", None, "beta corp | retail goods"),
        ("Gamma Corp", "gamma corp", "Retail Goods", None, "gamma corp | retail goods"),
    ]  # fmt: skip


CONTACT_CASES = [
    ("name", LONG_NAME, LONG_NAME_MSG),
    ("name", "  ", "name '' is empty (e.g. Ana Souza)"),
    (
        "email",
        "ana@",
        "email 'ana@' is not an email address (There must be something after the @-sign) "
        "(e.g. ana@example.com)",
    ),
    (
        "email",
        "ana souza@example.com",
        "email 'ana souza@example.com' is not an email address (The email address contains "
        "invalid characters before the @-sign: SPACE) (e.g. ana@example.com)",
    ),
    ("title", "t" * 201, f"title '{'t' * 40}…' is longer than 200 characters (shorten it to 200)"),
    ("phone", "5" * 101, f"phone '{'5' * 40}…' is longer than 100 characters (shorten it to 100)"),
]


@pytest.mark.parametrize(("field", "value", "message"), CONTACT_CASES)
def test_contact_add_edit_import_refuse_alike(cli, tmp_path, field, value, message):
    ana = cli.ok("contact", "add", "Ana Souza").out.strip()
    if field == "name":
        add = cli("contact", "add", value)
        edit = cli("contact", "edit", ana, "--name", value)
        row = _csv(tmp_path, ["name", "title"], [value, "CTO"])
        imported = cli("contact", "import", row)
    else:
        add = cli("contact", "add", "Bo Lind", f"--{field}", value)
        edit = cli("contact", "edit", ana, f"--{field}", value)
        imported = cli("contact", "import", _csv(tmp_path, ["name", field], ["Bo Lind", value]))
    assert _refusal(add) == (1, message)
    assert _refusal(edit) == (1, message)
    assert _refusal(imported) == (1, message)
    assert cli.sql("SELECT id, name, email, title, phone FROM contact") == [
        (int(ana), "Ana Souza", None, None, None)
    ]


def test_contact_values_stored_alike(cli, tmp_path):
    """E-mails are normalised (domain lower-cased) with the same key, spaces collapse."""
    cli.ok(
        "contact",
        "add",
        " Ana   Souza ",
        "--email",
        " Ana@Example.COM ",
        "--title",
        " Head  of IT ",
    )
    bo = cli.ok("contact", "add", "Bo").out.strip()
    cli.ok("contact", "edit", bo, "--name", " Bo   Lind ", "--email", "Bo@Example.COM", "--title", " Head  of IT ")  # fmt: skip
    path = _csv(
        tmp_path, ["name", "email", "title"], [" Cy   Ng ", " Cy@Example.COM ", " Head  of IT "]
    )
    cli.ok("contact", "import", path)
    assert cli.sql("SELECT name, email, email_key, title, search_text FROM contact ORDER BY id") == [
        ("Ana Souza", "Ana@example.com", "ana@example.com", "Head of IT",
         "ana souza | ana@example.com | head of it"),
        ("Bo Lind", "Bo@example.com", "bo@example.com", "Head of IT",
         "bo lind | bo@example.com | head of it"),
        ("Cy Ng", "Cy@example.com", "cy@example.com", "Head of IT",
         "cy ng | cy@example.com | head of it"),
    ]  # fmt: skip


def test_contact_duplicate_email_refused_by_add_and_edit(cli):
    cli.ok("contact", "add", "Ana Souza", "--email", "ana@example.com")
    bo = cli.ok("contact", "add", "Bo Lind", "--email", "bo@example.com").out.strip()
    message = "contact 1 already has email ana@example.com; use --allow-duplicate to add anyway"
    assert _refusal(cli("contact", "add", "Cy", "--email", "ANA@example.com")) == (1, message)
    assert _refusal(cli("contact", "edit", bo, "--email", "ANA@example.com")) == (1, message)
    cli.ok("contact", "edit", bo, "--email", "Ana@example.com", "--allow-duplicate")
    # Its own address is not a duplicate of itself.
    cli.ok("contact", "edit", bo, "--email", "ana@EXAMPLE.com", "--title", "CFO")
    assert cli.sql("SELECT email_key FROM contact ORDER BY id") == [
        ("ana@example.com",),
        ("ana@example.com",),
    ]
