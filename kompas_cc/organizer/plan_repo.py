"""Queries of work plans, and the rows of contacts and tasks that plans are compared with.
Never commits.

Fact and schedule rows come back as plain tuples of the few columns needed: the service
places them on days of each employee's time zone, which SQL cannot do alike on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kompas_cc.organizer.models import Contact, Task
from kompas_cc.organizer.plan_models import (
    DayPlanOverride,
    WorkPlan,
    WorkPlanClientTarget,
    WorkPlanTarget,
)


class DoneContact(NamedTuple):
    user_id: int
    kind: str
    client_id: int
    done_at: datetime


class PlannedContact(NamedTuple):
    user_id: int
    kind: str
    planned_at: datetime


class DoneTask(NamedTuple):
    executor_id: int
    client_id: int | None
    closed_at: datetime


class DueTask(NamedTuple):
    executor_id: int
    status: str
    due_at: datetime | None
    due_date: date | None
    timezone: str


# -- plans -------------------------------------------------------------------------------


async def get_plan(session: AsyncSession, user_id: int, month: date) -> WorkPlan | None:
    result = await session.execute(
        select(WorkPlan).where(WorkPlan.user_id == user_id, WorkPlan.month == month)
    )
    return result.scalar_one_or_none()


async def plans_of(session: AsyncSession, user_ids: Collection[int], month: date) -> list[WorkPlan]:
    if not user_ids:
        return []
    result = await session.execute(
        select(WorkPlan).where(WorkPlan.user_id.in_(sorted(user_ids)), WorkPlan.month == month)
    )
    return list(result.scalars())


async def add_plan(session: AsyncSession, plan: WorkPlan) -> WorkPlan:
    session.add(plan)
    await session.flush()
    return plan


async def targets_of(session: AsyncSession, plan_ids: Collection[int]) -> list[WorkPlanTarget]:
    if not plan_ids:
        return []
    result = await session.execute(
        select(WorkPlanTarget).where(WorkPlanTarget.plan_id.in_(sorted(plan_ids)))
    )
    return list(result.scalars())


async def client_targets_of(
    session: AsyncSession, plan_ids: Collection[int]
) -> list[WorkPlanClientTarget]:
    if not plan_ids:
        return []
    result = await session.execute(
        select(WorkPlanClientTarget)
        .where(WorkPlanClientTarget.plan_id.in_(sorted(plan_ids)))
        .order_by(WorkPlanClientTarget.client_id, WorkPlanClientTarget.kind)
    )
    return list(result.scalars())


async def replace_targets(
    session: AsyncSession,
    plan_id: int,
    amounts: Mapping[str, int],
    client_amounts: Mapping[tuple[int, str], int],
) -> None:
    """The plan's numbers become these; zeros are not stored."""
    await session.execute(delete(WorkPlanTarget).where(WorkPlanTarget.plan_id == plan_id))
    await session.execute(
        delete(WorkPlanClientTarget).where(WorkPlanClientTarget.plan_id == plan_id)
    )
    session.add_all(
        WorkPlanTarget(plan_id=plan_id, kind=kind, amount=amount)
        for kind, amount in amounts.items()
        if amount
    )
    session.add_all(
        WorkPlanClientTarget(plan_id=plan_id, client_id=client_id, kind=kind, amount=amount)
        for (client_id, kind), amount in client_amounts.items()
        if amount
    )
    await session.flush()


async def move_client_targets(session: AsyncSession, old_id: int, new_id: int) -> None:
    """Client targets of `old_id` go to `new_id`; where a plan has both, they add up."""
    moved = await session.execute(
        select(WorkPlanClientTarget).where(WorkPlanClientTarget.client_id == old_id)
    )
    for target in list(moved.scalars()):
        kept = await session.get(WorkPlanClientTarget, (target.plan_id, new_id, target.kind))
        if kept is not None:
            kept.amount += target.amount
        else:
            session.add(
                WorkPlanClientTarget(
                    plan_id=target.plan_id, client_id=new_id, kind=target.kind, amount=target.amount
                )
            )
        await session.delete(target)


# -- days set by hand --------------------------------------------------------------------


async def overrides_of(
    session: AsyncSession, user_ids: Collection[int], first: date, last: date
) -> list[DayPlanOverride]:
    if not user_ids:
        return []
    result = await session.execute(
        select(DayPlanOverride).where(
            DayPlanOverride.user_id.in_(sorted(user_ids)),
            DayPlanOverride.day >= first,
            DayPlanOverride.day <= last,
        )
    )
    return list(result.scalars())


async def replace_day(
    session: AsyncSession,
    user_id: int,
    day: date,
    amounts: Mapping[str, int],
    now: datetime,
    by_user_id: int,
) -> None:
    await session.execute(
        delete(DayPlanOverride).where(
            DayPlanOverride.user_id == user_id, DayPlanOverride.day == day
        )
    )
    session.add_all(
        DayPlanOverride(
            user_id=user_id,
            day=day,
            kind=kind,
            amount=amount,
            updated_at=now,
            updated_by_id=by_user_id,
        )
        for kind, amount in amounts.items()
    )
    await session.flush()


# -- what plans are compared with --------------------------------------------------------


async def done_contacts(
    session: AsyncSession, user_ids: Collection[int], start: datetime, end: datetime
) -> list[DoneContact]:
    """Contacts these users made that took place in [start, end)."""
    result = await session.execute(
        select(Contact.user_id, Contact.kind, Contact.client_id, Contact.done_at).where(
            Contact.user_id.in_(sorted(user_ids)),
            Contact.state == "done",
            Contact.done_at >= start,
            Contact.done_at < end,
        )
    )
    return [DoneContact._make(row) for row in result.all()]


async def planned_contacts(
    session: AsyncSession, user_ids: Collection[int], start: datetime, end: datetime
) -> list[PlannedContact]:
    """Contacts of these users planned for [start, end), whether they took place since or
    not: a day's schedule stays what it was when the day began."""
    result = await session.execute(
        select(Contact.user_id, Contact.kind, Contact.planned_at).where(
            Contact.user_id.in_(sorted(user_ids)),
            Contact.planned_at >= start,
            Contact.planned_at < end,
        )
    )
    return [PlannedContact._make(row) for row in result.all()]


async def done_tasks(
    session: AsyncSession, user_ids: Collection[int], start: datetime, end: datetime
) -> list[DoneTask]:
    """Tasks these users are responsible for, completed in [start, end)."""
    result = await session.execute(
        select(Task.executor_id, Task.client_id, Task.closed_at).where(
            Task.executor_id.in_(sorted(user_ids)),
            Task.status == "done",
            Task.closed_at >= start,
            Task.closed_at < end,
        )
    )
    return [DoneTask._make(row) for row in result.all()]


async def due_tasks(
    session: AsyncSession,
    user_ids: Collection[int],
    start: datetime,
    end: datetime,
    first: date,
    last: date,
) -> list[DueTask]:
    """Tasks these users are responsible for, due in [start, end) or on the days
    first..last, cancelled ones left out."""
    result = await session.execute(
        select(Task.executor_id, Task.status, Task.due_at, Task.due_date, Task.timezone).where(
            Task.executor_id.in_(sorted(user_ids)),
            Task.status != "cancelled",
            or_(
                and_(Task.due_at >= start, Task.due_at < end),
                and_(Task.due_date >= first, Task.due_date <= last),
            ),
        )
    )
    return [DueTask._make(row) for row in result.all()]


async def open_tasks_due_before(
    session: AsyncSession, user_ids: Sequence[int], end: datetime, last: date
) -> list[DueTask]:
    """Open tasks these users are responsible for, due before `end` or on a day up to
    `last`: the candidates for overdue, judged by the service in each task's zone."""
    result = await session.execute(
        select(Task.executor_id, Task.status, Task.due_at, Task.due_date, Task.timezone).where(
            Task.executor_id.in_(sorted(user_ids)),
            Task.status.in_(("new", "in_progress")),
            or_(Task.due_at < end, Task.due_date <= last),
        )
    )
    return [DueTask._make(row) for row in result.all()]
