"""Queries over users and tokens. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kompas_cc.staff.models import ApiToken, User


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def find_user_by_login(session: AsyncSession, login: str) -> User | None:
    result = await session.execute(select(User).where(func.lower(User.login) == login.lower()))
    return result.scalar_one_or_none()


async def list_users(session: AsyncSession) -> list[User]:
    result = await session.execute(select(User).order_by(User.name))
    return list(result.scalars())


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(User.id))) or 0)


async def find_token_by_hash(session: AsyncSession, token_hash: str) -> ApiToken | None:
    result = await session.execute(select(ApiToken).where(ApiToken.token_hash == token_hash))
    return result.scalar_one_or_none()


async def list_tokens(session: AsyncSession, user_id: int) -> list[ApiToken]:
    result = await session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    )
    return list(result.scalars())


def add_user(session: AsyncSession, user: User) -> None:
    session.add(user)


async def touch_token(
    session: AsyncSession, token_id: int, now: datetime, older_than: datetime
) -> None:
    """One statement, so concurrent callers simply queue for the write lock."""
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < older_than),
        )
        .values(last_used_at=now)
    )
