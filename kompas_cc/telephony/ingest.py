"""From the AMI event stream to stored calls.

The AMI connection hands every translated event to `CallIngest.accept` (a plain call, in
arrival order: no task per event). The call tracker keeps the calls in progress in memory;
each call it finishes is queued and written to the call log by one writer task, in batches
(one transaction for many calls), so that a burst of events never waits for the database.
A batch that fails is retried with a growing pause until the database takes it: a finished
call is never dropped while the process runs. A record the database refuses on its own is
logged in full and skipped after a few tries, so that it cannot block the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy.exc import InterfaceError, OperationalError

from kompas_cc.core.clock import Clock
from kompas_cc.core.events import Event
from kompas_cc.db.uow import UowFactory
from kompas_cc.telephony import service
from kompas_cc.telephony.amievents import AmiEvent
from kompas_cc.telephony.amilink import AmiChannelsListed, AmiConnectionLost
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.calls import CallTracker

logger = logging.getLogger(__name__)

#: Calls written in one transaction at most.
BATCH = 1000
#: Pauses between tries of a batch the database refused (seconds), the last one repeated.
RETRY_PAUSES = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
#: A single call the database refuses this many times is logged and skipped.
MAX_TRIES_ALONE = 5
#: How often calls that went silent are closed (see CallTracker.sweep).
SWEEP_EVERY = timedelta(minutes=5)


class CallIngest:
    def __init__(
        self,
        uows: UowFactory,
        clock: Clock,
        tracker: CallTracker,
        *,
        region: str = "RU",
        sleep: Callable[[float], Awaitable[object]] | None = None,
        sweep_every: timedelta = SWEEP_EVERY,
    ) -> None:
        self._uows = uows
        self._clock = clock
        self._tracker = tracker
        self._region = region
        self._queue: deque[CallRecord] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._swept_at = clock.now()
        self._sweep_every = sweep_every
        self._pause = asyncio.sleep if sleep is None else sleep
        self.stored = 0
        self.skipped = 0

    # -- the sink of the AMI connection ----------------------------------------------------

    def accept(self, event: Event) -> None:
        """One event from the AMI connection: never raises, never blocks."""
        try:
            records = self._track(event)
        except Exception:
            logger.exception("the call tracker failed on %r; the event is skipped", event)
            return
        if records:
            self._queue.extend(records)
            self._wake.set()

    def _track(self, event: Event) -> Sequence[CallRecord]:
        if isinstance(event, AmiEvent):
            return self._tracker.feed(event)
        if isinstance(event, AmiConnectionLost):
            self._tracker.connection_lost(event.at)
            return ()
        if isinstance(event, AmiChannelsListed):
            return self._tracker.resync(event.channels, event.at)
        return ()

    def _sweep_if_due(self) -> None:
        """Close the calls that went silent (their Hangup never came), every `sweep_every`."""
        now = self._clock.now()
        if now - self._swept_at < self._sweep_every:
            return
        self._swept_at = now
        records = self._tracker.sweep(now)
        if records:
            logger.warning("%d calls without an event for long were closed", len(records))
            self._queue.extend(records)

    @property
    def waiting(self) -> int:
        """Finished calls not yet in the database."""
        return len(self._queue)

    # -- the writer ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._write(), name="call-log")

    async def stop(self) -> None:
        """Write what is queued (as far as the database lets), then stop the writer."""
        if self._task is None:
            return
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        if self._queue:
            try:
                await self.flush()
            except Exception:
                logger.exception("%d finished calls could not be stored at stop", self.waiting)

    async def flush(self) -> None:
        """Store every queued call now (tests and shutdown)."""
        while self._queue:
            batch = [self._queue[i] for i in range(min(BATCH, len(self._queue)))]
            await self._store(batch)
            self._drop(len(batch))

    async def _write(self) -> None:
        failures = 0
        while True:
            # Also woken by time alone, so that silent calls are closed when no event comes.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._sweep_every.total_seconds()):
                    await self._wake.wait()
            self._wake.clear()
            self._sweep_if_due()
            while self._queue:
                batch = [self._queue[i] for i in range(min(BATCH, len(self._queue)))]
                try:
                    await self._store(batch)
                except Exception as exc:
                    failures += 1
                    failures = await self._after_failure(batch, exc, failures)
                    continue
                failures = 0
                self._drop(len(batch))

    async def _after_failure(
        self, batch: Sequence[CallRecord], exc: Exception, failures: int
    ) -> int:
        """Find what the database refuses; returns the count of failures so far.

        A database that is down or unreachable refuses everything: wait and try again, for
        as long as it takes. Otherwise some call is refused for what it holds: store the
        calls before it, and skip it (logged in full) after MAX_TRIES_ALONE tries."""
        unavailable = isinstance(exc, OperationalError | InterfaceError | OSError)
        if not unavailable and len(batch) > 1:
            stored = await self._one_by_one(batch)
            if stored:
                return 0
        if not unavailable and failures >= MAX_TRIES_ALONE:
            logger.error("a finished call was refused %d times, skipped: %r", failures, batch[0])
            self.skipped += 1
            self._drop(1)
            return 0
        pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES)) - 1]
        logger.warning(
            "storing %d finished calls failed (%s, try %d); again in %.1f s",
            len(batch),
            exc,
            failures,
            pause,
        )
        await self._pause(pause)
        return failures

    async def _one_by_one(self, batch: Sequence[CallRecord]) -> int:
        """Store the batch call by call up to the first that fails; how many were stored."""
        stored = 0
        for record in batch:
            try:
                await self._store([record])
            except Exception:
                break
            stored += 1
        self._drop(stored)
        return stored

    def _drop(self, count: int) -> None:
        for _ in range(count):
            self._queue.popleft()

    async def _store(self, batch: Sequence[CallRecord]) -> None:
        now = self._clock.now()
        async with self._uows() as uow:
            ids = await service.record_calls(uow, batch, now, region=self._region)
        self.stored += sum(1 for call_id in ids if call_id is not None)
