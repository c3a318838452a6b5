"""Facts about calls, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class CallEnded(Event):
    """A finished call entered the call log (once per call, however often it was reported).

    `caller` and `callee` are E.164 numbers for outside parties, extensions otherwise;
    `client_id` is the client matched by the outside party's number, `operator_id` the
    user who answered (or, for an outbound call, who dialled).
    """

    call_id: int
    linkedid: str
    direction: str
    disposition: str
    caller: str | None
    callee: str | None
    client_id: int | None
    operator_id: int | None
    queue: str | None
    started_at: datetime
    ended_at: datetime
    talk_seconds: int


@dataclass(frozen=True, slots=True)
class CallMissed(Event):
    """An inbound call ended without anybody answering it (no answer, busy or abandoned):
    somebody should call back."""

    call_id: int
    linkedid: str
    disposition: str
    caller: str | None
    callee: str | None
    client_id: int | None
    queue: str | None
    started_at: datetime
    voicemail: bool
