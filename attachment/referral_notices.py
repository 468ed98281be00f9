"""Telling the patient about their referral: once it is made (which practice will
contact them) and once the clinician confirms the attachment.

Sent after the referral's transaction commits (`attachment.referrals` registers it with
`transaction.on_commit`), in the patient's language, through the outreach e-mail sender
when the contact the OHT uses (`effective_contact`) has an e-mail address. Without one,
a letter is due: it is recorded as a `queued` letter attempt, the same way an outreach
campaign records the letters staff still have to print. Either way the notice is an
`OutreachAttempt` (with its audit row), so it shows on the patient's timeline.

A notice that cannot be sent never undoes the referral: a failed e-mail is recorded as a
failed attempt, and any other error is logged with the referral's id only (no name,
address or message body: being referred reveals a place on the HCC waitlist)."""

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from attachment.choices import AttemptStatus, Channel, ReferralStatus, Source
from attachment.models import Referral
from attachment.outreach.letters import message_language, reply_contact
from attachment.outreach.senders import EmailSender, SendError
from attachment.services import effective_contact, outreach_attempt_record

logger = logging.getLogger(__name__)

EVENTS = (ReferralStatus.REFERRED, ReferralStatus.ATTACHED)


def _oht_name(referral: Referral, language: str) -> str:
    oht = referral.patient.oht
    return (oht.name_fr or oht.name_en) if language == "fr" else oht.name_en


def _practice_lines(referral: Referral) -> str:
    location = referral.location
    lines = [
        location.practice_name,
        location.address,
        f"{location.city} {location.postal_code[:3]} {location.postal_code[3:]}".strip(),
    ]
    if location.phone:
        phone = location.phone
        lines.append(f"{phone[:3]}-{phone[3:6]}-{phone[6:]}" if len(phone) == 10 else phone)
    return "\n".join(line for line in lines if line)


def notice_subject(event: str) -> str:
    if event == ReferralStatus.ATTACHED:
        return _("You now have a family doctor or nurse practitioner")
    return _("You have been referred to a family doctor or nurse practitioner")


def notice_body(referral: Referral, event: str, language: str) -> str:
    """The e-mail body, in the active language (the caller overrides it)."""
    patient = referral.patient
    oht_name = _oht_name(referral, language)
    reply = reply_contact(patient.oht)
    parts = [_("Hello %(name)s,") % {"name": patient.given_name}, ""]
    if event == ReferralStatus.ATTACHED:
        parts.append(
            _(
                "The practice below has confirmed that you are now its patient. Health Care "
                "Connect will take you off its waitlist; you do not need to do anything."
            )
        )
    else:
        parts.append(
            _(
                "%(oht)s, your local Ontario Health Team, has referred you to the practice "
                "below, which is taking new patients. The practice will contact you to book "
                "a first appointment. If you do not hear from them within two weeks, please "
                "let us know."
            )
            % {"oht": oht_name}
        )
    parts += ["", _practice_lines(referral), ""]
    if reply is not None:
        parts.append(
            _("Questions? Write to %(name)s at %(email)s.")
            % {"name": reply.name, "email": reply.email}
        )
    parts.append(_("Your reference number: %(reference)s") % {"reference": patient.hcc_id})
    parts += ["", oht_name, _("Ontario Health Team"), ""]
    return "\n".join(parts)


def _notice_note(event: str) -> str:
    if event == ReferralStatus.ATTACHED:
        return _("Notice: attachment confirmed (referral %(id)s)")
    return _("Notice: referred to a practice (referral %(id)s)")


def referral_notice_send(*, referral_id: int, event: str, actor=None) -> str | None:
    """Tell the patient about `event` (referred or attached) of the referral; the
    attempt's status (`sent`, `failed`, or `queued` for a letter due), or None when
    nothing could be recorded. Never raises: the referral is already committed."""
    try:
        return _send(referral_id=referral_id, event=event, actor=actor)
    except Exception as error:  # the referral stands whatever happens to its notice
        # The type only: a database or mail error's message can quote personal data.
        logger.error(
            "referral notice %s for referral %s not recorded: %s",
            event,
            referral_id,
            type(error).__name__,
        )
        return None


def _send(*, referral_id: int, event: str, actor) -> str:
    if event not in EVENTS:
        raise ValueError(f"no notice for {event}")
    referral = Referral.objects.select_related(
        "patient__oht__primary_contact", "patient__local_contact", "location"
    ).get(pk=referral_id)
    patient = referral.patient
    contact = effective_contact(patient)
    language = message_language(contact)
    with translation.override(language):
        note = _notice_note(event) % {"id": referral.pk}
        if not contact["email"]:
            channel, status = Channel.LETTER, AttemptStatus.QUEUED
        else:
            channel, status = Channel.EMAIL, AttemptStatus.SENT
            reply = reply_contact(patient.oht)
            sender = EmailSender()
            try:
                sender.send(
                    to=contact["email"],
                    subject=notice_subject(event),
                    body=notice_body(referral, event, language),
                    reply_to=reply.email if reply else "",
                )
            except SendError as error:
                status = AttemptStatus.FAILED
                note = f"{note} · e-mail: {error}"
            finally:
                sender.close()
    outreach_attempt_record(
        patient=patient,
        channel=channel,
        status=status,
        actor=actor,
        source=Source.PORTAL,
        note=note,
    )
    return status
