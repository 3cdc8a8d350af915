"""The blocking keys of near-identical leads (see services.leads.dedupe for the method).

`fuzzy_key` is what two leads' similarity is measured on: folded, word-sorted "name company".
A key of length L is cut into fixed segments (`segments_of`); `probe_plan` lists where a key
may hold a segment of an alike key (Pass-Join's multi-match-aware window). The `leadkey`
table holds every lead's segments (`segment_keys`), kept by every writer through
`refresh_keys`/`add_keys`, and `probe_keys` are what a look-up searches it for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from salescli.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


SIMILAR_THRESHOLD = 90


# A key whose look-up would need more segment probes than this (a name + company of some
# hundred characters) is compared with every lead instead.
MAX_PROBES = 20_000


# Rows per statement when keys are written or looked up (well under SQLite's bind limit).
CHUNK = 500


Progress = Callable[[int, int], None]


def fuzzy_key(name: str | None, company: str | None) -> str:
    """Folded name + company with sorted words: ratio() on it is token_sort_ratio."""
    return " ".join(sorted(fold(f"{name or ''} {company or ''}").split()))


# --- segments -----------------------------------------------------------------------------


def _edits(a: int, b: int, threshold: int) -> int:
    """The most insertions + deletions between keys of lengths a and b that still leave them
    `threshold` % alike (ratio >= threshold)."""
    return (100 - threshold) * (a + b) // 100


@functools.cache
def segments_of(length: int, threshold: int) -> tuple[tuple[int, int], ...]:
    """(start, length) of the segments of a key of this length: one more than the most edits
    between it and any key `threshold` % alike (longer partners allow more edits)."""
    most, other = 0, length
    while other - length <= _edits(length, other, threshold):
        most = _edits(length, other, threshold)
        other += 1
    count = most + 1
    base, extra = divmod(length, count)
    segments = []
    start = 0
    for i in range(count):
        size = base + (1 if i >= count - extra else 0)
        segments.append((start, size))
        start += size
    return tuple(segments)


@functools.cache
def probe_plan(length: int, threshold: int, longer: bool) -> tuple[tuple[int, int, int, int], ...]:
    """Where a key of this length may hold a segment of a key `threshold` % alike:
    (other key's length, segment number, start, end) in this key. Shorter (and equal) other
    lengths only, unless `longer`.

    Pass-Join's multi-match-aware window: with `d` edits allowed and more than `d` segments,
    some segment i is unchanged with exactly i edits before it and at most d - i after, so it
    sits in this key shifted by at most i, and the shift differs from the length difference
    by at most d - i; only segments 0..d need probing.
    """
    found = []
    lengths: list[int] = []
    other = length
    while length - other <= _edits(other, length, threshold) and other >= 0:
        lengths.append(other)
        other -= 1
    if longer:
        other = length + 1
        while other - length <= _edits(other, length, threshold):
            lengths.append(other)
            other += 1
    for other in sorted(lengths):
        d = _edits(other, length, threshold)
        delta = length - other
        for i, (start, size) in enumerate(segments_of(other, threshold)[: d + 1]):
            low = max(-i, delta - (d - i))
            high = min(i, delta + (d - i))
            for s in range(max(start + low, 0), min(start + high, length - size) + 1):
                found.append((other, i, s, s + size))
    return tuple(found)


def segment_keys(name: str | None, company: str | None) -> list[str]:
    """The `leadkey` rows of a lead: `length:segment:text` for each segment of its key."""
    key = fuzzy_key(name, company)
    n = len(key)
    return [
        f"{n}:{i}:{key[s : s + size]}"
        for i, (s, size) in enumerate(segments_of(n, SIMILAR_THRESHOLD))
    ]


def probe_keys(key: str, threshold: int) -> list[str] | None:
    """The `leadkey` values that any lead `threshold` % alike to `key` has one of (None when
    there are more than MAX_PROBES: the caller compares with every lead)."""
    plan = probe_plan(len(key), threshold, True)
    if len(plan) > MAX_PROBES:
        return None
    return sorted({f"{n}:{i}:{key[s:e]}" for n, i, s, e in plan})


# --- the leadkey table ----------------------------------------------------------------------


def add_keys(conn: Connection, leads: Iterable[tuple[int, str | None, str | None]]) -> None:
    """Write the `leadkey` rows of new leads given as (id, name, company) (import, demo).

    Rows left behind for these ids (leads deleted with foreign keys off, ids reused) are
    replaced."""
    import sqlalchemy as sa

    from salescli.tables import LEADKEY

    def write(ids: list[int], rows: list[dict[str, Any]]) -> None:
        conn.execute(sa.delete(LEADKEY).where(LEADKEY.c.lead_id.in_(ids)))
        if rows:
            conn.execute(sa.insert(LEADKEY), rows)

    ids: list[int] = []
    rows: list[dict[str, Any]] = []
    for lead_id, name, company in leads:
        ids.append(lead_id)
        rows.extend({"lead_id": lead_id, "key": key} for key in segment_keys(name, company))
        if len(ids) >= CHUNK:
            write(ids, rows)
            ids, rows = [], []
    if ids:
        write(ids, rows)


def refresh_keys(conn: Connection, ids: Iterable[int]) -> None:
    """Rewrite the `leadkey` rows of these leads from their name and company; a forgotten
    lead has none. Every writer of a lead's name or company calls it (or `add_keys`)."""
    import sqlalchemy as sa

    from salescli.tables import LEAD, LEADKEY

    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        conn.execute(sa.delete(LEADKEY).where(LEADKEY.c.lead_id.in_(part)))  # forgotten too
        query = sa.select(LEAD.c.id, LEAD.c.name, LEAD.c.company).where(
            LEAD.c.id.in_(part), LEAD.c.forgotten.is_(False)
        )
        add_keys(conn, conn.execute(query.order_by(LEAD.c.id)).all())


def refresh_all_keys(conn: Connection, progress: Progress | None = None) -> int:
    """Rebuild the whole `leadkey` table (migration 0006, demo); returns the leads keyed."""
    import sqlalchemy as sa

    from salescli.tables import LEAD, LEADKEY

    conn.execute(sa.delete(LEADKEY))
    total = conn.execute(
        sa.select(sa.func.count()).select_from(LEAD).where(LEAD.c.forgotten.is_(False))
    ).scalar_one()
    done, last = 0, 0
    query = sa.select(LEAD.c.id, LEAD.c.name, LEAD.c.company).where(LEAD.c.forgotten.is_(False))
    while True:
        part = conn.execute(
            query.where(LEAD.c.id > last).order_by(LEAD.c.id).limit(10 * CHUNK)
        ).all()
        if not part:
            return done
        add_keys(conn, part)
        done += len(part)
        last = part[-1][0]
        if progress is not None:
            progress(done, total)
