"""`report weekly`: the figures of last week worked out by hand, the documents (HTML parsed,
nothing external), and mail sent to a real SMTP server started by the test (aiosmtpd):
recipients, subject, both parts, a figure; an unreachable server (75), a refused login (1),
temporary (4xx: 75) and permanent (5xx: 1) answers to RCPT TO and DATA, a partial delivery (1)."""

from __future__ import annotations

import email
import socket
from email import policy
from html.parser import HTMLParser

import pytest


def _id(cli, *args: str, env: dict[str, str] | None = None) -> int:
    return int(cli.ok(*args, env=env).out.strip())


@pytest.fixture
def week(cli):
    """Last week is 2026-W47 (16-22 November); NOW is Monday 23 November 09:00 UTC."""
    cli.ok("rep", "add", "Dana Lee")
    cli.ok("rep", "add", "Ana Souza", "--manager", "Dana Lee")
    cli.ok("rep", "add", "Wang Fang")
    at = {"SALESCLI_NOW": "2026-11-17T10:00:00+00:00"}
    monday = {"SALESCLI_NOW": "2026-11-16T09:00:00+00:00"}
    won = _id(cli, "deal", "add", "Acme renewal", "--amount", "1234.50", "--owner", "Ana Souza", env=monday)  # fmt: skip
    cli.ok("deal", "move", str(won), "proposal", env=at)
    cli.ok("deal", "win", str(won), "--on", "2026-11-18")
    lost = _id(cli, "deal", "add", "Beta pilot", "--amount", "300", "--owner", "Wang Fang", env=monday)  # fmt: skip
    cli.ok("deal", "lose", str(lost), "--reason", "price", "--on", "2026-11-20")
    before = {"SALESCLI_NOW": "2026-11-09T09:00:00+00:00"}
    early = _id(cli, "deal", "add", "Older win", "--amount", "99", "--owner", "Ana Souza", env=before)  # fmt: skip
    cli.ok("deal", "win", str(early), "--on", "2026-11-10")  # the week before
    cli.ok("lead", "add", "New lead", "--owner", "Ana Souza", env=at)
    cli.ok("lead", "add", "This week's lead", "--owner", "Ana Souza")
    return cli


def test_last_weeks_results_and_the_sections(week):
    report = week.json("report", "weekly", "--format", "json")
    assert (report["week"], report["from"], report["to"], report["quarter"]) == (
        "2026-W47",
        "2026-11-16",
        "2026-11-22",
        "2026-Q4",
    )
    assert report["results"] == {
        "won": 1,
        "won_amount": 1234.5,
        "lost": 1,
        "lost_amount": 300,
        "new_leads": 1,
        # The move to proposal on the 17th, the win on the 18th, the loss on the 20th.
        "stage_moves": 3,
        "currency": "USD",
    }
    assert [r["rep"] for r in report["leaderboard"]["rows"]][:1] == ["Ana Souza"]
    assert report["leaderboard"]["rows"][0]["won_amount"] == 1333.5  # the quarter to date
    assert report["funnel"]["created"] == 3
    team = week.json("report", "weekly", "--team", "Dana Lee", "--format", "json")
    assert team["results"]["lost"] == 0 and team["results"]["won"] == 1


def test_documents_are_self_contained(week, tmp_path):
    page = tmp_path / "weekly.html"
    week.ok("report", "weekly", "--format", "html", "--output", str(page))
    text = page.read_text(encoding="utf-8")

    class Check(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.refs: list[str] = []
            self.data: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.refs += [v for k, v in attrs if k in ("src", "href") and v]

        def handle_data(self, data):
            self.data.append(data)

    check = Check()
    check.feed(text)
    check.close()
    # Results, forecast, leaderboard, funnel, sources; nothing is stale or overdue yet.
    assert check.tags.count("table") == 5 and "script" not in check.tags
    assert check.data.count("Nothing in this period.") == 3
    assert check.refs == [] and "http" not in text and "url(" not in text
    assert "Weekly sales report: 2026-W47" in check.data and "1,234.50" in check.data
    markdown = tmp_path / "weekly.md"
    week.ok("report", "weekly", "--format", "markdown", "--output", str(markdown))
    document = markdown.read_text(encoding="utf-8")
    assert "## Last week: 2026-W47" in document
    assert "## Forecast against quota" in document
    assert "| 2026-11 | 1,333.50 | 1,333.50 | 1,333.50 | 1,333.50 |" in document


def test_forecast_of_this_month_and_quarter_against_quota(week):
    """This month (2026-11) and this quarter (2026-Q4), as `forecast` defines them: closed =
    1,234.50 + 99 (Ana); an open commit deal closing in November (1,000 at 40 %) and an open
    best-case deal closing in December (2,000 at 25 %)."""
    week.ok("deal", "add", "Nov deal", "--amount", "1000", "--owner", "Ana Souza",
            "--close", "2026-11-27", "--probability", "40", "--category", "commit")  # fmt: skip
    week.ok("deal", "add", "Dec deal", "--amount", "2000", "--owner", "Wang Fang",
            "--close", "2026-12-15", "--probability", "25", "--category", "best_case")  # fmt: skip
    week.ok("quota", "set", "Ana Souza", "3000", "--period", "2026-11")
    week.ok("quota", "set", "Ana Souza", "10000", "--period", "2026-Q4")
    week.ok("quota", "set", "Wang Fang", "5000", "--period", "2026-Q4")
    week.ok("quota", "set", "--team", "Dana Lee", "12000", "--period", "2026-Q4")

    def figures(*args: str) -> tuple[dict, dict, list[str]]:
        part = week.json("report", "weekly", *args, "--format", "json")["forecast"]
        month, quarter = part["rows"]
        assert (month["period"], quarter["period"]) == ("2026-11", "2026-Q4")
        assert (month["currency"], quarter["currency"]) == ("USD", "USD")
        keys = ("closed", "commit_total", "best_case_total", "weighted", "quota", "gap",
                "attainment", "coverage")  # fmt: skip
        return {k: month[k] for k in keys}, {k: quarter[k] for k in keys}, part["notes"]

    month, quarter, notes = figures()
    # November: Wang's quota is a quarter's (not prorated): only Ana's 3,000 covers the month.
    assert month == {
        "closed": 1333.5, "commit_total": 2333.5, "best_case_total": 2333.5,
        "weighted": 1333.5 + 400, "quota": 3000, "gap": 1666.5,
        "attainment": 0.4445, "coverage": 0.6001,  # 1,000 / 1,666.50
    }  # fmt: skip
    # The quarter: Dana's team quota (12,000, set) and Wang's 5,000.
    assert quarter == {
        "closed": 1333.5, "commit_total": 2333.5, "best_case_total": 4333.5,
        "weighted": 1333.5 + 400 + 500, "quota": 17000, "gap": 15666.5,
        "attainment": 0.0784, "coverage": 0.1915,  # 3,000 / 15,666.50
    }  # fmt: skip
    assert notes == [
        "2026-11 quota: the sum of the quotas of each top-level team and rep.",
        "2026-Q4 quota: the sum of the quotas of each top-level team and rep.",
    ]
    month, quarter, notes = figures("--team", "Dana Lee")
    assert (month["quota"], month["weighted"]) == (3000, 1733.5)
    assert (quarter["quota"], quarter["gap"], quarter["attainment"]) == (12000, 10666.5, 0.1111)
    assert notes == [
        "2026-11 quota: the sum of the reps' quotas (no team quota is set, or the scope shows "
        "only part of the team)."
    ]
    month, quarter, notes = figures("--rep", "Wang Fang")
    assert (month["closed"], month["quota"], month["attainment"]) == (0, None, None)
    assert (quarter["best_case_total"], quarter["quota"], quarter["gap"]) == (2000, 5000, 5000)
    assert notes == ["No revenue quota covers 2026-11: no gap or attainment."]
    table = week.ok("report", "weekly", "--team", "Dana Lee").out
    assert "Forecast against quota" in table and "11.1%" in table


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[tuple[str, list[str], bytes]] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"right"
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _smtp(cli, port: int, user: str | None = None) -> None:
    cli.ok("config", "set", "smtp.host", "127.0.0.1")
    cli.ok("config", "set", "smtp.port", str(port))
    cli.ok("config", "set", "smtp.starttls", "false")
    cli.ok("config", "set", "smtp.from", "reports@example.com")
    if user:
        cli.ok("config", "set", "smtp.user", user)


def test_mail_reaches_a_real_smtp_server(week, smtp_server):
    inbox, port = smtp_server
    _smtp(week, port, user="reports")
    sent = week(
        "report", "weekly", "--mail-to", "dana@example.com, ana@example.com",
        env={"SALESCLI_SMTP_PASSWORD": "right"},
    )  # fmt: skip
    assert sent.code == 0, sent.err
    assert sent.err.strip() == "Sent the weekly report to dana@example.com, ana@example.com."
    assert sent.out == "" and "right" not in sent.err
    [(sender, recipients, raw)] = inbox.messages
    assert sender == "reports@example.com"
    assert recipients == ["dana@example.com", "ana@example.com"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Weekly sales report: 2026-W47"
    assert message["To"] == "dana@example.com, ana@example.com"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "| 1 | 1,234.50 | 1 | 300.00 | 1 | 3 |" in plain
    assert '<td class="n">1,234.50</td>' in html and "<script" not in html


def test_mail_failures_are_one_line(week, smtp_server):
    inbox, port = smtp_server
    _smtp(week, port, user="reports")
    refused = week("report", "weekly", "--mail-to", "dana@example.com", env={"SALESCLI_SMTP_PASSWORD": "wrong"})  # fmt: skip
    assert refused.code == 1 and "refused the login of 'reports'" in refused.err
    assert len(refused.err.strip().splitlines()) == 1 and "wrong" not in refused.err
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    week.ok("config", "set", "smtp.port", str(closed))
    down = week("report", "weekly", "--mail-to", "dana@example.com")
    assert down.code == 75 and "unreachable" in down.err
    assert len(down.err.strip().splitlines()) == 1
    bad = week("report", "weekly", "--mail-to", "not-an-address")
    assert bad.code == 1 and "not an e-mail address" in bad.err
    assert inbox.messages == []


@pytest.fixture
def answering():
    """An SMTP server whose answers to RCPT TO (per address) and DATA the test chooses."""
    from aiosmtpd.controller import Controller

    class Answers:
        def __init__(self) -> None:
            self.rcpt: dict[str, str] = {}
            self.data = "250 OK"
            self.delivered: list[list[str]] = []

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            answer = self.rcpt.get(address, "250 OK")
            if answer.startswith("250"):
                envelope.rcpt_tos.append(address)
            return answer

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            if self.data.startswith("250"):
                self.delivered.append(list(envelope.rcpt_tos))
            return self.data

    answers = Answers()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(answers, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield answers, port
    finally:
        controller.stop()


def test_a_temporary_answer_exits_75_and_a_permanent_one_1(week, answering):
    answers, port = answering
    _smtp(week, port)
    server = f"Error: SMTP server 127.0.0.1:{port}"
    answers.rcpt = {"boss@example.com": "451 later"}
    later = week("report", "weekly", "--mail-to", "boss@example.com")
    assert (later.code, later.out) == (75, "")
    assert later.err == (
        f"{server} refused the recipients for now: boss@example.com (451): try again later\n"
    )
    # Every recipient refused, one of them only for now: nothing was sent, a retry may deliver.
    answers.rcpt = {"boss@example.com": "451 later", "gone@example.com": "550 no such user"}
    mixed = week("report", "weekly", "--mail-to", "boss@example.com,gone@example.com")
    assert mixed.code == 75 and mixed.err == (
        f"{server} refused the recipients for now: boss@example.com (451), "
        "gone@example.com (550): try again later\n"
    )
    answers.rcpt = {"gone@example.com": "550 no such user"}
    gone = week("report", "weekly", "--mail-to", "gone@example.com")
    assert gone.code == 1
    assert gone.err == f"{server} refused the recipients: gone@example.com (550)\n"
    # Sent to one, refused for the other: a retry would mail the first twice, so exit 1.
    answers.rcpt = {"boss@example.com": "451 later"}
    partly = week("report", "weekly", "--mail-to", "dana@example.com,boss@example.com")
    assert partly.code == 1 and partly.err == (
        f"{server} delivered the report to dana@example.com but refused boss@example.com (451)\n"
    )
    assert answers.delivered == [["dana@example.com"]]
    answers.rcpt, answers.delivered = {}, []
    answers.data = "451 try later"
    data_later = week("report", "weekly", "--mail-to", "boss@example.com")
    assert data_later.code == 75 and data_later.err == f"{server} is busy (451): try again later\n"
    answers.data = "554 rejected"
    data_refused = week("report", "weekly", "--mail-to", "boss@example.com")
    assert data_refused.code == 1
    assert data_refused.err == f"{server} refused the message (554)\n"
    assert answers.delivered == []


def test_the_example_script_writes_both_documents_and_mails(week, smtp_server, tmp_path):
    import subprocess
    from pathlib import Path

    from tests.conftest import NOW, clean_env

    inbox, port = smtp_server
    _smtp(week, port)
    script = Path(__file__).resolve().parents[2] / "examples" / "weekly-report.sh"
    env = clean_env(SALESCLI_DB=week.url, SALESCLI_NOW=NOW)
    result = subprocess.run(
        ["bash", str(script), str(tmp_path / "out"), "--team", "Dana Lee", "--mail-to", "dana@example.com"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    md, html = (Path(line) for line in result.stdout.splitlines())
    assert md.name == "weekly-2026-W47.md" and html.name == "weekly-2026-W47.html"
    assert "| 1 | 1,234.50 | 0 | 0.00 | 1 | 2 |" in md.read_text(encoding="utf-8")
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    [(_, recipients, raw)] = inbox.messages
    assert recipients == ["dana@example.com"] and b"1,234.50" in raw
