"""Lists come from the in-memory index, which follows every change: this process's at once,
another process's within the catch-up period."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from kompas_cc.clients import access, classifier_service, facet_store, listing, service
from kompas_cc.clients import subscribers as clients_subscribers
from kompas_cc.clients.classifier_service import TreeCache
from kompas_cc.clients.facet_store import FacetStore
from kompas_cc.clients.schemas import ClientIn, ClientListQuery, NodeIn, PhoneIn, StatusIn
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.bus import Bus
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.fastread import open_reader
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.staff import service as staff_service

ADMIN = Actor(id=1, login="admin", name="Ольга Админова", role=Role.ADMIN)
POLICY = access.ClientsPolicy()
NOW = datetime.fromisoformat("2026-01-15T09:00:00+00:00")


@dataclass
class World:
    uows: UowFactory
    other_process: UowFactory
    sources: listing.ListSources

    async def names(self, **query: object) -> list[str]:
        async with self.uows(write=False) as uow:
            page = await listing.list_clients(
                listing.reusing(uow),
                self.sources,
                ADMIN,
                POLICY,
                ClientListQuery.model_validate(query),
            )
        return [item.name for item in page.items]

    async def create(self, name: str, **fields: object) -> int:
        async with self.uows() as uow:
            data = ClientIn.model_validate({"kind": "legal", "name": name, **fields})
            return (await service.create_client(uow, ADMIN, POLICY, data, NOW)).id


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    engine = create_engine(db_url)
    bus = Bus()
    uows = make_uow_factory(create_session_factory(engine), bus)
    async with uows() as uow:
        admin = staff_service.parse_user({"login": "admin", "name": ADMIN.name, "role": "admin"})
        await staff_service.create_user(uow, admin, "long enough password", NOW)
    reader = await open_reader(db_url)
    store = FacetStore(reader, catch_up_s=3600)
    trees = TreeCache()
    clients_subscribers.register_lists(bus, store, trees)
    store.start()
    sources = listing.ListSources(facets=store, reader=reader, trees=trees)
    yield World(uows, make_uow_factory(create_session_factory(engine), Bus()), sources)
    await store.stop()
    await reader.close()
    await engine.dispose()


async def test_pages_count_exactly(world: World) -> None:
    for n in range(5):
        await world.create(f"ООО «Клиент {n:02d}»")
    async with world.uows(write=False) as uow:
        first = await listing.list_clients(
            listing.reusing(uow), world.sources, ADMIN, POLICY, ClientListQuery(per_page=2)
        )
        last = await listing.list_clients(
            listing.reusing(uow), world.sources, ADMIN, POLICY, ClientListQuery(per_page=2, page=3)
        )
        counted = await listing.count_clients(
            listing.reusing(uow), world.sources, ADMIN, POLICY, ClientListQuery(q="клиент 0")
        )
    assert (first.total, first.total_exact, first.has_more) == (5, True, True)
    assert (last.total, last.has_more) == (5, False)
    assert [c.name for c in last.items] == ["ООО «Клиент 04»"]
    assert (counted.count, counted.exact) == (5, True)


async def test_this_process_changes_show_in_the_next_list(world: World) -> None:
    alpha = await world.create("Альфа")
    await world.create("Бета")
    assert await world.names(sort="name") == ["Альфа", "Бета"]
    async with world.uows() as uow:
        await service.update_client(
            uow, ADMIN, POLICY, alpha, ClientIn(kind="legal", name="Яхонт"), NOW
        )
    assert await world.names(sort="name") == ["Бета", "Яхонт"]
    async with world.uows() as uow:
        node = await classifier_service.create_node(uow, ADMIN, NodeIn(name="Горячий"))
        await classifier_service.place_client(uow, ADMIN, POLICY, alpha, [node], NOW)
    assert await world.names(node=[node]) == ["Яхонт"]
    async with world.uows() as uow:
        await service.archive_client(uow, ADMIN, POLICY, alpha, NOW)
    assert await world.names() == ["Бета"]
    assert await world.names(archived=True, node=[node]) == ["Яхонт"]
    async with world.uows() as uow:
        await classifier_service.delete_node(uow, ADMIN, node)
    assert await world.names(archived=True, node=[node]) == ["Яхонт"]  # unknown node: no filter


async def test_status_sort_follows_renamed_statuses(world: World) -> None:
    async with world.uows() as uow:
        first = await service.save_status(uow, ADMIN, StatusIn(name="А-статус"))
        second = await service.save_status(uow, ADMIN, StatusIn(name="Б-статус"))
    await world.create("Клиент один", status_id=second)
    await world.create("Клиент два", status_id=first)
    assert await world.names(sort="status") == ["Клиент два", "Клиент один"]
    async with world.uows() as uow:
        await service.save_status(uow, ADMIN, StatusIn(name="В-статус"), first)
    assert await world.names(sort="status") == ["Клиент один", "Клиент два"]


async def test_another_process_changes_are_caught_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.create("Альфа")
    assert await world.names() == ["Альфа"]
    async with world.other_process() as uow:
        data = ClientIn(kind="legal", name="Гамма")
        await service.create_client(uow, ADMIN, POLICY, data, NOW)
    assert await world.names() == ["Альфа"]  # not yet: no event reached this process
    monkeypatch.setattr(world.sources.facets, "_catch_up_s", 0.0)
    for _ in range(100):  # looked for in the background: a list never waits for it
        if await world.names() == ["Альфа", "Гамма"]:
            break
        await asyncio.sleep(0.01)
    assert await world.names() == ["Альфа", "Гамма"]


async def test_a_big_dossier_is_read_in_chunks(
    db_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        await world.create(f"Клиент {n}")
    monkeypatch.setattr(facet_store, "BUILD_CHUNK", 2)
    reader = await open_reader(db_url)
    fresh = FacetStore(reader)
    try:
        index = await fresh.current()
        assert index.size == 7
    finally:
        await fresh.stop()
        await reader.close()


async def rows(world: World) -> list[tuple[str, str | None, str | None, str | None]]:
    async with world.uows(write=False) as uow:
        page = await listing.list_clients(
            listing.reusing(uow), world.sources, ADMIN, POLICY, ClientListQuery(sort="name")
        )
    return [(c.name, c.phone, c.status, c.manager) for c in page.items]


async def test_a_shown_row_follows_its_phone_and_status_at_once(world: World) -> None:
    async with world.uows() as uow:
        status = await service.save_status(uow, ADMIN, StatusIn(name="Лид"))
    alpha = await world.create("Альфа", status_id=status, manager_id=ADMIN.id)
    assert await rows(world) == [("Альфа", None, "Лид", ADMIN.name)]
    async with world.uows() as uow:
        phone = PhoneIn.model_validate({"number": "+74951234567"})
        await service.add_phone(uow, ADMIN, POLICY, alpha, phone, None, NOW)
    assert await rows(world) == [("Альфа", "+74951234567", "Лид", ADMIN.name)]
    async with world.uows() as uow:
        await service.save_status(uow, ADMIN, StatusIn(name="Клиент"), status)
    assert await rows(world) == [("Альфа", "+74951234567", "Клиент", ADMIN.name)]
    assert len(world.sources.facets.briefs) == 1


async def test_a_shown_row_follows_another_process_after_the_catch_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha = await world.create("Альфа", manager_id=ADMIN.id)
    assert await rows(world) == [("Альфа", None, None, ADMIN.name)]
    async with world.other_process() as uow:
        data = ClientIn(kind="legal", name="Альфа-М", manager_id=ADMIN.id)
        await service.update_client(uow, ADMIN, POLICY, alpha, data, NOW)
        renamed = staff_service.parse_user(
            {"login": "admin", "name": "Ольга Петрова", "role": "admin"}
        )
        await staff_service.update_user(uow, ADMIN.id, renamed)
    assert await rows(world) == [("Альфа", None, None, ADMIN.name)]  # no event came here
    monkeypatch.setattr(world.sources.facets, "_catch_up_s", 0.0)
    expected = [("Альфа-М", None, None, "Ольга Петрова")]
    for _ in range(100):
        if await rows(world) == expected:
            break
        await asyncio.sleep(0.01)
    assert await rows(world) == expected
