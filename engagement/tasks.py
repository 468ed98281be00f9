"""The delivery task. It carries the message's id only: no address or text sits in the
broker."""

from celery import shared_task
from django.db import OperationalError

from engagement.delivery import message_deliver_queued
from engagement.models import Message


# Retrying is safe: delivery never sends a recipient again (engagement.delivery). Only
# an unreachable database or mail server is worth retrying; one refused recipient is
# recorded as failed.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def message_deliver(message_id: int) -> dict:
    message = Message.objects.select_related("oht").get(pk=message_id)
    return message_deliver_queued(message=message)
