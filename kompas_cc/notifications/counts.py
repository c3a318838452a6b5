"""Each user's unread count in memory, so every page's bell shows it without a query.

Pages are rendered synchronously, after the handler's queries; the count must already be
known then. It is loaded at start, and every notification written or read in this process
sets it exactly (the events carry it). Changes made by other processes are seen when the
user's tab next asks (the WebSocket greeting, the notifications API or page).
"""

from __future__ import annotations

from collections.abc import Iterable


class UnreadCounts:
    def __init__(self) -> None:
        self._counts: dict[int, int] = {}

    def get(self, user_id: int) -> int | None:
        """The count, or None while it is not known."""
        return self._counts.get(user_id)

    def set(self, user_id: int, unread: int) -> None:
        self._counts[user_id] = unread

    def load(self, counts: Iterable[tuple[int, int]]) -> None:
        """Replace everything with (user id, unread) pairs; users not named have none."""
        self._counts = {user: 0 for user in self._counts}
        self._counts.update(counts)
