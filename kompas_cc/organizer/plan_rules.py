"""How a month's plan becomes day plans, and how fact is judged against plan.

Pure functions of plain values; docs/work-plans.md tells the rules for people.

* The month's number of a kind, less what the edited days of that kind hold, is spread
  over the working days not edited by hand: whole numbers that sum exactly to it, each day
  the average rounded down or up, the extra units on evenly spaced days from the first on.
* A day not edited by hand plans the larger of its share and what is already scheduled for
  it (planned contacts of the kind, tasks due), so that a busy day is never planned lighter
  than its calendar; an edited day plans exactly what was entered.
* Fact is judged against the plan of the days already over ("plan to date"): on pace,
  behind (at least PACE_BEHIND of it), or under.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

#: Below this share of the plan to date, fact is "under" plan rather than "behind".
PACE_BEHIND = 0.8

Pace = Literal["none", "ok", "behind", "under"]


def spread(total: int, days: int) -> list[int]:
    """`total` over `days` days, summing to exactly `total` (cumulative ceiling: the day
    i gets ceil(total*i/days) - ceil(total*(i-1)/days))."""
    if days <= 0:
        return []

    def upto(i: int) -> int:
        return -(-total * i // days)

    return [upto(i) - upto(i - 1) for i in range(1, days + 1)]


@dataclass(frozen=True, slots=True)
class DayCell:
    """One kind on one day: its share of the month, what is scheduled, a hand-set number."""

    share: int
    scheduled: int
    override: int | None

    @property
    def plan(self) -> int:
        if self.override is not None:
            return self.override
        return max(self.share, self.scheduled)


def day_cells(
    total: int,
    days: Sequence[date],
    working: Collection[date],
    overrides: Mapping[date, int],
    scheduled: Mapping[date, int],
) -> dict[date, DayCell]:
    """The cells of one kind for `days` (a month): the month's `total` less the edited
    days' numbers, spread over the working days that were not edited."""
    free = [d for d in days if d in working and d not in overrides]
    rest = max(0, total - sum(overrides.get(d, 0) for d in days))
    shares = dict(zip(free, spread(rest, len(free)), strict=True))
    return {
        day: DayCell(shares.get(day, 0), scheduled.get(day, 0), overrides.get(day)) for day in days
    }


def percent(fact: int, plan: int) -> float | None:
    """Fact as a percentage of plan; None without a plan."""
    if plan <= 0:
        return None
    return round(fact * 100 / plan, 1)


def fulfilment(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Of (fact, plan) pairs of several kinds: the share of the plan done, in percent, each
    kind counted at most up to its plan (extra calls make up for no missed meeting)."""
    done = planned = 0
    for fact, plan in pairs:
        done += min(fact, plan)
        planned += plan
    if planned <= 0:
        return None
    return round(done * 100 / planned, 1)


def pace(fact: int, plan: int, plan_to_date: int) -> Pace:
    """ "none" without a plan; "ok" when fact reaches the plan to date (or the whole plan);
    "behind" from PACE_BEHIND of it; "under" below."""
    if plan <= 0:
        return "none"
    due = min(plan_to_date, plan)
    if fact >= due:
        return "ok"
    if fact >= due * PACE_BEHIND:
        return "behind"
    return "under"


def prorated(plan: int, working_days_over: int, working_days: int) -> int:
    """The part of a month's plan due after some of its working days (rounded down)."""
    if working_days <= 0:
        return plan if working_days_over > 0 else 0
    return plan * min(working_days_over, working_days) // working_days
