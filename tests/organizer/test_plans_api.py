"""The work plan API as an integrator uses it: month plans, days with plan and fact, a day
set by hand, the team's month; who may read and write; errors with their fields."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from kompas_cc.core.actor import Actor

PLANS = "/api/v1/work-plans"
MONTH = "2026-01"


async def client_id(client: TestClient[Any, Any], headers: dict[str, str]) -> int:
    body = {"kind": "legal", "name": "ООО «Ромашка»"}
    response = await client.post("/api/v1/clients", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def test_managers_put_a_month_plan_and_everybody_reads_what_they_may(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    maria, anna_h = await api_token("maria"), await api_token("anna")
    anna, boris = users["anna"].id, users["boris"].id
    romashka = await client_id(client, maria)
    body = {
        "targets": {"call": 40, "meeting": 10, "task": 16},
        "clients": [{"client_id": romashka, "kind": "meeting", "amount": 2}],
    }
    response = await client.put(f"{PLANS}/{anna}/{MONTH}", json=body, headers=maria)
    assert response.status == 200, await response.text()
    plan = await response.json()
    assert plan["targets"] == {
        "call": 40,
        "meeting": 10,
        "letter": 0,
        "email": 0,
        "visit": 0,
        "task": 16,
    }
    assert plan["clients"] == [
        {"client_id": romashka, "client": "ООО «Ромашка»", "kind": "meeting", "amount": 2}
    ]
    assert plan["updated_by"] == users["maria"].name
    own = await client.get(f"{PLANS}/{anna}/{MONTH}", headers=anna_h)
    assert (await own.json())["targets"]["call"] == 40
    other = await client.get(f"{PLANS}/{boris}/{MONTH}", headers=anna_h)
    assert other.status == 404
    assert (await other.json())["error_id"] == "no-such-employee"
    write = await client.put(f"{PLANS}/{anna}/{MONTH}", json=body, headers=anna_h)
    assert write.status == 403
    dealer = await client.get(f"{PLANS}/{anna}/{MONTH}", headers=await api_token("dima"))
    assert dealer.status == 403
    empty = await (await client.get(f"{PLANS}/{boris}/{MONTH}", headers=maria)).json()
    assert empty["updated_at"] is None
    assert empty["targets"]["call"] == 0


async def test_days_with_plan_and_fact_and_a_day_set_by_hand(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    maria = await api_token("maria")
    anna = users["anna"].id
    await client.put(f"{PLANS}/{anna}/{MONTH}", json={"targets": {"call": 32}}, headers=maria)
    report = await (await client.get(f"{PLANS}/{anna}/{MONTH}/days", headers=maria)).json()
    assert len(report["days"]) == 31
    assert report["working_days"] == 16
    assert report["days"][19]["kinds"]["call"] == {
        "plan": 2,
        "fact": 0,
        "share": 2,
        "scheduled": 0,
        "override": None,
        "under": False,
    }
    calls = next(t for t in report["totals"] if t["kind"] == "call")
    assert (calls["plan"], calls["plan_to_date"], calls["pace"]) == (32, 8, "under")
    response = await client.put(
        f"{PLANS}/{anna}/days/2026-01-20",
        json={"targets": {"call": 5, "meeting": None}},
        headers=maria,
    )
    assert response.status == 200, await response.text()
    day = await response.json()
    assert day["day"] == "2026-01-20"
    assert day["edited"]
    assert day["kinds"]["call"]["plan"] == 5
    report = await (await client.get(f"{PLANS}/{anna}/{MONTH}/days", headers=maria)).json()
    assert [d["day"] for d in report["days"] if d["edited"]] == ["2026-01-20"]
    assert sum(d["kinds"]["call"]["plan"] for d in report["days"]) == 32


async def test_team_month_lists_whom_the_user_may_look_at(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    maria_team = await (
        await client.get(f"{PLANS}/team/{MONTH}", headers=await api_token("maria"))
    ).json()
    assert maria_team["month"] == MONTH
    assert maria_team["rows"][0]["user_id"] == users["maria"].id
    assert {r["user_id"] for r in maria_team["rows"]} == {
        users[who].id for who in ("maria", "anna", "boris")
    }
    anna_team = await (
        await client.get(f"{PLANS}/team/{MONTH}", headers=await api_token("anna"))
    ).json()
    assert [r["user_id"] for r in anna_team["rows"]] == [users["anna"].id]
    assert anna_team["rows"][0]["pace"] == "none"


async def test_bad_requests_name_the_field_or_the_rule(
    client: TestClient[Any, Any], api_token: Any, users: dict[str, Actor]
) -> None:
    maria = await api_token("maria")
    anna = users["anna"].id
    cases = [
        (f"{PLANS}/{anna}/{MONTH}", {"targets": {"call": -3}}, 422, "targets.call"),
        (f"{PLANS}/{anna}/{MONTH}", {"targets": {"calls": 3}}, 422, "targets.calls"),
        (f"{PLANS}/{anna}/2026-1", {"targets": {}}, 422, "month"),
        (f"{PLANS}/{anna}/2035-01", {"targets": {}}, 422, "month"),
        (f"{PLANS}/{anna}/days/2026-02-30", {"targets": {}}, 422, "day"),
        (f"{PLANS}/{anna}/days/2026-01-20", {"targets": {"call": 10_001}}, 422, "targets.call"),
    ]
    for path, body, status, field in cases:
        response = await client.put(path, json=body, headers=maria)
        assert response.status == status, (path, body, await response.text())
        assert field in (await response.json())["fields"], (path, body)
    unknown = await client.put(f"{PLANS}/999999/{MONTH}", json={}, headers=maria)
    assert unknown.status == 404
    admin = await client.put(f"{PLANS}/{users['admin'].id}/{MONTH}", json={}, headers=maria)
    assert admin.status == 403
    assert (await admin.json())["error_id"] == "not-in-your-team"
