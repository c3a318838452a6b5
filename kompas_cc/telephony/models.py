"""Tables of the call log: one row per finished call, with its legs and transfers.

Legs and transfers are child tables rather than JSON columns: their times stay real
timestamps (UTC on both databases, like every other time), and "every call transferred to
102" remains a plain indexed query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kompas_cc.db.base import Base, UtcDateTime

#: Room for a party: an extension, an E.164 number, or whatever Asterisk called it.
PARTY_LENGTH = 80
LINKEDID_LENGTH = 64
EXTENSION_LENGTH = 32


class Call(Base):
    """A finished call, as the call tracker reported it, with the operator and client found.

    `caller`, `callee`, `hangup_by` and the parties of legs and transfers hold a phone
    number in E.164 when the party is one, else the extension (or name) Asterisk gave.
    """

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(LINKEDID_LENGTH), unique=True)
    direction: Mapped[str] = mapped_column(String(16))
    caller: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    callee: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    queue: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    answered_by: Mapped[str | None] = mapped_column(String(EXTENSION_LENGTH))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ring_seconds: Mapped[int] = mapped_column(Integer)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int] = mapped_column(Integer)
    hold_seconds: Mapped[int] = mapped_column(Integer)
    disposition: Mapped[str] = mapped_column(String(16))
    voicemail: Mapped[bool] = mapped_column(Boolean)
    hangup_by: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    trunk: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    incomplete: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    legs: Mapped[list[CallLeg]] = relationship(
        lazy="raise", order_by="CallLeg.position", passive_deletes=True
    )
    transfers: Mapped[list[CallTransfer]] = relationship(
        lazy="raise", order_by="CallTransfer.position", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_calls_started_at", "started_at"),
        Index("ix_calls_client_started", "client_id", "started_at"),
        Index("ix_calls_operator_started", "operator_id", "started_at"),
        Index("ix_calls_caller", "caller"),
        Index("ix_calls_callee", "callee"),
        Index("ix_calls_answered_by", "answered_by"),
    )


class CallLeg(Base):
    """Two parties connected from `started_at` to `ended_at`, in the order they met."""

    __tablename__ = "call_legs"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_a: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    party_b: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallTransfer(Base):
    """`from_party` handed the call to `to_party` (blind or attended)."""

    __tablename__ = "call_transfers"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_party: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    to_party: Mapped[str | None] = mapped_column(String(PARTY_LENGTH))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


#: The rows of `call_callbacks` still waiting for a call back.
CALLBACK_OPEN = text("closed_at IS NULL")


class CallCallback(Base):
    """A number whose calls were missed, until somebody calls it back.

    Opened by the first missed call (with its callback task), counting the missed calls that
    follow, and closed by an answered outbound call to the number (`closed_call_id`, and the
    delay from the start of the first missed call to the answer), or without a call when its
    task is closed or deleted by hand. At most one row per number is open: a unique index
    over the open rows, so that two processes cannot open two.
    """

    __tablename__ = "call_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(PARTY_LENGTH))
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    #: The user the task was set in the name of: its author, who comments and closes it.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_missed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_missed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    missed_count: Mapped[int] = mapped_column(Integer)
    #: The last missed call counted, so that a call reported twice is counted once.
    last_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    delay_seconds: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index(
            "uq_call_callbacks_open_number",
            "number",
            unique=True,
            sqlite_where=CALLBACK_OPEN,
            postgresql_where=CALLBACK_OPEN,
        ),
        Index("ix_call_callbacks_first_missed_at", "first_missed_at"),
    )
