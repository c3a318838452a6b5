"""Clients that arrive by themselves: a caller nobody knew becomes a lead, and the manager
responsible for a client is found for whoever must call it back.

Other domains (the call log) call these with plain values; what is written here emits the
same events as a client created by hand, so lookups, lists and the classifier's counts see
the lead at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kompas_cc.clients import repo
from kompas_cc.clients.events import ClientCreated, ClientPhonesChanged, ClientStatusesChanged
from kompas_cc.clients.models import Client, ClientStatus
from kompas_cc.clients.schemas import PhoneIn
from kompas_cc.clients.service import add_contacts, client_for_number, search_text
from kompas_cc.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Lead:
    """The client a number belongs to; `created` when it was made just now."""

    client_id: int
    created: bool


async def status_id_named(uow: UnitOfWork, name: str) -> int:
    """The client status of this name (letter case aside), added at the end when missing."""
    statuses = await repo.list_statuses(uow.session)
    for status in statuses:
        if status.name.casefold() == name.casefold():
            return status.id
    position = max((s.position for s in statuses), default=0) + 1
    added = ClientStatus(name=name, position=position, is_default=False)
    uow.session.add(added)
    await uow.session.flush()
    uow.emit(ClientStatusesChanged())
    return added.id


async def create_lead(
    uow: UnitOfWork,
    *,
    number: str,
    name: str,
    status_name: str,
    source: str,
    now: datetime,
    by_user_id: int | None,
) -> Lead:
    """The client of `number` (E.164); when there is none, a new individual client with the
    number as its work phone, in the status `status_name`, without a responsible manager.

    The names of a lead are not known yet: `name` is what lists show until somebody fills in
    the card. A number that has a client meanwhile (a second call in the same batch) gets
    that client, so one caller never becomes two leads.
    """
    existing = await client_for_number(uow, number)
    if existing is not None:
        return Lead(existing, created=False)
    client = Client(
        kind="individual",
        name=name,
        status_id=await status_id_named(uow, status_name),
        source=source,
        created_at=now,
        updated_at=now,
        created_by_id=by_user_id,
    )
    client.search_text = search_text(client, [])
    uow.session.add(client)
    await uow.session.flush()
    add_contacts(uow, client.id, None, [PhoneIn(number=number)], [])
    await uow.session.flush()
    uow.emit(ClientCreated(client_id=client.id, name=client.name, by_user_id=by_user_id))
    uow.emit(ClientPhonesChanged(client.id, (number,)))
    return Lead(client.id, created=True)


async def responsible_manager(uow: UnitOfWork, client_id: int) -> int | None:
    """The user responsible for the client, if it has one and is not archived."""
    client = await repo.get_client(uow.session, client_id)
    if client is None or client.archived_at is not None:
        return None
    return client.manager_id
