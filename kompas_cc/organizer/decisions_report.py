"""The decisions report: what was decided, at which meeting, who answers for it, by when,
and whether it is done, still open or late (late ones are marked, with the days).

It covers the decisions of the meetings the user sees, filtered by a period (of deadlines
or of meetings, in the user's zone), a responsible person and states. The states are
computed in SQL from each decision's task (decision_state.py says the rules in Python),
so filtering, counting and paging happen in the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_

from kompas_cc.core.actor import Actor
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import decision_state, meeting_access, meeting_repo, repo
from kompas_cc.organizer.meeting_schemas import (
    DecisionCounts,
    DecisionReport,
    DecisionReportQuery,
    DecisionRow,
    DecisionState,
)
from kompas_cc.organizer.schemas import TaskStatus
from kompas_cc.organizer.timing import day_start

#: The export holds at most this many decisions.
MAX_EXPORT_ROWS = 20_000
#: Export columns, English source text translated per request.
REPORT_COLUMNS = (
    "Staff meeting", "Meeting date", "Decision", "Responsible", "Deadline", "State",
    "Days late", "Fulfilled on", "Task",
)  # fmt: skip


def _state_filter(state: str, now: datetime) -> ColumnElement[bool]:
    if state == "late":
        return meeting_repo.decision_late(now)
    if state == "done":
        return meeting_repo.decision_done()
    if state == "cancelled":
        return meeting_repo.decision_cancelled()
    return meeting_repo.decision_open()


def _filters(actor: Actor, query: DecisionReportQuery) -> list[ColumnElement[bool]]:
    """Everything but the states."""
    zone = ZoneInfo(actor.timezone)
    filters = [meeting_access.meeting_filter(actor)]
    if query.since is not None or query.until is not None:
        if query.by == "meeting":
            filters.append(
                meeting_repo.starts_within(
                    day_start(query.since, zone) if query.since else None,
                    day_start(query.until + timedelta(days=1), zone) if query.until else None,
                )
            )
        else:
            filters.append(meeting_repo.deadline_between(query.since, query.until))
    if query.responsible_id is not None:
        filters.append(meeting_repo.responsible_is(query.responsible_id))
    return filters


async def _rows(
    uow: UnitOfWork, lines: list[meeting_repo.DecisionLine], now: datetime
) -> list[DecisionRow]:
    people = await repo.user_rows(uow.session, [line[0].responsible_id for line in lines])
    rows = []
    for decision, meeting, status, closed_at in lines:
        state = decision_state.state_of(status)
        zone = ZoneInfo(meeting.timezone)
        late = decision_state.is_late(state, closed_at, decision.deadline_end_at, now)
        rows.append(
            DecisionRow(
                id=decision.id,
                meeting_id=meeting.id,
                meeting=meeting.title,
                meeting_at=meeting.starts_at,
                text=decision.text,
                responsible_id=decision.responsible_id,
                responsible=people[decision.responsible_id].name
                if decision.responsible_id in people
                else "",
                deadline=decision.deadline,
                task_id=decision.task_id if status is not None else None,
                task_status=cast(TaskStatus | None, status),
                state=cast(DecisionState, state),
                late=late,
                days_late=decision_state.days_late(decision.deadline, state, closed_at, zone, now)
                if late
                else 0,
                done_at=closed_at if state == "done" else None,
            )
        )
    return rows


async def decisions_report(
    uow: UnitOfWork, actor: Actor, query: DecisionReportQuery, now: datetime
) -> DecisionReport:
    """One page of the report, by deadline, with the counts of each state."""
    base = _filters(actor, query)
    session = uow.session

    async def count(*state: str) -> int:
        return await meeting_repo.count_decisions(
            session, [*base, *(_state_filter(s, now) for s in state)]
        )

    counts = DecisionCounts(
        total=await count(),
        open=await count("open"),
        done=await count("done"),
        late=await count("late"),
        cancelled=await count("cancelled"),
    )
    filters = list(base)
    if query.status:
        filters.append(or_(*(_state_filter(s, now) for s in query.status)))
    offset = (query.page - 1) * query.per_page
    lines, total = await meeting_repo.find_decisions(
        session, filters, offset=offset, limit=query.per_page
    )
    return DecisionReport(
        items=await _rows(uow, lines, now),
        counts=counts,
        page=query.page,
        per_page=query.per_page,
        total=total,
        has_more=offset + len(lines) < total,
    )


async def report_rows(
    uow: UnitOfWork, actor: Actor, query: DecisionReportQuery, now: datetime
) -> list[DecisionRow]:
    """Every decision of the report (all pages, up to MAX_EXPORT_ROWS), for the export."""
    filters = _filters(actor, query)
    if query.status:
        filters.append(or_(*(_state_filter(s, now) for s in query.status)))
    lines, _total = await meeting_repo.find_decisions(uow.session, filters, limit=MAX_EXPORT_ROWS)
    return await _rows(uow, lines, now)
