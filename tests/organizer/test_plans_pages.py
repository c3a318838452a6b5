"""The work plan pages as a browser without JavaScript uses them: the month of an
employee with its chart, the forms of the month and of a day, the team's month; Russian
by default, English on request."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from conftest import login, post_form

from kompas_cc.core.actor import Actor

MONTH = "2026-01"


async def make_client(client: TestClient[Any, Any], name: str = "ООО «Ромашка»") -> int:
    response = await post_form(client, "/clients/new", {"kind": "legal", "name": name})
    assert response.status == 302, await response.text()
    return int(response.headers["Location"].rsplit("/", 1)[1])


def plan_form(**fields: str) -> list[tuple[str, str]]:
    """The month form as posted: six kinds, one client row filled or not, two blank rows."""
    data = [(f"targets.{k}", "") for k in ("call", "meeting", "letter", "email", "visit", "task")]
    data = [(key, fields.pop(key, value)) for key, value in data]
    for n in range(3):
        for part, blank in (("client_id", ""), ("kind", "call"), ("amount", "")):
            key = f"clients.{n}.{part}"
            data.append((key, fields.pop(key, blank)))
    assert not fields, fields
    return data


async def test_operator_sees_their_own_month_and_no_manager_buttons(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "anna")
    page = await (await client.get("/organizer/day")).text()
    assert 'href="/organizer/plans"' in page
    assert "Планы" in page
    response = await client.get("/organizer/plans")
    assert response.status == 200
    page = await response.text()
    assert "План: Анна Смирнова, Январь 2026" in page
    assert "Задать план на месяц" not in page
    assert "Рабочих дней в месяце" in page
    assert 'name="person"' not in page  # nobody else to choose
    for path in ("/organizer/plans/team", f"/organizer/plans/edit?month={MONTH}"):
        assert (await client.get(path)).status == 403
    other = await client.get(f"/organizer/plans?person={users['boris'].id}")
    assert other.status == 404


async def test_dealers_have_no_plans(client: TestClient[Any, Any]) -> None:
    await login(client, "dima")
    assert (await client.get("/organizer/plans")).status == 403
    assert 'href="/organizer/plans"' not in await (await client.get("/organizer/day")).text()


async def test_manager_sets_a_plan_with_a_client_and_sees_plan_against_fact(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "maria")
    romashka = await make_client(client)
    anna = users["anna"].id
    form = await client.get(f"/organizer/plans/edit?person={anna}&month={MONTH}")
    assert form.status == 200
    text = await form.text()
    assert "16 рабочих дней" in text
    assert 'name="clients.2.amount"' in text
    response = await post_form(
        client,
        f"/organizer/plans/edit?person={anna}&month={MONTH}",
        plan_form(
            **{
                "targets.call": "32",
                "targets.task": "8",
                "clients.0.client_id": str(romashka),
                "clients.0.amount": "4",
            }
        ),
    )
    assert response.status == 302, await response.text()
    assert response.headers["Location"] == f"/organizer/plans?person={anna}&month={MONTH}"
    page = await (await client.get(response.headers["Location"])).text()
    assert "План сохранён" in page
    assert "<svg" in page
    assert 'class="plan-bar-plan"' in page
    assert "Звонки" in page
    assert "Выполнено задач" in page
    assert "ООО «Ромашка»" in page
    assert f"/organizer/plans/day?person={anna}&day=2026-01-20" in page
    again = await (await client.get(f"/organizer/plans/edit?person={anna}&month={MONTH}")).text()
    assert 'value="32"' in again
    assert "ООО «Ромашка»" in again  # the client's name beside its number


async def test_plan_form_shows_each_error_beside_its_field(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "maria")
    anna = users["anna"].id
    response = await post_form(
        client,
        f"/organizer/plans/edit?person={anna}&month={MONTH}",
        plan_form(**{"targets.call": "-5"}),
    )
    assert response.status == 422
    page = await response.text()
    assert "План не может быть отрицательным" in page
    assert 'id="f-targets-call-error"' in page
    assert 'value="-5"' in page
    response = await post_form(
        client,
        f"/organizer/plans/edit?person={anna}&month={MONTH}",
        plan_form(**{"clients.1.client_id": "999999", "clients.1.amount": "2"}),
    )
    assert response.status == 422
    page = await response.text()
    assert "Такого клиента нет" in page
    assert 'id="f-clients-1-client_id-error"' in page  # the row it was typed in
    far = await post_form(client, f"/organizer/plans/edit?person={anna}&month=2030-01", plan_form())
    assert far.status == 422
    assert "Планы задаются" in await far.text()


async def test_a_day_set_by_hand_is_marked_on_the_month(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "maria")
    anna = users["anna"].id
    await post_form(
        client,
        f"/organizer/plans/edit?person={anna}&month={MONTH}",
        plan_form(**{"targets.call": "32"}),
    )
    form = await client.get(f"/organizer/plans/day?person={anna}&day=2026-01-20")
    text = await form.text()
    assert "План: Анна Смирнова, 20.01.2026" in text
    assert "Автоматически: 2" in text
    response = await post_form(
        client,
        f"/organizer/plans/day?person={anna}&day=2026-01-20",
        {"targets.call": "0", "targets.meeting": "1"},
    )
    assert response.status == 302
    page = await (await client.get(response.headers["Location"])).text()
    assert "План дня сохранён" in page
    assert page.count(">Изменён<") == 1
    bad = await post_form(
        client, f"/organizer/plans/day?person={anna}&day=2026-01-20", {"targets.call": "-1"}
    )
    assert bad.status == 422
    assert "План не может быть отрицательным" in await bad.text()


async def test_team_month_in_english_lists_the_managers_team(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "maria")
    await post_form(client, "/locale", {"locale": "en"})
    response = await client.get(f"/organizer/plans/team?month={MONTH}")
    assert response.status == 200
    page = await response.text()
    assert "Team plans for January 2026" in page
    for who in ("maria", "anna", "boris"):
        assert f"/organizer/plans?person={users[who].id}&month={MONTH}" in page
    assert f"person={users['admin'].id}&" not in page
    assert "Set the plan" in page
    month = await (await client.get(f"/organizer/plans?person={users['anna'].id}")).text()
    assert "Plan of Анна Смирнова for January 2026" in month
    assert "Plans" in month
    assert "Планы" not in month


async def test_client_targets_follow_a_merged_client(
    client: TestClient[Any, Any], users: dict[str, Actor]
) -> None:
    await login(client, "maria")
    kept = await make_client(client)
    duplicate = await make_client(client, "Ромашка ООО")
    anna = users["anna"].id
    await post_form(
        client,
        f"/organizer/plans/edit?person={anna}&month={MONTH}",
        plan_form(**{"clients.0.client_id": str(duplicate), "clients.0.amount": "3"}),
    )
    merged = await post_form(client, f"/clients/{kept}/merge", {"other_id": str(duplicate)})
    assert merged.status == 302
    form = await (await client.get(f"/organizer/plans/edit?person={anna}&month={MONTH}")).text()
    assert f'name="clients.0.client_id" value="{kept}"' in form
    assert 'name="clients.0.amount" value="3"' in form
