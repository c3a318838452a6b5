"""What is on whose plate and when: "My day", the week and month grids, the daily digest.

Items are the tasks a person executes (responsible or co-executor), the contacts they
make and the meetings they organise or attend, placed on the days of the viewer's time
zone; an all-day task sits on its own day. Whose days a user may look at: their own,
their team's for managers, everybody's for admins (`access.team_roles`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import NotFound
from kompas_cc.core.i18n import Formatter, translations
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import access, meeting_calendar, repo
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.models import Contact, Task
from kompas_cc.organizer.schemas import CONTACT_KIND_LABELS, OPEN_STATUSES, AgendaItem
from kompas_cc.organizer.timing import day_bounds, day_start, local_day, task_overdue

#: The calendar views show at most this many items of one period.
MAX_ITEMS = 2000


class NoSuchPerson(NotFound):
    error_id = "no-such-person"


@dataclass(frozen=True, slots=True)
class DayAgenda:
    day: date
    overdue: list[AgendaItem] = field(default_factory=list)
    items: list[AgendaItem] = field(default_factory=list)


async def people_choices(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """The people whose organizer this user may look at: themselves first, then the team."""
    roles = access.team_roles(actor)
    others = [] if roles is not None and not roles else await repo.list_users(uow.session, roles)
    return [(actor.id, actor.name)] + [(u.id, u.name) for u in others if u.id != actor.id]


async def people_of(uow: UnitOfWork, actor: Actor, person: int | None, team: bool) -> list[int]:
    """The user ids a view covers: one person (default: the user), or the whole team."""
    choices = await people_choices(uow, actor)
    if team:
        return [user_id for user_id, _name in choices]
    if person is None or person == actor.id:
        return [actor.id]
    if person not in {user_id for user_id, _name in choices}:
        raise NoSuchPerson("No such person in your team")
    return [person]


def _task_item(
    task: Task,
    zone: ZoneInfo,
    now: datetime,
    people: dict[int, repo.UserRow],
    clients: dict[int, str],
) -> AgendaItem:
    day = task.due_date if task.due_date is not None else local_day(task.due_at or now, zone)
    executor = people.get(task.executor_id)
    return AgendaItem(
        kind="task",
        id=task.id,
        title=task.title,
        at=task.due_at,
        day=day,
        status=task.status,
        overdue=task_overdue(
            task.status in OPEN_STATUSES, task.due_at, task.due_date, ZoneInfo(task.timezone), now
        ),
        done=task.status == "done",
        priority=task.priority,
        client_id=task.client_id,
        client=clients.get(task.client_id) if task.client_id else None,
        person=executor.name if executor else None,
        link=f"/organizer/tasks/{task.id}",
    )


def _contact_item(
    contact: Contact,
    zone: ZoneInfo,
    now: datetime,
    people: dict[int, repo.UserRow],
    clients: dict[int, str],
) -> AgendaItem:
    moment = contact.done_at or contact.planned_at or contact.created_at
    user = people.get(contact.user_id)
    return AgendaItem(
        kind="contact",
        id=contact.id,
        title=contact.subject,
        at=moment,
        day=local_day(moment, zone),
        status=contact.state,
        overdue=contact.state == "planned" and moment < now,
        done=contact.state == "done",
        contact_kind=contact.kind,
        client_id=contact.client_id,
        client=clients.get(contact.client_id),
        person=user.name if user else None,
        link=f"/organizer/contacts/{contact.id}",
    )


async def items_of(
    uow: UnitOfWork,
    tasks: Sequence[Task],
    contacts: Sequence[Contact],
    zone: ZoneInfo,
    now: datetime,
) -> list[AgendaItem]:
    session = uow.session
    people = await repo.user_rows(
        session, [t.executor_id for t in tasks] + [c.user_id for c in contacts]
    )
    clients = await repo.client_names(
        session, [t.client_id for t in tasks] + [c.client_id for c in contacts]
    )
    items = [_task_item(t, zone, now, people, clients) for t in tasks]
    items += [_contact_item(c, zone, now, people, clients) for c in contacts]
    return in_day_order(items, now)


def in_day_order(items: list[AgendaItem], now: datetime) -> list[AgendaItem]:
    """All-day tasks open the day, then everything by time."""
    items.sort(key=lambda i: (i.day, i.at is not None, i.at or now, i.kind, i.id))
    return items


async def period(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    user_ids: Sequence[int],
    first: date,
    last: date,
    now: datetime,
) -> list[AgendaItem]:
    """Everything of these people on the days first..last (both included) of the user's zone."""
    zone = ZoneInfo(actor.timezone)
    viewer = access.viewer_of(actor, policy)
    start, end = day_bounds(first, last, zone)
    tasks, _ = await repo.find_tasks(
        uow.session,
        [
            access.task_filter(viewer),
            repo.tasks_of_user(user_ids),
            repo.due_within(start, end, first, last),
        ],
        limit=MAX_ITEMS,
    )
    contacts, _ = await repo.find_contacts(
        uow.session,
        [
            access.contact_filter(viewer),
            repo.contacts_of_users(user_ids),
            repo.contacts_within(start, end),
        ],
        limit=MAX_ITEMS,
    )
    items = await items_of(uow, tasks, contacts, zone, now)
    items += await meeting_calendar.agenda_items(uow, actor, user_ids, start, end, zone)
    return in_day_order(items, now)


async def overdue(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    user_ids: Sequence[int],
    before: date,
    now: datetime,
) -> list[AgendaItem]:
    """Open tasks due, and planned contacts planned, before the day `before`."""
    zone = ZoneInfo(actor.timezone)
    viewer = access.viewer_of(actor, policy)
    start = day_start(before, zone)
    tasks, _ = await repo.find_tasks(
        uow.session,
        [
            access.task_filter(viewer),
            repo.tasks_of_user(user_ids),
            repo.task_status_in(OPEN_STATUSES),
            repo.due_between(None, start, None, before - timedelta(days=1)),
        ],
        limit=MAX_ITEMS,
    )
    contacts, _ = await repo.find_contacts(
        uow.session,
        [
            access.contact_filter(viewer),
            repo.contacts_of_users(user_ids),
            repo.contact_state_is("planned"),
            repo.contact_planned_before(start),
        ],
        limit=MAX_ITEMS,
    )
    return await items_of(uow, tasks, contacts, zone, now)


async def my_day(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    user_ids: Sequence[int],
    day: date,
    now: datetime,
) -> DayAgenda:
    """The day's tasks, contacts and meetings; on today, what is overdue comes first."""
    items = await period(uow, actor, policy, user_ids, day, day, now)
    today = local_day(now, ZoneInfo(actor.timezone))
    late = await overdue(uow, actor, policy, user_ids, day, now) if day == today else []
    return DayAgenda(day=day, overdue=late, items=items)


def by_day(items: Sequence[AgendaItem]) -> dict[date, list[AgendaItem]]:
    days: dict[date, list[AgendaItem]] = defaultdict(list)
    for item in items:
        days[item.day].append(item)
    return dict(days)


# -- the daily digest --------------------------------------------------------------------


async def digest_text(uow: UnitOfWork, user_id: int, day: date) -> str | None:
    """The daily digest of a user: overdue tasks, the day's tasks, the day's planned
    contacts, in the user's language and time zone; None when there is nothing."""
    user = (await repo.user_rows(uow.session, [user_id])).get(user_id)
    if user is None or not user.is_active:
        return None
    zone = ZoneInfo(user.timezone)
    start, end = day_bounds(day, day, zone)
    mine = repo.tasks_of_user([user_id])
    is_open = repo.task_status_in(OPEN_STATUSES)
    late, _total = await repo.find_tasks(
        uow.session,
        [mine, is_open, repo.due_between(None, start, None, day - timedelta(days=1))],
        limit=MAX_ITEMS,
    )
    today, _total = await repo.find_tasks(
        uow.session, [mine, is_open, repo.due_within(start, end, day, day)], limit=MAX_ITEMS
    )
    planned, _total = await repo.find_contacts(
        uow.session,
        [
            repo.contacts_of_users([user_id]),
            repo.contact_state_is("planned"),
            repo.contacts_within(start, end),
        ],
        limit=MAX_ITEMS,
    )
    if not (late or today or planned):
        return None
    trans = translations(user.locale)
    fmt = Formatter(user.locale, user.timezone)

    def _(text: str) -> str:
        return trans.gettext(text)

    clients = await repo.client_names(
        uow.session, [t.client_id for t in late + today] + [c.client_id for c in planned]
    )

    def task_line(task: Task, when: str) -> str:
        client = f" ({clients[task.client_id]})" if task.client_id in clients else ""
        return f"  {when} — {task.title}{client}"

    lines: list[str] = []
    if late:
        lines.append(_("Overdue tasks: %(num)s") % {"num": len(late)})
        for task in late:
            when = fmt.date(task.due_at) if task.due_at else fmt.date(task.due_date)
            lines.append(task_line(task, when))
    if today:
        lines.append(_("Tasks for today: %(num)s") % {"num": len(today)})
        for task in today:
            when = task.due_at.astimezone(zone).strftime("%H:%M") if task.due_at else _("all day")
            lines.append(task_line(task, when))
    if planned:
        lines.append(_("Planned contacts: %(num)s") % {"num": len(planned)})
        for contact in planned:
            when = (contact.planned_at or start).astimezone(zone).strftime("%H:%M")
            what = _(CONTACT_KIND_LABELS.get(contact.kind, contact.kind))
            subject = f" — {contact.subject}" if contact.subject else ""
            client = clients.get(contact.client_id, "")
            lines.append(f"  {when} — {what}: {client}{subject}")
    return "\n".join(lines)
