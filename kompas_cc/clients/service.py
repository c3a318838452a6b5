"""Use cases of the client dossier itself: find, read, create, change, archive, merge.

The clients package writes its tables only through its use-case modules: this one,
dossier (contact persons, notes, files), classifier_service (categories and placements).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kompas_cc.clients import repo
from kompas_cc.clients.access import (
    ClientsPolicy,
    require_client,
    require_person,
    visibility_scope,
)
from kompas_cc.clients.audit import readable, record_change
from kompas_cc.clients.classifier_service import check_nodes, placement_rows
from kompas_cc.clients.events import (
    ClientArchived,
    ClientCreated,
    ClientPhonesChanged,
    ClientsMerged,
    ClientStatusesChanged,
    ClientUpdated,
)
from kompas_cc.clients.lookup_cache import LookupCache, PhoneOwner
from kompas_cc.clients.models import (
    Client,
    ClientEmail,
    ClientPhone,
    ClientStatus,
)
from kompas_cc.clients.schemas import (
    CLIENT_FIELDS,
    ClientIn,
    ClientOut,
    DuplicateOut,
    EmailIn,
    EmailOut,
    LookupMatch,
    PhoneIn,
    PhoneOut,
    StatusIn,
    StatusOut,
)
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kompas_cc.core.phone import try_normalize_phone
from kompas_cc.db.fastread import FastReader
from kompas_cc.db.uow import UnitOfWork

#: Fields whose changes the audit trail records.
AUDITED_FIELDS = CLIENT_FIELDS


class DuplicateClient(Conflict):
    """A client with the same INN or phone exists; the caller may insist."""

    error_id = "duplicate-client"

    def __init__(self, duplicates: list[DuplicateOut]) -> None:
        fields = {
            ("inn" if d.reason == "inn" else "phones"): f"#{d.client_id} {d.name}"
            for d in duplicates
        }
        super().__init__("A client with this INN or phone already exists", fields=fields)
        self.duplicates = duplicates


# -- reading ---------------------------------------------------------------------------


def phone_out(p: ClientPhone) -> PhoneOut:
    return PhoneOut(
        id=p.id,
        number=p.number,
        kind=p.kind,
        comment=p.comment,
        contact_person_id=p.contact_person_id,
    )


def email_out(e: ClientEmail) -> EmailOut:
    return EmailOut(id=e.id, address=e.address, kind=e.kind, contact_person_id=e.contact_person_id)


async def get_client(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> ClientOut:
    client = await require_client(uow, actor, policy, client_id)
    return await _client_out(uow, client)


async def _client_out(
    uow: UnitOfWork,
    client: Client,
    *,
    known: tuple[list[ClientPhone], list[ClientEmail], list[int]] | None = None,
) -> ClientOut:
    """The client as the API shows it; `known` spares the queries when the caller has just
    written the phones, e-mails and placements itself."""
    session = uow.session
    if known is None:
        phones = [
            p for p in await repo.list_phones(session, [client.id]) if p.contact_person_id is None
        ]
        emails = [
            e for e in await repo.list_emails(session, [client.id]) if e.contact_person_id is None
        ]
        category_ids = await repo.list_category_ids(session, client.id)
    else:
        phones, emails, category_ids = known
    status = await session.get(ClientStatus, client.status_id) if client.status_id else None
    names = await repo.user_names(session, [client.manager_id] if client.manager_id else [])
    return ClientOut(
        id=client.id,
        kind=client.kind,
        name=client.name,
        legal_form=client.legal_form,
        inn=client.inn,
        kpp=client.kpp,
        ogrn=client.ogrn,
        legal_address=client.legal_address,
        actual_address=client.actual_address,
        bank_name=client.bank_name,
        bik=client.bik,
        bank_account=client.bank_account,
        corr_account=client.corr_account,
        website=client.website,
        industry=client.industry,
        last_name=client.last_name,
        first_name=client.first_name,
        middle_name=client.middle_name,
        birth_date=client.birth_date,
        status_id=client.status_id,
        status=status.name if status else None,
        manager_id=client.manager_id,
        manager=names.get(client.manager_id) if client.manager_id else None,
        source=client.source,
        notes=client.notes,
        phones=[phone_out(p) for p in phones],
        emails=[email_out(e) for e in emails],
        category_ids=category_ids,
        created_at=client.created_at,
        updated_at=client.updated_at,
        archived=client.archived_at is not None,
        merged_into_id=client.merged_into_id,
    )


async def lookup_phone(
    reader: FastReader, cache: LookupCache, actor: Actor, policy: ClientsPolicy, raw: str
) -> list[LookupMatch]:
    """Clients (and contact persons) with this number typed in any form: the pop-up lookup.

    Runs on the fast read path (kompas_cc.db.fastread): one indexed query, no ORM, and its
    answers are remembered until the data behind them changes (clients.lookup_cache).
    """
    number = try_normalize_phone(raw, policy.region)
    if number is None:
        return []
    owners = cache.get(number)
    if owners is None:
        rows = await reader.fetch(repo.PHONE_LOOKUP_SQL, {"number": number})
        owners = tuple(PhoneOwner(*row) for row in rows)
        cache.put(number, owners)
    scope = visibility_scope(actor, policy)
    return [
        LookupMatch(
            client_id=owner.client_id,
            name=owner.name,
            kind=owner.kind,
            contact_person_id=owner.contact_person_id,
            contact_person=owner.contact_person,
            phone=number,
        )
        for owner in owners
        if scope.kind == "all" or (scope.kind == "own" and owner.manager_id == scope.user_id)
    ]


async def client_for_number(uow: UnitOfWork, number: str) -> int | None:
    """The client a phone number (E.164) belongs to, for the call log: the number of the
    client itself or of one of its contact persons. A client's own number wins over a
    contact person's, then the oldest client."""
    return (await clients_for_numbers(uow, [number])).get(number)


async def clients_for_numbers(uow: UnitOfWork, numbers: Sequence[str]) -> dict[str, int]:
    """`client_for_number` for many numbers in one query: number -> client id, for the
    numbers that belong to somebody."""
    best: dict[str, tuple[bool, int]] = {}
    for number, client_id, person_id in await repo.owners_of_numbers(uow.session, numbers):
        rank = (person_id is not None, client_id)
        if number not in best or rank < best[number]:
            best[number] = rank
    return {number: rank[1] for number, rank in best.items()}


def client_visibility(actor: Actor, policy: ClientsPolicy) -> str:
    """Which clients a user sees, for other domains' lists: "all", "own" (those the user is
    responsible for) or "none". The rule itself is `access.visibility_scope`."""
    return visibility_scope(actor, policy).kind


# -- writing ---------------------------------------------------------------------------


def search_text(client: Client, extra: Sequence[str]) -> str:
    parts = [client.name, client.inn or "", client.ogrn or "", client.website or "", *extra]
    return " ".join(p for p in parts if p).casefold()


def _apply(client: Client, data: ClientIn) -> list[tuple[str, Any, Any]]:
    changes = []
    for name in AUDITED_FIELDS:
        new = getattr(data, name)
        old = getattr(client, name)
        if old != new:
            changes.append((name, old, new))
            setattr(client, name, new)
    return changes


async def check_refs(uow: UnitOfWork, batch: Sequence[ClientIn]) -> int | None:
    """Check every status and manager the clients name; return the default status's id."""
    statuses = await repo.list_statuses(uow.session)
    manager_ids = {d.manager_id for d in batch if d.manager_id}
    known_managers = await repo.user_names(uow.session, manager_ids)
    errors: dict[str, str] = {}
    if any(d.status_id and d.status_id not in {s.id for s in statuses} for d in batch):
        errors["status_id"] = "No such status"
    if manager_ids - set(known_managers):
        errors["manager_id"] = "No such user"
    if errors:
        raise ValidationFailed("The client has invalid fields", fields=errors)
    return next((s.id for s in statuses if s.is_default), None)


def new_client(
    data: ClientIn,
    creator: Actor,
    created_at: datetime,
    default_status_id: int | None,
    search_extra: Sequence[str],
) -> Client:
    """A client row as created: the default status when none is given, a manager's own
    client when a manager creates it without one."""
    client = Client(created_at=created_at, updated_at=created_at, created_by_id=creator.id)
    _apply(client, data)
    if client.status_id is None:
        client.status_id = default_status_id
    if client.manager_id is None and creator.role is Role.MANAGER:
        client.manager_id = creator.id
    client.search_text = search_text(client, search_extra)
    return client


async def find_duplicates(
    uow: UnitOfWork, data: ClientIn, exclude_id: int | None = None
) -> list[DuplicateOut]:
    rows = await repo.find_duplicates(
        uow.session, data.inn, [p.number for p in data.phones], exclude_id
    )
    return [DuplicateOut(client_id=cid, name=name, reason=reason) for cid, name, reason in rows]


async def create_client(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    data: ClientIn,
    now: datetime,
    *,
    allow_duplicate: bool = False,
    node_ids: Sequence[int] = (),
) -> ClientOut:
    if actor.role is Role.DEALER:
        raise Forbidden("Dealers cannot create clients")
    data = data.checked()
    default_status_id = await check_refs(uow, [data])
    if not allow_duplicate:
        duplicates = await find_duplicates(uow, data)
        if duplicates:
            raise DuplicateClient(duplicates)
    client = new_client(data, actor, now, default_status_id, [e.address for e in data.emails])
    uow.session.add(client)
    await uow.session.flush()
    phones, emails = add_contacts(uow, client.id, None, data.phones, data.emails)
    category_ids = sorted(set(node_ids))
    if category_ids:
        await check_nodes(uow, category_ids)
        uow.session.add_all(placement_rows(client.id, category_ids))
    await uow.session.flush()
    uow.emit(ClientCreated(client_id=client.id, name=client.name, by_user_id=actor.id))
    if data.phones:
        uow.emit(ClientPhonesChanged(client.id, tuple(p.number for p in data.phones)))
    return await _client_out(uow, client, known=(phones, emails, category_ids))


def add_contacts(
    uow: UnitOfWork,
    client_id: int,
    person_id: int | None,
    phones: Sequence[PhoneIn],
    emails: Sequence[EmailIn],
) -> tuple[list[ClientPhone], list[ClientEmail]]:
    """Add the rows (a number or address typed twice is stored once) and give them back."""
    added_phones = [
        ClientPhone(
            client_id=client_id,
            contact_person_id=person_id,
            kind=phone.kind,
            number=phone.number,
            comment=phone.comment,
        )
        for phone in _unique_phones(phones)
    ]
    added_emails: list[ClientEmail] = []
    seen: set[str] = set()
    for email in emails:
        if email.address in seen:
            continue
        seen.add(email.address)
        added_emails.append(
            ClientEmail(
                client_id=client_id,
                contact_person_id=person_id,
                kind=email.kind,
                address=email.address,
            )
        )
    uow.session.add_all(added_phones)
    uow.session.add_all(added_emails)
    return added_phones, added_emails


async def update_client(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    data: ClientIn,
    now: datetime,
    *,
    allow_duplicate: bool = True,
) -> ClientOut:
    client = await require_client(uow, actor, policy, client_id)
    data = data.checked()
    await check_refs(uow, [data])
    if not allow_duplicate:
        duplicates = await find_duplicates(uow, data, exclude_id=client_id)
        if duplicates:
            raise DuplicateClient(duplicates)
    changes = _apply(client, data)
    for name, old, new in changes:
        record_change(uow, client.id, actor, now, name, *await readable(uow, name, old, new))
    own_phones = [
        p for p in await repo.list_phones(uow.session, [client.id]) if p.contact_person_id is None
    ]
    own_emails = [
        e for e in await repo.list_emails(uow.session, [client.id]) if e.contact_person_id is None
    ]
    old_numbers = [f"{p.number} ({p.kind})" for p in own_phones]
    new_numbers = [f"{p.number} ({p.kind})" for p in _unique_phones(data.phones)]
    changed = [name for name, _, _ in changes]
    if old_numbers != new_numbers:
        record_change(
            uow, client.id, actor, now, "phones", ", ".join(old_numbers), ", ".join(new_numbers)
        )
        changed.append("phones")
        for phone in own_phones:
            await uow.session.delete(phone)
    old_emails = [e.address for e in own_emails]
    new_emails = [e.address for e in data.emails]
    if old_emails != list(dict.fromkeys(new_emails)):
        record_change(
            uow, client.id, actor, now, "emails", ", ".join(old_emails), ", ".join(new_emails)
        )
        changed.append("emails")
        for email in own_emails:
            await uow.session.delete(email)
    await uow.session.flush()
    add_contacts(
        uow,
        client.id,
        None,
        data.phones if "phones" in changed else [],
        data.emails if "emails" in changed else [],
    )
    client.search_text = search_text(
        client, await repo.search_parts(uow.session, client.id) + new_emails
    )
    if changed:
        client.updated_at = now
        uow.emit(ClientUpdated(client.id, tuple(changed), actor.id))
    if "phones" in changed:
        numbers = {p.number for p in own_phones} | {p.number for p in data.phones}
        uow.emit(ClientPhonesChanged(client.id, tuple(sorted(numbers))))
    await uow.session.flush()
    return await _client_out(uow, client)


def _unique_phones(phones: Sequence[PhoneIn]) -> list[PhoneIn]:
    seen: dict[str, PhoneIn] = {}
    for phone in phones:
        seen.setdefault(phone.number, phone)
    return list(seen.values())


def client_in_from(out: ClientOut) -> dict[str, Any]:
    """The editable fields of a client, as a dict a PATCH can be merged into."""
    data = out.model_dump(include=set(AUDITED_FIELDS))
    data["phones"] = [
        {"number": p.number, "kind": p.kind, "comment": p.comment} for p in out.phones
    ]
    data["emails"] = [{"address": e.address, "kind": e.kind} for e in out.emails]
    return data


async def archive_client(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int, now: datetime
) -> None:
    client = await require_client(uow, actor, policy, client_id)
    if actor.role is Role.OPERATOR:
        raise Forbidden("Operators cannot archive clients")
    if client.archived_at is None:
        client.archived_at = now
        client.updated_at = now
        record_change(uow, client.id, actor, now, "archived", "active", "archived")
        uow.emit(ClientArchived(client.id, actor.id))


async def restore_client(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int, now: datetime
) -> None:
    client = await require_client(uow, actor, policy, client_id)
    if client.merged_into_id is not None:
        raise Conflict("A merged client cannot be restored")
    if client.archived_at is not None:
        client.archived_at = None
        client.updated_at = now
        record_change(uow, client.id, actor, now, "archived", "archived", "active")
        uow.emit(ClientUpdated(client.id, ("archived",), actor.id))


async def merge_clients(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, keep_id: int, other_id: int, now: datetime
) -> ClientOut:
    """Fold `other` into `keep`: contacts, notes, files, history and placements move over;
    empty fields of `keep` take `other`'s values; `other` stays archived, pointing at `keep`."""
    if actor.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden("Only managers and admins merge clients")
    if keep_id == other_id:
        raise ValidationFailed(
            "A client cannot be merged with itself", fields={"other_id": "same client"}
        )
    keep = await require_client(uow, actor, policy, keep_id)
    other = await require_client(uow, actor, policy, other_id)
    if other.merged_into_id is not None:
        raise Conflict("That client was already merged into another")
    for name in AUDITED_FIELDS:
        if name in ("kind", "name"):
            continue
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, ""):
            _, shown = await readable(uow, name, None, getattr(other, name))
            record_change(uow, keep.id, actor, now, name, None, shown)
            setattr(keep, name, getattr(other, name))
    keep_numbers = {p.number for p in await repo.list_phones(uow.session, [keep.id])}
    moved_numbers = []
    for phone in await repo.list_phones(uow.session, [other.id]):
        if phone.number in keep_numbers and phone.contact_person_id is None:
            await uow.session.delete(phone)
        else:
            phone.client_id = keep.id
            moved_numbers.append(phone.number)
    keep_emails = {e.address for e in await repo.list_emails(uow.session, [keep.id])}
    for email in await repo.list_emails(uow.session, [other.id]):
        if email.address in keep_emails and email.contact_person_id is None:
            await uow.session.delete(email)
        else:
            email.client_id = keep.id
    await repo.reassign_client_rows(uow.session, other.id, keep.id)
    placements = set(await repo.list_category_ids(uow.session, keep.id)) | set(
        await repo.list_category_ids(uow.session, other.id)
    )
    await repo.set_placements(uow.session, other.id, [])
    await repo.set_placements(uow.session, keep.id, placements)
    other.merged_into_id = keep.id
    other.archived_at = now
    record_change(
        uow, keep.id, actor, now, "merged", f"#{other.id} {other.name}", f"#{keep.id} {keep.name}"
    )
    keep.updated_at = now
    await uow.session.flush()
    keep.search_text = search_text(keep, await repo.search_parts(uow.session, keep.id))
    uow.emit(ClientsMerged(kept_id=keep.id, merged_id=other.id, by_user_id=actor.id))
    if moved_numbers:
        uow.emit(ClientPhonesChanged(keep.id, tuple(sorted(set(moved_numbers)))))
    return await _client_out(uow, keep)


# -- statuses --------------------------------------------------------------------------


async def list_statuses(uow: UnitOfWork) -> list[StatusOut]:
    return [
        StatusOut(id=s.id, name=s.name, position=s.position, is_default=s.is_default)
        for s in await repo.list_statuses(uow.session)
    ]


async def save_status(
    uow: UnitOfWork, actor: Actor, data: StatusIn, status_id: int | None = None
) -> int:
    if not actor.is_admin:
        raise Forbidden("Only admins edit the statuses")
    statuses = await repo.list_statuses(uow.session)
    if any(s.name.casefold() == data.name.casefold() and s.id != status_id for s in statuses):
        raise Conflict("A status with this name exists", fields={"name": "taken"})
    if status_id is None:
        status = ClientStatus(name=data.name)
        uow.session.add(status)
    else:
        found = next((s for s in statuses if s.id == status_id), None)
        if found is None:
            raise NotFound(f"No status with id {status_id}")
        status = found
    status.name = data.name
    status.position = data.position
    status.is_default = data.is_default
    if data.is_default:
        for other in statuses:
            if other is not status:
                other.is_default = False
    await uow.session.flush()
    uow.emit(ClientStatusesChanged())
    return status.id


async def list_user_choices(uow: UnitOfWork) -> list[tuple[int, str]]:
    return await repo.list_user_choices(uow.session)


async def add_phone(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    phone: PhoneIn,
    person_id: int | None,
    now: datetime,
) -> ClientOut:
    client = await require_client(uow, actor, policy, client_id)
    if person_id is not None:
        await require_person(uow, client_id, person_id)
    existing = await repo.list_phones(uow.session, [client_id])
    if any(p.number == phone.number and p.contact_person_id == person_id for p in existing):
        raise Conflict("This number is already there", fields={"number": "already there"})
    add_contacts(uow, client_id, person_id, [phone], [])
    record_change(uow, client_id, actor, now, "phones", None, phone.number)
    client.updated_at = now
    uow.emit(ClientPhonesChanged(client_id, (phone.number,)))
    await uow.session.flush()
    return await _client_out(uow, client)


async def remove_phone(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    phone_id: int,
    now: datetime,
) -> None:
    client = await require_client(uow, actor, policy, client_id)
    phone = await uow.session.get(ClientPhone, phone_id)
    if phone is None or phone.client_id != client_id:
        raise NotFound(f"No phone with id {phone_id}")
    await uow.session.delete(phone)
    record_change(uow, client_id, actor, now, "phones", phone.number, None)
    client.updated_at = now
    uow.emit(ClientPhonesChanged(client_id, (phone.number,)))
