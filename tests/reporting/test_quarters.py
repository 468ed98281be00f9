"""Fiscal quarters start on April 1."""

from datetime import date

import pytest
from django.utils import translation

from reporting.quarters import (
    as_of_date,
    fiscal_quarter_of,
    months_of,
    previous_quarter,
    quarter_bounds,
    quarter_label,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 31), (2024, 4)),
        (date(2025, 4, 1), (2025, 1)),
        (date(2025, 6, 30), (2025, 1)),
        (date(2025, 7, 1), (2025, 2)),
        (date(2025, 9, 30), (2025, 2)),
        (date(2025, 10, 1), (2025, 3)),
        (date(2025, 12, 31), (2025, 3)),
        (date(2026, 1, 1), (2025, 4)),
    ],
)
def test_fiscal_quarter_of_turns_over_on_quarter_boundaries(day, expected):
    assert fiscal_quarter_of(day) == expected


@pytest.mark.parametrize(
    ("quarter", "bounds"),
    [
        (1, (date(2025, 4, 1), date(2025, 6, 30))),
        (2, (date(2025, 7, 1), date(2025, 9, 30))),
        (3, (date(2025, 10, 1), date(2025, 12, 31))),
        (4, (date(2026, 1, 1), date(2026, 3, 31))),
    ],
)
def test_quarter_bounds_include_both_ends(quarter, bounds):
    assert quarter_bounds(2025, quarter) == bounds


def test_q4_ends_on_february_29_plus_a_month_in_a_leap_year():
    assert quarter_bounds(2027, 4) == (date(2028, 1, 1), date(2028, 3, 31))


def test_previous_quarter_crosses_the_fiscal_year():
    assert previous_quarter(2025, 1) == (2024, 4)
    assert previous_quarter(2025, 3) == (2025, 2)


def test_as_of_is_the_quarter_end_once_over_and_today_while_it_runs():
    assert as_of_date(2025, 1, today=date(2025, 11, 20)) == date(2025, 6, 30)
    assert as_of_date(2025, 3, today=date(2025, 11, 20)) == date(2025, 11, 20)
    with pytest.raises(ValueError, match="has not started"):
        as_of_date(2025, 4, today=date(2025, 11, 20))


@pytest.mark.parametrize(("fiscal_year", "quarter"), [(2025, 0), (2025, 5), (1999, 1), ("2025", 1)])
def test_impossible_quarters_are_refused(fiscal_year, quarter):
    with pytest.raises(ValueError):
        quarter_bounds(fiscal_year, quarter)


def test_months_of_a_quarter_up_to_a_day():
    assert months_of(date(2025, 10, 1), date(2025, 11, 20)) == [
        date(2025, 10, 1),
        date(2025, 11, 1),
    ]
    assert months_of(date(2025, 12, 1), date(2026, 1, 31)) == [date(2025, 12, 1), date(2026, 1, 1)]


def test_quarter_label_in_english():
    with translation.override("en"):
        assert quarter_label(2025, 3) == "2025-26 Q3"
        assert quarter_label(2099, 1) == "2099-00 Q1"


def test_the_french_label_puts_the_quarter_first_with_both_years():
    with translation.override("fr"):
        assert quarter_label(2025, 3) == "T3 2025-2026"
    assert quarter_label(2025, 3) == "2025-26 Q3"
