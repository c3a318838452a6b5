"""Contacts and tasks from calls: what a finished call sets in motion beyond the call log.

* An inbound call from a number no client has makes the caller a lead (`calls_unknown_caller
  = "lead"`) and, when somebody answered, gives that operator the task of filling in the
  card. The call then belongs to the new client.
* A missed inbound call opens a callback: a task to call the number back, for the client's
  responsible manager, else the users the settings name for the queue or dialled number,
  else the admins. Further missed calls from the number count on the same callback (and
  comment its task) while it is open.
* An answered outbound call to the number closes the callback and its task, and keeps the
  delay from the start of the first missed call to the answer.

A call is not also recorded as a done contact of the organizer: the call log already puts
every call on the client's timeline (`service.timeline_source`), so a contact would show it
twice. Contacts stay what people record by hand (meetings, letters, a call made from a
mobile phone).

The state lives in the database (`call_callbacks`), never in memory: a restart, or a second
process, finds the open callbacks where the first left them. Tasks and clients are written
only through the organizer's and the clients' services.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from kompas_cc.clients import leads
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.access import ClientsPolicy
from kompas_cc.core.actor import STAFF_ROLES, Actor, Role
from kompas_cc.core.errors import NotFound
from kompas_cc.core.i18n import Formatter, translations
from kompas_cc.core.phone import try_normalize_phone
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import service as organizer_service
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.schemas import OPEN_STATUSES, CommentIn, TaskIn
from kompas_cc.staff import service as staff_service
from kompas_cc.staff.schemas import UserOut
from kompas_cc.telephony import callback_repo as repo
from kompas_cc.telephony.call_task_rules import CallTaskRules
from kompas_cc.telephony.events import CallEnded, CallMissed
from kompas_cc.telephony.models import CallCallback
from kompas_cc.telephony.schemas import MISSED

logger = logging.getLogger(__name__)

MSG_LEAD_NAME = "New client %(phone)s"
MSG_LEAD_STATUS = "New lead"
MSG_LEAD_SOURCE = "Inbound call"
MSG_FILL_CARD = "Fill in the client card"
MSG_FILL_CARD_TEXT = (
    "%(phone)s called at %(time)s from a number no client had. The caller was added as a "
    "new client: fill in the card."
)
MSG_CALLBACK = "Call back %(phone)s"
MSG_CALLBACK_TEXT = "Missed call from %(phone)s at %(time)s."
MSG_CALLBACK_QUEUE = "Queue: %(queue)s."
MSG_CALLBACK_DID = "Number dialled: %(number)s."
MSG_CALLBACK_VOICEMAIL = "The caller reached voicemail."
MSG_MISSED_AGAIN = "Another missed call at %(time)s; missed calls from this number: %(count)s."
MSG_CALLED_BACK = "Called back: answered at %(time)s, %(minutes)s min after the first missed call."


def _policy(rules: CallTaskRules) -> OrganizerPolicy:
    """Tasks set by the system may name any client: no user's visibility limits them."""
    return OrganizerPolicy(clients=ClientsPolicy(visibility="all", region=rules.region))


def _actor(user: UserOut) -> Actor:
    return Actor(
        id=user.id,
        login=user.login,
        name=user.name,
        role=user.role,
        locale=user.locale,
        timezone=user.timezone,
    )


class _Texts:
    """Texts written for everybody, in the company's language and one user's time zone."""

    def __init__(self, rules: CallTaskRules, timezone: str) -> None:
        self._trans = translations(rules.locale)
        self.fmt = Formatter(rules.locale, timezone, rules.region)

    def __call__(self, message: str, **params: object) -> str:
        text = self._trans.gettext(message)
        return text % params if params else text


def _minutes(seconds: int) -> int:
    """Whole minutes, rounded to the nearest (a delay of 40 seconds reads as 1 min)."""
    return max(1, round(seconds / 60)) if seconds > 0 else 0


def _outside(number: str | None) -> str | None:
    """The number when it is a valid outside one (E.164); an extension, "anonymous" or a
    "+" number that is no phone number (the log keeps what Asterisk said) is not."""
    if not number or not number.startswith("+"):
        return None
    return number if try_normalize_phone(number) == number else None


async def _staff(uow: UnitOfWork) -> list[UserOut]:
    """Active users who may be given tasks, oldest account first."""
    users = await staff_service.list_users(uow)
    return sorted((u for u in users if u.is_active and u.role in STAFF_ROLES), key=lambda u: u.id)


async def _create_task(
    uow: UnitOfWork,
    executors: Sequence[UserOut],
    rules: CallTaskRules,
    now: datetime,
    *,
    title: str,
    description: str,
    client_id: int | None,
    due_at: datetime,
) -> int:
    """A task set in the name of its responsible executor (so that it is theirs to change)."""
    data = TaskIn(
        title=title[:300],
        description=description,
        executor_ids=[u.id for u in executors],
        client_id=client_id,
        due_at=due_at,
        priority="high",
        allow_past_due=True,
    )
    task = await organizer_service.create_task(uow, _actor(executors[0]), _policy(rules), data, now)
    return task.id


# -- the unknown caller ------------------------------------------------------------------


def wants_lead(event: CallEnded, rules: CallTaskRules) -> bool:
    """Whether this call may make its caller a lead (checked before any database work): an
    inbound call, answered or missed (a failed one reached nobody), from an outside number
    no client has."""
    return (
        rules.unknown_caller == "lead"
        and event.direction == "inbound"
        and event.client_id is None
        and (event.disposition == "answered" or event.disposition in MISSED)
        and _outside(event.caller) is not None
    )


async def take_unknown_caller(
    uow: UnitOfWork, event: CallEnded, rules: CallTaskRules, now: datetime
) -> int | None:
    """Make an unknown inbound caller a lead, give the call to it, and set the operator who
    answered (else whoever calls back missed calls) the task of filling in the card. The
    lead's id, or None when the settings or the call leave the caller alone."""
    number = _outside(event.caller)
    if number is None or not wants_lead(event, rules):
        return None
    staff = await _staff(uow)
    operator = next((u for u in staff if u.id == event.operator_id), None)
    texts = _Texts(rules, operator.timezone if operator else "UTC")
    lead = await leads.create_lead(
        uow,
        number=number,
        name=texts(MSG_LEAD_NAME, phone=texts.fmt.phone(number)),
        status_name=texts(MSG_LEAD_STATUS),
        source=texts(MSG_LEAD_SOURCE),
        now=now,
        by_user_id=operator.id if operator else None,
    )
    await repo.set_call_client(uow.session, event.call_id, lead.client_id)
    if not lead.created or event.disposition != "answered":
        return lead.client_id
    executors = [operator] if operator else _fallback(staff, rules, event.queue, event.callee)
    if not executors:
        logger.warning("nobody to fill in the card of client %d: no active admin", lead.client_id)
        return lead.client_id
    texts = _Texts(rules, executors[0].timezone)
    await _create_task(
        uow,
        executors,
        rules,
        now,
        title=texts(MSG_FILL_CARD),
        description=texts(
            MSG_FILL_CARD_TEXT,
            phone=texts.fmt.phone(number),
            time=texts.fmt.datetime(event.started_at),
        ),
        client_id=lead.client_id,
        due_at=event.ended_at + rules.callback_due,
    )
    return lead.client_id


def _fallback(
    staff: Sequence[UserOut], rules: CallTaskRules, queue: str | None, callee: str | None
) -> list[UserOut]:
    """The users the settings name for the queue or dialled number, else the admins."""
    by_login = {u.login: u for u in staff}
    named = [by_login[login] for login in rules.target_logins(queue, callee) if login in by_login]
    return named or [u for u in staff if u.role is Role.ADMIN]


# -- missed calls ------------------------------------------------------------------------


async def _callback_executors(
    uow: UnitOfWork,
    rules: CallTaskRules,
    client_id: int | None,
    queue: str | None,
    callee: str | None,
) -> list[UserOut]:
    """The client's responsible manager, else the queue's or number's users, else admins."""
    staff = await _staff(uow)
    if client_id is not None:
        manager_id = await leads.responsible_manager(uow, client_id)
        manager = next((u for u in staff if u.id == manager_id), None)
        if manager is not None:
            return [manager]
    return _fallback(staff, rules, queue, callee)


async def _author(uow: UnitOfWork, callback: CallCallback) -> Actor | None:
    if callback.author_id is None:
        return None
    try:
        return _actor(await staff_service.get_user(uow, callback.author_id))
    except NotFound:
        return None


async def _task_open(
    uow: UnitOfWork, callback: CallCallback, rules: CallTaskRules, now: datetime
) -> bool:
    """Whether the callback's task still waits (it may have been closed or deleted while its
    event was not heard, for instance during a restart)."""
    author = await _author(uow, callback)
    if callback.task_id is None or author is None:
        return False
    try:
        task = await organizer_service.get_task(uow, author, _policy(rules), callback.task_id, now)
    except NotFound:
        return False
    return task.status in OPEN_STATUSES


async def note_missed_call(
    uow: UnitOfWork, event: CallMissed, rules: CallTaskRules, now: datetime
) -> int | None:
    """Count a missed inbound call on its number's callback, opening one (with its task)
    when none is open. The id of the callback task, or None for a caller without a number
    or when there is nobody to give the task to."""
    number = _outside(event.caller)
    if number is None:
        return None
    client_id = event.client_id or await clients_service.client_for_number(uow, number)
    callback = await repo.open_callback(uow.session, number)
    if callback is not None and not await _task_open(uow, callback, rules, now):
        callback.closed_at = now
        await uow.session.flush()
        callback = None
    if callback is None:
        opened = await repo.insert_open_callback(
            uow.session,
            {
                "number": number,
                "first_missed_at": event.started_at,
                "last_missed_at": event.started_at,
                "missed_count": 1,
                "last_call_id": event.call_id,
            },
        )
        if opened is not None:
            return await _open_task(uow, opened, event, number, client_id, rules, now)
        # Another process opened the number's callback meanwhile: count on that one.
        callback = await repo.open_callback(uow.session, number)
        if callback is None:
            return None
    return await _count_again(uow, callback, event, rules, now)


async def _open_task(
    uow: UnitOfWork,
    callback_id: int,
    event: CallMissed,
    number: str,
    client_id: int | None,
    rules: CallTaskRules,
    now: datetime,
) -> int | None:
    callback = await repo.get_callback(uow.session, callback_id)
    assert callback is not None
    executors = await _callback_executors(uow, rules, client_id, event.queue, event.callee)
    if not executors:
        logger.warning("nobody to call %s back: no active admin", number)
        return None
    texts = _Texts(rules, executors[0].timezone)
    lines = [
        texts(
            MSG_CALLBACK_TEXT,
            phone=texts.fmt.phone(number),
            time=texts.fmt.datetime(event.started_at),
        )
    ]
    if event.queue:
        lines.append(texts(MSG_CALLBACK_QUEUE, queue=event.queue))
    if _outside(event.callee):
        lines.append(texts(MSG_CALLBACK_DID, number=texts.fmt.phone(event.callee or "")))
    if event.voicemail:
        lines.append(texts(MSG_CALLBACK_VOICEMAIL))
    callback.task_id = await _create_task(
        uow,
        executors,
        rules,
        now,
        title=texts(MSG_CALLBACK, phone=texts.fmt.phone(number)),
        description="\n".join(lines),
        client_id=client_id,
        due_at=event.started_at + rules.callback_due,
    )
    callback.author_id = executors[0].id
    await uow.session.flush()
    return callback.task_id


async def _count_again(
    uow: UnitOfWork, callback: CallCallback, event: CallMissed, rules: CallTaskRules, now: datetime
) -> int | None:
    if callback.last_call_id == event.call_id:
        return callback.task_id
    callback.missed_count += 1
    callback.last_missed_at = max(callback.last_missed_at, event.started_at)
    callback.last_call_id = event.call_id
    await uow.session.flush()
    author = await _author(uow, callback)
    if callback.task_id is not None and author is not None:
        texts = _Texts(rules, author.timezone)
        text = texts(
            MSG_MISSED_AGAIN,
            time=texts.fmt.datetime(event.started_at),
            count=callback.missed_count,
        )
        await organizer_service.add_comment(
            uow, author, _policy(rules), callback.task_id, CommentIn(text=text), now
        )
    return callback.task_id


# -- calling back ------------------------------------------------------------------------


def may_call_back(event: CallEnded) -> str | None:
    """The number an answered outbound call reached, if it could close a callback."""
    if event.direction != "outbound" or event.disposition != "answered":
        return None
    return _outside(event.callee)


async def has_open_callback(uow: UnitOfWork, number: str) -> bool:
    return await repo.has_open_callback(uow.session, number)


async def close_by_callback(
    uow: UnitOfWork, event: CallEnded, rules: CallTaskRules, now: datetime
) -> int | None:
    """An answered outbound call to a number waiting for a callback closes it: the delay is
    kept and the task is done (with a comment saying so). The delay in seconds, or None."""
    number = may_call_back(event)
    if number is None:
        return None
    callback = await repo.open_callback(uow.session, number)
    if callback is None:
        return None
    answered_at = await repo.answered_at(uow.session, event.call_id) or event.started_at
    if answered_at < callback.first_missed_at:
        return None  # a call made before the missed one, reported late
    delay = int((answered_at - callback.first_missed_at).total_seconds())
    callback.closed_at = now
    callback.closed_call_id = event.call_id
    callback.delay_seconds = delay
    await uow.session.flush()
    author = await _author(uow, callback)
    if callback.task_id is None or author is None:
        return delay
    policy = _policy(rules)
    try:
        task = await organizer_service.get_task(uow, author, policy, callback.task_id, now)
    except NotFound:
        return delay
    if task.status in OPEN_STATUSES:
        texts = _Texts(rules, author.timezone)
        text = texts(
            MSG_CALLED_BACK,
            time=texts.fmt.datetime(answered_at),
            minutes=_minutes(delay),
        )
        await organizer_service.add_comment(uow, author, policy, task.id, CommentIn(text=text), now)
        await organizer_service.set_status(uow, author, policy, task.id, "done", now)
    return delay


async def forget_task(uow: UnitOfWork, task_id: int, now: datetime) -> None:
    """The callback task was closed or deleted by hand: the callback ends without a call."""
    callback = await repo.open_callback_of_task(uow.session, task_id)
    if callback is not None:
        callback.closed_at = now
        await uow.session.flush()
