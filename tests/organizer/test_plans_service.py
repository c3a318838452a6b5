"""Work plans at the service level: month plans spread over days, the "larger of" rule,
days set by hand, fact counted in the employee's time zone, per-client control, the team
rule and bad input. January 2026 has 16 working days by the Russian calendar; the clock
stands on Thursday 15 January, 12:00 in Moscow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from conftest import PASSWORD
from organizer_support import Desk, open_desk, task_body

from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import Forbidden, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import contacts, plan_service, service
from kompas_cc.organizer.plan_schemas import DayPlanIn, MonthPlanIn, MonthPlanOut, MonthReportOut
from kompas_cc.organizer.schemas import ContactIn, TaskIn
from kompas_cc.organizer.workdays import WorkCalendar
from kompas_cc.staff import service as staff_service

ZONE = {"timezone": "Europe/Moscow"}
CALENDAR = WorkCalendar()


@pytest.fixture
async def desk(db_url: str) -> AsyncIterator[Desk]:
    async with open_desk(db_url) as opened:
        yield opened


async def add_vera(desk: Desk) -> Actor:
    """An operator of the Vladivostok office (UTC+10)."""
    data = staff_service.parse_user(
        {
            "login": "vera",
            "name": "Вера Дальняя",
            "role": "operator",
            "timezone": "Asia/Vladivostok",
        }
    )
    async with desk.uows() as uow:
        out = await staff_service.create_user(uow, data, PASSWORD, desk.now)
    vera = Actor(id=out.id, login="vera", name=out.name, role=out.role, timezone=out.timezone)
    desk.people["vera"] = vera
    return vera


async def set_plan(
    desk: Desk, person: str, who: str = "maria", month: str = "2026-01", **body: Any
) -> MonthPlanOut:
    data = validate_model(MonthPlanIn, body, "The plan")
    async with desk.uows() as uow:
        return await plan_service.set_month_plan(
            uow, desk.people[who], desk.people[person].id, month, data, desk.now
        )


async def report(
    desk: Desk, person: str, who: str = "maria", month: str = "2026-01"
) -> MonthReportOut:
    async with desk.uows(write=False) as uow:
        return await plan_service.month_report(
            uow, desk.people[who], desk.people[person].id, month, desk.now, CALENDAR
        )


async def set_day(desk: Desk, person: str, day: date, **targets: int | None) -> None:
    data = DayPlanIn.model_validate({"targets": targets})
    async with desk.uows() as uow:
        await plan_service.set_day_plan(
            uow, desk.maria, desk.people[person].id, day, data, desk.now, CALENDAR
        )


async def contact(desk: Desk, who: str = "anna", client: str = "romashka", **fields: Any) -> int:
    body = {"client_id": desk.clients[client], "kind": "call", "subject": "Звонок", **fields}
    if "done_at" in body:
        body.update(state="done", result="Поговорили")
    data = validate_model(ContactIn, body, "The contact", ZONE)
    async with desk.uows() as uow:
        out = await contacts.create_contact(uow, desk.people[who], desk.policy, data, desk.now)
    return out.id


async def task(desk: Desk, who: str = "anna", **fields: Any) -> int:
    data = validate_model(TaskIn, task_body(**fields), "The task", ZONE)
    async with desk.uows() as uow:
        out = await service.create_task(uow, desk.people[who], desk.policy, data, desk.now)
    return out.id


def day_of(rep: MonthReportOut, day: int) -> Any:
    return rep.days[day - 1]


def total(rep: MonthReportOut, kind: str) -> Any:
    return next(t for t in rep.totals if t.kind == kind)


async def test_month_plan_is_spread_over_the_working_days_and_sums_to_the_month(
    desk: Desk,
) -> None:
    saved = await set_plan(desk, "anna", targets={"call": 40, "meeting": 5, "task": 16})
    assert saved.targets.call == 40
    assert saved.updated_by == desk.maria.name
    rep = await report(desk, "anna")
    assert rep.working_days == 16
    assert rep.has_plan
    assert total(rep, "call").day_plans == 40
    assert total(rep, "meeting").day_plans == 5
    assert [day_of(rep, d).kinds["task"].plan for d in (8, 9, 10, 12)] == [0, 1, 0, 1]
    assert {d.kinds["call"].plan for d in rep.days if d.working} == {2, 3}
    assert not day_of(rep, 7).working  # Christmas
    # Saving again replaces the plan.
    await set_plan(desk, "anna", targets={"call": 16})
    rep = await report(desk, "anna")
    assert total(rep, "call").plan == 16
    assert total(rep, "meeting").plan == 0


async def test_scheduled_contacts_and_due_tasks_raise_a_days_plan(desk: Desk) -> None:
    await set_plan(desk, "anna", targets={"call": 16})
    for hour in (10, 11, 12):
        await contact(desk, planned_at=f"2026-01-20T{hour}:00:00")
    await contact(desk, kind="meeting", planned_at="2026-01-17T12:00:00")  # a Saturday
    await task(desk, due_at="2026-01-16T10:00:00")
    await task(desk, due_at=None, due_date="2026-01-16")
    rep = await report(desk, "anna")
    jan20, jan17, jan16 = day_of(rep, 20), day_of(rep, 17), day_of(rep, 16)
    assert (jan20.kinds["call"].share, jan20.kinds["call"].scheduled) == (1, 3)
    assert jan20.kinds["call"].plan == 3
    assert jan17.kinds["meeting"].plan == 1
    assert not jan17.working
    assert jan16.kinds["task"].plan == 2
    assert day_of(rep, 21).kinds["call"].plan == 1


async def test_a_day_set_by_hand_is_marked_and_the_month_is_spread_over_the_rest(
    desk: Desk,
) -> None:
    await set_plan(desk, "anna", targets={"call": 32})
    await set_day(desk, "anna", date(2026, 1, 20), call=0, meeting=2)
    rep = await report(desk, "anna")
    jan20 = day_of(rep, 20)
    assert jan20.edited
    assert (jan20.kinds["call"].plan, jan20.kinds["call"].override) == (0, 0)
    assert jan20.kinds["meeting"].plan == 2
    assert total(rep, "call").day_plans == 32  # the other 15 days carry the 32 calls
    assert [d.day.day for d in rep.days if d.edited] == [20]
    await set_day(desk, "anna", date(2026, 1, 20), call=None)
    rep = await report(desk, "anna")
    assert not day_of(rep, 20).edited
    assert day_of(rep, 20).kinds["call"].plan == 2


async def test_fact_counts_done_contacts_on_the_days_of_the_employees_zone(desk: Desk) -> None:
    vera = await add_vera(desk)
    # 21:30 UTC on the 13th is already the 14th in Moscow.
    await contact(desk, done_at="2026-01-13T21:30:00+00:00")
    # 20:00 UTC on 31 December is still December in Moscow: not January's fact.
    await contact(desk, done_at="2025-12-31T20:00:00+00:00")
    await contact(desk, kind="meeting", done_at="2025-12-31T21:30:00+00:00")
    await contact(desk, planned_at="2026-01-14T10:00:00")  # planned only: no fact
    await contact(desk, who="vera", done_at="2026-01-13T15:00:00+00:00")
    task_id = await task(desk, due_at="2026-01-16T10:00:00")
    async with desk.uows() as uow:
        await service.set_status(uow, desk.anna, desk.policy, task_id, "done", desk.now)
    anna = await report(desk, "anna")
    assert [(d.day.day, d.fact) for d in anna.days if d.fact] == [(1, 1), (14, 1), (15, 1)]
    assert day_of(anna, 1).kinds["meeting"].fact == 1
    assert day_of(anna, 15).kinds["task"].fact == 1
    assert total(anna, "call").fact == 1
    far = await report(desk, "vera", who="admin")
    assert far.time_zone == "Asia/Vladivostok"
    assert [(d.day.day, d.fact) for d in far.days if d.fact] == [(14, 1)]
    assert far.user_id == vera.id


async def test_past_days_under_plan_and_overdue_tasks_stand_out(desk: Desk) -> None:
    await set_plan(desk, "anna", targets={"call": 16})
    await contact(desk, done_at="2026-01-12T10:00:00")
    await task(desk, due_at="2026-01-14T10:00:00", allow_past_due=True)
    rep = await report(desk, "anna")
    under = [d.day.day for d in rep.days if any(k.under for k in d.kinds.values())]
    assert under == [9, 13, 14]  # the working days over without their call
    assert rep.days_under == 3
    assert not day_of(rep, 15).kinds["call"].under  # today is not over
    assert rep.overdue_tasks == 1
    assert day_of(rep, 14).overdue_tasks == 1
    calls = total(rep, "call")
    assert (calls.plan_to_date, calls.fact, calls.pace) == (4, 1, "under")
    assert rep.pace == "under"
    assert rep.fulfilment == 6.2


async def test_client_plans_compare_with_the_contacts_of_that_client(desk: Desk) -> None:
    romashka, vector = desk.clients["romashka"], desk.clients["vector"]
    await set_plan(
        desk,
        "anna",
        targets={"call": 16},
        clients=[
            {"client_id": romashka, "kind": "call", "amount": 4},
            {"client_id": romashka, "kind": "meeting", "amount": 1},
        ],
    )
    await contact(desk, done_at="2026-01-12T10:00:00")
    await contact(desk, done_at="2026-01-13T10:00:00")
    await contact(desk, client="vector", done_at="2026-01-13T11:00:00")
    rep = await report(desk, "anna")
    assert [(r.client_id, r.planned) for r in rep.clients] == [(romashka, True), (vector, False)]
    calls = rep.clients[0].kinds["call"]
    assert (calls.plan, calls.fact, calls.percent) == (4, 2, 50.0)
    assert calls.pace == "ok"  # 4 working days of 16 are over: 1 call was due by now
    assert rep.clients[0].kinds["meeting"].pace == "ok"  # 1 in 16 days: none due by now
    assert rep.clients[1].kinds["call"].fact == 1
    async with desk.uows() as uow:
        await plan_service.move_client_targets(uow, romashka, vector)
    async with desk.uows(write=False) as uow:
        plan = await plan_service.get_month_plan(uow, desk.maria, desk.anna.id, "2026-01", desk.now)
    assert [(c.client_id, c.kind, c.amount) for c in plan.clients] == [
        (vector, "call", 4),
        (vector, "meeting", 1),
    ]


async def test_managers_plan_for_their_team_operators_only_read_their_own(desk: Desk) -> None:
    async with desk.uows(write=False) as uow:
        maria_team = await plan_service.team_report(uow, desk.maria, "2026-01", desk.now, CALENDAR)
        admin_team = await plan_service.team_report(uow, desk.admin, "2026-01", desk.now, CALENDAR)
        anna_team = await plan_service.team_report(uow, desk.anna, "2026-01", desk.now, CALENDAR)
        assert await plan_service.employees(uow, desk.dima) == []
        with pytest.raises(plan_service.NoSuchEmployee):
            await plan_service.month_report(
                uow, desk.anna, desk.boris.id, "2026-01", desk.now, CALENDAR
            )
        with pytest.raises(plan_service.NotInTeam, match="not in your team"):
            await plan_service.month_report(
                uow, desk.maria, desk.admin.id, "2026-01", desk.now, CALENDAR
            )
    assert maria_team.rows[0].user == desk.maria.name
    assert {r.user_id for r in maria_team.rows} == {desk.maria.id, desk.anna.id, desk.boris.id}
    assert {r.user_id for r in admin_team.rows} == {
        desk.admin.id,
        desk.maria.id,
        desk.anna.id,
        desk.boris.id,
    }
    assert [r.user_id for r in anna_team.rows] == [desk.anna.id]
    assert (await report(desk, "anna", who="anna")).user_id == desk.anna.id
    with pytest.raises(plan_service.NotInTeam):
        await set_plan(desk, "admin", targets={"call": 1})
    with pytest.raises(Forbidden, match="Only managers and admins"):
        await set_plan(desk, "anna", who="anna", targets={"call": 1})
    with pytest.raises(plan_service.NoSuchEmployee):
        await set_plan(desk, "dima", who="admin", targets={"call": 1})
    await set_plan(desk, "maria", targets={"call": 1})  # a manager's own plan


@pytest.mark.parametrize(
    ("body", "month", "field", "message"),
    [
        ({"targets": {"call": -1}}, "2026-01", "targets.call", "A plan cannot be negative"),
        (
            {"targets": {"task": 100_001}},
            "2026-01",
            "targets.task",
            "A month plans at most 100000 of a kind",
        ),
        ({"targets": {"call": 1}}, "2026-13", "month", "Give the month as YYYY-MM"),
        ({"targets": {"call": 1}}, "2029-02", "month", plan_service.MSG_MONTH_FAR),
        ({"targets": {"call": 1}}, "2022-12", "month", plan_service.MSG_MONTH_FAR),
        (
            {"clients": [{"client_id": 999_999, "kind": "call", "amount": 1}]},
            "2026-01",
            "clients.0.client_id",
            "No such client",
        ),
        (
            {"clients": [{"client_id": 1, "kind": "chat", "amount": 1}]},
            "2026-01",
            "clients.0.kind",
            "Input should be 'call', 'meeting', 'letter', 'email', 'visit' or 'task'",
        ),
    ],
)
async def test_bad_plans_are_refused_with_a_sentence_on_the_field(
    desk: Desk, body: dict[str, Any], month: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await set_plan(desk, "anna", month=month, **body)
    assert caught.value.fields[field] == message


async def test_a_client_and_kind_planned_twice_is_refused(desk: Desk) -> None:
    romashka = desk.clients["romashka"]
    twice = [{"client_id": romashka, "kind": "call", "amount": n} for n in (1, 2)]
    with pytest.raises(ValidationFailed) as caught:
        await set_plan(desk, "anna", clients=twice)
    assert caught.value.fields == {"clients.1.kind": plan_service.MSG_TWICE}
    with pytest.raises(plan_service.NoSuchEmployee):
        async with desk.uows() as uow:
            await plan_service.set_month_plan(
                uow, desk.maria, 999_999, "2026-01", MonthPlanIn(), desk.now
            )
