"""Deals: add/list/show/edit, transitions, history, stale deals, delete."""

from __future__ import annotations

import pytest

LIST_KEYS = [
    "id", "title", "account", "account_id", "contact", "contact_id", "owner", "owner_id",
    "amount", "currency", "stage", "stage_id", "probability", "forecast_category",
    "close_date", "source", "type", "lost_reason", "created_at", "updated_at",
]  # fmt: skip


def _add(cli, title: str, *args: str, env: dict | None = None) -> int:
    return int(cli.ok("deal", "add", title, *args, env=env).out)


def _at(instant: str) -> dict:
    return {"SALESCLI_NOW": instant}


def _ids(rows: list[dict]) -> list[int]:
    return [r["id"] for r in rows]


def test_amounts_parse_exactly_into_minor_units(cli):
    eur = _add(cli, "Acme", "--amount", "12,000.50", "--currency", "eur")
    jpy = _add(cli, "Tokyo", "--amount", "1,500", "--currency", "JPY")
    plain = _add(cli, "Plain", "--amount", "12000")
    unknown = _add(cli, "Early")
    assert cli.sql("SELECT id, amount_minor, currency FROM deal ORDER BY id") == [
        (eur, 1200050, "EUR"),
        (jpy, 1500, "JPY"),
        (plain, 1200000, "USD"),
        (unknown, None, "USD"),
    ]
    shown = cli.json("deal", "show", str(eur))
    assert shown["amount"] == 12000.5 and shown["currency"] == "EUR"
    assert cli.json("deal", "show", str(unknown))["amount"] is None
    k = cli("deal", "add", "Bad", "--amount", "1.5k")
    assert k.code == 1
    assert k.err.strip() == (
        "Error: amount '1.5k' is not an amount (suffixes such as 1.5k are not accepted: "
        "write 1500) (e.g. 12000, 12,000.50)"
    )
    yen = cli("deal", "add", "Bad", "--amount", "12.5", "--currency", "JPY")
    assert yen.code == 1 and "more than 0 decimal places for JPY" in yen.err
    cur = cli("deal", "add", "Bad", "--amount", "10", "--currency", "EURO")
    assert cur.code == 1 and "currency 'EURO' is not an ISO 4217 code" in cur.err
    assert cli.sql("SELECT count(*) FROM deal") == [(4,)]
    assert cli.sql("SELECT count(*) FROM stagechange") == [(4,)]


def test_add_defaults_and_json_shape(cli):
    cli.ok("rep", "add", "Ana Souza")
    cli.ok("config", "set", "me", "Ana Souza")
    cli.ok("config", "set", "currency", "EUR")
    added = cli.ok("deal", "add", "Acme – 50 seats", "--amount", "9,999.99", "--account", "Acme",
                   "--close", "fri", "--source", "referral", "--format", "json")  # fmt: skip
    assert added.err == "account 'Acme' did not exist: created it (id 1)\n"
    rec = added.json()
    assert set(LIST_KEYS) <= set(rec)
    acme = cli.sql("SELECT id FROM account WHERE name = 'Acme'")[0][0]
    assert {k: rec[k] for k in LIST_KEYS} == {
        "id": 1, "title": "Acme – 50 seats", "account": "Acme", "account_id": acme,
        "contact": None, "contact_id": None, "owner": "Ana Souza", "owner_id": 1,
        "amount": 9999.99, "currency": "EUR", "stage": "prospecting",
        "stage_id": cli.sql("SELECT id FROM stage WHERE name = 'prospecting'")[0][0],
        "probability": 10, "forecast_category": "pipeline", "close_date": "2026-11-27",
        "source": "referral", "type": "new", "lost_reason": None,
        "created_at": "2026-11-23T09:00:00+00:00", "updated_at": "2026-11-23T09:00:00+00:00",
    }  # fmt: skip
    assert cli.sql("SELECT search_text FROM deal WHERE id = 1") == [("acme – 50 seats | acme",)]
    assert cli.sql(
        "SELECT from_stage_id, probability, changed_by FROM stagechange WHERE deal_id = 1"
    ) == [(None, 10, "Ana Souza")]
    # The same account by another case is reused, not created again.
    again = cli("deal", "add", "Second", "--account", "ACME")
    assert again.code == 0 and "created" not in again.err
    assert cli.sql("SELECT count(*) FROM account") == [(1,)]
    listed = cli.json("deal", "list")
    # One JSON shape for a deal: list, show, add, edit, move, win and lose give the same keys.
    assert list(listed[0]) == list(rec)
    assert list(cli.json("deal", "show", "1"))[: len(rec)] == list(rec)
    # Unknown owner / stage / won stage at creation.
    assert cli("deal", "add", "X", "--owner", "Nobody").code == 3
    assert cli("deal", "add", "X", "--stage", "nosuch").code == 3
    won = cli("deal", "add", "X", "--stage", "won")
    assert won.code == 1 and "salescli deal win ID" in won.err
    assert cli("deal", "add", "X", "--type", "renewal").code == 2


def test_type_defaults_to_existing_for_a_customer(cli):
    first = _add(cli, "First", "--account", "Acme")
    assert cli.json("deal", "show", str(first))["type"] == "new"
    cli.ok("deal", "win", str(first))
    second = cli.json("deal", "add", "Upsell", "--account", "acme")
    assert second["type"] == "existing"
    forced = cli.json("deal", "add", "Other", "--account", "acme", "--type", "new")
    assert forced["type"] == "new"
    assert cli.json("deal", "add", "Elsewhere", "--account", "Beta")["type"] == "new"


def test_transitions_and_invalid_ones(cli):
    deal = _add(cli, "Deal", "--stage", "qualification", "--close", "2026-12-31", env=_at("2026-11-19T09:00:00+00:00"))  # fmt: skip
    d = str(deal)
    cli.ok("deal", "move", d, "negotiation")
    same = cli("deal", "move", d, "negotiation")
    assert same.code == 1 and "already in negotiation" in same.err
    to_won = cli("deal", "move", d, "won")
    assert to_won.code == 1 and "salescli deal win" in to_won.err
    to_lost = cli("deal", "move", d, "lost")
    assert to_lost.code == 1 and "salescli deal lose" in to_lost.err
    assert cli("deal", "reopen", d).code == 1  # open: nothing to reopen
    cli.ok("deal", "win", d, "--on", "2026-11-20")
    assert cli.sql("SELECT close_date, probability, forecast_category FROM deal")[0][1:] == (
        100,
        "closed",
    )
    assert str(cli.sql("SELECT close_date FROM deal")[0][0]) == "2026-11-20"
    for args in (("move", d, "proposal"), ("win", d), ("lose", d, "--reason", "price")):
        result = cli("deal", *args)
        assert result.code == 1
        assert result.err.strip().endswith(f"reopen it first (salescli deal reopen {d})")
    assert cli("deal", "edit", d, "--probability", "50").code == 1
    # Reopen returns to the stage before closing, with that stage's defaults.
    reopened = cli.json("deal", "reopen", d)
    assert (reopened["stage"], reopened["probability"]) == ("negotiation", 75)
    no_reason = cli("deal", "lose", d)
    assert no_reason.code == 2 and "--reason" in no_reason.err
    bad = cli("deal", "lose", d, "--reason", "too expensive")
    assert bad.code == 1
    assert (
        "lost reason 'too expensive' is not in the list (valid reasons: price, competitor, "
        "no-budget, no-decision, timing, other)" in bad.err
    )
    cli.ok("deal", "lose", d, "--reason", "Competitor", "--note", "went with X")
    assert cli.sql(
        "SELECT s.name, d.close_date, r.name, d.lost_note, d.probability FROM deal d "
        "JOIN stage s ON s.id = d.stage_id JOIN lostreason r ON r.id = d.lost_reason_id"
    )[0][2:] == ("competitor", "went with X", 0)
    # lost on "today" (SALESCLI_NOW) by default
    assert str(cli.sql("SELECT close_date FROM deal")[0][0]) == "2026-11-23"
    back = cli.json("deal", "reopen", d, "--stage", "proposal")
    assert back["stage"] == "proposal" and back["lost_reason"] is None
    assert cli("deal", "move", "999", "proposal").code == 3
    assert cli.sql("SELECT count(*) FROM stagechange") == [(6,)]


def test_close_dates_follow_the_configured_time_zone(cli):
    cli.ok("config", "set", "timezone", "Asia/Tokyo")
    late = _at("2026-11-23T20:00:00+00:00")  # already the 24th in Tokyo
    won, lost = _add(cli, "W"), _add(cli, "L")
    cli.ok("deal", "win", str(won), env=late)
    cli.ok("deal", "lose", str(lost), "--reason", "timing", "--on", "yesterday", env=late)
    rows = cli.sql("SELECT id, close_date FROM deal ORDER BY id")
    assert [(i, str(day)) for i, day in rows] == [(won, "2026-11-24"), (lost, "2026-11-23")]
    future = cli("deal", "win", str(won), "--on", "tomorrow")
    assert future.code == 1 and "is in the future" in future.err
    bad = cli("deal", "win", str(won), "--on", "someday")
    assert bad.code == 2 and "on 'someday' is not a date" in bad.err


def test_history_records_every_change(cli):
    cli.ok("rep", "add", "Ana")
    cli.ok("rep", "add", "Bob")
    deal = _add(cli, "Deal", env=_at("2026-11-01T09:00:00+00:00"))
    cli.ok("deal", "move", str(deal), "proposal",
           env={"SALESCLI_NOW": "2026-11-04T15:00:00+00:00", "SALESCLI_REP": "Bob"})  # fmt: skip
    cli.ok("config", "set", "me", "Ana")
    cli.ok("deal", "win", str(deal), env=_at("2026-11-10T09:00:00+00:00"))
    rows = cli.json("deal", "history", str(deal))
    assert rows == [
        {"from": None, "to": "prospecting", "changed_at": "2026-11-01T09:00:00+00:00",
         "changed_by": "unknown", "probability": 10, "days_in_stage": 3},
        {"from": "prospecting", "to": "proposal", "changed_at": "2026-11-04T15:00:00+00:00",
         "changed_by": "Bob", "probability": 50, "days_in_stage": 5},
        {"from": "proposal", "to": "won", "changed_at": "2026-11-10T09:00:00+00:00",
         "changed_by": "Ana", "probability": 100, "days_in_stage": 13},
    ]  # fmt: skip
    assert cli.sql("SELECT count(*) FROM stagechange WHERE deal_id = :d", d=deal) == [(3,)]
    shown = cli.json("deal", "show", str(deal))
    assert shown["stage_history"] == rows
    assert shown["activities"] == [] and shown["tasks"] == [] and shown["lines"] == []
    assert str(shown["close_date"]) == "2026-11-10"
    text = cli.ok("deal", "show", str(deal)).out
    assert "stage history:\nfrom\tto\tchanged at\tby\t%\tdays\n" in text
    assert cli("deal", "history", "42").code == 3


def test_stale_deals_oldest_first_and_activity_resets(cli):
    cli.ok("rep", "add", "Ana")
    cli.ok("rep", "add", "Bob")
    a = _add(cli, "A", "--owner", "Ana", env=_at("2026-11-01T09:00:00+00:00"))  # idle 22 days
    b = _add(cli, "B", "--owner", "Bob", env=_at("2026-11-05T09:00:00+00:00"))  # idle 18 days
    _add(cli, "C", env=_at("2026-11-20T09:00:00+00:00"))  # idle 3 days
    d = _add(cli, "D", "--stage", "proposal", env=_at("2026-11-02T09:00:00+00:00"))  # 21 days
    e = _add(cli, "E", env=_at("2026-11-09T09:00:00+00:00"))  # exactly 14 days
    f = _add(cli, "F", env=_at("2026-11-09T09:00:01+00:00"))  # one second short of 14 days
    won = _add(cli, "Won", env=_at("2026-10-01T09:00:00+00:00"))
    cli.ok("deal", "win", str(won), env=_at("2026-10-02T09:00:00+00:00"))
    cli.ok("deal", "stages", "edit", "proposal", "--stale-days", "30")
    rows = cli.json("deal", "stale")
    assert [(r["id"], r["idle_days"], r["stale_after"]) for r in rows] == [
        (a, 22, 14), (b, 18, 14), (e, 14, 14),
    ]  # fmt: skip
    assert {k: rows[0][k] for k in ("title", "owner", "stage")} == {
        "title": "A", "owner": "Ana", "stage": "prospecting",
    }  # fmt: skip
    assert f not in _ids(rows)
    assert _ids(cli.json("deal", "stale", "--days", "20")) == [a, d]
    assert _ids(cli.json("deal", "stale", "--owner", "Bob")) == [b]
    # A logged activity resets the timer; so does a stage change.
    cli.ok("log", "call", "--deal", str(b), "--at", "2026-11-15T10:00:00+00:00", "Checked in")
    cli.ok("deal", "move", str(a), "qualification", env=_at("2026-11-20T09:00:00+00:00"))
    assert _ids(cli.json("deal", "stale")) == [e]
    assert cli("deal", "stale", "--days", "0").code == 1


def test_stale_counts_activity_rows_directly(cli):
    deal = _add(cli, "Quiet", env=_at("2026-11-01T09:00:00+00:00"))
    assert _ids(cli.json("deal", "stale")) == [deal]
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = create_engine(url, poolclass=NullPool)
    with eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO activity (kind, deal_id, occurred_at, text, created_at) "
                "VALUES ('call', :d, :at, 'x', :at)"
            ),
            {"d": deal, "at": "2026-11-20 09:00:00"},
        )
    eng.dispose()
    assert cli.json("deal", "stale") == []
    assert cli.json("deal", "stale", "--days", "2")[0]["idle_days"] == 3


@pytest.fixture
def pipeline(cli):
    """Five deals across owners, teams, accounts and states (ids 1..5)."""
    cli.ok("rep", "add", "Boss", "--team", "Sales")
    cli.ok("rep", "add", "Ana", "--manager", "Boss", "--team", "EMEA")
    cli.ok("rep", "add", "Bob", "--team", "APAC")
    cli.ok("rep", "add", "Cy", "--manager", "Ana")
    early = _at("2026-11-09T09:00:00+00:00")  # created before deal 4 was won
    _add(cli, "Иван Петров renewal", "--owner", "Ana", "--stage", "proposal", "--amount", "5000",
         "--close", "2026-12-10", env=early)  # fmt: skip
    _add(cli, "Expansion", "--owner", "Bob", "--account", "JÜRGEN GROß GmbH", "--stage",
         "qualification", "--amount", "12000", "--close", "2026-11-30", env=early)  # fmt: skip
    _add(cli, "Çağrı Yılmaz pilot", "--owner", "Cy", "--close", "2027-01-15", env=early)
    _add(cli, "Old win", "--owner", "Boss", "--amount", "20000", env=early)
    _add(cli, "Lost one", "--owner", "Bob", "--amount", "3000", env=early)
    cli.ok("deal", "win", "4", "--on", "2026-11-10")
    cli.ok("deal", "lose", "5", "--reason", "price")
    return cli


def test_open_deals_page_in_close_order_across_stages(cli):
    """`deal list` reads the first page of each open stage in close-date order and merges
    them (deals.queries._open_by_close): every page size gives the prefix of the order a plain
    SQL sort gives (close date, no date last, then id), with and without filters."""
    cli.ok("rep", "add", "Ana")
    cli.ok("rep", "add", "Bob")
    stages = ["prospecting", "qualification", "proposal", "negotiation"]
    dates = ["2026-12-10", "2026-11-30", None, "2026-12-10", "2027-01-15", "2026-11-02", None]
    for n in range(21):
        close = dates[n % len(dates)]
        _add(cli, f"Deal {n}", "--owner", "Ana" if n % 3 else "Bob",
             "--stage", stages[n % len(stages)], *(["--close", close] if close else []),
             env=_at("2026-11-09T09:00:00+00:00"))  # fmt: skip
    cli.ok("deal", "win", "2", "--on", "2026-11-10")
    cli.ok("deal", "lose", "7", "--reason", "price")
    # (losing deal 7 gave it a close date)
    assert cli.sql("SELECT count(*) FROM deal WHERE close_date IS NULL") == [(5,)]

    def expected(where: str = "") -> list[int]:
        return [row[0] for row in cli.sql(
            "SELECT d.id FROM deal d JOIN stage s ON s.id = d.stage_id "
            f"WHERE s.kind = 'open' {where} "
            "ORDER BY CASE WHEN d.close_date IS NULL THEN 1 ELSE 0 END, d.close_date, d.id"
        )]  # fmt: skip

    every = expected()
    assert len(every) == 19
    for limit in (1, 2, 5, 12, 18, 19, 20):
        shown = cli.ok("deal", "list", "--limit", str(limit), "--format", "json")
        assert _ids(shown.json()) == every[:limit], limit
        assert ("--limit 0 shows all" in shown.err) == (limit < 19)
    bob = expected("AND d.owner_id = (SELECT id FROM rep WHERE name = 'Bob')")
    assert _ids(cli.json("deal", "list", "--owner", "Bob", "--limit", "3")) == bob[:3]
    proposal = expected("AND s.name = 'proposal'")
    assert (
        _ids(cli.json("deal", "list", "--stage", "proposal", "--open", "--limit", "2"))
        == (proposal[:2])
    )


def test_list_filters(pipeline):
    cli = pipeline

    def ids(*args: str, **kw) -> list[int]:
        return _ids(cli.json("deal", "list", *args, **kw))

    assert ids() == [2, 1, 3]  # open deals by default, soonest close first, unknown last
    assert ids("--all") == [4, 5, 2, 1, 3]
    assert ids("--stage", "won") == [4]  # a closed stage needs no --all
    assert ids("--search", "иван") == [1]
    assert ids("--search", "ИВАН ПЕТРОВ") == [1]
    assert ids("--search", "jürgen") == [2]  # account name
    assert ids("--search", "gross") == [2]  # ß folds to ss
    assert ids("--search", "çağrı") == [3]
    assert ids("--search", "ÇAĞrı yılmaz") == [3]
    assert ids("--search", "100%") == []
    assert ids("--owner", "ana") == [1]
    assert ids("--owner", "me", "--all", env={"SALESCLI_REP": "Bob"}) == [5, 2]
    assert ids("--team", "EMEA") == [1]
    assert ids("--team", "Boss", "--all") == [4, 1, 3]  # Boss and everyone under him
    assert ids("--account", "jürgen groß gmbh") == [2]
    assert ids("--stage", "Proposal") == [1]
    assert ids("--open") == [2, 1, 3]
    assert ids("--won") == [4]
    assert ids("--lost") == [5]
    assert ids("--closing", "2026-11", "--all") == [4, 5, 2]
    assert ids("--closing", "2026-12-01..2027-01-15") == [1, 3]
    assert ids("--closing", "this-quarter", "--open") == [2, 1]
    assert ids("--sort", "amount", "--all") == [4, 2, 1, 5, 3]
    assert ids("--sort", "created", "--all") == [5, 4, 3, 2, 1]
    assert ids("--sort", "stage", "--all") == [3, 2, 1, 4, 5]
    assert ids("--sort", "probability", "--all") == [4, 1, 2, 3, 5]
    limited = cli.ok("deal", "list", "--all", "--limit", "2", "--format", "json")
    assert _ids(limited.json()) == [4, 5]
    assert "showing the first 2 deals: --limit 0 shows all" in limited.err
    assert ids("--all", "--limit", "0") == [4, 5, 2, 1, 3]
    assert ids("--all", "--limit", "5") == [4, 5, 2, 1, 3]
    both = cli("deal", "list", "--open", "--won")
    assert both.code == 2 and "exclude each other" in both.err
    assert cli("deal", "list", "--team", "Nowhere").code == 3
    assert cli("deal", "list", "--owner", "Nobody").code == 3
    assert cli("deal", "list", "--stage", "nosuch").code == 3
    assert cli("deal", "list", "--account", "nosuch").code == 3
    assert cli("deal", "list", "--sort", "size").code == 2
    assert cli("deal", "list", "--closing", "soon").code == 2
    assert cli("deal", "list", "--search", "nothing-like-this").code == 0
    row = cli.json("deal", "list", "--lost")[0]
    assert (row["lost_reason"], row["stage"], row["amount"], row["owner"]) == (
        "price", "lost", 3000, "Bob",
    )  # fmt: skip
    out = cli.ok("deal", "list", "--won").out.splitlines()
    assert out == [
        "id\ttitle\taccount\towner\tstage\t%\tamount\tcur\tclose",
        "4\tOld win\t\tBoss\twon\t100\t20,000.00\tUSD\t2026-11-10",
    ]


def test_list_sum_and_csv(pipeline):
    cli = pipeline
    result = cli.ok("deal", "list", "--open", "--sum")
    # open: 5000 (50%) + 12000 (20%) + unknown
    assert (
        "3 deals: amount 17,000.00 USD, weighted (open) 4,900.00 USD; 1 without an amount"
        in result.err
    )
    csv = cli.ok("deal", "list", "--won", "--format", "csv").out.splitlines()
    assert csv == [
        "id,title,account,owner,stage,probability,amount,currency,close_date",
        "4,Old win,,Boss,won,100,20000,USD,2026-11-10",
    ]


def test_edit(cli):
    cli.ok("rep", "add", "Ana")
    deal = _add(cli, "Deal", "--amount", "100", "--stage", "proposal")
    cli.ok("deal", "edit", str(deal), "--title", "Bigger deal", "--amount", "2,500.75",
           "--owner", "ana", "--close", "2026-12-01", "--account", "Acme", "--probability",
           "65", "--source", "event", "--type", "existing")  # fmt: skip
    assert cli.sql(
        "SELECT title, amount_minor, owner_id, close_date, probability, probability_override, "
        "source, deal_type, search_text FROM deal"
    )[0][:3] == ("Bigger deal", 250075, 1)
    rec = cli.json("deal", "show", str(deal))
    assert (rec["account"], rec["probability"], rec["probability_override"], rec["source"]) == (
        "Acme", 65, True, "event",
    )  # fmt: skip
    assert rec["type"] == "existing" and rec["close_date"] == "2026-12-01"
    assert cli.sql("SELECT search_text FROM deal") == [("bigger deal | acme",)]
    cli.ok("deal", "edit", str(deal), "--currency", "EUR")
    assert cli.sql("SELECT amount_minor, currency FROM deal") == [(250075, "EUR")]
    jpy = cli("deal", "edit", str(deal), "--currency", "JPY")
    assert jpy.code == 1 and "more decimal places than JPY allows" in jpy.err
    assert cli("deal", "edit", str(deal)).code == 2
    assert cli("deal", "edit", str(deal), "--amount", "1.5k").code == 1
    assert cli("deal", "edit", "77", "--title", "x").code == 3
    assert cli.sql("SELECT amount_minor, currency FROM deal") == [(250075, "EUR")]


def test_delete_needs_yes_and_takes_dependents(cli):
    deal = _add(cli, "Doomed")
    keep = _add(cli, "Kept")
    cli.ok("deal", "move", str(deal), "proposal")
    cli.ok("log", "note", "--deal", str(deal), "Some note")
    refused = cli("deal", "delete", str(deal))
    assert refused.code == 4 and "--yes" in refused.err
    assert cli.sql("SELECT count(*) FROM deal") == [(2,)]
    cli.ok("deal", "delete", str(deal), "--yes")
    assert cli.sql("SELECT id FROM deal") == [(keep,)]
    assert cli.sql("SELECT count(*) FROM stagechange WHERE deal_id = :d", d=deal) == [(0,)]
    assert cli.sql("SELECT count(*) FROM activity WHERE deal_id = :d", d=deal) == [(0,)]
    assert cli("deal", "delete", str(deal), "--yes").code == 3


def test_list_hot_path_does_not_load_the_orm(cli):
    import subprocess
    import sys

    from tests.conftest import NOW, clean_env

    _add(cli, "A", "--amount", "10")
    code = (
        "import sys\n"
        "from salescli.cli import app\n"
        "try:\n"
        "    app(['deal', 'list', '--sum', '--search', 'a'], prog_name='salescli')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "sys.stderr.write('loaded=' + ','.join(m for m in ('sqlmodel', 'salescli.models') "
        "if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(SALESCLI_DB=cli.url, SALESCLI_NOW=NOW),
    )
    assert done.stdout.splitlines()[1].startswith("1\tA\t")
    assert done.stderr.strip().endswith("loaded=")
