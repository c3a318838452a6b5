"""The table of due-time jobs: every reminder, digest and delayed send waits here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kompas_cc.db.base import Base, UtcDateTime

PENDING = "pending"
DONE = "done"
CANCELLED = "cancelled"
FAILED = "failed"


class ScheduledJob(Base):
    """One job. `key` names a job its owner may move or cancel ("task:42:remind:0").

    A loop claims a due job for a while (`claimed_by` until `claimed_until`); the job is
    finished in the same transaction as whatever its handler wrote.
    """

    __tablename__ = "scheduled_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    payload: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    # Finished jobs stay as history; the loop only ever looks at pending ones in due order.
    __table_args__ = (Index("ix_scheduled_jobs_state_due_at", "state", "due_at"),)
