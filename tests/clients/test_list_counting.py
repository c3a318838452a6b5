"""Lists fetch one page without counting; the count is asked for separately, up to a cap."""

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


async def test_pages_know_whether_more_follow(uow_factory: UowFactory) -> None:
    await _seed(uow_factory, 5)
    policy = access.ClientsPolicy()
    async with uow_factory() as uow:
        first = await service.list_clients(uow, ADMIN, policy, ClientListQuery(per_page=2))
        last = await service.list_clients(uow, ADMIN, policy, ClientListQuery(per_page=2, page=3))
    assert (first.total, first.total_exact, first.has_more) == (2, False, True)
    assert (last.total, last.total_exact, last.has_more) == (5, True, False)
    assert [c.name for c in last.items] == ["ООО «Клиент 04»"]


async def test_count_is_exact_up_to_the_cap(uow_factory: UowFactory) -> None:
    await _seed(uow_factory, 7)
    query = ClientListQuery(q="клиент")
    async with uow_factory() as uow:
        exact = await service.count_clients(uow, ADMIN, access.ClientsPolicy(), query)
        capped = await service.count_clients(uow, ADMIN, access.ClientsPolicy(count_cap=3), query)
    assert (exact.count, exact.exact) == (7, True)
    assert (capped.count, capped.exact) == (3, False)
