"""Unit of work: one session per request, job or subscriber; events published after commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kompas_cc.core.bus import Bus
from kompas_cc.core.events import Event
from kompas_cc.db.engine import BEGIN_OPTION


class UnitOfWork:
    """`async with uow_factory() as uow:` — commits on success, rolls back on error.

    Services call `uow.emit(event)`; the events reach the bus only once the commit
    succeeded, so no subscriber ever sees a change that was rolled back.

    `write=False` declares that the work only reads. On SQLite a writing unit takes the
    write lock when it begins (BEGIN IMMEDIATE), so it waits its turn instead of failing
    when it later upgrades a read snapshot that another writer has overtaken; reading
    units never wait.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], bus: Bus, *, write: bool = True
    ) -> None:
        self._sessions = sessions
        self._bus = bus
        self._write = write
        self._session: AsyncSession | None = None
        self._events: list[Event] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    def emit(self, event: Event) -> None:
        self._events.append(event)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the work that may fail on its own: on an error, what it wrote and the
        events it emitted are undone and the error goes on; the rest of the unit stays."""
        mark = len(self._events)
        nested = await self.session.begin_nested()
        try:
            yield
        except BaseException:
            await nested.rollback()
            del self._events[mark:]
            raise
        await nested.commit()

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._events = []
        if self._write:
            await self._session.connection(execution_options={BEGIN_OPTION: "IMMEDIATE"})
        return self

    async def commit(self) -> None:
        await self.session.commit()
        events, self._events = self._events, []
        for event in events:
            await self._bus.publish(event)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc_type is None:
                await self.commit()
            else:
                await session.rollback()
                self._events = []
        finally:
            await session.close()
            self._session = None


class UowFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork: ...


def make_uow_factory(sessions: async_sessionmaker[AsyncSession], bus: Bus) -> UowFactory:
    def factory(*, write: bool = True) -> UnitOfWork:
        return UnitOfWork(sessions, bus, write=write)

    return factory
