"""Fiscal quarters, as Ontario counts them: the year starts on April 1.

Fiscal year 2025 is April 1, 2025 to March 31, 2026 ("2025-26"). Q1 is April–June,
Q2 July–September, Q3 October–December, Q4 January–March of the next calendar year.
Quarterly measures are reported on these quarters, so every snapshot is keyed by
(fiscal_year, quarter)."""

import calendar
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

FIRST_MONTH = 4  # April
MIN_FISCAL_YEAR = 2000
MAX_FISCAL_YEAR = 2100


def check_quarter(fiscal_year: int, quarter: int) -> None:
    """Refuse a quarter that cannot exist, with a message that says why."""
    if not isinstance(fiscal_year, int) or not MIN_FISCAL_YEAR <= fiscal_year <= MAX_FISCAL_YEAR:
        raise ValueError(
            f"fiscal year must be a year from {MIN_FISCAL_YEAR} to {MAX_FISCAL_YEAR}, "
            f"not {fiscal_year!r}"
        )
    if not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1, 2, 3 or 4, not {quarter!r}")


def fiscal_quarter_of(day: date) -> tuple[int, int]:
    """(fiscal_year, quarter) of a date: March 31, 2025 is (2024, 4); April 1 is (2025, 1)."""
    if day.month >= FIRST_MONTH:
        return day.year, (day.month - FIRST_MONTH) // 3 + 1
    return day.year - 1, 4


def quarter_bounds(fiscal_year: int, quarter: int) -> tuple[date, date]:
    """First and last day (inclusive) of a fiscal quarter."""
    check_quarter(fiscal_year, quarter)
    month_index = FIRST_MONTH - 1 + 3 * (quarter - 1)  # months since January of fiscal_year
    year, first_month = fiscal_year + month_index // 12, month_index % 12 + 1
    last_month = first_month + 2
    return (
        date(year, first_month, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def previous_quarter(fiscal_year: int, quarter: int) -> tuple[int, int]:
    check_quarter(fiscal_year, quarter)
    return (fiscal_year, quarter - 1) if quarter > 1 else (fiscal_year - 1, 4)


def current_quarter(today: date | None = None) -> tuple[int, int]:
    return fiscal_quarter_of(today or timezone.localdate())


def as_of_date(fiscal_year: int, quarter: int, today: date | None = None) -> date:
    """The day a quarter's figures are true at: its last day once it is over, today while
    it runs. A quarter that has not started has no figures (ValueError)."""
    today = today or timezone.localdate()
    start, end = quarter_bounds(fiscal_year, quarter)
    if start > today:
        raise ValueError(f"{quarter_label(fiscal_year, quarter)} has not started yet")
    return min(end, today)


def months_of(start: date, end: date) -> list[date]:
    """The first day of each month from `start`'s month to `end`'s, in order."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def quarter_label(fiscal_year: int, quarter: int) -> str:
    """ "2025-26 Q3" in English; French writes the quarter first ("T3 2025-2026")."""
    check_quarter(fiscal_year, quarter)
    # Translators: a fiscal quarter. Placeholders: start = 2025, end = 2026,
    # end_short = 26, quarter = 1 to 4. French: "T%(quarter)s %(start)s-%(end)s".
    # xgettext:no-python-format
    return _("%(start)s-%(end_short)s Q%(quarter)s") % {
        "start": fiscal_year,
        "end": fiscal_year + 1,
        "end_short": f"{(fiscal_year + 1) % 100:02d}",
        "quarter": quarter,
    }
