"""The WebSocket hub: `GET /ws` keeps every open tab of every user, and pushes to them.

A tab connects with its session cookie (the usual authentication) and only listens. The
hub knows no domain: the composition root gives it a greeting (the first message a tab
gets) and domains push plain JSON messages to a user through `Hub.push`. Pushing is best
effort: what must not be lost is in the database already (the notification centre).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from kompas_cc.core.actor import ALL_ROLES
from kompas_cc.core.errors import Forbidden
from kompas_cc.webapp.context import actor, dumps
from kompas_cc.webapp.routing import Routes

logger = logging.getLogger(__name__)

#: Ping every so often: proxies drop idle connections, and dead tabs are noticed.
WS_HEARTBEAT_S = 25.0
#: A tab that does not take a message within this time is closed (it reconnects).
WS_SEND_TIMEOUT_S = 2.0

Greeter = Callable[[int], Awaitable[dict[str, Any]]]

routes = Routes(tag="panel")


class Hub:
    def __init__(self) -> None:
        self._sockets: dict[int, set[web.WebSocketResponse]] = defaultdict(set)
        self.greeter: Greeter | None = None

    def open_sockets(self, user_id: int) -> int:
        return len(self._sockets.get(user_id, ()))

    def add(self, user_id: int, ws: web.WebSocketResponse) -> None:
        self._sockets[user_id].add(ws)

    def discard(self, user_id: int, ws: web.WebSocketResponse) -> None:
        sockets = self._sockets.get(user_id)
        if sockets is not None:
            sockets.discard(ws)
            if not sockets:
                del self._sockets[user_id]

    async def push(self, user_id: int, message: dict[str, Any]) -> int:
        """Send `message` to every open tab of the user; how many tabs got it."""
        sockets = list(self._sockets.get(user_id, ()))
        if not sockets:
            return 0
        text = dumps(message)
        sent = await asyncio.gather(*(self._send(user_id, ws, text) for ws in sockets))
        return sum(sent)

    async def _send(self, user_id: int, ws: web.WebSocketResponse, text: str) -> bool:
        if ws.closed:
            self.discard(user_id, ws)
            return False
        try:
            async with asyncio.timeout(WS_SEND_TIMEOUT_S):
                await ws.send_str(text)
        except (ConnectionError, RuntimeError, TimeoutError):
            self.discard(user_id, ws)
            with contextlib.suppress(Exception):
                await ws.close(code=WSCloseCode.TRY_AGAIN_LATER)
            return False
        return True

    async def disconnect(self, user_id: int) -> None:
        """Close the user's tabs (their credentials changed: they reconnect and re-check)."""
        for ws in list(self._sockets.pop(user_id, ())):
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"credentials changed")

    async def close_all(self) -> None:
        """At shutdown, so that open sockets do not hold the server's stop for long."""
        sockets = [ws for group in self._sockets.values() for ws in group]
        self._sockets.clear()
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


HUB = web.AppKey("ws_hub", Hub)


def _same_origin(request: web.Request) -> bool:
    """Browsers send the page's Origin with a WebSocket handshake (and the cookie even to
    another site's socket), so a page of another site must not listen in."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


@routes.get("/ws", roles=ALL_ROLES, name="ws")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    who = actor(request)
    if not _same_origin(request):
        raise Forbidden("A page of another site may not open this socket")
    hub = request.app[HUB]
    ws = web.WebSocketResponse(heartbeat=WS_HEARTBEAT_S)
    await ws.prepare(request)
    hub.add(who.id, ws)
    try:
        if hub.greeter is not None:
            await ws.send_str(dumps(await hub.greeter(who.id)))
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                logger.debug("socket of user %d failed: %s", who.id, ws.exception())
    finally:
        hub.discard(who.id, ws)
    return ws
