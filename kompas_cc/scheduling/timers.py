"""How the loop waits for its next due time: for real, or until a test moves a fake clock.

A loop waits on one asyncio.Event (set to wake it early) and a deadline. It burns no CPU
while waiting: no polling, one timer handle in the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Protocol

from kompas_cc.core.clock import Clock, FakeClock


class Timer(Protocol):
    async def sleep_until(self, deadline: datetime, wakeup: asyncio.Event) -> None:
        """Return at `deadline` (by the clock) or as soon as `wakeup` is set."""


class ClockTimer:
    """Waits real seconds: the time from the clock's now to the deadline."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def sleep_until(self, deadline: datetime, wakeup: asyncio.Event) -> None:
        delay = (deadline - self._clock.now()).total_seconds()
        if delay <= 0:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await wakeup.wait()


class FakeTimer:
    """A timer driven by a FakeClock: it fires only when `advance` reaches its deadline.

    Tests and benchmarks move time with `advance`/`advance_to` instead of sleeping; the
    loop under test sees the same clock.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.deadline: datetime | None = None
        self._wakeup: asyncio.Event | None = None

    async def sleep_until(self, deadline: datetime, wakeup: asyncio.Event) -> None:
        if deadline <= self.clock.now():
            return
        self.deadline, self._wakeup = deadline, wakeup
        try:
            await wakeup.wait()
        finally:
            self.deadline, self._wakeup = None, None

    def advance(self, delta: timedelta) -> None:
        self.advance_to(self.clock.now() + delta)

    def advance_to(self, moment: datetime) -> None:
        self.clock.set(moment)
        if self.deadline is not None and self._wakeup is not None and moment >= self.deadline:
            self._wakeup.set()
