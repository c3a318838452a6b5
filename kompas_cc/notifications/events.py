"""Facts about notifications, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class NotificationCreated(Event):
    """A notification was written for a user; live channels push it, `unread` is their count."""

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
    unread: int


@dataclass(frozen=True, slots=True)
class NotificationsRead(Event):
    """A user read notifications (`notification_ids`); `unread` is what is left unread."""

    user_id: int
    notification_ids: tuple[int, ...]
    unread: int
