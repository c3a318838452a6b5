"""Facts about due-time jobs, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class JobScheduled(Event):
    """A job was added or moved; a loop sleeping past `due_at` wakes up for it."""

    job_id: int
    kind: str
    due_at: datetime
