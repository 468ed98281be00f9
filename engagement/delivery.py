"""Delivering a message that is being sent: one e-mail per queued recipient, through
Django's mail framework (the console by default, SMTP in production).

Never twice: each recipient is sent inside a transaction that locks its row, checks it
is still queued, sends and records the outcome, so a retry, a second run or a resumed
one skips whoever was already sent (or failed). The one gap is a crash between the mail
server accepting a message and the commit of its row.

Nothing here logs an address or a body: only the message's and recipient's ids."""

import logging
from collections import Counter

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from engagement.choices import MessageStatus, RecipientStatus
from engagement.emails import compose
from engagement.models import Message, Recipient
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction

logger = logging.getLogger(__name__)


def _deliver_one(*, pk: int, message: Message, links, resources, connection) -> str:
    with transaction.atomic():
        recipient = (
            Recipient.objects.select_for_update(of=("self",))
            .select_related("link")
            .filter(pk=pk, status=RecipientStatus.QUEUED)
            .first()
        )
        if recipient is None:
            return "skipped"
        email = compose(
            message=message,
            recipient=recipient,
            links=links,
            resources=resources,
            connection=connection,
        )
        try:
            sent = email.send()
        except Exception as error:  # SMTP refusals: this recipient failed, go on
            # The type only: SMTP errors quote the recipient's address.
            logger.warning(
                "Engagement message %s: recipient %s not sent (%s)",
                message.pk,
                recipient.pk,
                type(error).__name__,
            )
            sent = 0
        recipient.status = RecipientStatus.SENT if sent else RecipientStatus.FAILED
        recipient.sent_at = timezone.now() if sent else None
        recipient.save(update_fields=["status", "sent_at"])
        return recipient.status


def message_deliver_queued(*, message: Message) -> dict[str, int]:
    """Send every queued recipient of `message`; the message is sent once none is left
    queued. Returns the count of each outcome. A mail server that cannot be reached
    raises before anyone is marked, so the task can retry."""
    links = {link.url: link for link in message.tracked_links.all()}
    resources = list(message.resources.order_by("title_en", "pk"))
    pending = list(
        message.recipients.filter(status=RecipientStatus.QUEUED).values_list("pk", flat=True)
    )
    counts: Counter[str] = Counter()
    # One connection (one SMTP session) for the whole run.
    with get_connection() as connection:
        for pk in pending:
            outcome = _deliver_one(
                pk=pk, message=message, links=links, resources=resources, connection=connection
            )
            counts[str(outcome)] += 1
    with transaction.atomic():
        if not message.recipients.filter(status=RecipientStatus.QUEUED).exists():
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.SENT
            )
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=message,
            oht_code=message.oht.code,
            detail={"delivered": dict(counts)},
        )
    logger.info("Engagement message %s delivered: %s", message.pk, dict(counts))
    return dict(counts)
