"""Imports from other CRMs: the Salesforce Developer Edition sample (issue 8), one command per
file with documented flags only, and each of the four rounds it used to take."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from tests.conftest import DATASETS

SALESFORCE = DATASETS / "salesforce-devorg-sample"
ACCOUNT_FLAGS = ("--map", "Id=external_id")
# The recipe of docs/importing.md ("The Salesforce sample").
DEAL_FLAGS = (
    "--map", "Id=external_id",
    "--map", "AccountId=account_external_id",
    "--map-value", "stage:Closed Won=won",
    "--map-value", "stage:Needs Analysis=qualification",
    "--map-value", "stage:Value Proposition=qualification",
    "--map-value", "stage:Id. Decision Makers=proposal",
    "--map-value", "stage:Perception Analysis=proposal",
    "--map-value", "stage:Proposal/Price Quote=proposal",
    "--map-value", "stage:Negotiation/Review=negotiation",
    "--map-value", "type:New Customer=new",
    "--map-value", "type:Existing Customer - Upgrade=existing",
    "--map-value", "type:Existing Customer - Replacement=existing",
)  # fmt: skip


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


def rows(name: str) -> list[dict[str, str]]:
    with (SALESFORCE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_salesforce_sample_imports_in_two_commands(cli):
    accounts, deals = rows("Account.csv"), rows("Opportunity.csv")
    won = [d for d in deals if d["StageName"] == "Closed Won"]
    won_minor = int(sum(Decimal(d["Amount"]) for d in won) * 100)
    all_minor = int(sum(Decimal(d["Amount"]) for d in deals) * 100)
    linked = {d["Id"]: d["AccountId"] for d in deals if d["AccountId"]}
    assert (len(accounts), len(deals), len(won), won_minor, len(linked)) == (
        14, 31, 18, 364_500_000, 31,
    )  # fmt: skip

    first = cli.ok("account", "import", str(SALESFORCE / "Account.csv"), *ACCOUNT_FLAGS)
    assert first.err.splitlines()[-1] == (
        f"Imported {len(accounts)} accounts from {SALESFORCE / 'Account.csv'} (batch 1)."
    )
    second = cli.ok("deal", "import", str(SALESFORCE / "Opportunity.csv"), *DEAL_FLAGS)
    assert second.err.splitlines()[-1] == (
        f"Imported {len(deals)} deals from {SALESFORCE / 'Opportunity.csv'} (batch 2)."
    )
    # every AccountId found its account: none created
    assert not any(line.startswith("Created") for line in second.err.splitlines())

    assert cli.sql("SELECT count(*) FROM account") == [(len(accounts),)]
    assert cli.sql("SELECT count(*), sum(amount_minor) FROM deal") == [(len(deals), all_minor)]
    assert cli.sql(
        "SELECT count(*), sum(d.amount_minor) FROM deal d JOIN stage s ON s.id = d.stage_id "
        "WHERE s.kind = 'won'"
    ) == [(len(won), won_minor)]
    stored = dict(
        cli.sql(
            "SELECT d.external_id, a.external_id FROM deal d JOIN account a ON a.id = d.account_id"
        )
    )
    assert stored == linked
    # Probability "10.0" and friends: the file's figures, kept on the open deals.
    expected = {d["Id"]: int(Decimal(d["Probability"])) for d in deals}
    assert dict(cli.sql("SELECT external_id, probability FROM deal")) == expected


def test_integral_decimals_are_whole_numbers_and_a_fraction_is_refused(cli, tmp_path):
    path = write(
        tmp_path / "deals.csv",
        '"Name","Probability"\r\n"A","10.0"\r\n"B","10.00"\r\n"C","7"\r\n',
    )
    assert cli.ok("deal", "import", path).err.splitlines()[-1].startswith("Imported 3 deals")
    assert cli.sql("SELECT title, probability FROM deal ORDER BY id") == [
        ("A", 10), ("B", 10), ("C", 7),
    ]  # fmt: skip
    bad = write(tmp_path / "bad.csv", "name,probability\nD,10.5\n")
    result = cli("deal", "import", bad)
    assert result.code == 1
    assert result.err.splitlines() == [
        f"Error: 1 invalid row in {bad}; nothing imported (fix them, or use --skip-invalid "
        "to import the rest):",
        "  line 2: column 'probability': '10.5' is not a whole number (e.g. 12 or 12.0)",
    ]


def test_id_columns_are_named_in_the_notice_even_when_the_import_fails(cli, tmp_path):
    path = write(
        tmp_path / "accounts.csv",
        "Id,Name,ParentId,OwnerId,NumberOfEmployees\n001A,Edge,,005X,12.5\n",
    )
    result = cli("account", "import", path, "--map", "NumberOfEmployees=employees")
    assert result.code == 1
    assert result.err.splitlines() == [
        "Ignored 3 column(s) that match no account field: Id, ParentId, OwnerId "
        "(use --map COLUMN=FIELD to import one, e.g. --map Id=external_id)",
        f"Error: 1 invalid row in {path}; nothing imported (fix them, or use --skip-invalid "
        "to import the rest):",
        "  line 2: column 'NumberOfEmployees' (employees): '12.5' is not a whole number "
        "(e.g. 12 or 12.0)",
    ]
    # Our own export's `id` column is still read silently.
    ours = write(tmp_path / "ours.csv", "id,name,owner_id\n7,Edge,\n")
    assert cli.ok("account", "import", ours).err == f"Imported 1 accounts from {ours} (batch 1).\n"


def test_a_deal_names_its_account_by_external_id(cli, tmp_path):
    accounts = write(tmp_path / "accounts.csv", "Id,Name\n001A,Edge Communications\n")
    cli.ok("account", "import", accounts, "--map", "Id=external_id")
    deals = write(tmp_path / "deals.csv", "Name,AccountId\nGen,001A\nOther,001Z\n")
    result = cli("deal", "import", deals, "--map", "AccountId=account_external_id")
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "  line 3: account_external_id '001Z' is the external id of no account (import the "
        "accounts first, e.g. salescli account import Account.csv --map Id=external_id)"
    )
    assert cli.sql("SELECT count(*) FROM deal") == [(0,)]
    good = write(tmp_path / "good.csv", "Name,AccountId\nGen,001A\n")
    cli.ok("deal", "import", good, "--map", "AccountId=account_external_id")
    assert cli.sql("SELECT d.title, a.name FROM deal d JOIN account a ON a.id = d.account_id") == [
        ("Gen", "Edge Communications")
    ]
    assert cli.sql("SELECT count(*) FROM account") == [(1,)]


def test_stage_and_type_errors_suggest_map_value_with_the_actual_value(cli, tmp_path):
    path = write(
        tmp_path / "deals.csv",
        "Name,StageName,Type\nA,Id. Decision Makers,New Customer\n",
    )
    result = cli("deal", "import", path)
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "  line 2: column 'Type': 'New Customer' is not one of: new, existing; "
        'map it: --map-value "type:New Customer=new"'
    )
    result = cli("deal", "import", path, "--map-value", "type:New Customer=new")
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "  line 2: stage 'Id. Decision Makers' is not a stage (stages: prospecting, "
        "qualification, proposal, negotiation, won, lost); "
        'map it: --map-value "stage:Id. Decision Makers=negotiation"'
    )
    cli.ok(
        "deal", "import", path, "--map-value", "type:New Customer=new",
        "--map-value", "stage:Id. Decision Makers=negotiation",
    )  # fmt: skip
    assert cli.sql("SELECT s.name, d.deal_type FROM deal d JOIN stage s ON s.id = d.stage_id") == [
        ("negotiation", "new")
    ]


def test_a_lead_import_warns_of_near_identical_name_and_company(cli, tmp_path):
    cli.ok("lead", "add", "Bertha Boxer", "--company", "Farmers Coop. of Florida")
    path = write(
        tmp_path / "leads.csv",
        "name,company\n"
        "Bertha Boxer,Farmers Coop of Florida\n"
        "Phyllis Cotton,Abbott Insurance\n"
        "Phyllis Cotton,Abbott Insurance.\n",
    )
    result = cli.ok("lead", "import", path)
    assert result.err == (
        "Warning: 2 pairs of leads with a near-identical name and company: "
        "lead 2 ~ lead 1 (98.6% alike), lead 4 ~ lead 3 (98.4% alike) "
        "(see: salescli lead duplicates; merge: salescli lead merge)\n"
        f"Imported 3 leads from {path} (batch 1).\n"
    )
    assert cli.sql("SELECT count(*) FROM lead") == [(4,)]


def test_a_contact_names_its_account_by_external_id(cli, tmp_path):
    accounts = write(tmp_path / "accounts.csv", "Id,Name\n001A,Edge Communications\n")
    cli.ok("account", "import", accounts, "--map", "Id=external_id")
    path = write(tmp_path / "contacts.csv", "Name,AccountId\nRose Gonzalez,001A\nSean,001Z\n")
    result = cli("contact", "import", path, "--map", "AccountId=account_external_id")
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        "  line 3: account_external_id '001Z' is the external id of no account (import the "
        "accounts first, e.g. salescli account import Account.csv --map Id=external_id)"
    )
    good = write(tmp_path / "good.csv", "Name,AccountId\nRose Gonzalez,001A\n")
    cli.ok("contact", "import", good, "--map", "AccountId=account_external_id")
    assert cli.sql(
        "SELECT c.name, a.name FROM contact c JOIN account a ON a.id = c.account_id"
    ) == [("Rose Gonzalez", "Edge Communications")]
