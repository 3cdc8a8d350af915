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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from salescli.errors import InvalidData
from salescli.services.leads.dedupe_keys import (
    CHUNK,
    SIMILAR_THRESHOLD,
    Progress,
    fuzzy_key,
    probe_keys,
    probe_plan,
    segments_of,
)

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


def full_pairs(
    rows: Sequence[Any], threshold: int, progress: Progress | None = None
) -> list[tuple[int, int, float]]:
    """Every pair (id, id, similarity) at or above threshold, by comparing all pairs (in
    chunks with rapidfuzz's parallel cdist): the reference `blocked_pairs` must equal."""
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
                found.append((min(ids[a], ids[b]), max(ids[a], ids[b]), round(score, 1)))
        if progress is not None:
            progress(min(start + chunk, len(keys)), len(keys))
    return sorted(found)


def blocked_pairs(
    rows: Sequence[Any], threshold: int, progress: Progress | None = None
) -> list[tuple[int, int, float]]:
    """The same pairs as `full_pairs`, comparing only keys that share a segment (see the
    module's docstring).

    Each distinct key is compared once (`_alike_keys`): leads with the same key are alike
    (100) without comparing, and every lead of one key pairs with every lead of an alike
    key; those pairs are listed and sorted in numpy."""
    import numpy as np

    index: dict[str, int] = {}  # distinct key -> its number
    made: dict[tuple[str | None, str | None], int] = {}  # leads often share name and company
    ids: list[int] = []
    of_key: list[int] = []
    for row in rows:
        number = made.get((row.name, row.company))
        if number is None:
            key = fuzzy_key(row.name, row.company)
            number = made[(row.name, row.company)] = index.setdefault(key, len(index))
        ids.append(row.id)
        of_key.append(number)
    del made
    distinct = list(index)
    del index
    by_length = sorted(range(len(distinct)), key=lambda n: len(distinct[n]))
    # the leads of each key, together: members[start[k] : start[k + 1]]
    order = np.argsort(np.array(of_key, dtype=np.int64), kind="stable")
    members = np.array(ids, dtype=np.int64)[order]
    start = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(np.bincount(np.array(of_key, dtype=np.int64), minlength=len(distinct)), out=start[1:])
    del ids, of_key, order
    # leads with the same key: each with the leads after it
    group_end = np.repeat(start[1:], np.diff(start))
    after = group_end - np.arange(len(members)) - 1
    same_a = np.repeat(members, after)
    same_b = members[_expand(np.arange(len(members)) + 1, after)]
    # leads of alike keys: every lead of one with every lead of the other
    alike: list[tuple[int, int, float]] = []
    if len(distinct) > 1:
        alike = _alike_keys([distinct[n] for n in by_length], threshold, progress)
    elif progress is not None:
        progress(1, 1)
    key_q = np.array([by_length[q] for q, _, _ in alike], dtype=np.int64)
    key_o = np.array([by_length[o] for _, o, _ in alike], dtype=np.int64)
    size_q, size_o = start[key_q + 1] - start[key_q], start[key_o + 1] - start[key_o]
    count = size_q * size_o
    at = _expand(np.zeros(len(alike), dtype=np.int64), count)  # 0 .. count - 1 per pair
    a = members[np.repeat(start[key_q], count) + at // np.repeat(size_o, count)]
    b = members[np.repeat(start[key_o], count) + at % np.repeat(size_o, count)]
    first = np.concatenate((np.minimum(same_a, same_b), np.minimum(a, b)))
    second = np.concatenate((np.maximum(same_a, same_b), np.maximum(a, b)))
    score = np.concatenate(
        (np.full(len(same_a), 100.0), np.repeat(np.array([s for _, _, s in alike]), count))
    )
    order = np.lexsort((second, first))
    return list(
        zip(first[order].tolist(), second[order].tolist(), score[order].tolist(), strict=True)
    )


def _expand(begin: Any, count: Any) -> Any:
    """begin[i], begin[i] + 1, ..., begin[i] + count[i] - 1 for each i, one after another."""
    import numpy as np

    total = int(count.sum())
    offsets = np.cumsum(count) - count
    return np.arange(total, dtype=np.int64) + np.repeat(begin - offsets, count)


_BASE = 1_000_003
# Probes hashed and looked up at once (memory: a few times 8 bytes each).
PROBES = 1 << 22
# Signatures: a key's characters counted in 32 buckets (the code point's low 5 bits: the
# letters a-z never share one), each count kept up to 4 in unary (bit 32 * k + b: bucket b
# holds more than k characters), 128 bits in two words.
_BUCKETS = 32
_LEVELS = 4


def _hashes(keys: Sequence[str]) -> Any:
    """Prefix hashes (uint64, wrapping) of equally long keys: h[:, j] hashes key[:j]."""
    import numpy as np

    length = len(keys[0])
    codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.reshape(len(keys), length).astype(np.uint64)
    prefix = np.zeros((len(keys), length + 1), dtype=np.uint64)
    base = np.uint64(_BASE)
    for j in range(length):
        prefix[:, j + 1] = prefix[:, j] * base + codes[:, j] + np.uint64(1)
    return prefix


def _tag(prefix: Any, start: int, end: int, other: int, segment: int) -> Any:
    """Hash of key[start:end] as segment `segment` of a key of length `other`."""
    import numpy as np

    power = np.uint64(pow(_BASE, end - start, 2**64))
    text = prefix[:, end] - prefix[:, start] * power
    salt = np.uint64(((other * 1024 + segment) * 0x9E3779B97F4A7C15 + 1) % 2**64)
    return (text ^ salt) * np.uint64(0xBF58476D1CE4E5B9)


def _starts(values: Any) -> Any:
    """Where each run of equal values starts in a sorted array."""
    import numpy as np

    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))


def _signatures(keys: Sequence[str], lengths: Any) -> tuple[Any, Any]:
    """Two uint64 words per key (see _BUCKETS): the bits two keys' signatures differ in are
    at most the insertions and deletions between the keys.

    Per bucket, the differing unary bits are |min(a, 4) - min(b, 4)| <= |a - b|; the
    buckets' differences add up to at most the characters' (merging counts only cancels);
    and each insertion or deletion changes one character's count by one."""
    import numpy as np

    count = len(keys)
    codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32)
    owner = np.repeat(np.arange(count, dtype=np.int64), lengths)
    bucket = owner * _BUCKETS + (codes & (_BUCKETS - 1))
    counts = np.bincount(bucket, minlength=count * _BUCKETS).reshape(count, 1, _BUCKETS)
    unary = counts > np.arange(_LEVELS).reshape(1, _LEVELS, 1)
    bits = np.packbits(unary.reshape(count, _LEVELS * _BUCKETS), axis=1, bitorder="little")
    words = bits.view(np.uint64)
    return words[:, 0].copy(), words[:, 1].copy()


class _Table:
    """The sorted distinct tags, found by their top bits (about one tag per bucket) instead
    of a binary search: most probes miss at a bitmap of the buckets in use (small enough to
    stay in the cache), and a hit checks a tag or two."""

    def __init__(self, unique: Any) -> None:
        import numpy as np

        self.unique = unique
        bits = max(int(len(unique)).bit_length(), 1)
        self.shift = np.uint64(64 - bits)
        per = np.bincount((unique >> self.shift).astype(np.int64), minlength=1 << bits)
        self.occupied = per > 0
        self.start = np.zeros(1 << bits, dtype=np.int64)
        np.cumsum(per[:-1], out=self.start[1:])
        self.per = per

    def find(self, probe: Any) -> tuple[Any, Any]:
        """(positions in `probe`, their tags' indexes) of the probes that are tags."""
        import numpy as np

        top = (probe >> self.shift).astype(np.int64)
        pos = np.flatnonzero(self.occupied[top])
        top = top[pos]
        at, left = self.start[top], self.per[top]
        found_pos, found_at = [], []
        while len(pos):
            value = self.unique[at]
            wanted = probe[pos]
            hit = value == wanted
            found_pos.append(pos[hit])
            found_at.append(at[hit])
            more = (left > 1) & (value < wanted)  # sorted: a larger tag ends the search
            pos, at, left = pos[more], at[more] + 1, left[more] - 1
        if not found_pos:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(found_pos), np.concatenate(found_at)


def _alike_keys(
    keys: Sequence[str], threshold: int, progress: Progress | None = None
) -> list[tuple[int, int, float]]:
    """(q, o, similarity) for the distinct keys (sorted by length) at least `threshold` alike,
    o < q: the pairs Pass-Join's segments find, each scored once.

    Candidates are (segment block, probing key); a key's partners in a block are the block's
    owners before it (keys probe their own length and shorter ones only). The pairs are
    walked in numpy without being listed: step k compares every key with its k-th partner
    (keys ordered by their number of partners, so those with more than k are a prefix). A
    pair goes on only if the keys' signatures differ in no more bits than the edits allowed
    (`_signatures`; the first word alone turns most away, the second is read for the rest);
    the survivors, a few in a thousand, are scored with rapidfuzz's `cpdist` (C, every
    core)."""
    import numpy as np
    from rapidfuzz import fuzz, process

    count = len(keys)
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=count)
    bounds = np.flatnonzero(np.diff(lengths)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [count]))
    prefixes = {}
    tags, owners = [], []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        length = int(lengths[lo])
        prefix = prefixes[length] = _hashes(keys[lo:hi])
        positions = np.arange(lo, hi, dtype=np.int64)
        for i, (s, size) in enumerate(segments_of(length, threshold)):
            tags.append(_tag(prefix, s, s + size, length, i))
            owners.append(positions)
    empty = np.zeros(0, dtype=np.int64)
    tag = np.concatenate([np.zeros(0, dtype=np.uint64), *tags])
    owner = np.concatenate([empty, *owners])
    order = np.argsort(tag, kind="stable")
    tag, owner = tag[order], owner[order]  # owners ascending within a tag
    first = _starts(tag)
    unique = tag[first]
    sizes = np.diff(np.append(first, len(tag)))
    table = _Table(unique)
    # probes: block (index into unique) * count + probing key, looked up a few million at
    # a time (the plan entries of one key length together)
    codes = [empty]
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        length = int(lengths[lo])
        prefix = prefixes.pop(length)
        plan = probe_plan(length, threshold, False)
        batch = max(1, PROBES // (hi - lo))
        for at_plan in range(0, len(plan), batch):
            entries = plan[at_plan : at_plan + batch]
            probe = np.concatenate([_tag(prefix, s, e, n, i) for n, i, s, e in entries])
            pos, at = table.find(probe)
            codes.append(at * count + lo + pos % (hi - lo))
    del prefixes, table, tag, order
    code = np.sort(np.concatenate(codes))
    code = code[_starts(code)]  # a key probing one block twice: once is enough
    block, query = code // count, code % count
    # partners: the block's owners before the key (all of them when it is longer)
    entry = np.repeat(np.arange(len(unique), dtype=np.int64), sizes) * count + owner
    partners = np.searchsorted(entry, code) - first[block]
    del entry, code
    kept = np.flatnonzero(partners)
    query, partners, base = query[kept], partners[kept], first[block[kept]]
    # most partners first (a radix sort when the counts fit 16 bits)
    most_first = partners.max(initial=0) - partners
    if len(most_first) and most_first.max() < 1 << 16:
        most_first = most_first.astype(np.uint16)
    order = np.argsort(most_first, kind="stable")
    del most_first
    query, partners, base = query[order], partners[order], base[order]
    sig0, sig1 = _signatures(keys, lengths)
    owner_sig0, owner_sig1 = sig0[owner], sig1[owner]
    q0, q1 = sig0[query], sig1[query]
    most = (100 - threshold) * (lengths[query] + lengths[owner[base]]) // 100
    most = np.minimum(most, 2 * 64).astype(np.uint8)  # _edits; 128 bits differ at most
    total = int(partners.sum())
    # active[k]: the keys with more than k partners. A block's owners of the same length
    # probe it too (its k-th owner has k partners there), which keeps most steps busy; where
    # few keys are left for many steps (a crowded block that only longer keys probe), each
    # of those compares its remaining partners in one slice.
    longest = int(partners[0]) if len(partners) else 0
    active = np.searchsorted(-partners, -np.arange(1, longest + 1), "right")
    few = np.flatnonzero(active * 2 < longest - np.arange(longest))
    steps = int(few[0]) if len(few) else longest
    found_q, found_o = [empty], [empty]
    done = 0
    for step, m in enumerate(active[:steps].tolist()):
        at = base[:m] + step
        differ = np.bitwise_count(owner_sig0[at] ^ q0[:m])
        maybe = np.flatnonzero(differ <= most[:m])  # the first word turns most away
        at = at[maybe]
        differ = differ[maybe] + np.bitwise_count(owner_sig1[at] ^ q1[maybe])
        alike = differ <= most[maybe]
        found_q.append(query[maybe[alike]])
        found_o.append(at[alike])
        done += m
        if progress is not None and step % 64 == 63:
            progress(done, total)
    for n in range(int(active[steps]) if steps < longest else 0):
        part = slice(int(base[n]) + steps, int(base[n] + partners[n]))
        differ = np.bitwise_count(owner_sig0[part] ^ q0[n])
        differ += np.bitwise_count(owner_sig1[part] ^ q1[n])
        alike = np.flatnonzero(differ <= most[n]) + part.start
        found_q.append(np.full(len(alike), query[n]))
        found_o.append(alike)
        done += part.stop - part.start
        if progress is not None and n % 64 == 63:
            progress(done, total)
    del owner_sig0, owner_sig1, q0, q1, base, most, query, partners
    pairs = np.concatenate(found_q) * count + owner[np.concatenate(found_o)]
    pairs = np.sort(pairs)
    pairs = pairs[_starts(pairs)]
    strings = np.array(keys, dtype=object)
    alike_pairs = [empty]
    chunk = 200_000
    for start in range(0, len(pairs), chunk):
        part_pairs = pairs[start : start + chunk]
        scores = process.cpdist(
            strings[part_pairs // count], strings[part_pairs % count], scorer=fuzz.ratio,
            score_cutoff=threshold, dtype=np.uint8, workers=-1,
        )  # fmt: skip
        alike_pairs.append(part_pairs[np.flatnonzero(scores)])
    if progress is not None:
        progress(total, total)
    found = []
    for pair in np.concatenate(alike_pairs).tolist():
        q, o = divmod(pair, count)
        score = fuzz.ratio(keys[q], keys[o])
        if score >= threshold:
            found.append((q, o, round(score, 1)))
    return found
