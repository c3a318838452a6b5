"""Working days: Monday to Friday, minus holidays, plus the weekend days declared working.

The holidays of a year are the dates the setting `plan_holidays` lists in that year. A year
the setting does not mention gets the Russian public holidays of the Labour Code (art. 112):
1-8 January, 23 February, 8 March, 1 and 9 May, 12 June, 4 November; a holiday that falls
on a Saturday or a Sunday moves the day off to the next working day, except those of 1-8
January. The government's yearly decree moves some days off differently (a Saturday holiday
may become a Friday in another month), so a company that wants its calendar exact lists the
official holidays of the year, and its working Saturdays in `plan_working_weekends`.

Pure functions of plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

#: (month, day) of the non-working public holidays (Labour Code of Russia, art. 112).
PUBLIC_HOLIDAYS = (
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 6),
    (1, 7),
    (1, 8),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)
#: Days off that fall on these holidays are not carried over by the law itself.
NEW_YEAR_LAST_DAY = 8
SATURDAY = 5


def is_weekend(day: date) -> bool:
    return day.weekday() >= SATURDAY


@cache
def russian_holidays(year: int) -> frozenset[date]:
    """The public holidays of a year and the days off the law carries over to."""
    fixed = sorted(date(year, month, day) for month, day in PUBLIC_HOLIDAYS)
    days_off = set(fixed)
    for holiday in fixed:
        if not is_weekend(holiday):
            continue
        if holiday.month == 1 and holiday.day <= NEW_YEAR_LAST_DAY:
            continue
        moved = holiday + timedelta(days=1)
        while is_weekend(moved) or moved in days_off:
            moved += timedelta(days=1)
        days_off.add(moved)
    return frozenset(days_off)


def parse_days(values: Iterable[str]) -> frozenset[date]:
    """ISO dates ("2026-01-09"); a value that is not one raises ValueError naming it."""
    days = set()
    for value in values:
        try:
            days.add(date.fromisoformat(value.strip()))
        except ValueError:
            raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from None
    return frozenset(days)


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Which days are working days. `holidays` lists the days off of the years it mentions;
    other years take `russian_holidays`. `working_weekends` are Saturdays or Sundays worked."""

    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()
    _listed_years: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_listed_years", frozenset(d.year for d in self.holidays))

    @classmethod
    def from_settings(
        cls, holidays: Iterable[str], working_weekends: Iterable[str]
    ) -> WorkCalendar:
        return cls(parse_days(holidays), parse_days(working_weekends))

    def holidays_of(self, year: int) -> frozenset[date]:
        if year in self._listed_years:
            return frozenset(d for d in self.holidays if d.year == year)
        return russian_holidays(year)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays_of(day.year)

    def is_working(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return not is_weekend(day) and not self.is_holiday(day)

    def working_days(self, first: date, last: date) -> list[date]:
        """The working days of first..last, both included."""
        days = []
        day = first
        while day <= last:
            if self.is_working(day):
                days.append(day)
            day += timedelta(days=1)
        return days
