"""Meetings as the organizer keeps them: set up with an agenda and a preparation checklist,
checked on the way in, visible to those who take part, reminding whoever prepares,
and shown in the calendars of the participants and on the client's timeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from meeting_support import MOSCOW, STARTS, meeting_body, set_up
from organizer_support import Desk, open_desk

from kompas_cc.clients.timeline import TimelineWindow
from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import agenda, meeting_common, meeting_prep, meeting_service
from kompas_cc.organizer.meeting_schemas import (
    MeetingListQuery,
    MeetingNew,
    MeetingPatch,
    PrepItemPatch,
)


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[Desk]:
    async with open_desk(db_url) as opened:
        yield opened


def prep(desk: Desk, who: str, **fields: object) -> dict[str, object]:
    return {"text": "Отчёт по звонкам за неделю", "assignee_id": desk.people[who].id, **fields}


async def job_keys(desk: Desk) -> list[tuple[str | None, datetime]]:
    return [(job.key, job.due_at) for job in await desk.pending_jobs()]


async def test_meeting_is_set_up_with_agenda_participants_and_preparation(desk: Desk) -> None:
    meeting = await set_up(
        desk,
        participant_ids=[desk.anna.id, desk.boris.id, desk.anna.id],
        client_id=desk.clients["romashka"],
        link="https://meet.example.com/plan",
        agenda=[
            {"title": "Итоги недели", "speaker_id": desk.maria.id},
            {"title": "Холодная база", "speaker_id": desk.anna.id},
        ],
        preparation=[prep(desk, "boris", due_at="2026-01-19T18:00:00+03:00")],
    )
    assert meeting.organiser_id == desk.maria.id
    assert meeting.participant_ids == sorted([desk.anna.id, desk.boris.id])
    assert [(a.position, a.title, a.speaker) for a in meeting.agenda] == [
        (1, "Итоги недели", "Мария Петрова"),
        (2, "Холодная база", "Анна Смирнова"),
    ]
    assert meeting.client == "ООО «Ромашка»"
    assert meeting.status == "planned"
    [item] = meeting.preparation
    assert (item.assignee, item.due_at, item.done) == (
        "Борис Иванов",
        datetime(2026, 1, 19, 15, 0, tzinfo=UTC),
        False,
    )


async def test_end_before_start_is_a_field_error(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await set_up(desk, ends_at="2026-01-20T09:00:00+03:00")
    assert caught.value.fields == {"ends_at": meeting_service.MSG_ENDS_BEFORE}
    with pytest.raises(ValidationFailed) as caught:
        await set_up(desk, ends_at="2026-01-20T10:00:00+03:00")
    assert caught.value.fields == {"ends_at": meeting_service.MSG_ENDS_BEFORE}
    with pytest.raises(ValidationFailed) as caught:
        await set_up(desk, ends_at="2026-02-20T10:00:00+03:00")
    assert caught.value.fields == {"ends_at": meeting_service.MSG_TOO_LONG}


async def test_unknown_or_unfit_people_are_field_errors(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await set_up(
            desk,
            organiser_id=desk.dima.id,
            participant_ids=[999_999],
            agenda=[{"title": "Отчёт", "speaker_id": desk.boris.id}],
            preparation=[prep(desk, "anna")],
            client_id=999_999,
        )
    assert caught.value.fields == {
        "organiser_id": meeting_common.MSG_DEALER,
        "participant_ids": meeting_common.MSG_NO_USER,
        "agenda.0.speaker_id": meeting_common.MSG_NOT_ATTENDING,
        "preparation.0.assignee_id": meeting_common.MSG_NOT_ATTENDING,
        "client_id": meeting_service.MSG_NO_CLIENT,
    }


def test_a_link_must_be_a_web_address() -> None:
    for bad in ("javascript:alert(1)", "meet.example.com", "https://", "http://a b.ru"):
        with pytest.raises(ValidationFailed) as caught:
            validate_model(MeetingNew, meeting_body(link=bad), "The meeting", MOSCOW)
        assert "link" in caught.value.fields
    good = validate_model(MeetingNew, meeting_body(link="https://zoom.us/j/1"), "M", MOSCOW)
    assert good.link == "https://zoom.us/j/1"


async def test_dealers_set_up_and_see_no_meetings(desk: Desk) -> None:
    with pytest.raises(Forbidden):
        await set_up(desk, who="dima")
    meeting = await set_up(desk)
    async with desk.uows() as uow:
        with pytest.raises(NotFound):
            await meeting_service.get_meeting(uow, desk.dima, meeting.id, desk.now)


async def test_participants_see_outsiders_do_not_and_only_editors_change(desk: Desk) -> None:
    meeting = await set_up(desk, who="anna", participant_ids=[desk.boris.id])
    async with desk.uows() as uow:
        seen_by_boris = await meeting_service.meeting_view(uow, desk.boris, meeting.id, desk.now)
        seen_by_maria = await meeting_service.meeting_view(uow, desk.maria, meeting.id, desk.now)
        seen_by_anna = await meeting_service.meeting_view(uow, desk.anna, meeting.id, desk.now)
    assert (seen_by_boris.may_edit, seen_by_maria.may_edit, seen_by_anna.may_edit) == (
        False,
        True,
        True,
    )
    outsider = await set_up(desk, who="maria")
    async with desk.uows() as uow:
        with pytest.raises(NotFound):
            await meeting_service.get_meeting(uow, desk.anna, outsider.id, desk.now)
        page = await meeting_service.list_meetings(uow, desk.boris, MeetingListQuery(), desk.now)
    assert [m.id for m in page.items] == [meeting.id]
    with pytest.raises(Forbidden):
        async with desk.uows() as uow:
            await meeting_service.patch_meeting(
                uow, desk.boris, desk.policy, meeting.id, MeetingPatch(title="Моя"), desk.now
            )


async def test_preparation_reminder_pops_up_for_whoever_prepares(desk: Desk) -> None:
    meeting = await set_up(
        desk,
        participant_ids=[desk.anna.id, desk.boris.id],
        preparation=[
            prep(desk, "anna", reminders=[{"before_seconds": 3600}]),
            prep(
                desk,
                "boris",
                text="Прайс на февраль",
                due_at="2026-01-19T18:00:00+03:00",
                reminders=[{"before_seconds": 0}, {"at": "2026-01-16T09:00:00+03:00"}],
            ),
        ],
    )
    anna_item, _boris_item = meeting.preparation
    assert [r.fires_at for r in anna_item.reminders] == [STARTS - timedelta(hours=1)]
    assert sorted(key for key, _due in await job_keys(desk)) == sorted(
        f"meeting:{meeting.id}:prep:{item.id}:reminder:{r.id}"
        for item in meeting.preparation
        for r in item.reminders
    )
    assert await desk.run_jobs_at(datetime(2026, 1, 16, 6, 0, tzinfo=UTC)) == 1
    assert await desk.run_jobs_at(datetime(2026, 1, 19, 15, 0, tzinfo=UTC)) == 1
    assert await desk.run_jobs_at(STARTS - timedelta(hours=1)) == 1
    assert await desk.run_jobs_at(STARTS) == 0
    sent = await desk.notifications()
    assert [(n.user_id, n.kind, n.title, n.body) for n in sent] == [
        (desk.boris.id, "reminder", "Прайс на февраль", meeting.title),
        (desk.boris.id, "reminder", "Прайс на февраль", meeting.title),
        (desk.anna.id, "reminder", "Отчёт по звонкам за неделю", meeting.title),
    ]
    assert sent[0].link == f"/organizer/meetings/{meeting.id}#preparation"
    assert sent[2].due_at == STARTS


async def test_ticked_item_and_called_off_meeting_remind_nobody(desk: Desk) -> None:
    meeting = await set_up(
        desk,
        participant_ids=[desk.anna.id, desk.boris.id],
        preparation=[
            prep(desk, "anna", reminders=[{"before_seconds": 3600}]),
            prep(desk, "boris", reminders=[{"before_seconds": 3600}]),
        ],
    )
    anna_item = meeting.preparation[0]
    async with desk.uows() as uow:
        ticked = await meeting_prep.update_prep_item(
            uow, desk.anna, meeting.id, anna_item.id, PrepItemPatch(done=True), desk.now
        )
    assert (ticked.done, ticked.done_by) == (True, "Анна Смирнова")
    assert len(await job_keys(desk)) == 1
    async with desk.uows() as uow:
        await meeting_service.patch_meeting(
            uow, desk.maria, desk.policy, meeting.id, MeetingPatch(status="cancelled"), desk.now
        )
    assert await job_keys(desk) == []
    assert await desk.run_jobs_at(STARTS) == 0
    assert await desk.notifications() == []


async def test_only_the_person_preparing_and_editors_tick_an_item(desk: Desk) -> None:
    meeting = await set_up(
        desk, participant_ids=[desk.anna.id, desk.boris.id], preparation=[prep(desk, "anna")]
    )
    item = meeting.preparation[0]
    with pytest.raises(Forbidden):
        async with desk.uows() as uow:
            await meeting_prep.update_prep_item(
                uow, desk.boris, meeting.id, item.id, PrepItemPatch(done=True), desk.now
            )
    with pytest.raises(Forbidden):
        async with desk.uows() as uow:
            await meeting_prep.update_prep_item(
                uow, desk.anna, meeting.id, item.id, PrepItemPatch(text="Другое"), desk.now
            )


async def test_moving_the_meeting_moves_the_reminders_counted_from_its_start(desk: Desk) -> None:
    meeting = await set_up(
        desk,
        participant_ids=[desk.anna.id],
        preparation=[prep(desk, "anna", reminders=[{"before_seconds": 600}])],
    )
    later = MeetingPatch.model_validate(
        {"starts_at": "2026-01-21T15:00:00+03:00", "ends_at": "2026-01-21T16:00:00+03:00"}
    )
    async with desk.uows() as uow:
        await meeting_service.patch_meeting(
            uow, desk.maria, desk.policy, meeting.id, later, desk.now
        )
    assert [due for _key, due in await job_keys(desk)] == [
        datetime(2026, 1, 21, 11, 50, tzinfo=UTC)
    ]


async def test_preparation_due_after_the_start_or_reminding_in_the_past_is_refused(
    desk: Desk,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await set_up(
            desk,
            participant_ids=[desk.anna.id],
            preparation=[
                prep(
                    desk,
                    "anna",
                    due_at="2026-01-20T12:00:00+03:00",
                    reminders=[{"at": "2026-01-14T10:00:00+03:00"}],
                )
            ],
        )
    assert caught.value.fields == {
        "preparation.0.due_at": meeting_prep.MSG_DUE_AFTER_START,
        "preparation.0.reminders": "The reminder time has passed",
    }


async def test_meetings_show_in_the_days_of_those_who_take_part(desk: Desk) -> None:
    meeting = await set_up(desk, participant_ids=[desk.anna.id])
    day = date(2026, 1, 20)
    async with desk.uows() as uow:
        annas = await agenda.my_day(uow, desk.anna, desk.policy, [desk.anna.id], day, desk.now)
        boriss = await agenda.my_day(uow, desk.boris, desk.policy, [desk.boris.id], day, desk.now)
        week = await agenda.period(
            uow,
            desk.maria,
            desk.policy,
            [desk.maria.id],
            date(2026, 1, 19),
            date(2026, 1, 25),
            desk.now,
        )
    assert [(i.kind, i.id, i.at, i.person) for i in annas.items] == [
        ("meeting", meeting.id, STARTS, "Мария Петрова")
    ]
    assert annas.items[0].link == f"/organizer/meetings/{meeting.id}"
    assert boriss.items == []
    assert [i.kind for i in week] == ["meeting"]


async def test_a_clients_meetings_are_on_its_timeline(desk: Desk) -> None:
    meeting = await set_up(desk, client_id=desk.clients["romashka"])
    await set_up(desk, title="Без клиента")
    window = TimelineWindow(desk.clients["romashka"], None, None, 50)
    async with desk.uows() as uow:
        entries = await meeting_service.timeline_source(uow, window)
    assert [(e.kind, e.title, e.at, e.author, e.link) for e in entries] == [
        ("meeting", meeting.title, STARTS, "Мария Петрова", f"/organizer/meetings/{meeting.id}")
    ]
