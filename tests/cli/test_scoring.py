"""Lead scoring: `lead score [--explain|--all]` and the `scoring.*` config rules.

NOW is 2026-11-23T09:00:00Z (tests.conftest); every figure below is worked out by hand from
the default rules: referral 25, partner 20, event 15, web 10, campaign 10, cold-call 5; 5 per
email/phone/company/title; hot 15, enterprise 10, price-objection -5; engagement 20 within
14 days of the last contact; decay 2 per full week since the last contact (or creation), max 30.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from salescli.services.leads import scoring as scoring

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed_lead(cli, name: str, tags: tuple[str, ...] = (), **fields) -> int:
    """Set up a lead with chosen creation/contact instants (no command sets those)."""
    from sqlalchemy import create_engine, insert
    from sqlalchemy.pool import NullPool

    from salescli.tables import LEAD, LEADTAG

    cli.ok("db", "init")  # creates the database on first use; a no-op afterwards
    values = {
        "name": name,
        "status": "new",
        "score": 0,
        "forgotten": False,
        "search_text": "",
        "created_at": at("2026-11-23T09:00:00"),
        "updated_at": at("2026-11-23T09:00:00"),
        **fields,
    }
    url = cli.url if "://" in cli.url else f"sqlite:///{cli.url}"
    eng = create_engine(url, poolclass=NullPool)
    try:
        with eng.begin() as conn:
            lead_id = conn.execute(insert(LEAD).values(**values)).inserted_primary_key[0]
            for tag in tags:
                conn.execute(insert(LEADTAG).values(lead_id=lead_id, tag=tag, label=tag))
    finally:
        eng.dispose()
    return lead_id


def stored(cli) -> dict[str, int]:
    return dict(cli.sql("SELECT name, score FROM lead ORDER BY id"))


def test_explain_figures_by_hand(cli):
    lead_id = seed_lead(
        cli,
        "Çağrı Yılmaz",
        tags=("HOT", "price-objection"),
        source="Referral",
        email="cagri@example.com.tr",
        phone="+90 212 555 0101",
        company="Yılmaz Tekstil",
        created_at=at("2026-10-01T09:00:00"),
        last_contact_at=at("2026-11-12T09:00:00"),
    )
    explained = cli.json("lead", "score", str(lead_id), "--explain")
    assert explained == {
        "id": lead_id,
        "score": 68,
        "rules": [
            {"rule": "source:referral", "points": 25, "detail": "source Referral"},
            {"rule": "field:email", "points": 5, "detail": "email given"},
            {"rule": "field:phone", "points": 5, "detail": "phone given"},
            {"rule": "field:company", "points": 5, "detail": "company given"},
            {"rule": "field:title", "points": 0, "detail": "no title"},
            {"rule": "tag:hot", "points": 15, "detail": "tag hot"},
            {"rule": "tag:price-objection", "points": -5, "detail": "tag price-objection"},
            {"rule": "engagement", "points": 20, "detail": "last contact 11 days ago (within 14)"},
            {
                "rule": "decay",
                "points": -2,
                "detail": "1 full week since last contact 2026-11-12 × 2 (max 30)",
            },
        ],
    }
    # The command refreshed the stored score; the plain form prints just the number.
    assert cli.sql("SELECT score FROM lead WHERE id = :i", i=lead_id) == [(68,)]
    assert cli.ok("lead", "score", str(lead_id)).out == "68\n"
    assert cli.json("lead", "score", str(lead_id)) == {"id": lead_id, "score": 68}
    table = cli.ok("lead", "score", str(lead_id), "--explain").out.splitlines()
    assert table[0] == "rule\tpoints\tdetail"
    assert table[1] == "source:referral\t25\tsource Referral"
    assert table[-1] == "total\t68\tsum of the rules"
    csv_lines = cli.ok("lead", "score", str(lead_id), "--explain", "-f", "csv").out.splitlines()
    assert csv_lines[0] == "rule,points,detail"
    assert csv_lines[-1] == "total,68,sum of the rules"


def test_score_never_below_zero(cli):
    lead_id = seed_lead(
        cli, "Low Fit", tags=("price-objection",), created_at=at("2026-09-01T09:00:00")
    )
    # 83 days = 11 full weeks -> decay 22; -5 for the tag; no source, no fields: -27 -> 0.
    explained = cli.json("lead", "score", str(lead_id), "--explain")
    assert explained["score"] == 0
    assert sum(rule["points"] for rule in explained["rules"]) == -27
    assert [r["points"] for r in explained["rules"] if r["rule"] == "decay"] == [-22]
    last = cli.ok("lead", "score", str(lead_id), "--explain").out.splitlines()[-1]
    assert last == "total\t0\tsum -27, never below 0"


def test_decay_engagement_and_rule_changes(cli):
    # B: created 114 days ago (16 full weeks -> 32, capped at 30), partner, every field, hot +
    #    enterprise: 20 + 20 + 25 - 30 = 35.
    seed_lead(
        cli, "B", tags=("hot", "enterprise"), source="partner", email="b@x.org", phone="1",
        company="B AG", title="CTO", created_at=at("2026-08-01T09:00:00"),
    )  # fmt: skip
    # C: created exactly 3 weeks ago, never contacted: event 15 + email 5 - 6 = 14.
    seed_lead(cli, "C", source="event", email="c@x.org", created_at=at("2026-11-02T09:00:00"))
    # D: last contact exactly 14 days ago counts as recent: web 10 + 20 - 4 = 26.
    seed_lead(
        cli, "D", source="web", created_at=at("2026-06-01T09:00:00"),
        last_contact_at=at("2026-11-09T09:00:00"),
    )  # fmt: skip
    # E: last contact 14 days and a minute ago: no engagement; web 10 - 4 = 6.
    seed_lead(
        cli, "E", source="web", created_at=at("2026-06-01T09:00:00"),
        last_contact_at=at("2026-11-09T08:59:00"),
    )  # fmt: skip
    result = cli.ok("lead", "score", "--all")
    assert result.err.strip() == "4 of 4 lead scores changed"
    assert stored(cli) == {"B": 35, "C": 14, "D": 26, "E": 6}

    cli.ok("config", "set", "scoring.decay.points_per_week", "5")
    cli.ok("config", "set", "scoring.decay.max", "40")
    # B: 80 capped at 40 -> 65 - 40 = 25; C: 20 - 15 = 5; D: 30 - 10 = 20; E: 10 - 10 = 0.
    assert cli.json("lead", "score", "--all") == {"leads": 4, "changed": 4}
    assert stored(cli) == {"B": 25, "C": 5, "D": 20, "E": 0}

    cli.ok("config", "set", "scoring.engagement.days", "13")
    assert cli.ok("lead", "score", "--all").err.strip() == "1 of 4 lead scores changed"
    assert stored(cli) == {"B": 25, "C": 5, "D": 0, "E": 0}
    assert cli.ok("lead", "score", "--all").err.strip() == "0 of 4 lead scores changed"


def test_config_rules_fold_names(cli):
    a = seed_lead(cli, "Jürgen Groß", tags=("Größe",), source="WEBINAR")
    b = seed_lead(cli, "Иван Петров", tags=("HOT",), source="Referral")
    assert stored(cli) == {"Jürgen Groß": 0, "Иван Петров": 0}
    cli.ok("lead", "score", "--all")
    # A: unknown source and tag score 0; B: 25 + 15.
    assert stored(cli) == {"Jürgen Groß": 0, "Иван Петров": 40}

    cli.ok("config", "set", "scoring.source.Webinar", "12")
    cli.ok("config", "set", "scoring.tag.GRÖSSE", "9")
    cli.ok("config", "set", "scoring.tag.Hot", "30")
    cli.ok("config", "set", "scoring.source.REFERRAL", "40")
    assert cli.sql("SELECT key, value FROM setting ORDER BY key") == [
        ("scoring.source.referral", "40"),
        ("scoring.source.webinar", "12"),
        ("scoring.tag.grosse", "9"),
        ("scoring.tag.hot", "30"),
    ]
    assert cli.ok("config", "get", "scoring.source.WEBINAR").out == "12\n"
    assert cli.ok("lead", "score", "--all").err.strip() == "2 of 2 lead scores changed"
    assert stored(cli) == {"Jürgen Groß": 21, "Иван Петров": 70}
    rules = {
        r["rule"]: r["points"] for r in cli.json("lead", "score", str(a), "--explain")["rules"]
    }
    assert rules["source:webinar"] == 12 and rules["tag:grosse"] == 9

    cli.ok("config", "unset", "scoring.tag.hot")
    assert cli.ok("lead", "score", str(b)).out == "55\n"
    cli.ok("config", "set", "scoring.field.email", "50")
    # Negative points need `--` before the value (else -10 reads as an option).
    cli.ok("config", "set", "scoring.tag.größe", "--", "-10")
    assert cli.ok("lead", "score", str(a)).out == "2\n"  # 12 - 10
    assert cli.json("config", "get", "scoring.field.email")["value"] == "50"


def test_bad_input(cli):
    seed_lead(cli, "Ana")
    missing = cli("lead", "score", "99")
    assert missing.code == 3 and "lead 99 not found" in missing.err
    assert cli("lead", "score").code == 2
    assert cli("lead", "score", "1", "--all").code == 2
    assert cli("lead", "score", "abc").code == 2
    bad = cli("config", "set", "scoring.source.web", "ten")
    assert bad.code == 1
    assert bad.err.strip() == "Error: scoring.source.web 'ten' is not a whole number (e.g. 10)"
    negative = cli("config", "set", "scoring.decay.max", "--", "-1")
    assert negative.code == 1 and "must be at least 0" in negative.err
    assert cli("config", "set", "scoring.field.fax", "5").code == 3
    assert cli.sql("SELECT count(*) FROM setting") == [(0,)]


FIELD_VALUES = st.one_of(st.none(), st.just(""), st.text(max_size=5))
INSTANTS = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 1, 1)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    source=st.one_of(st.none(), st.sampled_from(["Referral", "WEB", "cold-call", "x"])),
    email=FIELD_VALUES,
    title=FIELD_VALUES,
    tags=st.lists(st.sampled_from(["hot", "HOT", "enterprise", "price-objection", "new"])),
    last=INSTANTS,
    created=INSTANTS,
)
def test_score_value_is_the_floored_sum_of_the_breakdown(source, email, title, tags, last, created):
    fields = {"source": source, "email": email, "title": title}
    fields |= {"last_contact_at": last, "created_at": created}
    now = at("2026-11-23T09:00:00")
    rules = scoring.Rules()
    rows = scoring.score_breakdown(fields, tags, now, rules)
    assert scoring.score_value(fields, tags, now, rules) == max(0, sum(r["points"] for r in rows))
    decay = [r["points"] for r in rows if r["rule"] == "decay"]
    assert decay and -30 <= decay[0] <= 0


def test_lead_commands_keep_the_stored_score_fresh(cli):
    # Through the real lead commands: created now (no decay), never contacted.
    lead = cli.ok(
        "lead", "add", "Иван Петров", "--email", "ivan@example.ru", "--source", "Referral",
        "--tag", "HOT",
    ).out.strip()  # fmt: skip
    assert cli.sql("SELECT score FROM lead WHERE id = :i", i=int(lead)) == [(45,)]  # 25+5+15
    cli.ok("lead", "tag", lead, "enterprise")
    assert cli.sql("SELECT score FROM lead WHERE id = :i", i=int(lead)) == [(55,)]
    assert cli.ok("lead", "score", lead).out == "55\n"
    assert cli.json("lead", "show", lead)["score"] == 55
