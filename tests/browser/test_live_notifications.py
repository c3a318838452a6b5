"""A reminder pops up live in every open tab of its user, and the bell follows what is read
(Debian's Chromium via Playwright, the panel's own JavaScript)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from conftest import PASSWORD
from notifications.support import notify_user
from playwright.async_api import Browser, Page

from kompas_cc.core.actor import Actor
from kompas_cc.webapp.ws import HUB

pytestmark = pytest.mark.browser
CONNECT_TIMEOUT_S = 10.0


async def _sockets(app: web.Application, user_id: int, count: int) -> None:
    """Wait until the user's tabs have connected (the browser's I/O, bounded)."""
    async with asyncio.timeout(CONNECT_TIMEOUT_S):
        while app[HUB].open_sockets(user_id) < count:  # noqa: ASYNC110  (another process's I/O)
            await asyncio.sleep(0.05)


async def _bell(page: Page) -> str:
    counter = page.locator("[data-bell-count]")
    return "" if await counter.is_hidden() else await counter.inner_text()


async def test_a_reminder_pops_up_in_every_tab_and_the_bell_follows(
    aiohttp_server: Any, app: web.Application, users: dict[str, Actor], browser: Browser
) -> None:
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    anna = users["anna"].id
    context = await browser.new_context()
    first = await context.new_page()
    await first.goto(f"{base}/login")
    await first.fill('input[name="login"]', "anna")
    await first.fill('input[name="password"]', PASSWORD)
    await first.click('form[action="/login"] button[type="submit"]')
    await first.wait_for_url(f"{base}/clients")
    second = await context.new_page()
    await second.goto(f"{base}/notifications")
    await _sockets(app, anna, 2)
    assert await _bell(first) == ""

    await notify_user(app, anna, "Позвонить в «Ромашку»", body="до 12:00", link="/clients")
    for page in (first, second):
        toast = page.locator(".toast")
        await toast.wait_for()
        assert "Позвонить в «Ромашку»" in await toast.inner_text()
        assert await toast.locator("a").get_attribute("href") == "/clients"
        await page.locator("[data-bell-count]").wait_for(state="visible")
        assert await _bell(page) == "1"

    await second.reload()
    await second.click('form[action$="/read"] button[type="submit"]')
    await second.wait_for_load_state()
    await first.locator("[data-bell-count]").wait_for(state="hidden")
    assert await _bell(second) == ""
    await context.close()
