"""The rows list pages show (ClientBrief), by client id, kept until the client changes.

A page of fifty clients read from the database was a third of a list's cost (on PostgreSQL a
round trip, too); managers page through the same lists again and again, and many operators
look at the same clients. The list index's keeper (clients.facet_store) tells this cache of
every change it learns of, so a cached row is dropped exactly when the index re-reads its
client: at once for this process's changes, within the catch-up interval for other
processes'. A status or a user renamed clears the whole cache.

A row read from the database while a change was being announced could be older than the
change: rows read before the latest `forget` or `clear` are not kept (see `generation`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from kompas_cc.clients.schemas import ClientBrief

#: About 300 bytes a row: 200,000 rows are some 60 MB.
CAPACITY = 200_000


class BriefCache:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._rows: OrderedDict[int, ClientBrief] = OrderedDict()
        self._generation = 0

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def generation(self) -> int:
        """Moves on every forget and clear: take it before reading rows, give it to `keep`."""
        return self._generation

    def found(self, ids: Iterable[int]) -> dict[int, ClientBrief]:
        rows = self._rows
        hits = {}
        for cid in ids:
            brief = rows.get(cid)
            if brief is not None:
                rows.move_to_end(cid)
                hits[cid] = brief
        return hits

    def keep(self, briefs: Sequence[ClientBrief], generation: int) -> None:
        """Remember rows read when the cache was at `generation`, unless it has moved on."""
        if generation != self._generation:
            return
        rows = self._rows
        for brief in briefs:
            rows[brief.id] = brief
        while len(rows) > self._capacity:
            rows.popitem(last=False)

    def forget(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        self._generation += 1
        for cid in ids:
            self._rows.pop(cid, None)

    def clear(self) -> None:
        self._generation += 1
        self._rows.clear()
