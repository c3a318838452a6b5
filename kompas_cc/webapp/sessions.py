"""Signed session cookies (HMAC-SHA256): who is logged in, the CSRF nonce, flash messages.

The cookie holds no secret: it is signed, not encrypted. A tampered or expired cookie is
treated as no session at all. Logging out everywhere is done by bumping the user's
session_version, which every request checks against the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE_NAME = "kompas_session"


@dataclass(slots=True)
class Session:
    user_id: int | None = None
    version: int = 0
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    issued_at: int = field(default_factory=lambda: int(time.time()))
    locale: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)
    changed: bool = False

    def login(self, user_id: int, version: int) -> None:
        self.user_id = user_id
        self.version = version
        self.csrf = secrets.token_urlsafe(18)
        self.issued_at = int(time.time())
        self.changed = True

    def logout(self) -> None:
        self.user_id = None
        self.version = 0
        self.csrf = secrets.token_urlsafe(18)
        self.changed = True

    def flash(self, message: str, category: str = "info") -> None:
        self.flashes.append((category, message))
        self.changed = True

    def pop_flashes(self) -> list[tuple[str, str]]:
        flashes, self.flashes = self.flashes, []
        if flashes:
            self.changed = True
        return flashes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def encode_session(session: Session, secret: bytes) -> str:
    data: dict[str, Any] = {"c": session.csrf, "t": session.issued_at}
    if session.user_id is not None:
        data["u"] = session.user_id
        data["v"] = session.version
    if session.locale:
        data["l"] = session.locale
    if session.flashes:
        data["f"] = session.flashes
    payload = _b64(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_sign(secret, payload)}"


def decode_session(value: str | None, secret: bytes, max_age_s: int, now_s: float) -> Session:
    """A valid cookie gives its session; anything else gives a fresh anonymous one."""
    fresh = Session(changed=True)
    if not value or "." not in value:
        return fresh
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(secret, payload)):
        return fresh
    try:
        data = json.loads(_unb64(payload))
        session = Session(
            user_id=int(data["u"]) if "u" in data else None,
            version=int(data.get("v", 0)),
            csrf=str(data["c"]),
            issued_at=int(data["t"]),
            locale=str(data["l"]) if "l" in data else None,
            flashes=[(str(c), str(m)) for c, m in data.get("f", [])],
        )
    except (ValueError, KeyError, TypeError):
        return fresh
    if session.user_id is not None and now_s - session.issued_at > max_age_s:
        return fresh
    return session
