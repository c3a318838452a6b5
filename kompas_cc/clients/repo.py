"""Queries over clients and the classifier. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    delete,
    exists,
    false,
    select,
    table,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kompas_cc.clients.models import (
    ClassifierEdge,
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

#: The users table seen only through the columns the dossier shows (no import of staff models).
users = table("users", column("id"), column("name"), column("role"), column("is_active"))


async def get_client(session: AsyncSession, client_id: int) -> Client | None:
    return await session.get(Client, client_id)


async def list_phones(session: AsyncSession, client_ids: Sequence[int]) -> list[ClientPhone]:
    if not client_ids:
        return []
    result = await session.execute(
        select(ClientPhone)
        .where(ClientPhone.client_id.in_(client_ids))
        .order_by(ClientPhone.client_id, ClientPhone.id)
    )
    return list(result.scalars())


async def list_emails(session: AsyncSession, client_ids: Sequence[int]) -> list[ClientEmail]:
    if not client_ids:
        return []
    result = await session.execute(
        select(ClientEmail)
        .where(ClientEmail.client_id.in_(client_ids))
        .order_by(ClientEmail.client_id, ClientEmail.id)
    )
    return list(result.scalars())


async def list_contact_persons(session: AsyncSession, client_id: int) -> list[ContactPerson]:
    result = await session.execute(
        select(ContactPerson)
        .where(ContactPerson.client_id == client_id, ContactPerson.archived_at.is_(None))
        .order_by(ContactPerson.name)
    )
    return list(result.scalars())


async def list_category_ids(session: AsyncSession, client_id: int) -> list[int]:
    result = await session.execute(
        select(ClientCategory.node_id).where(ClientCategory.client_id == client_id)
    )
    return sorted(result.scalars())


#: The call pop-up lookup, for the fast read path: plain SQL, one named parameter,
#: :number (E.164). Who may see which row is decided afterwards, in Python.
PHONE_LOOKUP_SQL = """
SELECT c.id, c.name, c.kind, p.contact_person_id, cp.name, c.manager_id
FROM client_phones AS p
JOIN clients AS c ON c.id = p.client_id
LEFT JOIN contact_persons AS cp ON cp.id = p.contact_person_id
WHERE p.number = :number AND c.archived_at IS NULL
ORDER BY c.id, p.id
"""


async def owners_of_numbers(
    session: AsyncSession, numbers: Sequence[str]
) -> list[tuple[str, int, int | None]]:
    """(number, client id, contact person id) of every unarchived client holding one of
    these numbers, its own or a contact person's: the batch form of PHONE_LOOKUP_SQL."""
    if not numbers:
        return []
    result = await session.execute(
        select(ClientPhone.number, Client.id, ClientPhone.contact_person_id)
        .join(Client, Client.id == ClientPhone.client_id)
        .where(ClientPhone.number.in_(sorted(set(numbers))), Client.archived_at.is_(None))
    )
    return [(str(number), int(cid), person) for number, cid, person in result.all()]


async def find_duplicates(
    session: AsyncSession, inn: str | None, numbers: Iterable[str], exclude_id: int | None
) -> list[tuple[int, str, str]]:
    """Clients already holding this INN or one of these numbers: (id, name, reason)."""
    found: dict[int, tuple[int, str, str]] = {}
    base: ColumnElement[bool] = Client.archived_at.is_(None)
    if exclude_id is not None:
        base = and_(base, Client.id != exclude_id)
    if inn:
        rows = await session.execute(select(Client.id, Client.name).where(base, Client.inn == inn))
        for cid, name in rows.all():
            found[cid] = (cid, name, "inn")
    numbers = list(numbers)
    if numbers:
        phone_rows = await session.execute(
            select(Client.id, Client.name, ClientPhone.number)
            .join(ClientPhone, ClientPhone.client_id == Client.id)
            .where(base, ClientPhone.number.in_(numbers))
        )
        for cid, name, number in phone_rows.all():
            found.setdefault(cid, (cid, name, f"phone:{number}"))
    return list(found.values())


def client_list_stmt(
    filters: Sequence[ColumnElement[bool]],
) -> Select[Client, str | None, str | None]:
    """Clients with their status and manager names, by id."""
    status_name = ClientStatus.name.label("status_name")
    manager_name = users.c.name.label("manager_name")
    return (
        select(Client, status_name, manager_name)
        .outerjoin(ClientStatus, ClientStatus.id == Client.status_id)
        .outerjoin(users, users.c.id == Client.manager_id)
        .where(*filters)
        .order_by(Client.id)
    )


def has_phone_like(digits: str) -> ColumnElement[bool]:
    return exists().where(
        ClientPhone.client_id == Client.id, ClientPhone.number.contains(digits, autoescape=True)
    )


def has_phone(number: str) -> ColumnElement[bool]:
    return exists().where(ClientPhone.client_id == Client.id, ClientPhone.number == number)


def text_matches(text: str) -> ColumnElement[bool]:
    return Client.search_text.contains(text.casefold(), autoescape=True)


def nobody() -> ColumnElement[bool]:
    return false()


def everybody() -> ColumnElement[bool]:
    return true()


async def search_parts(session: AsyncSession, client_id: int) -> list[str]:
    """Texts that make up the search key: e-mails and contact persons' names."""
    emails = await session.execute(
        select(ClientEmail.address).where(ClientEmail.client_id == client_id)
    )
    people = await session.execute(
        select(ContactPerson.name).where(
            ContactPerson.client_id == client_id, ContactPerson.archived_at.is_(None)
        )
    )
    return [*emails.scalars(), *people.scalars()]


async def list_statuses(session: AsyncSession) -> list[ClientStatus]:
    result = await session.execute(
        select(ClientStatus).order_by(ClientStatus.position, ClientStatus.name)
    )
    return list(result.scalars())


async def user_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    result = await session.execute(select(users.c.id, users.c.name).where(users.c.id.in_(ids)))
    return {row[0]: row[1] for row in result.all()}


async def list_notes(
    session: AsyncSession,
    client_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[ClientNote]:
    stmt = select(ClientNote).where(ClientNote.client_id == client_id)
    if since:
        stmt = stmt.where(ClientNote.created_at >= since)
    if until:
        stmt = stmt.where(ClientNote.created_at < until)
    result = await session.execute(stmt.order_by(ClientNote.created_at.desc()).limit(limit))
    return list(result.scalars())


async def list_files(
    session: AsyncSession,
    client_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[ClientFile]:
    stmt = select(ClientFile).where(ClientFile.client_id == client_id)
    if since:
        stmt = stmt.where(ClientFile.created_at >= since)
    if until:
        stmt = stmt.where(ClientFile.created_at < until)
    result = await session.execute(stmt.order_by(ClientFile.created_at.desc()).limit(limit))
    return list(result.scalars())


async def list_audit(
    session: AsyncSession,
    client_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[ClientAudit]:
    stmt = select(ClientAudit).where(ClientAudit.client_id == client_id)
    if since:
        stmt = stmt.where(ClientAudit.at >= since)
    if until:
        stmt = stmt.where(ClientAudit.at < until)
    result = await session.execute(
        stmt.order_by(ClientAudit.at.desc(), ClientAudit.id.desc()).limit(limit)
    )
    return list(result.scalars())


async def list_nodes(session: AsyncSession) -> list[ClassifierNode]:
    result = await session.execute(
        select(ClassifierNode).order_by(ClassifierNode.position, ClassifierNode.name)
    )
    return list(result.scalars())


async def list_edges(session: AsyncSession) -> list[tuple[int, int]]:
    result = await session.execute(select(ClassifierEdge.parent_id, ClassifierEdge.child_id))
    return [(p, c) for p, c in result.all()]


async def set_edges(session: AsyncSession, child_id: int, parent_ids: Iterable[int]) -> None:
    await session.execute(delete(ClassifierEdge).where(ClassifierEdge.child_id == child_id))
    for parent_id in parent_ids:
        session.add(ClassifierEdge(parent_id=parent_id, child_id=child_id))


async def set_placements(session: AsyncSession, client_id: int, node_ids: Iterable[int]) -> None:
    await session.execute(delete(ClientCategory).where(ClientCategory.client_id == client_id))
    for node_id in sorted(set(node_ids)):
        session.add(ClientCategory(client_id=client_id, node_id=node_id))


async def reassign_client_rows(session: AsyncSession, source_id: int, target_id: int) -> None:
    """Repoint a merged client's contact persons, notes, files and audit at the kept one."""
    moved = {"client_id": target_id}
    for stmt in (
        update(ContactPerson).where(ContactPerson.client_id == source_id),
        update(ClientNote).where(ClientNote.client_id == source_id),
        update(ClientFile).where(ClientFile.client_id == source_id),
        update(ClientAudit).where(ClientAudit.client_id == source_id),
    ):
        await session.execute(stmt.values(moved))


async def list_user_choices(session: AsyncSession) -> list[tuple[int, str]]:
    """Active staff who may be responsible for a client."""
    result = await session.execute(
        select(users.c.id, users.c.name)
        .where(users.c.is_active.is_(True), users.c.role.in_(("admin", "manager", "operator")))
        .order_by(users.c.name)
    )
    return [(row[0], row[1]) for row in result.all()]


async def existing_node_ids(session: AsyncSession, node_ids: Iterable[int]) -> set[int]:
    result = await session.execute(
        select(ClassifierNode.id).where(ClassifierNode.id.in_(list(node_ids)))
    )
    return set(result.scalars())


# -- The list index's reads (fast read path, see kompas_cc.db.fastread) -------------------
#
# Times are read as numbers that order as the times do; ids arrive as one parameter: a JSON
# array on SQLite, an integer array on PostgreSQL.

_TIME_NUMBER = {"sqlite": "julianday({})", "postgresql": "CAST(extract(epoch FROM {}) AS float8)"}
_IDS_IN = {
    "sqlite": "IN (SELECT value FROM json_each(:ids))",
    "postgresql": "= ANY(CAST(:ids AS int[]))",
}


def _facet_columns(dialect: str) -> str:
    time = _TIME_NUMBER[dialect]
    return (
        "c.id, c.kind, c.name, c.inn, c.status_id, c.manager_id, c.archived_at IS NOT NULL, "
        f"{time.format('c.created_at')}, {time.format('c.updated_at')}"
    )


def facet_rows_after_sql(dialect: str) -> str:
    return (
        f"SELECT {_facet_columns(dialect)} FROM clients AS c "
        "WHERE c.id > :after ORDER BY c.id LIMIT :limit"
    )


def facet_rows_of_sql(dialect: str) -> str:
    return f"SELECT {_facet_columns(dialect)} FROM clients AS c WHERE c.id {_IDS_IN[dialect]}"


def placements_of_sql(dialect: str) -> str:
    return f"SELECT client_id, node_id FROM client_categories WHERE client_id {_IDS_IN[dialect]}"


PLACEMENTS_OF_NODE_SQL = """
SELECT client_id FROM client_categories
WHERE node_id = :node AND client_id > :after ORDER BY client_id LIMIT :limit
"""
NODE_IDS_SQL = "SELECT id FROM classifier_nodes"
STATUS_NAMES_SQL = "SELECT id, name FROM client_statuses"
USER_NAMES_SQL = "SELECT id, name FROM users"
CHANGED_SINCE_SQL = "SELECT id FROM clients WHERE updated_at >= :since"
LATEST_CHANGE_SQL = "SELECT max(updated_at) FROM clients"


def page_rows_sql(dialect: str) -> str:
    """What a list page shows of each client, by id (in no particular order)."""
    return f"""
SELECT c.id, c.kind, c.name, c.inn, s.name, u.name, c.archived_at IS NOT NULL, c.created_at,
       (SELECT p.number FROM client_phones AS p
        WHERE p.client_id = c.id AND p.contact_person_id IS NULL ORDER BY p.id LIMIT 1)
FROM clients AS c
LEFT JOIN client_statuses AS s ON s.id = c.status_id
LEFT JOIN users AS u ON u.id = c.manager_id
WHERE c.id {_IDS_IN[dialect]}
"""
