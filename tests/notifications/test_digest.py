"""The daily digest: at the time the user chose, in their zone, one notification about their
day; then the next day's is planned. The clock starts on Thursday 15 January 2026, 09:00
UTC (12:00 in Moscow, the cast's zone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import login, post_form
from sqlalchemy import select

from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import FakeClock
from kompas_cc.organizer import service as organizer
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.schemas import TaskIn
from kompas_cc.scheduling.models import ScheduledJob
from kompas_cc.webapp import keys

SETTINGS = "/api/v1/notifications/settings"


async def _digest_job(client: TestClient[Any, Any], user_id: int) -> ScheduledJob | None:
    async with client.app[keys.UOW](write=False) as uow:
        result = await uow.session.execute(
            select(ScheduledJob).where(ScheduledJob.key == f"digest:{user_id}:daily")
        )
        return result.scalar_one_or_none()


async def _run_at(client: TestClient[Any, Any], clock: FakeClock, moment: datetime) -> None:
    clock.set(moment)
    jobs = client.app[keys.SCHEDULER]
    jobs.wake()
    await jobs.wait_idle()


async def _digests(client: TestClient[Any, Any], headers: dict[str, str]) -> list[Any]:
    page = await (await client.get("/api/v1/notifications", headers=headers)).json()
    return [item for item in page["items"] if item["kind"] == "digest"]


async def test_digest_comes_at_the_chosen_local_time_and_plans_the_next_day(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor], clock: FakeClock
) -> None:
    anna = users["anna"]
    headers = await api_token("anna")
    response = await client.put(SETTINGS, json={"digest_at": "08:30"}, headers=headers)
    assert await response.json() == {"digest_at": "08:30:00"}
    job = await _digest_job(client, anna.id)
    assert job is not None
    assert job.due_at == datetime(2026, 1, 16, 5, 30, tzinfo=UTC)  # 08:30 in Moscow

    task = TaskIn(
        title="Подписать договор с «Ромашкой»", due_at=datetime(2026, 1, 16, 7, 0, tzinfo=UTC)
    )
    async with client.app[keys.UOW]() as uow:
        await organizer.create_task(uow, anna, OrganizerPolicy(), task, clock.now())

    await _run_at(client, clock, datetime(2026, 1, 16, 5, 29, tzinfo=UTC))
    assert await _digests(client, headers) == []
    await _run_at(client, clock, datetime(2026, 1, 16, 5, 30, tzinfo=UTC))
    [digest] = await _digests(client, headers)
    assert digest["title"] == "Ваш день, 16.01.2026"
    assert "Подписать договор с «Ромашкой»" in digest["body"]
    assert digest["late"] is False
    job = await _digest_job(client, anna.id)
    assert job is not None
    assert (job.state, job.due_at) == ("pending", datetime(2026, 1, 17, 5, 30, tzinfo=UTC))


async def test_a_digest_missed_while_the_server_was_down_comes_once_late(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor], clock: FakeClock
) -> None:
    anna = users["anna"]
    headers = await api_token("anna")
    await client.put(SETTINGS, json={"digest_at": "08:30"}, headers=headers)
    task = TaskIn(title="Сверить счета", due_at=datetime(2026, 1, 16, 7, 0, tzinfo=UTC))
    async with client.app[keys.UOW]() as uow:
        await organizer.create_task(uow, anna, OrganizerPolicy(), task, clock.now())

    await _run_at(client, clock, datetime(2026, 1, 19, 10, 0, tzinfo=UTC))  # three days later
    [digest] = await _digests(client, headers)
    assert digest["late"] is True
    assert digest["title"] == "Ваш день, 16.01.2026"
    job = await _digest_job(client, anna.id)
    assert job is not None
    assert job.due_at == datetime(2026, 1, 20, 5, 30, tzinfo=UTC)


async def test_a_day_with_nothing_to_say_sends_nothing(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor], clock: FakeClock
) -> None:
    headers = await api_token("boris")
    await client.put(SETTINGS, json={"digest_at": "07:00"}, headers=headers)
    await _run_at(client, clock, datetime(2026, 1, 16, 4, 0, tzinfo=UTC))
    assert await _digests(client, headers) == []
    job = await _digest_job(client, users["boris"].id)
    assert job is not None
    assert (job.state, job.due_at) == ("pending", datetime(2026, 1, 17, 4, 0, tzinfo=UTC))


async def test_digest_is_set_and_turned_off_on_the_notifications_page(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "maria")
    await client.get("/notifications")
    response = await post_form(client, "/notifications/settings", {"digest_at": "09:15"})
    assert response.status == 302
    html = await (await client.get("/notifications")).text()
    assert "Сводка будет приходить каждый день в 09:15" in html
    assert 'value="09:15"' in html

    await post_form(client, "/notifications/settings", {"digest_at": "09:15", "off": "1"})
    html = await (await client.get("/notifications")).text()
    assert "Ежедневная сводка выключена" in html
    job = await _digest_job(client, users["maria"].id)
    assert job is not None
    assert job.state == "cancelled"

    bad = await post_form(client, "/notifications/settings", {"digest_at": "25:99"})
    assert bad.status == 302
    assert "Укажите время сводки" in await (await client.get("/notifications")).text()
