"""E-mailing a list of interim supports to a patient, through the outreach sender.

The message is written in full per language (supports_en / supports_fr), like the
outreach e-mails: the chosen language first, then the other one, so a French-speaking
patient reads French whatever state the UI catalogue is in. It names the supports and
the OHT, never the patient's health information or HCC id. Nothing here logs an
address.

The offer is recorded and the message handed over in one transaction: when the mail
backend refuses it, no offer is left saying the patient got the list."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from attachment.outreach.letters import reply_contact
from attachment.outreach.senders import EmailSender, SendError
from attachment.services import effective_contact
from interim_supports.choices import OfferChannel
from interim_supports.display import card, list_language, other_language
from interim_supports.models import SupportOffer, SupportService
from interim_supports.services import support_offer_record
from oht_portal.services import ApplicationError

logger = logging.getLogger(__name__)

TEMPLATES = "interim_supports/email"


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def _render(patient, services: list[SupportService], language: str, *, other: str) -> str:
    oht = patient.oht
    context = {
        "patient": patient,
        "oht_name": (oht.name_fr or oht.name_en) if language == "fr" else oht.name_en,
        "cards": [card(service, language) for service in services],
        "reply": reply_contact(oht),
        "other": other,
    }
    # Dates, numbers and choice labels follow the message, not the sender's page.
    with translation.override(language):
        return render_to_string(f"{TEMPLATES}/supports_{language}.txt", context).strip()


def supports_email(*, patient, services: list[SupportService], language: str) -> Email:
    """The list in `language` (English or French) first, then in the other one."""
    language = list_language(language)
    second = _render(patient, services, other_language(language), other="")
    body = _render(patient, services, language, other=second)
    with translation.override(language):
        subject = render_to_string(
            f"{TEMPLATES}/supports_subject_{language}.txt", {"patient": patient}
        )
    return Email(subject=" ".join(subject.split()), body=body + "\n")


def supports_email_send(
    *,
    patient,
    services: list[SupportService],
    language: str,
    actor=None,
    request=None,
    sender: EmailSender | None = None,
) -> SupportOffer:
    """E-mail the list to the patient's effective address and record the offer.
    ApplicationError when the patient has no address, a rule refuses the offer or the
    message cannot be handed over. `patient` comes from `patient_get` (scoped)."""
    to = effective_contact(patient)["email"]
    if not to:
        raise ApplicationError(
            _("This patient has no e-mail address: add one in the contact details first.")
        )
    language = list_language(language)
    email = supports_email(patient=patient, services=services, language=language)
    reply = reply_contact(patient.oht)
    own_sender = sender is None
    sender = sender or EmailSender()
    try:
        with transaction.atomic():
            offer = support_offer_record(
                patient=patient,
                services=services,
                channel=OfferChannel.EMAIL,
                language=language,
                actor=actor,
                request=request,
            )
            sender.send(
                to=to, subject=email.subject, body=email.body, reply_to=reply.email if reply else ""
            )
    except SendError as error:
        # The error type only: SMTP errors quote the recipient's address.
        logger.warning("interim supports e-mail not sent: %s", error)
        raise ApplicationError(_("The e-mail could not be sent; try again later.")) from error
    finally:
        if own_sender:
            sender.close()
    return offer
