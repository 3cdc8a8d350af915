"""Duplicate leads: the checks `lead add`/`lead edit` run (same email or phone, near-identical
name + company), `lead import`'s warning and the `lead duplicates` pair search (the keys and
the `leadkey` table: leads.dedupe_keys; `lead merge`: leads.merge).

Near-identical means `fuzz.ratio` of the two folded, word-sorted "name company" keys
(`fuzzy_key`) is at least the threshold: ratio = 100 * (1 - edits / (len(a) + len(b))),
edits being the insertions and deletions that turn one key into the other. Nothing compares
every pair. Both searches block with segments (the pigeonhole filter of Pass-Join, Li et al.,
VLDB 2011), a filter that provably keeps every pair at or above the threshold:

- a key of length L is cut into `most_edits(L) + 1` fixed segments, `most_edits(L)` being
  the most edits any key can be from it and still be alike. Two alike keys differ by fewer
  edits than there are segments, so one segment of either key is found unchanged in the
  other, shifted by no more than the edits before it (`dedupe_keys.probe_plan` lists
  where to look);
- `lead duplicates` compares each distinct key once (leads with the same key are 100 %
  alike without comparing): it hashes every key's segments and probes in bulk (numpy),
  walks the pairs that share a segment in numpy behind a character-count signature filter
  (a lower bound of the edits) and scores the few survivors with rapidfuzz in C
  (`blocked_pairs`, `_alike_keys`);
- `lead add`/`lead edit` look the segments up in the `leadkey` table (one row per segment
  and lead, kept by every writer through `refresh_keys`/`add_keys`) for threshold 90.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData
from salescli.services.leads.dedupe_keys import (
    CHUNK,
    SIMILAR_THRESHOLD,
    Progress,
    fuzzy_key,
    probe_keys,
)
from salescli.services.leads.dedupe_pairs import blocked_pairs, full_pairs

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# Below this threshold segments get so short that blocking saves nothing: compare all pairs.
BLOCKING_MIN = 80


def check_duplicates(
    conn: Connection,
    *,
    email_key: str | None,
    phone_key: str | None,
    exclude: int | None = None,
    verb: str = "add",
) -> None:
    """Refuse (exit 1) an email or phone that another lead (not forgotten) already has."""
    import sqlalchemy as sa

    from salescli.tables import LEAD

    for field, key, column in (
        ("email", email_key, LEAD.c.email_key),
        ("phone", phone_key, LEAD.c.phone_key),
    ):
        if key is None:
            continue
        query = sa.select(LEAD.c.id, LEAD.c[field]).where(
            column == key, LEAD.c.forgotten.is_(False)
        )
        if exclude is not None:
            query = query.where(LEAD.c.id != exclude)
        other = conn.execute(query.order_by(LEAD.c.id).limit(1)).first()
        if other is not None:
            raise InvalidData(
                f"lead {other[0]} already has {field} {other[1]}; "
                f"use --allow-duplicate to {verb} anyway"
            )


# --- lead add / lead edit -----------------------------------------------------------------------


def similar(
    conn: Connection,
    name: str,
    company: str | None,
    exclude: int | None = None,
    *,
    threshold: int = SIMILAR_THRESHOLD,
) -> list[tuple[int, float]]:
    """Leads (not forgotten) whose name + company is near-identical: [(id, similarity)], the
    five most alike. Looked up through `leadkey` (threshold >= SIMILAR_THRESHOLD)."""
    import sqlalchemy as sa
    from rapidfuzz import fuzz, process

    from salescli.tables import LEAD, LEADKEY

    key = fuzzy_key(name, company)
    probes = probe_keys(key, threshold) if threshold >= SIMILAR_THRESHOLD else None
    alive: list[Any] = [LEAD.c.forgotten.is_(False)]
    if exclude is not None:
        alive.append(LEAD.c.id != exclude)
    columns = (LEAD.c.id, LEAD.c.name, LEAD.c.company)
    if probes is None:
        found = conn.execute(sa.select(*columns).where(*alive)).all()
    else:
        ids: set[int] = set()
        for start in range(0, len(probes), CHUNK):
            lookup = sa.select(LEADKEY.c.lead_id).where(
                LEADKEY.c.key.in_(probes[start : start + CHUNK])
            )
            ids.update(conn.execute(lookup).scalars())
        found = []
        wanted = sorted(ids)
        for start in range(0, len(wanted), CHUNK):
            query = sa.select(*columns).where(LEAD.c.id.in_(wanted[start : start + CHUNK]), *alive)
            found.extend(conn.execute(query).all())
    choices = {row[0]: fuzzy_key(row[1], row[2]) for row in sorted(found)}
    hits = process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=5)
    return sorted((lead_id, round(score, 1)) for _, score, lead_id in hits)


def similar_warnings(
    conn: Connection, lead: Mapping[str, Any], exclude: int | None = None
) -> list[str]:
    """`lead add`/`lead edit`'s warning lines about near-identical leads (`lead`: a mapping
    with name and company)."""
    return [
        f"lead {other_id} has a near-identical name and company ({similarity:g}% alike)"
        for other_id, similarity in similar(conn, lead["name"], lead.get("company"), exclude)
    ]


# --- lead import ------------------------------------------------------------------------------

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


# --- lead duplicates ----------------------------------------------------------------------------


def duplicates(
    conn: Connection, threshold: int = SIMILAR_THRESHOLD, progress: Progress | None = None
) -> list[dict]:
    """Candidate pairs: same email, same phone, or name + company at least `threshold` alike,
    one dict each (`duplicate_pairs` gives them without a dict per pair).

    `progress(done, total)` is called as the name comparison advances."""
    pairs, names = duplicate_pairs(conn, threshold, progress)
    return [
        {
            "lead_id": a,
            "other_id": b,
            "name": names[a],
            "other_name": names[b],
            "reason": reason,
            "similarity": score,
        }
        for a, b, reason, score in pairs
    ]


def duplicate_pairs(
    conn: Connection, threshold: int = SIMILAR_THRESHOLD, progress: Progress | None = None
) -> tuple[list[tuple[int, int, str, float]], dict[int, str]]:
    """The pairs of `duplicates` as (lead id, other id, reason, similarity), sorted, and
    the names of the leads (id -> name)."""
    import sqlalchemy as sa

    from salescli.tables import LEAD

    if not 0 <= threshold <= 100:
        raise InvalidData(f"threshold '{threshold}' must be between 0 and 100 (e.g. 90)")
    alive = LEAD.c.forgotten.is_(False)
    rows = conn.execute(
        sa.select(LEAD.c.id, LEAD.c.name, LEAD.c.company).where(alive).order_by(LEAD.c.id)
    ).all()
    names = {row.id: row.name for row in rows}
    pairs: dict[tuple[int, int], tuple[str, float]] = {}  # same email or phone: few
    other = LEAD.alias("other")
    for reason in ("email_key", "phone_key"):
        query = (
            sa.select(LEAD.c.id, other.c.id)
            .join(other, other.c[reason] == LEAD.c[reason])
            .where(LEAD.c.id < other.c.id, alive, other.c.forgotten.is_(False))
        )
        for a, b in conn.execute(query):
            pairs.setdefault((a, b), (reason.removesuffix("_key"), 100.0))
    similar_pairs = blocked_pairs if threshold >= BLOCKING_MIN else full_pairs
    found = similar_pairs(rows, threshold, progress)  # sorted
    if not pairs:
        return [(a, b, "name", score) for a, b, score in found], names
    named = [(a, b, "name", score) for a, b, score in found if (a, b) not in pairs]
    named.extend((a, b, reason, score) for (a, b), (reason, score) in pairs.items())
    named.sort()
    return named, names
