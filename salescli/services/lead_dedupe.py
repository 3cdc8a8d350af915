"""Duplicate leads: the checks `lead add`/`lead edit` run (same email or phone, near-identical
name + company), the `lead duplicates` pair search, and `lead merge`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData
from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from salescli.models import Lead

SIMILAR_THRESHOLD = 90


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


def similar_warnings(session: Session, lead: Lead, exclude: int | None = None) -> list[str]:
    return [
        f"lead {other_id} has a near-identical name and company ({similarity:g}% alike)"
        for other_id, similarity in similar(session, lead.name, lead.company, exclude=exclude)
    ]


# An import compares its new leads with every lead (rapidfuzz cdist); past this many
# comparisons it says to run `lead duplicates` instead of making the import slow.
IMPORT_COMPARISONS = 20_000_000
IMPORT_PAIRS_SHOWN = 10


def import_warnings(
    conn: Connection, batch_id: int, threshold: int = SIMILAR_THRESHOLD
) -> list[str]:
    """`lead import`'s version of `lead add`'s warning: the leads of import `batch_id` whose
    name + company is near-identical to another lead's (of the file or already there), as
    one line listing the pairs (the first IMPORT_PAIRS_SHOWN)."""
    import numpy as np
    import sqlalchemy as sa
    from rapidfuzz import fuzz, process

    from salescli.tables import LEAD

    alive = LEAD.c.forgotten.is_(False)
    count = sa.select(sa.func.count()).select_from(LEAD).where(alive)
    total = conn.execute(count).scalar_one()
    added = conn.execute(count.where(LEAD.c.import_batch_id == batch_id)).scalar_one()
    if not added:
        return []
    if added * total > IMPORT_COMPARISONS:
        return [
            f"{added} leads imported into {total}: the near-identical name + company check "
            "was skipped for an import this large (run: salescli lead duplicates)"
        ]
    query = (
        sa.select(LEAD.c.id, LEAD.c.name, LEAD.c.company, LEAD.c.import_batch_id)
        .where(alive)
        .order_by(LEAD.c.id)
    )
    rows = conn.execute(query).all()
    keys = [fuzzy_key(row.name, row.company) for row in rows]
    ids = [row.id for row in rows]
    new = [i for i, row in enumerate(rows) if row.import_batch_id == batch_id]
    fresh = set(new)
    pairs: list[tuple[int, int, float]] = []
    chunk = 1000
    for start in range(0, len(new), chunk):
        part = new[start : start + chunk]
        matrix = process.cdist(
            [keys[i] for i in part], keys, scorer=fuzz.ratio, score_cutoff=threshold,
            dtype=np.uint8, workers=-1,
        )  # fmt: skip
        for i, j in np.argwhere(matrix):
            a, b = part[int(i)], int(j)
            if a == b or (b in fresh and b < a):
                continue  # itself, or a pair of two new leads already seen the other way
            score = fuzz.ratio(keys[a], keys[b])
            if score >= threshold:
                first, second = sorted((ids[a], ids[b]))
                pairs.append((second, first, round(score, 1)))
    if not pairs:
        return []
    pairs.sort()
    shown = ", ".join(
        f"lead {a} ~ lead {b} ({s:g}% alike)" for a, b, s in pairs[:IMPORT_PAIRS_SHOWN]
    )
    more = len(pairs) - IMPORT_PAIRS_SHOWN
    rest = f" and {more} more" if more > 0 else ""
    noun = "pair" if len(pairs) == 1 else "pairs"
    return [
        f"{len(pairs)} {noun} of leads with a near-identical name and company: {shown}{rest} "
        "(see: salescli lead duplicates; merge: salescli lead merge)"
    ]


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
    from salescli.services.leads import EDITABLE, check_changeable, refresh_keys, tag_rows, touch

    if keep.id == drop.id:
        raise InvalidData(f"cannot merge lead {keep.id} with itself (give two different ids)")
    for lead in (keep, drop):
        check_changeable(lead)
    for field in (*EDITABLE, "external_id", "owner_id"):
        if getattr(keep, field) in (None, "") and getattr(drop, field) not in (None, ""):
            setattr(keep, field, getattr(drop, field))
    keep.created_at = min(keep.created_at, drop.created_at)
    contacts = [t for t in (keep.last_contact_at, drop.last_contact_at) if t is not None]
    keep.last_contact_at = max(contacts) if contacts else None
    # KEEP's status (and its reason and conversion) is KEEP's: only empty fields are filled.
    existing = dict(tag_rows(session, keep.id))
    moved_tags = [(t, label) for t, label in tag_rows(session, drop.id) if t not in existing]
    session.add_all(LeadTag(lead_id=keep.id, tag=t, label=label) for t, label in moved_tags)
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
    touch(session, keep, now)
    return {"id": keep.id, "merged_id": drop.id, "tags_added": moved_tags, **moved}
