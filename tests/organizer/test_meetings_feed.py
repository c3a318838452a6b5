"""Meetings in the calendar feed of the people who organise them or take part in them."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import login, post_form
from test_meetings_api import MEETINGS, create, meeting_body, user_ids


async def feed_of(client: TestClient[Any, Any], login_name: str) -> str:
    """The user's feed, fetched as a phone calendar would: by its secret address alone."""
    await login(client, login_name)
    await post_form(client, "/organizer/settings/feed", {})
    profile = await (await client.get("/profile")).text()
    found = re.search(r"/organizer/calendar/([^\"]+)\.ics", profile)
    assert found is not None
    await client.post("/logout", data={})
    client.session.cookie_jar.clear()
    response = await client.get(f"/organizer/calendar/{found.group(1)}.ics")
    assert response.status == 200
    return await response.text()


async def test_a_meeting_is_in_its_participants_feeds_only(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, maria)
    meeting = await create(client, maria, meeting_body(ids, participant_ids=[ids["anna"]]))

    annas = await feed_of(client, "anna")
    assert "SUMMARY:Совещание: Планёрка отдела продаж" in annas
    assert "DTSTART:20260120T070000Z" in annas  # 10:00 in Moscow
    assert "DTEND:20260120T080000Z" in annas
    assert f"UID:meeting-{meeting['id']}@kompas" in annas
    assert "Планёрка" in await feed_of(client, "maria")  # the organiser's too
    assert "Планёрка" not in await feed_of(client, "boris")

    cancelled = await client.patch(
        f"{MEETINGS}/{meeting['id']}", json={"status": "cancelled"}, headers=maria
    )
    assert cancelled.status == 200, await cancelled.text()
    annas = await feed_of(client, "anna")
    event = annas.split(f"UID:meeting-{meeting['id']}@kompas")[1].split("END:VEVENT")[0]
    assert "STATUS:CANCELLED" in event
