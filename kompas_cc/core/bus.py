"""In-process event bus: services publish after commit, subscribers react in their own tasks.

A subscriber failing never breaks the publisher or other subscribers: it is logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from kompas_cc.core.events import Event

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None] | None]


class Bus:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)
        self._pending: set[asyncio.Task[None]] = set()

    def subscribe(
        self, event_type: type[E], handler: Callable[[E], Awaitable[None] | None]
    ) -> None:
        self._handlers[event_type].append(handler)

    async def publish(self, event: Event) -> None:
        """Call sync handlers now, await async ones one after another, logging failures."""
        for handler in self._handlers.get(type(event), ()):
            try:
                result = handler(event)
                if result is not None:
                    await result
            except Exception:
                logger.exception("subscriber %r failed on %r", handler, event)

    def publish_nowait(self, event: Event) -> None:
        """Publish from sync code (an adapter callback); the task is owned by the bus."""
        task = asyncio.get_running_loop().create_task(self.publish(event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
