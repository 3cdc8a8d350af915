"""Pipeline stages (deal stages ...), probability snapshots, and the lost-reason list."""

from __future__ import annotations

DEFAULT = [
    ("prospecting", 1, 10, "pipeline", 14, "open"),
    ("qualification", 2, 20, "pipeline", 14, "open"),
    ("proposal", 3, 50, "best_case", 14, "open"),
    ("negotiation", 4, 75, "commit", 14, "open"),
    ("won", 5, 100, "closed", 14, "won"),
    ("lost", 6, 0, "omitted", 14, "lost"),
]


def _order(cli) -> list[str]:
    return [row[0] for row in cli.sql("SELECT name FROM stage ORDER BY position")]


def _add_deal(cli, title: str, *args: str) -> int:
    return int(cli.ok("deal", "add", title, *args).out)


def test_default_pipeline_listed_with_open_deal_counts(cli):
    rows = cli.json("deal", "stages")
    assert [
        (
            r["name"],
            r["position"],
            r["probability"],
            r["forecast_category"],
            r["stale_days"],
            r["kind"],
        )
        for r in rows
    ] == DEFAULT
    assert all(r["open_deals"] == 0 for r in rows)
    _add_deal(cli, "A", "--stage", "proposal")
    _add_deal(cli, "B", "--stage", "proposal")
    won = _add_deal(cli, "C")
    cli.ok("deal", "win", str(won))
    counts = {r["name"]: r["open_deals"] for r in cli.json("deal", "stages")}
    assert counts == {
        "prospecting": 0,
        "qualification": 0,
        "proposal": 2,
        "negotiation": 0,
        "won": 0,
        "lost": 0,
    }
    table = cli.ok("deal", "stages").out.splitlines()
    assert table[0].split("\t") == [
        "#",
        "stage",
        "%",
        "category",
        "stale days",
        "kind",
        "open deals",
    ]
    assert table[3].split("\t") == ["3", "proposal", "50", "best_case", "14", "open", "2"]


def test_add_stage_positions_and_refusals(cli):
    cli.ok("deal", "stages", "add", "demo", "--probability", "30", "--category", "pipeline",
           "--after", "qualification", "--stale-days", "7")  # fmt: skip
    assert _order(cli) == [
        "prospecting", "qualification", "demo", "proposal", "negotiation", "won", "lost",
    ]  # fmt: skip
    assert cli.sql("SELECT probability, forecast_category, stale_days, kind FROM stage "
                   "WHERE name = 'demo'") == [(30, "pipeline", 7, "open")]  # fmt: skip
    # Without --after: after the last open stage, never after won/lost.
    cli.ok("deal", "stages", "add", "contract", "--probability", "90", "--category", "commit")
    assert _order(cli)[-3:] == ["contract", "won", "lost"]
    before = cli.sql("SELECT count(*) FROM stage")
    dup = cli("deal", "stages", "add", "DEMO", "--probability", "5", "--category", "pipeline")
    assert dup.code == 1 and "stage 'DEMO' already exists" in dup.err
    bad = cli("deal", "stages", "add", "x", "--probability", "120", "--category", "pipeline")
    assert bad.code == 1 and "probability '120' must be a percentage from 0 to 100" in bad.err
    closed = cli("deal", "stages", "add", "x", "--probability", "5", "--category", "closed")
    # `closed` belongs to the won stage alone: not offered, refused as a usage error.
    assert closed.code == 2
    assert "'closed' is not one of 'pipeline', 'best_case', 'commit', 'omitted'" in closed.err
    assert cli("deal", "stages", "add", "x", "--probability", "5", "--category", "maybe").code == 2
    after_won = cli("deal", "stages", "add", "x", "--probability", "5", "--category",
                    "pipeline", "--after", "won")  # fmt: skip
    assert after_won.code == 1 and "open stages come before won and lost" in after_won.err
    missing = cli("deal", "stages", "add", "x", "--probability", "5", "--category", "pipeline",
                  "--after", "nosuch")  # fmt: skip
    assert missing.code == 3 and "stage 'nosuch' not found" in missing.err
    stale = cli("deal", "stages", "add", "x", "--probability", "5", "--category", "pipeline",
                "--stale-days", "0")  # fmt: skip
    assert stale.code == 1 and "stale-days '0' must be at least 1" in stale.err
    assert cli.sql("SELECT count(*) FROM stage") == before


def test_edit_stage(cli):
    cli.ok("deal", "stages", "edit", "proposal", "--name", "Angebot", "--stale-days", "21",
           "--category", "commit")  # fmt: skip
    assert cli.sql("SELECT name, probability, forecast_category, stale_days FROM stage "
                   "WHERE position = 3") == [("Angebot", 50, "commit", 21)]  # fmt: skip
    taken = cli("deal", "stages", "edit", "angebot", "--name", "Negotiation")
    assert taken.code == 1 and "already exists" in taken.err
    won = cli("deal", "stages", "edit", "won", "--probability", "90")
    assert won.code == 1 and "its probability and category are fixed" in won.err
    cli.ok("deal", "stages", "edit", "won", "--name", "closed won")
    assert cli.sql("SELECT name, probability FROM stage WHERE kind = 'won'") == [
        ("closed won", 100)
    ]
    assert cli("deal", "stages", "edit", "proposal").code == 2  # nothing to change
    assert cli("deal", "stages", "edit", "nosuch", "--probability", "5").code == 3


def test_remove_stage_refusals_with_counts(cli):
    cli.ok("deal", "stages", "add", "demo", "--probability", "30", "--category", "pipeline")
    cli.ok("deal", "stages", "add", "pilot", "--probability", "40", "--category", "best_case")
    cli.ok("deal", "stages", "remove", "demo")
    assert _order(cli) == [
        "prospecting", "qualification", "proposal", "negotiation", "pilot", "won", "lost",
    ]  # fmt: skip
    assert [r[0] for r in cli.sql("SELECT position FROM stage ORDER BY position")] == [
        1, 2, 3, 4, 5, 6, 7,
    ]  # fmt: skip
    a = _add_deal(cli, "A", "--stage", "pilot")
    _add_deal(cli, "B", "--stage", "pilot")
    in_use = cli("deal", "stages", "remove", "pilot")
    assert in_use.code == 1
    assert (
        "stage 'pilot' is in use: 2 deal(s) in it now, 2 deal(s) with it in their stage history"
        in in_use.err
    )
    # Moved out, it still appears in A's history: still refused.
    cli.ok("deal", "move", str(a), "proposal")
    history_only = cli("deal", "stages", "remove", "pilot")
    assert history_only.code == 1 and "1 deal(s) in it now, 2 deal(s)" in history_only.err
    for kind in ("won", "lost"):
        result = cli("deal", "stages", "remove", kind)
        assert result.code == 1 and f"is the {kind} stage and cannot be removed" in result.err
    assert cli("deal", "stages", "remove", "nosuch").code == 3
    assert cli.sql("SELECT count(*) FROM stage") == [(7,)]


def test_move_stage(cli):
    cli.ok("deal", "stages", "move", "negotiation", "--first")
    assert _order(cli)[:2] == ["negotiation", "prospecting"]
    cli.ok("deal", "stages", "move", "negotiation", "--after", "proposal")
    assert _order(cli) == [
        "prospecting", "qualification", "proposal", "negotiation", "won", "lost",
    ]  # fmt: skip
    # The first open stage is where new deals start.
    cli.ok("deal", "stages", "move", "qualification", "--first")
    deal = _add_deal(cli, "A")
    assert cli.sql("SELECT s.name FROM deal d JOIN stage s ON s.id = d.stage_id "
                   "WHERE d.id = :i", i=deal) == [("qualification",)]  # fmt: skip
    assert cli("deal", "stages", "move", "proposal").code == 2
    assert cli("deal", "stages", "move", "proposal", "--first", "--after", "won").code == 2
    assert cli("deal", "stages", "move", "won", "--first").code == 1
    assert cli("deal", "stages", "move", "proposal", "--after", "lost").code == 1
    itself = cli("deal", "stages", "move", "proposal", "--after", "proposal")
    assert itself.code == 1 and "after itself" in itself.err


def test_probability_snapshot_semantics(cli):
    first = _add_deal(cli, "First", "--stage", "proposal")
    cli.ok("deal", "stages", "edit", "proposal", "--probability", "40", "--category", "commit")
    # The deal already in proposal keeps what it got on entry.
    assert cli.sql("SELECT probability, forecast_category FROM deal WHERE id = :i", i=first) == [
        (50, "best_case")
    ]
    second = _add_deal(cli, "Second")
    cli.ok("deal", "move", str(second), "proposal")
    assert cli.sql("SELECT probability, forecast_category FROM deal WHERE id = :i", i=second) == [
        (40, "commit")
    ]
    # Leaving and re-entering takes the stage's current default.
    cli.ok("deal", "move", str(first), "negotiation")
    cli.ok("deal", "move", str(first), "proposal")
    assert cli.sql("SELECT probability FROM deal WHERE id = :i", i=first) == [(40,)]
    assert [r["probability"] for r in cli.json("deal", "history", str(first))] == [50, 75, 40]
    # An override applies to this move only; the next move resets to the defaults.
    cli.ok("deal", "move", str(second), "negotiation", "--probability", "65", "--category",
           "best_case")  # fmt: skip
    assert cli.sql("SELECT probability, probability_override, forecast_category, "
                   "category_override FROM deal WHERE id = :i", i=second) == [
        (65, True, "best_case", True)
    ]  # fmt: skip
    cli.ok("deal", "move", str(second), "qualification")
    assert cli.sql("SELECT probability, probability_override, forecast_category, "
                   "category_override FROM deal WHERE id = :i", i=second) == [
        (20, False, "pipeline", False)
    ]  # fmt: skip
    # Override at creation.
    third = cli.json("deal", "add", "Third", "--probability", "15", "--category", "omitted")
    assert (third["probability"], third["forecast_category"]) == (15, "omitted")
    assert third["probability_override"] is True and third["category_override"] is True


def test_lost_reasons(cli):
    rows = cli.json("lost-reason", "list")
    assert [(r["name"], r["deals"]) for r in rows] == [
        ("price", 0), ("competitor", 0), ("no-budget", 0), ("no-decision", 0),
        ("timing", 0), ("other", 0),
    ]  # fmt: skip
    new_id = int(cli.ok("lost-reason", "add", "missing feature").out)
    assert cli.sql("SELECT name FROM lostreason WHERE id = :i", i=new_id) == [("missing feature",)]
    dup = cli("lost-reason", "add", "Price")
    assert dup.code == 1 and "lost reason 'Price' already exists" in dup.err
    for title in ("A", "B"):
        deal = _add_deal(cli, title)
        cli.ok("deal", "lose", str(deal), "--reason", "MISSING FEATURE")
    third = _add_deal(cli, "C")
    cli.ok("deal", "lose", str(third), "--reason", "price")
    counts = {r["name"]: r["deals"] for r in cli.json("lost-reason", "list")}
    assert counts["missing feature"] == 2 and counts["price"] == 1 and counts["timing"] == 0
    used = cli("lost-reason", "remove", "missing feature")
    assert used.code == 1 and "is used by 2 lost deal(s)" in used.err
    cli.ok("lost-reason", "remove", "timing")
    assert cli.sql("SELECT count(*) FROM lostreason WHERE name = 'timing'") == [(0,)]
    gone = cli("lost-reason", "remove", "timing")
    assert gone.code == 3 and "valid reasons: price, competitor" in gone.err
