"""Creating many clients in one go: the demo's seeding, and any other writer of a batch.

`create_clients` stores the same rows and emits the same events as `service.create_client`
followed by `dossier.save_contact_person` and `dossier.add_note` for each client, and checks
the same things, but in a handful of statements for the whole batch instead of a dozen round
trips per client: seeding three hundred clients one by one spent seconds in flushes alone.
Like `create_client(..., allow_duplicate=True)` it does not look for duplicates: the caller
vouches that the batch repeats no INN or phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kompas_cc.clients.audit import record_change
from kompas_cc.clients.classifier_service import check_nodes, placement_rows
from kompas_cc.clients.events import ClientCreated, ClientPhonesChanged
from kompas_cc.clients.models import Client, ClientNote, ContactPerson
from kompas_cc.clients.schemas import ClientIn, ContactPersonIn, NoteIn
from kompas_cc.clients.service import add_contacts, check_refs, new_client
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Forbidden, ValidationFailed
from kompas_cc.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class NewNote:
    author: Actor
    note: NoteIn
    at: datetime


@dataclass(frozen=True, slots=True)
class NewClient:
    """One client of a batch, with what comes with it, as of `created_at`."""

    data: ClientIn
    creator: Actor
    created_at: datetime
    node_ids: Sequence[int] = ()
    contact_persons: Sequence[ContactPersonIn] = ()
    notes: Sequence[NewNote] = ()


def _checked(items: Sequence[NewClient]) -> list[ClientIn]:
    checked = []
    for item in items:
        if item.creator.role is Role.DEALER:
            raise Forbidden("Dealers cannot create clients")
        data = item.data.checked()
        if item.contact_persons and data.kind != "legal":
            raise ValidationFailed("Only a legal entity has contact persons")
        checked.append(data)
    return checked


def _new_client(item: NewClient, data: ClientIn, default_status_id: int | None) -> Client:
    # The same key as adding the people one by one: each person's name, then e-mails.
    extra = [e.address for e in data.emails]
    for person in item.contact_persons:
        extra += [person.name, *(e.address for e in person.emails)]
    return new_client(data, item.creator, item.created_at, default_status_id, extra)


async def create_clients(uow: UnitOfWork, items: Sequence[NewClient]) -> list[int]:
    """Create the batch (see the module docstring) and return the new clients' ids in order."""
    batch = _checked(items)
    default_status_id = await check_refs(uow, batch)
    node_ids = sorted({n for item in items for n in item.node_ids})
    if node_ids:
        await check_nodes(uow, node_ids)
    session = uow.session
    clients = [
        _new_client(item, data, default_status_id) for item, data in zip(items, batch, strict=True)
    ]
    session.add_all(clients)
    await session.flush()
    people: list[tuple[ContactPerson, ContactPersonIn]] = []
    for item, data, client in zip(items, batch, clients, strict=True):
        add_contacts(uow, client.id, None, data.phones, data.emails)
        session.add_all(placement_rows(client.id, sorted(set(item.node_ids))))
        for person_in in item.contact_persons:
            person = ContactPerson(
                client_id=client.id,
                name=person_in.name,
                position=person_in.position,
                notes=person_in.notes,
            )
            people.append((person, person_in))
            record_change(
                uow, client.id, item.creator, item.created_at, "contact_person", None, person.name
            )
        session.add_all(
            ClientNote(
                client_id=client.id, author_id=n.author.id, text=n.note.text, created_at=n.at
            )
            for n in item.notes
        )
    session.add_all(person for person, _ in people)
    await session.flush()
    for person, person_in in people:
        add_contacts(uow, person.client_id, person.id, person_in.phones, person_in.emails)
    await session.flush()
    for item, data, client in zip(items, batch, clients, strict=True):
        uow.emit(ClientCreated(client_id=client.id, name=client.name, by_user_id=item.creator.id))
        numbers = [p.number for p in data.phones]
        numbers += [p.number for person in item.contact_persons for p in person.phones]
        if numbers:
            uow.emit(ClientPhonesChanged(client.id, tuple(sorted(set(numbers)))))
    return [client.id for client in clients]
