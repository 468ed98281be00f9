"""Counting the patient records each API token receives per clock hour, and raising one
alert for the privacy leads when a token goes past the threshold.

The count is an atomic increment of a cache key (Redis in a deployment), so exactly
one request sees the count cross the threshold, whatever the number of web processes;
the alert row is unique per token and hour besides, should the cache be emptied."""

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from oht_portal.api.throttling import caller_key

logger = logging.getLogger("oht_portal.api.alerts")

API_PATH_PREFIX = "/api/"
WINDOW = timedelta(hours=1)


def _hour_start(moment):
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _incr(key: str, count: int) -> int:
    """Add `count` to the key's number and return the new total, atomically."""
    try:
        return cache.incr(key, count)
    except ValueError:  # first read of the hour (or the key just expired)
        if cache.add(key, count, timeout=int(2 * WINDOW.total_seconds())):
            return count
        return cache.incr(key, count)


def patient_reads_count(*, request, actor, count: int) -> None:
    """Called by the audit helpers for every read of patient records; a no-op outside
    the API. Counts per token (per person for a session) and raises the alert once."""
    threshold = settings.API_ALERT_PATIENTS_PER_HOUR
    if count <= 0 or threshold <= 0 or request is None:
        return
    if not request.path.startswith(API_PATH_PREFIX):
        return
    ident = caller_key(request)
    if ident is None:
        return
    window_start = _hour_start(timezone.now())
    key = f"api-patient-reads:{ident}:{window_start:%Y%m%d%H}"
    total = _incr(key, count)
    if total - count < threshold <= total:
        token_key = getattr(getattr(request, "auth", None), "token_key", "") or ""
        _alert_raise(
            actor=actor,
            token_key=token_key,
            window_start=window_start,
            patients_read=total,
            threshold=threshold,
            request=request,
        )


def _alert_raise(*, actor, token_key, window_start, patients_read, threshold, request):
    from oht_portal.audit import audit_record
    from oht_portal.choices import AuditAction
    from oht_portal.models import ApiReadAlert

    try:
        with transaction.atomic():
            alert = ApiReadAlert.objects.create(
                user=actor,
                user_email=actor.email,
                token_key=token_key,
                window_start=window_start,
                patients_read=patients_read,
                threshold=threshold,
            )
            audit_record(
                actor=actor,
                action=AuditAction.ALERT,
                request=request,
                obj=alert,
                detail={
                    "object": "api_read_alert",
                    "token_key": token_key,
                    "patients_read": patients_read,
                    "threshold": threshold,
                    "window_start": window_start.isoformat(),
                },
            )
    except IntegrityError:
        return  # already raised for this token and hour (the cache was emptied)
    # Ids and counts only: never a patient or the query that found them.
    logger.warning(
        "Unusual API read volume: alert %s, user %s, token %s, %s patient records since "
        "%s UTC (threshold %s per hour)",
        alert.pk,
        actor.pk,
        token_key or "(session)",
        patients_read,
        window_start.strftime("%Y-%m-%d %H:%M"),
        threshold,
    )
