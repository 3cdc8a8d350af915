"""Usage errors in one line naming the option, the value, what is valid and an example; help
that reads as typed; the CLI's choices are the services' vocabularies."""

from __future__ import annotations

import pytest

BAD_USAGE = [
    (("lead", "show", "abc"), "Error: invalid value for ID: 'abc' is not a whole number (e.g. salescli lead show 12 --format json)"),
    (("lead", "list", "--format", "yaml"), "Error: invalid value for --format: 'yaml' is not one of 'table', 'json', 'csv', 'markdown' (e.g. salescli lead list --format json)"),
    (("deal", "lose", "1"), "Error: missing option --reason (e.g. salescli deal lose 12 --reason price --note \"went with a cheaper tool\")"),
    (("deal", "add"), "Error: missing argument TITLE (e.g. salescli deal add \"Acme – 50 seats\" --amount 12,000.50 --currency EUR --account Acme --close fri)"),
    (("deal", "edit", "1", "--category", "closed"), "Error: invalid value for --category: 'closed' is not one of 'pipeline', 'best_case', 'commit', 'omitted' (e.g. salescli deal edit 12 --category pipeline)"),
    (("deal", "add", "x", "--type", "old"), "Error: invalid value for --type: 'old' is not one of 'new', 'existing' (e.g. salescli deal add \"Acme – 50 seats\" --type new)"),
    (("lead", "list", "--bogus"), "Error: no such option: --bogus (e.g. salescli lead list --status new --owner \"Ana Souza\" --sort score --limit 20)"),
    (("nosuchgroup",), "Error: no such command 'nosuchgroup' (see: salescli --help)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"), BAD_USAGE, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_a_usage_error_is_one_line_with_an_example(cli, args, expected):
    result = cli(*args)
    assert result.code == 2
    assert result.out == ""
    assert result.err == expected + "\n"


def test_help_shows_no_type_placeholders():
    from typer.testing import CliRunner

    from salescli.cli import app
    from tests.test_docs import _commands

    runner = CliRunner()
    for name, _command in _commands():
        text = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"}).stdout
        assert "<bool>" not in text, name
        usage = next(line for line in text.splitlines() if "Usage:" in line)
        assert "{" not in usage, (name, usage)


def test_cli_choices_are_the_services_vocabularies():
    from salescli.cli import deal_base as deal_cli
    from salescli.cli import lead_base as lead_cli
    from salescli.services.deals import rules as deal_rules
    from salescli.services.deals import stages as stages
    from salescli.services.leads import statuses as lead_statuses

    assert tuple(c.value for c in deal_cli.Category) == stages.OPEN_CATEGORIES
    assert tuple(t.value for t in deal_cli.DealType) == deal_rules.DEAL_TYPES
    assert tuple(s.value for s in lead_cli.LeadStatus) == lead_statuses.STATUSES


def test_me_is_a_rep_and_is_written_as_the_rep_spells_it(cli):
    cli.ok("rep", "add", "Jürgen Groß")
    assert cli.ok("config", "set", "me", "JÜRGEN GROSS").err == "me = Jürgen Groß\n"
    assert cli.sql("SELECT value FROM setting WHERE key = 'me'") == [("Jürgen Groß",)]
    ghost = {"SALESCLI_REP": "Ghost"}
    for args in (("deal", "add", "X"), ("lead", "add", "Y"), ("account", "add", "Z")):
        result = cli(*args, env=ghost)
        assert result.code == 3, args
        assert result.err == "Error: SALESCLI_REP 'Ghost' is not a rep (see: salescli rep list)\n"
    assert cli.sql("SELECT count(*) FROM deal") == [(0,)]
    deal = cli.ok("deal", "add", "Acme", env={"SALESCLI_REP": "jürgen GROSS"}).out.strip()
    cli.ok("deal", "move", deal, "proposal", env={"SALESCLI_REP": "JÜRGEN GROß"})
    assert cli.sql("SELECT changed_by FROM stagechange ORDER BY id") == [
        ("Jürgen Groß",),
        ("Jürgen Groß",),
    ]
