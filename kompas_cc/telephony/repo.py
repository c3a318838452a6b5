"""Queries over the call log. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    column,
    false,
    func,
    or_,
    select,
    table,
    true,
    update,
)
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kompas_cc.telephony.models import Call, CallLeg, CallTransfer

#: Other domains' tables seen only through the columns the log shows (no import of their
#: models): user names, and client names with the manager the visibility rule looks at.
users = table("users", column("id"), column("name"))
clients = table("clients", column("id"), column("name"), column("manager_id"))


@dataclass(frozen=True, slots=True)
class CallFilter:
    since: datetime | None = None
    until: datetime | None = None
    direction: str | None = None
    disposition: str | None = None
    extension: str | None = None
    client_id: int | None = None


def _table(model: type[Call | CallLeg | CallTransfer]) -> Table:
    return cast(Table, model.__table__)


async def insert_calls(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert the calls whose linkedid is not in the log yet: linkedid -> new id of those.

    One INSERT ... ON CONFLICT DO NOTHING for the lot, so two writers racing with the same
    call cannot both store it and neither fails; a linkedid twice in `rows` is stored once.
    """
    if not rows:
        return {}
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    calls = _table(Call)
    # Core, not ORM, and the rows as executemany parameters: the statement is compiled once
    # and cached, and the driver gets the rows in as few round trips as it can.
    stmt = (
        insert(calls)
        .on_conflict_do_nothing(index_elements=[calls.c.linkedid])
        .returning(calls.c.id, calls.c.linkedid)
    )
    result = await session.execute(stmt, list(rows))
    return {linkedid: call_id for call_id, linkedid in result.all()}


async def add_legs(session: AsyncSession, legs: Sequence[dict[str, Any]]) -> None:
    if legs:
        await session.execute(sa_insert(_table(CallLeg)), list(legs))


async def add_transfers(session: AsyncSession, transfers: Sequence[dict[str, Any]]) -> None:
    if transfers:
        await session.execute(sa_insert(_table(CallTransfer)), list(transfers))


def matching(f: CallFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.since is not None:
        where.append(Call.started_at >= f.since)
    if f.until is not None:
        where.append(Call.started_at < f.until)
    if f.direction is not None:
        where.append(Call.direction == f.direction)
    if f.disposition is not None:
        where.append(Call.disposition == f.disposition)
    if f.extension is not None:
        where.append(answered_or_dialled_by(f.extension))
    if f.client_id is not None:
        where.append(Call.client_id == f.client_id)
    return where


def answered_or_dialled_by(extension: str) -> ColumnElement[bool]:
    """The extension answered the call, or dialled it (an inbound caller is never ours)."""
    return or_(
        Call.answered_by == extension,
        and_(Call.caller == extension, Call.direction != "inbound"),
    )


def everybody() -> ColumnElement[bool]:
    return true()


def nobody() -> ColumnElement[bool]:
    return false()


def operator_or_clients(
    operator_id: int, any_client: bool, manager_id: int | None
) -> ColumnElement[bool]:
    """Calls of this operator, plus the calls of clients: of any client, or of those
    `manager_id` is responsible for."""
    own = Call.operator_id == operator_id
    if any_client:
        return or_(own, Call.client_id.is_not(None))
    if manager_id is not None:
        managed = select(clients.c.id).where(clients.c.manager_id == manager_id)
        return or_(own, Call.client_id.in_(managed.scalar_subquery()))
    return own


async def count_calls(session: AsyncSession, where: Sequence[ColumnElement[bool]]) -> int:
    return int(await session.scalar(select(func.count(Call.id)).where(*where)) or 0)


async def list_calls(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], offset: int, limit: int
) -> list[Call]:
    result = await session.execute(
        select(Call)
        .where(*where)
        .options(selectinload(Call.legs), selectinload(Call.transfers))
        .order_by(Call.started_at.desc(), Call.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(result.scalars())


async def get_call(
    session: AsyncSession, call_id: int, where: Sequence[ColumnElement[bool]]
) -> Call | None:
    result = await session.execute(
        select(Call)
        .where(Call.id == call_id, *where)
        .options(selectinload(Call.legs), selectinload(Call.transfers))
    )
    return result.scalar_one_or_none()


async def list_client_calls(
    session: AsyncSession,
    client_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[Call]:
    """A client's calls for the timeline (without legs and transfers), newest first."""
    stmt = select(Call).where(Call.client_id == client_id)
    if since is not None:
        stmt = stmt.where(Call.started_at >= since)
    if until is not None:
        stmt = stmt.where(Call.started_at < until)
    result = await session.execute(
        stmt.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)
    )
    return list(result.scalars())


async def user_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    result = await session.execute(select(users.c.id, users.c.name).where(users.c.id.in_(wanted)))
    return {row[0]: row[1] for row in result.all()}


async def client_names(
    session: AsyncSession, ids: Iterable[int | None]
) -> dict[int, tuple[str, int | None]]:
    """Name and responsible manager of each client, by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    result = await session.execute(
        select(clients.c.id, clients.c.name, clients.c.manager_id).where(clients.c.id.in_(wanted))
    )
    return {row[0]: (row[1], row[2]) for row in result.all()}


async def move_client_calls(session: AsyncSession, from_id: int, to_id: int) -> None:
    await session.execute(update(Call).where(Call.client_id == from_id).values(client_id=to_id))


#: No call lasts longer (the call tracker closes a silent call after six hours): a report
#: looks this far before its period for calls still going on when it starts.
LONGEST_CALL = timedelta(days=1)


async def calls_overlapping(
    session: AsyncSession, since: datetime, until: datetime
) -> list[Sequence[Any]]:
    """Calls that were in progress at any moment of [since, until), with the columns a load
    report needs: started_at, answered_at, ended_at, disposition, queue, wait, talk,
    direction, trunk."""
    result = await session.execute(
        select(
            Call.started_at,
            Call.answered_at,
            Call.ended_at,
            Call.disposition,
            Call.queue,
            Call.wait_seconds,
            Call.talk_seconds,
            Call.direction,
            Call.trunk,
        )
        .where(
            Call.started_at >= since - LONGEST_CALL,
            Call.started_at < until,
            Call.ended_at > since,
        )
        .order_by(Call.started_at)
    )
    return list(result.all())
