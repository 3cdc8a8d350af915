"""Leads: capture, edit, status verbs, tags, show, delete.

Every function takes the open Session (one transaction per command) and, where time matters,
`now`. They return ORM rows or plain dicts in the JSON shape; the fast list path is in
`lead_queries`. After any change to a lead's scoring inputs the score is refreshed through
`services.scoring.refresh`. Duplicate checks and merge are in `lead_dedupe`; forget and
export-person in `lead_privacy`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.services.lead_statuses import REASON_STATUSES, STATUSES
from salescli.text import fold

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Lead, Rep
    from salescli.services.config import Settings

EDITABLE = ("name", "email", "phone", "company", "title", "source", "territory", "notes")
MAX_LENGTH = {
    "name": 300,
    "email": 320,
    "phone": 100,
    "company": 300,
    "title": 200,
    "source": 200,
    "territory": 200,
    "reason": 500,
    "tag": 100,
}
NO_OWNER = "none"


# --- validation -------------------------------------------------------------------------


def clean_field(field: str, value: str | None) -> str | None:
    """A validated, normalised field value; blank means "none" (None)."""
    from salescli.text import check_email, phone_key

    if value is None:
        return None
    if field == "notes":
        return value.strip() or None
    clean = " ".join(value.split())
    if not clean:
        return None
    limit = MAX_LENGTH.get(field)
    if limit and len(clean) > limit:
        raise InvalidData(f"{field} '{clean[:40]}...' is longer than {limit} characters")
    if field == "email":
        return check_email(clean)
    if field == "phone" and phone_key(clean) is None:
        raise InvalidData(f"phone '{clean}' has no digits (e.g. +49 30 1234567)")
    return clean


def clean_name(value: str | None) -> str:
    clean = clean_field("name", value)
    if clean is None:
        raise InvalidData("name '' is empty: a lead needs a name (e.g. 'Ana Souza')")
    return clean


def parse_tags(values: str | Iterable[str] | None) -> list[str]:
    """Tag keys from repeated options and/or comma lists: folded (text.fold), sorted, unique."""
    return sorted(parse_tag_labels(values))


def parse_tag_labels(values: str | Iterable[str] | None) -> dict[str, str]:
    """Tags as typed, by key: `"Größe, GRÖSSE"` -> `{"grosse": "Größe"}` (first spelling wins)."""
    from salescli.text import strip_controls

    if values is None:
        return {}
    if isinstance(values, str):
        values = [values]
    tags: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            label = " ".join(strip_controls(part).split())
            tag = fold(label)
            if not tag:
                continue
            if len(label) > MAX_LENGTH["tag"]:
                raise InvalidData(
                    f"tag '{label[:40]}...' is longer than {MAX_LENGTH['tag']} characters"
                )
            tags.setdefault(tag, label)
    return tags


def known_labels(conn: Any, labels: dict[str, str]) -> dict[str, str]:
    """`labels` with the spelling a tag already has in the database, where it has one: a tag
    keeps the spelling it was first typed with, on every lead."""
    import sqlalchemy as sa

    from salescli.tables import LEADTAG

    if not labels:
        return {}
    found = conn.execute(
        sa.select(LEADTAG.c.tag, sa.func.min(LEADTAG.c.label))
        .where(LEADTAG.c.tag.in_(list(labels)))
        .group_by(LEADTAG.c.tag)
    ).all()
    return {**labels, **{tag: label for tag, label in found}}


def check_status(status: str) -> str:
    value = fold(status)
    if value not in STATUSES:
        raise InvalidData(f"status '{status}' is not a lead status (one of: {', '.join(STATUSES)})")
    if value == "converted":
        raise InvalidData(
            "status 'converted' is set only by converting the lead (e.g. salescli lead convert 5)"
        )
    return value


def refresh_keys(lead: Lead) -> None:
    """Recompute the folded copies used by duplicate checks and search."""
    from salescli.text import email_key, phone_key, search_text

    lead.email_key = email_key(lead.email)
    lead.phone_key = phone_key(lead.phone)
    lead.search_text = search_text(lead.name, lead.email, lead.phone, lead.company, lead.title)


def check_changeable(lead: Lead) -> None:
    if lead.forgotten:
        raise InvalidData(f"lead {lead.id} was forgotten (lead forget); it cannot be changed")


# --- look-ups ---------------------------------------------------------------------------


def get(session: Session, lead_id: int) -> Lead:
    from salescli.models import Lead

    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    return lead


def tags_of(session: Session, lead_id: int) -> list[str]:
    """The lead's tags as spelt (ordered by key)."""
    return [label for _, label in tag_rows(session, lead_id)]


def tag_rows(session: Session, lead_id: int) -> list[tuple[str, str]]:
    """The lead's tags as (key, spelling), ordered by key."""
    import sqlalchemy as sa

    from salescli.models import LeadTag

    query = sa.select(LeadTag.tag, LeadTag.label).where(LeadTag.lead_id == lead_id)
    return sorted((tag, label) for tag, label in session.execute(query).all())


def _owner(session: Session, ref: str | None, settings: Settings) -> Rep | None:
    from salescli.services import reps

    if ref is None:
        return reps.default_owner(session, settings)
    if fold(ref) == NO_OWNER:
        return None
    return reps.resolve(session, ref)


def record_assignment(
    session: Session,
    lead: Lead,
    rep_id: int | None,
    *,
    previous_rep_id: int | None,
    strategy: str,
    reason: str | None,
    assigned_by: str | None,
    now: dt.datetime,
) -> None:
    """One row of assignment history (shown by `lead show`)."""
    from salescli.models import LeadAssignment

    session.add(
        LeadAssignment(
            lead_id=lead.id,
            rep_id=rep_id,
            previous_rep_id=previous_rep_id,
            strategy=strategy,
            reason=reason,
            assigned_by=assigned_by,
            assigned_at=now,
        )
    )


def touch(session: Session, lead: Lead, now: dt.datetime) -> None:
    """After a change: stamp `updated_at` and refresh the score."""
    from salescli.services import scoring

    lead.updated_at = now
    session.flush()
    scoring.refresh(session, lead, now)


# --- add / edit / status / tags / delete ----------------------------------------------


def new_lead(
    name: str,
    *,
    now: dt.datetime,
    fields: dict[str, str | None] | None = None,
    status: str = "new",
    tags: str | Iterable[str] | None = None,
) -> tuple[Lead, dict[str, str]]:
    """A validated, unsaved lead and its tags (folded tag -> spelling as typed): every check of
    `add` that needs no database.

    `lead add` calls it before opening the write transaction, so that validation (and the
    modules it imports) never runs while the database is locked for other writers.
    """
    from salescli.models import Lead

    values = {key: clean_field(key, value) for key, value in (fields or {}).items()}
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise InvalidData(f"unknown lead field(s): {', '.join(sorted(unknown))}")
    lead = Lead(name=clean_name(name), status=check_status(status), created_at=now, updated_at=now)
    for key, value in values.items():
        setattr(lead, key, value)
    refresh_keys(lead)
    return lead, parse_tag_labels(tags)


def add(
    session: Session,
    name: str,
    *,
    now: dt.datetime,
    settings: Settings,
    fields: dict[str, str | None] | None = None,
    status: str = "new",
    tags: str | Iterable[str] | None = None,
    owner: str | None = None,
    allow_duplicate: bool = False,
    warn_similar: bool = True,
) -> tuple[Lead, list[str]]:
    """Create a lead; returns it and warnings about near-identical leads.

    `fields`: any of email, phone, company, title, source, territory, notes. `owner`: a rep
    id or name, `none`, or None for the default owner ("me", if that rep exists).
    `warn_similar=False` skips the near-identical search (a read of every lead), for a caller
    that ran it before the write transaction; the duplicate email/phone check always runs here,
    inside the transaction that writes.
    """
    from salescli.models import LeadTag
    from salescli.services import lead_dedupe, reps

    lead, labels = new_lead(name, now=now, fields=fields, status=status, tags=tags)
    tag_list = known_labels(session, labels)
    rep = _owner(session, owner, settings)
    lead.owner_id = rep.id if rep else None
    if not allow_duplicate:
        lead_dedupe.check_duplicates(
            session.connection(), email_key=lead.email_key, phone_key=lead.phone_key
        )
    draft = {"name": lead.name, "company": lead.company}
    warnings = lead_dedupe.similar_warnings(session.connection(), draft) if warn_similar else []
    session.add(lead)
    session.flush()
    lead_dedupe.refresh_keys(session.connection(), [lead.id])
    session.add_all(
        LeadTag(lead_id=lead.id, tag=tag, label=tag_list[tag]) for tag in sorted(tag_list)
    )
    if rep is not None:
        reason = "lead add --owner" if owner is not None else "default owner (me)"
        record_assignment(
            session, lead, rep.id, previous_rep_id=None, strategy="manual", reason=reason,
            assigned_by=reps.me_name(session, settings), now=now,
        )  # fmt: skip
    touch(session, lead, now)
    return lead, warnings


def edit(
    session: Session,
    lead: Lead,
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
    from salescli.services import lead_dedupe, reps

    check_changeable(lead)
    before = (lead.email_key, lead.phone_key, lead_dedupe.fuzzy_key(lead.name, lead.company))
    for key, value in fields.items():
        if value is None:
            continue
        if key not in EDITABLE:
            raise InvalidData(f"unknown lead field: {key}")
        setattr(lead, key, clean_name(value) if key == "name" else clean_field(key, value))
    refresh_keys(lead)
    if not allow_duplicate:
        lead_dedupe.check_duplicates(
            session.connection(),
            email_key=lead.email_key if lead.email_key != before[0] else None,
            phone_key=lead.phone_key if lead.phone_key != before[1] else None,
            exclude=lead.id,
            verb="save",
        )
    warnings = []
    if lead_dedupe.fuzzy_key(lead.name, lead.company) != before[2]:
        draft = {"name": lead.name, "company": lead.company}
        warnings = lead_dedupe.similar_warnings(session.connection(), draft, exclude=lead.id)
    if owner is not None:
        rep = _owner(session, owner, settings)
        new_owner = rep.id if rep else None
        if new_owner != lead.owner_id:
            record_assignment(
                session, lead, new_owner, previous_rep_id=lead.owner_id, strategy="manual",
                reason="lead edit --owner", assigned_by=reps.me_name(session, settings), now=now,
            )  # fmt: skip
            lead.owner_id = new_owner
    if status is not None:
        _set_status(lead, status, reason)
    elif reason is not None:
        raise InvalidData("--reason goes with --status unqualified or --status lost")
    touch(session, lead, now)
    if lead_dedupe.fuzzy_key(lead.name, lead.company) != before[2]:
        lead_dedupe.refresh_keys(session.connection(), [lead.id])
    return warnings


def _set_status(lead: Lead, status: str, reason: str | None) -> None:
    value = check_status(status)
    if lead.status == "converted":
        raise InvalidData(
            f"lead {lead.id} is converted; its status cannot change (work on its deal instead)"
        )
    reason = clean_field("reason", reason)
    if value == "unqualified" and reason is None:
        raise InvalidData(
            "reason '' is required to disqualify a lead (e.g. --reason 'no budget this year')"
        )
    if reason is not None and value not in REASON_STATUSES:
        raise InvalidData(f"--reason goes with unqualified or lost, not status '{value}'")
    lead.status = value
    lead.status_reason = reason if value in REASON_STATUSES else None


def set_status(
    session: Session, lead: Lead, status: str, *, now: dt.datetime, reason: str | None = None
) -> str:
    """Move a lead to a status (the verbs qualify, disqualify, nurture, lose); returns the old one."""
    check_changeable(lead)
    previous = lead.status
    _set_status(lead, status, reason)
    touch(session, lead, now)
    return previous


def tag(session: Session, lead: Lead, tags: str | Iterable[str], *, now: dt.datetime) -> list[str]:
    """Add tags (matched folded, shown as first typed); returns the lead's tags."""
    from salescli.models import LeadTag

    check_changeable(lead)
    wanted = known_labels(session, parse_tag_labels(tags))
    if not wanted:
        raise InvalidData("tag '' is empty (e.g. salescli lead tag 5 price-objection)")
    existing = dict(tag_rows(session, lead.id))
    session.add_all(
        LeadTag(lead_id=lead.id, tag=t, label=wanted[t])
        for t in sorted(wanted)
        if t not in existing
    )
    touch(session, lead, now)
    return [label for _, label in sorted({**wanted, **existing}.items())]


def untag(
    session: Session, lead: Lead, tags: str | Iterable[str], *, now: dt.datetime
) -> list[str]:
    """Remove tags (absent ones are ignored); returns the lead's tags."""
    import sqlalchemy as sa

    from salescli.models import LeadTag

    check_changeable(lead)
    unwanted = parse_tags(tags)
    if not unwanted:
        raise InvalidData("tag '' is empty (e.g. salescli lead untag 5 price-objection)")
    session.execute(sa.delete(LeadTag).where(LeadTag.lead_id == lead.id, LeadTag.tag.in_(unwanted)))
    touch(session, lead, now)
    return tags_of(session, lead.id)


def dependants(session: Session, lead_id: int) -> dict[str, int]:
    """How many activities and tasks go with the lead when it is deleted."""
    import sqlalchemy as sa

    from salescli.models import Activity, Task

    count = sa.select(sa.func.count())
    return {
        name: session.execute(count.where(model.lead_id == lead_id)).scalar_one()
        for name, model in (("activities", Activity), ("tasks", Task))
    }


def delete(session: Session, lead: Lead) -> None:
    """Delete the lead with its tags, assignments, activities and tasks (contacts and deals stay)."""
    session.delete(lead)
    session.flush()


# --- reading ----------------------------------------------------------------------------


def record(session: Session, lead: Lead) -> dict:
    """The lead in the `lead list` JSON shape."""
    from salescli.services import lead_queries

    session.flush()
    rows, _ = lead_queries.list_leads(session.connection(), ids=[lead.id], limit=0)
    return rows[0]


def dicts(session: Session, query: Any) -> list[dict]:
    from salescli.instants import utc

    rows = []
    for row in session.execute(query):
        item = dict(row._mapping)
        rows.append({k: utc(v) if isinstance(v, dt.datetime) else v for k, v in item.items()})
    return rows


def assignments(session: Session, lead_id: int) -> list[dict]:
    import sqlalchemy as sa
    from sqlalchemy.orm import aliased

    from salescli.models import LeadAssignment, Rep

    previous = aliased(Rep)
    query = (
        sa.select(
            LeadAssignment.assigned_at,
            Rep.name.label("rep"),
            LeadAssignment.rep_id,
            previous.name.label("previous_rep"),
            LeadAssignment.previous_rep_id,
            LeadAssignment.strategy,
            LeadAssignment.reason,
            LeadAssignment.assigned_by,
        )
        .outerjoin(Rep, Rep.id == LeadAssignment.rep_id)
        .outerjoin(previous, previous.id == LeadAssignment.previous_rep_id)
        .where(LeadAssignment.lead_id == lead_id)
        .order_by(LeadAssignment.assigned_at, LeadAssignment.id)
    )
    return dicts(session, query)


def activities(session: Session, *, lead_id: int, contact_ids: Sequence[int] = ()) -> list[dict]:
    import sqlalchemy as sa

    from salescli.models import Activity, Rep

    where = Activity.lead_id == lead_id
    if contact_ids:
        where = sa.or_(where, Activity.contact_id.in_(list(contact_ids)))
    query = (
        sa.select(
            Activity.id,
            Activity.kind,
            Activity.occurred_at,
            Rep.name.label("rep"),
            Activity.rep_id,
            Activity.outcome,
            Activity.text,
        )
        .outerjoin(Rep, Rep.id == Activity.rep_id)
        .where(where)
        .order_by(Activity.occurred_at, Activity.id)
    )
    return dicts(session, query)


def show(session: Session, lead: Lead) -> dict:
    """Everything about a lead: fields, tags, assignment history, activities."""
    result = record(session, lead)
    result.update(
        notes=lead.notes,
        external_id=lead.external_id,
        converted_at=lead.converted_at,
        forgotten=lead.forgotten,
    )
    result["assignments"] = assignments(session, lead.id)
    result["activities"] = activities(session, lead_id=lead.id)
    return result
