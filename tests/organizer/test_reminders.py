"""Reminders of tasks and contacts: scheduled in the task's own transaction, moved with it,
cancelled when it closes or goes, delivered once to the people they are for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from organizer_support import Desk, open_desk, task_body

from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import contacts, jobs, reminder_service, reminders, service
from kompas_cc.organizer.schemas import CompleteIn, ContactIn, ReminderIn, TaskIn, TaskOut
from kompas_cc.scheduler import Job

#: The task of task_body() is due on 16 January at 10:00 Moscow time.
DUE = datetime(2026, 1, 16, 7, 0, tzinfo=UTC)


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[Desk]:
    async with open_desk(db_url) as opened:
        yield opened


async def create(desk: Desk, who: str = "maria", **fields: Any) -> TaskOut:
    data = validate_model(TaskIn, task_body(**fields), "The task", {"timezone": "Europe/Moscow"})
    async with desk.uows() as uow:
        return await service.create_task(uow, desk.people[who], desk.policy, data, desk.now)


async def update(desk: Desk, task: TaskOut, **changes: Any) -> TaskOut:
    current = service.task_in_from(task)
    current.update(changes)
    data = validate_model(TaskIn, current, "The task", {"timezone": "Europe/Moscow"})
    async with desk.uows() as uow:
        return await service.update_task(uow, desk.maria, desk.policy, task.id, data, desk.now)


async def job_keys(desk: Desk) -> list[tuple[str | None, datetime]]:
    return [(job.key, job.due_at) for job in await desk.pending_jobs()]


async def test_reminders_are_scheduled_with_the_task(desk: Desk) -> None:
    task = await create(
        desk, reminders=[{"before_seconds": 0}, {"before_seconds": 3600}, {"before_seconds": 0}]
    )
    first, second = task.reminders
    assert [r.fires_at for r in task.reminders] == [DUE, DUE - timedelta(hours=1)]
    assert await job_keys(desk) == [
        (f"task:{task.id}:reminder:{second.id}", DUE - timedelta(hours=1)),
        (f"task:{task.id}:reminder:{first.id}", DUE),
    ]


async def test_new_tasks_get_the_authors_default_reminders(desk: Desk) -> None:
    async with desk.uows() as uow:
        saved = await reminder_service.set_defaults(uow, desk.maria, [86_400, 900, 900])
    assert [d.before_seconds for d in saved] == [900, 86_400]
    task = await create(desk, reminders=None)
    assert sorted(r.before_seconds or 0 for r in task.reminders) == [900, 86_400]
    assert (await create(desk, reminders=[])).reminders == []
    assert (await create(desk, who="anna", reminders=None)).reminders == []


async def test_moving_the_due_time_moves_the_reminders(desk: Desk) -> None:
    task = await create(desk, reminders=[{"before_seconds": 600}])
    moved = await update(desk, task, due_at=DUE + timedelta(days=2))
    assert await job_keys(desk) == [
        (f"task:{task.id}:reminder:{moved.reminders[0].id}", DUE + timedelta(days=2, minutes=-10))
    ]


@pytest.mark.parametrize("closing", ["done", "cancelled"])
async def test_closing_a_task_cancels_its_reminders_and_reopening_restores_them(
    desk: Desk, closing: str
) -> None:
    task = await create(desk, reminders=[{"before_seconds": 600}])
    async with desk.uows() as uow:
        await service.set_status(uow, desk.maria, desk.policy, task.id, closing, desk.now)
    assert await job_keys(desk) == []
    async with desk.uows() as uow:
        await service.set_status(uow, desk.maria, desk.policy, task.id, "new", desk.now)
    assert len(await job_keys(desk)) == 1


async def test_deleting_a_task_cancels_its_reminders(desk: Desk) -> None:
    task = await create(desk, reminders=[{"before_seconds": 600}])
    async with desk.uows() as uow:
        await service.delete_task(uow, desk.maria, desk.policy, task.id)
    assert await job_keys(desk) == []
    assert await desk.run_jobs_at(DUE) == 0


async def test_due_reminder_notifies_the_executors_once(desk: Desk) -> None:
    task = await create(
        desk,
        executor_ids=[desk.anna.id, desk.boris.id],
        watcher_ids=[desk.admin.id],
        client_id=desk.clients["romashka"],
        reminders=[{"before_seconds": 3600}],
    )
    assert await desk.run_jobs_at(DUE - timedelta(hours=1)) == 1
    assert await desk.run_jobs_at(DUE) == 0
    sent = await desk.notifications()
    assert sorted(n.user_id for n in sent) == sorted([desk.anna.id, desk.boris.id])
    assert {(n.kind, n.title, n.body, n.task_id, n.late) for n in sent} == {
        ("reminder", task.title, "ООО «Ромашка»", task.id, False)
    }
    assert sent[0].link == f"/organizer/tasks/{task.id}"


async def test_reminder_handled_long_after_its_time_is_late(desk: Desk) -> None:
    await create(desk, reminders=[{"before_seconds": 0}])
    await desk.run_jobs_at(DUE + timedelta(hours=3))
    assert [n.late for n in await desk.notifications()] == [True]


async def test_reminder_fired_then_due_moved_later_reminds_again(desk: Desk) -> None:
    task = await create(desk, reminders=[{"before_seconds": 0}])
    await desk.run_jobs_at(DUE)
    await update(desk, task, due_at=DUE + timedelta(days=1))
    await desk.run_jobs_at(DUE + timedelta(days=1))
    assert len(await desk.notifications()) == 2


async def test_reminder_of_a_deleted_task_is_skipped(desk: Desk) -> None:
    """The job may still run (claimed before the delete committed): it finds no reminder and
    no task and writes nothing."""
    task = await create(desk, reminders=[{"before_seconds": 0}])
    reminder_id = task.reminders[0].id
    async with desk.uows() as uow:
        await service.delete_task(uow, desk.maria, desk.policy, task.id)
    job = Job(
        id=1,
        kind="reminder",
        key=None,
        due_at=DUE,
        payload={"task_id": task.id, "reminder_id": reminder_id},
    )
    async with desk.uows() as uow:
        await jobs.on_reminder_due(uow, job)
    assert await desk.notifications() == []


async def test_reminder_of_a_task_done_meanwhile_is_skipped(desk: Desk) -> None:
    task = await create(desk, reminders=[{"before_seconds": 0}])
    async with desk.uows() as uow:
        await service.set_status(uow, desk.maria, desk.policy, task.id, "done", desk.now)
    job = Job(
        id=1,
        kind="reminder",
        key=None,
        due_at=DUE,
        payload={"task_id": task.id, "reminder_id": task.reminders[0].id},
    )
    async with desk.uows() as uow:
        await jobs.on_reminder_due(uow, job)
    assert await desk.notifications() == []


async def test_reminder_moment_already_past_is_kept_but_not_sent(desk: Desk) -> None:
    task = await create(desk, reminders=[{"before_seconds": 2 * 86_400}])
    assert task.reminders[0].fires_at == DUE - timedelta(days=2)
    assert await job_keys(desk) == []


async def test_bad_reminders_are_field_errors(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, reminders=[{"at": "2026-01-14T10:00:00+03:00"}])
    assert caught.value.fields == {"reminders": reminders.MSG_PASSED}
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, due_at=None, reminders=[{"before_seconds": 60}])
    assert caught.value.fields == {"reminders": reminders.MSG_NEEDS_DUE}
    for bad in ({"before_seconds": -60}, {}, {"before_seconds": 60, "at": "2026-01-20T10:00"}):
        with pytest.raises(ValidationFailed):
            validate_model(TaskIn, task_body(reminders=[bad]))


async def test_exact_reminder_on_a_task_without_due_time(desk: Desk) -> None:
    task = await create(desk, due_at=None, reminders=[{"at": "2026-01-20T09:00:00+03:00"}])
    assert task.reminders[0].fires_at == datetime(2026, 1, 20, 6, 0, tzinfo=UTC)
    assert len(await job_keys(desk)) == 1


async def test_adding_and_deleting_one_reminder(desk: Desk) -> None:
    task = await create(desk, reminders=[{"before_seconds": 600}])
    async with desk.uows() as uow:
        added = await reminder_service.add_task_reminder(
            uow, desk.maria, desk.policy, task.id, ReminderIn(before_seconds=60), desk.now
        )
    assert len(await job_keys(desk)) == 2
    async with desk.uows() as uow:
        await reminder_service.delete_reminder(uow, desk.maria, desk.policy, added.id, desk.now)
    assert await job_keys(desk) == [
        (f"task:{task.id}:reminder:{task.reminders[0].id}", DUE - timedelta(minutes=10))
    ]
    async with desk.uows(write=False) as uow:
        upcoming = await reminder_service.list_upcoming(uow, desk.maria, desk.now)
    assert [(r.task_id, r.fires_at) for r in upcoming] == [(task.id, DUE - timedelta(minutes=10))]


async def test_others_cannot_delete_a_reminder(desk: Desk) -> None:
    task = await create(desk, executor_ids=[desk.anna.id], reminders=[{"before_seconds": 60}])
    async with desk.uows() as uow:
        with pytest.raises(reminder_service.NoSuchReminder):
            await reminder_service.delete_reminder(
                uow, desk.boris, desk.policy, task.reminders[0].id, desk.now
            )


async def test_contact_reminder_reaches_its_maker_and_completion_cancels_it(desk: Desk) -> None:
    data = validate_model(
        ContactIn,
        {
            "client_id": desk.clients["vector"],
            "kind": "call",
            "subject": "Цены",
            "user_id": desk.anna.id,
            "planned_at": "2026-01-16T10:00:00+03:00",
            "reminders": [{"before_seconds": 900}],
        },
    )
    async with desk.uows() as uow:
        contact = await contacts.create_contact(uow, desk.maria, desk.policy, data, desk.now)
    [job] = await desk.pending_jobs()
    assert job.key == f"contact:{contact.id}:reminder:{contact.reminders[0].id}"
    await desk.run_jobs_at(DUE - timedelta(minutes=15))
    [sent] = await desk.notifications()
    assert (sent.user_id, sent.title, sent.body) == (desk.anna.id, "АО «Вектор»", "Цены")

    async with desk.uows() as uow:
        second = await contacts.create_contact(uow, desk.maria, desk.policy, data, desk.now)
        await contacts.complete_contact(
            uow, desk.anna, desk.policy, second.id, CompleteIn(result="Договорились"), desk.now
        )
    assert await desk.pending_jobs() == []
