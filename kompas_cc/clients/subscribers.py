"""Reactions of the clients module to its own events: keeping its caches and index true."""

from __future__ import annotations

from kompas_cc.clients.classifier_service import TreeCache
from kompas_cc.clients.events import (
    ClassifierChanged,
    ClientArchived,
    ClientCreated,
    ClientPhonesChanged,
    ClientsMerged,
    ClientStatusesChanged,
    ClientUpdated,
)
from kompas_cc.clients.facet_store import FacetStore
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


def register_lists(bus: Bus, facets: FacetStore, trees: TreeCache) -> None:
    """The list index re-reads every client an event names before the next list."""

    def on_client_created(event: ClientCreated) -> None:
        facets.changed((event.client_id,))

    def on_client_updated(event: ClientUpdated) -> None:
        facets.changed((event.client_id,))

    def on_client_archived(event: ClientArchived) -> None:
        facets.changed((event.client_id,))

    def on_clients_merged(event: ClientsMerged) -> None:
        facets.changed((event.kept_id, event.merged_id))

    def on_phones_changed(event: ClientPhonesChanged) -> None:
        facets.shown_changed((event.client_id,))

    def on_statuses_changed(_event: ClientStatusesChanged) -> None:
        facets.names_changed()

    def on_classifier_changed(event: ClassifierChanged) -> None:
        trees.forget()
        facets.nodes_deleted(event.deleted_ids)

    bus.subscribe(ClientCreated, on_client_created)
    bus.subscribe(ClientUpdated, on_client_updated)
    bus.subscribe(ClientArchived, on_client_archived)
    bus.subscribe(ClientsMerged, on_clients_merged)
    bus.subscribe(ClientPhonesChanged, on_phones_changed)
    bus.subscribe(ClientStatusesChanged, on_statuses_changed)
    bus.subscribe(ClassifierChanged, on_classifier_changed)
