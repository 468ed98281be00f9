"""Hand-built quarterly snapshots with known figures, for the dashboard, export and API
tests (the build itself is tested in test_metrics and test_services)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from reporting.models import MetricsRun, QuarterSnapshot, SnapshotFigure
from reporting.quarters import quarter_bounds

HEADLINE = {
    "cohort_size": 400,
    "cohort_waiting": 300,
    "waiting": 900,
    "referred": 60,
    "accepted": 50,
    "declined": 8,
    "attached": 40,
    "returned": 4,
    "net_attachment": 36,
    "closed": 7,
    "new_registrants": 90,
    "removals": 30,
    "wait_median_days": 210,
    "wait_p90_days": 600,
    "capacity_declared": 90,
    "capacity_remaining": 30,
    "capacity_stale": 2,
}


def make_snapshot(oht, fiscal_year: int, quarter: int, *, as_of=None, figures=(), **headline):
    """A succeeded run and its snapshot; `figures` are (dimension, key, metric, value)."""
    start, end = quarter_bounds(fiscal_year, quarter)
    built_at = datetime(end.year, end.month, end.day, 23, 0, tzinfo=ZoneInfo("America/Toronto"))
    run = MetricsRun.objects.create(
        oht=oht,
        fiscal_year=fiscal_year,
        quarter=quarter,
        trigger=MetricsRun.Trigger.NIGHTLY,
        status=MetricsRun.Status.SUCCEEDED,
        finished_at=built_at,
        rows=len(figures),
    )
    values = {**HEADLINE, **headline}
    if "net_attachment" not in headline:
        values["net_attachment"] = values["attached"] - values["returned"]
    snapshot = QuarterSnapshot.objects.create(
        oht=oht,
        fiscal_year=fiscal_year,
        quarter=quarter,
        run=run,
        period_start=start,
        period_end=end,
        as_of=as_of or end,
        built_at=built_at,
        **values,
    )
    SnapshotFigure.objects.bulk_create(
        SnapshotFigure(snapshot=snapshot, dimension=d, key=k, metric=m, value=v)
        for d, k, m, v in figures
    )
    return snapshot


FIGURES = [
    ("fsa", "M4C", "waiting", 700),
    ("fsa", "M4C", "cohort_waiting", 250),
    ("fsa", "M4C", "complex_vulnerable", 80),
    ("fsa", "M4C", "wait_median_days", 220),
    ("fsa", "M4E", "waiting", 3),
    ("fsa", "M4E", "cohort_waiting", 0),
    ("fsa", "M4E", "complex_vulnerable", 0),
    ("fsa", "M4E", "wait_median_days", 95),
    ("fsa", "K0A", "waiting", 197),
    ("fsa", "K0A", "cohort_waiting", 50),
    ("fsa", "K0A", "complex_vulnerable", 12),
    ("fsa", "K0A", "wait_median_days", 180),
    ("language", "en", "waiting", 850),
    ("language", "fr", "waiting", 48),
    ("language", "", "waiting", 2),
    ("language", "en", "referred", 57),
    ("language", "fr", "referred", 3),
    ("complexity", "complex_vulnerable", "waiting", 92),
    ("complexity", "other", "waiting", 808),
    ("rurality", "rural", "waiting", 197),
    ("rurality", "urban", "waiting", 703),
    ("decline_reason", "complexity", "declined", 6),
    ("decline_reason", "distance", "declined", 2),
    ("decline_reason", "no_capacity", "declined", 0),
    ("close_reason", "patient_declined", "closed", 4),
    ("close_reason", "unreachable", "closed", 3),
    ("close_reason", "no_show", "closed", 0),
    ("removal_reason", "hcc_attached", "removals", 26),
    ("removal_reason", "left_hcc_list", "removals", 4),
    ("month", "2025-10", "new_registrants", 30),
    ("month", "2025-10", "attached", 12),
    ("reconciliation", "M4C", "imported_active", 705),
    ("reconciliation", "M4C", "portal_active", 700),
    ("reconciliation", "M4C", "difference", 5),
    ("reconciliation", "M4E", "imported_active", 3),
    ("reconciliation", "M4E", "portal_active", 3),
    ("reconciliation", "M4E", "difference", 0),
]
