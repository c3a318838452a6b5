"""Lists count exactly up to a cap and say "more than" past it; pages still go on."""

from __future__ import annotations

from datetime import datetime

from kompas_cc.clients import access, service
from kompas_cc.clients.schemas import ClientIn, ClientListQuery
from kompas_cc.core.actor import Actor, Role
from kompas_cc.db.uow import UowFactory
from kompas_cc.staff import service as staff_service

ADMIN = Actor(id=1, login="admin", name="Ольга Админова", role=Role.ADMIN)
NOW = datetime.fromisoformat("2026-01-15T09:00:00+00:00")


async def _seed(uow_factory: UowFactory, count: int) -> None:
    async with uow_factory() as uow:
        admin = staff_service.parse_user({"login": "admin", "name": ADMIN.name, "role": "admin"})
        await staff_service.create_user(uow, admin, "long enough password", NOW)
        for n in range(count):
            data = ClientIn(kind="legal", name=f"ООО «Клиент {n:02d}»")
            await service.create_client(uow, ADMIN, access.ClientsPolicy(), data, NOW)


async def test_total_is_exact_under_the_cap(uow_factory: UowFactory) -> None:
    await _seed(uow_factory, 5)
    policy = access.ClientsPolicy(count_cap=10)
    async with uow_factory() as uow:
        first = await service.list_clients(uow, ADMIN, policy, ClientListQuery(per_page=2))
        last = await service.list_clients(uow, ADMIN, policy, ClientListQuery(per_page=2, page=3))
    assert (first.total, first.total_exact, first.has_more) == (5, True, True)
    assert (last.total, last.total_exact, last.has_more) == (5, True, False)
    assert [c.name for c in last.items] == ["ООО «Клиент 04»"]


async def test_total_past_the_cap_says_more_than(uow_factory: UowFactory) -> None:
    await _seed(uow_factory, 7)
    policy = access.ClientsPolicy(count_cap=3)
    async with uow_factory() as uow:
        page = await service.list_clients(uow, ADMIN, policy, ClientListQuery(per_page=2, page=2))
    assert (page.total, page.total_exact, page.has_more) == (3, False, True)
    assert len(page.items) == 2
