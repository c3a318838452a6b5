"""The web panel as a live channel: every open tab of the user gets the notification.

The socket hub itself (aiohttp) lives in webapp/ws.py and knows no domain; this module
only shapes the messages the panel's JavaScript understands:

    {"type": "hello", "unread": 3}                       when a tab connects
    {"type": "notification", "unread": 4, "notification": {...}}
    {"type": "unread", "unread": 0}                      read in another tab
"""

from __future__ import annotations

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


class WebChannel:
    name = "web"

    def __init__(self, pusher: Pusher) -> None:
        self._pusher = pusher

    async def send(self, delivery: Delivery) -> None:
        await self._pusher.push(delivery.user_id, notification_message(delivery))

    async def unread_changed(self, user_id: int, unread: int) -> None:
        await self._pusher.push(user_id, {"type": "unread", "unread": unread})


def greeter(uows: UowFactory, counts: UnreadCounts) -> Callable[[int], Awaitable[dict[str, Any]]]:
    """What a tab hears first: the true unread count (it may have changed elsewhere)."""

    async def greet(user_id: int) -> dict[str, Any]:
        async with uows(write=False) as uow:
            unread = await service.unread_count(uow, user_id)
        counts.set(user_id, unread)
        return {"type": "hello", "unread": unread}

    return greet
