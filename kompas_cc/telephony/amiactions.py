"""The AMI actions KOMPAS sends, as header mappings for `AmiConnection.send_action`.

Pure builders: they choose the headers Asterisk's manager.c expects and nothing else. No
ActionID here: the connection gives every action its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ORIGINATE_RING_S",
    "atxfer",
    "blind_transfer",
    "checked",
    "hangup",
    "originate",
    "ping",
    "redirect",
]

#: Originate rings the operator's phone this long before giving up.
ORIGINATE_RING_S = 30.0

_HEADER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

Action = dict[str, str]


def checked(action: Mapping[str, str]) -> Action:
    """The headers of `action`, safe to write: one line each, and any ActionID left out.

    A CR or LF inside a value would end the header (or the whole action) early and let the
    rest pass as headers or actions of its own, so it is refused, not cleaned.
    """
    headers: Action = {}
    for name, value in action.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"not an AMI header name: {name!r}")
        if "\r" in value or "\n" in value:
            raise ValueError(f"the AMI header {name} must be a single line")
        if name.lower() != "actionid":
            headers[name] = value
    if not headers.get("Action"):
        raise ValueError("an AMI action needs its Action header")
    return headers


def ping() -> Action:
    return {"Action": "Ping"}


def originate(
    *,
    channel: str,
    exten: str,
    context: str,
    caller_id: str | None = None,
    variables: Mapping[str, str] | None = None,
    ring_s: float = ORIGINATE_RING_S,
) -> Action:
    """Ring `channel` (an operator's phone, `PJSIP/101`); once answered, dial exten@context.

    Asynchronous: Asterisk answers at once that the call is queued, and reports its outcome
    later in an OriginateResponse event carrying the same ActionID. A synchronous Originate
    would hold the answer until the phone is answered, up to `ring_s`.
    """
    action = {
        "Action": "Originate",
        "Channel": channel,
        "Context": context,
        "Exten": exten,
        "Priority": "1",
        "Timeout": str(int(ring_s * 1000)),
        "Async": "true",
    }
    if caller_id:
        action["CallerID"] = caller_id
    if variables:
        action["Variable"] = ",".join(f"{name}={value}" for name, value in variables.items())
    return action


def redirect(*, channel: str, exten: str, context: str, extra_channel: str | None = None) -> Action:
    """Send `channel` (and `extra_channel`, its partner, when given) to exten@context."""
    action = {
        "Action": "Redirect",
        "Channel": channel,
        "Exten": exten,
        "Context": context,
        "Priority": "1",
    }
    if extra_channel:
        action["ExtraChannel"] = extra_channel
        action["ExtraExten"] = exten
        action["ExtraContext"] = context
        action["ExtraPriority"] = "1"
    return action


def blind_transfer(*, channel: str, exten: str, context: str | None = None) -> Action:
    """Transfer the party bridged with `channel` to `exten` without consulting first."""
    action = {"Action": "BlindTransfer", "Channel": channel, "Exten": exten}
    if context:
        action["Context"] = context
    return action


def atxfer(*, channel: str, exten: str, context: str | None = None) -> Action:
    """Start an attended transfer: `channel` consults `exten` first, as the phone's feature."""
    action = {"Action": "Atxfer", "Channel": channel, "Exten": exten}
    if context:
        action["Context"] = context
    return action


def hangup(*, channel: str, cause: int | None = None) -> Action:
    """Hang `channel` up; `cause` is a Q.850 code (16 normal clearing by default)."""
    action = {"Action": "Hangup", "Channel": channel}
    if cause is not None:
        action["Cause"] = str(cause)
    return action
