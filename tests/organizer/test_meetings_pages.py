"""The meeting pages, used the way a browser without JavaScript does: forms posted,
redirects followed, Russian by default and English on request."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import login, post_form

from kompas_cc.webapp import keys


def meeting_form(
    users: Any, participants: tuple[str, ...] = ("anna", "boris"), **fields: Any
) -> list[tuple[str, str]]:
    values = {
        "title": "Планёрка отдела продаж",
        "start_day": "2026-01-20",
        "start_time": "10:00",
        "end_time": "11:00",
        "place": "Переговорная 2",
        "organiser_id": str(users["maria"].id),
        **fields,
    }
    data = list(values.items())
    data += [("participant", str(users[who].id)) for who in participants]
    data += [
        ("agenda_title", "Итоги недели"),
        ("agenda_speaker", str(users["maria"].id)),
        ("agenda_title", "Холодная база"),
        ("agenda_speaker", str(users["anna"].id)),
        ("agenda_title", ""),
        ("agenda_speaker", ""),
    ]
    return data


async def set_up(
    client: TestClient[Any, Any],
    users: Any,
    participants: tuple[str, ...] = ("anna", "boris"),
    **fields: Any,
) -> str:
    form = meeting_form(users, participants, **fields)
    response = await post_form(client, "/organizer/meetings/new", form)
    assert response.status == 302, await response.text()
    return str(response.headers["Location"])


async def test_meetings_are_in_the_organizers_navigation_but_not_for_dealers(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "anna")
    day = await (await client.get("/organizer/day")).text()
    assert 'href="/organizer/meetings"' in day
    assert "Совещания" in day
    listing = await (await client.get("/organizer/meetings")).text()
    assert "Совещаний пока нет." in listing
    await login(client, "dima")
    day = await (await client.get("/organizer/day")).text()
    assert 'href="/organizer/meetings"' not in day
    for path in ("/organizer/meetings", "/organizer/meetings/new", "/organizer/decisions"):
        assert (await client.get(path, allow_redirects=False)).status == 403, path


async def test_a_meeting_is_set_up_prepared_held_and_decided_through_its_pages(
    client: TestClient[Any, Any], users: Any
) -> None:
    await login(client, "maria")
    card_url = await set_up(client, users, link="https://meet.example.com/plan")
    card = await (await client.get(card_url)).text()
    for text in (
        "Планёрка отдела продаж",
        "Повестка",
        "Итоги недели",
        "докладчик: Анна Смирнова",
        "Анна Смирнова, Борис Иванов",
        "Запланировано",
        "https://meet.example.com/plan",
    ):
        assert text in card, text  # fmt: skip
    assert card.count('name="agenda_title"') == 0

    added = await post_form(
        client,
        f"{card_url}/preparation",
        {"text": "Отчёт по звонкам", "assignee_id": str(users["anna"].id), "remind": "3600"},
    )
    assert added.headers["Location"] == f"{card_url}#preparation"
    card = await (await client.get(card_url)).text()
    assert "Отчёт по звонкам" in card
    assert "за 1 час" in card
    item = re.search(rf'action="{card_url}/preparation/(\d+)"', card)
    assert item is not None

    await login(client, "anna")
    ticked = await post_form(client, f"{card_url}/preparation/{item.group(1)}", {"done": "on"})
    assert ticked.status == 302
    card = await (await client.get(card_url)).text()
    assert "☑" in card
    assert "Готово: Анна Смирнова" in card
    assert f'action="{card_url}/decisions"' not in card  # a participant does not decide

    await login(client, "maria")
    await post_form(client, f"{card_url}/minutes", {"minutes": "Обсудили итоги недели."})
    held = await post_form(client, f"{card_url}/status", {"status": "held"})
    assert held.status == 302
    decided = await post_form(
        client,
        f"{card_url}/decisions",
        {"text": "Обзвонить холодную базу", "responsible_id": str(users["boris"].id),
         "deadline": "2026-01-23"},
    )  # fmt: skip
    assert decided.status == 302
    card = await (await client.get(card_url)).text()
    for text in (
        "Состоялось",
        "Обсудили итоги недели.",
        "Обзвонить холодную базу",
        "Исполняется",
        "23.01.2026",
        "Борис Иванов",
    ):
        assert text in card, text  # fmt: skip
    task = re.search(r'href="/organizer/tasks/(\d+)"', card)
    assert task is not None
    task_card = await (await client.get(f"/organizer/tasks/{task.group(1)}")).text()
    assert "Решение совещания" in task_card
    assert f'href="{card_url}#decisions"' in task_card


async def test_the_meeting_form_shows_its_errors_by_the_fields(
    client: TestClient[Any, Any], users: Any
) -> None:
    await login(client, "maria")
    cases = [
        ({"end_time": "09:00"}, "Совещание должно заканчиваться позже, чем начинается"),
        (
            {"link": "ftp://files.example.com"},
            "Ссылка должна быть адресом, начинающимся с http:// или https://",
        ),
        ({"client_id": "999999"}, "Такого клиента нет"),
    ]
    for fields, message in cases:
        response = await post_form(client, "/organizer/meetings/new", meeting_form(users, **fields))
        assert response.status == 422
        page = await response.text()
        assert message in page
        assert 'value="Планёрка отдела продаж"' in page
        assert 'value="Холодная база"' in page
    assert "Совещаний пока нет." in await (await client.get("/organizer/meetings")).text()


async def test_a_decision_with_a_bad_deadline_is_refused_on_the_card(
    client: TestClient[Any, Any], users: Any
) -> None:
    await login(client, "maria")
    card_url = await set_up(client, users)
    refused = await post_form(
        client,
        f"{card_url}/decisions",
        {
            "text": "Задним числом",
            "responsible_id": str(users["anna"].id),
            "deadline": "2026-01-19",
        },
    )
    assert refused.headers["Location"] == f"{card_url}#decisions"
    card = await (await client.get(card_url)).text()
    assert "Срок исполнения не может быть раньше дня совещания" in card
    assert "Решений пока нет." in card


async def test_outsiders_do_not_see_a_meeting_and_participants_do_not_change_it(
    client: TestClient[Any, Any], users: Any
) -> None:
    await login(client, "maria")
    card_url = await set_up(client, users, participants=("anna",))
    await login(client, "boris")
    assert (await client.get(card_url)).status == 404
    await login(client, "anna")
    card = await (await client.get(card_url)).text()
    assert f'action="{card_url}/delete"' not in card
    assert (await post_form(client, f"{card_url}/delete", {})).status == 403
    assert (await client.get(f"{card_url}/edit")).status == 403
    changed = await post_form(client, f"{card_url}/edit", meeting_form(users, title="Чужое"))
    assert changed.status == 403
    await login(client, "admin")
    assert "Планёрка отдела продаж" in await (await client.get(card_url)).text()


async def test_the_meeting_is_in_the_participants_day_and_week(
    client: TestClient[Any, Any], users: Any
) -> None:
    await login(client, "maria")
    await set_up(client, users)
    await login(client, "boris")
    day = await (await client.get("/organizer/day?day=2026-01-20")).text()
    assert "Планёрка отдела продаж" in day
    assert "Совещание" in day
    week = await (await client.get("/organizer/week?day=2026-01-20")).text()
    assert "Планёрка отдела продаж" in week


async def test_the_decisions_report_marks_late_ones_and_exports_them(
    client: TestClient[Any, Any], users: Any
) -> None:
    await login(client, "maria")
    card_url = await set_up(client, users)
    for text, deadline in (
        ("Позвонить в «Ромашку»", "2026-01-21"),
        ("Счёт «Вектору»", "2026-02-27"),
    ):
        response = await post_form(
            client,
            f"{card_url}/decisions",
            {"text": text, "responsible_id": str(users["anna"].id), "deadline": deadline},
        )
        assert response.status == 302
    client.app[keys.CLOCK].advance(timedelta(days=10))
    page = await (await client.get("/organizer/decisions")).text()
    assert "Отчёт по решениям" in page
    assert page.count('class="is-late"') == 1
    assert "Просрочено" in page
    assert "4 дня просрочки" in page
    late = await (await client.get("/organizer/decisions?status=late")).text()
    assert "Позвонить в «Ромашку»" in late
    assert "Счёт «Вектору»" not in late
    export = await client.get("/organizer/decisions.csv?status=late")
    assert export.status == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    text = (await export.read()).decode("utf-8-sig")
    header, row, *rest = text.splitlines()
    assert header.startswith("Совещание;Дата совещания;Решение;Ответственный;Срок исполнения")
    assert "Позвонить в «Ромашку»" in row
    assert ";Просрочено;4;" in row
    assert rest == []


async def test_the_pages_speak_english_on_request(client: TestClient[Any, Any], users: Any) -> None:
    await login(client, "maria")
    card_url = await set_up(client, users)
    await post_form(client, "/locale", {"locale": "en"})
    listing = await (await client.get("/organizer/meetings")).text()
    assert "Meetings" in listing
    assert "Decisions report" in listing
    assert "Scheduled" in listing
    card = await (await client.get(card_url)).text()
    assert "Agenda" in card
    assert "Preparation" in card
    assert "Record a decision" in card
    form = await (await client.get(f"{card_url}/edit")).text()
    assert "When and where" in form
    report = await (await client.get("/organizer/decisions")).text()
    assert "No decisions have been taken yet." in report
