"""Use cases of contacts with clients: plan, record, complete (and plan the next one in the
same step), change, delete, list; what the client card and timeline show of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kompas_cc import scheduler
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.timeline import TimelineEntry, TimelineWindow
from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import access, reminders, repo, service
from kompas_cc.organizer.access import OrganizerPolicy, Viewer
from kompas_cc.organizer.events import ContactDeleted, ContactDone, ContactPlanned
from kompas_cc.organizer.models import Contact
from kompas_cc.organizer.schemas import (
    CONTACT_KIND_LABELS,
    ClientContactSummary,
    CompleteIn,
    CompleteOut,
    ContactIn,
    ContactListQuery,
    ContactOut,
    ContactPage,
    ReminderIn,
    TaskListQuery,
)
from kompas_cc.organizer.timing import day_start, days_between

MSG_NEEDS_TIME = "A planned contact needs its time"
MSG_NEEDS_RESULT = "A done contact needs its result"
MSG_DONE_LATER = "A contact cannot be done in the future"
MSG_NEXT_IN_PAST = "The next contact must be planned for a later time"
MSG_DONE_NO_REMINDERS = "A done contact has no reminders"
#: How many open tasks of a client its card lists.
CARD_TASKS = 5


class NoSuchContact(NotFound):
    error_id = "no-such-contact"


class ContactNotPlanned(Conflict):
    error_id = "contact-not-planned"


async def require_contact(uow: UnitOfWork, viewer: Viewer, contact_id: int) -> Contact:
    contact = await repo.visible_contact(uow.session, contact_id, access.contact_filter(viewer))
    if contact is None:
        raise NoSuchContact("No such contact")
    return contact


async def contact_outs(
    uow: UnitOfWork, contacts: Sequence[Contact], now: datetime
) -> list[ContactOut]:
    session = uow.session
    people = await repo.user_rows(session, [c.user_id for c in contacts])
    clients = await repo.client_names(session, [c.client_id for c in contacts])
    rows = await repo.list_reminders(session, contact_ids=[c.id for c in contacts])
    outs = []
    for c in contacts:
        title = c.subject or clients.get(c.client_id, "")
        outs.append(
            ContactOut(
                id=c.id,
                client_id=c.client_id,
                client=clients.get(c.client_id, ""),
                kind=c.kind,
                state=c.state,
                user_id=c.user_id,
                user=people[c.user_id].name if c.user_id in people else "",
                author_id=c.author_id,
                subject=c.subject,
                notes=c.notes,
                result=c.result,
                planned_at=c.planned_at,
                done_at=c.done_at,
                overdue=c.state == "planned" and c.planned_at is not None and c.planned_at < now,
                previous_id=c.previous_id,
                reminders=[
                    reminders.reminder_out(r, c.planned_at, title)
                    for r in rows
                    if r.contact_id == c.id
                ],
                created_at=c.created_at,
                updated_at=c.updated_at,
            )
        )
    return outs


async def contact_out(uow: UnitOfWork, contact: Contact, now: datetime) -> ContactOut:
    return (await contact_outs(uow, [contact], now))[0]


async def get_contact(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, contact_id: int, now: datetime
) -> ContactOut:
    contact = await require_contact(uow, access.viewer_of(actor, policy), contact_id)
    return await contact_out(uow, contact, now)


@dataclass(frozen=True, slots=True)
class ContactView:
    contact: ContactOut
    may_change: bool


async def contact_view(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, contact_id: int, now: datetime
) -> ContactView:
    contact = await require_contact(uow, access.viewer_of(actor, policy), contact_id)
    user = (await repo.user_rows(uow.session, [contact.user_id])).get(contact.user_id)
    return ContactView(
        contact=await contact_out(uow, contact, now),
        may_change=access.may_change_contact(
            actor, contact.user_id, contact.author_id, user.role if user else None
        ),
    )


async def _checked(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    data: ContactIn,
    now: datetime,
    old: Contact | None,
) -> tuple[int, datetime | None]:
    """The user who makes the contact and its done time; or every problem at once."""
    errors: dict[str, str] = {}
    if old is None or data.client_id != old.client_id:
        try:
            await clients_service.get_client(uow, actor, policy.clients, data.client_id)
        except NotFound:
            errors["client_id"] = service.MSG_NO_CLIENT
    user_id = data.user_id or (old.user_id if old else actor.id)
    user = (await repo.user_rows(uow.session, [user_id])).get(user_id)
    if user is None or not user.is_active:
        errors["user_id"] = service.MSG_NO_USER
    done_at = data.done_at
    if data.state == "planned":
        if data.planned_at is None:
            errors["planned_at"] = MSG_NEEDS_TIME
        problem = reminders.check_reminders(data.reminders or [], data.planned_at, now, task=False)
        if problem:
            errors["reminders"] = problem
    else:
        if not data.result:
            errors["result"] = MSG_NEEDS_RESULT
        done_at = done_at or (old.done_at if old and old.done_at else now)
        if done_at > now:
            errors["done_at"] = MSG_DONE_LATER
        if data.reminders:
            errors["reminders"] = MSG_DONE_NO_REMINDERS
    if errors:
        raise ValidationFailed("The contact has invalid fields", fields=errors)
    return user_id, done_at


def _emit_state(uow: UnitOfWork, contact: Contact) -> None:
    event = ContactPlanned if contact.state == "planned" else ContactDone
    uow.emit(event(contact.id, contact.client_id, contact.user_id))


async def create_contact(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, data: ContactIn, now: datetime
) -> ContactOut:
    user_id, done_at = await _checked(uow, actor, policy, data, now, None)
    contact = Contact(
        client_id=data.client_id,
        kind=data.kind,
        state=data.state,
        user_id=user_id,
        author_id=actor.id,
        subject=data.subject,
        notes=data.notes,
        result=data.result if data.state == "done" else None,
        planned_at=data.planned_at,
        done_at=done_at if data.state == "done" else None,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(contact)
    await uow.session.flush()
    if data.state == "planned":
        reminders.add_reminders(uow, data.reminders or [], now, contact_id=contact.id)
        await uow.session.flush()
    _emit_state(uow, contact)
    await reminders.sync_contact_jobs(uow, contact, now)
    return await contact_out(uow, contact, now)


async def changeable(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, contact_id: int
) -> Contact:
    contact = await require_contact(uow, access.viewer_of(actor, policy), contact_id)
    user = (await repo.user_rows(uow.session, [contact.user_id])).get(contact.user_id)
    if not access.may_change_contact(
        actor, contact.user_id, contact.author_id, user.role if user else None
    ):
        raise Forbidden("Only the maker, the author and their managers change a contact")
    return contact


async def update_contact(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    contact_id: int,
    data: ContactIn,
    now: datetime,
) -> ContactOut:
    """Replace the fields of a contact. `reminders` None keeps its reminders."""
    contact = await changeable(uow, actor, policy, contact_id)
    user_id, done_at = await _checked(uow, actor, policy, data, now, contact)
    was = contact.state
    contact.client_id = data.client_id
    contact.kind = data.kind
    contact.state = data.state
    contact.user_id = user_id
    contact.subject = data.subject
    contact.notes = data.notes
    contact.planned_at = data.planned_at
    contact.result = data.result if data.state == "done" else None
    contact.done_at = done_at if data.state == "done" else None
    contact.updated_at = now
    if data.reminders is not None:
        await reminders.replace_reminders(uow, data.reminders, now, contact_id=contact.id)
    await uow.session.flush()
    if was != contact.state:
        _emit_state(uow, contact)
    await reminders.sync_contact_jobs(uow, contact, now)
    return await contact_out(uow, contact, now)


def contact_in_from(out: ContactOut) -> dict[str, Any]:
    """The editable fields of a contact, as a dict a PATCH can be merged into."""
    return {
        "client_id": out.client_id,
        "kind": out.kind,
        "state": out.state,
        "subject": out.subject,
        "notes": out.notes,
        "result": out.result,
        "user_id": out.user_id,
        "planned_at": out.planned_at,
        "done_at": out.done_at,
    }


async def complete_contact(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    contact_id: int,
    data: CompleteIn,
    now: datetime,
) -> CompleteOut:
    """Record the result of a planned contact and, when `next` is given, plan the next
    contact with the same client in the same step (it keeps the relative reminders)."""
    contact = await changeable(uow, actor, policy, contact_id)
    if contact.state != "planned":
        raise ContactNotPlanned("Only a planned contact can be completed")
    done_at = data.done_at or now
    errors: dict[str, str] = {}
    if done_at > now:
        errors["done_at"] = MSG_DONE_LATER
    if data.next is not None:
        if data.next.planned_at <= now:
            errors["next.planned_at"] = MSG_NEXT_IN_PAST
        next_user = data.next.user_id or contact.user_id
        row = (await repo.user_rows(uow.session, [next_user])).get(next_user)
        if row is None or not row.is_active:
            errors["next.user_id"] = service.MSG_NO_USER
    if errors:
        raise ValidationFailed("The contact has invalid fields", fields=errors)
    contact.state = "done"
    contact.result = data.result
    contact.done_at = done_at
    contact.updated_at = now
    await uow.session.flush()
    _emit_state(uow, contact)
    await reminders.sync_contact_jobs(uow, contact, now)
    next_id = None
    if data.next is not None:
        follower = Contact(
            client_id=contact.client_id,
            kind=data.next.kind,
            state="planned",
            user_id=data.next.user_id or contact.user_id,
            author_id=actor.id,
            subject=data.next.subject,
            notes=data.next.notes,
            planned_at=data.next.planned_at,
            previous_id=contact.id,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(follower)
        await uow.session.flush()
        relative = [
            ReminderIn(before_seconds=r.before_seconds)
            for r in await repo.list_reminders(uow.session, contact_ids=[contact.id])
            if r.before_seconds is not None
        ]
        reminders.add_reminders(uow, relative, now, contact_id=follower.id)
        await uow.session.flush()
        _emit_state(uow, follower)
        await reminders.sync_contact_jobs(uow, follower, now)
        next_id = follower.id
    return CompleteOut(contact=await contact_out(uow, contact, now), next_id=next_id)


async def delete_contact(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, contact_id: int
) -> None:
    contact = await changeable(uow, actor, policy, contact_id)
    await scheduler.cancel(uow, reminders.contact_prefix(contact.id))
    await uow.session.delete(contact)
    await uow.session.flush()
    uow.emit(ContactDeleted(contact_id, contact.client_id))


async def list_contacts(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    query: ContactListQuery,
    now: datetime,
) -> ContactPage:
    zone = ZoneInfo(actor.timezone)
    filters = [access.contact_filter(access.viewer_of(actor, policy))]
    if query.client_id is not None:
        filters.append(repo.contact_of_client(query.client_id))
    if query.user_id is not None:
        filters.append(repo.contacts_of_users([query.user_id]))
    if query.state is not None:
        filters.append(repo.contact_state_is(query.state))
    if query.kind is not None:
        filters.append(repo.contact_kind_is(query.kind))
    if query.since is not None or query.until is not None:
        filters.append(
            repo.contacts_between(
                day_start(query.since, zone) if query.since else None,
                day_start(query.until + timedelta(days=1), zone) if query.until else None,
            )
        )
    offset = (query.page - 1) * query.per_page
    contacts, total = await repo.find_contacts(
        uow.session, filters, offset=offset, limit=query.per_page, newest_first=True
    )
    return ContactPage(
        items=await contact_outs(uow, contacts, now),
        page=query.page,
        per_page=query.per_page,
        total=total,
        has_more=offset + len(contacts) < total,
    )


async def client_summary(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, client_id: int, now: datetime
) -> ClientContactSummary:
    """For the client card: the next planned contact, days since the last done one, and the
    client's open tasks (due first)."""
    await clients_service.get_client(uow, actor, policy.clients, client_id)
    upcoming = await repo.next_planned_contact(uow.session, client_id)
    last = await repo.last_done_contact(uow.session, client_id)
    last_at = last.done_at if last is not None else None
    query = TaskListQuery(client_id=client_id, status=["new", "in_progress"], per_page=CARD_TASKS)
    tasks = await service.list_tasks(uow, actor, policy, query, now)
    return ClientContactSummary(
        next_contact=await contact_out(uow, upcoming, now) if upcoming else None,
        last_contact_at=last_at,
        days_since_last=days_between(last_at, now, ZoneInfo(actor.timezone)) if last_at else None,
        open_tasks=tasks.items,
    )


async def timeline_source(uow: UnitOfWork, window: TimelineWindow) -> list[TimelineEntry]:
    """The client's contacts for its timeline: done ones when they took place (with the
    result), planned ones at their planned time."""
    contacts = await repo.contacts_of_client(
        uow.session, window.client_id, window.since, window.until, window.limit
    )
    people = await repo.user_rows(uow.session, [c.user_id for c in contacts])
    entries = []
    for c in contacts:
        author = people[c.user_id].name if c.user_id in people else None
        title = c.subject or CONTACT_KIND_LABELS.get(c.kind, c.kind)
        link = f"/organizer/contacts/{c.id}"
        if c.state == "done":
            entry = TimelineEntry(
                at=c.done_at or c.created_at,
                kind="contact",
                title=title,
                body=c.result,
                author=author,
                link=link,
            )
        else:
            entry = TimelineEntry(
                at=c.planned_at or c.created_at,
                kind="planned_contact",
                title=title,
                body=c.notes,
                author=author,
                link=link,
            )
        entries.append(entry)
    return entries
