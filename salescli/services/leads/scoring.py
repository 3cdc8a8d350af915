"""Lead scoring: configurable, explainable rules (see docs/scoring-and-routing.md).

The rules come from config (`scoring.*` keys); `load_rules` reads them once and
`score_value` / `score_breakdown` are pure, so a bulk importer can score many rows cheaply:

    rules = scoring.load_rules(conn)
    lead.score = scoring.score_value(fields, tags, now, rules)

`fields` is a dict with any of: source, email, phone, company, title, last_contact_at,
created_at (aware datetimes; naive ones are taken as UTC). Missing keys count as empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salescli.instants import utc
from salescli.services import config
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

DEFAULT_SOURCES: dict[str, int] = {
    "referral": 25,
    "partner": 20,
    "event": 15,
    "web": 10,
    "campaign": 10,
    "cold-call": 5,
}
FIELDS: tuple[str, ...] = ("email", "phone", "company", "title")
DEFAULT_FIELD_POINTS = 5
DEFAULT_TAGS: dict[str, int] = {"hot": 15, "enterprise": 10, "price-objection": -5}
DEFAULT_ENGAGEMENT_POINTS = 20
DEFAULT_ENGAGEMENT_DAYS = 14
DEFAULT_DECAY_PER_WEEK = 2
DEFAULT_DECAY_MAX = 30

SOURCE_PREFIX = "scoring.source."
TAG_PREFIX = "scoring.tag."
FIELD_PREFIX = "scoring.field."
ENGAGEMENT_POINTS = "scoring.engagement.points"
ENGAGEMENT_DAYS = "scoring.engagement.days"
DECAY_PER_WEEK = "scoring.decay.points_per_week"
DECAY_MAX = "scoring.decay.max"

# The scoring settings (`config get|set|list`; rules_from_settings reads them).
for _source, _points in DEFAULT_SOURCES.items():
    config.declare_whole(
        SOURCE_PREFIX + _source,
        str(_points),
        f"score points for leads from source {_source}",
    )
for _name in FIELDS:
    config.declare_whole(
        FIELD_PREFIX + _name,
        str(DEFAULT_FIELD_POINTS),
        f"score points when a lead's {_name} is filled in",
    )
for _tag, _points in DEFAULT_TAGS.items():
    config.declare_whole(
        TAG_PREFIX + _tag,
        str(_points),
        f"score points for leads tagged {_tag}",
    )
config.declare_whole(
    ENGAGEMENT_POINTS,
    str(DEFAULT_ENGAGEMENT_POINTS),
    "score points when the last contact is within scoring.engagement.days",
)
config.declare_whole(
    ENGAGEMENT_DAYS,
    str(DEFAULT_ENGAGEMENT_DAYS),
    "days a contact counts as recent engagement",
    0,
)
config.declare_whole(
    DECAY_PER_WEEK,
    str(DEFAULT_DECAY_PER_WEEK),
    "score points lost per full week since the last contact (or creation)",
    0,
)
config.declare_whole(
    DECAY_MAX,
    str(DEFAULT_DECAY_MAX),
    "most score points decay can take",
    0,
)
config.declare(
    SOURCE_PREFIX,
    "0",
    "score points for leads from this source",
    config.integer(SOURCE_PREFIX + "<source>"),
    family=True,
    fold_suffix=True,
)
config.declare(
    TAG_PREFIX,
    "0",
    "score points for leads with this tag",
    config.integer(TAG_PREFIX + "<tag>"),
    family=True,
    fold_suffix=True,
)

_WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Rules:
    """The scoring rules in force: names are folded (text.fold)."""

    sources: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SOURCES))
    fields: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(FIELDS, DEFAULT_FIELD_POINTS)
    )
    tags: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_TAGS))
    engagement_points: int = DEFAULT_ENGAGEMENT_POINTS
    engagement_days: int = DEFAULT_ENGAGEMENT_DAYS
    decay_per_week: int = DEFAULT_DECAY_PER_WEEK
    decay_max: int = DEFAULT_DECAY_MAX


def rules_from_settings(values: Mapping[str, str]) -> Rules:
    """Rules from raw `setting` rows (key -> value); unset keys keep their defaults."""
    sources = dict(DEFAULT_SOURCES)
    tags = dict(DEFAULT_TAGS)
    fields = dict.fromkeys(FIELDS, DEFAULT_FIELD_POINTS)
    # Sorted so that, should two stored spellings fold alike, the outcome is deterministic.
    for key in sorted(values):
        if key.startswith(SOURCE_PREFIX):
            sources[fold(key[len(SOURCE_PREFIX) :])] = _int(values[key], 0)
        elif key.startswith(TAG_PREFIX):
            tags[fold(key[len(TAG_PREFIX) :])] = _int(values[key], 0)
        elif key.startswith(FIELD_PREFIX) and key[len(FIELD_PREFIX) :] in fields:
            fields[key[len(FIELD_PREFIX) :]] = _int(values[key], DEFAULT_FIELD_POINTS)

    def number(key: str, default: int) -> int:
        return _int(values[key], default) if key in values else default

    return Rules(
        sources=sources,
        fields=fields,
        tags=tags,
        engagement_points=number(ENGAGEMENT_POINTS, DEFAULT_ENGAGEMENT_POINTS),
        engagement_days=number(ENGAGEMENT_DAYS, DEFAULT_ENGAGEMENT_DAYS),
        decay_per_week=number(DECAY_PER_WEEK, DEFAULT_DECAY_PER_WEEK),
        decay_max=number(DECAY_MAX, DEFAULT_DECAY_MAX),
    )


def load_rules(conn: Connection) -> Rules:
    """Read the scoring rules from config (one query)."""
    from salescli.services import config

    return rules_from_settings(config.load(conn).values)


def _int(value: str, default: int) -> int:
    try:
        return int(value.strip())
    except (AttributeError, ValueError):
        return default


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _engaged(last: dt.datetime | None, now: dt.datetime, rules: Rules) -> bool:
    return last is not None and now - last <= dt.timedelta(days=rules.engagement_days)


def _decay(
    fields: Mapping[Any, Any], now: dt.datetime, rules: Rules
) -> tuple[int, int, dt.datetime | None]:
    """(points lost, full weeks, reference instant) for the time since the last contact."""
    since = utc(fields.get("last_contact_at")) or utc(fields.get("created_at"))
    if since is None or now <= since:
        return 0, 0, since
    weeks = (now - since) // _WEEK
    return min(weeks * rules.decay_per_week, rules.decay_max), weeks, since


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _unique_tags(tags: Iterable[str]) -> list[str]:
    return sorted({fold(t) for t in tags if fold(t)})


def score_value(
    fields: Mapping[Any, Any], tags: Iterable[str], now: dt.datetime, rules: Rules
) -> int:
    """The score: the sum of every rule's points, never below 0 (fast path, no details)."""
    now = utc(now)
    total = rules.sources.get(fold(fields.get("source")), 0) if fields.get("source") else 0
    total += sum(pts for name, pts in rules.fields.items() if _present(fields.get(name)))
    total += sum(rules.tags.get(tag, 0) for tag in _unique_tags(tags))
    if _engaged(utc(fields.get("last_contact_at")), now, rules):
        total += rules.engagement_points
    total -= _decay(fields, now, rules)[0]
    return max(total, 0)


def score_breakdown(
    fields: Mapping[Any, Any], tags: Iterable[str], now: dt.datetime, rules: Rules
) -> list[dict]:
    """Each rule's contribution: [{"rule": "source:referral", "points": 25, "detail": ...}]."""
    now = utc(now)
    rows: list[dict] = []
    source = fold(fields.get("source"))
    if source:
        points = rules.sources.get(source, 0)
        detail = (
            f"source {fields.get('source')}"
            if source in rules.sources
            else f"no points configured for source {fields.get('source')}"
        )
        rows.append({"rule": f"source:{source}", "points": points, "detail": detail})
    for name, points in rules.fields.items():
        present = _present(fields.get(name))
        rows.append(
            {
                "rule": f"field:{name}",
                "points": points if present else 0,
                "detail": f"{name} given" if present else f"no {name}",
            }
        )
    for tag in _unique_tags(tags):
        known = tag in rules.tags
        rows.append(
            {
                "rule": f"tag:{tag}",
                "points": rules.tags.get(tag, 0),
                "detail": f"tag {tag}" if known else f"no points configured for tag {tag}",
            }
        )
    last = utc(fields.get("last_contact_at"))
    engaged = _engaged(last, now, rules)
    if last is None:
        detail = "never contacted"
    else:
        days = (now - last) // dt.timedelta(days=1)
        limit = rules.engagement_days
        detail = (
            f"last contact {_plural(days, 'day')} ago (within {limit})"
            if engaged
            else f"last contact {_plural(days, 'day')} ago (more than {limit})"
        )
    rows.append(
        {
            "rule": "engagement",
            "points": rules.engagement_points if engaged else 0,
            "detail": detail,
        }
    )
    lost, weeks, since = _decay(fields, now, rules)
    what = "last contact" if last is not None else "created"
    detail = f"{_plural(weeks, 'full week')} since {what}"
    if since is not None:
        detail += f" {since.date().isoformat()}"
    detail += f" × {rules.decay_per_week} (max {rules.decay_max})"
    rows.append({"rule": "decay", "points": -lost, "detail": detail})
    return rows


def lead_fields(lead: Mapping[Any, Any]) -> dict[str, Any]:
    """The scoring inputs of a lead."""
    names = ("source", "email", "phone", "company", "title", "last_contact_at", "created_at")
    return {name: lead[name] for name in names}


def refresh(conn: Connection, lead: int, now: dt.datetime, rules: Rules | None = None) -> int:
    """Recompute and store the lead's score (call after its source, fields, tags or contact
    change); `lead` is its id."""
    import sqlalchemy as sa

    from salescli.services.leads.lookup import get, tags_of
    from salescli.tables import LEAD

    rules = rules if rules is not None else load_rules(conn)
    row = get(conn, lead)
    score = score_value(lead_fields(row), tags_of(conn, lead), now, rules)
    if score != row["score"]:
        conn.execute(sa.update(LEAD).where(LEAD.c.id == lead).values(score=score))
    return score


def explain(conn: Connection, lead_id: int, now: dt.datetime) -> dict:
    """Refresh the lead's score and return {"id", "score", "rules": [...]}."""
    from salescli.services.leads.lookup import get, tags_of

    rules = load_rules(conn)
    rows = score_breakdown(lead_fields(get(conn, lead_id)), tags_of(conn, lead_id), now, rules)
    score = refresh(conn, lead_id, now, rules)
    return {"id": lead_id, "score": score, "rules": rows}


def refresh_all(conn: Connection, now: dt.datetime) -> dict:
    """Recompute every stored score (two reads, one batched update); counts what changed."""
    import sqlalchemy as sa

    from salescli.tables import LEAD, LEADTAG

    rules = load_rules(conn)
    tags: dict[int, list[str]] = {}
    for lead_id, tag in conn.execute(sa.select(LEADTAG.c.lead_id, LEADTAG.c.tag)):
        tags.setdefault(lead_id, []).append(tag)
    cols = [LEAD.c.id, LEAD.c.score, LEAD.c.source, LEAD.c.last_contact_at, LEAD.c.created_at]
    cols += [LEAD.c[name] for name in FIELDS]
    changes: list[dict] = []
    total = 0
    for row in conn.execute(sa.select(*cols)).mappings():
        total += 1
        score = score_value(row, tags.get(row["id"], []), now, rules)
        if score != row["score"]:
            changes.append({"b_id": row["id"], "b_score": score})
    if changes:
        stmt = (
            sa.update(LEAD)
            .where(LEAD.c.id == sa.bindparam("b_id"))
            .values(score=sa.bindparam("b_score"))
        )
        conn.execute(stmt, changes)
    return {"leads": total, "changed": len(changes)}
