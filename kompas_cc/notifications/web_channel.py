"""The web panel as a live channel: every open tab of the user gets the notification.

The socket hub itself (aiohttp) lives in webapp/ws.py and knows no domain; this module
only shapes the messages the panel's JavaScript understands:

    {"type": "hello", "unread": 3, "missed": [{...}]}    when a tab connects
    {"type": "notification", "unread": 4, "notification": {...}}
    {"type": "unread", "unread": 0}                      read in another tab
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from kompas_cc.db.uow import UowFactory
from kompas_cc.notifications import service
from kompas_cc.notifications.channels import Delivery
from kompas_cc.notifications.counts import UnreadCounts


class Pusher(Protocol):
    async def push(self, user_id: int, message: dict[str, Any]) -> int:
        """Send to every open socket of the user; how many got it."""


def notification_message(delivery: Delivery) -> dict[str, Any]:
    return {
        "type": "notification",
        "unread": delivery.unread,
        "notification": {
            "id": delivery.notification_id,
            "kind": delivery.kind,
            "title": delivery.title,
            "body": delivery.body,
            "link": delivery.link,
            "task_id": delivery.task_id,
            "due_at": delivery.due_at.isoformat() if delivery.due_at else None,
            "delivered_at": delivery.delivered_at.isoformat(),
            "late": delivery.late,
        },
    }


#: Notifications kept per user for the next tab to show (the newest, when more came).
MISSED_PER_USER = 20


class Missed:
    """Notifications delivered while the user had no tab open, for the next tab to show.

    A reminder that comes due while nobody looks (above all the late ones delivered as the
    server starts, before any tab has connected again) would otherwise only raise the bell;
    the first tab that connects shows them as toasts. Kept in memory: they are in the
    notification centre anyway."""

    def __init__(self, per_user: int = MISSED_PER_USER) -> None:
        self._per_user = per_user
        self._by_user: dict[int, deque[dict[str, Any]]] = {}

    def keep(self, user_id: int, note: dict[str, Any]) -> None:
        kept = self._by_user.setdefault(user_id, deque(maxlen=self._per_user))
        kept.append(note)

    def take(self, user_id: int) -> list[dict[str, Any]]:
        return list(self._by_user.pop(user_id, ()))


class WebChannel:
    name = "web"

    def __init__(self, pusher: Pusher, missed: Missed | None = None) -> None:
        self._pusher = pusher
        self.missed = missed if missed is not None else Missed()

    async def send(self, delivery: Delivery) -> None:
        message = notification_message(delivery)
        if await self._pusher.push(delivery.user_id, message) == 0:
            self.missed.keep(delivery.user_id, message["notification"])

    async def unread_changed(self, user_id: int, unread: int) -> None:
        await self._pusher.push(user_id, {"type": "unread", "unread": unread})


def greeter(
    uows: UowFactory, counts: UnreadCounts, missed: Missed
) -> Callable[[int], Awaitable[dict[str, Any]]]:
    """What a tab hears first: the true unread count (it may have changed elsewhere), and
    the notifications that came while no tab was open and are still unread."""

    async def greet(user_id: int) -> dict[str, Any]:
        notes = missed.take(user_id)
        async with uows(write=False) as uow:
            unread = await service.unread_count(uow, user_id)
            still = await service.unread_among(uow, user_id, [n["id"] for n in notes])
        counts.set(user_id, unread)
        return {"type": "hello", "unread": unread, "missed": [n for n in notes if n["id"] in still]}

    return greet
