"""The client timeline: one chronological list that every domain feeds with its own entries.

A domain registers a source once (in app.py); the clients module asks every source for the
entries of a client within a period and merges them. Nothing is copied into a shared table,
so each domain stays the only owner of its data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from kompas_cc.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    body: str | None = None
    author: str | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True)
class TimelineWindow:
    client_id: int
    since: datetime | None
    until: datetime | None
    limit: int


TimelineSource = Callable[[UnitOfWork, TimelineWindow], Awaitable[list[TimelineEntry]]]


@dataclass
class TimelineRegistry:
    """Sources by the kinds of entry they give (a source may give several kinds)."""

    _sources: list[tuple[frozenset[str], TimelineSource]] = field(default_factory=list)

    def register(self, kinds: set[str] | frozenset[str], source: TimelineSource) -> None:
        self._sources.append((frozenset(kinds), source))

    @property
    def kinds(self) -> list[str]:
        return sorted({kind for kinds, _ in self._sources for kind in kinds})

    async def collect(
        self, uow: UnitOfWork, window: TimelineWindow, kinds: set[str] | None = None
    ) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = []
        for source_kinds, source in self._sources:
            if kinds and not (source_kinds & kinds):
                continue
            entries.extend(await source(uow, window))
            await asyncio.sleep(0)
        if kinds:
            entries = [e for e in entries if e.kind in kinds]
        entries.sort(key=lambda e: e.at, reverse=True)
        return entries[: window.limit]
