"""The audit trail of a client's dossier: who changed which field, when, old -> new."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kompas_cc.clients import repo
from kompas_cc.clients.models import ClientAudit
from kompas_cc.clients.schemas import CLIENT_FIELD_LABELS
from kompas_cc.core.actor import Actor
from kompas_cc.db.uow import UnitOfWork

#: How the audit trail's field names read to people (English source text, translated).
AUDIT_FIELD_LABELS: dict[str, str] = {
    **CLIENT_FIELD_LABELS,
    "status_id": "Status",
    "manager_id": "Manager",
    "phones": "Phones",
    "emails": "E-mails",
    "contact_person": "Contact person",
    "classifier": "Classifier",
    "archived": "Archive",
    "merged": "Merged",
}


async def readable(uow: UnitOfWork, field: str, old: Any, new: Any) -> tuple[Any, Any]:
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


def record_change(
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
