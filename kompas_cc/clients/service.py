"""Use cases of the client dossier: the only writer of the clients tables."""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement

from kompas_cc.clients import repo
from kompas_cc.clients.classifier import Tree
from kompas_cc.clients.events import (
    ClientArchived,
    ClientCreated,
    ClientPhonesChanged,
    ClientsMerged,
    ClientUpdated,
)
from kompas_cc.clients.models import (
    ClassifierNode,
    Client,
    ClientAudit,
    ClientCategory,
    ClientEmail,
    ClientFile,
    ClientNote,
    ClientPhone,
    ClientStatus,
    ContactPerson,
)
from kompas_cc.clients.schemas import (
    CLIENT_FIELDS,
    AuditOut,
    ClientBrief,
    ClientIn,
    ClientListQuery,
    ClientOut,
    ClientPage,
    ContactPersonIn,
    ContactPersonOut,
    DuplicateOut,
    EmailIn,
    EmailOut,
    FileOut,
    LookupMatch,
    NodeIn,
    NodeOut,
    NoteIn,
    NoteOut,
    PhoneIn,
    PhoneOut,
    StatusIn,
    StatusOut,
)
from kompas_cc.clients.timeline import TimelineEntry, TimelineWindow
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kompas_cc.core.phone import phone_search_key, try_normalize_phone
from kompas_cc.db.fastread import FastReader
from kompas_cc.db.uow import UnitOfWork

#: Fields whose changes the audit trail records.
AUDITED_FIELDS = CLIENT_FIELDS


class NoSuchClient(NotFound):
    error_id = "no-such-client"


class NoSuchNode(NotFound):
    error_id = "no-such-node"


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


class BadUpload(ValidationFailed):
    error_id = "bad-upload"


@dataclass(frozen=True, slots=True)
class ClientsPolicy:
    """Settings the clients module needs, as plain values."""

    visibility: str = "all"
    region: str = "RU"
    uploads_dir: Path = Path("var/uploads")
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_allowed_types: tuple[str, ...] = ()
    page_size: int = 50
    #: Lists count their matches exactly up to this many; past it they say "more than",
    #: so that a million clients never cost a full count per page.
    count_cap: int = 1000


@dataclass
class Changes:
    fields: list[str] = field(default_factory=list)


# -- who sees what ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """Which clients a user sees: "all", "own" (those they are responsible for) or "none"."""

    kind: str
    user_id: int


def visibility_scope(actor: Actor, policy: ClientsPolicy) -> Scope:
    """The one rule of which clients a user may see.

    Admins see all. Managers and operators see all, or only the clients they are
    responsible for when the policy says "own". Dealers see only the clients bound to
    them; until dealer bindings exist that is none.
    """
    if actor.role is Role.ADMIN:
        return Scope("all", actor.id)
    if actor.role is Role.DEALER:
        return Scope("none", actor.id)
    return Scope("own" if policy.visibility == "own" else "all", actor.id)


def visibility(actor: Actor, policy: ClientsPolicy) -> ColumnElement[bool]:
    scope = visibility_scope(actor, policy)
    if scope.kind == "all":
        return repo.everybody()
    if scope.kind == "own":
        return repo.visible_to_manager(scope.user_id)
    return repo.nobody()


def _may_see(actor: Actor, policy: ClientsPolicy, client: Client) -> bool:
    scope = visibility_scope(actor, policy)
    return scope.kind == "all" or (scope.kind == "own" and client.manager_id == scope.user_id)


async def _require(uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int) -> Client:
    client = await repo.get_client(uow.session, client_id)
    if client is None or not _may_see(actor, policy, client):
        raise NoSuchClient(f"No client with id {client_id}")
    return client


# -- reading ---------------------------------------------------------------------------


def _phone_out(p: ClientPhone) -> PhoneOut:
    return PhoneOut(
        id=p.id,
        number=p.number,
        kind=p.kind,
        comment=p.comment,
        contact_person_id=p.contact_person_id,
    )


def _email_out(e: ClientEmail) -> EmailOut:
    return EmailOut(id=e.id, address=e.address, kind=e.kind, contact_person_id=e.contact_person_id)


async def get_client(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> ClientOut:
    client = await _require(uow, actor, policy, client_id)
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
        phones=[_phone_out(p) for p in phones],
        emails=[_email_out(e) for e in emails],
        category_ids=category_ids,
        created_at=client.created_at,
        updated_at=client.updated_at,
        archived=client.archived_at is not None,
        merged_into_id=client.merged_into_id,
    )


async def load_tree(uow: UnitOfWork) -> Tree:
    nodes = await repo.list_nodes(uow.session)
    edges = await repo.list_edges(uow.session)
    return Tree.build(((n.id, n.name, n.position) for n in nodes), edges)


async def list_clients(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, query: ClientListQuery
) -> ClientPage:
    filters: list[ColumnElement[bool]] = [visibility(actor, policy)]
    if query.archived:
        filters.append(Client.archived_at.is_not(None))
    else:
        filters.append(Client.archived_at.is_(None))
    if query.kind:
        filters.append(Client.kind == query.kind)
    if query.status_id:
        filters.append(Client.status_id == query.status_id)
    if query.manager_id:
        filters.append(Client.manager_id == query.manager_id)
    if query.phone:
        filters.append(_phone_filter(query.phone, policy.region))
    if query.q:
        filters.append(_search_filter(query.q, policy.region))
    if query.node:
        tree = await load_tree(uow)
        for group in tree.filter_groups(query.node):
            filters.append(repo.in_any_node(group))
    offset = (query.page - 1) * query.per_page
    stmt = repo.client_list_stmt(filters, query.sort_keys())
    rows = list((await uow.session.execute(stmt.limit(query.per_page + 1).offset(offset))).all())
    has_more = len(rows) > query.per_page
    rows = rows[: query.per_page]
    if not has_more and (rows or offset == 0):
        total, exact = offset + len(rows), True
    else:
        cap = policy.count_cap
        counted = await repo.count_clients(uow.session, filters, cap + 1)
        total, exact = min(counted, cap), counted <= cap
    ids = [row[0].id for row in rows]
    first_phone: dict[int, str] = {}
    for phone in await repo.list_phones(uow.session, ids):
        if phone.contact_person_id is None:
            first_phone.setdefault(phone.client_id, phone.number)
    items = [
        ClientBrief(
            id=client.id,
            kind=client.kind,
            name=client.name,
            inn=client.inn,
            status=status,
            manager=manager,
            phone=first_phone.get(client.id),
            archived=client.archived_at is not None,
            created_at=client.created_at,
        )
        for client, status, manager in rows
    ]
    return ClientPage(
        items=items,
        page=query.page,
        per_page=query.per_page,
        total=total,
        total_exact=exact,
        has_more=has_more,
    )


def _phone_filter(raw: str, region: str) -> ColumnElement[bool]:
    number = try_normalize_phone(raw, region)
    if number:
        return repo.has_phone(number)
    digits = phone_search_key(raw)
    return repo.has_phone_like(digits) if digits else repo.nobody()


def _search_filter(text: str, region: str) -> ColumnElement[bool]:
    number = try_normalize_phone(text, region)
    if number:
        return repo.has_phone(number)
    stripped = text.replace(" ", "").replace("-", "")
    if stripped.isdigit() and len(stripped) >= 5:
        return repo.text_matches(stripped) | repo.has_phone_like(stripped)
    return repo.text_matches(text)


async def lookup_phone(
    reader: FastReader, actor: Actor, policy: ClientsPolicy, raw: str
) -> list[LookupMatch]:
    """Clients (and contact persons) with this number typed in any form: the pop-up lookup.

    Runs on the fast read path (kompas_cc.db.fastread): one indexed query, no ORM.
    """
    number = try_normalize_phone(raw, policy.region)
    if number is None:
        return []
    scope = visibility_scope(actor, policy)
    params = {"number": number, "scope": scope.kind, "user_id": scope.user_id}
    rows = await reader.fetch(repo.PHONE_LOOKUP_SQL, params)
    return [
        LookupMatch(
            client_id=cid,
            name=name,
            kind=kind,
            contact_person_id=pid,
            contact_person=pname,
            phone=number,
        )
        for cid, name, kind, pid, pname in rows
    ]


# -- writing ---------------------------------------------------------------------------


def _search_text(client: Client, extra: Sequence[str]) -> str:
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


async def _readable(uow: UnitOfWork, field: str, old: Any, new: Any) -> tuple[Any, Any]:
    """Audit values as people read them: the status and manager by name, not by id."""
    if field == "status_id":
        names = {s.id: s.name for s in await repo.list_statuses(uow.session)}
    elif field == "manager_id":
        names = await repo.user_names(uow.session, [v for v in (old, new) if v])
    else:
        return old, new
    return names.get(old, old), names.get(new, new)


def _render(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


async def _check_refs(uow: UnitOfWork, data: ClientIn) -> None:
    errors: dict[str, str] = {}
    if data.status_id and await uow.session.get(ClientStatus, data.status_id) is None:
        errors["status_id"] = "No such status"
    if data.manager_id and not await repo.user_names(uow.session, [data.manager_id]):
        errors["manager_id"] = "No such user"
    if errors:
        raise ValidationFailed("The client has invalid fields", fields=errors)


async def _default_status_id(uow: UnitOfWork) -> int | None:
    for status in await repo.list_statuses(uow.session):
        if status.is_default:
            return status.id
    return None


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
    await _check_refs(uow, data)
    if not allow_duplicate:
        duplicates = await find_duplicates(uow, data)
        if duplicates:
            raise DuplicateClient(duplicates)
    client = Client(created_at=now, updated_at=now, created_by_id=actor.id)
    _apply(client, data)
    if client.status_id is None:
        client.status_id = await _default_status_id(uow)
    if client.manager_id is None and actor.role is Role.MANAGER:
        client.manager_id = actor.id
    client.search_text = _search_text(client, [e.address for e in data.emails])
    uow.session.add(client)
    await uow.session.flush()
    phones, emails = _add_contacts(uow, client.id, None, data.phones, data.emails)
    category_ids = sorted(set(node_ids))
    if category_ids:
        await _check_nodes(uow, category_ids)
        uow.session.add_all(placement_rows(client.id, category_ids))
    await uow.session.flush()
    uow.emit(ClientCreated(client_id=client.id, name=client.name, by_user_id=actor.id))
    if data.phones:
        uow.emit(ClientPhonesChanged(client.id, tuple(p.number for p in data.phones)))
    return await _client_out(uow, client, known=(phones, emails, category_ids))


def _add_contacts(
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


async def _check_nodes(uow: UnitOfWork, node_ids: Sequence[int]) -> None:
    unknown = sorted(set(node_ids) - await repo.existing_node_ids(uow.session, node_ids))
    if unknown:
        raise ValidationFailed(
            "No such classifier node", fields={"node_ids": f"unknown: {unknown}"}
        )


def _audit(
    uow: UnitOfWork,
    client_id: int,
    actor: Actor | None,
    now: datetime,
    name: str,
    old: Any,
    new: Any,
) -> None:
    uow.session.add(
        ClientAudit(
            client_id=client_id,
            user_id=actor.id if actor else None,
            at=now,
            field=name,
            old_value=_render(old),
            new_value=_render(new),
        )
    )


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
    client = await _require(uow, actor, policy, client_id)
    data = data.checked()
    await _check_refs(uow, data)
    if not allow_duplicate:
        duplicates = await find_duplicates(uow, data, exclude_id=client_id)
        if duplicates:
            raise DuplicateClient(duplicates)
    changes = _apply(client, data)
    for name, old, new in changes:
        _audit(uow, client.id, actor, now, name, *await _readable(uow, name, old, new))
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
        _audit(uow, client.id, actor, now, "phones", ", ".join(old_numbers), ", ".join(new_numbers))
        changed.append("phones")
        for phone in own_phones:
            await uow.session.delete(phone)
    old_emails = [e.address for e in own_emails]
    new_emails = [e.address for e in data.emails]
    if old_emails != list(dict.fromkeys(new_emails)):
        _audit(uow, client.id, actor, now, "emails", ", ".join(old_emails), ", ".join(new_emails))
        changed.append("emails")
        for email in own_emails:
            await uow.session.delete(email)
    await uow.session.flush()
    _add_contacts(
        uow,
        client.id,
        None,
        data.phones if "phones" in changed else [],
        data.emails if "emails" in changed else [],
    )
    client.search_text = _search_text(
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
    client = await _require(uow, actor, policy, client_id)
    if actor.role is Role.OPERATOR:
        raise Forbidden("Operators cannot archive clients")
    if client.archived_at is None:
        client.archived_at = now
        _audit(uow, client.id, actor, now, "archived", "active", "archived")
        uow.emit(ClientArchived(client.id, actor.id))


async def restore_client(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int, now: datetime
) -> None:
    client = await _require(uow, actor, policy, client_id)
    if client.merged_into_id is not None:
        raise Conflict("A merged client cannot be restored")
    if client.archived_at is not None:
        client.archived_at = None
        _audit(uow, client.id, actor, now, "archived", "archived", "active")
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
    keep = await _require(uow, actor, policy, keep_id)
    other = await _require(uow, actor, policy, other_id)
    if other.merged_into_id is not None:
        raise Conflict("That client was already merged into another")
    for name in AUDITED_FIELDS:
        if name in ("kind", "name"):
            continue
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, ""):
            _, shown = await _readable(uow, name, None, getattr(other, name))
            _audit(uow, keep.id, actor, now, name, None, shown)
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
    _audit(
        uow, keep.id, actor, now, "merged", f"#{other.id} {other.name}", f"#{keep.id} {keep.name}"
    )
    keep.updated_at = now
    await uow.session.flush()
    keep.search_text = _search_text(keep, await repo.search_parts(uow.session, keep.id))
    uow.emit(ClientsMerged(kept_id=keep.id, merged_id=other.id, by_user_id=actor.id))
    if moved_numbers:
        uow.emit(ClientPhonesChanged(keep.id, tuple(sorted(set(moved_numbers)))))
    return await _client_out(uow, keep)


# -- contact persons -------------------------------------------------------------------


async def list_contact_persons(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> list[ContactPersonOut]:
    await _require(uow, actor, policy, client_id)
    people = await repo.list_contact_persons(uow.session, client_id)
    phones = await repo.list_phones(uow.session, [client_id])
    emails = await repo.list_emails(uow.session, [client_id])
    return [
        ContactPersonOut(
            id=p.id,
            client_id=p.client_id,
            name=p.name,
            position=p.position,
            notes=p.notes,
            phones=[_phone_out(x) for x in phones if x.contact_person_id == p.id],
            emails=[_email_out(x) for x in emails if x.contact_person_id == p.id],
        )
        for p in people
    ]


async def _require_person(uow: UnitOfWork, client_id: int, person_id: int) -> ContactPerson:
    person = await uow.session.get(ContactPerson, person_id)
    if person is None or person.client_id != client_id or person.archived_at is not None:
        raise NotFound(f"No contact person with id {person_id}")
    return person


async def save_contact_person(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    data: ContactPersonIn,
    now: datetime,
    person_id: int | None = None,
) -> int:
    client = await _require(uow, actor, policy, client_id)
    if client.kind != "legal":
        raise ValidationFailed("Only a legal entity has contact persons")
    old_numbers: set[str] = set()
    if person_id is None:
        person = ContactPerson(client_id=client_id, name=data.name)
        uow.session.add(person)
        _audit(uow, client_id, actor, now, "contact_person", None, data.name)
    else:
        person = await _require_person(uow, client_id, person_id)
        if person.name != data.name:
            _audit(uow, client_id, actor, now, "contact_person", person.name, data.name)
        for phone in await repo.list_phones(uow.session, [client_id]):
            if phone.contact_person_id == person_id:
                old_numbers.add(phone.number)
                await uow.session.delete(phone)
        for email in await repo.list_emails(uow.session, [client_id]):
            if email.contact_person_id == person_id:
                await uow.session.delete(email)
    person.name = data.name
    person.position = data.position
    person.notes = data.notes
    await uow.session.flush()
    _add_contacts(uow, client_id, person.id, data.phones, data.emails)
    client.updated_at = now
    await uow.session.flush()
    client.search_text = _search_text(client, await repo.search_parts(uow.session, client_id))
    numbers = old_numbers | {p.number for p in data.phones}
    if numbers:
        uow.emit(ClientPhonesChanged(client_id, tuple(sorted(numbers))))
    return person.id


async def remove_contact_person(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    person_id: int,
    now: datetime,
) -> None:
    await _require(uow, actor, policy, client_id)
    person = await _require_person(uow, client_id, person_id)
    numbers = [
        p.number
        for p in await repo.list_phones(uow.session, [client_id])
        if p.contact_person_id == person_id
    ]
    person.archived_at = now
    for phone in await repo.list_phones(uow.session, [client_id]):
        if phone.contact_person_id == person_id:
            await uow.session.delete(phone)
    _audit(uow, client_id, actor, now, "contact_person", person.name, None)
    if numbers:
        uow.emit(ClientPhonesChanged(client_id, tuple(numbers)))


# -- notes, files, audit ---------------------------------------------------------------


async def add_note(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    data: NoteIn,
    now: datetime,
) -> NoteOut:
    await _require(uow, actor, policy, client_id)
    note = ClientNote(client_id=client_id, author_id=actor.id, text=data.text, created_at=now)
    uow.session.add(note)
    await uow.session.flush()
    return NoteOut(
        id=note.id,
        client_id=client_id,
        author_id=actor.id,
        author=actor.name,
        text=note.text,
        created_at=now,
    )


async def list_notes(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> list[NoteOut]:
    await _require(uow, actor, policy, client_id)
    notes = await repo.list_notes(uow.session, client_id, None, None, 1000)
    names = await repo.user_names(uow.session, [n.author_id for n in notes if n.author_id])
    return [
        NoteOut(
            id=n.id,
            client_id=n.client_id,
            author_id=n.author_id,
            author=names.get(n.author_id) if n.author_id else None,
            text=n.text,
            created_at=n.created_at,
        )
        for n in notes
    ]


def check_upload(policy: ClientsPolicy, filename: str, size: int) -> str:
    """The content type of an acceptable upload, judged by its name; else a clear error."""
    if size > policy.upload_max_bytes:
        limit_mb = policy.upload_max_bytes / (1024 * 1024)
        raise BadUpload(f"The file is larger than {limit_mb:g} MB", fields={"file": "too large"})
    if size == 0:
        raise BadUpload("The file is empty", fields={"file": "empty"})
    content_type, _ = mimetypes.guess_type(filename)
    if content_type is None or content_type not in policy.upload_allowed_types:
        raise BadUpload("Files of this type are not accepted", fields={"file": "type not accepted"})
    return content_type


async def add_file(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    filename: str,
    content: bytes,
    now: datetime,
) -> FileOut:
    await _require(uow, actor, policy, client_id)
    safe_name = Path(filename.replace("\\", "/")).name[:200] or "file"
    content_type = check_upload(policy, safe_name, len(content))
    key = secrets.token_hex(16)
    policy.uploads_dir.mkdir(parents=True, exist_ok=True)
    (policy.uploads_dir / key).write_bytes(content)
    row = ClientFile(
        client_id=client_id,
        uploader_id=actor.id,
        filename=safe_name,
        content_type=content_type,
        size=len(content),
        storage_key=key,
        created_at=now,
    )
    uow.session.add(row)
    await uow.session.flush()
    return FileOut(
        id=row.id,
        client_id=client_id,
        filename=safe_name,
        content_type=content_type,
        size=row.size,
        uploader=actor.name,
        created_at=now,
    )


async def list_files(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> list[FileOut]:
    await _require(uow, actor, policy, client_id)
    rows = await repo.list_files(uow.session, client_id)
    names = await repo.user_names(uow.session, [r.uploader_id for r in rows if r.uploader_id])
    return [
        FileOut(
            id=r.id,
            client_id=r.client_id,
            filename=r.filename,
            content_type=r.content_type,
            size=r.size,
            uploader=names.get(r.uploader_id) if r.uploader_id else None,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def open_file(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int, file_id: int
) -> tuple[FileOut, Path]:
    await _require(uow, actor, policy, client_id)
    row = await uow.session.get(ClientFile, file_id)
    if row is None or row.client_id != client_id:
        raise NotFound(f"No file with id {file_id}")
    out = FileOut(
        id=row.id,
        client_id=row.client_id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        uploader=None,
        created_at=row.created_at,
    )
    return out, policy.uploads_dir / row.storage_key


async def list_audit(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> list[AuditOut]:
    await _require(uow, actor, policy, client_id)
    rows = await repo.list_audit(uow.session, client_id)
    names = await repo.user_names(uow.session, [r.user_id for r in rows if r.user_id])
    return [
        AuditOut(
            at=r.at,
            user=names.get(r.user_id) if r.user_id else None,
            field=r.field,
            old_value=r.old_value,
            new_value=r.new_value,
        )
        for r in rows
    ]


async def require_visible(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> None:
    await _require(uow, actor, policy, client_id)


async def timeline_source(uow: UnitOfWork, window: TimelineWindow) -> list[TimelineEntry]:
    """The clients module's own entries: notes, dossier changes, files."""
    session = uow.session
    notes = await repo.list_notes(
        session, window.client_id, window.since, window.until, window.limit
    )
    files = await repo.list_files(
        session, window.client_id, window.since, window.until, window.limit
    )
    audit = await repo.list_audit(
        session, window.client_id, window.since, window.until, window.limit
    )
    names = await repo.user_names(
        session,
        [n.author_id for n in notes if n.author_id]
        + [f.uploader_id for f in files if f.uploader_id]
        + [a.user_id for a in audit if a.user_id],
    )
    entries = [
        TimelineEntry(
            at=n.created_at,
            kind="note",
            title="Note",
            body=n.text,
            author=names.get(n.author_id) if n.author_id else None,
        )
        for n in notes
    ]
    entries += [
        TimelineEntry(
            at=f.created_at,
            kind="file",
            title=f.filename,
            body=None,
            author=names.get(f.uploader_id) if f.uploader_id else None,
            link=f"/clients/{window.client_id}/files/{f.id}",
        )
        for f in files
    ]
    entries += [
        TimelineEntry(
            at=a.at,
            kind="change",
            title=a.field,
            body=f"{a.old_value or '—'} → {a.new_value or '—'}",
            author=names.get(a.user_id) if a.user_id else None,
        )
        for a in audit
    ]
    return entries


# -- classifier ------------------------------------------------------------------------


async def list_nodes(uow: UnitOfWork, actor: Actor, policy: ClientsPolicy) -> list[NodeOut]:
    tree = await load_tree(uow)
    counts = tree.counts(await repo.node_client_counts(uow.session, visibility(actor, policy)))
    return [
        NodeOut(
            id=n,
            name=tree.names[n],
            parent_ids=sorted(tree.parents.get(n, [])),
            position=tree.positions.get(n, 0),
            client_count=counts.get(n, 0),
        )
        for n in sorted(tree.names)
    ]


async def _check_parents(
    uow: UnitOfWork, tree: Tree, node_id: int | None, parent_ids: Sequence[int]
) -> None:
    for parent_id in parent_ids:
        if parent_id not in tree.names:
            raise ValidationFailed(
                "No such parent node", fields={"parent_ids": f"no node {parent_id}"}
            )
    if node_id is not None and tree.would_cycle(node_id, parent_ids):
        raise ValidationFailed(
            "A node cannot be placed under itself or its descendants",
            fields={"parent_ids": "would make a cycle"},
        )


def _require_editor(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden("Only managers and admins edit the classifier")


async def create_node(uow: UnitOfWork, actor: Actor, data: NodeIn) -> int:
    _require_editor(actor)
    tree = await load_tree(uow)
    await _check_parents(uow, tree, None, data.parent_ids)
    node = ClassifierNode(name=data.name, position=data.position)
    uow.session.add(node)
    await uow.session.flush()
    await repo.set_edges(uow.session, node.id, sorted(set(data.parent_ids)))
    return node.id


async def update_node(uow: UnitOfWork, actor: Actor, node_id: int, data: NodeIn) -> None:
    """Rename or move a node (its parents are replaced by `data.parent_ids`)."""
    _require_editor(actor)
    node = await uow.session.get(ClassifierNode, node_id)
    if node is None:
        raise NoSuchNode(f"No classifier node with id {node_id}")
    tree = await load_tree(uow)
    await _check_parents(uow, tree, node_id, data.parent_ids)
    node.name = data.name
    node.position = data.position
    await repo.set_edges(uow.session, node_id, sorted(set(data.parent_ids)))


async def delete_node(uow: UnitOfWork, actor: Actor, node_id: int) -> None:
    """Delete a node and the nodes that hang only from it.

    The rule for clients: clients placed in a deleted node lose that placement and stay in
    the dossier; a child that has another parent survives under it.
    """
    _require_editor(actor)
    tree = await load_tree(uow)
    if node_id not in tree.names:
        raise NoSuchNode(f"No classifier node with id {node_id}")
    doomed = {node_id}
    changed = True
    while changed:
        changed = False
        for candidate in tree.names:
            if candidate in doomed:
                continue
            parents = set(tree.parents.get(candidate, []))
            if parents and parents <= doomed:
                doomed.add(candidate)
                changed = True
    for doomed_id in doomed:
        node = await uow.session.get(ClassifierNode, doomed_id)
        if node is not None:
            await uow.session.delete(node)


async def place_client(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    node_ids: Sequence[int],
    now: datetime,
) -> None:
    await _require(uow, actor, policy, client_id)
    if actor.role is Role.DEALER:
        raise Forbidden("Dealers cannot classify clients")
    await _place(uow, client_id, node_ids, actor=actor, now=now)


async def _place(
    uow: UnitOfWork,
    client_id: int,
    node_ids: Sequence[int],
    *,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> None:
    tree = await load_tree(uow)
    unknown = [n for n in node_ids if n not in tree.names]
    if unknown:
        raise ValidationFailed(
            "No such classifier node", fields={"node_ids": f"unknown: {unknown}"}
        )
    before = await repo.list_category_ids(uow.session, client_id)
    after = sorted(set(node_ids))
    if before == after:
        return
    await repo.set_placements(uow.session, client_id, after)
    if now is not None:
        _audit(
            uow,
            client_id,
            actor,
            now,
            "classifier",
            ", ".join(tree.label(n) for n in before if n in tree.names),
            ", ".join(tree.label(n) for n in after),
        )


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
    return status.id


def placement_rows(client_id: int, node_ids: Sequence[int]) -> list[ClientCategory]:
    return [ClientCategory(client_id=client_id, node_id=n) for n in node_ids]


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
    client = await _require(uow, actor, policy, client_id)
    if person_id is not None:
        await _require_person(uow, client_id, person_id)
    existing = await repo.list_phones(uow.session, [client_id])
    if any(p.number == phone.number and p.contact_person_id == person_id for p in existing):
        raise Conflict("This number is already there", fields={"number": "already there"})
    _add_contacts(uow, client_id, person_id, [phone], [])
    _audit(uow, client_id, actor, now, "phones", None, phone.number)
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
    client = await _require(uow, actor, policy, client_id)
    phone = await uow.session.get(ClientPhone, phone_id)
    if phone is None or phone.client_id != client_id:
        raise NotFound(f"No phone with id {phone_id}")
    await uow.session.delete(phone)
    _audit(uow, client_id, actor, now, "phones", phone.number, None)
    client.updated_at = now
    uow.emit(ClientPhonesChanged(client_id, (phone.number,)))
