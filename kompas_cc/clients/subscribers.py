"""Reactions of the clients module to its own events: keeping the lookup cache true."""

from __future__ import annotations

from kompas_cc.clients.events import (
    ClientArchived,
    ClientPhonesChanged,
    ClientsMerged,
    ClientUpdated,
)
from kompas_cc.clients.lookup_cache import LookupCache
from kompas_cc.core.bus import Bus


def register(bus: Bus, cache: LookupCache) -> None:
    def on_client_phones_changed(event: ClientPhonesChanged) -> None:
        cache.forget_numbers(event.numbers)
        cache.forget_client(event.client_id)

    def on_client_updated(event: ClientUpdated) -> None:
        cache.forget_client(event.client_id)

    def on_client_archived(event: ClientArchived) -> None:
        cache.forget_client(event.client_id)

    def on_clients_merged(event: ClientsMerged) -> None:
        cache.forget_client(event.kept_id)
        cache.forget_client(event.merged_id)

    bus.subscribe(ClientPhonesChanged, on_client_phones_changed)
    bus.subscribe(ClientUpdated, on_client_updated)
    bus.subscribe(ClientArchived, on_client_archived)
    bus.subscribe(ClientsMerged, on_clients_merged)
