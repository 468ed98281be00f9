"""The dashboard's charts: one spec per chart, for `json_script`, drawn in the browser
by static/reporting/dashboard.js with the vendored Chart.js. Each spec comes with the
rows of the table that repeats its figures for screen readers (and without script).
Labels are translated here, in the language of the request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reporting import projection, tables
from reporting.quarters import quarter_label
from reporting.tables import Formatter

if TYPE_CHECKING:
    from reporting.dashboard import Dashboard

# Axes of the burn-downs stop this many months after the figures' date at most, so a
# list that clears in 2060 does not squash the chart.
MAX_PROJECTED_MONTHS = 36


def quarter_range(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every fiscal quarter from `first` to `last`, both included."""
    keys = []
    key = first
    while key <= last:
        keys.append(key)
        key = (key[0], key[1] + 1) if key[1] < 4 else (key[0] + 1, 1)
    return keys


def _chart(kind: str, title: str, labels: list, datasets: list[dict], **options) -> dict:
    """A chart's spec for json_script, and the rows of the table that repeats it."""
    spec = {"type": kind, "title": title, "labels": labels, "datasets": datasets, **options}
    shown = Formatter()
    rows = [
        [label, *[shown(_rounded(dataset["data"][index])) for dataset in datasets]]
        for index, label in enumerate(labels)
    ]
    return {"spec": spec, "headers": [dataset["label"] for dataset in datasets], "rows": rows}


def _rounded(value):
    return round(value) if isinstance(value, float) else value


def _series(label: str, data: list, style: str = "bar", kind: str = "") -> dict:
    dataset = {"label": label, "data": data, "style": style}
    if kind:
        dataset["type"] = kind
    return dataset


def charts_for(board: Dashboard) -> dict:
    charts = {}
    trend = board.trend
    label = tables.metric_label
    if trend:
        # Every quarter from the first built to the chosen one: a quarter not built
        # shows as a gap, not as if it did not exist.
        by_key = {(e.fiscal_year, e.quarter): e for e in trend}
        keys = quarter_range((trend[0].fiscal_year, trend[0].quarter), trend[-1].key)
        labels = [quarter_label(*key) for key in keys]

        def values(name: str) -> list:
            return [by_key[key].get(name) if key in by_key else None for key in keys]

        charts["cohort"] = _chart(
            "bar",
            _("Cohort still waiting at the end of each quarter"),
            labels,
            [
                _series(label("cohort_waiting"), values("cohort_waiting")),
                _series(label("cohort_size"), values("cohort_size"), "line", "line"),
            ],
            y_title=_("Patients"),
        )
        charts["referred"] = _chart(
            "bar",
            _("Patients referred and attached each quarter"),
            labels,
            [
                _series(label("referred"), values("referred")),
                _series(label("attached"), values("attached")),
            ],
            y_title=_("Patients"),
        )
    if board.current is not None and board.projection is not None:
        charts["burn_cohort"] = burn_down_chart(board, cohort=True)
        charts["burn_list"] = burn_down_chart(board, cohort=False)
    months = board.months
    if months:
        charts["months"] = _chart(
            "bar",
            _("Monthly flows in the quarter"),
            [row["label"] for row in months],
            [
                _series(label(name), [row.get(name) for row in months])
                for name in ("new_registrants", "removals", "referred", "attached")
            ],
            y_title=_("Patients"),
        )
    for dimension in tables.EQUITY_DIMENSIONS:
        breakdown = board.figures.get(dimension, {})
        if not breakdown:
            continue
        keys = sorted(breakdown)
        charts[dimension] = _chart(
            "bar",
            tables.dimension_label(dimension),
            [tables.key_label(dimension, key) for key in keys],
            [
                _series(label(name), [breakdown[key].get(name) for key in keys])
                for name in ("waiting", "cohort_waiting", "referred", "attached")
            ],
            y_title=_("Patients"),
        )
    if board.current is not None:
        names = ["referred", "accepted", "declined", "attached", "returned", "closed"]
        charts["outcomes"] = _chart(
            "bar",
            _("Referral outcomes in the quarter"),
            [label(name) for name in names],
            [_series(_("Patients"), [board.current.get(name) for name in names])],
            horizontal=True,
            legend=False,
        )
        for dimension, metric in tables.REASON_BREAKDOWNS:
            breakdown = board.figures.get(dimension, {})
            keys = sorted(breakdown)
            if keys:
                charts[dimension] = _chart(
                    "bar",
                    tables.dimension_label(dimension),
                    [tables.key_label(dimension, key) for key in keys],
                    [_series(label(metric), [breakdown[key].get(metric) for key in keys])],
                    horizontal=True,
                    legend=False,
                )
    return charts


def burn_down_chart(board: Dashboard, *, cohort: bool) -> dict:
    """Actual figures at each quarter end (from the cohort date for the cohort, from
    the first quarter built for the whole list), the straight line from there to the
    target, and the projections from the figures' date at each scenario's rate."""
    current, plan = board.current, board.projection
    field_name = "cohort_waiting" if cohort else "waiting"
    if cohort:
        # The cohort is everyone waiting on the cohort date: its line starts there.
        start, start_value = settings.HCC_COHORT_DATE, current.get("cohort_size")
        target = settings.REPORTING_COHORT_TARGET_DATE
    else:
        # The whole list grows: its line starts from the first quarter built.
        first = board.trend[0]
        start, start_value = first.as_of, first.get("waiting")
        target = settings.REPORTING_ATTACHMENT_TARGET_DATE
    remaining = current.get(field_name)
    end = max(target, current.as_of)
    scenarios = plan["scenarios"]
    clears = [
        (s.cohort if cohort else s.whole_list).clears_by
        for s in scenarios
        if (s.cohort if cohort else s.whole_list).clears_by
    ]
    if clears:
        end = max(end, min(max(clears), projection.add_months(current.as_of, MAX_PROJECTED_MONTHS)))
    days = projection.burn_down_dates(start, end)
    quarter_ends = set(days[1:])
    if current.as_of not in days:
        days = sorted({*days, current.as_of})
    actual_by_day = {start: start_value}
    for entry in board.trend:
        if entry.as_of >= start:
            actual_by_day[entry.as_of] = entry.get(field_name)
    datasets = [
        _series(
            _("Cohort still waiting") if cohort else _("Everyone waiting"),
            [actual_by_day.get(day) for day in days],
            "actual",
            "line",
        ),
        _series(
            _("Straight line to the target (%(date)s)") % {"date": date_format(target)},
            [round(projection.target_line(start, start_value, target, day)) for day in days],
            "target",
            "line",
        ),
    ]
    for scenario in scenarios:
        clearance = scenario.cohort if cohort else scenario.whole_list
        datasets.append(
            _series(
                plan["labels"][scenario.key],
                [
                    _rounded(
                        projection.projected_line(
                            current.as_of, remaining, clearance.net_per_month, day
                        )
                    )
                    for day in days
                ],
                "projection",
                "line",
            )
        )
    title = (
        _("The cohort, to be cleared by %(date)s") % {"date": date_format(target)}
        if cohort
        else _("The whole list, to 100%% attachment by %(date)s") % {"date": date_format(target)}
    )
    return _chart(
        "line",
        title,
        # Quarter ends by month; the figures' own date in full when mid-quarter.
        [
            date_format(day)
            if day == current.as_of and day not in quarter_ends
            else date_format(day, "M Y")
            for day in days
        ],
        datasets,
        y_title=_("Patients waiting"),
    )
