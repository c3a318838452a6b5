"""The record of one finished call, as the call tracker hands it over: plain values only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["CallRecord", "Direction", "Disposition", "Leg", "Transfer", "TransferKind"]

Direction = Literal["inbound", "outbound", "internal"]
Disposition = Literal["answered", "no_answer", "busy", "abandoned", "failed"]
TransferKind = Literal["blind", "attended"]


@dataclass(frozen=True, slots=True)
class Leg:
    """Two parties connected from `started_at` to `ended_at` (hold included).

    A party is an extension ("101") or an outside number; None when Asterisk did not say.
    `party_a` is the caller's side when the caller is in the leg, else the older channel.
    """

    party_a: str | None
    party_b: str | None
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class Transfer:
    """`from_party` handed the call to `to_party` (an extension, a number, or an application)."""

    kind: TransferKind
    from_party: str | None
    to_party: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class CallRecord:
    """Everything that shared one Linkedid (or a channel with it), from first ring to last hangup.

    `callee` is the dialled DID for inbound calls and the dialled number for outbound ones.
    `answered_by` is the extension whose channel first connected with the caller (None for
    outbound calls, where the outside party answers). Durations are whole seconds:
    `ring_seconds` until a person answered (or ringing stopped), `wait_seconds` in a queue
    until connected or abandoned (None without a queue), `talk_seconds` while any two
    parties were connected, `hold_seconds` while anyone held. `hangup_by` is the party whose
    side hung up first; `trunk` the trunk device used; `incomplete` says some events were
    missed (AMI outage, a call that went silent, a call seen from the middle).
    """

    linkedid: str
    direction: Direction
    caller: str | None
    callee: str | None
    queue: str | None
    answered_by: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    ring_seconds: int
    wait_seconds: int | None
    talk_seconds: int
    hold_seconds: int
    disposition: Disposition
    voicemail: bool
    hangup_by: str | None
    transfers: tuple[Transfer, ...]
    legs: tuple[Leg, ...]
    trunk: str | None
    incomplete: bool
