"""The notification centre as a user sees it in the panel, without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import login, post_form

from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import FakeClock
from notifications.support import notify_user

_BELL = re.compile(r'<span class="bell-count" data-bell-count( hidden)?>([^<]*)</span>')


def _bell(html: str) -> str:
    """The number on the bell in the header ("" when there is nothing unread)."""
    match = _BELL.search(html)
    assert match, "the header has a bell"
    return match.group(2)


async def test_bell_in_the_header_counts_the_users_unread_notifications(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "anna")
    assert _bell(await (await client.get("/clients")).text()) == ""
    await notify_user(client.app, users["anna"].id, "Позвонить в «Ромашку»")
    await notify_user(client.app, users["anna"].id, "Отправить счёт")
    await notify_user(client.app, users["boris"].id, "Чужое")
    assert _bell(await (await client.get("/clients")).text()) == "2"


async def test_page_lists_notifications_newest_first_with_their_details(
    client: TestClient[Any, Any], users: dict[str, Actor], clock: FakeClock
) -> None:
    anna = users["anna"].id
    await notify_user(client.app, anna, "Позвонить в «Ромашку»", body="Уточнить объём заказа")
    await notify_user(
        client.app,
        anna,
        "Подготовить КП",
        link="/tasks/42",
        task_id=42,
        due_at=clock.now() - timedelta(hours=2),
        late=True,
    )
    await login(client, "anna")
    response = await client.get("/notifications")
    assert response.status == 200
    html = await response.text()
    assert html.index("Подготовить КП") < html.index("Позвонить в «Ромашку»")
    assert '<a href="/tasks/42">Подготовить КП</a>' in html
    assert "Уточнить объём заказа" in html
    assert "С опозданием" in html  # the late badge
    assert "15.01.2026 10:00" in html  # due time in Moscow time
    assert "2 непрочитанных" in html


async def test_mark_read_and_mark_all_read_with_forms(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    anna = users["anna"].id
    first = await notify_user(client.app, anna, "Первое")
    await notify_user(client.app, anna, "Второе")
    await notify_user(client.app, anna, "Третье")
    await login(client, "anna")
    await client.get("/notifications")

    response = await post_form(
        client, f"/notifications/{first}/read", {"next": "/notifications?unread=true"}
    )
    assert response.status == 302
    assert response.headers["Location"] == "/notifications?unread=true"
    html = await (await client.get("/notifications?unread=true")).text()
    assert "Первое" not in html
    assert "Третье" in html
    assert _bell(html) == "2"

    response = await post_form(client, "/notifications/read-all", {"next": "https://evil.example/"})
    assert response.headers["Location"] == "/notifications"
    html = await (await client.get("/notifications?unread=true")).text()
    assert "Всё прочитано." in html
    assert _bell(html) == ""


async def test_snooze_with_a_form_says_when_it_comes_back(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    nid = await notify_user(client.app, users["anna"].id, "Перезвонить в «Вектор»")
    await login(client, "anna")
    await client.get("/notifications")
    response = await post_form(client, f"/notifications/{nid}/snooze", {"snooze": "60"})
    assert response.status == 302
    html = await (await client.get(response.headers["Location"])).text()
    assert "Напомним снова 15.01.2026 13:00" in html  # 10:00 UTC is 13:00 in Moscow
    assert _bell(html) == ""

    bad = await post_form(client, f"/notifications/{nid}/snooze", {"snooze": "never"})
    assert bad.status == 422


async def test_another_users_notification_cannot_be_touched(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    nid = await notify_user(client.app, users["boris"].id, "Личное Бориса")
    await login(client, "anna")
    await client.get("/notifications")
    assert (await post_form(client, f"/notifications/{nid}/read", {})).status == 404
    assert (await post_form(client, f"/notifications/{nid}/snooze", {"snooze": "15"})).status == 404
    assert "Личное Бориса" not in await (await client.get("/notifications")).text()
