"""Reactions of notifications to their own events: the unread counts and the live channels."""

from __future__ import annotations

from kompas_cc.core.bus import Bus
from kompas_cc.notifications.channels import ChannelRegistry
from kompas_cc.notifications.counts import UnreadCounts
from kompas_cc.notifications.events import NotificationCreated, NotificationsRead
from kompas_cc.notifications.service import delivery_of_event


def register(bus: Bus, channels: ChannelRegistry, counts: UnreadCounts) -> None:
    async def on_notification_created(event: NotificationCreated) -> None:
        counts.set(event.user_id, event.unread)
        await channels.push_live(delivery_of_event(event))

    async def on_notifications_read(event: NotificationsRead) -> None:
        counts.set(event.user_id, event.unread)
        await channels.unread_changed(event.user_id, event.unread)

    bus.subscribe(NotificationCreated, on_notification_created)
    bus.subscribe(NotificationsRead, on_notifications_read)
