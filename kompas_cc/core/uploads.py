"""Uploaded files, whoever they belong to: what is accepted, how it is named and kept.

A file is kept under the uploads directory by a random storage key, never by the name it
came with; the original name is only shown and offered back on download. Domains keep the
key and the name in their own tables and call these functions with plain values.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kompas_cc.core.errors import ValidationFailed

#: Longest original name kept; longer names are cut (the column holds 255 characters).
MAX_NAME_CHARS = 200


class BadUpload(ValidationFailed):
    error_id = "bad-upload"


@dataclass(frozen=True, slots=True)
class UploadRules:
    """Where files are kept and which are accepted, as plain values from the settings."""

    uploads_dir: Path = Path("var/uploads")
    max_bytes: int = 10 * 1024 * 1024
    allowed_types: tuple[str, ...] = ()


def clean_name(filename: str) -> str:
    """The last part of a name as sent (browsers on Windows may send a whole path)."""
    return Path(filename.replace("\\", "/")).name[:MAX_NAME_CHARS] or "file"


def check_upload(max_bytes: int, allowed_types: tuple[str, ...], filename: str, size: int) -> str:
    """The content type of an acceptable upload, judged by its name; else a clear error."""
    if size > max_bytes:
        limit_mb = max_bytes / (1024 * 1024)
        raise BadUpload(
            "The file is larger than the upload limit", fields={"file": f"{limit_mb:g} MB"}
        )
    if size == 0:
        raise BadUpload("The file is empty", fields={"file": "empty"})
    content_type, _ = mimetypes.guess_type(filename)
    if content_type is None or content_type not in allowed_types:
        raise BadUpload("Files of this type are not accepted", fields={"file": "type not accepted"})
    return content_type


def store(uploads_dir: Path, content: bytes) -> str:
    """Write the content under a new random key and give the key."""
    key = secrets.token_hex(16)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    (uploads_dir / key).write_bytes(content)
    return key


def stored_path(uploads_dir: Path, key: str) -> Path:
    return uploads_dir / key


def discard(uploads_dir: Path, keys: Iterable[str]) -> None:
    """Remove stored files; one already gone is no error."""
    for key in keys:
        (uploads_dir / key).unlink(missing_ok=True)


def attachment_header(filename: str) -> str:
    """A Content-Disposition value offering the file under its own name (RFC 6266): an
    ASCII fallback for old clients and the exact UTF-8 name for the others."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
