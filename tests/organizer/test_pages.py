"""The organizer's pages, used the way a browser without JavaScript does: forms posted,
redirects followed, Russian by default."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import login, post_form

from kompas_cc.webapp import keys


async def make_client(client: TestClient[Any, Any], name: str = "ООО «Ромашка»") -> int:
    await login(client, "maria")
    response = await post_form(client, "/clients/new", {"kind": "legal", "name": name})
    assert response.status == 302, await response.text()
    return int(response.headers["Location"].rsplit("/", 1)[1])


async def new_task(client: TestClient[Any, Any], **fields: str) -> Any:
    data = {
        "title": "Подготовить КП",
        "priority": "normal",
        "due_day": "2026-01-16",
        "due_time": "10:00",
        **fields,
    }
    return await post_form(client, "/organizer/tasks/new", data)


async def test_navigation_has_the_organizer(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    page = await (await client.get("/clients")).text()
    assert 'href="/organizer"' in page
    assert "Органайзер" in page
    response = await client.get("/organizer", allow_redirects=False)
    assert response.headers["Location"] == "/organizer/day"


async def test_task_form_with_a_past_due_shows_the_field_error_then_saves(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "maria")
    response = await new_task(client, due_day="2026-01-14")
    assert response.status == 422
    page = await response.text()
    assert "Срок уже прошёл" in page
    assert 'name="allow_past_due"' in page
    assert 'value="Подготовить КП"' in page
    response = await new_task(client, due_day="2026-01-14", allow_past_due="on")
    assert response.status == 302
    card = await (await client.get(response.headers["Location"])).text()
    assert "Подготовить КП" in card
    assert "Просрочено" in card


async def test_task_form_reports_a_never_matching_rule(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    response = await new_task(client, repeat="custom", rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
    assert response.status == 422
    assert "По этому правилу после срока не наступает ни одной даты" in await response.text()


async def test_task_card_status_checklist_comments_and_reminders(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "maria")
    response = await new_task(client, remind="3600", checklist="Счёт\nАкт", repeat="FREQ=DAILY")
    card_url = response.headers["Location"]
    task_id = card_url.rsplit("/", 1)[1]
    card = await (await client.get(card_url)).text()
    assert "за 1 час" in card
    assert "Счёт" in card
    assert "Каждый" not in card  # the card shows the rule itself
    assert "FREQ=DAILY" in card
    item = re.search(rf'action="/organizer/tasks/{task_id}/checklist/(\d+)"', card)
    assert item is not None
    await post_form(client, f"/organizer/tasks/{task_id}/checklist/{item.group(1)}", {"done": "on"})
    await post_form(client, f"{card_url}/comments", {"text": "Начинаю"})
    done = await post_form(client, f"{card_url}/status", {"status": "done"})
    assert done.status == 302
    card = await (await client.get(card_url)).text()
    assert "☑" in card
    assert "Начинаю" in card
    assert "Следующее повторение" in card
    assert "Выполнена" in card


async def test_unrelated_operator_cannot_open_or_discuss_a_task(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "maria")
    card_url = (await new_task(client)).headers["Location"]
    await login(client, "boris")
    assert (await client.get(card_url)).status == 404
    assert (await post_form(client, f"{card_url}/comments", {"text": "Я"})).status == 404


async def test_my_day_lists_overdue_before_today(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    await new_task(client, title="Старая", due_day="2026-01-10", allow_past_due="on")
    await new_task(client, title="Сегодняшняя", due_day="2026-01-15", due_time="18:00")
    page = await (await client.get("/organizer/day")).text()
    assert "Мой день" in page
    assert page.index("Старая") < page.index("Сегодняшняя")
    week = await (await client.get("/organizer/week")).text()
    assert "Сегодняшняя" in week
    assert "Старая" not in week
    month = await (await client.get("/organizer/month?month=2026-01")).text()
    assert "Январь 2026" in month
    assert "Старая" in month
    assert (await client.get("/organizer/month?month=2026-13")).status == 422


async def test_manager_looks_at_the_team_an_operator_does_not(
    client: TestClient[Any, Any], users: Any
) -> None:
    await login(client, "anna")
    await new_task(client, title="Задача Анны", due_day="2026-01-15", due_time="18:00")
    await login(client, "maria")
    team = await (await client.get("/organizer/day?team=true")).text()
    assert "Задача Анны" in team
    anna = await (await client.get(f"/organizer/day?person={users['anna'].id}")).text()
    assert "Задача Анны" in anna
    boris = await (await client.get(f"/organizer/day?person={users['boris'].id}")).text()
    assert "Задача Анны" not in boris
    assert "Вся команда" in team
    await login(client, "boris")
    assert (await client.get(f"/organizer/day?person={users['anna'].id}")).status == 404


async def test_task_list_filters(client: TestClient[Any, Any], users: Any) -> None:
    await login(client, "maria")
    await new_task(client, title="Первая", executor_id=str(users["anna"].id))
    await new_task(client, title="Вторая")
    page = await (await client.get(f"/organizer/tasks?executor_id={users['anna'].id}")).text()
    assert "Первая" in page
    assert "Вторая" not in page
    assert (await client.get("/organizer/tasks?due_from=2026-02-01&due_to=2026-01-01")).status == (
        422
    )


async def test_contact_is_completed_and_the_next_one_planned_in_one_form(
    client: TestClient[Any, Any],
) -> None:
    cid = await make_client(client)
    response = await post_form(
        client,
        "/organizer/contacts/new",
        {
            "client_id": str(cid),
            "kind": "call",
            "state": "planned",
            "subject": "Обсудить цены",
            "planned_day": "2026-01-16",
            "planned_time": "11:00",
        },
    )
    assert response.status == 302, await response.text()
    contact_url = response.headers["Location"]
    form = await (await client.get(f"{contact_url}/complete")).text()
    assert 'name="result"' in form
    assert "Запланировать следующий контакт" in form
    missing = await post_form(client, f"{contact_url}/complete", {"result": ""})
    assert missing.status == 422
    done = await post_form(
        client,
        f"{contact_url}/complete",
        {
            "result": "Просят скидку 5%",
            "next_kind": "meeting",
            "next_day": "2026-01-20",
            "next_time": "15:00",
            "next_subject": "Встреча в офисе",
        },
    )
    assert done.status == 302
    following = await (await client.get(done.headers["Location"])).text()
    assert "Встреча в офисе" in following
    assert "20.01.2026 15:00" in following
    card = await (await client.get(f"/clients/{cid}")).text()
    assert "Следующий контакт" in card
    assert "20.01.2026 15:00" in card
    assert "сегодня" in card  # the last contact took place today
    assert "Просят скидку 5%" in card  # the timeline shows the result


async def test_card_counts_days_since_the_last_contact(client: TestClient[Any, Any]) -> None:
    cid = await make_client(client)
    await post_form(
        client,
        "/organizer/contacts/new",
        {"client_id": str(cid), "kind": "visit", "state": "done", "result": "Были на складе"},
    )
    client.app[keys.CLOCK].advance(timedelta(days=5))
    card = await (await client.get(f"/clients/{cid}")).text()
    assert "5 дней назад" in card


async def test_calendar_feed_is_public_by_its_secret_address(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    await new_task(client, title="Позвонить; срочно")
    profile = await (await client.get("/profile")).text()
    assert "Создать адрес календаря" in profile
    await post_form(client, "/organizer/settings/feed", {})
    profile = await (await client.get("/profile")).text()
    found = re.search(r'value="(http://[^"]+/organizer/calendar/([^"]+)\.ics)"', profile)
    assert found is not None
    url, token = found.groups()
    await client.post("/logout", data={})
    client.session.cookie_jar.clear()
    feed = await client.get(f"/organizer/calendar/{token}.ics")
    assert feed.status == 200
    assert feed.content_type == "text/calendar"
    text = await feed.text()
    assert "BEGIN:VEVENT" in text
    assert "SUMMARY:Позвонить\\; срочно" in text
    assert "DTSTART:20260116T070000Z" in text
    assert (await client.get("/organizer/calendar/" + "x" * 32 + ".ics")).status == 404
    todo = await (await client.get(f"/organizer/calendar/{token}.ics?todo=1")).text()
    assert "BEGIN:VTODO" in todo
    await login(client, "anna")
    await post_form(client, "/organizer/settings/feed", {})
    assert (await client.get(f"/organizer/calendar/{token}.ics")).status == 404
    assert url.endswith(".ics")


async def test_default_reminders_are_set_on_the_profile(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    saved = await post_form(
        client,
        "/organizer/settings/reminders",
        [("remind", "900"), ("remind_amount", "2"), ("remind_unit", "days")],
    )
    assert saved.status == 302
    form = await (await client.get("/organizer/tasks/new")).text()
    assert re.search(r'name="remind" value="900" checked', form)
    assert re.search(r'name="remind" value="172800" checked', form)


async def test_pages_speak_english_when_asked(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    await post_form(client, "/locale", {"locale": "en"})
    page = await (await client.get("/organizer/day")).text()
    assert "My day" in page
    assert "Мой день" not in page


async def test_tasks_and_contacts_follow_a_merged_client(client: TestClient[Any, Any]) -> None:
    kept = await make_client(client)
    duplicate = await make_client(client, "Ромашка (дубль)")
    task_url = (await new_task(client, client_id=str(duplicate))).headers["Location"]
    await post_form(
        client,
        "/organizer/contacts/new",
        {"client_id": str(duplicate), "kind": "call", "state": "done", "result": "Дозвонились"},
    )
    merged = await post_form(client, f"/clients/{kept}/merge", {"other_id": str(duplicate)})
    assert merged.status == 302
    card = await (await client.get(task_url)).text()
    assert f'href="/clients/{kept}"' in card
    kept_card = await (await client.get(f"/clients/{kept}")).text()
    assert "Дозвонились" in kept_card
    assert "Подготовить КП" in kept_card


async def test_editing_a_task_and_a_contact_through_their_forms(
    client: TestClient[Any, Any], users: Any
) -> None:
    cid = await make_client(client)
    card_url = (await new_task(client, client_id=str(cid), remind="900")).headers["Location"]
    form = await (await client.get(f"{card_url}/edit")).text()
    assert 'value="Подготовить КП"' in form
    assert 'name="status"' in form
    saved = await post_form(
        client,
        f"{card_url}/edit",
        [
            ("title", "Подготовить КП и счёт"),
            ("executor_id", str(users["anna"].id)),
            ("co_executor", str(users["boris"].id)),
            ("client_id", str(cid)),
            ("due_day", "2026-01-17"),
            ("due_time", ""),
            ("priority", "high"),
            ("status", "in_progress"),
            ("remind", "86400"),
        ],
    )
    assert saved.status == 302, await saved.text()
    card = await (await client.get(card_url)).text()
    assert "Подготовить КП и счёт" in card
    assert "весь день" in card
    assert "за 1 день" in card
    assert "Борис Иванов" in card
    await post_form(client, f"{card_url}/checklist", {"text": "Счёт"})
    added = await post_form(
        client, f"{card_url}/reminders", {"remind_amount": "2", "remind_unit": "hours"}
    )
    assert added.status == 302
    card = await (await client.get(card_url)).text()
    assert "за 2 часа" in card
    reminder = re.search(r'action="/organizer/reminders/(\d+)/delete"', card)
    assert reminder is not None
    gone = await post_form(
        client, f"/organizer/reminders/{reminder.group(1)}/delete", {"back": card_url}
    )
    assert gone.headers["Location"] == card_url
    bad = await post_form(client, f"{card_url}/reminders", {"remind_amount": "-5"})
    assert bad.status == 302
    flashed = await (await client.get(card_url)).text()
    assert "В напоминании ошибки" in flashed

    contact_url = (
        await post_form(
            client,
            "/organizer/contacts/new",
            {"client_id": str(cid), "kind": "letter", "state": "planned",
             "planned_day": "2026-01-19", "planned_time": "12:00", "remind": "3600"},
        )
    ).headers["Location"]  # fmt: skip
    contact = await (await client.get(contact_url)).text()
    assert "Письмо" in contact
    assert "за 1 час" in contact
    edit = await (await client.get(f"{contact_url}/edit")).text()
    assert 'value="2026-01-19"' in edit
    changed = await post_form(
        client,
        f"{contact_url}/edit",
        {"client_id": str(cid), "kind": "email", "state": "planned", "subject": "Прайс",
         "planned_day": "2026-01-19", "planned_time": "13:00"},
    )  # fmt: skip
    assert changed.status == 302
    listing = await (await client.get("/organizer/contacts?state=planned")).text()
    assert "Прайс" in listing
    tasks = await (await client.get(f"/organizer/tasks?client_id={cid}&status=in_progress")).text()
    assert "Подготовить КП и счёт" in tasks
    assert (await post_form(client, f"{contact_url}/delete", {})).status == 302
    assert (await post_form(client, f"{card_url}/delete", {})).status == 302
    assert (await client.get(card_url)).status == 404
