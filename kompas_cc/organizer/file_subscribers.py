"""The organizer's reaction to its own committed file deletions: the contents leave the disk."""

from __future__ import annotations

import asyncio

from kompas_cc.core import uploads
from kompas_cc.core.bus import Bus
from kompas_cc.core.uploads import UploadRules
from kompas_cc.organizer.events import TaskFilesDeleted


def register(bus: Bus, rules: UploadRules) -> None:
    async def on_task_files_deleted(event: TaskFilesDeleted) -> None:
        """Published only after the commit, so a rolled-back deletion keeps its content."""
        await asyncio.to_thread(uploads.discard, rules.uploads_dir, event.storage_keys)

    bus.subscribe(TaskFilesDeleted, on_task_files_deleted)
