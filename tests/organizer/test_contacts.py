"""Contacts with clients: planned or done, completed with the next one planned, on the
client's card and timeline, following a merged client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from organizer_support import Desk, open_desk, task_body

from kompas_cc.clients import service as clients_service
from kompas_cc.clients.access import ClientsPolicy
from kompas_cc.clients.timeline import TimelineWindow
from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import contacts, service
from kompas_cc.organizer.schemas import (
    CompleteIn,
    ContactIn,
    ContactListQuery,
    ContactOut,
    TaskIn,
)

ZONE = {"timezone": "Europe/Moscow"}


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[Desk]:
    async with open_desk(db_url) as opened:
        yield opened


def contact_body(desk: Desk, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": desk.clients["romashka"],
        "kind": "call",
        "subject": "Обсудить поставку",
        "planned_at": "2026-01-16T11:00:00",
    }
    body.update(fields)
    return body


async def create(desk: Desk, who: str = "anna", **fields: Any) -> ContactOut:
    data = validate_model(ContactIn, contact_body(desk, **fields), "The contact", ZONE)
    async with desk.uows() as uow:
        return await contacts.create_contact(uow, desk.people[who], desk.policy, data, desk.now)


async def test_planned_contact_needs_its_time_and_a_done_one_its_result(desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, planned_at=None)
    assert caught.value.fields == {"planned_at": contacts.MSG_NEEDS_TIME}
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, state="done", done_at="2026-01-20T10:00:00")
    assert caught.value.fields == {
        "result": contacts.MSG_NEEDS_RESULT,
        "done_at": contacts.MSG_DONE_LATER,
    }
    with pytest.raises(ValidationFailed) as caught:
        await create(desk, client_id=999_999, user_id=999_999)
    assert set(caught.value.fields) == {"client_id", "user_id"}


async def test_done_contact_defaults_to_now(desk: Desk) -> None:
    done = await create(desk, state="done", result="Заказали 10 шт.", planned_at=None)
    assert (done.state, done.done_at, done.result) == ("done", desk.now, "Заказали 10 шт.")
    assert done.user_id == desk.anna.id


async def test_completing_asks_for_the_result_and_plans_the_next_one(desk: Desk) -> None:
    planned = await create(desk, reminders=[{"before_seconds": 600}])
    assert planned.planned_at == datetime(2026, 1, 16, 8, 0, tzinfo=UTC)
    desk.clock.set(datetime(2026, 1, 16, 8, 30, tzinfo=UTC))
    data = validate_model(
        CompleteIn,
        {
            "result": "Просят скидку",
            "next": {"kind": "meeting", "planned_at": "2026-01-20T15:00:00", "subject": "Встреча"},
        },
        "The contact",
        ZONE,
    )
    async with desk.uows() as uow:
        completed = await contacts.complete_contact(
            uow, desk.anna, desk.policy, planned.id, data, desk.now
        )
    assert completed.contact.state == "done"
    assert completed.contact.done_at == desk.now
    assert completed.next_id is not None
    async with desk.uows(write=False) as uow:
        following = await contacts.get_contact(
            uow, desk.anna, desk.policy, completed.next_id, desk.now
        )
    assert (following.kind, following.state, following.previous_id) == (
        "meeting",
        "planned",
        planned.id,
    )
    assert following.planned_at == datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
    assert [r.before_seconds for r in following.reminders] == [600]
    async with desk.uows() as uow:
        with pytest.raises(contacts.ContactNotPlanned):
            await contacts.complete_contact(
                uow, desk.anna, desk.policy, planned.id, CompleteIn(result="x"), desk.now
            )


async def test_next_contact_in_the_past_is_refused(desk: Desk) -> None:
    planned = await create(desk)
    data = validate_model(
        CompleteIn,
        {"result": "ok", "next": {"kind": "call", "planned_at": "2026-01-15T10:00:00"}},
        "The contact",
        ZONE,
    )
    async with desk.uows() as uow:
        with pytest.raises(ValidationFailed) as caught:
            await contacts.complete_contact(uow, desk.anna, desk.policy, planned.id, data, desk.now)
    assert caught.value.fields == {"next.planned_at": contacts.MSG_NEXT_IN_PAST}


async def test_client_summary_shows_next_planned_and_days_since_last(desk: Desk) -> None:
    romashka = desk.clients["romashka"]
    await create(desk, state="done", result="ok", planned_at=None)
    await create(desk, planned_at="2026-01-22T10:00:00", subject="Позже")
    soon = await create(desk, planned_at="2026-01-19T10:00:00", subject="Скоро")
    data = validate_model(TaskIn, task_body(client_id=romashka, reminders=[]), "The task", ZONE)
    async with desk.uows() as uow:
        await service.create_task(uow, desk.maria, desk.policy, data, desk.now)
    desk.clock.advance(timedelta(days=3))
    async with desk.uows(write=False) as uow:
        summary = await contacts.client_summary(uow, desk.boris, desk.policy, romashka, desk.now)
    assert summary.next_contact is not None
    assert summary.next_contact.id == soon.id
    assert summary.days_since_last == 3
    assert [t.title for t in summary.open_tasks] == ["Позвонить по договору"]


async def test_timeline_shows_tasks_and_contacts_of_the_client(desk: Desk) -> None:
    romashka = desk.clients["romashka"]
    await create(desk, state="done", result="Заказали", planned_at=None, subject="")
    await create(desk, planned_at="2026-01-22T10:00:00", subject="Позже")
    data = validate_model(TaskIn, task_body(client_id=romashka, reminders=[]), "The task", ZONE)
    async with desk.uows() as uow:
        task = await service.create_task(uow, desk.maria, desk.policy, data, desk.now)
    window = TimelineWindow(client_id=romashka, since=None, until=None, limit=50)
    async with desk.uows(write=False) as uow:
        entries = await contacts.timeline_source(uow, window)
        entries += await service.timeline_source(uow, window)
    assert {(e.kind, e.title, e.body) for e in entries} == {
        ("contact", "Call", "Заказали"),
        ("planned_contact", "Позже", None),
        ("task", task.title, None),
    }


async def test_contacts_follow_a_merged_client(desk: Desk) -> None:
    contact = await create(desk, client_id=desk.clients["vector"])
    async with desk.uows() as uow:
        await clients_service.merge_clients(
            uow,
            desk.maria,
            ClientsPolicy(),
            desk.clients["romashka"],
            desk.clients["vector"],
            desk.now,
        )
        await service.move_client_rows(uow, desk.clients["vector"], desk.clients["romashka"])
    async with desk.uows(write=False) as uow:
        moved = await contacts.get_contact(uow, desk.anna, desk.policy, contact.id, desk.now)
    assert moved.client_id == desk.clients["romashka"]


async def test_only_the_maker_the_author_and_managers_change_a_contact(desk: Desk) -> None:
    contact = await create(desk)
    data = validate_model(ContactIn, contact_body(desk, subject="Другое"), "The contact", ZONE)
    async with desk.uows() as uow:
        with pytest.raises(Forbidden):
            await contacts.update_contact(uow, desk.boris, desk.policy, contact.id, data, desk.now)
    async with desk.uows() as uow:
        changed = await contacts.update_contact(
            uow, desk.maria, desk.policy, contact.id, data, desk.now
        )
    assert changed.subject == "Другое"
    async with desk.uows() as uow:
        with pytest.raises(NotFound):
            await contacts.delete_contact(uow, desk.dima, desk.policy, contact.id)


async def test_contact_list_filters(desk: Desk) -> None:
    await create(desk, state="done", result="ok", planned_at=None)
    await create(desk, who="boris", client_id=desk.clients["vector"], kind="visit")

    async def kinds(**query: Any) -> list[str]:
        async with desk.uows(write=False) as uow:
            page = await contacts.list_contacts(
                uow, desk.maria, desk.policy, ContactListQuery(**query), desk.now
            )
        return [c.kind for c in page.items]

    assert sorted(await kinds()) == ["call", "visit"]
    assert await kinds(state="planned") == ["visit"]
    assert await kinds(user_id=desk.anna.id) == ["call"]
    assert await kinds(client_id=desk.clients["vector"]) == ["visit"]
    assert await kinds(since="2026-01-16", until="2026-01-16") == ["visit"]
