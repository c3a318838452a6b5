"""Queries over the callbacks of missed calls, and the call log's few writes they need.
Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kompas_cc.telephony.models import CALLBACK_OPEN, Call, CallCallback


async def open_callback(session: AsyncSession, number: str) -> CallCallback | None:
    """The number's callback still waiting, locked for this transaction on PostgreSQL."""
    result = await session.execute(
        select(CallCallback)
        .where(CallCallback.number == number, CallCallback.closed_at.is_(None))
        .with_for_update()
    )
    return result.scalar_one_or_none()


async def open_callback_of_task(session: AsyncSession, task_id: int) -> CallCallback | None:
    result = await session.execute(
        select(CallCallback).where(
            CallCallback.task_id == task_id, CallCallback.closed_at.is_(None)
        )
    )
    return result.scalars().first()


async def has_open_callback(session: AsyncSession, number: str) -> bool:
    found = await session.scalar(
        select(CallCallback.id).where(
            CallCallback.number == number, CallCallback.closed_at.is_(None)
        )
    )
    return found is not None


async def insert_open_callback(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Open a callback unless the number has an open one: the new id, or None.

    One INSERT ... ON CONFLICT DO NOTHING over the unique index of open rows: of two
    processes opening the same number at once, one inserts and the other gets None (on
    PostgreSQL after waiting for the first to commit), and neither fails.
    """
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(CallCallback)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[CallCallback.number], index_where=CALLBACK_OPEN)
        .returning(CallCallback.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_callback(session: AsyncSession, callback_id: int) -> CallCallback | None:
    return await session.get(CallCallback, callback_id)


async def list_callbacks(session: AsyncSession, number: str) -> list[CallCallback]:
    """Every callback of a number, oldest first."""
    result = await session.execute(
        select(CallCallback).where(CallCallback.number == number).order_by(CallCallback.id)
    )
    return list(result.scalars())


async def answered_at(session: AsyncSession, call_id: int) -> datetime | None:
    return await session.scalar(select(Call.answered_at).where(Call.id == call_id))


async def set_call_client(session: AsyncSession, call_id: int, client_id: int) -> None:
    """Give a call that had no client one (a call already matched keeps its client)."""
    await session.execute(
        update(Call).where(Call.id == call_id, Call.client_id.is_(None)).values(client_id=client_id)
    )
