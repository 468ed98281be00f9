"""Outreach campaigns: step 1 of the provincial process run on a filtered set of patients.

The channel rule. The guidance asks for a letter, an e-mail and a text for every
waitlisted patient, so a campaign attempts every channel it was created with for every
patient, whatever their `preferred_contact`:

- letter: always possible (HCC gives every patient a postal code); it is recorded as
  `queued` until staff print it from the letters page, which uses the mailing address
  the OHT recorded when there is one;
- e-mail: sent when the patient has an e-mail address (`sent`, or `failed`);
- text: handed to the SMS gateway when the patient has a phone number (`sent`, or
  `failed`).

A channel without contact details is recorded as `skipped`, so the campaign's counts
show who could not be reached that way. `preferred_contact` decides the order: the
patient's preferred channel (mail → letter, email → e-mail, text → text) goes first, so
the message the patient asked for is the one that has gone out should a launch stop
half-way; a patient who prefers a phone call keeps the default order (letter, e-mail,
text) and gets the call at follow-up, which care connectors lead.

Patients closed for outreach are left out even when the filters match them: no longer on
the HCC list, HCC status other than active, or a verification result that closes them
(deceased, moved, declined, found a clinician, unreachable).

Never twice: an attempt is unique per (campaign, patient, channel). Each message is sent
inside a transaction that holds the patient's row lock, checks that no attempt exists,
sends, and records the attempt; a second launch, a concurrent one or a retry after a
crash finds the attempt and moves on. The one gap left is a crash between a provider
accepting a message and the commit of its attempt."""

import logging
from collections import Counter
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from attachment.choices import AttemptStatus, Channel, HCCStatus, NextStep, PreferredContact, Source
from attachment.filters import WaitlistFilter
from attachment.models import OutreachAttempt, OutreachCampaign, Patient
from attachment.outreach import letters
from attachment.outreach.senders import EmailSender, SendError, sms_gateway, to_e164
from attachment.selectors import patient_list
from attachment.services import effective_contact, outreach_attempt_record
from oht_portal.audit import audit_record
from oht_portal.choices import PATIENT_DATA_ROLES, AuditAction
from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user, scope_to_user
from oht_portal.services import ApplicationError

logger = logging.getLogger(__name__)

CAMPAIGN_CHANNELS = (Channel.LETTER, Channel.EMAIL, Channel.TEXT)
PREFERRED_CHANNEL = {
    PreferredContact.MAIL: Channel.LETTER,
    PreferredContact.EMAIL: Channel.EMAIL,
    PreferredContact.TEXT: Channel.TEXT,
}
# Query-string keys that say how a page was shown, not which patients were chosen.
NOT_FILTERS = {"page", "ordering"}
LAUNCH_CHUNK = 500


# The patients a campaign may write to (see the module docstring).
OPEN_FOR_OUTREACH = Q(on_hcc_list=True, status=HCCStatus.ACTIVE) & ~Q(next_step=NextStep.CLOSE)


def open_for_outreach(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    return patients.filter(OPEN_FOR_OUTREACH)


def channel_order(channels, preferred_contact: str) -> list[str]:
    """The campaign's channels, the patient's preferred one first."""
    ordered = [channel for channel in CAMPAIGN_CHANNELS if channel in channels]
    first = PREFERRED_CHANNEL.get(preferred_contact)
    if first in ordered:
        ordered.remove(first)
        ordered.insert(0, first)
    return ordered


def clean_filter_query(query: str) -> str:
    data = QueryDict(query, mutable=True)
    for key in NOT_FILTERS:
        data.pop(key, None)
    return data.urlencode()


def campaign_list(*, user) -> QuerySet[OutreachCampaign]:
    """Campaigns of the OHTs where `user` may see patient data."""
    return scope_to_user(
        OutreachCampaign.objects.select_related("oht", "created_by"), user
    ).order_by("-created_at", "-id")


def campaign_get(*, user, pk: int) -> OutreachCampaign:
    """One campaign, or 404 when it belongs to an OHT the user may not see."""
    try:
        return campaign_list(user=user).get(pk=pk)
    except OutreachCampaign.DoesNotExist:
        raise Http404 from None


def _may_run(actor, oht: OHT) -> bool:
    return ohts_for_user(actor, roles=PATIENT_DATA_ROLES).filter(pk=oht.pk).exists()


@transaction.atomic
def campaign_create(
    *,
    oht: OHT,
    name: str,
    channels,
    patients_queryset: QuerySet[Patient],
    filter_query: str,
    actor,
    request=None,
) -> OutreachCampaign:
    """A campaign of one OHT on the patients of `patients_queryset` (already scoped to
    the actor, e.g. a filtered waitlist) that belong to that OHT and are open for
    outreach. It sends nothing: `campaign_launch` does, from a task."""
    if not _may_run(actor, oht):
        raise ApplicationError(_("You may not run a campaign for this OHT."))
    name = name.strip()
    if not name:
        raise ApplicationError(_("A campaign needs a name."))
    channels = [channel for channel in CAMPAIGN_CHANNELS if channel in set(channels)]
    if not channels:
        raise ApplicationError(_("Choose at least one channel: letter, e-mail or text."))
    if letters.reply_contact(oht) is None:
        raise ApplicationError(
            _(
                "Name the OHT's primary point of contact (or the custodian's contact e-mail) "
                "first: every letter and message tells patients whom to reply to."
            )
        )
    patient_count = open_for_outreach(patients_queryset.filter(oht=oht)).count()
    if not patient_count:
        raise ApplicationError(_("No patient of this OHT open for outreach matches the filters."))
    filter_query = clean_filter_query(filter_query)
    campaign = OutreachCampaign.objects.create(
        oht=oht,
        name=name,
        channels=channels,
        filter_query=filter_query,
        created_by=actor,
        patient_count=patient_count,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=campaign,
        oht_code=oht.code,
        # Filter names only: a name search in the filters would put a name in the trail.
        detail={
            "channels": channels,
            "patients": patient_count,
            "filters": sorted(QueryDict(filter_query).keys()),
        },
    )
    return campaign


def campaign_patient_ids(*, campaign: OutreachCampaign, actor) -> list[int]:
    """The campaign's patients, worked out again from its saved filters (the model keeps
    the filters, not a list): those matching now who were on the list when the campaign
    was created, plus those it already wrote to, so that a retry finishes a patient whom
    the first run moved out of a filter such as "not contacted yet"."""
    filterset = WaitlistFilter(
        QueryDict(campaign.filter_query),
        queryset=patient_list(user=actor),
        request=SimpleNamespace(user=actor),
    )
    matching = filterset.qs.filter(oht=campaign.oht, created_at__lte=campaign.created_at)
    chosen = Patient.objects.filter(
        Q(pk__in=matching.order_by().values("pk"))
        | Q(pk__in=campaign.attempts.values("patient_id")),
        oht=campaign.oht,
    )
    return list(open_for_outreach(chosen).order_by("pk").values_list("pk", flat=True))


class _Senders:
    """The senders of one launch, made on first use (a letters-only campaign opens no
    mail connection and builds no gateway)."""

    def __init__(self):
        self._email = None
        self._sms = None

    @property
    def email(self) -> EmailSender:
        if self._email is None:
            self._email = EmailSender()
        return self._email

    @property
    def sms(self):
        if self._sms is None:
            self._sms = sms_gateway()
        return self._sms

    def close(self) -> None:
        if self._email is not None:
            self._email.close()


def _send(channel: str, patient: Patient, contact: dict, senders: _Senders) -> tuple[str, str]:
    """Hand one message over; (status, note). Notes hold ids and error types only."""
    if channel == Channel.LETTER:
        if not (contact["mailing_address"] or contact["postal_code"]):
            return AttemptStatus.SKIPPED, ""
        return AttemptStatus.QUEUED, ""
    if channel == Channel.EMAIL:
        if not contact["email"]:
            return AttemptStatus.SKIPPED, ""
        email = letters.render_email(patient, contact)
        reply = letters.reply_contact(patient.oht)
        try:
            senders.email.send(
                to=contact["email"],
                subject=email.subject,
                body=email.body,
                reply_to=reply.email if reply else "",
            )
        except SendError as error:
            return AttemptStatus.FAILED, f"e-mail: {error}"
        return AttemptStatus.SENT, ""
    if not contact["phone"]:
        return AttemptStatus.SKIPPED, ""
    body = letters.render_sms(patient, contact)
    try:
        message_id = senders.sms.send(to_e164(contact["phone"]), body)
    except SendError as error:
        return AttemptStatus.FAILED, f"SMS: {error}"
    except Exception as error:  # a provider's own errors: record, never crash the campaign
        logger.warning("SMS gateway error for attempt of patient %s", patient.pk, exc_info=False)
        return AttemptStatus.FAILED, f"SMS: {type(error).__name__}"
    return AttemptStatus.SENT, f"SMS id {message_id}"


def _deliver_once(
    *, campaign: OutreachCampaign, patient: Patient, channel: str, contact: dict, actor, senders
) -> str | None:
    """Send one message unless this campaign already has an attempt for it; the status
    recorded, or None when there was nothing left to do."""
    with transaction.atomic():
        # The patient's row lock serialises concurrent launches: the second one waits,
        # then finds the attempt the first one recorded.
        list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
        if OutreachAttempt.objects.filter(
            campaign=campaign, patient=patient, channel=channel
        ).exists():
            return None
        status, note = _send(channel, patient, contact, senders)
        outreach_attempt_record(
            patient=patient,
            channel=channel,
            status=status,
            actor=actor,
            source=Source.CAMPAIGN,
            note=note,
            campaign=campaign,
        )
        return status


def campaign_launch(*, campaign: OutreachCampaign, actor) -> dict[str, int]:
    """Send the campaign: every patient, every channel, in the patient's language (see
    the module docstring for the rules). Safe to run again: what was recorded is not
    sent again. Returns how many attempts this run recorded, by status."""
    if not _may_run(actor, campaign.oht):
        raise ApplicationError(_("You may not run a campaign for this OHT."))
    OutreachCampaign.objects.filter(pk=campaign.pk, launched_at__isnull=True).update(
        launched_at=timezone.now()
    )
    counts: Counter[str] = Counter()
    senders = _Senders()
    patient_ids = campaign_patient_ids(campaign=campaign, actor=actor)
    try:
        for start in range(0, len(patient_ids), LAUNCH_CHUNK):
            chunk = Patient.objects.filter(pk__in=patient_ids[start : start + LAUNCH_CHUNK])
            for patient in chunk.select_related(
                "oht", "oht__primary_contact", "local_contact"
            ).order_by("pk"):
                contact = effective_contact(patient)
                for channel in channel_order(campaign.channels, contact["preferred_contact"]):
                    status = _deliver_once(
                        campaign=campaign,
                        patient=patient,
                        channel=channel,
                        contact=contact,
                        actor=actor,
                        senders=senders,
                    )
                    counts[str(status) if status else "already_done"] += 1
    finally:
        senders.close()
    reached = campaign.attempts.order_by().values("patient_id").distinct().count()
    OutreachCampaign.objects.filter(pk=campaign.pk).update(patient_count=reached)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=campaign,
        oht_code=campaign.oht.code,
        detail={"launch": dict(counts), "patients": reached},
    )
    logger.info("campaign %s launched: %s", campaign.pk, dict(counts))
    return dict(counts)


def campaign_status_counts(campaign: OutreachCampaign) -> dict[str, dict[str, int]]:
    """{channel: {status: n}} for the campaign's page."""
    table: dict[str, dict[str, int]] = {channel: {} for channel in campaign.channels}
    rows = campaign.attempts.order_by().values("channel", "status").annotate(n=Count("id"))
    for row in rows:
        table.setdefault(row["channel"], {})[row["status"]] = row["n"]
    return table
