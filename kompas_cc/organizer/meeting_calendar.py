"""Meetings in the calendar views: those the people of a view organise or take part in,
placed on the day they start in the viewer's zone (agenda.py merges them in)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from kompas_cc.core.actor import Actor
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import meeting_access, meeting_repo, repo
from kompas_cc.organizer.schemas import AgendaItem
from kompas_cc.organizer.timing import local_day

#: The calendar views show at most this many meetings of one period.
MAX_MEETINGS = 1000


async def agenda_items(
    uow: UnitOfWork,
    actor: Actor,
    user_ids: Sequence[int],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
) -> list[AgendaItem]:
    """The meetings of these people starting in [start, end) that the viewer sees."""
    meetings, _total = await meeting_repo.find_meetings(
        uow.session,
        [
            meeting_access.meeting_filter(actor),
            meeting_repo.meeting_attendee(user_ids),
            meeting_repo.starts_within(start, end),
        ],
        limit=MAX_MEETINGS,
    )
    people = await repo.user_rows(uow.session, [m.organiser_id for m in meetings])
    clients = await repo.client_names(uow.session, [m.client_id for m in meetings])
    return [
        AgendaItem(
            kind="meeting",
            id=m.id,
            title=m.title,
            at=m.starts_at,
            day=local_day(m.starts_at, zone),
            until=m.ends_at,
            status=m.status,
            overdue=False,
            done=m.status == "held",
            client_id=m.client_id,
            client=clients.get(m.client_id) if m.client_id else None,
            person=people[m.organiser_id].name if m.organiser_id in people else None,
            link=f"/organizer/meetings/{m.id}",
        )
        for m in meetings
    ]
