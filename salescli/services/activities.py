"""The activity log: calls, emails, meetings and notes on a lead, deal, contact or account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound, UsageError
from salescli.ids import as_id
from salescli.instants import utc
from salescli.services import rows
from salescli.tables import ACCOUNT, ACTIVITY, CONTACT, DEAL, LEAD, LEADTAG, REP

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings

KINDS = ("call", "email", "meeting", "note")
TARGETS = ("lead", "deal", "contact", "account")
TABLES = {"lead": LEAD, "deal": DEAL, "contact": CONTACT, "account": ACCOUNT}


def check_kind(kind: str) -> str:
    value = kind.strip().lower()
    if value not in KINDS:
        raise UsageError(f"kind '{kind}' is not one of: {', '.join(KINDS)} (e.g. call)")
    return value


def one_target(**targets: str | None) -> tuple[str, str]:
    """Exactly one of --lead/--deal/--contact/--account: (kind, ref); none or two → exit 2."""
    given = [(kind, ref) for kind, ref in targets.items() if ref is not None and ref != ""]
    if len(given) != 1:
        named = ", ".join(f"--{kind}" for kind, _ in given) or "none"
        raise UsageError(
            "give exactly one record to log on: --lead ID, --deal ID, --contact ID or "
            f"--account ID (got {named}; e.g. --deal 12)"
        )
    return given[0]


def resolve_target(conn: Connection, kind: str, ref: str) -> RowMapping:
    """The lead, deal, contact or account named by `ref` (an id; accounts/contacts also by
    name, through services.scope); NotFound (exit 3) otherwise."""
    from salescli.services import scope

    if kind == "account":
        return rows.one(conn, ACCOUNT, scope.account_id(conn, ref), "account")
    if kind == "contact":
        return rows.one(conn, CONTACT, scope.contact_id(conn, ref), "contact")
    if kind not in TABLES:
        raise UsageError(f"record type '{kind}' is not one of: {', '.join(TARGETS)}")
    number = as_id(ref)
    record = rows.get(conn, TABLES[kind], number) if number is not None else None
    if record is None or (kind == "lead" and record["forgotten"]):
        raise NotFound(f"{kind} '{ref}' not found (see: salescli {kind} list)")
    return record


def check_values(
    kind: str, at: dt.datetime, now: dt.datetime, outcome: str | None, text: str | None
) -> dict[str, Any]:
    """The activity rule: a known kind, not in the future, a text or an outcome (the
    outcome at most its column's length)."""
    kind = check_kind(kind)
    if at > now:
        raise InvalidData(
            f"at '{at.isoformat()}' is in the future: the log records what happened "
            "(e.g. --at 2026-11-20T14:30, or --at yesterday)"
        )
    text = (text or "").strip()
    outcome = " ".join((outcome or "").split()) or None
    most = getattr(ACTIVITY.c.outcome.type, "length", None)
    if outcome is not None and most is not None and len(outcome) > most:
        from salescli.services.accounts.rules import too_long

        raise too_long("outcome", outcome, most)
    if not text and not outcome:
        raise InvalidData(f'a {kind} needs a text or an --outcome (e.g. "Discussed pricing")')
    return {"kind": kind, "occurred_at": at, "outcome": outcome, "text": text}


def log(
    conn: Connection,
    *,
    kind: str,
    target: str,
    record: Mapping[Any, Any],
    at: dt.datetime,
    now: dt.datetime,
    rep_id: int | None = None,
    outcome: str | None = None,
    text: str = "",
) -> int:
    """Record an activity on `record` (a lead, deal, contact or account row) and update last
    contact; the activity's id.

    A lead's last contact (status new → contacted, score refreshed); a contact's and its
    account's; a deal's last activity (the stale timer) and its account's last contact.
    """
    at, now = utc(at), utc(now)
    if target not in TARGETS:
        raise UsageError(f"record type '{target}' is not one of: {', '.join(TARGETS)}")
    values = check_values(kind, at, now, outcome, text)
    activity_id = rows.insert(
        conn,
        ACTIVITY,
        {**values, "rep_id": rep_id, "created_at": now, f"{target}_id": record["id"]},
    )
    _touch(conn, target, record, at, now)
    return activity_id


def _touch(
    conn: Connection, target: str, record: Mapping[Any, Any], at: dt.datetime, now: dt.datetime
) -> None:
    from salescli.services.accounts import records as accounts
    from salescli.services.contacts import records as contacts

    if target == "lead":
        _touch_lead(conn, record, at, now)
    elif target == "deal":
        last = DEAL.c.last_activity_at
        conn.execute(
            sa.update(DEAL)
            .where(DEAL.c.id == record["id"], sa.or_(last.is_(None), last < at))
            .values(last_activity_at=at)
        )
        accounts.touch_last_contact(conn, record["account_id"], at)
    elif target == "contact":
        contacts.touch_last_contact(conn, record["id"], at)
        accounts.touch_last_contact(conn, record["account_id"], at)
    else:
        accounts.touch_last_contact(conn, record["id"], at)


def _touch_lead(
    conn: Connection, lead: Mapping[Any, Any], at: dt.datetime, now: dt.datetime
) -> None:
    """The lead's last contact forward, `new` becomes `contacted`, and its score refreshed
    (the score weighs recent contact) with the scoring rules' pure functions."""
    from salescli.services.leads import scoring as scoring

    last = lead["last_contact_at"]
    changes: dict[str, Any] = {}
    if last is None or at > last:
        changes["last_contact_at"] = at
    if lead["status"] == "new":
        changes.update(status="contacted", updated_at=now)
    fields = {key: lead[key] for key in scoring.FIELDS}
    fields.update(
        source=lead["source"],
        created_at=lead["created_at"],
        last_contact_at=changes.get("last_contact_at", last),
    )
    tags = conn.execute(
        sa.select(LEADTAG.c.tag).where(LEADTAG.c.lead_id == lead["id"]).order_by(LEADTAG.c.tag)
    ).scalars()
    score = scoring.score_value(fields, list(tags), now, scoring.load_rules(conn))
    if score != lead["score"]:
        changes["score"] = score
    rows.update(conn, LEAD, lead["id"], changes)


def list_activities(conn: Connection, **wanted: Any) -> list[dict]:
    """Activities newest first (`activity_query`'s filters and limit), in their JSON shape."""
    return [_shape(row) for row in conn.execute(activity_query(conn, **wanted)).mappings()]


def each_activity(conn: Connection, **wanted: Any) -> Iterator[dict]:
    """Every activity matching `wanted` (`activity_query`'s filters) in the JSON shape, newest
    first, read as it is consumed (`paging.each_row`): `activity list` with no limit."""
    from salescli.services.paging import each_row

    return (_shape(row._mapping) for row in each_row(conn, activity_query(conn, **wanted)))


def activity_query(
    conn: Connection,
    *,
    rep: str | None = None,
    team: str | None = None,
    settings: Settings | None = None,
    kind: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    lead_id: int | None = None,
    deal_id: int | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
    strict: bool = False,
    limit: int | None = None,
    activity_id: int | None = None,
) -> sa.Select:
    """The activities' query, newest first; [since, until) bounds `occurred_at`.

    `rep` is `me|none|ID|NAME` and `team` a team or a manager (services.scope, with
    `settings`). `account_id` matches activities on the account, its contacts and its deals
    (unless `strict`); `deal_id`/`contact_id`/`lead_id` match that record only.
    """
    from salescli.services import scope

    query = sa.select(
        ACTIVITY.c.id,
        ACTIVITY.c.kind,
        ACTIVITY.c.occurred_at.label("at"),
        REP.c.name.label("rep"),
        ACTIVITY.c.rep_id,
        ACTIVITY.c.lead_id,
        ACTIVITY.c.deal_id,
        ACTIVITY.c.contact_id,
        ACTIVITY.c.account_id,
        ACTIVITY.c.outcome,
        ACTIVITY.c.text,
    ).select_from(ACTIVITY.outerjoin(REP, REP.c.id == ACTIVITY.c.rep_id))
    where: list[Any] = []
    if activity_id is not None:
        where.append(ACTIVITY.c.id == activity_id)
    if rep is not None:
        where.append(scope.owner_clause(conn, ACTIVITY.c.rep_id, rep, settings))  # type: ignore[arg-type]
    if team is not None:
        where.append(scope.team_clause(conn, ACTIVITY.c.rep_id, team, settings))  # type: ignore[arg-type]
    if kind is not None:
        where.append(ACTIVITY.c.kind == check_kind(kind))
    if since is not None:
        where.append(ACTIVITY.c.occurred_at >= since)
    if until is not None:
        where.append(ACTIVITY.c.occurred_at < until)
    for column, value in (
        (ACTIVITY.c.lead_id, lead_id),
        (ACTIVITY.c.deal_id, deal_id),
        (ACTIVITY.c.contact_id, contact_id),
    ):
        if value is not None:
            where.append(column == value)
    if account_id is not None:
        if strict:
            where.append(ACTIVITY.c.account_id == account_id)
        else:
            on_contacts = sa.select(CONTACT.c.id).where(CONTACT.c.account_id == account_id)
            on_deals = sa.select(DEAL.c.id).where(DEAL.c.account_id == account_id)
            where.append(
                sa.or_(
                    ACTIVITY.c.account_id == account_id,
                    ACTIVITY.c.contact_id.in_(on_contacts),
                    ACTIVITY.c.deal_id.in_(on_deals),
                )
            )
    query = query.where(*where).order_by(ACTIVITY.c.occurred_at.desc(), ACTIVITY.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return query


def _shape(row: Mapping[Any, Any]) -> dict:
    """THE JSON shape of an activity (list, show sections, log)."""
    from salescli.services.accounts.records import record_ref

    return {
        "id": row["id"],
        "kind": row["kind"],
        "at": row["at"],
        "rep": row["rep"],
        "rep_id": row["rep_id"],
        "record": record_ref(row),
        **{k: row[k] for k in ("lead_id", "deal_id", "contact_id", "account_id")},
        "outcome": row["outcome"],
        "text": row["text"],
    }


def record(conn: Connection, activity_id: int) -> dict:
    """One activity in the list's JSON shape."""
    found = list_activities(conn, activity_id=activity_id)
    if not found:
        raise NotFound(f"activity {activity_id} not found (see: salescli activity list)")
    return found[0]
