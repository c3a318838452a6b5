"""Facts about users and their credentials, published after commit."""

from __future__ import annotations

from dataclasses import dataclass

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class CredentialsChanged(Event):
    """A user's password, role, active flag or API tokens changed: cached logins are stale."""

    user_id: int
