"""Who is asking: the plain value every service receives instead of a request or an ORM user."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    OPERATOR = "operator"
    DEALER = "dealer"


ALL_ROLES: frozenset[Role] = frozenset(Role)
STAFF_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.MANAGER, Role.OPERATOR})


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    login: str
    name: str
    role: Role
    locale: str = "ru"
    timezone: str = "Europe/Moscow"

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
