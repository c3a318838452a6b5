"""The line-load report: concurrency, traffic, busy hour and Erlang B from the call log,
through the service, the API and the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from conftest import login

from kompas_cc.settings import Settings, load_settings
from kompas_cc.settings_ami import parse_trunks
from kompas_cc.telephony import service
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.load_handlers import step_path
from kompas_cc.telephony.load_schemas import ConcurrencyPoint
from kompas_cc.webapp import keys

DAY = datetime(2026, 1, 12, tzinfo=UTC)  # a Monday


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        config_path=tmp_path / "absent.toml",
        environ={},
        database_url=db_url,
        var_dir=tmp_path / "var",
        secret_key="test-secret-key-0123456789",
        trunks=parse_trunks("PJSIP/trunk-*=2,PJSIP/mts-*=30"),
    )


def call(
    linkedid: str,
    start_min: float,
    minutes: float,
    *,
    trunk: str | None = "PJSIP/trunk",
    answered: bool = True,
    queue: str | None = None,
    wait: int | None = None,
) -> CallRecord:
    started = DAY + timedelta(hours=9, minutes=start_min)
    ended = started + timedelta(minutes=minutes)
    return CallRecord(
        linkedid=linkedid,
        direction="inbound" if trunk else "internal",
        caller="79161234567",
        callee="74951234567",
        queue=queue,
        answered_by="101" if answered else None,
        started_at=started,
        answered_at=started + timedelta(seconds=wait or 5) if answered else None,
        ended_at=ended,
        ring_seconds=5,
        wait_seconds=wait,
        talk_seconds=int(minutes * 60) - 5 if answered else 0,
        hold_seconds=0,
        disposition="answered" if answered else "abandoned",
        voicemail=False,
        hangup_by="79161234567",
        transfers=(),
        legs=(),
        trunk=trunk,
        incomplete=False,
    )


#: Three trunk calls overlapping 09:10-09:20 (three lines busy on a two-line trunk), one on
#: another trunk, one internal call (no trunk line), a queue call answered in 10 s and one
#: abandoned after 40 s.
CALLS = (
    call("a", 0, 30, queue="support", wait=10),
    call("b", 10, 10),
    call("c", 5, 15, answered=False, queue="support", wait=40),
    call("d", 60, 6, trunk="PJSIP/mts"),
    call("e", 0, 60, trunk=None),
)


async def _store(client: TestClient[Any, Any]) -> None:
    for record in CALLS:
        async with client.app[keys.UOW]() as uow:
            await service.record_call(uow, record, DAY)


async def _report(client: TestClient[Any, Any], headers: dict[str, str], **params: Any) -> Any:
    query = {"since": DAY.isoformat(), "until": (DAY + timedelta(days=1)).isoformat(), **params}
    response = await client.get("/api/v1/telephony/line-load", params=query, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_report_counts_lines_traffic_and_the_busy_hour(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    await _store(client)
    report = await _report(client, await api_token("maria"))
    assert report["calls"] == 5
    assert report["max_concurrent"] == 3
    # 30 + 10 + 15 + 6 busy line-minutes over a day.
    assert report["traffic_erlangs"] == pytest.approx(61 / 1440, abs=1e-4)
    busy = report["busy_hour"]
    assert datetime.fromisoformat(busy["start"]) == DAY + timedelta(hours=9)
    assert busy["traffic_erlangs"] == pytest.approx(55 / 60, abs=1e-3)
    assert busy["max_concurrent"] == 3
    sizing = {row["trunk"]: row for row in report["erlang_b"]}
    assert sizing["PJSIP/trunk-*"]["lines"] == 2
    assert sizing["PJSIP/trunk-*"]["busy_hour_erlangs"] == pytest.approx(55 / 60, abs=1e-3)
    assert sizing["PJSIP/trunk-*"]["blocking"] > 0.01
    assert sizing["PJSIP/trunk-*"]["lines_needed"] == 5
    assert sizing["PJSIP/mts-*"]["lines_needed"] == 2
    assert [p["channels"] for p in report["concurrency"]] == [1, 2, 3, 1, 0, 1, 0]
    (queue,) = report["queues"]
    assert (queue["queue"], queue["offered"], queue["answered"], queue["abandoned"]) == (
        "support",
        2,
        1,
        1,
    )
    assert queue["service_level"] == pytest.approx(0.5)
    assert queue["longest_wait_seconds"] == 40
    assert [len(row) for row in report["heatmap"]] == [24] * 7
    # Hours and days from the first call to the last one.
    assert (len(report["hourly"]), len(report["daily"])) == (2, 1)


async def test_one_trunk_and_a_period_cut_in_the_middle_of_calls(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    await _store(client)
    headers = await api_token("maria")
    only = await _report(client, headers, trunk="PJSIP/mts-*")
    assert (only["calls"], only["max_concurrent"]) == (1, 1)
    assert [row["trunk"] for row in only["erlang_b"]] == ["PJSIP/mts-*"]
    since = DAY + timedelta(hours=9, minutes=15)
    cut = await _report(
        client, headers, since=since.isoformat(), until=(since + timedelta(minutes=10)).isoformat()
    )
    # Calls begun before 09:15 are not counted as attempts, but their lines are busy.
    assert (cut["calls"], cut["max_concurrent"]) == (0, 3)
    assert cut["traffic_erlangs"] == pytest.approx(2.0)


async def test_bad_periods_and_roles_are_refused(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    for params in (
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"},
        {"answer_within_s": "0"},
        {"since": "yesterday"},
    ):
        response = await client.get("/api/v1/telephony/line-load", params=params, headers=headers)
        assert response.status == 422, params
        assert (await response.json())["error_id"]
    operator = await client.get("/api/v1/telephony/line-load", headers=await api_token("anna"))
    assert operator.status == 403


async def test_the_page_draws_the_load_and_exports_hours(client: TestClient[Any, Any]) -> None:
    await _store(client)
    await login(client, "maria")
    query = {"since": "2026-01-12", "until": "2026-01-12"}
    page = await client.get("/telephony/line-load", params=query)
    html = await page.text()
    assert page.status == 200
    assert "Нагрузка на линии" in html
    assert 'class="heatmap"' in html
    assert "<path d=" in html
    assert "PJSIP/trunk-*" in html
    bad = await client.get("/telephony/line-load", params={"since": "31.02.2026"})
    assert bad.status == 422
    exported = await client.get("/telephony/line-load.csv", params=query)
    text = (await exported.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    # 09:00-10:00 UTC is 12:00-13:00 in Moscow: four calls began then (one internal), three
    # were answered; then one call in the next hour.
    assert [row[:3] for row in rows[1:]] == [
        ["12.01.2026 12:00", "4", "3"],
        ["12.01.2026 13:00", "1", "1"],
    ]


def test_the_chart_path_steps_through_the_period() -> None:
    since = DAY
    points = [
        ConcurrencyPoint(at=DAY + timedelta(hours=6), channels=2),
        ConcurrencyPoint(at=DAY + timedelta(hours=12), channels=0),
    ]
    assert (
        step_path(points, since, since + timedelta(days=1))
        == "M0 180 H240.0 V0.0 H480.0 V180.0 H960"
    )
    assert step_path([], since, since + timedelta(days=1)) == "M0 180 H960"
