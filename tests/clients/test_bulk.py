"""Creating clients in a batch gives exactly what creating them one by one gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kompas_cc.clients import bulk, dossier, service
from kompas_cc.clients.access import ClientsPolicy
from kompas_cc.clients.classifier_service import create_node
from kompas_cc.clients.events import ClientCreated, ClientPhonesChanged
from kompas_cc.clients.models import Client
from kompas_cc.clients.schemas import ClientIn, ContactPersonIn, NodeIn, NoteIn, StatusIn
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.bus import Bus
from kompas_cc.core.errors import Forbidden, ValidationFailed
from kompas_cc.core.events import Event
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.staff import service as staff_service

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = ClientsPolicy(visibility="all")


@dataclass
class World:
    factory: UowFactory
    events: list[Event]
    admin: Actor
    manager: Actor
    status_id: int
    node_ids: list[int]


@pytest.fixture
async def world(db_url: str) -> Any:
    engine = create_engine(db_url)
    bus = Bus()
    events: list[Event] = []
    for kind in (ClientCreated, ClientPhonesChanged):
        bus.subscribe(kind, events.append)
    factory = make_uow_factory(create_session_factory(engine), bus)
    actors = {}
    async with factory() as uow:
        for login, role in (("admin", "admin"), ("maria", "manager")):
            data = staff_service.parse_user({"login": login, "name": login.title(), "role": role})
            out = await staff_service.create_user(uow, data, "secret-password-1", NOW)
            actors[login] = Actor(id=out.id, login=out.login, name=out.name, role=out.role)
        admin = actors["admin"]
        status_id = await service.save_status(
            uow, admin, StatusIn(name="Клиент", position=0, is_default=True)
        )
        node_ids = [await create_node(uow, admin, NodeIn(name=n)) for n in ("Опт", "Москва")]
    events.clear()
    yield World(factory, events, admin, actors["maria"], status_id, node_ids)
    await engine.dispose()


def legal(n: int, manager_id: int | None = None) -> ClientIn:
    return ClientIn.model_validate(
        {
            "kind": "legal",
            "name": f"ООО «Партия {n}»",
            "legal_form": "ООО",
            "phones": [{"number": f"+7495200{n:04d}"}, {"number": f"+7495200{n:04d}"}],
            "emails": [{"address": f"office{n}@party.ru"}],
            "manager_id": manager_id,
        }
    )


def person(n: int) -> ContactPersonIn:
    return ContactPersonIn.model_validate(
        {
            "name": f"Иванов Пётр {n}",
            "position": "Директор",
            "phones": [{"number": f"+7916300{n:04d}"}],
            "emails": [{"address": f"ivanov{n}@party.ru"}],
        }
    )


async def snapshot(world: World, client_id: int) -> dict[str, Any]:
    """What a user can see of a client, without the ids and names that differ by design."""
    async with world.factory() as uow:
        out = await service.get_client(uow, world.admin, POLICY, client_id)
        people = await dossier.list_contact_persons(uow, world.admin, POLICY, client_id)
        notes = await dossier.list_notes(uow, world.admin, POLICY, client_id)
        audit = await dossier.list_audit(uow, world.admin, POLICY, client_id)
        key = (
            await uow.session.execute(select(Client.search_text).where(Client.id == client_id))
        ).scalar_one()
    client = out.model_dump(exclude={"id"})
    client["phones"] = [(p.number, p.kind) for p in out.phones]
    client["emails"] = [e.address for e in out.emails]
    return {
        "client": client,
        "people": [
            (p.name, p.position, [x.number for x in p.phones], [x.address for x in p.emails])
            for p in people
        ],
        "notes": [(n.author, n.text, n.created_at) for n in notes],
        "audit": [(a.user, a.field, a.old_value, a.new_value, a.at) for a in audit],
        "search_text": key,
    }


async def test_a_batch_stores_and_announces_what_one_by_one_does(world: World) -> None:
    created = NOW - timedelta(days=30)
    noted = NOW - timedelta(days=2)
    async with world.factory() as uow:
        single = await service.create_client(
            uow,
            world.manager,
            POLICY,
            legal(1),
            created,
            allow_duplicate=True,
            node_ids=world.node_ids,
        )
        await dossier.save_contact_person(uow, world.manager, POLICY, single.id, person(1), created)
        await dossier.add_note(uow, world.admin, POLICY, single.id, NoteIn(text="Счёт"), noted)
    one_by_one = list(world.events)
    world.events.clear()
    async with world.factory() as uow:
        [batch_id] = await bulk.create_clients(
            uow,
            [
                bulk.NewClient(
                    data=legal(1),
                    creator=world.manager,
                    created_at=created,
                    node_ids=list(reversed(world.node_ids)),
                    contact_persons=[person(1)],
                    notes=[bulk.NewNote(world.admin, NoteIn(text="Счёт"), noted)],
                )
            ],
        )
    expected = await snapshot(world, single.id)
    got = await snapshot(world, batch_id)
    assert got == expected
    assert got["client"]["manager_id"] == world.manager.id
    assert got["client"]["status_id"] == world.status_id
    assert sorted(got["client"]["category_ids"]) == sorted(world.node_ids)

    # One by one announces the client's number, then the person's; the batch both at once.
    numbers = sorted(
        {n for e in one_by_one if isinstance(e, ClientPhonesChanged) for n in e.numbers}
    )
    announced, changed = world.events
    assert isinstance(announced, ClientCreated)
    assert isinstance(changed, ClientPhonesChanged)
    assert list(changed.numbers) == numbers == ["+74952000001", "+79163000001"]


async def test_a_batch_keeps_its_order_and_fills_defaults(world: World) -> None:
    async with world.factory() as uow:
        ids = await bulk.create_clients(
            uow,
            [bulk.NewClient(legal(n), world.admin, NOW) for n in range(10, 40)],
        )
    assert ids == sorted(ids)
    assert len(ids) == 30
    async with world.factory() as uow:
        outs = [await service.get_client(uow, world.admin, POLICY, i) for i in ids]
    assert [o.name for o in outs] == [f"ООО «Партия {n}»" for n in range(10, 40)]
    assert {o.status_id for o in outs} == {world.status_id}
    assert {o.manager_id for o in outs} == {None}
    created = [e for e in world.events if isinstance(e, ClientCreated)]
    assert [e.client_id for e in created] == ids


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"status_id": 999}, "status_id"),
        ({"manager_id": 999}, "manager_id"),
    ],
)
async def test_a_bad_reference_refuses_the_whole_batch(
    world: World, change: dict[str, int], problem: str
) -> None:
    bad = legal(3).model_copy(update=change)
    with pytest.raises(ValidationFailed) as caught:
        async with world.factory() as uow:
            await bulk.create_clients(
                uow,
                [bulk.NewClient(legal(4), world.admin, NOW), bulk.NewClient(bad, world.admin, NOW)],
            )
    assert problem in caught.value.fields
    assert world.events == []
    async with world.factory() as uow:
        assert (await uow.session.execute(select(Client.id))).first() is None


async def test_unknown_nodes_dealers_and_people_of_individuals_are_refused(world: World) -> None:
    dealer = Actor(id=world.admin.id, login="d", name="D", role=Role.DEALER)
    individual = ClientIn.model_validate(
        {"kind": "individual", "last_name": "Петров", "first_name": "Иван"}
    )
    cases: list[tuple[bulk.NewClient, type[Exception]]] = [
        (bulk.NewClient(legal(5), world.admin, NOW, node_ids=[12345]), ValidationFailed),
        (bulk.NewClient(legal(6), dealer, NOW), Forbidden),
        (
            bulk.NewClient(individual, world.admin, NOW, contact_persons=[person(7)]),
            ValidationFailed,
        ),
    ]
    for item, error in cases:
        with pytest.raises(error):
            async with world.factory() as uow:
                await bulk.create_clients(uow, [item])
    assert world.events == []
