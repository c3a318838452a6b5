"""My day, the calendar periods, whose days one may look at, and the daily digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from organizer_support import Desk, open_desk, task_body

from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import agenda, contacts, service
from kompas_cc.organizer.schemas import ContactIn, TaskIn, TaskOut

ZONE = {"timezone": "Europe/Moscow"}
TODAY = date(2026, 1, 15)


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[Desk]:
    async with open_desk(db_url) as opened:
        yield opened


async def task(desk: Desk, title: str, who: str = "anna", **fields: Any) -> TaskOut:
    data = validate_model(TaskIn, task_body(title=title, **fields), "The task", ZONE)
    async with desk.uows() as uow:
        return await service.create_task(uow, desk.people[who], desk.policy, data, desk.now)


async def contact(desk: Desk, who: str = "anna", **fields: Any) -> None:
    body = {"client_id": desk.clients["romashka"], "kind": "meeting", "subject": "Встреча"}
    data = validate_model(ContactIn, {**body, **fields}, "The contact", ZONE)
    async with desk.uows() as uow:
        await contacts.create_contact(uow, desk.people[who], desk.policy, data, desk.now)


async def test_my_day_lists_overdue_first_then_the_day_by_time(desk: Desk) -> None:
    await task(desk, "Вчерашняя", due_at="2026-01-14T10:00:00", allow_past_due=True)
    await task(desk, "Вечером", due_at="2026-01-15T18:00:00")
    await task(desk, "Весь день", due_at=None, due_date="2026-01-15")
    await task(desk, "Завтра", due_at="2026-01-16T09:00:00")
    await task(desk, "Чужая", who="boris", due_at="2026-01-15T19:00:00")
    await contact(desk, planned_at="2026-01-15T15:00:00")
    await contact(desk, planned_at="2026-01-14T15:00:00")
    async with desk.uows(write=False) as uow:
        day = await agenda.my_day(uow, desk.anna, desk.policy, [desk.anna.id], TODAY, desk.now)
    assert [(i.kind, i.title) for i in day.overdue] == [
        ("task", "Вчерашняя"),
        ("contact", "Встреча"),
    ]
    assert all(i.overdue for i in day.overdue)
    assert [i.title for i in day.items] == ["Весь день", "Встреча", "Вечером"]


async def test_week_places_items_on_the_days_of_the_viewers_zone(desk: Desk) -> None:
    # 23:30 in Moscow on Friday is still Friday for the Moscow viewer.
    await task(desk, "Поздно", due_at="2026-01-16T23:30:00")
    await contact(desk, planned_at="2026-01-19T09:00:00")
    async with desk.uows(write=False) as uow:
        items = await agenda.period(
            uow,
            desk.anna,
            desk.policy,
            [desk.anna.id],
            date(2026, 1, 12),
            date(2026, 1, 18),
            desk.now,
        )
    assert {d: [i.title for i in v] for d, v in agenda.by_day(items).items()} == {
        date(2026, 1, 16): ["Поздно"]
    }


async def test_managers_look_at_their_team_operators_only_at_themselves(desk: Desk) -> None:
    async with desk.uows(write=False) as uow:
        maria_sees = {uid for uid, _ in await agenda.people_choices(uow, desk.maria)}
        anna_sees = {uid for uid, _ in await agenda.people_choices(uow, desk.anna)}
        admin_sees = {uid for uid, _ in await agenda.people_choices(uow, desk.admin)}
        team = await agenda.people_of(uow, desk.maria, None, team=True)
        with pytest.raises(agenda.NoSuchPerson):
            await agenda.people_of(uow, desk.anna, desk.boris.id, team=False)
    assert maria_sees == {desk.maria.id, desk.anna.id, desk.boris.id}
    assert anna_sees == {desk.anna.id}
    assert admin_sees == {p.id for p in desk.people.values()}
    assert set(team) == maria_sees


async def test_digest_lists_overdue_today_and_planned_contacts_in_russian(desk: Desk) -> None:
    await task(desk, "Вчерашняя", due_at="2026-01-14T10:00:00", allow_past_due=True)
    await task(desk, "Сегодня", due_at="2026-01-15T18:00:00", client_id=desk.clients["romashka"])
    await task(desk, "Весь день", due_at=None, due_date="2026-01-15")
    await contact(desk, kind="call", subject="Цены", planned_at="2026-01-15T16:30:00")
    async with desk.uows(write=False) as uow:
        text = await service.digest_for(uow, desk.anna.id, TODAY)
        nothing = await service.digest_for(uow, desk.boris.id, TODAY)
    assert nothing is None
    assert text == (
        "Просроченные задачи: 1\n"
        "  14.01.2026 — Вчерашняя\n"
        "Задачи на сегодня: 2\n"
        "  весь день — Весь день\n"
        "  18:00 — Сегодня (ООО «Ромашка»)\n"
        "Запланированные контакты: 1\n"
        "  16:30 — Звонок: ООО «Ромашка» — Цены"
    )
