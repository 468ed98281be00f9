"""Builds of the quarterly snapshots: each is a recorded `MetricsRun`, and each writes
its OHT's snapshot for the quarter in one transaction, replacing the previous one.

A build reads aggregates only and writes no personal information. A failed build
records why (the exception's class, never its message, which may quote a row) and
leaves the previous snapshot exactly as it was."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user
from oht_portal.services import ApplicationError
from reporting import quarters as quarters_module
from reporting.aggregates import Period, QuarterFigures, compute_quarters
from reporting.models import MetricsRun, QuarterSnapshot, SnapshotFigure

logger = logging.getLogger(__name__)

HEADLINE_FIELDS = (
    "cohort_size",
    "cohort_waiting",
    "waiting",
    "referred",
    "accepted",
    "declined",
    "attached",
    "returned",
    "net_attachment",
    "closed",
    "new_registrants",
    "removals",
    "wait_median_days",
    "wait_p90_days",
    "capacity_declared",
    "capacity_remaining",
    "capacity_stale",
)
# A build takes seconds to a minute. One still "running" after this long was cut short
# (its worker stopped; its transaction rolled back): it may be taken over, and the
# nightly job marks it failed. An on-demand request while one for the same quarter is
# queued or running, and younger than this, returns that one instead of a second.
RUN_TIMEOUT = timedelta(hours=1)


def build_quarter(
    oht: OHT, fiscal_year: int, quarter: int, trigger: str, requested_by=None
) -> MetricsRun:
    """Build one OHT's snapshot of one quarter now; the recorded run says how it went."""
    return build_quarters(
        ohts=[oht],
        fiscal_year=fiscal_year,
        quarter=quarter,
        trigger=trigger,
        requested_by=requested_by,
    )[0]


def build_quarters(
    *,
    ohts: Iterable[OHT],
    fiscal_year: int,
    quarter: int,
    trigger: str,
    requested_by=None,
    today: date | None = None,
) -> list[MetricsRun]:
    """Build the snapshots of several OHTs for one quarter: one run per OHT, the
    figures of all of them computed together (one scan of the data, not one per OHT)."""
    return build_periods(
        ohts=ohts,
        quarters=[(fiscal_year, quarter)],
        trigger=trigger,
        requested_by=requested_by,
        today=today,
    )


def build_periods(
    *,
    ohts: Iterable[OHT],
    quarters: list[tuple[int, int]],
    trigger: str,
    requested_by=None,
    today: date | None = None,
) -> list[MetricsRun]:
    """Build several quarters of several OHTs: one run per OHT and quarter, computed in
    one pass that reads the quarter-independent facts once. A quarter that has not
    started is refused (ValueError) before any run is recorded."""
    ohts = list(ohts)
    today = today or timezone.localdate()
    as_of = {quarter: quarters_module.as_of_date(*quarter, today) for quarter in quarters}
    runs = [
        MetricsRun.objects.create(
            oht=oht,
            fiscal_year=fiscal_year,
            quarter=quarter,
            trigger=trigger,
            status=MetricsRun.Status.RUNNING,
            requested_by=requested_by,
        )
        for fiscal_year, quarter in quarters
        for oht in ohts
    ]
    return _execute(runs, as_of)


def _execute(runs: list[MetricsRun], as_of: dict[tuple[int, int], date]) -> list[MetricsRun]:
    if not runs:
        return runs
    periods = {}
    for quarter, day in as_of.items():
        start, end = quarters_module.quarter_bounds(*quarter)
        periods[quarter] = Period(start, end, day)
    try:
        computed = compute_quarters(
            oht_ids=[run.oht_id for run in runs], periods=list(periods.values())
        )
    except Exception as exc:
        for run in runs:
            _fail(run, exc)
        return runs
    for run in runs:
        period = periods[(run.fiscal_year, run.quarter)]
        try:
            snapshot_write(run=run, figures=computed[period][run.oht_id])
        except Exception as exc:
            _fail(run, exc)
    return runs


def snapshot_write(*, run: MetricsRun, figures: QuarterFigures) -> QuarterSnapshot:
    """Replace the run's quarter snapshot with `figures`, and mark the run succeeded,
    in one transaction. The OHT row is locked first, so two builds of the same OHT
    (nightly and on demand) take turns instead of both inserting a snapshot."""
    with transaction.atomic():
        OHT.objects.select_for_update(no_key=True).filter(pk=run.oht_id).exists()
        QuarterSnapshot.objects.filter(
            oht_id=run.oht_id, fiscal_year=run.fiscal_year, quarter=run.quarter
        ).delete()
        finished = timezone.now()
        snapshot = QuarterSnapshot.objects.create(
            oht_id=run.oht_id,
            fiscal_year=run.fiscal_year,
            quarter=run.quarter,
            run=run,
            period_start=figures.period_start,
            period_end=figures.period_end,
            as_of=figures.as_of,
            built_at=finished,
            reconciliation_date=figures.reconciliation_date,
            **{name: figures.headline[name] for name in HEADLINE_FIELDS},
        )
        rows = SnapshotFigure.objects.bulk_create(
            [
                SnapshotFigure(
                    snapshot=snapshot, dimension=dimension, key=key, metric=metric, value=value
                )
                for (dimension, key, metric), value in sorted(figures.figures.items())
            ],
            batch_size=2000,
        )
        run.status = MetricsRun.Status.SUCCEEDED
        run.rows = len(rows)
        run.error = ""
        run.finished_at = finished
        run.save(update_fields=["status", "rows", "error", "finished_at"])
    return snapshot


def _fail(run: MetricsRun, exc: Exception) -> None:
    logger.error(
        "metrics run %s (OHT %s, %s Q%s) failed with %s:\n%s",
        run.pk,
        run.oht_id,
        run.fiscal_year,
        run.quarter,
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    run.status = MetricsRun.Status.FAILED
    run.rows = 0
    run.error = (
        f"The build failed ({type(exc).__name__}); the previous figures of this quarter "
        "are kept. It can be run again."
    )
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "rows", "error", "finished_at"])


def request_build(oht: OHT, fiscal_year: int, quarter: int, user) -> MetricsRun:
    """The dashboard's "rebuild" button: queue a build of one OHT's quarter for a member
    of that OHT, and return its run (the one already waiting, if there is one)."""
    if not ohts_for_user(user).filter(pk=oht.pk).exists():
        raise ApplicationError(_("You can only rebuild the figures of your own OHTs."))
    try:
        quarters_module.as_of_date(fiscal_year, quarter)
    except ValueError:
        raise ApplicationError(
            _("%(quarter)s has not started yet: there are no figures to build.")
            % {"quarter": quarters_module.quarter_label(fiscal_year, quarter)}
            if _is_valid_quarter(fiscal_year, quarter)
            else _("There is no such fiscal quarter.")
        ) from None
    with transaction.atomic():
        OHT.objects.select_for_update(no_key=True).filter(pk=oht.pk).exists()
        pending = (
            MetricsRun.objects.filter(
                oht=oht,
                fiscal_year=fiscal_year,
                quarter=quarter,
                started_at__gte=timezone.now() - RUN_TIMEOUT,
            )
            .filter(Q(status=MetricsRun.Status.QUEUED) | Q(status=MetricsRun.Status.RUNNING))
            .order_by("-started_at")
            .first()
        )
        if pending is not None:
            return pending
        run = MetricsRun.objects.create(
            oht=oht,
            fiscal_year=fiscal_year,
            quarter=quarter,
            trigger=MetricsRun.Trigger.ON_DEMAND,
            status=MetricsRun.Status.QUEUED,
            requested_by=user,
        )
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=run,
            oht_code=oht.code,
            detail={"fiscal_year": fiscal_year, "quarter": quarter, "trigger": run.trigger},
        )
        from reporting.tasks import metrics_run_task

        transaction.on_commit(lambda: metrics_run_task.delay(run.pk))
    return run


def _is_valid_quarter(fiscal_year: int, quarter: int) -> bool:
    try:
        quarters_module.check_quarter(fiscal_year, quarter)
    except ValueError:
        return False
    return True


def run_queued(run_id: int) -> MetricsRun | None:
    """Execute a queued run (the worker's side of `request_build`). The run is claimed
    with one conditional UPDATE, so a redelivered task never builds twice; a run left
    "running" by a stopped worker is taken over after RUN_TIMEOUT."""
    now = timezone.now()
    claimed = (
        MetricsRun.objects.filter(pk=run_id)
        .filter(
            Q(status=MetricsRun.Status.QUEUED)
            | Q(status=MetricsRun.Status.RUNNING, started_at__lt=now - RUN_TIMEOUT)
        )
        .update(status=MetricsRun.Status.RUNNING, started_at=now)
    )
    run = MetricsRun.objects.filter(pk=run_id).first()
    if run is None or not claimed:
        return run
    quarter = (run.fiscal_year, run.quarter)
    try:
        as_of = quarters_module.as_of_date(*quarter)
    except ValueError as exc:
        _fail(run, exc)
        return run
    return _execute([run], {quarter: as_of})[0]


def build_nightly(today: date | None = None) -> list[MetricsRun]:
    """Every OHT's current and previous quarter (the previous one keeps changing for a
    while: late extracts, referrals recorded after the fact)."""
    today = today or timezone.localdate()
    MetricsRun.objects.filter(
        status=MetricsRun.Status.RUNNING, started_at__lt=timezone.now() - RUN_TIMEOUT
    ).update(
        status=MetricsRun.Status.FAILED,
        finished_at=timezone.now(),
        error="The build was interrupted (its worker stopped); the previous figures are kept.",
    )
    current = quarters_module.current_quarter(today)
    return build_periods(
        ohts=OHT.objects.order_by("pk"),
        quarters=[quarters_module.previous_quarter(*current), current],
        trigger=MetricsRun.Trigger.NIGHTLY,
        today=today,
    )


def build_after_import(*, oht_ids: Iterable[int], extract_date: date | None) -> list[MetricsRun]:
    """After a successful import: the current quarter of each OHT it covered, and the
    quarter of the extract's date when that is an earlier one (a late extract)."""
    today = timezone.localdate()
    wanted = [quarters_module.current_quarter(today)]
    if extract_date is not None and extract_date <= today:
        of_extract = quarters_module.fiscal_quarter_of(extract_date)
        if of_extract not in wanted:
            wanted.insert(0, of_extract)
    return build_periods(
        ohts=OHT.objects.filter(pk__in=list(oht_ids)).order_by("pk"),
        quarters=wanted,
        trigger=MetricsRun.Trigger.IMPORT,
        today=today,
    )
