"""When the cohort and the whole waitlist clear, at the current pace and with the
capacity declared, and how far each is from its target.

Pure arithmetic on counts and dates (no database, no settings), so each answer can be
checked by hand in the tests. The model, deliberately simple and stated on the page:

- **Pace**: net attachments (attached minus returned) per month over the recent
  quarters, each quarter counted for the days it covers up to its `as_of` date.
- **Capacity**: the places declared by practices, taken up once per declaration's
  validity (90 days by default), i.e. `places / validity in months` a month.
- **What-if**: `+N` slots a month are added to either rate.
- **Cohort**: the provincial guidance asks OHTs to match the January 1, 2025 cohort
  first, so every attachment is counted against the cohort until it is cleared.
- **Whole list**: attachments less the list's own growth (new registrations minus
  removals per month, over the same recent quarters).

A rate of zero or less never clears a list that is not empty: the answer is `None`
("never at this pace"), not a date far in the future."""

import calendar
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

# The average Gregorian month, so that 12 months are a year to the day's fraction.
DAYS_PER_MONTH = 365.2425 / 12


def months_between(start: date, end: date) -> float:
    """Months from `start` to `end` (negative when `end` is earlier)."""
    return (end - start).days / DAYS_PER_MONTH


def covered_months(period_start: date, as_of: date) -> float:
    """Months a quarter's flows cover: `period_start` to `as_of`, both days included."""
    return max((as_of - period_start).days + 1, 0) / DAYS_PER_MONTH


def monthly_rate(flows: Iterable[tuple[int, float]]) -> float:
    """Events per month from `(count, months)` pairs: the total count over the total
    months. No months covered gives 0 (nothing observed yet)."""
    total_count = 0
    total_months = 0.0
    for count, months in flows:
        total_count += count or 0
        total_months += months
    return total_count / total_months if total_months > 0 else 0.0


def capacity_rate(places: int, valid_days: int) -> float:
    """Places a month if every declaration of `places` is taken up within its
    `valid_days` and renewed at the same level."""
    if places <= 0 or valid_days <= 0:
        return 0.0
    return places / (valid_days / DAYS_PER_MONTH)


def months_to_clear(remaining: int, net_per_month: float) -> float | None:
    """Months until `remaining` reaches zero at `net_per_month`; 0 when already empty;
    None when it never will (a rate of zero or less)."""
    if remaining <= 0:
        return 0.0
    if net_per_month <= 0:
        return None
    return remaining / net_per_month


def add_months(start: date, months: int) -> date:
    """`start` moved by whole calendar months, the day clamped to the month's length."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def clear_month(as_of: date, months: float | None) -> date | None:
    """The last day of the month in which the list clears: `months` rounded up to
    whole months after `as_of` (a projection is no more precise than a month)."""
    if months is None:
        return None
    if months <= 0:
        return as_of
    return month_end(add_months(as_of, math.ceil(months - 1e-9)))


def required_rate(remaining: int, as_of: date, target: date) -> float | None:
    """Net attachments a month needed to clear `remaining` by `target`; 0 when nothing
    remains; None when the target date has passed with people still waiting."""
    if remaining <= 0:
        return 0.0
    months = months_between(as_of, target)
    if months <= 0:
        return None
    return remaining / months


def target_line(start: date, start_value: int, target: date, at: date) -> float:
    """The straight burn-down from `start_value` on `start` to zero on `target`, read
    on day `at` (the full value before `start`, zero after `target`)."""
    if at <= start:
        return float(start_value)
    if at >= target:
        return 0.0
    return start_value * (target - at).days / (target - start).days


@dataclass(frozen=True)
class Clearance:
    """When one list clears in one scenario, and whether that meets its target."""

    remaining: int
    net_per_month: float
    months: float | None
    clears_by: date | None
    target: date
    required_per_month: float | None

    @property
    def never(self) -> bool:
        return self.months is None

    @property
    def on_track(self) -> bool:
        return self.clears_by is not None and self.clears_by <= self.target


def clearance(*, remaining: int, net_per_month: float, as_of: date, target: date) -> Clearance:
    months = months_to_clear(remaining, net_per_month)
    return Clearance(
        remaining=remaining,
        net_per_month=net_per_month,
        months=months,
        clears_by=clear_month(as_of, months),
        target=target,
        required_per_month=required_rate(remaining, as_of, target),
    )


@dataclass(frozen=True)
class Scenario:
    """One row of the projection table: a rate of attachments and what it clears."""

    key: str
    attach_per_month: float
    cohort: Clearance
    whole_list: Clearance


def scenario(
    *,
    key: str,
    attach_per_month: float,
    extra_per_month: int,
    growth_per_month: float,
    as_of: date,
    cohort_waiting: int,
    waiting: int,
    cohort_target: date,
    list_target: date,
) -> Scenario:
    """The cohort takes every attachment first; the whole list clears at the
    attachments less its own growth (new registrations minus removals a month). The
    rates "required" are attachments a month, comparable with `attach_per_month`."""
    rate = attach_per_month + extra_per_month
    whole_list = clearance(
        remaining=waiting, net_per_month=rate - growth_per_month, as_of=as_of, target=list_target
    )
    if whole_list.required_per_month:
        # Attachments needed: the net fall needed plus what the list grows by meanwhile.
        whole_list = replace(
            whole_list, required_per_month=whole_list.required_per_month + growth_per_month
        )
    return Scenario(
        key=key,
        attach_per_month=rate,
        cohort=clearance(
            remaining=cohort_waiting, net_per_month=rate, as_of=as_of, target=cohort_target
        ),
        whole_list=whole_list,
    )


def burn_down_dates(start: date, end: date) -> list[date]:
    """`start`, then every fiscal quarter end (Jun 30, Sep 30, Dec 31, Mar 31) after it
    up to and including the first one on or after `end`."""
    points = [start]
    day = start
    while day < end:
        day = _next_quarter_end(day)
        points.append(day)
    return points


def _next_quarter_end(day: date) -> date:
    for month in (3, 6, 9, 12):
        candidate = month_end(date(day.year, month, 1))
        if candidate > day:
            return candidate
    return date(day.year + 1, 3, 31)


def projected_line(as_of: date, remaining: int, net_per_month: float, at: date) -> float | None:
    """The projected count on day `at` (on or after `as_of`) at `net_per_month`;
    None before `as_of`. Never below zero."""
    if at < as_of:
        return None
    return max(remaining - net_per_month * months_between(as_of, at), 0.0)
