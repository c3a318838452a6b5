"""Who sees and who changes meetings, in one place.

Seeing: the organiser and the participants; managers and admins, who may change every
meeting, see every meeting; dealers see none. Changing (fields, agenda, minutes, status,
preparation, decisions): the organiser, managers and admins. A preparation item is also
ticked by the person who prepares it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from kompas_cc.core.actor import Actor, Role
from kompas_cc.organizer import meeting_repo

#: Roles that change any meeting.
EDITOR_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def meeting_filter(actor: Actor) -> ColumnElement[bool]:
    if actor.role in EDITOR_ROLES:
        return meeting_repo.everybody()
    if actor.role is Role.DEALER:
        return meeting_repo.nobody()
    return meeting_repo.meeting_attendee([actor.id])


def may_edit(actor: Actor, organiser_id: int) -> bool:
    return actor.role in EDITOR_ROLES or (
        actor.role is not Role.DEALER and actor.id == organiser_id
    )


def may_tick(actor: Actor, organiser_id: int, assignee_id: int) -> bool:
    return may_edit(actor, organiser_id) or actor.id == assignee_id
