"""Celery tasks of the clinician directory. They carry no clinician data: the reminder
task reads everything from the database."""

from celery import shared_task
from django.db import OperationalError

from clinicians import mail


# Beat runs it daily (CELERY_BEAT_SCHEDULE). Retrying is safe: a clinician reminded by
# an earlier run is skipped. Only the database being unreachable is worth a retry.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=5,
)
def capacity_reminders_send() -> dict:
    return mail.capacity_reminders_send()
