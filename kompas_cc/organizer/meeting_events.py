"""Facts about meetings and their decisions, published after commit."""

from __future__ import annotations

from dataclasses import dataclass

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class MeetingPlanned(Event):
    """A meeting was set up (in any status: a held one may be recorded afterwards)."""

    meeting_id: int
    organiser_id: int
    by_user_id: int


@dataclass(frozen=True, slots=True)
class MeetingChanged(Event):
    """Fields of a meeting changed (`fields` names them: "status", "agenda", "minutes" ...)."""

    meeting_id: int
    fields: tuple[str, ...]
    by_user_id: int


@dataclass(frozen=True, slots=True)
class MeetingDeleted(Event):
    """A meeting was deleted with its preparation and decisions (and their tasks)."""

    meeting_id: int
    by_user_id: int


@dataclass(frozen=True, slots=True)
class DecisionTaken(Event):
    """A decision was recorded at a meeting; `task_id` carries it out."""

    decision_id: int
    meeting_id: int
    responsible_id: int
    task_id: int


@dataclass(frozen=True, slots=True)
class DecisionChanged(Event):
    """A decision's text, responsible person or deadline changed (its task followed)."""

    decision_id: int
    meeting_id: int
    fields: tuple[str, ...]
    by_user_id: int


@dataclass(frozen=True, slots=True)
class DecisionDeleted(Event):
    """A decision was deleted with its task."""

    decision_id: int
    meeting_id: int
    by_user_id: int
