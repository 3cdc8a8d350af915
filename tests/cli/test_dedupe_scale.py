"""Duplicate leads at scale: `lead duplicates` compares only leads that share a blocking key
and finds exactly the pairs of the full comparison (X Education data set); the near-identical
warning of `lead add`/`lead edit` looks leads up in `leadkey`, which every writer keeps."""

from __future__ import annotations

import csv
import random
from types import SimpleNamespace

import pytest
from rapidfuzz import fuzz

from salescli.services.leads import dedupe as lead_dedupe
from salescli.services.leads import dedupe_keys as lead_keys
from tests.conftest import DATASETS

XEDU = DATASETS / "x-education-leads" / "Leads.csv"


def _xedu_rows(company_column: str) -> list[SimpleNamespace]:
    """The file's leads as the import below maps them: the lead number as the name."""
    with open(XEDU, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        SimpleNamespace(
            id=n,
            name=row["Lead Number"],
            company=None if row[company_column] in ("", "Select") else row[company_column],
        )
        for n, row in enumerate(rows, start=1)
    ]


@pytest.mark.skipif(not XEDU.exists(), reason="X Education data set not present")
def test_blocking_reports_the_pairs_of_the_full_comparison_on_x_education(cli):
    cli.ok(
        "lead", "import", str(XEDU), "--map", "Prospect ID=external_id",
        "--map", "Lead Number=name", "--map", "City=company", "--null-value", "Select",
    )  # fmt: skip
    rows = cli.json("lead", "duplicates", "--threshold", "95")
    leads = [
        SimpleNamespace(id=i, name=name, company=company)
        for i, name, company in cli.sql("SELECT id, name, company FROM lead ORDER BY id")
    ]
    full = lead_dedupe.full_pairs(leads, 95)
    assert len(full) == 939  # lead numbers one digit apart, in the same city
    assert [(r["lead_id"], r["other_id"], r["similarity"]) for r in rows] == full
    assert {r["reason"] for r in rows} == {"name"}
    # every lead has its keys
    assert cli.sql("SELECT count(DISTINCT lead_id) FROM leadkey") == [(9240,)]


@pytest.mark.slow
@pytest.mark.skipif(not XEDU.exists(), reason="X Education data set not present")
@pytest.mark.parametrize(
    ("column", "threshold", "pairs"),
    [("City", 90, 64560), ("Specialization", 95, 6338), ("City", 80, 762028)],
)
def test_blocked_pairs_equal_full_pairs_on_x_education(column, threshold, pairs):
    leads = _xedu_rows(column)
    full = lead_dedupe.full_pairs(leads, threshold)
    assert len(full) == pairs
    assert lead_dedupe.blocked_pairs(leads, threshold) == full


def _mutate(rng: random.Random, text: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        kind = rng.random()
        at = rng.randrange(len(chars) + 1)
        if kind < 0.4 and chars:
            del chars[min(at, len(chars) - 1)]
        elif kind < 0.8:
            chars.insert(at, rng.choice("abcdeéxyz -"))
        elif chars:
            chars[min(at, len(chars) - 1)] = rng.choice("aeiouß")
    return "".join(chars)


def test_every_alike_pair_shares_a_key_and_a_probe():
    """The segments filter keeps every pair at >= 90 % whatever the lengths (both ways)."""
    rng = random.Random(7)
    words = ["ana", "souza", "acme", "gmbh", "李娜", "有限公司", "o'brien", "x", "de", "la"]
    checked = 0
    for _ in range(4000):
        name = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
        other = _mutate(rng, name, rng.randint(0, 4))
        a, b = lead_keys.fuzzy_key(name, None), lead_keys.fuzzy_key(other, None)
        if fuzz.ratio(a, b) < 90:
            continue
        checked += 1
        for x, y in ((a, b), (b, a)):
            probes = set(lead_keys.probe_keys(x, 90) or [])
            assert probes & set(lead_keys.segment_keys(y, None)), (x, y)
        assert lead_dedupe.blocked_pairs(
            [SimpleNamespace(id=1, name=name, company=None),
             SimpleNamespace(id=2, name=other, company=None)], 90,
        ) == lead_dedupe.full_pairs(
            [SimpleNamespace(id=1, name=name, company=None),
             SimpleNamespace(id=2, name=other, company=None)], 90,
        )  # fmt: skip
    assert checked > 1000


def _expected_keys(cli) -> list[tuple[int, str]]:
    rows = cli.sql("SELECT id, name, company FROM lead WHERE forgotten = :f", f=False)
    return sorted(
        (lead_id, key)
        for lead_id, name, company in rows
        for key in lead_keys.segment_keys(name, company)
    )


def _keys(cli) -> list[tuple[int, str]]:
    return sorted(cli.sql("SELECT lead_id, key FROM leadkey"))


def test_every_writer_keeps_the_keys(cli, tmp_path):
    def add(*args: str) -> int:
        return int(cli.ok("lead", "add", *args).out)

    ana = add("Ana Souza", "--company", "Acme")
    bruno = add("Bruno Díaz", "--company", "Initech")
    assert _keys(cli) == _expected_keys(cli) and len(_keys(cli)) > 2
    cli.ok("lead", "edit", str(bruno), "--name", "Bruno Diaz Filho", "--company", "")
    assert _keys(cli) == _expected_keys(cli)
    path = tmp_path / "leads.csv"
    path.write_text("name,company\nAna Souza,ACME\nZoe Adams,Globex\n", encoding="utf-8")
    imported = cli.ok("lead", "import", str(path))
    assert "lead 3 ~ lead 1 (100% alike)" in imported.err
    assert _keys(cli) == _expected_keys(cli)
    cli.ok("lead", "merge", str(ana), "3", "--yes")
    assert {lead_id for lead_id, _ in _keys(cli)} == {ana, bruno, 4}
    assert _keys(cli) == _expected_keys(cli)
    cli.ok("lead", "forget", "4", "--yes")
    assert {lead_id for lead_id, _ in _keys(cli)} == {ana, bruno}
    cli.ok("lead", "delete", str(bruno), "--yes")
    assert _keys(cli) == _expected_keys(cli)
    assert {lead_id for lead_id, _ in _keys(cli)} == {ana}


def test_warning_finds_longer_and_shorter_names_through_the_index(cli):
    cli.ok("lead", "add", "Maximilian Mustermann", "--company", "Beispiel GmbH")
    cli.ok("lead", "add", "李娜", "--company", "华远软件信息有限公司")
    longer = cli.ok("lead", "add", "Maximiliane Mustermann", "--company", "Beispiel GmbH.")
    assert longer.err == "Warning: lead 1 has a near-identical name and company (97.2% alike)\n"
    shorter = cli.ok("lead", "add", "Maximilian Musterman", "--company", "Beispiel")
    assert shorter.err == "Warning: lead 1 has a near-identical name and company (90.6% alike)\n"
    apart = cli.ok("lead", "add", "Maximilian Musterman", "--company", "Beispiel AG")
    assert "lead 1 " not in apart.err  # 86.6 % alike
    chinese = cli.ok("lead", "add", "李娜", "--company", "华远软件信息有限公司")
    assert chinese.err == "Warning: lead 2 has a near-identical name and company (100% alike)\n"
    edited = cli.ok(
        "lead", "edit", "3", "--name", "Maximilian Mustermann", "--company", "Beispiel GmbH"
    )
    assert "lead 1 has a near-identical name and company" in edited.err


def test_demo_database_has_every_key(cli):
    cli.ok("demo", "--leads", "300", "--deals", "20", "--activities", "20")
    assert _keys(cli) == _expected_keys(cli)


@pytest.mark.parametrize("threshold", [80, 85, 90, 95])
def test_blocked_pairs_equal_full_pairs_on_crowded_keys(threshold):
    """Many alike keys of every length at once (large same-length blocks, shared segments,
    identical keys, a key alone in its length), both ways of counting give the same pairs."""
    rng = random.Random(threshold)
    words = ["ana", "souza", "acme", "and", "gmbh", "李娜", "有限公司", "o'brien", "x", "la"]
    names = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 7))) for _ in range(60)]
    leads = []
    for n in range(1500):
        name = rng.choice(names)
        leads.append(
            SimpleNamespace(id=n + 1, name=_mutate(rng, name, rng.randint(0, 3)), company=None)
        )
    leads.append(SimpleNamespace(id=9999, name="a" * 90, company="b"))
    full = lead_dedupe.full_pairs(leads, threshold)
    assert len(full) > 3_000
    assert lead_dedupe.blocked_pairs(leads, threshold) == full
    assert lead_dedupe.blocked_pairs(leads[::-1], threshold) == full  # in any order
    assert lead_dedupe.blocked_pairs(leads[:1], threshold) == []
    assert lead_dedupe.blocked_pairs([], threshold) == []


def test_blocked_pairs_equal_full_pairs_when_only_longer_keys_probe_a_crowded_block():
    """400 keys of 19 characters share their last segment, which keys of their own length
    do not probe: the three longer keys that do meet all 400 partners there (compared in one
    slice each, not step by step), and find the three that are alike."""
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxy"
    leads = [
        SimpleNamespace(id=n + 1, name="".join(rng.choices(letters, k=15)) + "zzzz", company=None)
        for n in range(400)
    ]
    leads += [
        SimpleNamespace(id=1000 + n, name=leads[n].name[:15] + "qrszzzz", company=None)
        for n in range(3)
    ]
    full = lead_dedupe.full_pairs(leads, 90)
    assert [(a, b) for a, b, _ in full] == [(1, 1000), (2, 1001), (3, 1002)]
    assert lead_dedupe.blocked_pairs(leads, 90) == full


def test_duplicates_show_a_progress_bar_on_a_terminal_only(tmp_path):
    """`lead duplicates` draws its progress on stderr when stderr is a terminal (a pseudo-
    terminal here), and writes nothing there when it is not; stdout carries the pairs alone
    either way."""
    import os
    import pty
    import subprocess
    import sys

    from tests.conftest import clean_env

    env = clean_env(SALESCLI_DB=str(tmp_path / "sales.db"), COLUMNS="80", TERM="xterm")
    for name in ("Ana Souza", "Ana Sousa", "Bo Berg"):
        subprocess.run(
            [sys.executable, "-m", "salescli", "lead", "add", name, "--company", "Acme"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    command = [sys.executable, "-m", "salescli", "lead", "duplicates", "--format", "csv"]
    expected = "lead_id,name,other_id,other_name,reason,similarity\n1,Ana Souza,2,Ana Sousa,name,"

    master, slave = pty.openpty()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.wait() == 0
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert out.startswith(expected), out
    assert b"Comparing leads" in drawn and b"100%" in drawn

    plain = subprocess.run(command, env=env, capture_output=True, text=True)
    assert plain.returncode == 0 and plain.stdout == out and plain.stderr == ""
