"""Shapes of user-related requests and answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kompas_cc.core.actor import Role


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    login: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$")
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    role: Role
    extension: str | None = Field(default=None, max_length=32, pattern=r"^[0-9*#]*$")
    timezone: str = "Europe/Moscow"
    locale: str = Field(default="ru", pattern=r"^(ru|en)$")
    is_active: bool = True


class UserOut(BaseModel):
    id: int
    login: str
    name: str
    email: str | None
    role: Role
    extension: str | None
    timezone: str
    locale: str
    is_active: bool


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(default="API", max_length=100)


class TokenIssued(BaseModel):
    token: str


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
