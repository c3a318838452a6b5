"""The telephony part of the settings: trunk lines, and the checks made when AMI is on.

Trunks are written the same way in the TOML file and in one environment variable, as
`PATTERN=LINES` items: a list in the file (`trunks = ["PJSIP/trunk-*=30"]`), a comma-separated
string in `KOMPAS_TRUNKS` (`PJSIP/trunk-*=30,PJSIP/mts-*=15`). A pattern is an fnmatch pattern
of channel names; LINES is how many calls the trunk carries at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_TRUNK_LINES", "Trunk", "ami_problems", "parse_trunks"]

MAX_TRUNK_LINES = 100_000
#: A dialplan context name: no blanks, and none of the separators of dialplan arguments.
_CONTEXT = re.compile(r"[^\s,|;()\[\]]+")
_PATTERN = re.compile(r"[^\s,=]+")


@dataclass(frozen=True, slots=True)
class Trunk:
    """Channels whose names match `pattern` belong to a trunk of `lines` simultaneous calls."""

    pattern: str
    lines: int


def _trunk(item: str) -> Trunk:
    pattern, equals, lines = (part.strip() for part in item.partition("="))
    if not equals:
        raise ValueError(
            f"trunk {item!r} lacks its number of lines: write PATTERN=LINES, "
            "for example PJSIP/trunk-*=30"
        )
    if not _PATTERN.fullmatch(pattern):
        raise ValueError(f"trunk {item!r}: the pattern must be one word without ',' or '='")
    if not lines.isdigit() or not 1 <= int(lines) <= MAX_TRUNK_LINES:
        raise ValueError(
            f"trunk {item!r}: the number of lines must be a whole number "
            f"from 1 to {MAX_TRUNK_LINES}"
        )
    return Trunk(pattern, int(lines))


def parse_trunks(raw: object) -> tuple[Trunk, ...]:
    """Trunks from a list of `PATTERN=LINES` strings or from one comma-separated string."""
    if isinstance(raw, str):
        items = [part for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
        items = list(raw)
    else:
        raise ValueError(
            'trunks must be a list of "PATTERN=LINES" strings, for example ["PJSIP/trunk-*=30"]'
        )
    trunks = tuple(_trunk(item.strip()) for item in items)
    patterns = [trunk.pattern for trunk in trunks]
    for pattern in patterns:
        if patterns.count(pattern) > 1:
            raise ValueError(f"trunk pattern {pattern!r} is given twice")
    return trunks


def ami_problems(
    *,
    enabled: bool,
    host: str,
    port: int,
    username: str,
    secret: str,
    originate_context: str,
) -> list[str]:
    """What stops the AMI settings from working, one sentence per problem, naming the key."""
    problems: list[str] = []
    if not 1 <= port <= 65535:
        problems.append(f"setting 'ami_port' must be from 1 to 65535, got {port}")
    if not _CONTEXT.fullmatch(originate_context):
        problems.append(
            "setting 'originate_context' must be a dialplan context name, "
            f"got {originate_context!r}"
        )
    if not enabled:
        return problems
    if not host.strip():
        problems.append("setting 'ami_enabled' is true but 'ami_host' is empty")
    if not username.strip():
        problems.append("setting 'ami_username' is empty: name the user of manager.conf")
    if not secret:
        problems.append(
            "setting 'ami_secret' is empty: set KOMPAS_AMI_SECRET to the secret of the "
            "manager.conf user"
        )
    return problems
