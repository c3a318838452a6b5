"""Use cases of users: create, edit, authenticate with lock-out, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from kompas_cc.core.validation import validate_model
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.staff import repo
from kompas_cc.staff.events import CredentialsChanged
from kompas_cc.staff.models import ApiToken, User
from kompas_cc.staff.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_nothing,
    verify_password,
)
from kompas_cc.staff.schemas import TokenOut, UserIn, UserOut

TOKEN_PREFIX_LEN = 8


class NoSuchUser(NotFound):
    error_id = "no-such-user"


class LoginTaken(Conflict):
    error_id = "login-taken"


class BadCredentials(NotAuthenticated):
    error_id = "bad-credentials"


class AccountLocked(NotAuthenticated):
    error_id = "account-locked"


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=5)


def to_actor(user: User) -> Actor:
    return Actor(
        id=user.id,
        login=user.login,
        name=user.name,
        role=Role(user.role),
        locale=user.locale,
        timezone=user.timezone,
    )


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        login=user.login,
        name=user.name,
        email=user.email,
        role=Role(user.role),
        extension=user.extension,
        timezone=user.timezone,
        locale=user.locale,
        is_active=user.is_active,
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters",
            fields={"password": f"at least {MIN_PASSWORD_LENGTH} characters"},
        )


def parse_user(data: dict[str, object]) -> UserIn:
    user = validate_model(UserIn, data, "The user")
    try:
        ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            "Unknown time zone", fields={"timezone": "unknown time zone"}
        ) from None
    return user


async def create_user(
    uow: UnitOfWork,
    data: UserIn,
    password: str,
    now: datetime,
    *,
    password_hash: str | None = None,
) -> UserOut:
    """Create a user. `password_hash`, when given, is the hash of `password` computed once
    for several users who share it (the demo's accounts), since hashing costs 0.15 s."""
    _check_password(password)
    if await repo.find_user_by_login(uow.session, data.login):
        raise LoginTaken(f"The login {data.login!r} is taken", fields={"login": "taken"})
    user = User(
        login=data.login,
        name=data.name,
        email=data.email or None,
        role=data.role.value,
        extension=data.extension or None,
        timezone=data.timezone,
        locale=data.locale,
        is_active=data.is_active,
        password_hash=password_hash or hash_password(password),
        session_version=1,
        failed_logins=0,
        created_at=now,
    )
    repo.add_user(uow.session, user)
    await uow.session.flush()
    return _user_out(user)


async def update_user(uow: UnitOfWork, user_id: int, data: UserIn) -> UserOut:
    user = await _require(uow, user_id)
    other = await repo.find_user_by_login(uow.session, data.login)
    if other is not None and other.id != user_id:
        raise LoginTaken(f"The login {data.login!r} is taken", fields={"login": "taken"})
    user.login = data.login
    user.name = data.name
    user.email = data.email or None
    user.role = data.role.value
    user.extension = data.extension or None
    user.timezone = data.timezone
    user.locale = data.locale
    if user.is_active and not data.is_active:
        user.session_version += 1
    user.is_active = data.is_active
    uow.emit(CredentialsChanged(user.id))
    return _user_out(user)


async def set_password(uow: UnitOfWork, user_id: int, password: str) -> None:
    _check_password(password)
    user = await _require(uow, user_id)
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    uow.emit(CredentialsChanged(user.id))


async def set_preferences(uow: UnitOfWork, user_id: int, *, locale: str, timezone: str) -> None:
    user = await _require(uow, user_id)
    if locale not in ("ru", "en"):
        raise ValidationFailed("Unknown language", fields={"locale": "ru or en"})
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("Unknown time zone", fields={"timezone": "unknown"}) from None
    user.locale = locale
    user.timezone = timezone


async def _require(uow: UnitOfWork, user_id: int) -> User:
    user = await repo.get_user(uow.session, user_id)
    if user is None:
        raise NoSuchUser(f"No user with id {user_id}")
    return user


async def get_user(uow: UnitOfWork, user_id: int) -> UserOut:
    return _user_out(await _require(uow, user_id))


async def list_users(uow: UnitOfWork) -> list[UserOut]:
    return [_user_out(u) for u in await repo.list_users(uow.session)]


async def count_users(uow: UnitOfWork) -> int:
    return await repo.count_users(uow.session)


async def authenticate(
    uow: UnitOfWork, login: str, password: str, now: datetime, policy: LoginPolicy
) -> tuple[Actor, int]:
    """Check a login and password; give the actor and its session version.

    Repeated failures lock the account for a while. The failure counter must be committed
    even though the login fails, so callers catch the error inside the unit of work.
    """
    user = await repo.find_user_by_login(uow.session, login)
    if user is None or not user.is_active:
        verify_nothing(password)
        raise BadCredentials("Wrong login or password")
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked("Too many failed attempts; try again later")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= policy.max_failures:
            user.locked_until = now + policy.lockout
            user.failed_logins = 0
        raise BadCredentials("Wrong login or password")
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return to_actor(user), user.session_version


async def actor_for_session(uow: UnitOfWork, user_id: int, session_version: int) -> Actor | None:
    user = await repo.get_user(uow.session, user_id)
    if user is None or not user.is_active or user.session_version != session_version:
        return None
    return to_actor(user)


async def session_version(uow: UnitOfWork, user_id: int) -> int:
    return (await _require(uow, user_id)).session_version


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(uow: UnitOfWork, actor: Actor, name: str, now: datetime) -> str:
    token = "kmp_" + secrets.token_urlsafe(32)
    uow.session.add(
        ApiToken(
            user_id=actor.id,
            name=name.strip() or "API",
            token_hash=_hash_token(token),
            prefix=token[: TOKEN_PREFIX_LEN + 4],
            created_at=now,
        )
    )
    return token


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """Whose API token this is; `stale_use` when its "last used" mark is over a minute old."""

    actor: Actor
    token_id: int
    stale_use: bool


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


async def owner_of_token(uow: UnitOfWork, token: str, now: datetime) -> TokenOwner | None:
    """Read only: the hot path of every API call must not take a write lock."""
    row = await repo.find_token_by_hash(uow.session, _hash_token(token))
    if row is None or row.revoked_at is not None:
        return None
    user = await repo.get_user(uow.session, row.user_id)
    if user is None or not user.is_active:
        return None
    stale = row.last_used_at is None or now - row.last_used_at > TOKEN_USE_RESOLUTION
    return TokenOwner(actor=to_actor(user), token_id=row.id, stale_use=stale)


async def mark_token_used(uow: UnitOfWork, token_id: int, now: datetime) -> None:
    await repo.touch_token(uow.session, token_id, now, now - TOKEN_USE_RESOLUTION)


async def list_tokens(uow: UnitOfWork, actor: Actor) -> list[TokenOut]:
    return [
        TokenOut(
            id=t.id,
            name=t.name,
            prefix=t.prefix,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )
        for t in await repo.list_tokens(uow.session, actor.id)
    ]


async def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int, now: datetime) -> None:
    row = await uow.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No token with id {token_id}")
    if row.user_id != actor.id and not actor.is_admin:
        raise Forbidden("This token belongs to another user")
    if row.revoked_at is None:
        row.revoked_at = now
        uow.emit(CredentialsChanged(row.user_id))


async def users_by_extension(uow: UnitOfWork) -> dict[str, int]:
    """Active users by their phone extension; the oldest account wins an extension two share."""
    found: dict[str, int] = {}
    for user in sorted(await repo.list_users(uow.session), key=lambda u: u.id, reverse=True):
        if user.is_active and user.extension:
            found[user.extension] = user.id
    return found


async def find_user_id(uow: UnitOfWork, login: str) -> int | None:
    user = await repo.find_user_by_login(uow.session, login)
    return user.id if user else None
