"""An in-memory index of what client lists filter and sort by, so a list needs no SQL scan.

A list filtered by two classifier nodes and sorted by a column makes a database walk a sort
index and probe the placements of each client it passes; with a million clients a rare
combination or a deep page costs hundreds of milliseconds. Here every client is a slot in a
few numpy columns (present, archived, kind, status, manager, timestamps, INN), every
classifier node a sorted array of its clients, and every sort order an array of client ids
kept in order (clients.facet_orders). A list is an AND of boolean masks and a walk along one
order; its total is exact and free.

The index keeps no text but the sort keys of names: what a page shows is read from the
database by id. clients.facet_store keeps it equal to the database.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from kompas_cc.clients.facet_orders import SortOrder, name_sort_key

Mask = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.int64]

#: Kinds in the order a "kind" sort puts them (alphabetical by code, as the database did).
KIND_CODES = {"individual": 0, "legal": 1}
#: INNs are 10 or 12 digits; sorted as text. Encoded base 11 (a digit d as d + 1, a missing
#: position as 0), so numeric order is text order and no INN sorts last.
INN_DIGITS = 12
NO_INN: int = int(11**INN_DIGITS)
NO_RANK = np.iinfo(np.int32).max
SORT_KEYS = ("name", "created_at", "updated_at", "inn", "status", "manager", "kind")
GROUP_MASKS_KEPT = 64
#: A walk along an order is chosen while it is expected to pass fewer clients than this;
#: beyond, the matches are gathered and ranked directly.
WALK_LIMIT = 200_000


def encode_inn(inn: str | None) -> int:
    if not inn or not inn.isdigit() or len(inn) > INN_DIGITS:
        return NO_INN
    value = 0
    for position in range(INN_DIGITS):
        digit = int(inn[position]) + 1 if position < len(inn) else 0
        value = value * 11 + digit
    return value


@dataclass(frozen=True, slots=True)
class FacetRow:
    """One client as the index sees it. Times are any numbers that order as the times do."""

    id: int
    kind: str
    name: str
    inn: str | None
    status_id: int | None
    manager_id: int | None
    archived: bool
    created: float
    updated: float
    nodes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class FacetQuery:
    """A list's filters as plain values. `groups`: AND across the sets, OR within each.
    `owner_id`: only clients that user is responsible for. `only`: ids found by a search."""

    archived: bool = False
    kind: str | None = None
    status_id: int | None = None
    manager_id: int | None = None
    owner_id: int | None = None
    nobody: bool = False
    groups: tuple[frozenset[int], ...] = ()
    only: Collection[int] | None = None
    sort: tuple[tuple[str, bool], ...] = (("name", False),)


@dataclass(frozen=True, slots=True)
class FacetPage:
    ids: list[int]
    total: int


@dataclass
class _Columns:
    present: Mask
    archived: Mask
    kind: npt.NDArray[np.int8]
    status: npt.NDArray[np.int32]
    manager: npt.NDArray[np.int32]
    created: npt.NDArray[np.float64]
    updated: npt.NDArray[np.float64]
    inn: npt.NDArray[np.int64]
    names: list[bytes] = field(default_factory=list)

    @classmethod
    def empty(cls, capacity: int) -> _Columns:
        return cls(
            present=np.zeros(capacity, np.bool_),
            archived=np.zeros(capacity, np.bool_),
            kind=np.zeros(capacity, np.int8),
            status=np.zeros(capacity, np.int32),
            manager=np.zeros(capacity, np.int32),
            created=np.zeros(capacity, np.float64),
            updated=np.zeros(capacity, np.float64),
            inn=np.full(capacity, NO_INN, np.int64),
            names=[b""] * capacity,
        )

    def grow(self, capacity: int) -> None:
        extra = capacity - len(self.present)
        self.present = np.concatenate([self.present, np.zeros(extra, np.bool_)])
        self.archived = np.concatenate([self.archived, np.zeros(extra, np.bool_)])
        self.kind = np.concatenate([self.kind, np.zeros(extra, np.int8)])
        self.status = np.concatenate([self.status, np.zeros(extra, np.int32)])
        self.manager = np.concatenate([self.manager, np.zeros(extra, np.int32)])
        self.created = np.concatenate([self.created, np.zeros(extra, np.float64)])
        self.updated = np.concatenate([self.updated, np.zeros(extra, np.float64)])
        self.inn = np.concatenate([self.inn, np.full(extra, NO_INN, np.int64)])
        self.names.extend([b""] * extra)


class FacetIndex:
    def __init__(self, capacity: int = 1024) -> None:
        self._cols = _Columns.empty(capacity)
        self._members: dict[int, Ids] = {}
        self._group_masks: OrderedDict[frozenset[int], Mask] = OrderedDict()
        self._base: dict[bool, Mask] = {}
        self._orders: dict[str, SortOrder] = {}
        self._status_rank = np.zeros(1, np.int32)
        self._manager_rank = np.zeros(1, np.int32)
        self._status_names: dict[int, str] = {}
        self._manager_names: dict[int, str] = {}

    # -- keeping it current -------------------------------------------------------------

    @property
    def size(self) -> int:
        return int(np.count_nonzero(self._cols.present))

    def load(self, rows: Iterable[FacetRow], placements: dict[int, Ids]) -> None:
        """Fill an empty index at once (the start-up build): no orders to keep up yet."""
        for row in rows:
            self._ensure(row.id)
            self._write(row)
        self._members = {node: np.unique(ids.astype(np.int64)) for node, ids in placements.items()}
        self._group_masks.clear()
        self._base.clear()
        self._orders.clear()

    def prepare(self, columns: Iterable[str]) -> None:
        """Build these sort orders now rather than on the first list that asks."""
        for column in columns:
            self._order(column)

    def upsert(self, rows: Sequence[FacetRow], gone: Sequence[int] = ()) -> None:
        """Apply changed clients (as they are now) and clients that no longer exist."""
        if not rows and not gone:
            return
        for row in rows:
            self._ensure(row.id)
            self._write(row)
        gone = [cid for cid in gone if 0 <= cid < len(self._cols.present)]
        for cid in gone:
            self._cols.present[cid] = False
        self._place({r.id: r.nodes for r in rows} | {cid: () for cid in gone})
        changed = np.array(sorted({r.id for r in rows} | set(gone)), np.int64)
        for order in self._orders.values():
            order.replace(changed, self._cols.present)
        self._base.clear()

    def drop_nodes(self, node_ids: Iterable[int]) -> None:
        dropped = {n for n in node_ids if self._members.pop(n, None) is not None}
        self._changed(dropped)

    def set_names(self, statuses: dict[int, str], managers: dict[int, str]) -> None:
        """The names that "status" and "manager" sorts order by (small tables, read often)."""
        if statuses != self._status_names:
            self._status_names = dict(statuses)
            self._status_rank = _rank_table(statuses)
            self._orders.pop("status", None)
        if managers != self._manager_names:
            self._manager_names = dict(managers)
            self._manager_rank = _rank_table(managers)
            self._orders.pop("manager", None)

    def knows_names(
        self, status_ids: Iterable[int | None], manager_ids: Iterable[int | None]
    ) -> bool:
        return all(s is None or s in self._status_names for s in status_ids) and all(
            m is None or m in self._manager_names for m in manager_ids
        )

    def _ensure(self, client_id: int) -> None:
        capacity = len(self._cols.present)
        if client_id >= capacity:
            self._cols.grow(max(client_id + 1, capacity * 2))
            for order in self._orders.values():
                order.grow(len(self._cols.present))
            self._group_masks.clear()

    def _write(self, row: FacetRow) -> None:
        cols, i = self._cols, row.id
        cols.present[i] = True
        cols.archived[i] = row.archived
        cols.kind[i] = KIND_CODES.get(row.kind, len(KIND_CODES))
        cols.status[i] = row.status_id or 0
        cols.manager[i] = row.manager_id or 0
        cols.created[i] = row.created
        cols.updated[i] = row.updated
        cols.inn[i] = encode_inn(row.inn)
        cols.names[i] = name_sort_key(row.name)

    def _place(self, nodes_of: dict[int, tuple[int, ...]]) -> None:
        """Set the placements of these clients to exactly the given nodes."""
        batch = np.array(sorted(nodes_of), np.int64)
        wanted: dict[int, list[int]] = {}
        for cid, nodes in nodes_of.items():
            for node in set(nodes):
                wanted.setdefault(node, []).append(cid)
        changed: set[int] = set()
        for node in set(self._members) | set(wanted):
            members = self._members.get(node, np.zeros(0, np.int64))
            should = np.array(sorted(wanted.get(node, ())), np.int64)
            pos = np.searchsorted(members, batch)
            if len(members):
                hit = members[np.minimum(pos, len(members) - 1)] == batch
                inside = batch[(pos < len(members)) & hit]
            else:
                inside = batch[:0]
            if np.array_equal(inside, should):
                continue
            kept = np.setdiff1d(members, np.setdiff1d(inside, should), assume_unique=True)
            self._members[node] = np.union1d(kept, should)
            changed.add(node)
        self._changed(changed)

    def _changed(self, nodes: set[int]) -> None:
        for key in [k for k in self._group_masks if k & nodes]:
            del self._group_masks[key]

    # -- answering lists ----------------------------------------------------------------

    def count(self, query: FacetQuery) -> int:
        return int(np.count_nonzero(self._mask(query)))

    def select(self, query: FacetQuery, offset: int, limit: int) -> FacetPage:
        mask = self._mask(query)
        total = int(np.count_nonzero(mask))
        if total == 0 or offset >= total or limit <= 0:
            return FacetPage([], total)
        wanted = min(offset + limit, total)
        ids = self._first(mask, query.sort, wanted, total)
        return FacetPage(ids[offset:wanted], total)

    def node_count(self, nodes: Iterable[int], query: FacetQuery) -> int:
        """How many clients a list would show in any of these nodes (a classifier count)."""
        return int(np.count_nonzero(self._mask(query) & self._group_mask(frozenset(nodes))))

    def _mask(self, query: FacetQuery) -> Mask:
        cols = self._cols
        base = self._base.get(query.archived)
        if base is None:
            base = cols.present & (cols.archived == query.archived)
            self._base[query.archived] = base
        mask = base.copy()
        if query.nobody:
            mask[:] = False
            return mask
        if query.kind is not None:
            mask &= cols.kind == KIND_CODES.get(query.kind, -1)
        if query.status_id is not None:
            mask &= cols.status == query.status_id
        if query.manager_id is not None:
            mask &= cols.manager == query.manager_id
        if query.owner_id is not None:
            mask &= cols.manager == query.owner_id
        for group in query.groups:
            mask &= self._group_mask(group)
        if query.only is not None:
            only = np.zeros(len(mask), np.bool_)
            found = np.fromiter(query.only, np.int64, len(query.only))
            only[found[(found >= 0) & (found < len(mask))]] = True
            mask &= only
        return mask

    def _group_mask(self, group: frozenset[int]) -> Mask:
        mask = self._group_masks.get(group)
        if mask is not None:
            self._group_masks.move_to_end(group)
            return mask
        mask = np.zeros(len(self._cols.present), np.bool_)
        for node in group:
            members = self._members.get(node)
            if members is not None:
                mask[members] = True
        self._group_masks[group] = mask
        if len(self._group_masks) > GROUP_MASKS_KEPT:
            self._group_masks.popitem(last=False)
        return mask

    def _first(
        self, mask: Mask, sort: Sequence[tuple[str, bool]], wanted: int, total: int
    ) -> list[int]:
        """The first `wanted` matches of `mask` in the order `sort` (never more than exist).

        Ties of every sort are broken by id, in the direction of the last sort key. A sort by
        several keys walks the first key's order, then orders each run of equal first keys by
        the rest; the run cut by the page's end is resolved on its own, recursively.
        """
        (column, desc), rest = sort[0], sort[1:]
        order = self._order(column)
        head = order.first(mask, desc, wanted, total, WALK_LIMIT)
        if not rest:
            first: list[int] = head.tolist()
            return first
        keys = order.keys_of(head)
        out: list[int] = []
        start = 0
        while start < len(head):
            end = start
            while end < len(head) and keys[end] == keys[start]:
                end += 1
            run = head[start:end]
            if end < len(head):
                out.extend(self._sorted(run.tolist(), rest))
            else:
                same = mask & order.equal_mask(int(run[0]))
                same_total = int(np.count_nonzero(same))
                out.extend(self._first(same, rest, min(wanted - start, same_total), same_total))
            start = end
        return out

    def _sorted(self, ids: list[int], sort: Sequence[tuple[str, bool]]) -> list[int]:
        ids.sort(reverse=sort[-1][1])
        for column, desc in reversed(sort):
            ids.sort(key=self._order(column).key_function(), reverse=desc)
        return ids

    def _order(self, column: str) -> SortOrder:
        order = self._orders.get(column)
        if order is None:
            order = SortOrder.build(column, self._key_source(column), self._cols.present)
            self._orders[column] = order
        return order

    def _key_source(self, column: str) -> Any:
        cols = self._cols
        if column == "name":
            return cols.names
        numeric: dict[str, Any] = {
            "created_at": lambda: cols.created,
            "updated_at": lambda: cols.updated,
            "inn": lambda: cols.inn,
            "kind": lambda: cols.kind,
            "status": lambda: self._status_rank[
                np.minimum(cols.status, len(self._status_rank) - 1)
            ],
            "manager": lambda: self._manager_rank[
                np.minimum(cols.manager, len(self._manager_rank) - 1)
            ],
        }
        if column not in numeric:
            raise ValueError(f"Cannot sort clients by {column!r}")
        return numeric[column]


def _ranks(table: npt.NDArray[np.int32], ids: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    ranked: npt.NDArray[np.int32] = table[np.minimum(ids, len(table) - 1)]
    return ranked


def _rank_table(names: dict[int, str]) -> npt.NDArray[np.int32]:
    """Rank of each id's name (0 = first), indexed by id; 0 (no status, no manager) and
    unknown ids sort last."""
    size = max(names, default=0) + 2
    table = np.full(size, NO_RANK, np.int32)
    ranked = sorted(names, key=lambda i: (name_sort_key(names[i]), i))
    for rank, item in enumerate(ranked):
        table[item] = rank
    table[-1] = NO_RANK
    return table
