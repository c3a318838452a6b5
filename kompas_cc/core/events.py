"""The base of domain events: frozen, past-tense dataclasses of plain values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    """Every domain event derives from this; subscribers are keyed by the concrete class."""
