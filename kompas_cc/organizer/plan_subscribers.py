"""Reactions of work plans to other domains' events."""

from __future__ import annotations

from kompas_cc.clients.events import ClientsMerged
from kompas_cc.core.bus import Bus
from kompas_cc.db.uow import UowFactory
from kompas_cc.organizer import plan_service


def register(bus: Bus, uows: UowFactory) -> None:
    async def on_clients_merged(event: ClientsMerged) -> None:
        """Client targets follow the client kept, as the contacts they count do."""
        async with uows() as uow:
            await plan_service.move_client_targets(uow, event.merged_id, event.kept_id)

    bus.subscribe(ClientsMerged, on_clients_merged)
