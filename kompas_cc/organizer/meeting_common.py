"""What the meeting modules share: finding a meeting the user may see or change, and
checking the people named in one."""

from __future__ import annotations

from collections.abc import Iterable

from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Forbidden, NotFound
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import meeting_access, meeting_repo, repo
from kompas_cc.organizer.meeting_models import Meeting

MSG_NO_USER = "No such user"
MSG_DEALER = "Dealers do not take part in meetings"
MSG_NOT_ATTENDING = "Only the organiser and the participants speak at a meeting and prepare for it"


class NoSuchMeeting(NotFound):
    error_id = "no-such-meeting"


class NotAMeetingEditor(Forbidden):
    error_id = "not-a-meeting-editor"


async def require_meeting(uow: UnitOfWork, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await meeting_repo.visible_meeting(
        uow.session, meeting_id, meeting_access.meeting_filter(actor)
    )
    if meeting is None:
        raise NoSuchMeeting("No such meeting")
    return meeting


async def require_editable(uow: UnitOfWork, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await require_meeting(uow, actor, meeting_id)
    if not meeting_access.may_edit(actor, meeting.organiser_id):
        raise NotAMeetingEditor("Only the organiser, managers and admins change a meeting")
    return meeting


async def people_problem(uow: UnitOfWork, user_ids: Iterable[int]) -> str | None:
    """Why these users cannot be named in a meeting (unknown, inactive, dealer), or None."""
    wanted = set(user_ids)
    rows = await repo.user_rows(uow.session, wanted)
    if any(u not in rows or not rows[u].is_active for u in wanted):
        return MSG_NO_USER
    if any(rows[u].role == Role.DEALER.value for u in wanted):
        return MSG_DEALER
    return None


async def attendees(uow: UnitOfWork, meeting: Meeting) -> set[int]:
    """The organiser and the participants."""
    others = (await meeting_repo.participant_ids(uow.session, [meeting.id]))[meeting.id]
    return {meeting.organiser_id, *others}


def acting_as(user: repo.UserRow, timezone: str) -> Actor:
    """The task service acts for a user (the author of a decision's task), with the
    meeting's zone so that the task's due day is the decision's deadline day."""
    return Actor(
        id=user.id,
        login="",
        name=user.name,
        role=Role(user.role),
        locale=user.locale,
        timezone=timezone,
    )
