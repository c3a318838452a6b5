"""The month chart of plan against fact, as SVG geometry the page template draws.

One slot per day: a bar of the day's plan and, beside it, a bar of its fact; over them
two cumulative lines, the plan through the month and the fact up to today. Bars are scaled
to the largest day, lines to the larger month total, so both fill the height. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

#: The drawing box (SVG user units).
CHART_W, CHART_H = 960, 220
#: The share of a day's slot left empty between slots.
SLOT_GAP = 0.2


@dataclass(frozen=True, slots=True)
class ChartDay:
    day: date
    plan: int
    fact: int
    under: bool
    working: bool


@dataclass(frozen=True, slots=True)
class ChartBar:
    day: date
    x: float
    width: float
    plan: int
    fact: int
    plan_y: float
    plan_h: float
    fact_x: float
    fact_y: float
    fact_h: float
    under: bool
    working: bool


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[ChartBar]
    plan_path: str
    fact_path: str
    day_top: int
    total_top: int


def _path(points: Sequence[tuple[float, float]]) -> str:
    if not points:
        return ""
    head, *rest = points
    return " ".join([f"M{head[0]} {head[1]}"] + [f"L{x} {y}" for x, y in rest])


def month_chart(
    days: Sequence[ChartDay], fact_until: date | None, width: int = CHART_W, height: int = CHART_H
) -> Chart:
    """The chart of these days; the fact line stops at `fact_until` (None: not drawn)."""
    day_top = max([1, *(d.plan for d in days), *(d.fact for d in days)])
    plan_total = sum(d.plan for d in days)
    fact_total = sum(d.fact for d in days if fact_until is not None and d.day <= fact_until)
    total_top = max(1, plan_total, fact_total)
    slot = width / max(1, len(days))
    bar = slot * (1 - SLOT_GAP) / 2

    def y_day(value: int) -> float:
        return round(height - value / day_top * height, 1)

    def y_total(value: int) -> float:
        return round(height - value / total_top * height, 1)

    bars = []
    plan_points: list[tuple[float, float]] = [(0.0, float(height))]
    fact_points: list[tuple[float, float]] = [(0.0, float(height))]
    plan_sum = fact_sum = 0
    for n, day in enumerate(days):
        x = round(n * slot + slot * SLOT_GAP / 2, 1)
        bars.append(
            ChartBar(
                day=day.day,
                x=x,
                width=round(bar, 1),
                plan=day.plan,
                fact=day.fact,
                plan_y=y_day(day.plan),
                plan_h=round(height - y_day(day.plan), 1),
                fact_x=round(x + bar, 1),
                fact_y=y_day(day.fact),
                fact_h=round(height - y_day(day.fact), 1),
                under=day.under,
                working=day.working,
            )
        )
        end = round((n + 1) * slot, 1)
        plan_sum += day.plan
        plan_points.append((end, y_total(plan_sum)))
        if fact_until is not None and day.day <= fact_until:
            fact_sum += day.fact
            fact_points.append((end, y_total(fact_sum)))
    return Chart(
        width=width,
        height=height,
        bars=bars,
        plan_path=_path(plan_points),
        fact_path=_path(fact_points) if len(fact_points) > 1 else "",
        day_top=day_top,
        total_top=total_top,
    )
