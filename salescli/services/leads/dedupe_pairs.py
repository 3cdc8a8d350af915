"""The pair search of `lead duplicates` (leads.dedupe holds the command's frame and the
checks of `lead add`/`lead edit`/`lead import`): `blocked_pairs` compares only keys that share
a Pass-Join segment (leads.dedupe's docstring says why no pair is lost), `full_pairs` compares
every pair and is the reference the tests hold `blocked_pairs` to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from salescli.services.leads.dedupe_keys import Progress, fuzzy_key, probe_plan, segments_of


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
