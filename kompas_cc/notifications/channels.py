"""Ways a notification reaches a person, behind one small interface.

Every notification is first written to the database (the notification centre); channels
only carry it further:

* live channels (the web panel's WebSocket) get it right after the commit, best effort:
  a browser that is closed reads it in the notification centre later;
* durable channels (e-mail, Telegram) get it through a scheduled job written in the same
  transaction as the notification, for the users who chose that channel: a crash or a
  failing server delays the message (retries, then parked and logged), never loses it.

A new channel implements `Channel` (durable) or `LiveChannel` and is added to the
registry by the composition root; neither the scheduler nor the notification service
changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A notification as a channel sends it: plain values only."""

    notification_id: int
    user_id: int
    kind: str
    title: str
    body: str
    link: str | None
    task_id: int | None
    due_at: datetime | None
    delivered_at: datetime
    late: bool
    #: The user's unread notifications, this one included.
    unread: int


class Channel(Protocol):
    """A durable channel: `send` runs inside a job; raising makes the job retry later."""

    @property
    def name(self) -> str: ...

    async def send(self, delivery: Delivery) -> None: ...


class LiveChannel(Channel, Protocol):
    """A channel to what the user has open now; it also hears when the unread count moves."""

    async def unread_changed(self, user_id: int, unread: int) -> None: ...


class UnknownChannel(LookupError):
    """A user chose a channel this server does not have."""


class ChannelRegistry:
    def __init__(self) -> None:
        self._live: list[LiveChannel] = []
        self._durable: dict[str, Channel] = {}

    def add_live(self, channel: LiveChannel) -> None:
        self._live.append(channel)

    def add_durable(self, channel: Channel) -> None:
        if channel.name in self._durable:
            raise ValueError(f"channel {channel.name!r} is registered already")
        self._durable[channel.name] = channel

    @property
    def durable_names(self) -> tuple[str, ...]:
        return tuple(sorted(self._durable))

    def durable(self, name: str) -> Channel:
        try:
            return self._durable[name]
        except KeyError:
            raise UnknownChannel(name) from None

    async def push_live(self, delivery: Delivery) -> None:
        for channel in self._live:
            try:
                await channel.send(delivery)
            except Exception:
                logger.exception("live channel %s failed", channel.name)

    async def unread_changed(self, user_id: int, unread: int) -> None:
        for channel in self._live:
            try:
                await channel.unread_changed(user_id, unread)
            except Exception:
                logger.exception("live channel %s failed", channel.name)
