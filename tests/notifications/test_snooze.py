"""A snoozed reminder comes back: from its own job (same kind and payload), or as a copy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import FakeClock
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.notifications.service import notify
from kompas_cc.scheduler import Job, get_job, schedule
from kompas_cc.webapp import keys
from notifications.support import notify_user

BASE = "/api/v1/notifications"


async def _remind(uow: UnitOfWork, job: Job) -> None:
    """What the organizer's reminder handler does: it reads the task from the payload."""
    title = "Позвонить в «Ромашку»" + (" (again)" if job.key else "")
    await notify(uow, int(job.payload["user_id"]), "reminder", title, task_id=7, late=job.late)


@pytest.fixture
def reminders(app: web.Application) -> None:
    """Registered before the app starts (ask for it before `client`)."""
    app[keys.SCHEDULER].register("test.reminder", _remind)


async def _run_due(app: web.Application) -> None:
    jobs = app[keys.SCHEDULER]
    jobs.wake()
    await jobs.wait_idle()


async def test_snoozed_reminder_runs_its_job_again_later(
    reminders: None,
    client: TestClient[Any, Any],
    api_token: Any,
    users: dict[str, Actor],
    clock: FakeClock,
) -> None:
    app = client.app
    anna = users["anna"].id
    async with app[keys.UOW]() as uow:
        await schedule(uow, "test.reminder", clock.now(), {"user_id": anna, "task_id": 7})
    await _run_due(app)
    headers = await api_token("anna")
    [first] = (await (await client.get(BASE, headers=headers)).json())["items"]
    assert first["title"] == "Позвонить в «Ромашку»"

    response = await client.post(
        f"{BASE}/{first['id']}/snooze", json={"minutes": 15}, headers=headers
    )
    snoozed = await response.json()
    async with app[keys.UOW](write=False) as uow:
        job = await get_job(uow, snoozed["job_id"])
    assert job is not None
    assert (job.kind, job.payload, job.key) == (
        "test.reminder",
        {"user_id": anna, "task_id": 7},
        f"snooze:{first['id']}",
    )

    clock.advance(timedelta(minutes=14))
    await _run_due(app)
    assert (await (await client.get(BASE, headers=headers)).json())["total"] == 1
    clock.advance(timedelta(minutes=1))
    await _run_due(app)
    page = await (await client.get(BASE, headers=headers)).json()
    assert [item["title"] for item in page["items"]] == [
        "Позвонить в «Ромашку» (again)",
        "Позвонить в «Ромашку»",
    ]
    assert [item["read"] for item in page["items"]] == [False, True]


async def test_snoozing_twice_moves_the_one_repeat(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor], clock: FakeClock
) -> None:
    nid = await notify_user(client.app, users["anna"].id, "Отправить договор", body="до обеда")
    headers = await api_token("anna")
    first = await (
        await client.post(f"{BASE}/{nid}/snooze", json={"minutes": 15}, headers=headers)
    ).json()
    second = await (
        await client.post(f"{BASE}/{nid}/snooze", json={"minutes": 60}, headers=headers)
    ).json()
    assert first["job_id"] == second["job_id"]

    clock.advance(timedelta(minutes=61))
    await _run_due(client.app)
    page = await (await client.get(BASE, headers=headers)).json()
    assert [(i["title"], i["body"], i["read"]) for i in page["items"]] == [
        ("Отправить договор", "до обеда", False),
        ("Отправить договор", "до обеда", True),
    ]
