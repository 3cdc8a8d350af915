"""Leads: capture, edit, status verbs, tags, show, delete over SQLAlchemy Core.

Every writer of a lead validates through the rules of `leads.rules` (field lengths from the
schema, email/phone/tag normalisation, statuses and their reasons). Every function takes the command's one `Connection` and, where time matters,
`now`; records are `RowMapping`s, and `record()` is the one JSON shape of a lead (list,
show, add, edit, status verbs, tags, assign). After any change to a lead's scoring inputs
the score is refreshed through `services.scoring.refresh`. Duplicate checks are in
`leads.dedupe` (keys: `leads.dedupe_keys`), merge in `leads.merge`; forget and export-person in `lead_privacy`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salescli.errors import InvalidData, NotFound
from salescli.services.leads.lookup import get, tag_rows, tags_of  # noqa: F401 - records' names too
from salescli.services.leads.rules import (
    EDITABLE,
    Record,
    check_changeable,
    clean_field,
    clean_name,
    derived,
    new_lead,
    parse_tag_labels,
    parse_tags,
    status_values,
)
from salescli.tables import ACTIVITY, LEAD, LEADASSIGNMENT, LEADTAG, REP, TASK

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from salescli.services.config import Settings


NO_OWNER = "none"


# --- look-ups ---------------------------------------------------------------------------


def changeable(conn: Connection, lead_id: int) -> RowMapping:
    """The lead, refused when it was forgotten."""
    lead = get(conn, lead_id)
    check_changeable(lead)
    return lead


def known_labels(conn: Any, labels: dict[str, str]) -> dict[str, str]:
    """`labels` with the spelling a tag already has in the database, where it has one: a tag
    keeps the spelling it was first typed with, on every lead."""
    if not labels:
        return {}
    found = conn.execute(
        sa.select(LEADTAG.c.tag, sa.func.min(LEADTAG.c.label))
        .where(LEADTAG.c.tag.in_(list(labels)))
        .group_by(LEADTAG.c.tag)
    ).all()
    return {**labels, **{tag: label for tag, label in found}}


def owner_id(conn: Connection, ref: str | None, settings: Settings) -> int | None:
    """The owner `--owner` names (scope.owner_ref: id, name, `me`, `none`); None (not given)
    is the default owner: you (`me`), when set."""
    from salescli.services import scope

    return scope.owner_or_me(conn, ref, settings)


def actor(conn: Connection, settings: Settings) -> str | None:
    """Your rep's own spelling of their name (for "by" in histories), or None."""
    from salescli.services import scope

    if not settings.me or not settings.me.strip():
        return None
    rep = scope.rep_id(conn, scope.ME, settings)
    return conn.execute(sa.select(REP.c.name).where(REP.c.id == rep)).scalar_one()


def record_assignment(
    conn: Connection,
    lead_id: int,
    rep_id: int | None,
    *,
    previous_rep_id: int | None,
    strategy: str,
    reason: str | None,
    assigned_by: str | None,
    now: dt.datetime,
) -> None:
    """One row of assignment history (shown by `lead show`)."""
    from salescli.services import rows

    rows.insert(
        conn,
        LEADASSIGNMENT,
        {
            "lead_id": lead_id,
            "rep_id": rep_id,
            "previous_rep_id": previous_rep_id,
            "strategy": strategy,
            "reason": reason,
            "assigned_by": assigned_by,
            "assigned_at": now,
        },
    )


def touch(conn: Connection, lead_id: int, now: dt.datetime) -> None:
    """After a change: stamp `updated_at` and refresh the score."""
    from salescli.services.leads import scoring as scoring

    conn.execute(sa.update(LEAD).where(LEAD.c.id == lead_id).values(updated_at=now))
    scoring.refresh(conn, lead_id, now)


# --- add / edit / status / tags / delete ----------------------------------------------


def _check_duplicates(conn: Connection, **keys: Any) -> None:
    from salescli.services.leads import dedupe as lead_dedupe

    lead_dedupe.check_duplicates(conn, **keys)


def similar_warnings(conn: Connection, lead: Record, exclude: int | None = None) -> list[str]:
    """lead_dedupe's near-identical name + company warnings for `lead` (name, company)."""
    from salescli.services.leads import dedupe as lead_dedupe

    draft = {"name": lead["name"], "company": lead.get("company")}
    return lead_dedupe.similar_warnings(conn, draft, exclude=exclude)


def add(
    conn: Connection,
    name: str,
    *,
    now: dt.datetime,
    settings: Settings,
    fields: dict[str, str | None] | None = None,
    status: str = "new",
    reason: str | None = None,
    tags: str | Iterable[str] | None = None,
    owner: str | None = None,
    allow_duplicate: bool = False,
    warn_similar: bool = True,
) -> tuple[int, list[str]]:
    """Create a lead; returns its id and warnings about near-identical leads.

    `fields`: any of email, phone, company, title, source, territory, notes. `owner`: a rep
    id, name or `me`, `none`, or None for the default owner ("me", if set).
    `warn_similar=False` skips the near-identical search, for a caller that ran it before the
    write transaction; the duplicate email/phone check always runs here, inside the
    transaction that writes.
    """
    from salescli.services import rows
    from salescli.services.leads import dedupe_keys as lead_keys

    values, labels = new_lead(name, now=now, fields=fields, status=status, reason=reason, tags=tags)
    tag_list = known_labels(conn, labels)
    rep = owner_id(conn, owner, settings)
    values["owner_id"] = rep
    if not allow_duplicate:
        _check_duplicates(conn, email_key=values["email_key"], phone_key=values["phone_key"])
    warnings = similar_warnings(conn, values) if warn_similar else []
    lead_id = rows.insert(conn, LEAD, values)
    lead_keys.refresh_keys(conn, [lead_id])
    if tag_list:
        conn.execute(
            sa.insert(LEADTAG),
            [{"lead_id": lead_id, "tag": t, "label": tag_list[t]} for t in sorted(tag_list)],
        )
    if rep is not None:
        why = "lead add --owner" if owner is not None else "default owner (me)"
        record_assignment(
            conn, lead_id, rep, previous_rep_id=None, strategy="manual", reason=why,
            assigned_by=actor(conn, settings), now=now,
        )  # fmt: skip
    touch(conn, lead_id, now)
    return lead_id, warnings


def edit(
    conn: Connection,
    lead_id: int,
    *,
    now: dt.datetime,
    settings: Settings,
    fields: dict[str, str | None],
    owner: str | None = None,
    status: str | None = None,
    reason: str | None = None,
    allow_duplicate: bool = False,
) -> list[str]:
    """Change the given fields (None = unchanged, "" = clear); returns similarity warnings."""
    from salescli.services import rows
    from salescli.services.leads import dedupe_keys as lead_keys

    lead = changeable(conn, lead_id)
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key not in EDITABLE:
            raise InvalidData(f"unknown lead field: {key}")
        changes[key] = clean_name(value) if key == "name" else clean_field(key, value)
    if status is not None:
        changes.update(status_values(status, reason, current=lead))
    elif reason is not None:
        raise InvalidData("--reason goes with --status unqualified or --status lost")
    after = {**lead, **changes}
    changes.update(derived(after))
    after.update(changes)
    if not allow_duplicate:
        _check_duplicates(
            conn,
            email_key=after["email_key"] if after["email_key"] != lead["email_key"] else None,
            phone_key=after["phone_key"] if after["phone_key"] != lead["phone_key"] else None,
            exclude=lead_id,
            verb="save",
        )
    warnings = []
    fuzzy = lead_keys.fuzzy_key
    renamed = fuzzy(after["name"], after["company"]) != fuzzy(lead["name"], lead["company"])
    if renamed:
        warnings = similar_warnings(conn, after, exclude=lead_id)
    if owner is not None:
        new_owner = owner_id(conn, owner, settings)
        if new_owner != lead["owner_id"]:
            record_assignment(
                conn, lead_id, new_owner, previous_rep_id=lead["owner_id"], strategy="manual",
                reason="lead edit --owner", assigned_by=actor(conn, settings), now=now,
            )  # fmt: skip
            changes["owner_id"] = new_owner
    rows.update(conn, LEAD, lead_id, changes)
    if renamed:
        lead_keys.refresh_keys(conn, [lead_id])
    touch(conn, lead_id, now)
    return warnings


def set_status(
    conn: Connection, lead_id: int, status: str, *, now: dt.datetime, reason: str | None = None
) -> str:
    """Move a lead to a status (the verbs qualify, disqualify, nurture, lose); returns the old one."""
    from salescli.services import rows

    lead = changeable(conn, lead_id)
    rows.update(conn, LEAD, lead_id, status_values(status, reason, current=lead))
    touch(conn, lead_id, now)
    return str(lead["status"])


def tag(
    conn: Connection, lead_id: int, tags: str | Iterable[str], *, now: dt.datetime
) -> list[str]:
    """Add tags (matched folded, shown as first typed); returns the lead's tags."""
    changeable(conn, lead_id)
    wanted = known_labels(conn, parse_tag_labels(tags))
    if not wanted:
        raise InvalidData("tag '' is empty (e.g. salescli lead tag 5 price-objection)")
    existing = dict(tag_rows(conn, lead_id))
    new = [
        {"lead_id": lead_id, "tag": t, "label": wanted[t]}
        for t in sorted(wanted)
        if t not in existing
    ]
    if new:
        conn.execute(sa.insert(LEADTAG), new)
    touch(conn, lead_id, now)
    return [label for _, label in sorted({**wanted, **existing}.items())]


def untag(
    conn: Connection, lead_id: int, tags: str | Iterable[str], *, now: dt.datetime
) -> list[str]:
    """Remove tags (absent ones are ignored); returns the lead's tags."""
    changeable(conn, lead_id)
    unwanted = parse_tags(tags)
    if not unwanted:
        raise InvalidData("tag '' is empty (e.g. salescli lead untag 5 price-objection)")
    conn.execute(
        sa.delete(LEADTAG).where(LEADTAG.c.lead_id == lead_id, LEADTAG.c.tag.in_(unwanted))
    )
    touch(conn, lead_id, now)
    return tags_of(conn, lead_id)


def dependants(conn: Connection, lead_id: int) -> dict[str, int]:
    """How many activities and tasks go with the lead when it is deleted."""
    count = sa.select(sa.func.count())
    return {
        name: conn.execute(count.select_from(table).where(table.c.lead_id == lead_id)).scalar_one()
        for name, table in (("activities", ACTIVITY), ("tasks", TASK))
    }


def delete(conn: Connection, lead_id: int) -> None:
    """Delete the lead with its tags, assignments, activities and tasks (ON DELETE CASCADE;
    contacts and deals stay, their lead_id set null)."""
    from salescli.services import rows

    get(conn, lead_id)
    rows.delete(conn, LEAD, lead_id)


# --- reading ----------------------------------------------------------------------------


def record(conn: Connection, lead: int | Record) -> dict:
    """The one JSON shape of a lead (`lead list`'s; show adds sections), by id or row."""
    from salescli.services.leads import queries as lead_queries

    lead_id = lead if isinstance(lead, int) else int(lead["id"])
    rows, _ = lead_queries.list_leads(conn, ids=[lead_id], limit=0)
    if not rows:
        raise NotFound(f"lead {lead_id} not found")
    return rows[0]


def dicts(conn: Connection, query: Any) -> list[dict]:
    from salescli.instants import utc

    return [
        {k: utc(v) if isinstance(v, dt.datetime) else v for k, v in row.items()}
        for row in conn.execute(query).mappings()
    ]


def assignments(conn: Connection, lead_id: int) -> list[dict]:
    previous = REP.alias("previous")
    query = (
        sa.select(
            LEADASSIGNMENT.c.assigned_at,
            REP.c.name.label("rep"),
            LEADASSIGNMENT.c.rep_id,
            previous.c.name.label("previous_rep"),
            LEADASSIGNMENT.c.previous_rep_id,
            LEADASSIGNMENT.c.strategy,
            LEADASSIGNMENT.c.reason,
            LEADASSIGNMENT.c.assigned_by,
        )
        .select_from(LEADASSIGNMENT)
        .outerjoin(REP, REP.c.id == LEADASSIGNMENT.c.rep_id)
        .outerjoin(previous, previous.c.id == LEADASSIGNMENT.c.previous_rep_id)
        .where(LEADASSIGNMENT.c.lead_id == lead_id)
        .order_by(LEADASSIGNMENT.c.assigned_at, LEADASSIGNMENT.c.id)
    )
    return dicts(conn, query)


def activities(conn: Connection, *, lead_id: int, contact_ids: Sequence[int] = ()) -> list[dict]:
    where = ACTIVITY.c.lead_id == lead_id
    if contact_ids:
        where = sa.or_(where, ACTIVITY.c.contact_id.in_(list(contact_ids)))
    query = (
        sa.select(
            ACTIVITY.c.id,
            ACTIVITY.c.kind,
            ACTIVITY.c.occurred_at,
            REP.c.name.label("rep"),
            ACTIVITY.c.rep_id,
            ACTIVITY.c.outcome,
            ACTIVITY.c.text,
        )
        .select_from(ACTIVITY)
        .outerjoin(REP, REP.c.id == ACTIVITY.c.rep_id)
        .where(where)
        .order_by(ACTIVITY.c.occurred_at, ACTIVITY.c.id)
    )
    return dicts(conn, query)


def show(conn: Connection, lead_id: int) -> dict:
    """Everything about a lead: fields, tags, assignment history, activities."""
    lead = get(conn, lead_id)
    result = record(conn, lead)
    result.update(
        notes=lead["notes"],
        external_id=lead["external_id"],
        converted_at=lead["converted_at"],
        forgotten=lead["forgotten"],
    )
    result["assignments"] = assignments(conn, lead_id)
    result["activities"] = activities(conn, lead_id=lead_id)
    return result
