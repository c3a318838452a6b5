"""Tasks through the organizer service: people, due times, status, checklist, comments,
repeating tasks. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from organizer_support import Desk, open_desk, task_body

from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import checklist, series, service
from kompas_cc.organizer.recurrence import MSG_INVALID, MSG_NEVER
from kompas_cc.organizer.schemas import (
    ChecklistItemIn,
    ChecklistItemPatch,
    CommentIn,
    TaskIn,
    TaskListQuery,
    TaskOut,
)


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[Desk]:
    async with open_desk(db_url) as opened:
        yield opened


def parsed(**fields: Any) -> TaskIn:
    return validate_model(TaskIn, task_body(**fields), "The task", {"timezone": "Europe/Moscow"})


async def create(desk: Desk, who: str = "maria", **fields: Any) -> TaskOut:
    async with desk.uows() as uow:
        return await service.create_task(
            uow, desk.people[who], desk.policy, parsed(**fields), desk.now
        )


async def get(desk: Desk, task_id: int, who: str = "maria") -> TaskOut:
    async with desk.uows(write=False) as uow:
        return await service.get_task(uow, desk.people[who], desk.policy, task_id, desk.now)


async def status(desk: Desk, task_id: int, value: str, who: str = "maria") -> TaskOut:
    async with desk.uows() as uow:
        return await service.set_status(
            uow, desk.people[who], desk.policy, task_id, value, desk.now
        )


async def test_first_executor_is_responsible_and_the_rest_co_executors(desk: Desk) -> None:
    task = await create(
        desk,
        executor_ids=[desk.anna.id, desk.boris.id, desk.anna.id],
        watcher_ids=[desk.admin.id, desk.boris.id],
        client_id=desk.clients["romashka"],
    )
    assert task.executor_id == desk.anna.id
    assert task.executor == "Анна Смирнова"
    assert task.co_executor_ids == [desk.boris.id]
    assert task.watcher_ids == [desk.admin.id]
    assert task.author_id == desk.maria.id
    assert task.client == "ООО «Ромашка»"
    assert task.status == "new"
    assert task.due_at == datetime(2026, 1, 16, 7, 0, tzinfo=UTC)


async def test_without_executors_the_author_executes(desk: Desk) -> None:
    task = await create(desk, who="anna")
    assert task.executor_ids == [desk.anna.id]


async def test_unknown_executor_is_a_field_error(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, executor_ids=[999_999], watcher_ids=[888_888])
    assert caught.value.fields == {
        "executor_ids": service.MSG_NO_USER,
        "watcher_ids": service.MSG_NO_USER,
    }


async def test_unknown_client_is_a_field_error(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, client_id=999_999)
    assert caught.value.fields == {"client_id": service.MSG_NO_CLIENT}


async def test_dealer_cannot_create_tasks(desk: Desk) -> None:
    with pytest.raises(Forbidden):
        await create(desk, who="dima")


async def test_past_due_time_needs_the_explicit_flag(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, due_at="2026-01-15T08:00:00+00:00")
    assert caught.value.fields == {"due_at": service.MSG_PAST_DUE}
    task = await create(desk, due_at="2026-01-15T08:00:00+00:00", allow_past_due=True)
    assert task.overdue


async def test_all_day_task_today_is_not_past_and_becomes_overdue_the_next_day(
    desk: Desk,
) -> None:
    task = await create(desk, due_at=None, due_date="2026-01-15")
    assert task.all_day
    assert not task.overdue
    desk.clock.advance(timedelta(hours=13))  # 01:00 on the 16th in Moscow
    assert (await get(desk, task.id)).overdue
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, due_at=None, due_date="2026-01-15")
    assert caught.value.fields == {"due_date": service.MSG_PAST_DUE}


async def test_overdue_is_derived_from_the_clock_and_closing_clears_it(desk: Desk) -> None:
    task = await create(desk)
    assert not task.overdue
    desk.clock.set(datetime(2026, 1, 16, 8, 0, tzinfo=UTC))
    assert (await get(desk, task.id)).overdue
    assert not (await status(desk, task.id, "done")).overdue


async def test_closing_records_the_time_and_reopening_clears_it(desk: Desk) -> None:
    task = await create(desk)
    done = await status(desk, task.id, "done")
    assert done.closed_at == desk.now
    reopened = await status(desk, task.id, "in_progress")
    assert reopened.closed_at is None
    assert reopened.status == "in_progress"


async def test_watcher_reads_but_cannot_change(desk: Desk) -> None:
    task = await create(desk, executor_ids=[desk.anna.id], watcher_ids=[desk.boris.id])
    assert (await get(desk, task.id, "boris")).title == task.title
    with pytest.raises(Forbidden):
        await status(desk, task.id, "done", who="boris")


async def test_unrelated_operator_and_dealer_do_not_see_a_task_without_client(
    desk: Desk,
) -> None:
    task = await create(desk, executor_ids=[desk.anna.id])
    for who in ("boris", "dima"):
        with pytest.raises(NotFound):
            await get(desk, task.id, who)


async def test_manager_sees_and_changes_the_team_task_admin_everything(desk: Desk) -> None:
    task = await create(desk, who="anna", executor_ids=[desk.boris.id])
    assert (await status(desk, task.id, "in_progress", who="maria")).status == "in_progress"
    assert (await get(desk, task.id, "admin")).id == task.id


async def test_client_task_is_seen_by_those_who_see_the_client(desk: Desk) -> None:
    task = await create(desk, executor_ids=[desk.anna.id], client_id=desk.clients["vector"])
    assert (await get(desk, task.id, "boris")).client_id == desk.clients["vector"]
    with pytest.raises(NotFound):
        await get(desk, task.id, "dima")


# -- discussion --------------------------------------------------------------------------


async def comment(desk: Desk, task_id: int, who: str, text: str = "Готово?") -> Any:
    async with desk.uows() as uow:
        return await service.add_comment(
            uow, desk.people[who], desk.policy, task_id, CommentIn(text=text), desk.now
        )


async def test_author_and_executors_discuss_a_task(desk: Desk) -> None:
    task = await create(desk, executor_ids=[desk.anna.id, desk.boris.id])
    for who in ("maria", "anna", "boris"):
        assert (await comment(desk, task.id, who)).author == desk.people[who].name
    async with desk.uows(write=False) as uow:
        comments = await service.list_comments(uow, desk.anna, desk.policy, task.id)
    assert [c.author_id for c in comments] == [desk.maria.id, desk.anna.id, desk.boris.id]


async def test_watcher_admin_and_client_reader_may_not_discuss(desk: Desk) -> None:
    task = await create(
        desk,
        executor_ids=[desk.anna.id],
        watcher_ids=[desk.boris.id],
        client_id=desk.clients["romashka"],
    )
    for who in ("boris", "admin"):
        with pytest.raises(service.NotADiscussant):
            await comment(desk, task.id, who)


async def test_unrelated_operator_and_dealer_cannot_comment(desk: Desk) -> None:
    task = await create(desk, executor_ids=[desk.anna.id])
    for who in ("boris", "dima"):
        with pytest.raises(NotFound):
            await comment(desk, task.id, who)


async def test_may_discuss_is_one_rule_for_every_channel(desk: Desk) -> None:
    task = await create(desk, executor_ids=[desk.anna.id], watcher_ids=[desk.boris.id])
    assert service.may_discuss(task, desk.maria.id)
    assert service.may_discuss(task, desk.anna.id)
    assert not service.may_discuss(task, desk.boris.id)
    async with desk.uows(write=False) as uow:
        assert await service.may_discuss_task(uow, task.id, desk.anna.id)
        assert not await service.may_discuss_task(uow, task.id, desk.boris.id)
        assert not await service.may_discuss_task(uow, 999_999, desk.anna.id)


# -- checklist ---------------------------------------------------------------------------


async def test_checklist_items_are_added_ticked_and_removed(desk: Desk) -> None:
    task = await create(desk, executor_ids=[desk.anna.id], checklist=["Счёт", " ", "Акт"])
    assert [i.text for i in task.checklist] == ["Счёт", "Акт"]
    async with desk.uows() as uow:
        added = await checklist.add_checklist_item(
            uow, desk.anna, desk.policy, task.id, ChecklistItemIn(text="Договор"), desk.now
        )
        ticked = await checklist.update_checklist_item(
            uow, desk.anna, desk.policy, task.id, added.id, ChecklistItemPatch(done=True), desk.now
        )
        await checklist.delete_checklist_item(
            uow, desk.anna, desk.policy, task.id, task.checklist[0].id, desk.now
        )
    assert ticked.done
    assert ticked.done_by == "Анна Смирнова"
    assert ticked.done_at == desk.now
    assert [(i.text, i.done) for i in (await get(desk, task.id)).checklist] == [
        ("Акт", False),
        ("Договор", True),
    ]


# -- lists -------------------------------------------------------------------------------


async def test_list_filters_by_executor_client_status_and_due_range(desk: Desk) -> None:
    romashka = desk.clients["romashka"]
    a = await create(desk, title="A", executor_ids=[desk.anna.id], client_id=romashka)
    await create(desk, title="B", executor_ids=[desk.boris.id], due_at="2026-01-20T10:00:00")
    c = await create(desk, title="C", executor_ids=[desk.boris.id, desk.anna.id], due_at=None)
    await status(desk, c.id, "done")

    async def titles(**query: Any) -> list[str]:
        async with desk.uows(write=False) as uow:
            page = await service.list_tasks(
                uow, desk.maria, desk.policy, TaskListQuery(**query), desk.now
            )
        return [t.title for t in page.items]

    assert await titles() == ["A", "B", "C"]
    assert await titles(executor_id=desk.anna.id) == ["A", "C"]
    assert await titles(client_id=romashka) == [a.title]
    assert await titles(status=["done"]) == ["C"]
    assert await titles(due_from=date(2026, 1, 17), due_to=date(2026, 1, 31)) == ["B"]
    assert await titles(q="b") == ["B"]


# -- repeating tasks ---------------------------------------------------------------------


async def test_malformed_and_never_matching_rules_are_refused(desk: Desk) -> None:
    for rule, message in (
        ("FREQ=SOMETIMES", "The repeat rule must repeat daily, weekly, monthly or yearly"),
        ("FREQ", MSG_INVALID),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", MSG_NEVER),
    ):
        with pytest.raises(ValidationFailed) as caught:
            await create(desk, rrule=rule)
        assert caught.value.fields == {"rrule": message}
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, rrule="FREQ=DAILY", due_at=None)
    assert caught.value.fields == {"rrule": series.MSG_RULE_NEEDS_DUE}


async def test_done_occurrence_creates_the_next_one_once(desk: Desk) -> None:
    task = await create(
        desk,
        rrule="freq=weekly",
        executor_ids=[desk.anna.id, desk.boris.id],
        checklist=["Отчёт"],
        reminders=[{"before_seconds": 3600}],
    )
    assert task.rrule == "FREQ=WEEKLY"
    await status(desk, task.id, "done", who="anna")
    first = await get(desk, task.id)
    assert first.next_id is not None
    second = await get(desk, first.next_id)
    assert second.due_at == task.due_at + timedelta(days=7)  # type: ignore[operator]
    assert (second.occurrence, second.series_id, second.previous_id) == (2, task.id, task.id)
    assert second.executor_ids == task.executor_ids
    assert [i.text for i in second.checklist] == ["Отчёт"]
    assert [r.before_seconds for r in second.reminders] == [3600]
    # Reopening and closing again, and the due time coming, create nothing more.
    await status(desk, task.id, "new")
    await status(desk, task.id, "done")
    await desk.run_jobs_at(datetime(2026, 1, 16, 8, 0, tzinfo=UTC))
    async with desk.uows(write=False) as uow:
        page = await service.list_tasks(uow, desk.maria, desk.policy, TaskListQuery(), desk.now)
    assert page.total == 2


async def test_next_occurrence_appears_when_the_due_time_comes(desk: Desk) -> None:
    task = await create(desk, rrule="FREQ=DAILY;COUNT=2")
    assert await desk.run_jobs_at(datetime(2026, 1, 16, 7, 0, tzinfo=UTC)) == 1
    following = (await get(desk, task.id)).next_id
    assert following is not None
    second = await get(desk, following)
    assert second.status == "new"
    assert second.due_at == datetime(2026, 1, 17, 7, 0, tzinfo=UTC)
    # COUNT=2: the second occurrence is the last; its time coming creates nothing.
    await desk.run_jobs_at(datetime(2026, 1, 17, 7, 0, tzinfo=UTC))
    assert (await get(desk, following)).next_id is None


async def test_all_day_series_steps_by_days(desk: Desk) -> None:
    task = await create(desk, due_at=None, due_date="2026-01-30", rrule="FREQ=MONTHLY;BYDAY=-1FR")
    following = (await status(desk, task.id, "cancelled")).next_id
    assert following is not None
    assert (await get(desk, following)).due_date == date(2026, 2, 27)


async def test_deleting_a_task_ends_its_series(desk: Desk) -> None:
    task = await create(desk, rrule="FREQ=DAILY")
    async with desk.uows() as uow:
        await service.delete_task(uow, desk.maria, desk.policy, task.id)
    assert await desk.pending_jobs() == []
    assert await desk.run_jobs_at(datetime(2026, 1, 16, 8, 0, tzinfo=UTC)) == 0
    with pytest.raises(NotFound):
        await get(desk, task.id)


async def test_only_author_manager_or_admin_deletes(desk: Desk) -> None:
    task = await create(desk, who="anna", executor_ids=[desk.boris.id])
    async with desk.uows() as uow:
        with pytest.raises(Forbidden):
            await service.delete_task(uow, desk.boris, desk.policy, task.id)
    async with desk.uows() as uow:
        await service.delete_task(uow, desk.maria, desk.policy, task.id)
