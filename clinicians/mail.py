"""E-mails to clinicians: their self-service link, sent by staff or as a reminder before
a capacity declaration expires.

Every body is a per-language template written in full (capacity_link_en /
capacity_link_fr), like the outreach messages: a clinician whose correspondence
language is French gets French whatever state the UI catalogue is in. The messages
name practice locations and capacity, never a patient. Nothing here logs an address.

A link is issued, e-mailed and audited in one transaction: when the mail backend refuses
the message the link is rolled back, so a link row means a link that was sent (the one
gap is a crash between the backend accepting it and the commit)."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from attachment.outreach.letters import reply_contact
from attachment.outreach.senders import EmailSender, SendError
from clinicians.choices import LinkPurpose
from clinicians.links import link_issue, link_url
from clinicians.models import Clinician, ClinicianLink, PracticeLocation
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.models import OHT
from oht_portal.services import ApplicationError

logger = logging.getLogger(__name__)

TEMPLATES = "clinicians/email"


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def oht_name(oht: OHT, language: str) -> str:
    return (oht.name_fr or oht.name_en) if language == "fr" else oht.name_en


def capacity_link_email(
    *, link: ClinicianLink, locations: list[PracticeLocation], reminder: bool
) -> Email:
    """The link's e-mail in the clinician's correspondence language."""
    language = link.clinician.correspondence_language
    if language not in ("en", "fr"):
        language = "en"
    context = {
        "clinician": link.clinician,
        "oht_name": oht_name(link.oht, language),
        "url": link_url(link),
        "expires_on": timezone.localdate(link.expires_at),
        "locations": locations,
        "reminder": reminder,
        "reply": reply_contact(link.oht),
    }
    # The override makes dates and choice labels follow the recipient, not the sender.
    with translation.override(language):
        subject = render_to_string(f"{TEMPLATES}/capacity_link_subject_{language}.txt", context)
        body = render_to_string(f"{TEMPLATES}/capacity_link_{language}.txt", context)
    return Email(subject=" ".join(subject.split()), body=body.strip() + "\n")


def _locations_of(clinician: Clinician, oht: OHT) -> list[PracticeLocation]:
    return list(
        PracticeLocation.objects.filter(clinician=clinician, oht=oht)
        .select_related("current_declaration")
        .order_by("practice_name", "postal_code")
    )


def capacity_link_send(
    *,
    clinician: Clinician,
    oht: OHT,
    actor=None,
    request=None,
    locations: list[PracticeLocation] | None = None,
    reminder: bool = False,
    sender: EmailSender | None = None,
) -> ClinicianLink:
    """Issue a capacity link for `clinician` in `oht` and e-mail it to them.
    ApplicationError when they have no address or the message cannot be handed over."""
    to = clinician.message_email
    if not to:
        raise ApplicationError(
            _("This clinician has no e-mail address: add an e-mail for the OHT's messages first.")
        )
    own_sender = sender is None
    sender = sender or EmailSender()
    try:
        with transaction.atomic():
            link = link_issue(
                clinician=clinician,
                oht=oht,
                purpose=LinkPurpose.CAPACITY,
                issued_by=actor,
                sent_to=to,
            )
            shown = locations if locations is not None else _locations_of(clinician, oht)
            email = capacity_link_email(link=link, locations=shown, reminder=reminder)
            reply = reply_contact(oht)
            sender.send(
                to=to, subject=email.subject, body=email.body, reply_to=reply.email if reply else ""
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                request=request,
                obj=link,
                oht_code=oht.code,
                detail={"purpose": LinkPurpose.CAPACITY, "reminder": reminder},
            )
    except SendError as error:
        # The error type only: SMTP errors quote the recipient's address.
        logger.warning("capacity link for clinician %s not sent: %s", clinician.pk, error)
        raise ApplicationError(_("The e-mail could not be sent; try again later.")) from error
    finally:
        if own_sender:
            sender.close()
    return link


def _reminder_due_from(declaration) -> datetime:
    """The moment from which a link counts as this declaration's reminder: the later of
    its last verification and the start of its reminder window. A link sent well before
    the window (right after staff entered the figures, say) does not stand in for it."""
    window = declaration.expires_on - timedelta(days=settings.CAPACITY_REMINDER_DAYS)
    window_start = timezone.make_aware(datetime.combine(window, time.min))
    return max(declaration.verified_at, window_start)


def capacity_reminders_send(*, today=None) -> dict[str, int]:
    """E-mail one self-service link per (clinician, OHT) whose locations' current
    declarations expire within CAPACITY_REMINDER_DAYS (today included), unless a capacity
    link already went out to them for this declaration period. Safe to run daily: the
    link it issues is what makes the next run skip them. Returns counts by outcome."""
    today = today or timezone.localdate()
    expiring = (
        PracticeLocation.objects.filter(
            current_declaration__expires_on__gte=today,
            current_declaration__expires_on__lte=today
            + timedelta(days=settings.CAPACITY_REMINDER_DAYS),
        )
        .select_related("clinician", "oht", "current_declaration")
        .order_by("clinician_id", "oht_id", "practice_name", "postal_code")
    )
    groups: dict[tuple[int, int], list[PracticeLocation]] = defaultdict(list)
    for location in expiring:
        groups[(location.clinician_id, location.oht_id)].append(location)
    last_link = {
        (row["clinician_id"], row["oht_id"]): row["last"]
        for row in ClinicianLink.objects.filter(
            purpose=LinkPurpose.CAPACITY,
            clinician_id__in={clinician_id for clinician_id, _oht in groups},
        )
        .values("clinician_id", "oht_id")
        .annotate(last=Max("issued_at"))
    }
    counts = {"sent": 0, "skipped": 0, "failed": 0, "already_reminded": 0}
    sender = EmailSender()
    try:
        for key, locations in groups.items():
            last = last_link.get(key)
            if last is not None and all(
                last >= _reminder_due_from(location.current_declaration) for location in locations
            ):
                counts["already_reminded"] += 1
                continue
            first = locations[0]
            if not first.clinician.message_email:
                counts["skipped"] += 1
                continue
            try:
                capacity_link_send(
                    clinician=first.clinician,
                    oht=first.oht,
                    locations=locations,
                    reminder=True,
                    sender=sender,
                )
            except ApplicationError:
                counts["failed"] += 1
            else:
                counts["sent"] += 1
    finally:
        sender.close()
    logger.info("capacity reminders: %s", counts)
    return counts
