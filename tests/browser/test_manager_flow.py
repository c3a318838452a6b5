"""A manager works through the panel in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from conftest import PASSWORD
from playwright.async_api import Browser, Page

pytestmark = pytest.mark.browser


async def _api(session: Any, method: str, url: str, token: str, **kw: Any) -> Any:
    async with session.request(
        method, url, headers={"Authorization": f"Bearer {token}"}, **kw
    ) as response:
        assert response.status < 300, await response.text()
        return await response.json()


async def _classifier(base: str) -> dict[str, int]:
    """Two dimensions set up through the API: Temperature (hot, cold) and Size (large, small)."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/api/v1/auth/token", json={"username": "maria", "password": PASSWORD}
        ) as response:
            token = (await response.json())["token"]
        ids: dict[str, int] = {}
        for key, name, parent in (
            ("temperature", "Температура", None),
            ("hot", "Горячие", "temperature"),
            ("cold", "Холодные", "temperature"),
            ("size", "Размер", None),
            ("large", "Крупные", "size"),
            ("small", "Мелкие", "size"),
        ):
            body = {"name": name, "parent_ids": [ids[parent]] if parent else []}
            created = await _api(http, "POST", f"{base}/api/v1/classifier/nodes", token, json=body)
            ids[key] = created["id"]
    return ids


async def _open_all_details(page: Page) -> None:
    await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")


async def _place(page: Page, *node_ids: int) -> None:
    await _open_all_details(page)
    for node_id in node_ids:
        await page.locator(f'form input[name="node"][value="{node_id}"]').first.check()


async def test_manager_creates_classifies_filters_and_finds_by_phone(
    aiohttp_server: Any, app: web.Application, users: Any, browser: Browser
) -> None:
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    nodes = await _classifier(base)
    page = await browser.new_page()

    await page.goto(f"{base}/login")
    await page.fill('input[name="login"]', "maria")
    await page.fill('input[name="password"]', PASSWORD)
    await page.click('form[action="/login"] button[type="submit"]')
    await page.wait_for_url(f"{base}/clients")

    await page.goto(f"{base}/clients/new?kind=legal")
    await page.fill('input[name="name"]', "ООО «Ромашка»")
    await page.fill('input[name="inn"]', "7707083893")
    await page.locator('input[name="phone_number"]').first.fill("8 (495) 123-45-67")
    await _place(page, nodes["hot"], nodes["large"])
    await page.locator(
        "main form.client-form button[type=submit], main form button.btn-primary"
    ).first.click()
    await page.wait_for_url(f"{base}/clients/*")
    assert "ООО «Ромашка»" in await page.content()
    romashka_url = page.url

    await page.goto(f"{base}/clients/new?kind=individual")
    await page.fill('input[name="last_name"]', "Иванов")
    await page.fill('input[name="first_name"]', "Пётр")
    await page.locator('input[name="phone_number"]').first.fill("+7 916 111-22-33")
    await _place(page, nodes["hot"], nodes["small"])
    await page.locator(
        "main form.client-form button[type=submit], main form button.btn-primary"
    ).first.click()
    await page.wait_for_url(f"{base}/clients/*")
    assert "Иванов Пётр" in await page.content()

    await page.goto(f"{base}/clients")
    await _open_all_details(page)
    sidebar = page.locator("aside form")
    await sidebar.locator(f'input[name="node"][value="{nodes["hot"]}"]').first.check()
    await sidebar.locator(f'input[name="node"][value="{nodes["large"]}"]').first.check()
    await sidebar.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    table = await page.locator("main table").inner_text()
    assert "ООО «Ромашка»" in table
    assert "Иванов" not in table

    await page.goto(f"{base}/clients")
    await page.locator('aside input[name="phone"]').fill("+7 495 1234567")
    await page.locator("aside form button[type=submit]").click()
    await page.wait_for_load_state()
    table = await page.locator("main table").inner_text()
    assert "ООО «Ромашка»" in table
    assert "+7 (495) 123-45-67" in table

    await page.goto(romashka_url)
    await page.fill('form[action$="/notes"] textarea[name="text"]', "Просили КП до пятницы")
    await page.locator('form[action$="/notes"] button[type=submit]').click()
    await page.wait_for_load_state()
    timeline = await page.locator("#timeline").inner_text()
    assert "Просили КП до пятницы" in timeline
    await page.close()
