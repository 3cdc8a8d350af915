"""Leads: capture, edit, status verbs, tags, duplicates, merge, delete, forget, export-person.

Every function takes the open Session (one transaction per command) and, where time matters,
`now`. They return ORM rows or plain dicts in the JSON shape; the fast list path is in
`lead_queries`. After any change to a lead's scoring inputs the score is refreshed through
`services.scoring.refresh`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData, NotFound
from salescli.text import fold

if TYPE_CHECKING:
    from sqlmodel import Session

    from salescli.models import Lead, Rep
    from salescli.services.config import Settings

STATUSES = ("new", "contacted", "qualified", "unqualified", "nurturing", "converted", "lost")
# Statuses whose reason is kept (disqualify --reason, lose --reason).
REASON_STATUSES = ("unqualified", "lost")
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
SIMILAR_THRESHOLD = 90
FORGOTTEN = "forgotten"
NO_OWNER = "none"
# Tables `lead forget` leaves alone: the team's own records and the erasure log.
_FORGET_SKIP = ("erasure", "setting", "rep")


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
    """Tags from repeated options and/or comma lists, folded to lower case, sorted, unique."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    tags: set[str] = set()
    for value in values:
        for part in value.split(","):
            tag = fold(part)
            if not tag:
                continue
            if len(tag) > MAX_LENGTH["tag"]:
                raise InvalidData(
                    f"tag '{tag[:40]}...' is longer than {MAX_LENGTH['tag']} characters"
                )
            tags.add(tag)
    return sorted(tags)


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


def _check_changeable(lead: Lead) -> None:
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
    import sqlalchemy as sa

    from salescli.models import LeadTag

    query = sa.select(LeadTag.tag).where(LeadTag.lead_id == lead_id)
    return sorted(session.execute(query).scalars())


def check_duplicates(
    session: Session,
    *,
    email_key: str | None,
    phone_key: str | None,
    exclude: int | None = None,
    verb: str = "add",
) -> None:
    """Refuse (exit 1) an email or phone that another lead (not forgotten) already has."""
    import sqlalchemy as sa

    from salescli.models import Lead

    for field, key, column in (
        ("email", email_key, Lead.email_key),
        ("phone", phone_key, Lead.phone_key),
    ):
        if key is None:
            continue
        query = sa.select(Lead).where(column == key, Lead.forgotten.is_(False))
        if exclude is not None:
            query = query.where(Lead.id != exclude)
        other = session.execute(query.order_by(Lead.id).limit(1)).scalars().first()
        if other is not None:
            raise InvalidData(
                f"lead {other.id} already has {field} {getattr(other, field)}; "
                f"use --allow-duplicate to {verb} anyway"
            )


def fuzzy_key(name: str | None, company: str | None) -> str:
    """Folded name + company with sorted words: ratio() on it is token_sort_ratio."""
    return " ".join(sorted(fold(f"{name or ''} {company or ''}").split()))


def similar(
    session: Session,
    name: str,
    company: str | None,
    *,
    exclude: int | None = None,
    threshold: int = SIMILAR_THRESHOLD,
) -> list[tuple[int, float]]:
    """Leads (not forgotten) whose name + company is near-identical: [(id, similarity)]."""
    import sqlalchemy as sa
    from rapidfuzz import fuzz, process

    from salescli.models import Lead

    table = Lead.__table__  # type: ignore[attr-defined]
    query = sa.select(table.c.id, table.c.name, table.c.company).where(table.c.forgotten.is_(False))
    # Core rows (not ORM entities): this reads every lead on each add.
    choices = {
        lead_id: fuzzy_key(lead_name, lead_company)
        for lead_id, lead_name, lead_company in session.connection().execute(query)
        if lead_id != exclude
    }
    hits = process.extract(
        fuzzy_key(name, company), choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=5
    )
    return sorted((key, round(score, 1)) for _, score, key in hits)


def _similar_warnings(session: Session, lead: Lead, exclude: int | None = None) -> list[str]:
    return [
        f"lead {other_id} has a near-identical name and company ({similarity:g}% alike)"
        for other_id, similarity in similar(session, lead.name, lead.company, exclude=exclude)
    ]


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


def _rescore(session: Session, lead: Lead, now: dt.datetime) -> None:
    from salescli.services import scoring

    session.flush()
    scoring.refresh(session, lead, now)


# --- add / edit / status / tags -------------------------------------------------------


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
) -> tuple[Lead, list[str]]:
    """Create a lead; returns it and warnings about near-identical leads.

    `fields`: any of email, phone, company, title, source, territory, notes. `owner`: a rep
    id or name, `none`, or None for the default owner ("me", if that rep exists).
    """
    from salescli.models import Lead, LeadTag

    values = {key: clean_field(key, value) for key, value in (fields or {}).items()}
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise InvalidData(f"unknown lead field(s): {', '.join(sorted(unknown))}")
    lead = Lead(name=clean_name(name), status=check_status(status), created_at=now, updated_at=now)
    for key, value in values.items():
        setattr(lead, key, value)
    tag_list = parse_tags(tags)
    rep = _owner(session, owner, settings)
    lead.owner_id = rep.id if rep else None
    refresh_keys(lead)
    if not allow_duplicate:
        check_duplicates(session, email_key=lead.email_key, phone_key=lead.phone_key)
    warnings = _similar_warnings(session, lead)
    session.add(lead)
    session.flush()
    session.add_all(LeadTag(lead_id=lead.id, tag=tag) for tag in tag_list)
    if rep is not None:
        reason = "lead add --owner" if owner is not None else "default owner (me)"
        record_assignment(
            session, lead, rep.id, previous_rep_id=None, strategy="manual", reason=reason,
            assigned_by=settings.me, now=now,
        )  # fmt: skip
    _rescore(session, lead, now)
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
    _check_changeable(lead)
    before = (lead.email_key, lead.phone_key, fuzzy_key(lead.name, lead.company))
    for key, value in fields.items():
        if value is None:
            continue
        if key not in EDITABLE:
            raise InvalidData(f"unknown lead field: {key}")
        setattr(lead, key, clean_name(value) if key == "name" else clean_field(key, value))
    refresh_keys(lead)
    if not allow_duplicate:
        check_duplicates(
            session,
            email_key=lead.email_key if lead.email_key != before[0] else None,
            phone_key=lead.phone_key if lead.phone_key != before[1] else None,
            exclude=lead.id,
            verb="save",
        )
    warnings = []
    if fuzzy_key(lead.name, lead.company) != before[2]:
        warnings = _similar_warnings(session, lead, exclude=lead.id)
    if owner is not None:
        rep = _owner(session, owner, settings)
        new_owner = rep.id if rep else None
        if new_owner != lead.owner_id:
            record_assignment(
                session, lead, new_owner, previous_rep_id=lead.owner_id, strategy="manual",
                reason="lead edit --owner", assigned_by=settings.me, now=now,
            )  # fmt: skip
            lead.owner_id = new_owner
    if status is not None:
        _set_status(lead, status, reason)
    elif reason is not None:
        raise InvalidData("--reason goes with --status unqualified or --status lost")
    lead.updated_at = now
    _rescore(session, lead, now)
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
    _check_changeable(lead)
    previous = lead.status
    _set_status(lead, status, reason)
    lead.updated_at = now
    _rescore(session, lead, now)
    return previous


def tag(session: Session, lead: Lead, tags: str | Iterable[str], *, now: dt.datetime) -> list[str]:
    """Add tags (folded); returns the lead's tags."""
    from salescli.models import LeadTag

    _check_changeable(lead)
    wanted = parse_tags(tags)
    if not wanted:
        raise InvalidData("tag '' is empty (e.g. salescli lead tag 5 price-objection)")
    existing = set(tags_of(session, lead.id))
    session.add_all(LeadTag(lead_id=lead.id, tag=t) for t in wanted if t not in existing)
    lead.updated_at = now
    _rescore(session, lead, now)
    return sorted(existing | set(wanted))


def untag(
    session: Session, lead: Lead, tags: str | Iterable[str], *, now: dt.datetime
) -> list[str]:
    """Remove tags (absent ones are ignored); returns the lead's tags."""
    import sqlalchemy as sa

    from salescli.models import LeadTag

    _check_changeable(lead)
    unwanted = parse_tags(tags)
    if not unwanted:
        raise InvalidData("tag '' is empty (e.g. salescli lead untag 5 price-objection)")
    session.execute(sa.delete(LeadTag).where(LeadTag.lead_id == lead.id, LeadTag.tag.in_(unwanted)))
    lead.updated_at = now
    _rescore(session, lead, now)
    return tags_of(session, lead.id)


# --- reading ----------------------------------------------------------------------------


def record(session: Session, lead: Lead) -> dict:
    """The lead in the `lead list` JSON shape."""
    from salescli.services import lead_queries

    session.flush()
    return lead_queries.list_leads(session.connection(), ids=[lead.id], limit=0)[0]


def _dicts(session: Session, query: Any) -> list[dict]:
    from salescli.services.lead_queries import utc

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
    return _dicts(session, query)


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
    return _dicts(session, query)


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


# --- delete / duplicates / merge --------------------------------------------------------


def dependants(session: Session, lead_id: int) -> dict[str, int]:
    """How many activities and tasks go with the lead when it is deleted."""
    import sqlalchemy as sa

    from salescli.models import Activity, Task

    count = sa.func.count()
    return {
        "activities": session.execute(
            sa.select(count).where(Activity.lead_id == lead_id)
        ).scalar_one(),
        "tasks": session.execute(sa.select(count).where(Task.lead_id == lead_id)).scalar_one(),
    }


def delete(session: Session, lead: Lead) -> None:
    """Delete the lead with its tags, assignments, activities and tasks (contacts and deals stay)."""
    session.delete(lead)
    session.flush()


def duplicates(session: Session, threshold: int = SIMILAR_THRESHOLD) -> list[dict]:
    """Candidate pairs: same email, same phone, or name + company at least `threshold` alike."""
    import sqlalchemy as sa
    from sqlalchemy.orm import aliased

    from salescli.models import Lead

    if not 0 <= threshold <= 100:
        raise InvalidData(f"threshold '{threshold}' must be between 0 and 100 (e.g. 90)")
    table = Lead.__table__  # type: ignore[attr-defined]
    rows = (
        session.connection()
        .execute(
            sa.select(table.c.id, table.c.name, table.c.company)
            .where(table.c.forgotten.is_(False))
            .order_by(table.c.id)
        )
        .all()
    )
    names = {row.id: row.name for row in rows}
    pairs: dict[tuple[int, int], tuple[str, float]] = {}
    other = aliased(Lead)
    for reason, column in (("email", "email_key"), ("phone", "phone_key")):
        query = (
            sa.select(Lead.id, other.id)
            .join(other, getattr(other, column) == getattr(Lead, column))
            .where(Lead.id < other.id, Lead.forgotten.is_(False), other.forgotten.is_(False))
        )
        for a, b in session.execute(query):
            pairs.setdefault((a, b), (reason, 100.0))
    for a, b, score in _similar_pairs(rows, threshold):
        pairs.setdefault((a, b), ("name", score))
    return [
        {
            "lead_id": a,
            "other_id": b,
            "name": names[a],
            "other_name": names[b],
            "reason": reason,
            "similarity": score,
        }
        for (a, b), (reason, score) in sorted(pairs.items())
    ]


def _similar_pairs(rows: Sequence[Any], threshold: int) -> list[tuple[int, int, float]]:
    """All pairs at or above threshold, compared in chunks with rapidfuzz's parallel cdist."""
    import numpy as np
    from rapidfuzz import fuzz, process

    keys = [fuzzy_key(row.name, row.company) for row in rows]
    ids = [row.id for row in rows]
    found: list[tuple[int, int, float]] = []
    chunk = 1000
    for start in range(0, len(keys), chunk):
        queries = keys[start : start + chunk]
        matrix = process.cdist(
            queries, keys[start:], scorer=fuzz.ratio, score_cutoff=threshold,
            dtype=np.uint8, workers=-1,
        )  # fmt: skip
        for i, j in np.argwhere(matrix):
            a, b = start + int(i), start + int(j)
            if a >= b:
                continue
            score = fuzz.ratio(keys[a], keys[b])
            if score >= threshold:
                found.append((ids[a], ids[b], round(score, 1)))
    return found


def merge(session: Session, keep: Lead, drop: Lead, *, now: dt.datetime) -> dict:
    """Fold DROP into KEEP (blank fields filled, tags united, history re-pointed); DROP goes."""
    import sqlalchemy as sa

    from salescli.models import Activity, Contact, Deal, LeadAssignment, LeadTag, Task

    if keep.id == drop.id:
        raise InvalidData(f"cannot merge lead {keep.id} with itself (give two different ids)")
    for lead in (keep, drop):
        _check_changeable(lead)
    for field in (*EDITABLE, "external_id", "owner_id"):
        if getattr(keep, field) in (None, "") and getattr(drop, field) not in (None, ""):
            setattr(keep, field, getattr(drop, field))
    keep.created_at = min(keep.created_at, drop.created_at)
    contacts = [t for t in (keep.last_contact_at, drop.last_contact_at) if t is not None]
    keep.last_contact_at = max(contacts) if contacts else None
    if drop.status == "converted" and keep.status != "converted":
        keep.status, keep.status_reason = "converted", None
        keep.converted_at = drop.converted_at
    existing = set(tags_of(session, keep.id))
    moved_tags = [t for t in tags_of(session, drop.id) if t not in existing]
    session.add_all(LeadTag(lead_id=keep.id, tag=t) for t in moved_tags)
    moved: dict[str, int] = {}
    for name, model in (
        ("activities", Activity),
        ("assignments", LeadAssignment),
        ("tasks", Task),
        ("contacts", Contact),
        ("deals", Deal),
    ):
        result = session.execute(
            sa.update(model).where(model.lead_id == drop.id).values(lead_id=keep.id)
        )
        moved[name] = result.rowcount
    session.delete(drop)
    session.flush()
    refresh_keys(keep)
    keep.updated_at = now
    _rescore(session, keep, now)
    return {"id": keep.id, "merged_id": drop.id, "tags_added": moved_tags, **moved}


# --- privacy ----------------------------------------------------------------------------


def subject_hash(lead_id: int, email_key: str | None) -> str:
    """What the erasure log keeps: sha256 of "<lead id>:<folded email>"."""
    return hashlib.sha256(f"{lead_id}:{email_key or ''}".encode()).hexdigest()


def forget(session: Session, lead: Lead, *, now: dt.datetime) -> dict:
    """Erase the person's personal data everywhere; keep the anonymous lead (status, dates)."""
    import sqlalchemy as sa

    from salescli.models import Activity, Contact, Deal, Erasure, LeadTag, Task

    if lead.forgotten:
        return {"id": lead.id, "forgotten": True, "already": True}
    name, email, email_key, phone = lead.name, lead.email, lead.email_key, lead.phone
    contact_ids = list(
        session.execute(sa.select(Contact.id).where(Contact.lead_id == lead.id)).scalars()
    )
    for key in ("email", "email_key", "phone", "phone_key", "company", "title", "notes"):
        setattr(lead, key, None)
    lead.external_id = lead.status_reason = None
    lead.name, lead.search_text, lead.forgotten, lead.updated_at = FORGOTTEN, "", True, now
    session.flush()
    session.execute(sa.delete(LeadTag).where(LeadTag.lead_id == lead.id))
    on_person = Activity.lead_id == lead.id
    task_on_person = Task.lead_id == lead.id
    if contact_ids:
        on_person = sa.or_(on_person, Activity.contact_id.in_(contact_ids))
        task_on_person = sa.or_(task_on_person, Task.contact_id.in_(contact_ids))
        session.execute(
            sa.update(Contact)
            .where(Contact.id.in_(contact_ids))
            .values(
                name=FORGOTTEN, email=None, email_key=None, phone=None, title=None,
                external_id=None, search_text="", updated_at=now,
            )
        )  # fmt: skip
    activities_blanked = session.execute(
        sa.update(Activity).where(on_person).values(text="", outcome=None)
    ).rowcount
    session.execute(sa.update(Task).where(task_on_person).values(title=FORGOTTEN))
    session.execute(
        sa.update(Deal)
        .where(Deal.lead_id == lead.id)
        .values(
            title=sa.func.replace(Deal.title, name, FORGOTTEN),
            search_text=sa.func.replace(Deal.search_text, fold(name), FORGOTTEN),
        )
    )
    _sweep(session, [v for v in (email, email_key, phone) if v and len(v) >= 6])
    session.add(Erasure(subject_hash=subject_hash(lead.id, email_key), erased_at=now))
    session.flush()
    return {
        "id": lead.id,
        "forgotten": True,
        "already": False,
        "contacts": len(contact_ids),
        "activities": activities_blanked,
    }


def _sweep(session: Session, needles: Sequence[str]) -> None:
    """Remove any copy of the email/phone left in a text column anywhere (search copies,
    notes, task titles...), whatever its case; a value left blank becomes NULL (or '')."""
    import re

    import sqlalchemy as sa
    from sqlmodel import SQLModel

    if not needles:
        return
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    likes = []
    for needle in dict.fromkeys(n.lower() for n in needles):
        likes.append(
            "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _FORGET_SKIP:
            continue
        keys = list(table.primary_key.columns)
        for column in table.columns:
            if column.primary_key or not is_text(column):
                continue
            # lower() folds ASCII only, which is what an email address or phone number is.
            found = sa.or_(*(sa.func.lower(column).like(like, escape="\\") for like in likes))
            for row in session.execute(sa.select(*keys, column).where(found)).all():
                value = pattern.sub("", row[-1]).strip()
                if not value:
                    value = None if column.nullable else ""
                where = [key == row[i] for i, key in enumerate(keys)]
                session.execute(sa.update(table).where(*where).values({column.name: value}))


def is_text(column: Any) -> bool:
    """A string column (SQLModel's AutoString is a TypeDecorator, not a String)."""
    import sqlalchemy as sa

    kind = getattr(column.type, "impl_instance", column.type)
    return isinstance(kind, sa.String)


def truncate_wal(url: str) -> bool:
    """After a forget on SQLite: copy the WAL into the file and empty it, so the erased values
    survive in neither (deleted cells are already zeroed by secure_delete). False when another
    connection kept the log busy (the values then stay in it until the next checkpoint)."""
    import sqlite3

    from salescli import db

    path = db.sqlite_path(url)
    if path is None:
        return True
    conn = sqlite3.connect(path, timeout=db.busy_timeout(), isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    return busy == 0


def export_person(session: Session, lead: Lead, *, now: dt.datetime) -> dict:
    """Everything held about the person behind a lead, as one JSON document."""
    import sqlalchemy as sa

    from salescli import money
    from salescli.models import Account, Contact, Deal, Stage, Task

    lead_record = show(session, lead)
    contacts = _dicts(
        session,
        sa.select(
            Contact.id, Contact.name, Contact.email, Contact.phone, Contact.title,
            Account.name.label("account"), Contact.account_id, Contact.created_at,
            Contact.updated_at, Contact.last_contact_at,
        )
        .outerjoin(Account, Account.id == Contact.account_id)
        .where(Contact.lead_id == lead.id)
        .order_by(Contact.id),
    )  # fmt: skip
    contact_ids = [c["id"] for c in contacts]
    deals = _dicts(
        session,
        sa.select(
            Deal.id, Deal.title, Account.name.label("account"), Deal.account_id,
            Deal.amount_minor, Deal.currency, Stage.name.label("stage"), Deal.close_date,
            Deal.source, Deal.created_at,
        )
        .outerjoin(Account, Account.id == Deal.account_id)
        .outerjoin(Stage, Stage.id == Deal.stage_id)
        .where(Deal.lead_id == lead.id)
        .order_by(Deal.id),
    )  # fmt: skip
    for deal in deals:
        minor = deal.pop("amount_minor")
        deal["amount"] = money.from_minor(minor, deal["currency"]) if minor is not None else None
    task_where = Task.lead_id == lead.id
    if contact_ids:
        task_where = sa.or_(task_where, Task.contact_id.in_(contact_ids))
    tasks = _dicts(
        session,
        sa.select(Task.id, Task.title, Task.due_at, Task.priority, Task.done_at, Task.created_at)
        .where(task_where)
        .order_by(Task.id),
    )
    return {
        "schema_version": 1,
        "exported_at": now,
        "lead": {k: v for k, v in lead_record.items() if k not in ("assignments", "activities")},
        "tags": lead_record["tags"],
        "assignments": lead_record["assignments"],
        "activities": activities(session, lead_id=lead.id, contact_ids=contact_ids),
        "tasks": tasks,
        "contacts": contacts,
        "deals": deals,
    }
