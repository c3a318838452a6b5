"""The pure rules of work plans: working days and holidays, the spread of a month over its
days, days set by hand, the "larger of" rule, pace, and the chart's geometry."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kompas_cc.organizer import plan_rules
from kompas_cc.organizer.plan_chart import ChartDay, month_chart
from kompas_cc.organizer.plan_rules import DayCell, day_cells, spread
from kompas_cc.organizer.workdays import WorkCalendar, parse_days, russian_holidays
from kompas_cc.settings import SettingsError, load_settings

JANUARY = [date(2026, 1, 1) + timedelta(days=n) for n in range(31)]


@pytest.mark.parametrize(
    ("total", "days"), [(0, 22), (1, 22), (3, 22), (40, 22), (22, 22), (23, 22), (999, 17)]
)
def test_spread_sums_exactly_to_the_month_with_days_differing_by_one_at_most(
    total: int, days: int
) -> None:
    shares = spread(total, days)
    assert len(shares) == days
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1


def test_spread_puts_the_extra_units_on_evenly_spaced_days_from_the_first() -> None:
    assert spread(3, 22) == [1 if n in (0, 7, 14) else 0 for n in range(22)]
    assert spread(40, 22)[:4] == [2, 2, 2, 2]
    assert spread(40, 22).count(2) == 18
    assert spread(5, 0) == []


def test_russian_holidays_move_a_weekend_holiday_to_the_next_working_day() -> None:
    days = russian_holidays(2026)
    # 8 March 2026 is a Sunday, 9 May a Saturday: Monday 9 March and Monday 11 May are off.
    assert date(2026, 3, 9) in days
    assert date(2026, 5, 11) in days
    assert {date(2026, 1, d) for d in range(1, 9)} <= days
    assert {date(2026, 2, 23), date(2026, 6, 12), date(2026, 11, 4)} <= days
    # The New Year holidays that fall on a weekend (3 and 4 January) carry nothing over
    # by the law itself: the government's decree moves them.
    assert date(2026, 1, 9) not in days


def test_calendar_counts_working_days_without_weekends_and_holidays() -> None:
    calendar = WorkCalendar()
    assert len(calendar.working_days(date(2026, 1, 1), date(2026, 1, 31))) == 16
    assert len(calendar.working_days(date(2026, 3, 1), date(2026, 3, 31))) == 21
    assert calendar.is_working(date(2026, 1, 15))
    assert not calendar.is_working(date(2026, 1, 17))


def test_listed_holidays_replace_the_default_for_their_year_only() -> None:
    calendar = WorkCalendar.from_settings(
        ["2026-01-01", "2026-01-09", "2026-12-31"], ["2026-11-07"]
    )
    assert not calendar.is_working(date(2026, 1, 9))
    assert calendar.is_working(date(2026, 1, 5))  # not listed, so a working day in 2026
    assert not calendar.is_working(date(2026, 12, 31))
    assert calendar.is_working(date(2026, 11, 7))  # a working Saturday
    assert not calendar.is_working(date(2027, 1, 5))  # 2027 keeps the Russian holidays
    with pytest.raises(ValueError, match="2026-02-30"):
        parse_days(["2026-02-30"])


def test_day_plan_is_the_larger_of_the_share_and_the_scheduled() -> None:
    working = {d for d in JANUARY if d.weekday() < 5}
    cells = day_cells(
        22, JANUARY, working, overrides={}, scheduled={date(2026, 1, 5): 4, date(2026, 1, 10): 2}
    )
    assert cells[date(2026, 1, 5)] == DayCell(share=1, scheduled=4, override=None)
    assert cells[date(2026, 1, 5)].plan == 4
    assert cells[date(2026, 1, 6)].plan == 1
    assert cells[date(2026, 1, 10)].plan == 2  # a Saturday with two contacts scheduled
    assert sum(c.share for c in cells.values()) == 22


def test_days_set_by_hand_take_their_part_and_the_rest_is_spread_over_the_others() -> None:
    working = {d for d in JANUARY if d.weekday() < 5}  # 22 days
    overrides = {date(2026, 1, 5): 0, date(2026, 1, 6): 10, date(2026, 1, 10): 3}
    cells = day_cells(43, JANUARY, working, overrides, scheduled={date(2026, 1, 5): 2})
    assert cells[date(2026, 1, 5)].plan == 0  # set by hand wins over the scheduled too
    assert cells[date(2026, 1, 6)].plan == 10
    assert cells[date(2026, 1, 10)].plan == 3
    assert sum(c.share for c in cells.values()) == 43 - 13
    assert sum(c.plan for c in cells.values()) == 43
    free = [c.share for d, c in cells.items() if d in working and d not in overrides]
    assert len(free) == 20
    assert sorted(set(free)) == [1, 2]


def test_days_set_by_hand_beyond_the_month_leave_nothing_to_spread() -> None:
    working = {d for d in JANUARY if d.weekday() < 5}
    cells = day_cells(5, JANUARY, working, {date(2026, 1, 5): 8}, scheduled={})
    assert sum(c.share for c in cells.values()) == 0


def test_pace_compares_fact_with_the_plan_of_the_days_over() -> None:
    assert plan_rules.pace(0, 0, 0) == "none"
    assert plan_rules.pace(10, 40, 10) == "ok"
    assert plan_rules.pace(8, 40, 10) == "behind"
    assert plan_rules.pace(7, 40, 10) == "under"
    assert plan_rules.pace(40, 40, 55) == "ok"  # the whole plan is done
    assert plan_rules.percent(30, 40) == 75.0
    assert plan_rules.percent(3, 0) is None
    # Extra calls make up for no missed meeting.
    assert plan_rules.fulfilment([(60, 40), (0, 10)]) == 80.0
    assert plan_rules.prorated(40, 8, 16) == 20


def test_chart_scales_bars_to_the_biggest_day_and_lines_to_the_month() -> None:
    days = [
        ChartDay(date(2026, 1, 12), plan=2, fact=4, under=False, working=True),
        ChartDay(date(2026, 1, 13), plan=2, fact=1, under=True, working=True),
        ChartDay(date(2026, 1, 14), plan=4, fact=0, under=False, working=True),
    ]
    chart = month_chart(days, fact_until=date(2026, 1, 13), width=300, height=100)
    assert chart.day_top == 4
    assert chart.total_top == 8
    first, second, third = chart.bars
    assert (first.plan_h, first.fact_h) == (50.0, 100.0)
    assert second.under
    assert third.x == 210.0
    assert chart.plan_path == "M0.0 100.0 L100.0 75.0 L200.0 50.0 L300.0 0.0"
    # The fact line stops at the last day with fact so far.
    assert chart.fact_path == "M0.0 100.0 L100.0 50.0 L200.0 37.5"
    assert month_chart(days, fact_until=None).fact_path == ""


def test_holiday_settings_take_iso_dates_and_refuse_others(tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    env = {"KOMPAS_PLAN_HOLIDAYS": "2026-01-09, 2026-12-31"}
    assert load_settings(config_path=absent, environ=env).plan_holidays == (
        "2026-01-09",
        "2026-12-31",
    )
    for bad in ("2026-02-30", "9.01.2026"):
        with pytest.raises(SettingsError, match="plan_holidays"):
            load_settings(config_path=absent, environ={"KOMPAS_PLAN_HOLIDAYS": bad})
