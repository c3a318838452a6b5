"""The notifications API as the panel's JavaScript or an integrator uses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import FakeClock
from notifications.support import notify_user

BASE = "/api/v1/notifications"


async def test_list_is_newest_first_with_pages_and_an_unread_filter(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    anna = users["anna"].id
    ids = [await notify_user(client.app, anna, f"Позвонить клиенту {n}") for n in range(5)]
    await notify_user(client.app, users["boris"].id, "Чужое напоминание")
    headers = await api_token("anna")
    await client.post(f"{BASE}/{ids[1]}/read", headers=headers)

    page = await (await client.get(BASE, params={"per_page": "2"}, headers=headers)).json()
    assert [item["id"] for item in page["items"]] == [ids[4], ids[3]]
    assert (page["total"], page["unread"], page["has_more"]) == (5, 4, True)
    last = await (
        await client.get(BASE, params={"per_page": "2", "page": "3"}, headers=headers)
    ).json()
    assert [item["id"] for item in last["items"]] == [ids[0]]
    assert last["has_more"] is False

    unread = await (await client.get(BASE, params={"unread": "true"}, headers=headers)).json()
    assert [item["id"] for item in unread["items"]] == [ids[4], ids[3], ids[2], ids[0]]
    item = unread["items"][0]
    assert set(item) == {
        "id", "kind", "title", "body", "link", "task_id", "due_at", "delivered_at", "late",
        "read", "read_at",
    }  # fmt: skip
    assert (item["title"], item["kind"], item["read"]) == ("Позвонить клиенту 4", "reminder", False)


async def test_fields_of_a_task_reminder_come_back_as_written(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor], clock: FakeClock
) -> None:
    due = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
    await notify_user(
        client.app,
        users["anna"].id,
        "Подготовить КП для «Ромашки»",
        body="Срок: сегодня",
        link="/tasks/42",
        task_id=42,
        due_at=due,
        late=True,
    )
    page = await (await client.get(BASE, headers=await api_token("anna"))).json()
    item = page["items"][0]
    assert item["task_id"] == 42
    assert item["link"] == "/tasks/42"
    assert item["late"] is True
    assert datetime.fromisoformat(item["due_at"]) == due
    assert datetime.fromisoformat(item["delivered_at"]) == clock.now()


async def test_unread_count_read_and_read_all(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    anna = users["anna"].id
    first = await notify_user(client.app, anna, "Первое")
    await notify_user(client.app, anna, "Второе")
    await notify_user(client.app, anna, "Третье")
    headers = await api_token("anna")
    count = await (await client.get(f"{BASE}/unread-count", headers=headers)).json()
    assert count == {"unread": 3}

    response = await client.post(f"{BASE}/{first}/read", headers=headers)
    assert await response.json() == {"marked": 1, "unread": 2}
    again = await client.post(f"{BASE}/{first}/read", headers=headers)
    assert await again.json() == {"marked": 0, "unread": 2}

    everything = await client.post(f"{BASE}/read-all", headers=headers)
    assert await everything.json() == {"marked": 2, "unread": 0}
    count = await (await client.get(f"{BASE}/unread-count", headers=headers)).json()
    assert count == {"unread": 0}


async def test_somebody_elses_notification_does_not_exist_for_you(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    borises = await notify_user(client.app, users["boris"].id, "Личное Бориса")
    headers = await api_token("anna")
    for path in (f"{BASE}/{borises}/read", f"{BASE}/{borises}/snooze"):
        response = await client.post(path, json={"minutes": 15}, headers=headers)
        assert response.status == 404, path
        assert (await response.json())["error_id"] == "no-such-notification"
    boris = await (
        await client.get(f"{BASE}/unread-count", headers=await api_token("boris"))
    ).json()
    assert boris == {"unread": 1}


async def test_snooze_for_minutes_marks_read_and_schedules_the_repeat(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor], clock: FakeClock
) -> None:
    nid = await notify_user(client.app, users["anna"].id, "Перезвонить в «Вектор»")
    headers = await api_token("anna")
    response = await client.post(f"{BASE}/{nid}/snooze", json={"minutes": 60}, headers=headers)
    assert response.status == 200, await response.text()
    snoozed = await response.json()
    assert datetime.fromisoformat(snoozed["due_at"]) == clock.now() + timedelta(hours=1)
    assert snoozed["unread"] == 0


async def test_snooze_until_tomorrow_nine_uses_the_users_time_zone(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor], clock: FakeClock
) -> None:
    """At 22:30 UTC it is already 01:30 of the next day in Moscow, so "tomorrow" is the day
    after that: 9:00 Moscow time on March 12 is 06:00 UTC."""
    clock.set(datetime(2026, 3, 10, 22, 30, tzinfo=UTC))
    nid = await notify_user(client.app, users["anna"].id, "Отправить счёт")
    headers = await api_token("anna")
    response = await client.post(
        f"{BASE}/{nid}/snooze", json={"until": "tomorrow-9"}, headers=headers
    )
    snoozed = await response.json()
    assert datetime.fromisoformat(snoozed["due_at"]) == datetime(2026, 3, 12, 6, 0, tzinfo=UTC)


async def test_snooze_refuses_other_choices(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    nid = await notify_user(client.app, users["anna"].id, "Отправить счёт")
    headers = await api_token("anna")
    for body in ({"minutes": 5}, {}, {"minutes": 15, "until": "tomorrow-9"}, {"until": "monday"}):
        response = await client.post(f"{BASE}/{nid}/snooze", json=body, headers=headers)
        assert response.status == 422, body
    page = await (await client.get(BASE, headers=headers)).json()
    assert page["unread"] == 1
