"""Use cases of meetings: set one up (with its agenda and preparation), change it, hold or
call it off, delete it, read and list them; what a meeting's page needs; meetings on a
client's timeline; the meeting a task carries out a decision of.

Preparation is in meeting_prep.py, decisions in meeting_decisions.py, the report in
decisions_report.py, the calendar views' part in meeting_calendar.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from kompas_cc import scheduler
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.timeline import TimelineEntry, TimelineWindow
from kompas_cc.core.actor import STAFF_ROLES, Actor, Role
from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import (
    meeting_access,
    meeting_decisions,
    meeting_prep,
    meeting_repo,
    repo,
)
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.meeting_common import (
    MSG_NOT_ATTENDING,
    people_problem,
    require_editable,
    require_meeting,
)
from kompas_cc.organizer.meeting_events import MeetingChanged, MeetingDeleted, MeetingPlanned
from kompas_cc.organizer.meeting_models import Meeting, MeetingAgendaItem
from kompas_cc.organizer.meeting_schemas import (
    AgendaItemIn,
    AgendaItemOut,
    MeetingBrief,
    MeetingIn,
    MeetingListQuery,
    MeetingNew,
    MeetingOut,
    MeetingPage,
    MeetingPatch,
    MeetingStatus,
    PersonOut,
)
from kompas_cc.organizer.timing import day_start

MSG_ENDS_BEFORE = "The meeting must end after it starts"
MSG_TOO_LONG = "A meeting lasts at most a week"
MSG_NO_CLIENT = "No such client"
MAX_LENGTH = timedelta(days=7)


# -- reading -----------------------------------------------------------------------------


async def meeting_out(uow: UnitOfWork, meeting: Meeting, now: datetime) -> MeetingOut:
    session = uow.session
    participants = (await meeting_repo.participant_ids(session, [meeting.id]))[meeting.id]
    agenda = await meeting_repo.list_agenda(session, meeting.id)
    people = await repo.user_rows(
        session,
        [meeting.organiser_id, *participants]
        + [a.speaker_id for a in agenda if a.speaker_id is not None],
    )
    clients = await repo.client_names(session, [meeting.client_id])

    def name(user_id: int) -> str:
        return people[user_id].name if user_id in people else ""

    items = await meeting_repo.list_prep_items(session, meeting.id)
    decisions = await meeting_repo.list_decisions(session, meeting.id)
    return MeetingOut(
        id=meeting.id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        link=meeting.link,
        organiser_id=meeting.organiser_id,
        organiser=name(meeting.organiser_id),
        participants=[PersonOut(id=u, name=name(u)) for u in participants],
        participant_ids=participants,
        client_id=meeting.client_id,
        client=clients.get(meeting.client_id) if meeting.client_id else None,
        status=cast(MeetingStatus, meeting.status),
        minutes=meeting.minutes,
        timezone=meeting.timezone,
        author_id=meeting.author_id,
        agenda=[
            AgendaItemOut(
                id=a.id,
                position=a.position,
                title=a.title,
                speaker_id=a.speaker_id,
                speaker=name(a.speaker_id) if a.speaker_id is not None else None,
            )
            for a in agenda
        ],
        preparation=await meeting_prep.prep_outs(uow, meeting, items),
        decisions=await meeting_decisions.decision_outs(uow, meeting, decisions, now),
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
    )


async def get_meeting(uow: UnitOfWork, actor: Actor, meeting_id: int, now: datetime) -> MeetingOut:
    return await meeting_out(uow, await require_meeting(uow, actor, meeting_id), now)


async def meeting_to_edit(
    uow: UnitOfWork, actor: Actor, meeting_id: int, now: datetime
) -> MeetingOut:
    """A meeting for its form: only for those who may change it."""
    return await meeting_out(uow, await require_editable(uow, actor, meeting_id), now)


async def list_meetings(
    uow: UnitOfWork, actor: Actor, query: MeetingListQuery, now: datetime
) -> MeetingPage:
    """The meetings the user sees, newest first."""
    zone = ZoneInfo(actor.timezone)
    filters = [meeting_access.meeting_filter(actor)]
    if query.since is not None or query.until is not None:
        filters.append(
            meeting_repo.starts_within(
                day_start(query.since, zone) if query.since else None,
                day_start(query.until + timedelta(days=1), zone) if query.until else None,
            )
        )
    if query.person_id is not None:
        filters.append(meeting_repo.meeting_attendee([query.person_id]))
    if query.status:
        filters.append(meeting_repo.status_in(query.status))
    if query.client_id is not None:
        filters.append(meeting_repo.of_client(query.client_id))
    if query.q:
        filters.append(meeting_repo.text_in_title(query.q))
    offset = (query.page - 1) * query.per_page
    meetings, total = await meeting_repo.find_meetings(
        uow.session, filters, offset=offset, limit=query.per_page, newest_first=True
    )
    return MeetingPage(
        items=await meeting_briefs(uow, meetings, now),
        page=query.page,
        per_page=query.per_page,
        total=total,
        has_more=offset + len(meetings) < total,
    )


async def meeting_briefs(
    uow: UnitOfWork, meetings: Sequence[Meeting], now: datetime
) -> list[MeetingBrief]:
    ids = [m.id for m in meetings]
    participants = await meeting_repo.participant_ids(uow.session, ids)
    counts = await meeting_repo.decision_counts(uow.session, ids, now)
    people = await repo.user_rows(uow.session, [m.organiser_id for m in meetings])
    clients = await repo.client_names(uow.session, [m.client_id for m in meetings])
    return [
        MeetingBrief(
            id=m.id,
            title=m.title,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            place=m.place,
            status=cast(MeetingStatus, m.status),
            organiser_id=m.organiser_id,
            organiser=people[m.organiser_id].name if m.organiser_id in people else "",
            client_id=m.client_id,
            client=clients.get(m.client_id) if m.client_id else None,
            participants=len(participants.get(m.id, [])) + 1,
            decisions=counts.get(m.id, (0, 0))[0],
            late_decisions=counts.get(m.id, (0, 0))[1],
        )
        for m in meetings
    ]


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting with what the user may do on its page."""

    meeting: MeetingOut
    may_edit: bool
    may_tick: frozenset[int]


async def meeting_view(
    uow: UnitOfWork, actor: Actor, meeting_id: int, now: datetime
) -> MeetingView:
    meeting = await require_meeting(uow, actor, meeting_id)
    out = await meeting_out(uow, meeting, now)
    return MeetingView(
        meeting=out,
        may_edit=meeting_access.may_edit(actor, meeting.organiser_id),
        may_tick=frozenset(
            i.id
            for i in out.preparation
            if meeting_access.may_tick(actor, meeting.organiser_id, i.assignee_id)
        ),
    )


async def staff_choices(uow: UnitOfWork) -> list[tuple[int, str]]:
    """The people a meeting may name: active staff (dealers take no part), by name."""
    roles = [role.value for role in STAFF_ROLES]
    return [(u.id, u.name) for u in await repo.list_users(uow.session, roles)]


async def client_name(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, client_id: int
) -> str | None:
    try:
        return (await clients_service.get_client(uow, actor, policy.clients, client_id)).name
    except NotFound:
        return None


# -- checking what is to be saved --------------------------------------------------------


async def _checked(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    data: MeetingIn,
    now: datetime,
    old: Meeting | None,
) -> tuple[int, list[int]]:
    """The organiser and the other participants; or every problem at once."""
    errors: dict[str, str] = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = MSG_ENDS_BEFORE
    elif data.ends_at - data.starts_at > MAX_LENGTH:
        errors["ends_at"] = MSG_TOO_LONG
    organiser = data.organiser_id or (old.organiser_id if old else actor.id)
    problem = await people_problem(uow, [organiser])
    if problem:
        errors["organiser_id"] = problem
    participants = [p for p in dict.fromkeys(data.participant_ids) if p != organiser]
    problem = await people_problem(uow, participants)
    if problem:
        errors["participant_ids"] = problem
    people = {organiser, *participants}
    for n, item in enumerate(data.agenda):
        if item.speaker_id is not None and item.speaker_id not in people:
            errors[f"agenda.{n}.speaker_id"] = MSG_NOT_ATTENDING
    if old is not None:
        items = await meeting_repo.list_prep_items(uow.session, old.id)
        preparing = {i.assignee_id for i in items if not i.done}
        if not preparing <= people:
            errors.setdefault("participant_ids", MSG_NOT_ATTENDING)
    client_new = data.client_id is not None and (old is None or data.client_id != old.client_id)
    if client_new and await client_name(uow, actor, policy, data.client_id or 0) is None:
        errors["client_id"] = MSG_NO_CLIENT
    if isinstance(data, MeetingNew):
        for n, prep in enumerate(data.preparation):
            problems = await meeting_prep.item_problems(uow, people, data.starts_at, prep, now)
            errors.update({f"preparation.{n}.{k}": v for k, v in problems.items()})
    if errors:
        raise ValidationFailed("The meeting has invalid fields", fields=errors)
    return organiser, participants


def _agenda_rows(meeting_id: int, agenda: Sequence[AgendaItemIn]) -> list[MeetingAgendaItem]:
    return [
        MeetingAgendaItem(
            meeting_id=meeting_id, position=n, title=item.title, speaker_id=item.speaker_id
        )
        for n, item in enumerate(agenda, start=1)
    ]


# -- writing -----------------------------------------------------------------------------


async def create_meeting(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, data: MeetingNew, now: datetime
) -> MeetingOut:
    """Set up a meeting with its agenda and preparation; the items' reminders are
    scheduled in the same transaction."""
    if actor.role is Role.DEALER:
        raise Forbidden("Dealers do not take part in meetings")
    organiser, participants = await _checked(uow, actor, policy, data, now, None)
    meeting = Meeting(
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place,
        link=data.link,
        organiser_id=organiser,
        client_id=data.client_id,
        status=data.status,
        minutes=data.minutes,
        timezone=actor.timezone,
        author_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(meeting)
    await uow.session.flush()
    await meeting_repo.set_participants(uow.session, meeting.id, participants)
    uow.session.add_all(_agenda_rows(meeting.id, data.agenda))
    await meeting_prep.add_items(uow, meeting, data.preparation, now)
    await meeting_prep.sync_meeting_jobs(uow, meeting, now)
    uow.emit(MeetingPlanned(meeting.id, organiser, actor.id))
    return await meeting_out(uow, meeting, now)


async def update_meeting(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    meeting_id: int,
    data: MeetingIn,
    now: datetime,
) -> MeetingOut:
    """Replace the fields of a meeting (the agenda as a whole). A new time or status moves
    or ends the preparation reminders; a new organiser watches the decisions' tasks."""
    meeting = await require_editable(uow, actor, meeting_id)
    organiser, participants = await _checked(uow, actor, policy, data, now, meeting)
    old_organiser = meeting.organiser_id
    new_values: dict[str, Any] = {
        "title": data.title,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "place": data.place,
        "link": data.link,
        "organiser_id": organiser,
        "client_id": data.client_id,
        "status": data.status,
        "minutes": data.minutes,
    }
    changed = [name for name, value in new_values.items() if getattr(meeting, name) != value]
    for name in changed:
        setattr(meeting, name, new_values[name])
    old_participants = (await meeting_repo.participant_ids(uow.session, [meeting.id]))[meeting.id]
    if sorted(participants) != old_participants:
        await meeting_repo.set_participants(uow.session, meeting.id, participants)
        changed.append("participants")
    old_agenda = [
        (a.title, a.speaker_id) for a in await meeting_repo.list_agenda(uow.session, meeting.id)
    ]
    if [(a.title, a.speaker_id) for a in data.agenda] != old_agenda:
        await meeting_repo.clear_agenda(uow.session, meeting.id)
        uow.session.add_all(_agenda_rows(meeting.id, data.agenda))
        changed.append("agenda")
    if changed:
        meeting.updated_at = now
        await uow.session.flush()
        uow.emit(MeetingChanged(meeting.id, tuple(changed), actor.id))
    if organiser != old_organiser:
        await meeting_decisions.follow_organiser(uow, policy, meeting, old_organiser, now)
    await meeting_prep.sync_meeting_jobs(uow, meeting, now)
    return await meeting_out(uow, meeting, now)


def meeting_in_from(out: MeetingOut) -> dict[str, Any]:
    """The editable fields of a meeting, as a dict a patch can be merged into."""
    return {
        "title": out.title,
        "starts_at": out.starts_at,
        "ends_at": out.ends_at,
        "place": out.place,
        "link": out.link,
        "organiser_id": out.organiser_id,
        "participant_ids": out.participant_ids,
        "client_id": out.client_id,
        "status": out.status,
        "minutes": out.minutes,
        "agenda": [{"title": a.title, "speaker_id": a.speaker_id} for a in out.agenda],
    }


async def patch_meeting(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    meeting_id: int,
    patch: MeetingPatch,
    now: datetime,
) -> MeetingOut:
    """Change some fields of a meeting (status, minutes ...); the rest stays."""
    current = meeting_in_from(await get_meeting(uow, actor, meeting_id, now))
    current.update(patch.model_dump(exclude_unset=True))
    data = validate_model(MeetingIn, current, "The meeting")
    return await update_meeting(uow, actor, policy, meeting_id, data, now)


async def delete_meeting(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, meeting_id: int
) -> None:
    """Delete a meeting with its agenda, preparation and decisions, and the decisions'
    tasks; its pending reminder jobs are cancelled."""
    meeting = await require_editable(uow, actor, meeting_id)
    await meeting_decisions.drop_all(uow, policy, meeting)
    await scheduler.cancel(uow, meeting_prep.meeting_prefix(meeting.id))
    await uow.session.delete(meeting)
    await uow.session.flush()
    uow.emit(MeetingDeleted(meeting_id, actor.id))


# -- other modules and domains ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionLink:
    """The meeting whose decision a task carries out."""

    meeting_id: int
    meeting: str
    starts_at: datetime
    decision: str
    deadline: date


async def decision_of_task(uow: UnitOfWork, actor: Actor, task_id: int) -> DecisionLink | None:
    """The decision a task carries out, if any and if the user sees its meeting."""
    found = await meeting_repo.decision_of_task(uow.session, task_id)
    if found is None:
        return None
    decision, meeting = found
    try:
        await require_meeting(uow, actor, meeting.id)
    except NotFound:
        return None
    return DecisionLink(
        meeting.id, meeting.title, meeting.starts_at, decision.text, decision.deadline
    )


async def timeline_source(uow: UnitOfWork, window: TimelineWindow) -> list[TimelineEntry]:
    """The client's meetings for its timeline, at the time each starts."""
    meetings = await meeting_repo.meetings_of_client(
        uow.session, window.client_id, window.since, window.until, window.limit
    )
    people = await repo.user_rows(uow.session, [m.organiser_id for m in meetings])
    return [
        TimelineEntry(
            at=m.starts_at,
            kind="meeting",
            title=m.title,
            body=m.minutes or m.place,
            author=people[m.organiser_id].name if m.organiser_id in people else None,
            link=f"/organizer/meetings/{m.id}",
        )
        for m in meetings
    ]
