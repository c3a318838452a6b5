"""The meetings API as an integrator would use it: a meeting with its agenda and
preparation, changed and held; decisions with their tasks; the decisions report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from kompas_cc.notifications import service as notifications
from kompas_cc.webapp import keys

MEETINGS = "/api/v1/meetings"


async def user_ids(client: TestClient[Any, Any], headers: dict[str, str]) -> dict[str, int]:
    users = await (await client.get("/api/v1/users", headers=headers)).json()
    return {u["login"]: u["id"] for u in users}


def meeting_body(ids: dict[str, int], **fields: Any) -> dict[str, Any]:
    return {
        "title": "Планёрка отдела продаж",
        "starts_at": "2026-01-20T10:00:00",
        "ends_at": "2026-01-20T11:00:00",
        "participant_ids": [ids["anna"], ids["boris"]],
        "agenda": [{"title": "Итоги недели", "speaker_id": ids["anna"]}],
        **fields,
    }


async def create(
    client: TestClient[Any, Any], headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(MEETINGS, json=body, headers=headers)
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def test_meeting_crud_with_agenda_and_preparation(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, maria)
    body = meeting_body(
        ids,
        preparation=[
            {
                "text": "Отчёт по звонкам",
                "assignee_id": ids["boris"],
                "reminders": [{"before_seconds": 3600}],
            }
        ],
    )
    meeting = await create(client, maria, body)
    assert meeting["starts_at"] == "2026-01-20T07:00:00Z"  # read in Maria's zone (Moscow)
    assert meeting["organiser_id"] == ids["maria"]
    assert [a["speaker"] for a in meeting["agenda"]] == ["Анна Смирнова"]
    [item] = meeting["preparation"]
    assert item["reminders"][0]["fires_at"] == "2026-01-20T06:00:00Z"
    url = f"{MEETINGS}/{meeting['id']}"

    patched = await client.patch(
        url, json={"status": "held", "minutes": "Обсудили итоги"}, headers=maria
    )
    assert patched.status == 200, await patched.text()
    assert ((await patched.json())["status"], (await patched.json())["minutes"]) == (
        "held",
        "Обсудили итоги",
    )
    put = await client.put(url, json=meeting_body(ids, title="Планёрка"), headers=maria)
    assert (await put.json())["title"] == "Планёрка"
    assert (await put.json())["status"] == "planned"

    added = await client.post(
        f"{url}/preparation",
        json={"text": "Прайс", "assignee_id": ids["anna"], "due_at": "2026-01-19T18:00:00"},
        headers=maria,
    )
    assert added.status == 201, await added.text()
    anna = await api_token("anna")
    ticked = await client.patch(
        f"{url}/preparation/{(await added.json())['id']}", json={"done": True}, headers=anna
    )
    assert (await ticked.json())["done_by"] == "Анна Смирнова"
    listed = await (await client.get(f"{url}/preparation", headers=anna)).json()
    assert [(i["text"], i["done"]) for i in listed] == [
        ("Отчёт по звонкам", False),
        ("Прайс", True),
    ]
    removed = await client.delete(f"{url}/preparation/{item['id']}", headers=maria)
    assert removed.status == 200

    page = await (
        await client.get(MEETINGS, params={"person_id": ids["boris"]}, headers=maria)
    ).json()
    assert [m["id"] for m in page["items"]] == [meeting["id"]]
    assert (await client.delete(url, headers=maria)).status == 200
    assert (await client.get(url, headers=maria)).status == 404


async def test_preparation_reminder_of_the_api_reaches_the_person(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, maria)
    body = meeting_body(
        ids,
        preparation=[
            {"text": "Отчёт", "assignee_id": ids["boris"], "reminders": [{"before_seconds": 0}]}
        ],
    )
    await create(client, maria, body)
    moment = datetime(2026, 1, 20, 7, 0, tzinfo=UTC)
    client.app[keys.CLOCK].set(moment)
    assert await client.app[keys.SCHEDULER].run_due(moment) == 1
    async with client.app[keys.UOW](write=False) as uow:
        assert await notifications.unread_count(uow, ids["boris"]) == 1
        assert await notifications.unread_count(uow, ids["anna"]) == 0


async def test_decisions_become_tasks_and_the_report_says_what_is_late(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, maria)
    meeting = await create(client, maria, meeting_body(ids))
    url = f"{MEETINGS}/{meeting['id']}/decisions"
    response = await client.post(
        url,
        json={"text": "Обзвонить базу", "responsible_id": ids["anna"], "deadline": "2026-01-23"},
        headers=maria,
    )
    assert response.status == 201, await response.text()
    decision = await response.json()
    task = await (await client.get(f"/api/v1/tasks/{decision['task_id']}", headers=maria)).json()
    assert (task["executor_id"], task["due_date"], task["watcher_ids"]) == (
        ids["anna"],
        "2026-01-23",
        [ids["maria"]],
    )
    moved = await client.patch(
        f"{url}/{decision['id']}",
        json={"responsible_id": ids["boris"], "deadline": "2026-01-26"},
        headers=maria,
    )
    assert moved.status == 200, await moved.text()
    task = await (await client.get(f"/api/v1/tasks/{decision['task_id']}", headers=maria)).json()
    assert (task["executor_id"], task["due_date"]) == (ids["boris"], "2026-01-26")

    client.app[keys.CLOCK].advance(timedelta(days=12))
    report = await (
        await client.get(f"{MEETINGS}/decisions", params={"status": "late"}, headers=maria)
    ).json()
    assert [(r["text"], r["state"], r["late"], r["days_late"]) for r in report["items"]] == [
        ("Обзвонить базу", "open", True, 1)
    ]
    assert report["counts"] == {"total": 1, "open": 1, "done": 0, "late": 1, "cancelled": 0}
    boris = await api_token("boris")
    done = await client.post(
        f"/api/v1/tasks/{decision['task_id']}/status", json={"status": "done"}, headers=boris
    )
    assert done.status == 200
    report = await (await client.get(f"{MEETINGS}/decisions", headers=boris)).json()
    assert [(r["state"], r["late"]) for r in report["items"]] == [("done", True)]
    deleted = await client.delete(f"{url}/{decision['id']}", headers=maria)
    assert deleted.status == 200
    assert (await client.get(f"/api/v1/tasks/{decision['task_id']}", headers=maria)).status == 404


async def test_bad_input_gets_clear_field_errors(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, maria)
    cases = [
        ({"ends_at": "2026-01-20T09:00:00"}, "ends_at"),
        ({"participant_ids": [999_999]}, "participant_ids"),
        ({"organiser_id": ids["dima"]}, "organiser_id"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"agenda": [{"title": "Отчёт", "speaker_id": ids["admin"]}]}, "agenda.0.speaker_id"),
    ]
    for fields, field in cases:
        response = await client.post(MEETINGS, json=meeting_body(ids, **fields), headers=maria)
        assert response.status == 422, fields
        assert field in (await response.json())["fields"], fields
    meeting = await create(client, maria, meeting_body(ids))
    response = await client.post(
        f"{MEETINGS}/{meeting['id']}/decisions",
        json={"text": "Задним числом", "responsible_id": ids["anna"], "deadline": "2026-01-19"},
        headers=maria,
    )
    assert response.status == 422
    assert (await response.json())["fields"] == {
        "deadline": "The deadline cannot be before the day of the meeting"
    }
    response = await client.post(
        f"{MEETINGS}/{meeting['id']}/decisions",
        json={"text": "Кому-то", "responsible_id": 999_999, "deadline": "2026-01-21"},
        headers=maria,
    )
    assert (await response.json())["fields"] == {"responsible_id": "No such user"}


async def test_dealers_and_outsiders_are_kept_out(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, maria)
    meeting = await create(client, maria, meeting_body(ids, participant_ids=[ids["anna"]]))
    dima = await api_token("dima")
    assert (await client.get(MEETINGS, headers=dima)).status == 403
    assert (await client.get(f"{MEETINGS}/decisions", headers=dima)).status == 403
    boris = await api_token("boris")
    response = await client.get(f"{MEETINGS}/{meeting['id']}", headers=boris)
    assert response.status == 404
    assert (await response.json())["error_id"] == "no-such-meeting"
    anna = await api_token("anna")
    response = await client.patch(
        f"{MEETINGS}/{meeting['id']}", json={"title": "Моё"}, headers=anna
    )
    assert response.status == 403
    assert (await response.json())["error_id"] == "not-a-meeting-editor"
