"""Who is on a channel: a trunk to the outside, an office extension, or Asterisk plumbing.

Asterisk names channels `<technology>/<resource>-<sequence>` (`PJSIP/101-0000001a`,
`PJSIP/trunk-00000007`) and Local channels `Local/<exten>@<context>-<sequence>;1` and `;2`.
Trunks are recognised by fnmatch patterns from the settings (`PJSIP/trunk-*`); an extension
is, by default, the resource part of any other person-facing channel. Local, Snoop,
Announcer and similar channels carry no person and never count as a party of a call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

__all__ = [
    "ChannelClassifier",
    "ChannelKind",
    "ExtensionRule",
    "Party",
    "device_of",
    "dialled_number",
    "extension_from_channel",
    "local_partner_name",
]

ChannelKind = Literal["trunk", "extension", "local", "other"]
ExtensionRule = Callable[[str], str | None] | Mapping[str, str]

#: Technologies whose channels are Asterisk's own machinery, not a phone or a line.
NON_PARTY_TECHNOLOGIES = frozenset(
    {
        "local",
        "announcer",
        "recorder",
        "snoop",
        "cbann",
        "cbrec",
        "bridge",
        "message",
        "unicastrtp",
        "multicastrtp",
    }
)

_DIALLED = re.compile(r"\+?[0-9*#]+")
_URI_SCHEMES = ("sip:", "sips:", "tel:")


@dataclass(frozen=True, slots=True)
class Party:
    """What a channel name tells: its kind, the extension or the trunk it belongs to.

    `extension` is None for a phone that the extension rule does not know.
    """

    kind: ChannelKind
    extension: str | None = None
    trunk: str | None = None


def device_of(name: str) -> str:
    """The channel name without its `-<sequence>` tail: `PJSIP/101-0000001a` -> `PJSIP/101`."""
    tech, slash, rest = name.partition("/")
    if not slash or "-" not in rest:
        return name
    return f"{tech}/{rest.rsplit('-', 1)[0]}"


def extension_from_channel(name: str) -> str | None:
    """The default extension rule: the resource part of a person-facing channel name."""
    tech, slash, rest = name.partition("/")
    if not slash or tech.lower() in NON_PARTY_TECHNOLOGIES or ";" in rest:
        return None
    resource = rest.rsplit("-", 1)[0] if "-" in rest else rest
    return resource or None


def local_partner_name(name: str) -> str | None:
    """The other half of a Local channel: `...;1` <-> `...;2`, None for other channels."""
    if not name.lower().startswith("local/"):
        return None
    if name.endswith(";1"):
        return name[:-1] + "2"
    if name.endswith(";2"):
        return name[:-1] + "1"
    return None


def dialled_number(dial_string: str | None) -> str | None:
    """The number in a Dial() resource (`89161234567@trunk`, `trunk/sip:+7916...@host`)."""
    if dial_string is None:
        return None
    resource = dial_string.strip().rsplit("/", 1)[-1]
    for scheme in _URI_SCHEMES:
        if resource.lower().startswith(scheme):
            resource = resource[len(scheme) :]
    number = resource.split("@", 1)[0]
    return number if _DIALLED.fullmatch(number) else None


class ChannelClassifier:
    """Tells trunk, extension and plumbing channels apart, by the rules in the settings.

    `extension_of` is either a function of the channel name or a mapping from device names
    (`PJSIP/anna-phone`) to extensions; without it, `extension_from_channel` applies.
    """

    def __init__(
        self, trunk_patterns: Iterable[str] = (), extension_of: ExtensionRule | None = None
    ) -> None:
        self._trunk_patterns = tuple(pattern.lower() for pattern in trunk_patterns)
        self._extension_of = extension_of

    def classify(self, name: str) -> Party:
        lowered = name.lower()
        if lowered.startswith("local/"):
            return Party("local")
        if any(fnmatchcase(lowered, pattern) for pattern in self._trunk_patterns):
            return Party("trunk", trunk=device_of(name))
        extension = self._extension(name)
        if extension:
            return Party("extension", extension=extension)
        # A phone the rule cannot name is still a person: its calls must count as answered.
        return Party("extension") if extension_from_channel(name) else Party("other")

    def _extension(self, name: str) -> str | None:
        rule = self._extension_of
        if rule is None:
            return extension_from_channel(name)
        if isinstance(rule, Mapping):
            return rule.get(device_of(name))
        return rule(name)
