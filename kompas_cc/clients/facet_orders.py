"""Client ids kept in one sort order, and each client's place in it.

An order is built once (by numpy for numeric keys, by Python's sort for names) and then
patched: changed clients are taken out and put back where their new key belongs, found by
binary search. Ties are broken by id, so every order is total.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from kompas_cc.clients.name_keys import NameKeys

Mask = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.int64]
#: A sort key source: the name keys by id, or a function giving every id's numeric key.
KeySource = NameKeys | Callable[[], npt.NDArray[Any]]

#: Beyond this many changed clients at once an order is rebuilt rather than patched.
PATCH_LIMIT = 20_000
FIRST_CHUNK = 2048
MAX_CHUNK = 65_536


def name_sort_key(name: str) -> bytes:
    """How names sort: case-insensitively, with Ё beside Е, as a Russian reader expects."""
    return name.casefold().replace("ё", "е").encode()


class SortOrder:
    def __init__(self, column: str, source: KeySource, ids: Ids, capacity: int) -> None:
        self.column = column
        self._source = source
        # 32-bit ids and ranks: half the memory, and client ids stay far below 2**31.
        self.ids: npt.NDArray[np.int32] = ids.astype(np.int32)
        self.rank: npt.NDArray[np.int32] = np.full(capacity, -1, np.int32)
        self.rank[ids] = np.arange(len(ids), dtype=np.int32)

    @classmethod
    def build(cls, column: str, source: KeySource, present: Mask) -> SortOrder:
        return cls(column, source, _sorted_ids(source, np.flatnonzero(present)), len(present))

    def grow(self, capacity: int) -> None:
        extra = capacity - len(self.rank)
        if extra > 0:
            self.rank = np.concatenate([self.rank, np.full(extra, -1, np.int32)])

    # -- patching -----------------------------------------------------------------------

    def replace(self, changed: Ids, present: Mask) -> None:
        """Put these clients where their current keys belong (out, if no longer present)."""
        if len(changed) == 0:
            return
        if len(changed) > PATCH_LIMIT:
            fresh = SortOrder.build(self.column, self._source, present)
            self.ids, self.rank = fresh.ids, fresh.rank
            return
        positions = self.rank[changed]
        leaving = positions[positions >= 0]
        self.ids = np.delete(self.ids, leaving)
        self.rank[changed] = -1
        # Only the ranks between the first and the last place that moved change; past the
        # last one too when clients came or went.
        low = int(leaving.min()) if len(leaving) else len(self.ids)
        high = int(leaving.max()) + 1 if len(leaving) else 0
        coming = changed[present[changed]]
        if len(coming):
            coming = _sorted_ids(self._source, coming)
            places = self._places(coming)
            self.ids = np.insert(self.ids, places, coming)
            low = min(low, int(places.min()))
            high = max(high, int(places.max()) + len(coming))
        if len(coming) != len(leaving):
            high = len(self.ids)
        self.rank[self.ids[low:high]] = np.arange(low, high, dtype=np.int32)

    def _places(self, coming: Ids) -> npt.NDArray[np.int64]:
        """Where each (sorted) newcomer goes among the current ids: a binary search that
        reads only the keys it compares."""
        source = self._source
        if isinstance(source, NameKeys):
            names = source
            return np.array(
                [
                    bisect.bisect_left(self.ids, (names[cid], cid), key=lambda j: (names[j], j))
                    for cid in coming.tolist()
                ],
                np.int64,
            )
        values = source()
        return np.array(
            [
                bisect.bisect_left(self.ids, (values[cid], cid), key=lambda j: (values[j], j))
                for cid in coming.tolist()
            ],
            np.int64,
        )

    # -- reading ------------------------------------------------------------------------

    def first(self, mask: Mask, desc: bool, wanted: int, total: int, walk_limit: int) -> Ids:
        """The first `wanted` ids of this order (reversed when `desc`) that `mask` admits.

        With many matches, walking the order finds them after a short stretch; with few,
        the matches are gathered and ranked instead (the walk would pass most clients).
        """
        count = len(self.ids)
        if count == 0 or wanted <= 0:
            return np.zeros(0, np.int64)
        sequence = self.ids[::-1] if desc else self.ids
        if wanted * count / max(total, 1) <= walk_limit:
            found: list[Ids] = []
            got, start, chunk = 0, 0, FIRST_CHUNK
            while got < wanted and start < count:
                part = sequence[start : start + chunk]
                hits = part[mask[part]]
                found.append(hits.astype(np.int64))
                got += len(hits)
                start += chunk
                chunk = min(chunk * 2, MAX_CHUNK)
            walked: Ids = np.concatenate(found)[:wanted]
            return walked
        matched = np.flatnonzero(mask)
        ranks = self.rank[matched]
        if desc:
            ranks = -ranks
        if wanted < len(matched):
            nearest = np.argpartition(ranks, wanted - 1)[:wanted]
            matched, ranks = matched[nearest], ranks[nearest]
        return matched[np.argsort(ranks, kind="stable")]

    def keys_of(self, ids: Ids) -> list[Any]:
        source = self._source
        if isinstance(source, NameKeys):
            return [source[i] for i in ids.tolist()]
        return list(source()[ids].tolist())

    def key_function(self) -> Callable[[int], Any]:
        source = self._source
        if isinstance(source, NameKeys):
            return source.__getitem__
        values = source()
        return lambda cid: values[cid]

    def equal_mask(self, client_id: int) -> Mask:
        """Every client whose key equals this client's."""
        source = self._source
        if not isinstance(source, NameKeys):
            vector = source()
            result: Mask = vector == vector[client_id]
            return result
        mask = np.zeros(len(self.rank), np.bool_)
        key = source[client_id]
        position = int(self.rank[client_id])
        low = position
        while low > 0 and source[int(self.ids[low - 1])] == key:
            low -= 1
        high = position + 1
        while high < len(self.ids) and source[int(self.ids[high])] == key:
            high += 1
        mask[self.ids[low:high]] = True
        return mask


def _sorted_ids(source: KeySource, ids: Ids) -> Ids:
    """`ids` (ascending) sorted by key, ties keeping id order."""
    if isinstance(source, NameKeys):
        return np.array(sorted(ids.tolist(), key=source.__getitem__), np.int64)
    keys = source()[ids]
    return ids[np.lexsort((ids, keys))]
