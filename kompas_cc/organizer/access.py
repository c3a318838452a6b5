"""Who sees and who changes which tasks and contacts: the organizer's rules, in one place.

Seeing. Admins see everything. Everybody sees the tasks they take part in (author,
executor, co-executor, watcher) and the contacts they make or planned. Managers also see
their team's: every task whose responsible executor, and every contact whose maker, is an
operator or a manager. And everybody sees the tasks and contacts of the clients they may
see (the clients module's rule), since those belong to the client's shared history.

Changing. A task is changed by its author and executors, by managers for their team and
by admins; watchers only read. It is deleted by its author, a manager of its team or an
admin. A contact is changed by its maker and its author, a manager of the team, an admin.

Discussing (comments now, the web chat and the Telegram bot later) is
`organizer.service.may_discuss`: the author and the executors, nobody else.

Files. Whoever may discuss a task attaches files to it, and so do the managers and admins
who see it. A file is deleted by its uploader, the task's author or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, or_

from kompas_cc.clients import service as clients_service
from kompas_cc.clients.access import ClientsPolicy
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.uploads import UploadRules
from kompas_cc.organizer import repo
from kompas_cc.organizer.models import Contact, Task

#: The roles whose work a manager sees and directs.
TEAM_ROLES = frozenset({Role.OPERATOR.value, Role.MANAGER.value})


@dataclass(frozen=True, slots=True)
class OrganizerPolicy:
    """Settings the organizer needs, as plain values."""

    clients: ClientsPolicy = field(default_factory=ClientsPolicy)

    @property
    def uploads(self) -> UploadRules:
        """Task files obey the same upload settings as the clients' files."""
        rules = self.clients
        return UploadRules(rules.uploads_dir, rules.upload_max_bytes, rules.upload_allowed_types)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks, with the clients they may see ("all", "own" or "none")."""

    actor: Actor
    clients: str

    @property
    def id(self) -> int:
        return self.actor.id


def viewer_of(actor: Actor, policy: OrganizerPolicy) -> Viewer:
    return Viewer(actor, clients_service.client_visibility(actor, policy.clients))


def task_filter(viewer: Viewer) -> ColumnElement[bool]:
    actor = viewer.actor
    if actor.role is Role.ADMIN:
        return repo.everybody()
    conditions = [
        repo.task_participant(actor.id),
        repo.client_visible(Task.client_id, viewer.clients, actor.id),
    ]
    if actor.role is Role.MANAGER:
        conditions.append(repo.task_executor_in_roles(TEAM_ROLES))
    return or_(*conditions)


def contact_filter(viewer: Viewer) -> ColumnElement[bool]:
    actor = viewer.actor
    if actor.role is Role.ADMIN:
        return repo.everybody()
    conditions = [
        repo.contact_participant(actor.id),
        repo.client_visible(Contact.client_id, viewer.clients, actor.id),
    ]
    if actor.role is Role.MANAGER:
        conditions.append(repo.contact_user_in_roles(TEAM_ROLES))
    return or_(*conditions)


def may_change_task(
    actor: Actor, author_id: int, executor_ids: list[int], executor_role: str | None
) -> bool:
    if actor.role is Role.ADMIN or actor.id == author_id or actor.id in executor_ids:
        return True
    return actor.role is Role.MANAGER and executor_role in TEAM_ROLES


def may_delete_task(actor: Actor, author_id: int, executor_role: str | None) -> bool:
    if actor.role is Role.ADMIN or actor.id == author_id:
        return True
    return actor.role is Role.MANAGER and executor_role in TEAM_ROLES


def may_attach_file(actor: Actor, discusses: bool) -> bool:
    """For a task the actor sees; `discusses` is `service.may_discuss` for the actor."""
    return discusses or actor.role in (Role.ADMIN, Role.MANAGER)


def may_delete_file(actor: Actor, uploader_id: int, author_id: int) -> bool:
    return actor.role is Role.ADMIN or actor.id in (uploader_id, author_id)


def may_change_contact(actor: Actor, user_id: int, author_id: int, user_role: str | None) -> bool:
    if actor.role is Role.ADMIN or actor.id in (user_id, author_id):
        return True
    return actor.role is Role.MANAGER and user_role in TEAM_ROLES


def team_roles(actor: Actor) -> frozenset[str] | None:
    """Whose days, calendars and lists this user may look at besides their own: None for
    everybody (admins), the team's roles (managers), nobody else (empty)."""
    if actor.role is Role.ADMIN:
        return None
    if actor.role is Role.MANAGER:
        return TEAM_ROLES
    return frozenset()
