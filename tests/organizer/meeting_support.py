"""Helpers of the meeting tests, on the organizer's stage (organizer_support.Desk).

The clock starts on Thursday 15 January 2026, 09:00 UTC (12:00 in Moscow, the cast's zone).
The usual meeting of these tests is the planning meeting on Tuesday 20 January 2026,
10:00-11:00 Moscow time, organised by Maria.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from organizer_support import Desk

from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import meeting_decisions, meeting_service
from kompas_cc.organizer.meeting_schemas import DecisionIn, DecisionOut, MeetingNew, MeetingOut

MOSCOW = {"timezone": "Europe/Moscow"}
#: The planning meeting starts at 10:00 Moscow time on 20 January.
STARTS = datetime(2026, 1, 20, 7, 0, tzinfo=UTC)


def meeting_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Планёрка отдела продаж",
        "starts_at": "2026-01-20T10:00:00+03:00",
        "ends_at": "2026-01-20T11:00:00+03:00",
        "place": "Переговорная 2",
    }
    body.update(fields)
    return body


async def set_up(desk: Desk, who: str = "maria", **fields: Any) -> MeetingOut:
    data = validate_model(MeetingNew, meeting_body(**fields), "The meeting", MOSCOW)
    async with desk.uows() as uow:
        return await meeting_service.create_meeting(
            uow, desk.people[who], desk.policy, data, desk.now
        )


async def decide(desk: Desk, meeting: MeetingOut, who: str = "maria", **fields: Any) -> DecisionOut:
    body: dict[str, Any] = {
        "text": "Обзвонить клиентов из списка «Холодные»",
        "responsible_id": desk.anna.id,
        "deadline": "2026-01-23",
    }
    body.update(fields)
    data = validate_model(DecisionIn, body, "The decision")
    async with desk.uows() as uow:
        return await meeting_decisions.record_decision(
            uow, desk.people[who], desk.policy, meeting.id, data, desk.now
        )
