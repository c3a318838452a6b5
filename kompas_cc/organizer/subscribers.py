"""Reactions of the organizer to other domains' events."""

from __future__ import annotations

from kompas_cc.clients.events import ClientsMerged
from kompas_cc.core.bus import Bus
from kompas_cc.db.uow import UowFactory
from kompas_cc.organizer import service


def register(bus: Bus, uows: UowFactory) -> None:
    async def on_clients_merged(event: ClientsMerged) -> None:
        """The tasks and contacts of a duplicate client move to the client it was merged
        into, as its notes and files do."""
        async with uows() as uow:
            await service.move_client_rows(uow, event.merged_id, event.kept_id)

    bus.subscribe(ClientsMerged, on_clients_merged)
