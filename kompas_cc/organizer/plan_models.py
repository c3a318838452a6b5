"""Tables of work plans: an employee's month plan (numbers of contacts by kind and of tasks
done, optionally per client) and the day plans edited by hand (migration 0005)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kompas_cc.db.base import Base, UtcDateTime


class WorkPlan(Base):
    """The month plan of one employee; `month` is the first day of the month."""

    __tablename__ = "work_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("user_id", "month"),)


class WorkPlanTarget(Base):
    """How many of a kind (a contact kind, or "task" for tasks done) the month plans."""

    __tablename__ = "work_plan_targets"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("work_plans.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)


class WorkPlanClientTarget(Base):
    """How many of a kind the month plans with one client."""

    __tablename__ = "work_plan_client_targets"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("work_plans.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)


class DayPlanOverride(Base):
    """A day's number of a kind set by hand: it replaces the derived day plan, and the
    rest of the month is spread over the other working days."""

    __tablename__ = "work_plan_days"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)
