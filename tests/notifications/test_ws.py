"""The live web channel: every open tab of a user hears their notifications, nobody
else's; a tab from another site cannot listen; changed credentials close the tabs."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from conftest import csrf_of, login

from kompas_cc.core.actor import Actor
from kompas_cc.staff import service as staff_service
from kompas_cc.webapp import keys
from kompas_cc.webapp.ws import HUB
from notifications.support import notify_user

RECEIVE_TIMEOUT_S = 5


async def _next(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message: dict[str, Any] = await ws.receive_json(timeout=RECEIVE_TIMEOUT_S)
    return message


async def test_a_notification_reaches_every_open_tab_of_its_user_and_nobody_else(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    await notify_user(client.app, users["anna"].id, "Старое напоминание")
    boris = await api_token("boris")  # Boris listens from elsewhere, with his API token
    await login(client, "anna")
    tab1 = await client.ws_connect("/ws")
    tab2 = await client.ws_connect("/ws")
    borises = await client.ws_connect("/ws", headers=boris)
    try:
        first = await _next(tab1)  # the first tab also shows what came while none was open
        assert (first["type"], first["unread"]) == ("hello", 1)
        assert [n["title"] for n in first["missed"]] == ["Старое напоминание"]
        assert await _next(tab2) == {"type": "hello", "unread": 1, "missed": []}
        assert await _next(borises) == {"type": "hello", "unread": 0, "missed": []}

        nid = await notify_user(
            client.app, users["anna"].id, "Позвонить в «Ромашку»", body="до 12:00", task_id=7
        )
        for tab in (tab1, tab2):
            message = await _next(tab)
            assert message["type"] == "notification"
            assert message["unread"] == 2
            note = message["notification"]
            assert (note["id"], note["title"], note["body"]) == (
                nid,
                "Позвонить в «Ромашку»",
                "до 12:00",
            )
            assert (note["task_id"], note["late"]) == (7, False)

        await notify_user(client.app, users["boris"].id, "Для Бориса")
        message = await _next(borises)
        assert message["notification"]["title"] == "Для Бориса"  # not Anna's
    finally:
        for ws in (tab1, tab2, borises):
            await ws.close()


async def test_reading_in_one_tab_updates_the_bell_in_the_others(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    nid = await notify_user(client.app, users["anna"].id, "Отправить счёт")
    await login(client, "anna")
    other_tab = await client.ws_connect("/ws")
    try:
        assert (await _next(other_tab))["unread"] == 1
        response = await client.post(
            f"/api/v1/notifications/{nid}/read",
            headers={"X-CSRF-Token": csrf_of(client)},
        )
        assert response.status == 200
        assert await _next(other_tab) == {"type": "unread", "unread": 0}
    finally:
        await other_tab.close()


async def test_a_notification_nobody_saw_pops_up_in_the_next_tab_unless_read_meanwhile(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    """A reminder delivered while no tab was open (a late one after a restart, say) is shown
    by the next tab to connect, once; one read in the centre meanwhile is not."""
    anna = users["anna"].id
    read = await notify_user(client.app, anna, "Прочитано в центре уведомлений")
    await notify_user(client.app, anna, "Договор «Ромашке»", late=True)
    await login(client, "anna")
    response = await client.post(
        f"/api/v1/notifications/{read}/read", headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert response.status == 200
    tab = await client.ws_connect("/ws")
    again = None
    try:
        hello = await _next(tab)
        assert [(n["title"], n["late"]) for n in hello["missed"]] == [("Договор «Ромашке»", True)]
        again = await client.ws_connect("/ws")
        assert (await _next(again))["missed"] == []
    finally:
        await tab.close()
        if again is not None:
            await again.close()


async def test_a_page_of_another_site_cannot_open_the_socket(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "anna")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    same_site = await client.ws_connect("/ws", headers={"Origin": str(client.make_url("/"))[:-1]})
    assert (await _next(same_site))["type"] == "hello"
    await same_site.close()


async def test_anonymous_socket_is_refused(client: TestClient[Any, Any]) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await client.ws_connect("/ws")


async def test_changed_credentials_close_the_users_tabs(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "anna")
    tab = await client.ws_connect("/ws")
    assert (await _next(tab))["type"] == "hello"
    async with client.app[keys.UOW]() as uow:
        await staff_service.set_password(uow, users["anna"].id, "a brand new secret 7")
    message = await tab.receive(timeout=RECEIVE_TIMEOUT_S)
    assert message.type == aiohttp.WSMsgType.CLOSE
    assert client.app[HUB].open_sockets(users["anna"].id) == 0
