"""Decisions taken at meetings: each becomes a task under control, follows its decision,
and the report says what was decided, who answers for it and whether it is done, open or
late, the way the clock and the tasks say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from meeting_support import decide, set_up
from organizer_support import Desk, open_desk

from kompas_cc.core.errors import Conflict, NotFound, ValidationFailed
from kompas_cc.organizer import (
    decision_state,
    decisions_report,
    meeting_common,
    meeting_decisions,
    meeting_service,
    service,
)
from kompas_cc.organizer.meeting_schemas import (
    DecisionPatch,
    DecisionReport,
    DecisionReportQuery,
    MeetingPatch,
)
from kompas_cc.organizer.schemas import TaskOut

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[Desk]:
    async with open_desk(db_url) as opened:
        yield opened


async def task_of(desk: Desk, task_id: int | None) -> TaskOut:
    assert task_id is not None
    async with desk.uows() as uow:
        return await service.get_task(uow, desk.admin, desk.policy, task_id, desk.now)


async def close(desk: Desk, task_id: int | None, status: str = "done") -> None:
    assert task_id is not None
    async with desk.uows() as uow:
        await service.set_status(uow, desk.admin, desk.policy, task_id, status, desk.now)


async def report(desk: Desk, who: str = "maria", **filters: object) -> DecisionReport:
    query = DecisionReportQuery.model_validate(filters)
    async with desk.uows(write=False) as uow:
        return await decisions_report.decisions_report(uow, desk.people[who], query, desk.now)


def moscow(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, 0, tzinfo=MOSCOW).astimezone(UTC)


async def test_a_decision_becomes_a_task_under_the_organisers_control(desk: Desk) -> None:
    meeting = await set_up(
        desk,
        who="maria",
        organiser_id=desk.boris.id,
        participant_ids=[desk.anna.id],
        client_id=desk.clients["vector"],
    )
    decision = await decide(desk, meeting, who="maria", responsible_id=desk.anna.id)
    task = await task_of(desk, decision.task_id)
    assert (task.title, task.executor_id, task.due_date, task.due_at) == (
        "Обзвонить клиентов из списка «Холодные»",
        desk.anna.id,
        date(2026, 1, 23),
        None,
    )
    assert (task.author_id, task.watcher_ids, task.client_id) == (
        desk.boris.id,
        [desk.boris.id],
        desk.clients["vector"],
    )
    assert (decision.state, decision.late, decision.task_status) == ("open", False, "new")
    async with desk.uows(write=False) as uow:
        link = await meeting_service.decision_of_task(uow, desk.anna, task.id)
        hidden = await meeting_service.decision_of_task(uow, desk.dima, task.id)
    assert link is not None
    assert (link.meeting_id, link.meeting, link.deadline) == (
        meeting.id,
        meeting.title,
        date(2026, 1, 23),
    )
    assert hidden is None


async def test_a_long_decision_keeps_its_whole_text_in_the_task(desk: Desk) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id])
    text = "Подготовить коммерческое предложение\nс учётом скидки 5% и доставки"
    task = await task_of(desk, (await decide(desk, meeting, text=text)).task_id)
    assert (task.title, task.description) == ("Подготовить коммерческое предложение", text)


async def test_changing_the_responsible_or_deadline_moves_the_task(desk: Desk) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id, desk.boris.id])
    decision = await decide(desk, meeting)
    patch = DecisionPatch.model_validate(
        {"responsible_id": desk.boris.id, "deadline": "2026-01-27", "text": "Обзвонить всех"}
    )
    async with desk.uows() as uow:
        changed = await meeting_decisions.patch_decision(
            uow, desk.maria, desk.policy, meeting.id, decision.id, patch, desk.now
        )
    assert (changed.responsible, changed.deadline, changed.task_id) == (
        "Борис Иванов",
        date(2026, 1, 27),
        decision.task_id,
    )
    task = await task_of(desk, decision.task_id)
    assert (task.executor_ids, task.due_date, task.title) == (
        [desk.boris.id],
        date(2026, 1, 27),
        "Обзвонить всех",
    )


async def test_a_new_organiser_watches_the_decisions_tasks(desk: Desk) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id, desk.boris.id])
    decision = await decide(desk, meeting, responsible_id=desk.boris.id)
    async with desk.uows() as uow:
        await meeting_service.patch_meeting(
            uow,
            desk.maria,
            desk.policy,
            meeting.id,
            MeetingPatch(organiser_id=desk.anna.id, participant_ids=[desk.maria.id, desk.boris.id]),
            desk.now,
        )
    assert (await task_of(desk, decision.task_id)).watcher_ids == [desk.anna.id]


async def test_bad_decisions_are_field_errors(desk: Desk) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id])
    cases = [
        ({"deadline": "2026-01-19"}, {"deadline": meeting_decisions.MSG_DEADLINE_BEFORE}),
        ({"responsible_id": 999_999}, {"responsible_id": meeting_common.MSG_NO_USER}),
        ({"responsible_id": desk.dima.id}, {"responsible_id": meeting_common.MSG_DEALER}),
    ]
    for fields, errors in cases:
        with pytest.raises(ValidationFailed) as caught:
            await decide(desk, meeting, **fields)
        assert caught.value.fields == errors
    same_day = await decide(desk, meeting, deadline="2026-01-20")
    assert same_day.deadline == date(2026, 1, 20)


async def test_a_called_off_meeting_takes_no_decisions(desk: Desk) -> None:
    meeting = await set_up(desk)
    async with desk.uows() as uow:
        await meeting_service.patch_meeting(
            uow, desk.maria, desk.policy, meeting.id, MeetingPatch(status="cancelled"), desk.now
        )
    with pytest.raises(Conflict):
        await decide(desk, meeting)


async def test_only_editors_record_decisions(desk: Desk) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id])
    with pytest.raises(meeting_common.NotAMeetingEditor):
        await decide(desk, meeting, who="anna")


async def test_states_and_lateness_follow_the_task_and_the_clock(desk: Desk) -> None:
    """Deadline 23 January (Moscow): open until the day is over, then late; done that day
    is on time, done the day after is late; a cancelled task is neither."""
    meeting = await set_up(desk, participant_ids=[desk.anna.id, desk.boris.id])
    on_time = await decide(desk, meeting, text="Вовремя")
    done_late = await decide(desk, meeting, text="С опозданием")
    await decide(desk, meeting, text="Висит", responsible_id=desk.boris.id)
    dropped = await decide(desk, meeting, text="Отменено")
    await close(desk, dropped.task_id, "cancelled")

    desk.clock.set(moscow(23, 23))
    await close(desk, on_time.task_id)
    before_midnight = await report(desk)
    assert [(r.text, r.state, r.late) for r in before_midnight.items] == [
        ("Вовремя", "done", False),
        ("С опозданием", "open", False),
        ("Висит", "open", False),
        ("Отменено", "cancelled", False),
    ]

    desk.clock.set(moscow(26, 10))
    await close(desk, done_late.task_id)
    after = await report(desk)
    assert [(r.text, r.state, r.late, r.days_late) for r in after.items] == [
        ("Вовремя", "done", False, 0),
        ("С опозданием", "done", True, 3),
        ("Висит", "open", True, 3),
        ("Отменено", "cancelled", False, 0),
    ]
    assert after.counts.model_dump() == {
        "total": 4,
        "open": 1,
        "done": 2,
        "late": 2,
        "cancelled": 1,
    }
    assert after.items[1].done_at == moscow(26, 10)
    async with desk.uows(write=False) as uow:
        card = await meeting_service.get_meeting(uow, desk.maria, meeting.id, desk.now)
    assert [(d.state, d.late) for d in card.decisions] == [
        ("done", False),
        ("done", True),
        ("open", True),
        ("cancelled", False),
    ]
    late = await report(desk, status=["late"])
    assert [r.text for r in late.items] == ["С опозданием", "Висит"]
    open_or_cancelled = await report(desk, status=["open", "cancelled"])
    assert [r.text for r in open_or_cancelled.items] == ["Висит", "Отменено"]


async def test_report_filters_by_period_and_person_and_shows_only_visible_meetings(
    desk: Desk,
) -> None:
    first = await set_up(desk, participant_ids=[desk.anna.id, desk.boris.id])
    second = await set_up(
        desk,
        title="Совет директоров",
        starts_at="2026-02-02T10:00:00+03:00",
        ends_at="2026-02-02T12:00:00+03:00",
        participant_ids=[desk.boris.id],
    )
    await decide(desk, first, text="Январское", deadline="2026-01-23")
    await decide(desk, second, text="Февральское", deadline="2026-02-10")
    await decide(desk, second, text="Борису", deadline="2026-02-05", responsible_id=desk.boris.id)

    in_january = await report(desk, since="2026-01-01", until="2026-01-31")
    assert [r.text for r in in_january.items] == ["Январское"]
    meetings_in_february = await report(desk, since="2026-02-01", until="2026-02-28", by="meeting")
    assert [r.text for r in meetings_in_february.items] == ["Борису", "Февральское"]
    borises = await report(desk, responsible_id=desk.boris.id)
    assert [(r.text, r.meeting) for r in borises.items] == [("Борису", "Совет директоров")]
    annas_view = await report(desk, who="anna")
    assert [r.text for r in annas_view.items] == ["Январское"]
    assert (await report(desk, who="dima")).total == 0


async def test_deleting_a_decision_or_its_meeting_deletes_the_tasks(desk: Desk) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id])
    first = await decide(desk, meeting, text="Первое")
    second = await decide(desk, meeting, text="Второе")
    async with desk.uows() as uow:
        await meeting_decisions.delete_decision(
            uow, desk.maria, desk.policy, meeting.id, first.id, desk.now
        )
    with pytest.raises(NotFound):
        await task_of(desk, first.task_id)
    assert (await task_of(desk, second.task_id)).title == "Второе"
    async with desk.uows() as uow:
        await meeting_service.delete_meeting(uow, desk.maria, desk.policy, meeting.id)
    with pytest.raises(NotFound):
        await task_of(desk, second.task_id)
    assert (await report(desk)).total == 0


async def test_a_task_deleted_meanwhile_is_made_anew_when_its_decision_is_saved(
    desk: Desk,
) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id])
    decision = await decide(desk, meeting)
    async with desk.uows() as uow:
        await service.delete_task(uow, desk.admin, desk.policy, decision.task_id or 0)
    gone = await report(desk)
    assert [(r.task_id, r.state) for r in gone.items] == [(None, "open")]
    async with desk.uows() as uow:
        saved = await meeting_decisions.patch_decision(
            uow, desk.maria, desk.policy, meeting.id, decision.id, DecisionPatch(), desk.now
        )
    assert saved.task_status == "new"
    assert (await task_of(desk, saved.task_id)).executor_id == desk.anna.id


def test_a_deadline_ends_at_midnight_of_the_meetings_zone() -> None:
    end = decision_state.deadline_end(date(2026, 1, 23), MOSCOW)
    assert end == datetime(2026, 1, 23, 21, 0, tzinfo=UTC)
    assert not decision_state.is_late("open", None, end, end.replace(minute=0, hour=20))
    assert decision_state.is_late("open", None, end, end)
    assert decision_state.is_late("done", end, end, end)
    assert not decision_state.is_late("cancelled", None, end, end.replace(day=30))
    assert decision_state.days_late(date(2026, 1, 23), "open", None, MOSCOW, moscow(25, 1)) == 2


def test_a_task_title_is_the_first_line_that_is_not_blank() -> None:
    """Schemathesis sent "\\x1c": pydantic keeps it (not Unicode White_Space), Python's
    splitlines and strip drop it, and the title must still be something."""
    assert meeting_decisions.task_title("\n\n  Первое  \nВторое") == "Первое"
    assert meeting_decisions.task_title("\x1c") == "\x1c"
    assert meeting_decisions.task_title("а" * 400) == "а" * 299 + "…"
    assert meeting_decisions.task_description("Одна строка") is None
