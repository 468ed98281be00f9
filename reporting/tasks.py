"""Celery tasks of the quarterly metrics. They carry ids only, and every build is a
recorded `MetricsRun` (reporting.services): a failure is on the run, not lost in a log.
Retrying is safe: a build replaces its quarter's snapshot; only the database being
unreachable is worth a retry."""

from celery import shared_task
from django.db import OperationalError

from oht_portal.models import ImportRun
from reporting import services


def _summary(runs) -> dict:
    statuses = [run.status for run in runs]
    return {status: statuses.count(status) for status in sorted(set(statuses))}


# Beat runs it every night (CELERY_BEAT_SCHEDULE).
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=3,
)
def metrics_build_nightly() -> dict:
    return _summary(services.build_nightly())


# Queued by services.request_build (the dashboard's "rebuild" button).
@shared_task(acks_late=True)
def metrics_run_task(run_id: int) -> str:
    run = services.run_queued(run_id)
    return run.status if run is not None else "missing"


# Queued by the extract pipeline when an import succeeds.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=3,
)
def metrics_build_after_import(import_run_id: int) -> dict:
    run = ImportRun.objects.filter(pk=import_run_id, status=ImportRun.Status.SUCCEEDED).first()
    if run is None:
        return {}
    oht_ids = list(run.ohts.values_list("pk", flat=True))
    return _summary(services.build_after_import(oht_ids=oht_ids, extract_date=run.extract_date))
