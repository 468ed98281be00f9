"""How outreach messages leave the portal. E-mail goes through Django's mail framework
(`EMAIL_BACKEND`: the console by default, SMTP in production); texts go through an SMS
gateway adapter chosen by `OUTREACH_SMS_GATEWAY`, so a real provider can be plugged in
without touching the campaign logic.

Nothing here logs a message body, an e-mail address or a full phone number: the bodies
address a patient by name and the fact of being messaged reveals a place on the HCC
waitlist, which is personal health information."""

import logging
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_SMS_GATEWAY = "attachment.outreach.senders.LoggingSmsGateway"


class SendError(Exception):
    """A message could not be handed over; the attempt is recorded as failed."""


def mask_phone(number: str) -> str:
    """Enough of a number to tell two messages apart in a log, not enough to call it."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def to_e164(phone: str) -> str:
    """HCC phone numbers are ten North American digits; gateways want +1XXXXXXXXXX."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise SendError("not a ten-digit North American number")
    return f"+1{digits}"


class EmailSender:
    """Sends plain-text e-mails over one connection of the configured backend, opened on
    the first message and kept for the rest (one SMTP session per campaign, not per
    patient); `close()` ends it."""

    def __init__(self):
        self.connection = get_connection()
        self._open = False

    def send(self, *, to: str, subject: str, body: str, reply_to: str = "") -> None:
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            reply_to=[reply_to] if reply_to else None,
            connection=self.connection,
        )
        try:
            if not self._open:
                self.connection.open()
                self._open = True
            sent = message.send()
        except Exception as error:  # SMTP, DNS or socket errors: the attempt failed
            # The type only: SMTP errors quote the recipient's address.
            raise SendError(type(error).__name__) from error
        if not sent:
            raise SendError("the mail backend accepted no message")

    def close(self) -> None:
        if self._open:
            self.connection.close()
            self._open = False


class SmsGateway(ABC):
    """The adapter a text-message provider implements."""

    @abstractmethod
    def send(self, to: str, body: str) -> str:
        """Hand one message to the provider; return the provider's message id. `to` is
        in E.164 form. Raise SendError when the provider refuses it."""


class LoggingSmsGateway(SmsGateway):
    """The default until a provider is contracted: sends nothing, logs that it would
    have, with a masked number and the message length only."""

    def send(self, to: str, body: str) -> str:
        message_id = f"log-{uuid.uuid4().hex[:12]}"
        logger.info(
            "SMS %s to %s: %d characters (not sent: logging gateway)",
            message_id,
            mask_phone(to),
            len(body),
        )
        return message_id


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    message_id: str


class OutboxSmsGateway(SmsGateway):
    """An in-memory gateway for tests, like `django.core.mail.outbox`: every message
    lands in the class-level `outbox`, which `reset()` empties."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, to: str, body: str) -> str:
        message_id = f"outbox-{len(self.outbox) + 1}"
        self.outbox.append(SmsMessage(to=to, body=body, message_id=message_id))
        return message_id

    @classmethod
    def reset(cls) -> None:
        cls.outbox.clear()


def sms_gateway() -> SmsGateway:
    """The gateway named by the `OUTREACH_SMS_GATEWAY` setting (a dotted class path)."""
    path = getattr(settings, "OUTREACH_SMS_GATEWAY", DEFAULT_SMS_GATEWAY)
    return import_string(path)()
