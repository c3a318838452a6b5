"""The organizer's JSON API as an integrator would use it: tasks with inline reminders,
status, checklist, comments; contacts; reminders; default reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from kompas_cc.notifications import service as notifications
from kompas_cc.webapp import keys

DUE = "2026-01-16T10:00:00+03:00"
DUE_UTC = datetime(2026, 1, 16, 7, 0, tzinfo=UTC)


async def client_id(client: TestClient[Any, Any], headers: dict[str, str]) -> int:
    body = {"kind": "legal", "name": "ООО «Ромашка»"}
    response = await client.post("/api/v1/clients", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def user_ids(client: TestClient[Any, Any], headers: dict[str, str]) -> dict[str, int]:
    users = await (await client.get("/api/v1/users", headers=headers)).json()
    return {u["login"]: u["id"] for u in users}


async def create_task(
    client: TestClient[Any, Any], headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"title": "Позвонить по договору", "due_at": DUE, "reminders": [], **fields}
    response = await client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def run_jobs_at(client: TestClient[Any, Any], moment: datetime) -> int:
    client.app[keys.CLOCK].set(moment)
    return await client.app[keys.SCHEDULER].run_due(moment)


async def unread(client: TestClient[Any, Any], user_id: int) -> int:
    async with client.app[keys.UOW](write=False) as uow:
        return await notifications.unread_count(uow, user_id)


async def test_create_task_with_inline_reminders_and_executors(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, await api_token("admin"))
    task = await create_task(
        client,
        maria,
        executor_ids=[ids["anna"], ids["boris"]],
        reminders=[{"before_seconds": 0}, {"before_seconds": 1800}],
    )
    assert task["executor_id"] == ids["anna"]
    assert task["co_executor_ids"] == [ids["boris"]]
    assert [r["fires_at"] for r in task["reminders"]] == [
        "2026-01-16T07:00:00Z",
        "2026-01-16T06:30:00Z",
    ]
    listed = await (await client.get(f"/api/v1/tasks/{task['id']}/reminders", headers=maria)).json()
    assert [r["id"] for r in listed] == [r["id"] for r in task["reminders"]]
    assert await run_jobs_at(client, DUE_UTC - timedelta(minutes=30)) == 1
    assert await unread(client, ids["anna"]) == 1
    assert await unread(client, ids["boris"]) == 1
    assert await unread(client, ids["maria"]) == 0


async def test_bad_input_gets_clear_field_errors(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    cases = [
        ({"due_at": "2026-01-14T10:00:00+03:00"}, "due_at"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule"),
        ({"rrule": "every monday"}, "rrule"),
        ({"reminders": [{"before_seconds": -60}]}, "reminders.0.before_seconds"),
        ({"executor_ids": [987_654]}, "executor_ids"),
        ({"client_id": 987_654}, "client_id"),
        ({"due_at": "0001-01-01T00:00:00+14:00"}, "due_at"),
        ({"title": ""}, "title"),
    ]
    for fields, field in cases:
        body = {"title": "Задача", "due_at": DUE, **fields}
        response = await client.post("/api/v1/tasks", json=body, headers=maria)
        assert response.status == 422, (fields, await response.text())
        error = await response.json()
        assert error["error_id"] == "validation-failed"
        assert field in error["fields"], (fields, error)
    never = await client.post(
        "/api/v1/tasks",
        json={"title": "x", "due_at": DUE, "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
        headers=maria,
    )
    assert (await never.json())["fields"]["rrule"] == (
        "The repeat rule gives no date after the due date"
    )
    allowed = await client.post(
        "/api/v1/tasks",
        json={"title": "x", "due_at": "2026-01-14T10:00:00+03:00", "allow_past_due": True},
        headers=maria,
    )
    assert allowed.status == 201
    assert (await allowed.json())["overdue"] is True


async def test_patch_moves_the_due_time_and_its_reminders(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    task = await create_task(client, maria, reminders=[{"before_seconds": 600}])
    response = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"due_at": "2026-01-20T12:00:00", "priority": "high"},
        headers=maria,
    )
    assert response.status == 200, await response.text()
    moved = await response.json()
    assert moved["due_at"] == "2026-01-20T09:00:00Z"
    assert moved["priority"] == "high"
    assert moved["reminders"][0]["fires_at"] == "2026-01-20T08:50:00Z"
    assert await run_jobs_at(client, DUE_UTC) == 0
    assert await run_jobs_at(client, datetime(2026, 1, 20, 8, 50, tzinfo=UTC)) == 1


async def test_status_closes_and_the_series_goes_on(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    task = await create_task(client, maria, rrule="FREQ=WEEKLY;BYDAY=FR")
    response = await client.post(
        f"/api/v1/tasks/{task['id']}/status", json={"status": "done"}, headers=maria
    )
    done = await response.json()
    assert done["status"] == "done"
    following = await (await client.get(f"/api/v1/tasks/{done['next_id']}", headers=maria)).json()
    assert following["due_at"] == "2026-01-23T07:00:00Z"
    assert following["occurrence"] == 2
    bad = await client.post(
        f"/api/v1/tasks/{task['id']}/status", json={"status": "overdue"}, headers=maria
    )
    assert bad.status == 422


async def test_checklist_through_the_api(client: TestClient[Any, Any], api_token: Any) -> None:
    maria = await api_token("maria")
    task = await create_task(client, maria)
    base = f"/api/v1/tasks/{task['id']}/checklist"
    added = await (await client.post(base, json={"text": "Счёт"}, headers=maria)).json()
    ticked = await client.patch(f"{base}/{added['id']}", json={"done": True}, headers=maria)
    assert (await ticked.json())["done"] is True
    assert [i["text"] for i in await (await client.get(base, headers=maria)).json()] == ["Счёт"]
    assert (await client.delete(f"{base}/{added['id']}", headers=maria)).status == 200
    assert await (await client.get(base, headers=maria)).json() == []


async def test_only_author_and_executors_comment(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria, anna = await api_token("maria"), await api_token("anna")
    ids = await user_ids(client, await api_token("admin"))
    task = await create_task(client, maria, executor_ids=[ids["anna"]], watcher_ids=[ids["admin"]])
    path = f"/api/v1/tasks/{task['id']}/comments"
    for headers in (maria, anna):
        assert (await client.post(path, json={"text": "Ок"}, headers=headers)).status == 201
    watcher = await client.post(path, json={"text": "Я"}, headers=await api_token("admin"))
    assert watcher.status == 403
    assert (await watcher.json())["error_id"] == "not-a-discussant"
    for who in ("boris", "dima"):
        response = await client.post(path, json={"text": "Я"}, headers=await api_token(who))
        assert response.status == 404, who
    comments = await (await client.get(path, headers=await api_token("admin"))).json()
    assert [c["author"] for c in comments] == ["Мария Петрова", "Анна Смирнова"]


async def test_reminder_of_a_deleted_task_is_not_delivered(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    ids = await user_ids(client, await api_token("admin"))
    task = await create_task(client, maria, reminders=[{"before_seconds": 0}])
    assert (await client.delete(f"/api/v1/tasks/{task['id']}", headers=maria)).status == 200
    assert (await client.get(f"/api/v1/tasks/{task['id']}", headers=maria)).status == 404
    assert await run_jobs_at(client, DUE_UTC) == 0
    assert await unread(client, ids["maria"]) == 0


async def test_reminders_list_and_delete(client: TestClient[Any, Any], api_token: Any) -> None:
    maria = await api_token("maria")
    task = await create_task(client, maria)
    added = await client.post(
        f"/api/v1/tasks/{task['id']}/reminders", json={"before_seconds": 3600}, headers=maria
    )
    assert added.status == 201
    reminder = await added.json()
    upcoming = await (await client.get("/api/v1/reminders", headers=maria)).json()
    assert [r["id"] for r in upcoming] == [reminder["id"]]
    gone = await client.delete(f"/api/v1/reminders/{reminder['id']}", headers=maria)
    assert gone.status == 200
    assert await (await client.get("/api/v1/reminders", headers=maria)).json() == []
    assert (await client.delete(f"/api/v1/reminders/{reminder['id']}", headers=maria)).status == (
        404
    )


async def test_default_reminders_of_the_current_user(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    saved = await client.put(
        "/api/v1/me/default-reminders",
        json={"reminders": [{"before_seconds": 86_400}, {"before_seconds": 900}]},
        headers=maria,
    )
    assert await saved.json() == [{"before_seconds": 900}, {"before_seconds": 86_400}]
    body = {"title": "По умолчанию", "due_at": "2026-01-20T10:00:00+03:00"}
    task = await (await client.post("/api/v1/tasks", json=body, headers=maria)).json()
    assert sorted(r["before_seconds"] for r in task["reminders"]) == [900, 86_400]
    negative = await client.put(
        "/api/v1/me/default-reminders",
        json={"reminders": [{"before_seconds": -1}]},
        headers=maria,
    )
    assert negative.status == 422


async def test_contact_planned_completed_with_the_next_one(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    anna = await api_token("anna")
    cid = await client_id(client, await api_token("maria"))
    body = {
        "client_id": cid,
        "kind": "call",
        "subject": "Цены",
        "planned_at": "2026-01-16T11:00:00",
        "reminders": [{"before_seconds": 600}],
    }
    response = await client.post("/api/v1/contacts", json=body, headers=anna)
    assert response.status == 201, await response.text()
    contact = await response.json()
    assert contact["planned_at"] == "2026-01-16T08:00:00Z"
    assert contact["state"] == "planned"
    complete = {
        "result": "Договорились о встрече",
        "next": {"kind": "meeting", "planned_at": "2026-01-22T15:00:00+03:00"},
    }
    done = await client.post(
        f"/api/v1/contacts/{contact['id']}/complete", json=complete, headers=anna
    )
    assert done.status == 200, await done.text()
    answer = await done.json()
    assert answer["contact"]["state"] == "done"
    following = await (
        await client.get(f"/api/v1/contacts/{answer['next_id']}", headers=anna)
    ).json()
    assert (following["kind"], following["previous_id"]) == ("meeting", contact["id"])
    again = await client.post(
        f"/api/v1/contacts/{contact['id']}/complete", json=complete, headers=anna
    )
    assert again.status == 409
    page = await (
        await client.get("/api/v1/contacts", params={"client_id": cid}, headers=anna)
    ).json()
    assert page["total"] == 2
    patched = await client.patch(
        f"/api/v1/contacts/{answer['next_id']}", json={"subject": "КП"}, headers=anna
    )
    assert (await patched.json())["subject"] == "КП"
    timeline = await (await client.get(f"/api/v1/clients/{cid}/timeline", headers=anna)).json()
    assert {e["kind"] for e in timeline} >= {"contact", "planned_contact"}
    assert (await client.delete(f"/api/v1/contacts/{answer['next_id']}", headers=anna)).status == (
        200
    )


async def test_contact_bad_input(client: TestClient[Any, Any], api_token: Any) -> None:
    anna = await api_token("anna")
    cid = await client_id(client, await api_token("maria"))
    for body, field in (
        ({"client_id": cid, "kind": "call"}, "planned_at"),
        ({"client_id": cid, "kind": "call", "state": "done"}, "result"),
        ({"client_id": 987_654, "kind": "call", "planned_at": DUE}, "client_id"),
        ({"client_id": cid, "kind": "fax", "planned_at": DUE}, "kind"),
    ):
        response = await client.post("/api/v1/contacts", json=body, headers=anna)
        assert response.status == 422, body
        assert field in (await response.json())["fields"]
    dealer = await client.post(
        "/api/v1/contacts",
        json={"client_id": cid, "kind": "call", "planned_at": DUE},
        headers=await api_token("dima"),
    )
    assert dealer.status == 403
