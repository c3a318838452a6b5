"""argon2id password hashing."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def configure_hashing(*, time_cost: int, memory_cost_kib: int) -> None:
    """Change the cost of new hashes (old hashes keep verifying with their own parameters).

    The test suite lowers the cost, as Django's test settings do, because every
    fixture user would otherwise cost 0.15 s of CPU.
    """
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)


MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def verify_nothing(password: str) -> None:
    """Spend the time a real check takes, so the answer does not tell which logins exist."""
    verify_password(_dummy_hash(), password)


def _dummy_hash() -> str:
    global _dummy
    if _dummy is None or needs_rehash(_dummy):
        _dummy = _hasher.hash("no such user: timing equaliser")
    return _dummy


_dummy: str | None = None
