"""Unit of work: one session per request, job or subscriber; events published after commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kompas_cc.core.bus import Bus
from kompas_cc.core.events import Event


class UnitOfWork:
    """`async with uow_factory() as uow:` — commits on success, rolls back on error.

    Services call `uow.emit(event)`; the events reach the bus only once the commit
    succeeded, so no subscriber ever sees a change that was rolled back.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], bus: Bus) -> None:
        self._sessions = sessions
        self._bus = bus
        self._session: AsyncSession | None = None
        self._events: list[Event] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    def emit(self, event: Event) -> None:
        self._events.append(event)

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._events = []
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


UowFactory = Callable[[], UnitOfWork]


def make_uow_factory(sessions: async_sessionmaker[AsyncSession], bus: Bus) -> UowFactory:
    return lambda: UnitOfWork(sessions, bus)
