"""The AMI link in plain values: its configuration, status, events and errors.

`telephony/ami.py` is the only module that talks to panoramisk; everything the rest of
KOMPAS needs from it (what to subscribe to, what to catch, what a health page shows) is
here, free of I/O libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from kompas_cc.core.errors import KompasError
from kompas_cc.core.events import Event
from kompas_cc.settings import Settings
from kompas_cc.telephony.amievents import CoreShowChannel

__all__ = [
    "AMI_ACTION_TIMEOUT_S",
    "AMI_BACKOFF_INITIAL_S",
    "AMI_BACKOFF_MAX_S",
    "AMI_CONNECT_TIMEOUT_S",
    "AMI_LOGIN_TIMEOUT_S",
    "AMI_PING_INTERVAL_S",
    "AmiActionFailed",
    "AmiChannelsListed",
    "AmiConfig",
    "AmiConnectionDropped",
    "AmiConnectionLost",
    "AmiNoAnswer",
    "AmiReply",
    "AmiState",
    "AmiStatus",
    "AmiUnavailable",
    "backoff_delay",
]

AMI_CONNECT_TIMEOUT_S = 10.0
#: For the login answer, and then for FullyBooted.
AMI_LOGIN_TIMEOUT_S = 10.0
AMI_ACTION_TIMEOUT_S = 10.0
#: A Ping goes out this often; one left unanswered for AMI_ACTION_TIMEOUT_S ends the link.
AMI_PING_INTERVAL_S = 20.0
AMI_BACKOFF_INITIAL_S = 1.0
AMI_BACKOFF_MAX_S = 60.0
#: Beyond 2**30 the delay is capped anyway; the bound keeps the arithmetic in floats.
_MAX_DOUBLINGS = 30

AmiState = Literal["idle", "connecting", "connected", "retrying", "auth_failed", "closed"]


@dataclass(frozen=True, slots=True)
class AmiConfig:
    """Where and how to reach Asterisk's manager interface; times are in seconds."""

    host: str
    port: int
    username: str
    secret: str = field(repr=False)
    connect_timeout_s: float = AMI_CONNECT_TIMEOUT_S
    login_timeout_s: float = AMI_LOGIN_TIMEOUT_S
    action_timeout_s: float = AMI_ACTION_TIMEOUT_S
    ping_interval_s: float = AMI_PING_INTERVAL_S
    backoff_initial_s: float = AMI_BACKOFF_INITIAL_S
    backoff_max_s: float = AMI_BACKOFF_MAX_S

    @classmethod
    def from_settings(cls, settings: Settings) -> AmiConfig:
        return cls(
            host=settings.ami_host,
            port=settings.ami_port,
            username=settings.ami_username,
            secret=settings.ami_secret,
        )


def backoff_delay(failures: int, initial_s: float, max_s: float) -> float:
    """Seconds to wait after `failures` failed attempts in a row: doubling, capped at max_s."""
    if failures <= 0:
        return 0.0
    return min(max_s, initial_s * 2.0 ** min(failures - 1, _MAX_DOUBLINGS))


@dataclass(frozen=True, slots=True)
class AmiStatus:
    """A snapshot of the link for a health page.

    `since` is when the current state began (for "connected": since when). `reconnects`
    counts the times the link came back after it had been lost; `events_received` counts
    every event message, including those KOMPAS does not use; `frames_skipped` counts
    malformed frames and frames cut by a dropped connection.
    """

    state: AmiState
    since: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    reconnects: int
    events_received: int
    frames_skipped: int

    @property
    def connected(self) -> bool:
        return self.state == "connected"


@dataclass(frozen=True, slots=True)
class AmiReply:
    """Asterisk's answer to one action; `headers` holds the first value of each header."""

    action_id: str
    response: str
    message: str
    headers: dict[str, str]


# -- events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AmiConnectionLost(Event):
    """The AMI connection dropped at `at`: calls in progress may miss events from here on."""

    at: datetime


@dataclass(frozen=True, slots=True)
class AmiChannelsListed(Event):
    """After each login, the channels alive at `at` (CoreShowChannels), to resync calls."""

    at: datetime
    channels: tuple[CoreShowChannel, ...]


# -- errors ------------------------------------------------------------------------------


class AmiUnavailable(KompasError):
    """No logged-in AMI connection came up within the action's time (or AMI is off)."""

    error_id = "ami-unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__("The telephone exchange is not connected")


class AmiConnectionDropped(KompasError):
    """The connection dropped after the action was sent and before Asterisk answered.

    Asterisk may or may not have carried it out; it is never sent again by itself (a second
    Originate would ring a second time), so the caller decides.
    """

    error_id = "ami-connection-lost"
    status = 503

    def __init__(self) -> None:
        super().__init__("The connection to the telephone exchange was lost before it answered")


class AmiNoAnswer(KompasError):
    """Asterisk did not answer the action in time; it is not sent again."""

    error_id = "ami-timeout"
    status = 504

    def __init__(self) -> None:
        super().__init__("The telephone exchange did not answer in time")


class AmiActionFailed(KompasError):
    """Asterisk answered the action with an error; its own words are in `reason`."""

    error_id = "ami-action-failed"
    status = 502

    def __init__(self, *, action: str, reason: str) -> None:
        super().__init__("The telephone exchange refused the request", fields={"asterisk": reason})
        self.action = action
        self.reason = reason
