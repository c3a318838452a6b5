"""iCalendar (RFC 5545) text for the read-only calendar feed, written by hand.

Only what a phone calendar needs: a VCALENDAR of VEVENTs (or VTODOs), times in UTC,
all-day entries as DATE values, TEXT escaped (section 3.3.11) and content lines folded at
75 octets without splitting a UTF-8 character (section 3.1), CRLF line ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PRODUCT_ID = "-//KOMPAS//Organizer//RU"
MAX_LINE_OCTETS = 75
#: How often subscribers are asked to fetch the feed again (RFC 7986 REFRESH-INTERVAL).
REFRESH = "PT15M"


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of the feed. `start` is a moment (UTC) or a day (all-day entry); `end`
    follows the same kind (a day: the day after, as RFC 5545 wants for DTEND)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    description: str = ""
    url: str | None = None
    status: str = "CONFIRMED"
    modified: datetime | None = None
    todo: bool = False


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line split into lines of at most 75 octets, each continuation starting
    with one space; a multi-octet UTF-8 character is never cut in two."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = MAX_LINE_OCTETS - 1  # the leading space of a continuation counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"{name}:{_utc(value)}"
    return f"{name};VALUE=DATE:{value.strftime('%Y%m%d')}"


def _entry_lines(entry: Entry, stamp: datetime) -> list[str]:
    component = "VTODO" if entry.todo else "VEVENT"
    lines = [f"BEGIN:{component}", f"UID:{escape_text(entry.uid)}", f"DTSTAMP:{_utc(stamp)}"]
    if entry.todo:
        lines.append(_when("DUE", entry.start))
    else:
        lines.append(_when("DTSTART", entry.start))
        lines.append(_when("DTEND", entry.end))
    lines.append(f"SUMMARY:{escape_text(entry.summary)}")
    if entry.description:
        lines.append(f"DESCRIPTION:{escape_text(entry.description)}")
    if entry.url:
        lines.append(f"URL:{entry.url}")
    lines.append(f"STATUS:{entry.status}")
    if entry.modified is not None:
        lines.append(f"LAST-MODIFIED:{_utc(entry.modified)}")
    lines.append(f"END:{component}")
    return lines


def calendar(name: str, entries: Iterable[Entry], stamp: datetime) -> str:
    """The whole feed as text (CRLF line ends, folded lines)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    for entry in entries:
        lines.extend(_entry_lines(entry, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def next_day(day: date) -> date:
    return day + timedelta(days=1)
