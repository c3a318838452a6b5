"""Who sees which clients: the one rule, used by every list, card, lookup and export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kompas_cc.clients import repo
from kompas_cc.clients.models import Client, ContactPerson
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import NotFound
from kompas_cc.db.uow import UnitOfWork


class NoSuchClient(NotFound):
    error_id = "no-such-client"


@dataclass(frozen=True, slots=True)
class ClientsPolicy:
    """Settings the clients module needs, as plain values."""

    visibility: str = "all"
    region: str = "RU"
    uploads_dir: Path = Path("var/uploads")
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_allowed_types: tuple[str, ...] = ()


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


def may_see(actor: Actor, policy: ClientsPolicy, client: Client) -> bool:
    scope = visibility_scope(actor, policy)
    return scope.kind == "all" or (scope.kind == "own" and client.manager_id == scope.user_id)


async def require_client(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, client_id: int
) -> Client:
    client = await repo.get_client(uow.session, client_id)
    if client is None or not may_see(actor, policy, client):
        raise NoSuchClient(f"No client with id {client_id}")
    return client


async def require_person(uow: UnitOfWork, client_id: int, person_id: int) -> ContactPerson:
    person = await uow.session.get(ContactPerson, person_id)
    if person is None or person.client_id != client_id or person.archived_at is not None:
        raise NotFound(f"No contact person with id {person_id}")
    return person
