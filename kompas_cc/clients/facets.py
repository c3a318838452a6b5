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
from kompas_cc.clients.name_keys import NameKeys

Mask = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.int64]

#: Kinds in the order a "kind" sort puts them (alphabetical by code, as the database did).
KIND_CODES = {"individual": 0, "legal": 1}
#: INNs are 10 or 12 digits, sorted as text: the digits padded with zeros to INN_DIGITS, then
#: the length (a shorter INN that is a prefix of a longer one sorts first). No INN sorts last.
INN_DIGITS = 12
NO_INN = 16_000_000_000_000  # 16 * 10**INN_DIGITS: above every encoded INN
NO_RANK = np.iinfo(np.int32).max
SORT_KEYS = ("name", "created_at", "updated_at", "inn", "status", "manager", "kind")
GROUP_MASKS_KEPT = 64
MASKS_KEPT = 64
#: A walk along an order is chosen while it is expected to pass fewer clients than this;
#: beyond, the matches are gathered and ranked directly.
WALK_LIMIT = 200_000


def encode_inn(inn: str | None) -> int:
    if not inn or not inn.isdigit() or len(inn) > INN_DIGITS:
        return NO_INN
    return int(inn.ljust(INN_DIGITS, "0")) * 16 + len(inn)


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


@dataclass(slots=True)
class FacetTable:
    """Many clients column by column, as the start-up build reads them."""

    ids: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    inns: list[str | None] = field(default_factory=list)
    status_ids: list[int | None] = field(default_factory=list)
    manager_ids: list[int | None] = field(default_factory=list)
    archived: list[bool] = field(default_factory=list)
    created: list[float] = field(default_factory=list)
    updated: list[float] = field(default_factory=list)

    def extend(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows of (id, kind, name, inn, status, manager, archived, created, updated)."""
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        targets: tuple[list[Any], ...] = (
            self.ids,
            self.kinds,
            self.names,
            self.inns,
            self.status_ids,
        )
        for target, column in zip(targets, columns[:5], strict=True):
            target.extend(column)
        self.manager_ids.extend(columns[5])
        self.archived.extend(bool(a) for a in columns[6])
        self.created.extend(columns[7])
        self.updated.extend(columns[8])

    @classmethod
    def of(cls, rows: Iterable[FacetRow]) -> FacetTable:
        table = cls()
        fields = ("id", "kind", "name", "inn", "status_id", "manager_id", "archived")
        table.extend([(*(getattr(r, f) for f in fields), r.created, r.updated) for r in rows])
        return table


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
    names: NameKeys

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
            names=NameKeys(capacity),
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
        self.names.grow(capacity)


class FacetIndex:
    def __init__(self, capacity: int = 1024) -> None:
        self._cols = _Columns.empty(capacity)
        self._members: dict[int, Ids] = {}
        self._group_masks: OrderedDict[frozenset[int], Mask] = OrderedDict()
        self._masks: OrderedDict[tuple[Any, ...], tuple[Mask, int]] = OrderedDict()
        self._base: dict[bool, Mask] = {}
        self._orders: dict[str, SortOrder] = {}
        #: Clients changed since each order was last patched.
        self._unsorted: dict[str, set[int]] = {}
        self._rank_columns: dict[str, npt.NDArray[np.int32]] = {}
        self._status_rank = np.zeros(1, np.int32)
        self._manager_rank = np.zeros(1, np.int32)
        self._status_names: dict[int, str] = {}
        self._manager_names: dict[int, str] = {}

    # -- keeping it current -------------------------------------------------------------

    @property
    def size(self) -> int:
        return int(np.count_nonzero(self._cols.present))

    def load(self, table: FacetTable, placements: dict[int, Ids]) -> None:
        """Fill an empty index at once (the start-up build), column by column."""
        count = len(table.ids)
        ids = np.fromiter(table.ids, np.int64, count)
        self._ensure(int(ids.max(initial=0)))
        cols = self._cols
        cols.present[ids] = True
        cols.archived[ids] = np.fromiter(table.archived, np.bool_, count)
        kinds = (KIND_CODES.get(k, len(KIND_CODES)) for k in table.kinds)
        cols.kind[ids] = np.fromiter(kinds, np.int8, count)
        cols.status[ids] = np.fromiter((s or 0 for s in table.status_ids), np.int32, count)
        cols.manager[ids] = np.fromiter((m or 0 for m in table.manager_ids), np.int32, count)
        cols.created[ids] = np.fromiter(table.created, np.float64, count)
        cols.updated[ids] = np.fromiter(table.updated, np.float64, count)
        cols.inn[ids] = np.fromiter(map(encode_inn, table.inns), np.int64, count)
        cols.names.load(table.ids, [name_sort_key(name) for name in table.names])
        self._members = {node: np.unique(ids.astype(np.int64)) for node, ids in placements.items()}
        self._group_masks.clear()
        self._base.clear()
        self._masks.clear()
        self._orders.clear()
        self._unsorted.clear()
        self._rank_columns.clear()

    def prepare(self, columns: Iterable[str]) -> None:
        """Build these sort orders now rather than on the first list that asks."""
        for column in columns:
            self._order(column)

    def upsert(self, rows: Sequence[FacetRow], gone: Sequence[int] = ()) -> None:
        """Apply changed clients (as they are now) and clients that no longer exist."""
        rows = [row for row in rows if not self._holds(row)]
        gone = [cid for cid in gone if 0 <= cid < len(self._cols.present)]
        gone = [cid for cid in gone if self._cols.present[cid]]
        if not rows and not gone:
            return
        for row in rows:
            self._ensure(row.id)
            self._write(row)
        for cid in gone:
            self._cols.present[cid] = False
        self._place({r.id: r.nodes for r in rows} | {cid: () for cid in gone})
        changed = {r.id for r in rows} | set(gone)
        self._rank_columns.clear()
        for column in self._orders:
            self._unsorted.setdefault(column, set()).update(changed)
        self._base.clear()
        self._masks.clear()

    def drop_nodes(self, node_ids: Iterable[int]) -> None:
        dropped = {n for n in node_ids if self._members.pop(n, None) is not None}
        self._changed(dropped)

    def set_names(self, statuses: dict[int, str], managers: dict[int, str]) -> None:
        """The names that "status" and "manager" sorts order by (small tables, read often)."""
        self._rank_columns.clear()
        if statuses != self._status_names:
            self._status_names = dict(statuses)
            self._status_rank = _rank_table(statuses)
            self._orders.pop("status", None)
            self._unsorted.pop("status", None)
        if managers != self._manager_names:
            self._manager_names = dict(managers)
            self._manager_rank = _rank_table(managers)
            self._orders.pop("manager", None)
            self._unsorted.pop("manager", None)

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
            self._rank_columns.clear()
            self._group_masks.clear()
            self._base.clear()
            self._masks.clear()

    def _holds(self, row: FacetRow) -> bool:
        """Whether the index already has this client exactly so (a re-read changes nothing)."""
        cols, i = self._cols, row.id
        if i >= len(cols.present) or not cols.present[i]:
            return False
        same = (
            bool(cols.archived[i]) == row.archived
            and int(cols.kind[i]) == KIND_CODES.get(row.kind, len(KIND_CODES))
            and int(cols.status[i]) == (row.status_id or 0)
            and int(cols.manager[i]) == (row.manager_id or 0)
            and float(cols.created[i]) == row.created
            and float(cols.updated[i]) == row.updated
            and int(cols.inn[i]) == encode_inn(row.inn)
            and cols.names[i] == name_sort_key(row.name)
        )
        return (
            same
            and all(self._is_member(node, i) for node in row.nodes)
            and not any(self._is_member(node, i) for node in self._members if node not in row.nodes)
        )

    def _is_member(self, node: int, client_id: int) -> bool:
        members = self._members.get(node)
        if members is None or not len(members):
            return False
        position = int(np.searchsorted(members, client_id))
        return position < len(members) and int(members[position]) == client_id

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
        cols.names.set(i, name_sort_key(row.name))

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
            leaving = np.setdiff1d(inside, should, assume_unique=True)
            coming = np.setdiff1d(should, inside, assume_unique=True)
            if not len(leaving) and not len(coming):
                continue
            if len(leaving):
                members = np.delete(members, np.searchsorted(members, leaving))
            if len(coming):
                members = np.insert(members, np.searchsorted(members, coming), coming)
            self._members[node] = members
            changed.add(node)
        self._changed(changed)

    def _changed(self, nodes: set[int]) -> None:
        if nodes:
            self._masks.clear()
        for key in [k for k in self._group_masks if k & nodes]:
            del self._group_masks[key]

    # -- answering lists ----------------------------------------------------------------

    def arrays(self) -> list[npt.NDArray[Any]]:
        """Every array the index holds, for measuring its memory."""
        cols = self._cols
        held: list[npt.NDArray[Any]] = [
            cols.present,
            cols.archived,
            cols.kind,
            cols.status,
            cols.manager,
            cols.created,
            cols.updated,
            cols.inn,
            *cols.names.arrays(),
            *self._members.values(),
            *self._group_masks.values(),
            *(mask for mask, _count in self._masks.values()),
        ]
        for order in self._orders.values():
            held += [order.ids, order.rank]
        return held

    def count(self, query: FacetQuery) -> int:
        return self._mask(query)[1]

    def select(self, query: FacetQuery, offset: int, limit: int) -> FacetPage:
        mask, total = self._mask(query)
        if total == 0 or offset >= total or limit <= 0:
            return FacetPage([], total)
        wanted = min(offset + limit, total)
        ids = self._first(mask, query.sort, wanted, total)
        return FacetPage(ids[offset:wanted], total)

    def node_count(self, nodes: Iterable[int], query: FacetQuery) -> int:
        """How many clients a list would show in any of these nodes (a classifier count)."""
        mask = self._mask(query)[0]
        return int(np.count_nonzero(mask & self._group_mask(frozenset(nodes))))

    def _mask(self, query: FacetQuery) -> tuple[Mask, int]:
        """The clients a query's filters admit, and how many (the mask is shared: callers
        never modify it).

        Masks of filter combinations are kept until the data changes: people page through
        the same filters, and every list of a page needs its mask to count its total."""
        key = None
        if query.only is None:
            key = (
                query.archived,
                query.kind,
                query.status_id,
                query.manager_id,
                query.owner_id,
                query.nobody,
                query.groups,
            )
            kept = self._masks.get(key)
            if kept is not None:
                self._masks.move_to_end(key)
                return kept
        mask = self._filter(query)
        counted = (mask, int(np.count_nonzero(mask)))
        if key is not None:
            self._masks[key] = counted
            if len(self._masks) > MASKS_KEPT:
                self._masks.popitem(last=False)
        return counted

    def _filter(self, query: FacetQuery) -> Mask:
        cols = self._cols
        base = self._base.get(query.archived)
        if base is None:
            base = cols.present & (cols.archived == query.archived)
            self._base[query.archived] = base
        if query.nobody:
            return np.zeros(len(base), np.bool_)
        mask = base.copy()
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
        """The order by `column`, built on first use and patched only when it is used."""
        order = self._orders.get(column)
        if order is None:
            order = SortOrder.build(column, self._key_source(column), self._cols.present)
            self._orders[column] = order
        unsorted = self._unsorted.pop(column, None)
        if unsorted:
            order.replace(np.array(sorted(unsorted), np.int64), self._cols.present)
        return order

    def _derived(
        self, column: str, table: npt.NDArray[np.int32], ids: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.int32]:
        """Each client's rank of its status (or manager) name, reused until data changes."""
        ranked = self._rank_columns.get(column)
        if ranked is None:
            ranked = table[np.minimum(ids, len(table) - 1)]
            self._rank_columns[column] = ranked
        return ranked

    def _key_source(self, column: str) -> Any:
        cols = self._cols
        if column == "name":
            return cols.names
        numeric: dict[str, Any] = {
            "created_at": lambda: cols.created,
            "updated_at": lambda: cols.updated,
            "inn": lambda: cols.inn,
            "kind": lambda: cols.kind,
            "status": lambda: self._derived("status", self._status_rank, cols.status),
            "manager": lambda: self._derived("manager", self._manager_rank, cols.manager),
        }
        if column not in numeric:
            raise ValueError(f"Cannot sort clients by {column!r}")
        return numeric[column]


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
