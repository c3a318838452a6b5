"""Keeps the list index (clients.facets) equal to the database.

Built at start from the database in chunks, off the event loop's thread where it sorts;
lists wait for it once. Then every change this process commits names its client in an
event (clients.subscribers) and the client is read again before the next list is answered,
so a list always shows what was just saved. Changes committed by other processes are found
by their `updated_at` at most CATCH_UP_S later, in the background (with an overlap for
transactions that committed late).

It also keeps the rows list pages show (clients.brief_cache) in step with the same changes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kompas_cc.clients import repo
from kompas_cc.clients.brief_cache import BriefCache
from kompas_cc.clients.facets import SORT_KEYS, FacetIndex, FacetRow, FacetTable
from kompas_cc.db.fastread import FastReader

logger = logging.getLogger(__name__)

BUILD_CHUNK = 5_000
READ_CHUNK = 500
CATCH_UP_S = 5.0
#: A change is looked for again this long after its time: a transaction that stamped
#: `updated_at` and committed later than others is still found.
CATCH_UP_OVERLAP = timedelta(seconds=60)


class FacetStore:
    def __init__(self, reader: FastReader, catch_up_s: float = CATCH_UP_S) -> None:
        self._reader = reader
        self._catch_up_s = catch_up_s
        self._index = FacetIndex()
        self._dirty: set[int] = set()
        self._names_stale = True
        self._lock = asyncio.Lock()
        self._built: asyncio.Task[None] | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self._caught_up_at = 0.0
        self._since: datetime | None = None
        self._names: tuple[dict[int, str], dict[int, str]] = ({}, {})
        #: What list pages show of each client (read by clients.listing).
        self.briefs = BriefCache()

    def start(self) -> None:
        if self._built is None:
            self._built = asyncio.get_running_loop().create_task(self._build())

    async def stop(self) -> None:
        for task in (self._built, self._catching_up):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def changed(self, client_ids: Iterable[int]) -> None:
        client_ids = tuple(client_ids)
        self._dirty.update(client_ids)
        self.briefs.forget(client_ids)

    def shown_changed(self, client_ids: Iterable[int]) -> None:
        """Something a list page shows changed (a phone) but nothing the index holds."""
        self.briefs.forget(client_ids)

    def nodes_deleted(self, node_ids: Iterable[int]) -> None:
        self._index.drop_nodes(node_ids)

    def names_changed(self) -> None:
        self._names_stale = True
        self.briefs.clear()

    async def current(self) -> FacetIndex:
        """The index, with every change this process made applied.

        Other processes' changes are looked for in the background every `catch_up_s`:
        a list never waits for that search (on PostgreSQL its round trips would hold every
        list arriving meanwhile)."""
        self.start()
        assert self._built is not None
        await asyncio.shield(self._built)
        if time.monotonic() - self._caught_up_at > self._catch_up_s and (
            self._catching_up is None or self._catching_up.done()
        ):
            self._caught_up_at = time.monotonic()
            self._catching_up = asyncio.get_running_loop().create_task(self._catch_up())
        if self._dirty or self._names_stale:
            async with self._lock:
                await self._sync()
        return self._index

    # -- building -----------------------------------------------------------------------

    async def _build(self) -> None:
        started = time.monotonic()
        self._since = await self._latest_change()
        table = FacetTable()
        after = 0
        sql = repo.facet_rows_after_sql(self._reader.dialect)
        while True:
            chunk = await self._reader.fetch(sql, {"after": after, "limit": BUILD_CHUNK})
            table.extend(chunk)
            if len(chunk) < BUILD_CHUNK:
                break
            after = int(chunk[-1][0])
            await asyncio.sleep(0)
        placements = {node: await self._members(node) for node in await self._node_ids()}
        index = self._index
        names = await self._read_names()
        self.briefs.clear()
        await asyncio.to_thread(_fill, index, table, placements, names)
        self._names = names
        self._names_stale = False
        self._caught_up_at = time.monotonic()
        count = len(table.ids)
        logger.info("list index: %d clients in %.1f s", count, time.monotonic() - started)

    async def _node_ids(self) -> list[int]:
        return [int(r[0]) for r in await self._reader.fetch(repo.NODE_IDS_SQL, {})]

    async def _members(self, node: int) -> np.ndarray[Any, np.dtype[np.int64]]:
        parts: list[list[int]] = []
        after = 0
        while True:
            chunk = await self._reader.fetch(
                repo.PLACEMENTS_OF_NODE_SQL, {"node": node, "after": after, "limit": BUILD_CHUNK}
            )
            parts.append([int(r[0]) for r in chunk])
            if len(chunk) < BUILD_CHUNK:
                break
            after = int(chunk[-1][0])
            await asyncio.sleep(0)
        return np.array([cid for part in parts for cid in part], np.int64)

    # -- keeping up ---------------------------------------------------------------------

    async def _sync(self) -> None:
        while self._dirty:
            batch, self._dirty = self._dirty, set()
            await self._reread(sorted(batch))
        if self._names_stale:
            await self._refresh_names()

    async def _catch_up(self) -> None:
        """Clients changed by other processes (and by this one: harmless) since last time,
        and the names statuses and managers sort by."""
        try:
            latest = await self._latest_change()
            changed: list[int] = []
            if latest is not None:
                since = (self._since or latest) - CATCH_UP_OVERLAP
                rows = await self._reader.fetch(
                    repo.CHANGED_SINCE_SQL, {"since": self._param(since)}
                )
                changed = sorted(int(r[0]) for r in rows)
            names = await self._read_names()
            async with self._lock:
                self.briefs.forget(changed)
                await self._reread(changed)
                self._set_names(names)
            if latest is not None:
                self._since = latest
        except Exception:
            logger.exception("list index: looking for other processes' changes failed")

    async def _reread(self, ids: Sequence[int]) -> None:
        dialect = self._reader.dialect
        for start in range(0, len(ids), READ_CHUNK):
            part = ids[start : start + READ_CHUNK]
            param = {"ids": self._reader.id_list(part)}
            found = [
                _facet_row(r)
                for r in await self._reader.fetch(repo.facet_rows_of_sql(dialect), param)
            ]
            nodes: dict[int, list[int]] = {}
            for cid, node in await self._reader.fetch(repo.placements_of_sql(dialect), param):
                nodes.setdefault(int(cid), []).append(int(node))
            rows = [replace(row, nodes=tuple(nodes.get(row.id, ()))) for row in found]
            gone = sorted(set(part) - {row.id for row in rows})
            if not self._index.knows_names(
                (r.status_id for r in rows), (r.manager_id for r in rows)
            ):
                await self._refresh_names()
            self._index.upsert(rows, gone)

    async def _read_names(self) -> tuple[dict[int, str], dict[int, str]]:
        statuses = await self._reader.fetch(repo.STATUS_NAMES_SQL, {})
        users = await self._reader.fetch(repo.USER_NAMES_SQL, {})
        return {int(i): str(n) for i, n in statuses}, {int(i): str(n) for i, n in users}

    def _set_names(self, names: tuple[dict[int, str], dict[int, str]]) -> None:
        """Statuses' and users' names, which lists sort by and show."""
        if names != self._names:
            self.briefs.clear()
            self._names = names
        self._index.set_names(*names)

    async def _refresh_names(self) -> None:
        self._set_names(await self._read_names())
        self._names_stale = False

    async def _latest_change(self) -> datetime | None:
        rows = await self._reader.fetch(repo.LATEST_CHANGE_SQL, {})
        value = rows[0][0] if rows else None
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        moment: datetime = value
        return moment

    def _param(self, moment: datetime) -> Any:
        """A time as the database stores it (SQLite: naive UTC text, as SQLAlchemy writes)."""
        if self._reader.dialect == "sqlite":
            return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return moment


def _fill(
    index: FacetIndex,
    table: FacetTable,
    placements: dict[int, np.ndarray[Any, np.dtype[np.int64]]],
    names: tuple[dict[int, str], dict[int, str]],
) -> None:
    index.load(table, placements)
    index.set_names(*names)
    index.prepare(SORT_KEYS)


def _facet_row(row: Sequence[Any]) -> FacetRow:
    cid, kind, name, inn, status_id, manager_id, archived, created, updated = row
    return FacetRow(
        id=int(cid),
        kind=str(kind),
        name=str(name),
        inn=inn,
        status_id=status_id,
        manager_id=manager_id,
        archived=bool(archived),
        created=float(created),
        updated=float(updated),
    )
