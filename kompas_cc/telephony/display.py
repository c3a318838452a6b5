"""How call parties and durations read to people, in the log, its exports and the timeline."""

from __future__ import annotations

from kompas_cc.core.phone import InvalidPhone, format_phone


def format_duration(seconds: int | None) -> str:
    """Whole seconds as m:ss ("1:35", "62:05"); empty when unknown."""
    if seconds is None:
        return ""
    minutes, rest = divmod(max(seconds, 0), 60)
    return f"{minutes}:{rest:02d}"


def format_party(party: str | None, region: str = "RU") -> str:
    """An E.164 number as the clients pages show it ("+7 (916) 123-45-67"); an extension,
    or anything else Asterisk named, as it is."""
    if not party:
        return ""
    if not party.startswith("+"):
        return party
    try:
        return format_phone(party, region)
    except InvalidPhone:
        return party
