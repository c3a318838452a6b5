"""The AMI wire format: "Key: Value" lines ending in CRLF, a blank line ending each message.

Bytes are kept until a whole line has arrived and only then decoded, so a UTF-8 letter split
between two TCP reads survives. Limits follow Asterisk's manager: a line longer than its 1 KiB
input buffer is dropped, a message of more than 128 lines is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["MAX_HEADERS", "MAX_LINE_BYTES", "Frame", "FrameReader", "encode_frame"]

MAX_LINE_BYTES = 1024
MAX_HEADERS = 128

Header = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Frame:
    """One received message; header names are matched without regard to case, as Asterisk does."""

    headers: tuple[Header, ...]
    too_many_lines: bool = False

    def get(self, key: str, default: str = "") -> str:
        wanted = key.lower()
        return next((value for name, value in self.headers if name.lower() == wanted), default)

    def as_dict(self) -> dict[str, str]:
        """Headers by name; of a repeated header (Variable) the last one wins."""
        return dict(self.headers)


def _parse_line(raw: bytes) -> Header | None:
    line = raw.decode("utf-8", errors="replace")
    name, colon, value = line.partition(":")
    if not colon or not name.strip():
        return None
    return name.strip(), value.strip()


class FrameReader:
    """Turns a stream of byte chunks into frames; never raises on garbage."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self._lines: list[bytes] = []
        self._overflow = False
        self.dropped_lines = 0

    def feed(self, data: bytes) -> list[Frame]:
        self._pending.extend(data)
        frames: list[Frame] = []
        start = 0
        while (newline := self._pending.find(b"\n", start)) >= 0:
            line = bytes(self._pending[start:newline]).rstrip(b"\r")
            start = newline + 1
            if not line:
                frames.append(self._finish())
            elif len(line) > MAX_LINE_BYTES:
                self.dropped_lines += 1
            elif len(self._lines) >= MAX_HEADERS:
                self._overflow = True
            else:
                self._lines.append(line)
        del self._pending[:start]
        if len(self._pending) > MAX_LINE_BYTES:
            self.dropped_lines += 1
            self._pending.clear()
        return frames

    def _finish(self) -> Frame:
        headers = tuple(header for raw in self._lines if (header := _parse_line(raw)) is not None)
        frame = Frame(headers=headers, too_many_lines=self._overflow)
        self._lines = []
        self._overflow = False
        return frame


def _clean(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def encode_frame(headers: Mapping[str, str] | Iterable[Header]) -> bytes:
    """Serialize one message; CR and LF inside values become spaces so framing cannot break."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    text = "".join(f"{_clean(name)}: {_clean(value)}\r\n" for name, value in pairs)
    return (text + "\r\n").encode("utf-8")
