"""A manager plans the week of two operators in the organizer, their reminders pop up live in
their own tabs (and one that came due while the server was down reaches them, late, after its
restart), a month plan is followed by fact, and a decision of a staff meeting is kept under
control (Debian's Chromium via Playwright, in Russian, the default locale).

The clock starts on Thursday 15 January 2026, 12:00 in Moscow; the planned week is the one of
Monday 19 January. Time moves by the app's FakeClock; the scheduler's loop is woken after each
move, as a real timer would wake it.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from conftest import PASSWORD
from playwright.async_api import Browser, BrowserContext, Page

from kompas_cc.app import build_app
from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import FakeClock
from kompas_cc.settings import Settings
from kompas_cc.webapp import keys
from kompas_cc.webapp.ws import HUB

pytestmark = pytest.mark.browser
CONNECT_TIMEOUT_S = 15.0
#: What the team's week grid shows on each day, once the manager has planned it.
WEEK = {
    "19.01.2026": (
        "10:00\nЗадача\nПодготовить КП для «Ромашки»\n· Анна Смирнова",
        "11:00\nЗадача\nСверить счета «Лютика»\n· Борис Иванов",
        "15:00\nЗвонок\nООО «Ромашка»\n· Анна Смирнова",
    ),
    "20.01.2026": ("10:00\nЗадача\nОтправить договор «Ромашке»\n· Анна Смирнова",),
    "21.01.2026": ("12:00\nВстреча\nООО «Лютик»\n· Борис Иванов",),
}


async def _clients(base: str) -> dict[str, int]:
    """Two clients, entered through the API by the manager (the clients' own forms are
    covered by the manager's flow)."""
    ids: dict[str, int] = {}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/api/v1/auth/token", json={"username": "maria", "password": PASSWORD}
        ) as response:
            token = (await response.json())["token"]
        for key, name in (("romashka", "ООО «Ромашка»"), ("lyutik", "ООО «Лютик»")):
            async with http.post(
                f"{base}/api/v1/clients",
                json={"kind": "legal", "name": name},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 201, await response.text()
                ids[key] = (await response.json())["id"]
    return ids


async def _log_in(browser: Browser, base: str, login: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill('input[name="login"]', login)
    await page.fill('input[name="password"]', PASSWORD)
    await page.click('form[action="/login"] button[type="submit"]')
    await page.wait_for_url(f"{base}/clients")
    return context, page


async def _submit(page: Page, form: str = "main form.form") -> None:
    await page.locator(f"{form} button[type=submit]").first.click()
    await page.wait_for_load_state()


async def _plan_task(page: Page, base: str, title: str, executor: int, day: str, at: str) -> None:
    """A timed task with a reminder at its due time."""
    await page.goto(f"{base}/organizer/tasks/new")
    await page.fill('input[name="title"]', title)
    await page.select_option('select[name="executor_id"]', str(executor))
    await page.fill('input[name="due_day"]', day)
    await page.fill('input[name="due_time"]', at)
    await page.check('input[name="remind"][value="0"]')
    await _submit(page)
    await page.wait_for_url(re.compile(r".*/organizer/tasks/\d+$"))


async def _plan_contact(
    page: Page, base: str, client: int, kind: str, who: int, day: str, at: str
) -> str:
    """A planned contact; its page's address."""
    await page.goto(f"{base}/organizer/contacts/new")
    await page.fill('input[name="client_id"]', str(client))
    await page.select_option('select[name="kind"]', kind)
    await page.select_option('select[name="user_id"]', str(who))
    await page.check('input[name="state"][value="planned"]')
    await page.fill('input[name="planned_day"]', day)
    await page.fill('input[name="planned_time"]', at)
    await _submit(page)
    await page.wait_for_url(re.compile(r".*/organizer/contacts/\d+$"))
    return page.url


async def _sockets(app: web.Application, user_id: int) -> None:
    """Wait until the user's tab has connected to the app (the browser's I/O, bounded)."""
    async with asyncio.timeout(CONNECT_TIMEOUT_S):
        while app[HUB].open_sockets(user_id) < 1:  # noqa: ASYNC110  (another process's I/O)
            await asyncio.sleep(0.05)


async def _bell(page: Page) -> str:
    counter = page.locator("[data-bell-count]")
    return "" if await counter.is_hidden() else await counter.inner_text()


async def _come(app: web.Application, clock: FakeClock, moment: datetime) -> None:
    """Move time on and let the scheduler's loop deliver what came due."""
    clock.set(moment)
    jobs = app[keys.SCHEDULER]
    jobs.wake()
    await jobs.wait_idle()


async def test_a_manager_plans_the_week_and_the_operators_are_reminded(
    aiohttp_server: Any,
    app: web.Application,
    settings: Settings,
    clock: FakeClock,
    users: dict[str, Actor],
    browser: Browser,
) -> None:
    server = await aiohttp_server(app)
    port = server.port
    base = f"http://127.0.0.1:{port}"
    anna, boris = users["anna"].id, users["boris"].id
    client = await _clients(base)
    manager_context, manager = await _log_in(browser, base, "maria")

    await _plan_task(manager, base, "Подготовить КП для «Ромашки»", anna, "2026-01-19", "10:00")
    await _plan_task(manager, base, "Сверить счета «Лютика»", boris, "2026-01-19", "11:00")
    await _plan_task(manager, base, "Отправить договор «Ромашке»", anna, "2026-01-20", "10:00")
    call = await _plan_contact(
        manager, base, client["romashka"], "call", anna, "2026-01-19", "15:00"
    )
    await _plan_contact(manager, base, client["lyutik"], "meeting", boris, "2026-01-21", "12:00")
    await manager.goto(f"{base}/organizer/week?day=2026-01-19&team=true")
    for day, shown in WEEK.items():
        cell = await manager.locator(".org-week .org-cell").filter(has_text=day).inner_text()
        assert all(text in cell for text in shown), cell

    # Each operator's panel is open in a browser of their own.
    anna_context, anna_tab = await _log_in(browser, base, "anna")
    boris_context, boris_tab = await _log_in(browser, base, "boris")
    await _sockets(app, anna)
    await _sockets(app, boris)
    await _come(app, clock, datetime(2026, 1, 19, 7, 0, tzinfo=UTC))  # 10:00 in Moscow
    toast = anna_tab.locator(".toast")
    await toast.wait_for()
    assert "Подготовить КП для «Ромашки»" in await toast.inner_text()
    await anna_tab.locator("[data-bell-count]").wait_for(state="visible")
    assert await _bell(anna_tab) == "1"
    await _come(app, clock, datetime(2026, 1, 19, 8, 0, tzinfo=UTC))  # 11:00 in Moscow
    toast = boris_tab.locator(".toast")
    await toast.wait_for()
    assert "Сверить счета «Лютика»" in await toast.inner_text()
    assert await _bell(boris_tab) == "1"
    assert await anna_tab.get_by_text("Сверить счета «Лютика»").count() == 0
    assert await boris_tab.get_by_text("Подготовить КП для «Ромашки»").count() == 0
    assert await _bell(anna_tab) == "1"

    # The late reminder is delivered as the new server starts, before the tab has connected
    # again: the reconnected tab shows it as a late toast, the bell rises, and the
    # notification centre marks it late.
    await server.close()
    clock.set(datetime(2026, 1, 20, 8, 0, tzinfo=UTC))  # the 10:00 reminder came due meanwhile
    app = build_app(settings, clock=clock)
    await aiohttp_server(app, port=port)
    await _sockets(app, anna)
    await anna_tab.locator("[data-bell-count]").get_by_text("2").wait_for()
    late_toast = anna_tab.locator(".toast-late").filter(has_text="Отправить договор «Ромашке»")
    await late_toast.wait_for()
    await anna_tab.goto(f"{base}/notifications")
    late = anna_tab.locator("main li, main tr").filter(has_text="Отправить договор «Ромашке»")
    assert "С опозданием" in await late.first.inner_text()

    # A month plan of two calls; the planned call is completed by anna.
    await manager.goto(f"{base}/organizer/plans/edit?person={anna}&month=2026-01")
    await manager.fill('input[name="targets.call"]', "2")
    await _submit(manager)
    await anna_tab.goto(f"{call}/complete")
    await anna_tab.fill('textarea[name="result"]', "Договорились о встрече")
    await _submit(anna_tab)
    await manager.goto(f"{base}/organizer/plans?person={anna}&month=2026-01")
    calls = manager.locator('[aria-labelledby="kinds-title"] tbody tr').filter(has_text="Звонки")
    cells = await calls.locator("td").all_inner_texts()
    assert cells[0].split()[0] == "2"
    assert cells[2] == "1"

    # A staff meeting with anna, and a decision she is responsible for.
    await manager.goto(f"{base}/organizer/meetings/new")
    await manager.fill('input[name="title"]', "Планёрка отдела продаж")
    await manager.fill('input[name="start_day"]', "2026-01-20")
    await manager.fill('input[name="start_time"]', "14:00")
    await manager.fill('input[name="end_time"]', "15:00")
    await manager.check(f'input[name="participant"][value="{anna}"]')
    await _submit(manager)
    await manager.wait_for_url(re.compile(r".*/organizer/meetings/\d+$"))
    decision = manager.locator('form[action$="/decisions"]')
    await decision.locator('textarea[name="text"]').fill("Обзвонить всех клиентов из Казани")
    await decision.locator('select[name="responsible_id"]').select_option(str(anna))
    await decision.locator('input[name="deadline"]').fill("2026-01-23")
    await _submit(manager, 'form[action$="/decisions"]')
    await anna_tab.goto(f"{base}/organizer/tasks")
    assert "Обзвонить всех клиентов из Казани" in await anna_tab.locator("main").inner_text()
    await manager.goto(f"{base}/organizer/decisions")
    row = manager.locator("main tr").filter(has_text="Обзвонить всех клиентов из Казани")
    assert "Исполняется" in await row.inner_text()
    clock.set(datetime(2026, 1, 24, 9, 0, tzinfo=UTC))  # the deadline day is over
    await manager.reload()
    row = manager.locator("main tr").filter(has_text="Обзвонить всех клиентов из Казани")
    assert "Просрочено" in await row.inner_text()
    assert await row.get_attribute("class") == "is-late"
    for context in (manager_context, anna_context, boris_context):
        await context.close()
