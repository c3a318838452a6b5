"""Reactions of the call log to other domains' events."""

from __future__ import annotations

from kompas_cc.clients.events import ClientsMerged
from kompas_cc.core.bus import Bus
from kompas_cc.db.uow import UowFactory
from kompas_cc.telephony import service


def register(bus: Bus, uows: UowFactory) -> None:
    async def on_clients_merged(event: ClientsMerged) -> None:
        """The merged client's calls move to the kept one, as its notes and files do."""
        async with uows() as uow:
            await service.move_client_calls(uow, event.merged_id, event.kept_id)

    bus.subscribe(ClientsMerged, on_clients_merged)
