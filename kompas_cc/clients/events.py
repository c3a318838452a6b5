"""Facts about clients, published after commit."""

from __future__ import annotations

from dataclasses import dataclass

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class ClientCreated(Event):
    """A client entered the dossier (by hand, by import, or from a call or e-mail)."""

    client_id: int
    name: str
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class ClientUpdated(Event):
    """Fields of a client changed; `fields` names them."""

    client_id: int
    fields: tuple[str, ...]
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class ClientPhonesChanged(Event):
    """The phone numbers of a client or its contact persons changed: lookups must see it."""

    client_id: int
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClientArchived(Event):
    """A client was archived; its history stays."""

    client_id: int
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class ClientsMerged(Event):
    """`merged_id` was folded into `kept_id`; other domains repoint their references."""

    kept_id: int
    merged_id: int
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class ClientStatusesChanged(Event):
    """The list of client statuses was edited (names, order, the default)."""


@dataclass(frozen=True, slots=True)
class ClassifierChanged(Event):
    """Nodes of the classifier were added, renamed, moved or deleted (`deleted_ids`)."""

    deleted_ids: tuple[int, ...] = ()
