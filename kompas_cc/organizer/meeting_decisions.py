"""Decisions taken at meetings, each carried out by a task under control.

A decision's task is made and kept up to date through the organizer's task service: the
responsible person is its executor, the deadline its due day (an all-day task of the
meeting's zone), the meeting's organiser its watcher, and the meeting's client its client
when the organiser may see that client. The task's author is the organiser, who controls
it. Whenever a decision's text, responsible person or deadline changes, the task service
changes the task on behalf of its author, so whoever may change the meeting changes the
decision's task with it; a task deleted meanwhile is made anew. Changes made to the task
itself (its status above all) are the task's own: the decision keeps what was decided,
and the report reads the task's status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import Conflict, NotFound, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import decision_state, meeting_repo, repo, service
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.meeting_common import (
    MSG_NO_USER,
    acting_as,
    people_problem,
    require_editable,
)
from kompas_cc.organizer.meeting_events import DecisionChanged, DecisionDeleted, DecisionTaken
from kompas_cc.organizer.meeting_models import Meeting, MeetingDecision
from kompas_cc.organizer.meeting_schemas import (
    DecisionIn,
    DecisionOut,
    DecisionPatch,
    DecisionState,
)
from kompas_cc.organizer.schemas import TaskIn, TaskStatus
from kompas_cc.organizer.timing import local_day

MSG_DEADLINE_BEFORE = "The deadline cannot be before the day of the meeting"
MSG_DECISIONS_FULL = "A meeting has at most 100 decisions"
MAX_DECISIONS = 100
#: A task field the task service may refuse -> the decision field it comes from.
TASK_FIELDS = {"executor_ids": "responsible_id", "due_date": "deadline", "title": "text"}
TITLE_LENGTH = 300


class NoSuchDecision(NotFound):
    error_id = "no-such-decision"


class MeetingCalledOff(Conflict):
    error_id = "meeting-called-off"


def task_title(text: str) -> str:
    """The first line of the decision that is not blank, shortened to fit a task's title.

    Python counts more characters as line breaks and blanks than pydantic's stripping
    does (the separators \x1c-\x1f), so a text pydantic let through may have no such
    line: then it is the title as it is."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), text)
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def task_description(text: str) -> str | None:
    """The whole decision, when the title does not hold all of it."""
    return text if task_title(text) != text.strip() else None


async def _checked(uow: UnitOfWork, meeting: Meeting, data: DecisionIn) -> None:
    errors: dict[str, str] = {}
    problem = await people_problem(uow, [data.responsible_id])
    if problem:
        errors["responsible_id"] = problem
    if data.deadline < local_day(meeting.starts_at, ZoneInfo(meeting.timezone)):
        errors["deadline"] = MSG_DEADLINE_BEFORE
    if errors:
        raise ValidationFailed("The decision has invalid fields", fields=errors)


def _as_decision_error(exc: ValidationFailed) -> ValidationFailed:
    fields = {TASK_FIELDS.get(k.split(".")[0], "body"): v for k, v in exc.fields.items()}
    return ValidationFailed("The decision has invalid fields", fields=fields)


async def _acting(uow: UnitOfWork, user_id: int, timezone: str) -> Actor:
    user = (await repo.user_rows(uow.session, [user_id])).get(user_id)
    if user is None:
        raise ValidationFailed("The decision has invalid fields", fields={"body": MSG_NO_USER})
    return acting_as(user, timezone)


async def _make_task(
    uow: UnitOfWork,
    policy: OrganizerPolicy,
    meeting: Meeting,
    decision: MeetingDecision,
    now: datetime,
) -> int:
    organiser = await _acting(uow, meeting.organiser_id, meeting.timezone)
    client_id = meeting.client_id
    if (
        client_id is not None
        and await service.client_name(uow, organiser, policy, client_id) is None
    ):
        client_id = None
    wanted = {
        "title": task_title(decision.text),
        "description": task_description(decision.text),
        "executor_ids": [decision.responsible_id],
        "watcher_ids": [meeting.organiser_id],
        "client_id": client_id,
        "due_date": decision.deadline,
        "reminders": None,
        "allow_past_due": True,
    }
    try:
        data = validate_model(TaskIn, wanted, "The task")
        task = await service.create_task(uow, organiser, policy, data, now)
    except ValidationFailed as exc:
        raise _as_decision_error(exc) from None
    return task.id


async def _sync_task(
    uow: UnitOfWork,
    policy: OrganizerPolicy,
    meeting: Meeting,
    decision: MeetingDecision,
    now: datetime,
    old_organiser_id: int | None = None,
) -> None:
    """Bring the decision's task in line with it (or make one if it is gone)."""
    task = await repo.get_task(uow.session, decision.task_id) if decision.task_id else None
    if task is None:
        decision.task_id = await _make_task(uow, policy, meeting, decision, now)
        return
    author = await _acting(uow, task.author_id, task.timezone)
    out = await service.get_task(uow, author, policy, task.id, now)
    current: dict[str, Any] = service.task_in_from(out)
    watchers = [w for w in out.watcher_ids if w != old_organiser_id]
    current.update(
        title=task_title(decision.text),
        description=task_description(decision.text),
        executor_ids=[decision.responsible_id]
        + [u for u in out.co_executor_ids if u != decision.responsible_id],
        watcher_ids=[*watchers, meeting.organiser_id],
        due_at=None,
        due_date=decision.deadline,
        allow_past_due=True,
    )
    try:
        data = validate_model(TaskIn, current, "The task")
        await service.update_task(uow, author, policy, task.id, data, now)
    except ValidationFailed as exc:
        raise _as_decision_error(exc) from None


async def decision_outs(
    uow: UnitOfWork, meeting: Meeting, decisions: Sequence[MeetingDecision], now: datetime
) -> list[DecisionOut]:
    tasks = await meeting_repo.task_states(
        uow.session, [d.task_id for d in decisions if d.task_id is not None]
    )
    people = await repo.user_rows(uow.session, [d.responsible_id for d in decisions])
    outs = []
    for d in decisions:
        status, closed_at = tasks.get(d.task_id or 0, (None, None))
        state = decision_state.state_of(status)
        outs.append(
            DecisionOut(
                id=d.id,
                meeting_id=d.meeting_id,
                position=d.position,
                text=d.text,
                responsible_id=d.responsible_id,
                responsible=people[d.responsible_id].name if d.responsible_id in people else "",
                deadline=d.deadline,
                task_id=d.task_id if status is not None else None,
                task_status=cast(TaskStatus | None, status),
                state=cast(DecisionState, state),
                late=decision_state.is_late(state, closed_at, d.deadline_end_at, now),
                done_at=closed_at if state == "done" else None,
                created_at=d.created_at,
                updated_at=d.updated_at,
            )
        )
    return outs


async def _require_decision(uow: UnitOfWork, meeting: Meeting, decision_id: int) -> MeetingDecision:
    decision = await meeting_repo.get_decision(uow.session, decision_id)
    if decision is None or decision.meeting_id != meeting.id:
        raise NoSuchDecision("No such decision")
    return decision


async def record_decision(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    meeting_id: int,
    data: DecisionIn,
    now: datetime,
) -> DecisionOut:
    """Record a decision and set its task."""
    meeting = await require_editable(uow, actor, meeting_id)
    if meeting.status == "cancelled":
        raise MeetingCalledOff("A meeting that was called off takes no decisions")
    await _checked(uow, meeting, data)
    existing = await meeting_repo.list_decisions(uow.session, meeting.id)
    if len(existing) >= MAX_DECISIONS:
        raise ValidationFailed(MSG_DECISIONS_FULL, fields={"text": MSG_DECISIONS_FULL})
    decision = MeetingDecision(
        meeting_id=meeting.id,
        position=max((d.position for d in existing), default=0) + 1,
        text=data.text,
        responsible_id=data.responsible_id,
        deadline=data.deadline,
        deadline_end_at=decision_state.deadline_end(data.deadline, ZoneInfo(meeting.timezone)),
        author_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(decision)
    await uow.session.flush()
    decision.task_id = await _make_task(uow, policy, meeting, decision, now)
    meeting.updated_at = now
    await uow.session.flush()
    uow.emit(DecisionTaken(decision.id, meeting.id, decision.responsible_id, decision.task_id))
    return (await decision_outs(uow, meeting, [decision], now))[0]


async def change_decision(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    meeting_id: int,
    decision_id: int,
    data: DecisionIn,
    now: datetime,
) -> DecisionOut:
    """Change a decision; a new text, responsible person or deadline moves its task too."""
    meeting = await require_editable(uow, actor, meeting_id)
    decision = await _require_decision(uow, meeting, decision_id)
    await _checked(uow, meeting, data)
    new_values: dict[str, Any] = {
        "text": data.text,
        "responsible_id": data.responsible_id,
        "deadline": data.deadline,
    }
    changed = tuple(k for k, v in new_values.items() if getattr(decision, k) != v)
    for name in changed:
        setattr(decision, name, new_values[name])
    decision.deadline_end_at = decision_state.deadline_end(
        decision.deadline, ZoneInfo(meeting.timezone)
    )
    task_gone = (
        decision.task_id is None or await repo.get_task(uow.session, decision.task_id) is None
    )
    if changed or task_gone:
        await _sync_task(uow, policy, meeting, decision, now)
        decision.updated_at = now
        meeting.updated_at = now
        await uow.session.flush()
        uow.emit(DecisionChanged(decision.id, meeting.id, changed, actor.id))
    return (await decision_outs(uow, meeting, [decision], now))[0]


async def patch_decision(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    meeting_id: int,
    decision_id: int,
    patch: DecisionPatch,
    now: datetime,
) -> DecisionOut:
    """Change some fields of a decision; the rest stays."""
    meeting = await require_editable(uow, actor, meeting_id)
    decision = await _require_decision(uow, meeting, decision_id)
    current: dict[str, Any] = {
        "text": decision.text,
        "responsible_id": decision.responsible_id,
        "deadline": decision.deadline,
    }
    current.update(patch.model_dump(exclude_unset=True))
    data = validate_model(DecisionIn, current, "The decision")
    return await change_decision(uow, actor, policy, meeting_id, decision_id, data, now)


async def _drop_task(
    uow: UnitOfWork, policy: OrganizerPolicy, decision: MeetingDecision, timezone: str
) -> None:
    task = await repo.get_task(uow.session, decision.task_id) if decision.task_id else None
    if task is None:
        return
    author = await _acting(uow, task.author_id, timezone)
    await service.delete_task(uow, author, policy, task.id)


async def delete_decision(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    meeting_id: int,
    decision_id: int,
    now: datetime,
) -> None:
    """Delete a decision taken by mistake, with its task."""
    meeting = await require_editable(uow, actor, meeting_id)
    decision = await _require_decision(uow, meeting, decision_id)
    await _drop_task(uow, policy, decision, meeting.timezone)
    await uow.session.delete(decision)
    meeting.updated_at = now
    await uow.session.flush()
    uow.emit(DecisionDeleted(decision_id, meeting.id, actor.id))


async def drop_all(uow: UnitOfWork, policy: OrganizerPolicy, meeting: Meeting) -> None:
    """The tasks of a meeting's decisions go with the meeting."""
    for decision in await meeting_repo.list_decisions(uow.session, meeting.id):
        await _drop_task(uow, policy, decision, meeting.timezone)


async def follow_organiser(
    uow: UnitOfWork, policy: OrganizerPolicy, meeting: Meeting, old_organiser_id: int, now: datetime
) -> None:
    """The meeting has a new organiser: they watch its decisions' tasks instead."""
    for decision in await meeting_repo.list_decisions(uow.session, meeting.id):
        await _sync_task(uow, policy, meeting, decision, now, old_organiser_id)
