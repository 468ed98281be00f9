"""Is a support open at a given moment? Weekly hours that may run past midnight, and
Ontario's statutory holidays for supports that close on them.

A closing time at or before the opening time belongs to the day the period starts on:
Friday 20:00–02:00 is open early Saturday morning, and is skipped when Friday is a
holiday. Times are the portal's local time (America/Toronto)."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil.easter import easter
from dateutil.relativedelta import MO, relativedelta
from django.utils import timezone


@lru_cache(maxsize=16)
def ontario_holidays(year: int) -> frozenset[date]:
    """The statutory holidays of Ontario's Employment Standards Act for `year`. Only the
    day itself: a holiday that falls on a weekend is not moved."""
    return frozenset(
        {
            date(year, 1, 1),  # New Year's Day
            date(year, 2, 1) + relativedelta(weekday=MO(+3)),  # Family Day
            easter(year) - timedelta(days=2),  # Good Friday
            date(year, 5, 24) + relativedelta(weekday=MO(-1)),  # Victoria Day
            date(year, 7, 1),  # Canada Day
            date(year, 9, 1) + relativedelta(weekday=MO(+1)),  # Labour Day
            date(year, 10, 1) + relativedelta(weekday=MO(+2)),  # Thanksgiving
            date(year, 12, 25),  # Christmas Day
            date(year, 12, 26),  # Boxing Day
        }
    )


def is_holiday(day: date) -> bool:
    return day in ontario_holidays(day.year)


def open_at(hours: Iterable, moment: datetime, *, closed_on_holidays: bool) -> bool:
    """Whether any of `hours` (SupportHours-like: weekday, opens_at, closes_at) covers
    `moment`, a period starting on a holiday not counting when the support closes."""
    local = timezone.localtime(moment)
    today, now = local.date(), local.time()
    yesterday = today - timedelta(days=1)
    for period in hours:
        runs_over = period.closes_at <= period.opens_at
        if period.weekday == today.weekday() and period.opens_at <= now:
            started = today
            if not runs_over and now >= period.closes_at:
                continue
        elif period.weekday == yesterday.weekday() and runs_over and now < period.closes_at:
            started = yesterday
        else:
            continue
        if closed_on_holidays and is_holiday(started):
            continue
        return True
    return False


def service_open_at(service, moment: datetime | None = None) -> bool:
    """An active support open at `moment` (now by default). Reads `service.hours.all()`,
    so prefetch it for lists."""
    from interim_supports.choices import SupportStatus

    if service.status != SupportStatus.ACTIVE:
        return False
    return open_at(
        service.hours.all(),
        moment or timezone.now(),
        closed_on_holidays=service.closed_on_holidays,
    )
