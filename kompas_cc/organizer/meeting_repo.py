"""Queries over meetings, their participants, agenda, preparation and decisions. Never
commits. Users and clients are read through the organizer's repo (table constructs)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kompas_cc.organizer.meeting_models import (
    Meeting,
    MeetingAgendaItem,
    MeetingDecision,
    MeetingParticipant,
    MeetingPrepItem,
    MeetingPrepReminder,
)
from kompas_cc.organizer.models import Task
from kompas_cc.organizer.schemas import OPEN_STATUSES

# -- visibility pieces (composed by meeting_access) -------------------------------------


def meeting_attendee(user_ids: Collection[int]) -> ColumnElement[bool]:
    """Meetings these users organise or take part in."""
    wanted = sorted(user_ids)
    return or_(
        Meeting.organiser_id.in_(wanted),
        exists().where(
            MeetingParticipant.meeting_id == Meeting.id, MeetingParticipant.user_id.in_(wanted)
        ),
    )


def everybody() -> ColumnElement[bool]:
    return true()


def nobody() -> ColumnElement[bool]:
    return false()


# -- meetings ----------------------------------------------------------------------------


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def visible_meeting(
    session: AsyncSession, meeting_id: int, visible: ColumnElement[bool]
) -> Meeting | None:
    result = await session.execute(select(Meeting).where(Meeting.id == meeting_id, visible))
    return result.scalar_one_or_none()


def starts_within(start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    """Meetings starting in [start, end), either end open."""
    conditions = [Meeting.starts_at >= start] if start is not None else []
    if end is not None:
        conditions.append(Meeting.starts_at < end)
    return and_(true(), *conditions)


def status_in(statuses: Collection[str]) -> ColumnElement[bool]:
    return Meeting.status.in_(sorted(statuses))


def of_client(client_id: int) -> ColumnElement[bool]:
    return Meeting.client_id == client_id


def text_in_title(text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(Meeting.title).like(f"%{escaped.lower()}%", escape="\\")


async def find_meetings(
    session: AsyncSession,
    filters: Sequence[ColumnElement[bool]],
    *,
    offset: int = 0,
    limit: int | None = None,
    newest_first: bool = False,
) -> tuple[list[Meeting], int]:
    stmt = select(Meeting).where(*filters)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    order = (
        (Meeting.starts_at.desc(), Meeting.id.desc())
        if newest_first
        else (Meeting.starts_at, Meeting.id)
    )
    stmt = stmt.order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    result = await session.execute(stmt)
    return list(result.scalars()), int(total or 0)


async def meetings_of_client(
    session: AsyncSession,
    client_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[Meeting]:
    stmt = select(Meeting).where(Meeting.client_id == client_id)
    if since is not None:
        stmt = stmt.where(Meeting.starts_at >= since)
    if until is not None:
        stmt = stmt.where(Meeting.starts_at <= until)
    result = await session.execute(
        stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit)
    )
    return list(result.scalars())


# -- participants and agenda -------------------------------------------------------------


async def participant_ids(
    session: AsyncSession, meeting_ids: Sequence[int]
) -> dict[int, list[int]]:
    if not meeting_ids:
        return {}
    result = await session.execute(
        select(MeetingParticipant.meeting_id, MeetingParticipant.user_id)
        .where(MeetingParticipant.meeting_id.in_(meeting_ids))
        .order_by(MeetingParticipant.meeting_id, MeetingParticipant.user_id)
    )
    out: dict[int, list[int]] = {meeting_id: [] for meeting_id in meeting_ids}
    for meeting_id, user_id in result.all():
        out[meeting_id].append(user_id)
    return out


async def set_participants(session: AsyncSession, meeting_id: int, user_ids: list[int]) -> None:
    await session.execute(
        delete(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting_id)
    )
    session.add_all(MeetingParticipant(meeting_id=meeting_id, user_id=u) for u in user_ids)


async def list_agenda(session: AsyncSession, meeting_id: int) -> list[MeetingAgendaItem]:
    result = await session.execute(
        select(MeetingAgendaItem)
        .where(MeetingAgendaItem.meeting_id == meeting_id)
        .order_by(MeetingAgendaItem.position, MeetingAgendaItem.id)
    )
    return list(result.scalars())


async def clear_agenda(session: AsyncSession, meeting_id: int) -> None:
    await session.execute(
        delete(MeetingAgendaItem).where(MeetingAgendaItem.meeting_id == meeting_id)
    )


# -- preparation -------------------------------------------------------------------------


async def list_prep_items(session: AsyncSession, meeting_id: int) -> list[MeetingPrepItem]:
    result = await session.execute(
        select(MeetingPrepItem)
        .where(MeetingPrepItem.meeting_id == meeting_id)
        .order_by(MeetingPrepItem.position, MeetingPrepItem.id)
    )
    return list(result.scalars())


async def get_prep_item(session: AsyncSession, item_id: int) -> MeetingPrepItem | None:
    return await session.get(MeetingPrepItem, item_id)


async def list_prep_reminders(
    session: AsyncSession, item_ids: Sequence[int]
) -> list[MeetingPrepReminder]:
    if not item_ids:
        return []
    result = await session.execute(
        select(MeetingPrepReminder)
        .where(MeetingPrepReminder.item_id.in_(item_ids))
        .order_by(MeetingPrepReminder.id)
    )
    return list(result.scalars())


async def get_prep_reminder(session: AsyncSession, reminder_id: int) -> MeetingPrepReminder | None:
    return await session.get(MeetingPrepReminder, reminder_id)


async def clear_prep_reminders(session: AsyncSession, item_id: int) -> None:
    await session.execute(delete(MeetingPrepReminder).where(MeetingPrepReminder.item_id == item_id))


# -- decisions ---------------------------------------------------------------------------


async def list_decisions(session: AsyncSession, meeting_id: int) -> list[MeetingDecision]:
    result = await session.execute(
        select(MeetingDecision)
        .where(MeetingDecision.meeting_id == meeting_id)
        .order_by(MeetingDecision.position, MeetingDecision.id)
    )
    return list(result.scalars())


async def get_decision(session: AsyncSession, decision_id: int) -> MeetingDecision | None:
    return await session.get(MeetingDecision, decision_id)


async def decision_of_task(
    session: AsyncSession, task_id: int
) -> tuple[MeetingDecision, Meeting] | None:
    result = await session.execute(
        select(MeetingDecision, Meeting)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .where(MeetingDecision.task_id == task_id)
    )
    row = result.one_or_none()
    return (row[0], row[1]) if row is not None else None


async def task_states(
    session: AsyncSession, task_ids: Sequence[int]
) -> dict[int, tuple[str, datetime | None]]:
    """The status and closing time of each task still there."""
    if not task_ids:
        return {}
    result = await session.execute(
        select(Task.id, Task.status, Task.closed_at).where(Task.id.in_(task_ids))
    )
    return {task_id: (status, closed_at) for task_id, status, closed_at in result.all()}


async def decision_counts(
    session: AsyncSession, meeting_ids: Sequence[int], now: datetime
) -> dict[int, tuple[int, int]]:
    """Per meeting: how many decisions, and how many of them are late."""
    if not meeting_ids:
        return {}
    late = func.sum(case((decision_late(now), 1), else_=0))
    result = await session.execute(
        select(MeetingDecision.meeting_id, func.count(), late)
        .outerjoin(Task, Task.id == MeetingDecision.task_id)
        .where(MeetingDecision.meeting_id.in_(meeting_ids))
        .group_by(MeetingDecision.meeting_id)
    )
    return {meeting_id: (int(n), int(k or 0)) for meeting_id, n, k in result.all()}


# -- the states of decisions, in SQL (the report) ---------------------------------------
# A decision whose task is gone counts as open: nothing says it was carried out.


def decision_open() -> ColumnElement[bool]:
    return or_(Task.id.is_(None), Task.status.in_(OPEN_STATUSES))


def decision_done() -> ColumnElement[bool]:
    return Task.status == "done"


def decision_cancelled() -> ColumnElement[bool]:
    return Task.status == "cancelled"


def decision_late(now: datetime) -> ColumnElement[bool]:
    """Not done once its deadline day is over, or done after that."""
    return or_(
        and_(decision_open(), MeetingDecision.deadline_end_at <= now),
        and_(decision_done(), Task.closed_at >= MeetingDecision.deadline_end_at),
    )


def deadline_between(first: date | None, last: date | None) -> ColumnElement[bool]:
    conditions = [MeetingDecision.deadline >= first] if first is not None else []
    if last is not None:
        conditions.append(MeetingDecision.deadline <= last)
    return and_(true(), *conditions)


def responsible_is(user_id: int) -> ColumnElement[bool]:
    return MeetingDecision.responsible_id == user_id


#: A decision, its meeting, and its task's status and closing time (None: no task).
DecisionLine = tuple[MeetingDecision, Meeting, str | None, datetime | None]


async def find_decisions(
    session: AsyncSession,
    filters: Sequence[ColumnElement[bool]],
    *,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[DecisionLine], int]:
    """Decisions with their meeting and their task's status and closing time, by deadline."""
    stmt = (
        select(MeetingDecision, Meeting, Task.status, Task.closed_at)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .outerjoin(Task, Task.id == MeetingDecision.task_id)
        .where(*filters)
    )
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    stmt = stmt.order_by(
        MeetingDecision.deadline, Meeting.starts_at, MeetingDecision.position, MeetingDecision.id
    ).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    result = await session.execute(stmt)
    return [(d, m, status, closed) for d, m, status, closed in result.all()], int(total or 0)


async def count_decisions(session: AsyncSession, filters: Sequence[ColumnElement[bool]]) -> int:
    stmt = (
        select(func.count())
        .select_from(MeetingDecision)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .outerjoin(Task, Task.id == MeetingDecision.task_id)
        .where(*filters)
    )
    return int(await session.scalar(stmt) or 0)
