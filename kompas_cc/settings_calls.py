"""The part of the settings that turns calls into clients and tasks.

`callback_targets` names who calls back the missed calls of a queue or of a dialled number
(DID) when the caller has no responsible manager. It is written the same way in the TOML
file and in one environment variable, as `KEY=LOGIN,LOGIN` items: a list in the file
(`callback_targets = ["support=anna,boris", "+74951234567=maria"]`), items separated by `;`
in `KOMPAS_CALLBACK_TARGETS` (`support=anna,boris;+74951234567=maria`), since the logins of
one item are already separated by commas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "MAX_CALLBACK_DUE_MINUTES",
    "CallbackTarget",
    "UnknownCaller",
    "calls_problems",
    "parse_callback_targets",
]

UnknownCaller = Literal["lead", "nothing"]
UNKNOWN_CALLER_CHOICES: tuple[str, ...] = get_args(UnknownCaller)
#: A callback may be due at most a week after the missed call.
MAX_CALLBACK_DUE_MINUTES = 7 * 24 * 60
#: A queue name, or a number in any form ("+7 (495) 123-45-67").
_KEY = re.compile(r"[^,;=]+")
_LOGIN = re.compile(r"[^\s,;=]+")


@dataclass(frozen=True, slots=True)
class CallbackTarget:
    """Missed calls that waited in queue `key`, or dialled the number `key`, are called back
    by the users with these logins (the first one is responsible for the task)."""

    key: str
    logins: tuple[str, ...]


def _target(item: str) -> CallbackTarget:
    key, equals, logins = (part.strip() for part in item.partition("="))
    if not equals:
        raise ValueError(
            f"callback target {item!r} lacks its users: write KEY=LOGIN,LOGIN, "
            "for example support=anna,boris"
        )
    if not _KEY.fullmatch(key):
        raise ValueError(
            f"callback target {item!r}: name the queue or number before '=', without ',' or ';'"
        )
    names = tuple(name.strip() for name in logins.split(",") if name.strip())
    if not names or not all(_LOGIN.fullmatch(name) for name in names):
        raise ValueError(f"callback target {item!r}: name the users by their logins after '='")
    return CallbackTarget(key, names)


def parse_callback_targets(raw: object) -> tuple[CallbackTarget, ...]:
    """Targets from a list of `KEY=LOGIN,LOGIN` strings or from one `;`-separated string."""
    if isinstance(raw, str):
        items = [part for part in raw.split(";") if part.strip()]
    elif isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
        items = [item for item in raw if item.strip()]
    else:
        raise ValueError(
            'callback_targets must be a list of "KEY=LOGIN,LOGIN" strings, '
            'for example ["support=anna,boris"]'
        )
    targets = tuple(_target(item.strip()) for item in items)
    keys = [target.key for target in targets]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"callback target {key!r} is given twice")
    return targets


def calls_problems(*, unknown_caller: str, callback_due_minutes: int) -> list[str]:
    """What stops these settings from working, one sentence per problem, naming the key."""
    problems: list[str] = []
    if unknown_caller not in UNKNOWN_CALLER_CHOICES:
        problems.append(
            f"setting 'calls_unknown_caller' must be 'lead' or 'nothing', got {unknown_caller!r}"
        )
    if not 1 <= callback_due_minutes <= MAX_CALLBACK_DUE_MINUTES:
        problems.append(
            f"setting 'callback_due_minutes' must be from 1 to {MAX_CALLBACK_DUE_MINUTES}, "
            f"got {callback_due_minutes}"
        )
    return problems
