"""Use cases of the collective dossier: contact persons, notes, files, the audit trail and
the client's own timeline entries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kompas_cc.clients import repo
from kompas_cc.clients.access import ClientsPolicy, require_client, require_person
from kompas_cc.clients.audit import record_change
from kompas_cc.clients.events import ClientPhonesChanged, ClientUpdated
from kompas_cc.clients.models import ClientFile, ClientNote, ContactPerson
from kompas_cc.clients.schemas import (
    AuditOut,
    ContactPersonIn,
    ContactPersonOut,
    FileOut,
    NoteIn,
    NoteOut,
)
from kompas_cc.clients.service import add_contacts, email_out, phone_out, search_text
from kompas_cc.clients.timeline import TimelineEntry, TimelineWindow
from kompas_cc.core import uploads
from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import NotFound, ValidationFailed
from kompas_cc.core.uploads import BadUpload as BadUpload  # the handlers catch it here
from kompas_cc.db.uow import UnitOfWork


async def list_contact_persons(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> list[ContactPersonOut]:
    await require_client(uow, actor, policy, client_id)
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
            phones=[phone_out(x) for x in phones if x.contact_person_id == p.id],
            emails=[email_out(x) for x in emails if x.contact_person_id == p.id],
        )
        for p in people
    ]


async def save_contact_person(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    data: ContactPersonIn,
    now: datetime,
    person_id: int | None = None,
) -> int:
    client = await require_client(uow, actor, policy, client_id)
    if client.kind != "legal":
        raise ValidationFailed("Only a legal entity has contact persons")
    old_numbers: set[str] = set()
    if person_id is None:
        person = ContactPerson(client_id=client_id, name=data.name)
        uow.session.add(person)
        record_change(uow, client_id, actor, now, "contact_person", None, data.name)
    else:
        person = await require_person(uow, client_id, person_id)
        if person.name != data.name:
            record_change(uow, client_id, actor, now, "contact_person", person.name, data.name)
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
    add_contacts(uow, client_id, person.id, data.phones, data.emails)
    client.updated_at = now
    if person_id is None:
        # A new person only adds words to the search key; no need to read it all back.
        added = [data.name.casefold(), *(e.address for e in data.emails)]
        client.search_text = " ".join([client.search_text, *added])
    else:
        await uow.session.flush()
        client.search_text = search_text(client, await repo.search_parts(uow.session, client_id))
    numbers = old_numbers | {p.number for p in data.phones}
    if numbers:
        uow.emit(ClientPhonesChanged(client_id, tuple(sorted(numbers))))
    uow.emit(ClientUpdated(client_id, ("contact_person",), actor.id))
    return person.id


async def remove_contact_person(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    person_id: int,
    now: datetime,
) -> None:
    await require_client(uow, actor, policy, client_id)
    person = await require_person(uow, client_id, person_id)
    numbers = [
        p.number
        for p in await repo.list_phones(uow.session, [client_id])
        if p.contact_person_id == person_id
    ]
    person.archived_at = now
    for phone in await repo.list_phones(uow.session, [client_id]):
        if phone.contact_person_id == person_id:
            await uow.session.delete(phone)
    record_change(uow, client_id, actor, now, "contact_person", person.name, None)
    if numbers:
        uow.emit(ClientPhonesChanged(client_id, tuple(numbers)))
    uow.emit(ClientUpdated(client_id, ("contact_person",), actor.id))


# -- notes, files, audit ---------------------------------------------------------------


async def add_note(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    data: NoteIn,
    now: datetime,
) -> NoteOut:
    await require_client(uow, actor, policy, client_id)
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
    await require_client(uow, actor, policy, client_id)
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
    return uploads.check_upload(
        policy.upload_max_bytes, policy.upload_allowed_types, filename, size
    )


async def add_file(
    uow: UnitOfWork,
    actor: Actor,
    policy: ClientsPolicy,
    client_id: int,
    filename: str,
    content: bytes,
    now: datetime,
) -> FileOut:
    await require_client(uow, actor, policy, client_id)
    safe_name = uploads.clean_name(filename)
    content_type = check_upload(policy, safe_name, len(content))
    key = uploads.store(policy.uploads_dir, content)
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
    await require_client(uow, actor, policy, client_id)
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
    await require_client(uow, actor, policy, client_id)
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
    return out, uploads.stored_path(policy.uploads_dir, row.storage_key)


async def list_audit(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> list[AuditOut]:
    await require_client(uow, actor, policy, client_id)
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
    await require_client(uow, actor, policy, client_id)


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
