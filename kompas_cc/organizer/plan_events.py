"""Facts about work plans, published after commit (for KPI and bonus calculations to come)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class WorkPlanSet(Event):
    """The month plan of an employee was set; `month` is the month's first day."""

    user_id: int
    month: date
    by_user_id: int


@dataclass(frozen=True, slots=True)
class DayPlanSet(Event):
    """A day's plan of an employee was set by hand, or given back to the month (`kinds`
    names the kinds now set by hand; empty when none is)."""

    user_id: int
    day: date
    kinds: tuple[str, ...]
    by_user_id: int
