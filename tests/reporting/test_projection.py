"""The projection's arithmetic, each answer worked out by hand in the comment beside it."""

from datetime import date

import pytest

from reporting.projection import (
    DAYS_PER_MONTH,
    add_months,
    burn_down_dates,
    capacity_rate,
    clear_month,
    covered_months,
    monthly_rate,
    months_to_clear,
    projected_line,
    required_rate,
    scenario,
    target_line,
)

SPRING_2026 = date(2026, 3, 31)
TARGET_2029 = date(2029, 3, 31)


def test_a_month_is_the_average_gregorian_month():
    assert DAYS_PER_MONTH * 12 == pytest.approx(365.2425)


def test_months_to_clear_divides_what_remains_by_the_rate():
    assert months_to_clear(120, 10) == 12  # 120 / 10
    assert months_to_clear(125, 10) == 12.5


def test_an_empty_list_is_already_clear_whatever_the_rate():
    assert months_to_clear(0, 0) == 0
    assert months_to_clear(0, -3) == 0


def test_zero_pace_never_clears_a_list():
    assert months_to_clear(5, 0) is None
    assert months_to_clear(5, -2.5) is None
    assert clear_month(date(2025, 12, 31), None) is None


def test_the_clear_month_rounds_up_to_a_whole_month():
    # 12 months after Dec 31, 2025 is Dec 31, 2026.
    assert clear_month(date(2025, 12, 31), 12) == date(2026, 12, 31)
    # 1.5 months after Nov 15, 2025: rounded up to 2, Jan 15, 2026, so by Jan 31.
    assert clear_month(date(2025, 11, 15), 1.5) == date(2026, 1, 31)
    # Nothing left: cleared on the day of the figures.
    assert clear_month(date(2025, 11, 15), 0) == date(2025, 11, 15)


def test_adding_months_clamps_the_day_to_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_the_monthly_rate_is_the_total_over_the_months_covered():
    # 30 in 3 months and 10 in 1 month: 40 in 4 months.
    assert monthly_rate([(30, 3.0), (10, 1.0)]) == 10.0
    assert monthly_rate([]) == 0.0
    assert monthly_rate([(7, 0.0)]) == 0.0


def test_a_quarter_covers_its_days_up_to_the_figures_date():
    # Apr 1 to Jun 30 is 91 days.
    assert covered_months(date(2025, 4, 1), date(2025, 6, 30)) == pytest.approx(91 / 30.436875)
    # A quarter 15 days in covers 15 days.
    assert covered_months(date(2025, 10, 1), date(2025, 10, 15)) == pytest.approx(15 / 30.436875)


def test_capacity_is_the_places_taken_once_per_declaration():
    # 90 places a 90-day declaration is one a day, 30.44 a month.
    assert capacity_rate(90, 90) == pytest.approx(30.436875)
    assert capacity_rate(0, 90) == 0.0
    assert capacity_rate(10, 0) == 0.0


def test_the_rate_needed_to_meet_a_target():
    # 300 to clear in the 90 days from Dec 31, 2025 to Mar 31, 2026: 300 * 30.436875 / 90.
    assert required_rate(300, date(2025, 12, 31), SPRING_2026) == pytest.approx(101.45625)
    assert required_rate(0, date(2026, 6, 30), SPRING_2026) == 0.0
    # The target has passed with people still waiting: no rate will do.
    assert required_rate(10, date(2026, 6, 30), SPRING_2026) is None


def test_the_target_line_runs_straight_to_zero():
    start = date(2025, 1, 1)
    # 454 days from Jan 1, 2025 to Mar 31, 2026; Aug 15, 2025 leaves 228 of them.
    assert target_line(start, 1000, SPRING_2026, date(2025, 8, 15)) == pytest.approx(
        1000 * 228 / 454
    )
    assert target_line(start, 1000, SPRING_2026, start) == 1000
    assert target_line(start, 1000, SPRING_2026, date(2026, 6, 30)) == 0


def test_the_burn_down_points_are_the_fiscal_quarter_ends():
    assert burn_down_dates(date(2025, 1, 1), SPRING_2026) == [
        date(2025, 1, 1),
        date(2025, 3, 31),
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
        date(2026, 3, 31),
    ]


def test_the_projected_line_falls_at_the_rate_and_stops_at_zero():
    as_of = date(2025, 12, 31)
    # 90 days at 10 a month: 100 - 10 * 90 / 30.436875.
    assert projected_line(as_of, 100, 10, SPRING_2026) == pytest.approx(100 - 900 / 30.436875)
    assert projected_line(as_of, 100, 10, date(2030, 1, 1)) == 0
    assert projected_line(as_of, 100, 10, date(2025, 6, 30)) is None


def test_a_scenario_gives_the_cohort_every_attachment_first():
    # 8 a month plus 2 more: 10. Cohort 120 clears in 12 months, by Dec 31, 2026: late.
    # Whole list 400 at 10 less growth 4 (6 a month): 66.7 months, rounded up to 67
    # after Dec 31, 2025, July 2031: late for 2029.
    result = scenario(
        key="pace",
        attach_per_month=8,
        extra_per_month=2,
        growth_per_month=4,
        as_of=date(2025, 12, 31),
        cohort_waiting=120,
        waiting=400,
        cohort_target=SPRING_2026,
        list_target=TARGET_2029,
    )
    assert result.attach_per_month == 10
    assert result.cohort.months == 12
    assert result.cohort.clears_by == date(2026, 12, 31)
    assert not result.cohort.on_track
    assert result.whole_list.net_per_month == 6
    assert result.whole_list.clears_by == date(2031, 7, 31)
    assert not result.whole_list.on_track
    # To clear 400 in the 1186 days to Mar 31, 2029 while the list grows 4 a month:
    # 400 * 30.436875 / 1186 + 4 attachments a month.
    assert result.whole_list.required_per_month == pytest.approx(400 * 30.436875 / 1186 + 4)
    assert result.cohort.required_per_month == pytest.approx(120 * 30.436875 / 90)


def test_a_scenario_on_track_for_both_targets():
    # 60 a month clears a cohort of 120 in 2 months (Feb 28, 2026) and a list of 600
    # growing 10 a month in 12 months (Dec 31, 2026).
    result = scenario(
        key="capacity",
        attach_per_month=60,
        extra_per_month=0,
        growth_per_month=10,
        as_of=date(2025, 12, 31),
        cohort_waiting=120,
        waiting=600,
        cohort_target=SPRING_2026,
        list_target=TARGET_2029,
    )
    assert result.cohort.clears_by == date(2026, 2, 28)
    assert result.cohort.on_track
    assert result.whole_list.clears_by == date(2026, 12, 31)
    assert result.whole_list.on_track


def test_a_list_growing_as_fast_as_it_is_attached_never_clears():
    result = scenario(
        key="pace",
        attach_per_month=4,
        extra_per_month=0,
        growth_per_month=4,
        as_of=date(2025, 12, 31),
        cohort_waiting=10,
        waiting=50,
        cohort_target=SPRING_2026,
        list_target=TARGET_2029,
    )
    assert result.cohort.months == 2.5
    assert result.whole_list.never
    assert result.whole_list.clears_by is None
    assert not result.whole_list.on_track
