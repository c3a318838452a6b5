"""Helpers of notification tests: notifications written into a running app."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kompas_cc.notifications.service import notify
from kompas_cc.webapp import keys


async def notify_user(app: web.Application, user_id: int, title: str, **fields: Any) -> int:
    """A notification written in the app's own database, through its bus (so it is pushed)."""
    kind = fields.pop("kind", "reminder")
    async with app[keys.UOW]() as uow:
        return await notify(uow, user_id, kind, title, now=app[keys.CLOCK].now(), **fields)
