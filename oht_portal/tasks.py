"""Celery tasks of the extract pipeline. They carry ids and file names, never rows:
nothing personal passes through Redis."""

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from oht_portal.imports.pipeline import import_file, import_run_execute
from oht_portal.models import ImportRun

logger = logging.getLogger(__name__)
# A file still being written (size or time changed recently) is left for the next scan.
INBOX_SETTLE_SECONDS = 10


def progress_key(run_id: int) -> str:
    return f"import-progress:{run_id}"


def cache_progress(run_id: int):
    """A progress callback that the upload page reads (the run's own row is inside the
    import's transaction, so progress goes through the cache)."""

    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(run_id), {"phase": phase, "done": done, "total": total}, 3600)

    return report


@shared_task(acks_late=True)
def import_run_task(run_id: int) -> str:
    run = import_run_execute(run_id=run_id, progress=cache_progress(run_id))
    return run.status


@shared_task
def import_runs_sweep() -> dict:
    """Runs left "running" by a stopped worker, past EXTRACT_RUN_TIMEOUT_SECONDS: their
    transaction rolled back, so nothing of them is in the database. An upload is queued
    again (the file is kept; the run is taken over); a command-line or inbox run is
    marked failed, since its file is imported again from where it came."""
    cutoff = timezone.now() - timedelta(seconds=settings.EXTRACT_RUN_TIMEOUT_SECONDS)
    stale = ImportRun.objects.filter(status=ImportRun.Status.RUNNING, started_at__lt=cutoff)
    requeued = failed = 0
    for run in stale:
        if run.trigger == ImportRun.Trigger.UPLOAD:
            import_run_task.delay(run.pk)
            requeued += 1
        else:
            ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
                status=ImportRun.Status.FAILED,
                finished_at=timezone.now(),
                error="The import was interrupted (its worker stopped); nothing was changed. "
                "It can be run again.",
            )
            failed += 1
    return {"requeued": requeued, "failed": failed}


INBOX_LOCK = "extract-inbox-scan-lock"


@shared_task
def extract_inbox_scan() -> dict:
    """Import every settled file in EXTRACT_INBOX_DIR, then move it to processed/ or
    failed/ beside it. One file at a time, oldest first; one scan at a time (a lock in
    the cache), so a slow import is never picked up twice."""
    if not settings.EXTRACT_INBOX_DIR:
        return {"imported": 0, "failed": 0}
    if not cache.add(INBOX_LOCK, "1", timeout=settings.EXTRACT_RUN_TIMEOUT_SECONDS):
        return {"imported": 0, "failed": 0, "skipped": "another scan is running"}
    try:
        return _scan_inbox(Path(settings.EXTRACT_INBOX_DIR))
    finally:
        cache.delete(INBOX_LOCK)


def _scan_inbox(inbox: Path) -> dict:
    processed, failed = inbox / "processed", inbox / "failed"
    processed.mkdir(parents=True, exist_ok=True)
    failed.mkdir(parents=True, exist_ok=True)
    counts = {"imported": 0, "failed": 0}
    now = time.time()
    files = sorted(
        (p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    for path in files:
        if now - path.stat().st_mtime < INBOX_SETTLE_SECONDS or path.suffix == ".part":
            continue
        run = import_file(path, trigger=ImportRun.Trigger.INBOX)
        ok = run.status in {ImportRun.Status.SUCCEEDED, ImportRun.Status.DUPLICATE}
        target = (processed if ok else failed) / path.name
        if target.exists():
            target = target.with_name(f"{path.stem}.run{run.pk}{path.suffix}")
        shutil.move(str(path), target)
        counts["imported" if ok else "failed"] += 1
        logger.info("inbox: import run %s for %s: %s", run.pk, path.name, run.status)
    return counts
