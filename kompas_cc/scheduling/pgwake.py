"""Waking the loops of other processes on PostgreSQL with LISTEN/NOTIFY.

`schedule` announces every job on the `kompas_jobs` channel inside its transaction, so
PostgreSQL delivers the notice only when (and if) the job commits. Every process keeps one
connection listening and wakes its loop when a job comes before the time the loop sleeps
until. Without this, other processes would see a new job within the loop's re-check
interval; with it, at once. A lost connection is opened again, and the loop looks at the
table then, in case a notice was missed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.engine import make_url

from kompas_cc.scheduling.loop import Scheduler

logger = logging.getLogger(__name__)

CHANNEL = "kompas_jobs"
RECONNECT_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def notice(kind: str, due_at: datetime) -> str:
    """The payload of a notice: the job's kind and due time (no ids, nothing private)."""
    return f"{kind} {due_at.isoformat()}"


def parse_notice(payload: str) -> tuple[str, datetime] | None:
    kind, _, when = payload.partition(" ")
    try:
        return kind, datetime.fromisoformat(when)
    except ValueError:
        return None


class PgWakeListener:
    """One LISTEN connection per process, owned by the composition root: start / stop."""

    def __init__(self, url: str, scheduler: Scheduler) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._scheduler = scheduler
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        #: Set at every notice (a test or a health check may clear it and wait).
        self.heard = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="scheduler wake listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _on_notice(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.heard.set()
        parsed = parse_notice(payload)
        if parsed is not None and parsed[0] in self._scheduler.kinds:
            self._scheduler.wake(parsed[1])

    async def _run(self) -> None:
        import asyncpg  # only a PostgreSQL server needs it

        failures = 0
        while True:
            try:
                conn = await asyncpg.connect(self._dsn)
            except Exception as exc:  # the server may be down or restarting: try again
                delay = RECONNECT_DELAYS_S[min(failures, len(RECONNECT_DELAYS_S) - 1)]
                failures += 1
                logger.warning("cannot listen for new jobs (%s); again in %s s", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            await self._listen(conn)

    async def _listen(self, conn: Any) -> None:
        """Until the connection is lost (then it is closed and the caller opens another)."""
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._on_notice)
            self.connected.set()
            self._scheduler.wake()  # notices may have been missed while not listening
            await lost.wait()
            logger.warning("the connection listening for new jobs was lost")
        finally:
            self.connected.clear()
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
