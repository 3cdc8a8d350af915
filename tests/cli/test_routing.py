"""Lead routing: `lead assign ID REP` and `lead assign --auto` with each strategy.

Expected assignments are worked out by hand from the rules in docs/scoring-and-routing.md;
the assignment history is read back with plain SQL.
"""

from __future__ import annotations

from tests.cli.test_scoring import seed_lead

HISTORY = (
    "SELECT lead_id, rep_id, previous_rep_id, strategy, reason, assigned_by "
    "FROM leadassignment ORDER BY id"
)


def rep(cli, name: str, *args: str) -> int:
    return int(cli.ok("rep", "add", name, *args).out)


def owners(cli) -> dict[str, int | None]:
    return dict(cli.sql("SELECT name, owner_id FROM lead ORDER BY id"))


def routed(rows: list[dict]) -> list[tuple[str, str, str]]:
    return [(r["lead"], r["rep"], r["reason"]) for r in rows]


def test_round_robin_is_fair_across_runs(cli):
    ann, bob, dee, cy = (rep(cli, n) for n in ("Ann", "Bob", "Dee", "Cy"))
    cli.ok("rep", "deactivate", "Dee")
    cli.ok("config", "set", "me", "Ann")
    for name in ("L1", "L2", "L3", "L4"):
        seed_lead(cli, name)
    seed_lead(cli, "Contacted", status="contacted")
    seed_lead(cli, "Owned", owner_id=bob)

    preview = cli.json("lead", "assign", "--auto", "--dry-run")
    assert [(r["lead"], r["rep"]) for r in preview] == [
        ("L1", "Ann"), ("L2", "Bob"), ("L3", "Cy"), ("L4", "Ann"),
    ]  # fmt: skip
    assert cli.sql("SELECT count(*) FROM leadassignment") == [(0,)]
    assert cli.sql("SELECT count(*) FROM setting WHERE key LIKE 'routing%'") == [(0,)]

    first = cli.ok("lead", "assign", "--auto", "-f", "json")
    assert first.err.strip() == "4 leads assigned"
    assert first.json()[0] == {
        "lead_id": 1,
        "lead": "L1",
        "rep": "Ann",
        "rep_id": ann,
        "strategy": "round-robin",
        "reason": "round-robin",
    }
    assert [r["rep"] for r in first.json()] == ["Ann", "Bob", "Cy", "Ann"]
    assert cli.sql("SELECT value FROM setting WHERE key = 'routing.round_robin.last_rep_id'") == [
        (str(ann),)
    ]

    seed_lead(cli, "L7")
    seed_lead(cli, "L8")
    second = cli.json("lead", "assign", "--auto")
    assert [(r["lead"], r["rep"]) for r in second] == [("L7", "Bob"), ("L8", "Cy")]
    # Other statuses only when asked; the rotation carries on after Cy.
    third = cli.json("lead", "assign", "--auto", "--status", "contacted")
    assert [(r["lead"], r["rep"]) for r in third] == [("Contacted", "Ann")]
    assert cli.ok("lead", "assign", "--auto").err.strip() == "0 leads assigned"

    assert owners(cli) == {
        "L1": ann, "L2": bob, "L3": cy, "L4": ann, "Contacted": ann, "Owned": bob,
        "L7": bob, "L8": cy,
    }  # fmt: skip
    assert dee not in owners(cli).values()
    history = cli.sql(HISTORY)
    assert len(history) == 7
    assert history[0] == (1, ann, None, "round-robin", "round-robin", "Ann")
    assert history[-1] == (5, ann, None, "round-robin", "round-robin", "Ann")
    stamps = {str(t)[:19] for (t,) in cli.sql("SELECT assigned_at FROM leadassignment")}
    assert stamps == {"2026-11-23 09:00:00"}


def seed_open_load(cli, owner: int, statuses: tuple[str, ...]) -> None:
    for i, status in enumerate(statuses):
        seed_lead(cli, f"old-{owner}-{i}", status=status, owner_id=owner)


def test_territory_with_load_tiebreak_and_fallback(cli):
    ann = rep(cli, "Ann", "--territory", "EMEA")
    bob = rep(cli, "Bob", "--territory", "emea")
    cy = rep(cli, "Cy", "--territory", "APAC")
    rep(cli, "Dee", "--territory", "LATAM")
    eva = rep(cli, "Eva", "--territory", "ÖSTERREICH")
    cli.ok("rep", "deactivate", "Dee")
    seed_open_load(cli, ann, ("new", "qualified", "converted"))  # 2 open
    seed_open_load(cli, bob, ("contacted", "lost", "lost"))  # 1 open
    for name, territory in [
        ("T1", "Emea"), ("T2", "EMEA"), ("T3", "APAC"), ("T4", "österreich"),
        ("T5", "LATAM"), ("T6", None),
    ]:  # fmt: skip
        seed_lead(cli, name, territory=territory)

    result = cli.ok("lead", "assign", "--auto", "--strategy", "territory", "-f", "json")
    assert result.err.strip() == "6 leads assigned"
    assert routed(result.json()) == [
        ("T1", "Bob", "territory Emea"),  # Bob 1 open < Ann 2
        ("T2", "Ann", "territory EMEA"),  # Ann 2 = Bob 2 now: lower id
        ("T3", "Cy", "territory APAC"),
        ("T4", "Eva", "territory österreich"),
        ("T5", "Cy", "fallback load: no rep with territory LATAM"),  # Cy 1 = Eva 1: lower id
        ("T6", "Eva", "fallback load: lead has no territory"),  # Ann 3, Bob 2, Cy 2, Eva 1
    ]
    assert cli.sql(
        "SELECT rep_id, strategy, reason FROM leadassignment WHERE lead_id = "
        "(SELECT id FROM lead WHERE name = 'T5')"
    ) == [(cy, "territory", "fallback load: no rep with territory LATAM")]
    assert {r["rep_id"] for r in result.json()} == {ann, bob, cy, eva}


def test_skill_overlap_then_load_then_fallback(cli):
    ann = rep(cli, "Ann", "--skills", "hot,enterprise")
    bob = rep(cli, "Bob", "--skills", "Enterprise")
    cy = rep(cli, "Cy", "--skills", "german")
    rep(cli, "Dee", "--skills", "hot,enterprise,german,fintech")
    cli.ok("rep", "deactivate", "Dee")
    leads = [
        ("S1", ("hot", "ENTERPRISE")), ("S2", ("enterprise",)), ("S3", ("enterprise",)),
        ("S4", ("German", "hot")), ("S5", ("fintech",)), ("S6", ()),
    ]  # fmt: skip
    for name, tags in leads:
        seed_lead(cli, name, tags=tags)

    rows = cli.json("lead", "assign", "--auto", "--strategy", "skill")
    assert routed(rows) == [
        ("S1", "Ann", "skill enterprise, hot"),  # two skills beat one
        ("S2", "Bob", "skill enterprise"),  # Ann 1 open, Bob 0
        ("S3", "Ann", "skill enterprise"),  # 1 = 1: lower id
        ("S4", "Cy", "skill german"),  # Ann (hot) 2 open, Cy (german) 0
        ("S5", "Bob", "fallback load: no rep with skill fintech"),  # Ann 2, Bob 1, Cy 1
        ("S6", "Cy", "fallback load: lead has no tags"),  # Ann 2, Bob 2, Cy 1
    ]
    assert owners(cli) == {"S1": ann, "S2": bob, "S3": ann, "S4": cy, "S5": bob, "S6": cy}
    assert [r[3] for r in cli.sql(HISTORY)] == ["skill"] * 6


def test_load_counts_open_leads_and_same_run(cli):
    ann, bob, cy = (rep(cli, n) for n in ("Ann", "Bob", "Cy"))
    seed_open_load(cli, ann, ("new", "nurturing"))
    seed_open_load(cli, bob, ("contacted", "converted", "lost", "unqualified"))
    seed_open_load(cli, cy, ("lost",))
    for name in ("N1", "N2", "N3", "N4"):
        seed_lead(cli, name)
    seed_lead(cli, "Qualified", status="qualified")
    cli.ok("config", "set", "routing.strategy", "LOAD")
    assert cli.ok("config", "get", "routing.strategy").out == "load\n"

    rows = cli.json("lead", "assign", "--auto")
    assert routed(rows) == [
        ("N1", "Cy", "load: 0 open leads"),
        ("N2", "Bob", "load: 1 open lead"),
        ("N3", "Cy", "load: 1 open lead"),
        ("N4", "Ann", "load: 2 open leads"),
    ]
    assert {r["strategy"] for r in rows} == {"load"}
    open_counts = cli.sql(
        "SELECT owner_id, count(*) FROM lead WHERE status NOT IN "
        "('converted', 'lost', 'unqualified') AND owner_id IS NOT NULL "
        "GROUP BY owner_id ORDER BY owner_id"
    )
    assert open_counts == [(ann, 3), (bob, 2), (cy, 2)]
    table = cli.ok("lead", "assign", "--auto", "--status", "qualified").out.splitlines()
    assert table == [
        "lead\tname\trep\trep id\tstrategy\treason",
        "12\tQualified\tBob\t2\tload\tload: 2 open leads",
    ]

    bad = cli("config", "set", "routing.strategy", "fastest")
    assert bad.code == 2 and "routing.strategy 'fastest' is not a strategy" in bad.err


def test_manual_assign_and_history(cli):
    ann, bob, cy = (rep(cli, n) for n in ("Ann", "Bob", "Cy"))
    cli.ok("rep", "deactivate", "Bob")
    lead = seed_lead(cli, "Jürgen Groß")
    # The change prints through render.changed: the lead (its one JSON shape) in json, the
    # note on stderr in a table.
    result = cli.ok("lead", "assign", str(lead), "ann", "-f", "json")
    assert result.err == ""
    assert result.json() == cli.json("lead", "list")[0]
    assert (result.json()["id"], result.json()["owner"], result.json()["owner_id"]) == (
        lead,
        "Ann",
        ann,
    )
    again_json = cli.ok("lead", "assign", str(lead), "Ann")
    assert (again_json.out, again_json.err) == ("", "lead 1 already belongs to Ann\n")
    inactive = cli("lead", "assign", str(lead), "Bob")
    assert inactive.code == 1 and "rep 'Bob' is inactive" in inactive.err
    assert cli("lead", "assign", str(lead), "Zed").code == 3
    missing = cli("lead", "assign", "99", "Ann")
    assert missing.code == 3 and "lead 99 not found" in missing.err
    cli.ok("lead", "assign", str(lead), str(cy), env={"SALESCLI_REP": "Cy"})
    again = cli.ok("lead", "assign", str(lead), "Cy")
    assert again.err.strip() == "lead 1 already belongs to Cy"
    assert cli.sql(HISTORY) == [
        (lead, ann, None, "manual", "by hand", None),
        (lead, cy, ann, "manual", "by hand", "Cy"),
    ]
    assert owners(cli) == {"Jürgen Groß": cy}
    # The history `lead show` prints comes from leads.assignments.
    from salescli import connect, db
    from salescli.services.leads import records as leads

    with connect.connection_scope(db.resolve_url(cli.url)) as conn:
        shown = leads.assignments(conn, lead)
    assert [(h["rep"], h["previous_rep"], h["assigned_by"]) for h in shown] == [
        ("Ann", None, None),
        ("Cy", "Ann", "Cy"),
    ]
    assert shown[1]["assigned_at"].isoformat() == "2026-11-23T09:00:00+00:00"
    assert bob not in owners(cli).values()


def test_usage_errors_and_no_active_reps(cli):
    seed_lead(cli, "Ana")
    for args in [
        (), ("1",), ("1", "Ann", "--auto"), ("--auto", "--strategy", "fastest"),
        ("--auto", "--status", "open"), ("1", "Ann", "--dry-run"), ("x", "Ann"),
    ]:  # fmt: skip
        assert cli("lead", "assign", *args).code == 2, args
    none = cli("lead", "assign", "--auto")
    assert none.code == 1
    assert none.err.strip() == (
        "Error: no active reps to assign leads to (add one: salescli rep add NAME)"
    )
    rep(cli, "Ann")
    cli.ok("rep", "deactivate", "Ann")
    assert cli("lead", "assign", "--auto", "--strategy", "load").code == 1
    assert cli.sql("SELECT count(*) FROM leadassignment") == [(0,)]
    assert owners(cli) == {"Ana": None}


def test_lead_show_lists_auto_assignment(cli):
    ann = rep(cli, "Ann", "--territory", "Nordics")
    lead = cli.ok("lead", "add", "Çağrı Yılmaz", "--territory", "NORDICS").out.strip()
    cli.ok("lead", "assign", "--auto", "--strategy", "territory")
    shown = cli.json("lead", "show", lead)
    assert shown["owner_id"] == ann
    assert [(a["rep"], a["strategy"], a["reason"]) for a in shown["assignments"]] == [
        ("Ann", "territory", "territory NORDICS")
    ]
