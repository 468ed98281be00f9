"""Writes of the waitlist workspace. Each records its audit row in the same transaction
and keeps the patient's outreach state, verification state and next step in step with
what was recorded, so the worklists and counts are always right."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attachment.choices import (
    AttemptStatus,
    Channel,
    NextStep,
    OutreachState,
    Source,
    VerificationResult,
    VerificationState,
)
from attachment.models import LocalContact, OutreachAttempt, Patient, Verification
from oht_portal.audit import audit_record
from oht_portal.choices import AuditAction
from oht_portal.services import ApplicationError

CLOSING_RESULTS = {
    VerificationState.FOUND_CLINICIAN,
    VerificationState.MOVED,
    VerificationState.DECLINED,
    VerificationState.DECEASED,
    VerificationState.UNREACHABLE,
}
FAILED_CALL = {AttemptStatus.NO_ANSWER, AttemptStatus.VOICEMAIL, AttemptStatus.WRONG_NUMBER}
DELIVERED = {AttemptStatus.QUEUED, AttemptStatus.SENT}


def next_step_for(patient: Patient) -> str:
    """The rule behind every worklist: verification decides, then outreach."""
    if patient.verification_state in CLOSING_RESULTS:
        return NextStep.CLOSE
    if patient.verification_state == VerificationState.STILL_NEEDS_CARE:
        return NextStep.MATCH
    if patient.outreach_state in {
        OutreachState.REPLIED,
        OutreachState.REACHED,
        OutreachState.UNREACHABLE,
    }:
        return NextStep.VERIFY
    if patient.outreach_state == OutreachState.CONTACTED:
        return NextStep.FOLLOW_UP
    return NextStep.OUTREACH


def _outreach_state_after(patient: Patient, attempt: OutreachAttempt) -> str:
    state = patient.outreach_state
    if attempt.status == AttemptStatus.REPLIED:
        return OutreachState.REPLIED
    if attempt.status == AttemptStatus.REACHED:
        return OutreachState.REACHED
    if state in {OutreachState.REPLIED, OutreachState.REACHED}:
        return state
    if attempt.channel == Channel.PHONE and attempt.status in FAILED_CALL:
        failed_calls = patient.outreach_attempts.filter(
            channel=Channel.PHONE, status__in=FAILED_CALL
        ).count()
        if failed_calls >= settings.OUTREACH_MAX_CALL_ATTEMPTS:
            return OutreachState.UNREACHABLE
        return OutreachState.CONTACTED
    if attempt.status in DELIVERED and state == OutreachState.NOT_STARTED:
        return OutreachState.CONTACTED
    return state


@transaction.atomic
def outreach_attempt_record(
    *,
    patient: Patient,
    channel: str,
    status: str,
    actor,
    source: str = Source.PORTAL,
    note: str = "",
    campaign=None,
    attempted_at: datetime | None = None,
    request=None,
) -> OutreachAttempt:
    """Record a letter, e-mail, text or call and move the patient's outreach on."""
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel '%(channel)s'.") % {"channel": channel})
    if status not in AttemptStatus.values:
        raise ApplicationError(_("Unknown attempt status '%(status)s'.") % {"status": status})
    attempted_at = attempted_at or timezone.now()
    if attempted_at > timezone.now():
        raise ApplicationError(_("An attempt cannot be recorded in the future."))
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    attempt = OutreachAttempt.objects.create(
        patient=patient,
        campaign=campaign,
        channel=channel,
        status=status,
        note=note,
        attempted_at=attempted_at,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
    )
    patient.outreach_state = _outreach_state_after(patient, attempt)
    if status not in {AttemptStatus.SKIPPED, AttemptStatus.FAILED}:
        patient.last_contacted_at = max(filter(None, [patient.last_contacted_at, attempted_at]))
    patient.next_step = next_step_for(patient)
    patient.save(update_fields=["outreach_state", "last_contacted_at", "next_step", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=attempt,
        patient=patient,
        detail={"channel": channel, "status": status, "source": source},
    )
    return attempt


@transaction.atomic
def verification_record(
    *,
    patient: Patient,
    result: str,
    actor,
    source: str = Source.PORTAL,
    needs_language: str = "",
    needs_paediatric: bool | None = None,
    needs_mobility: bool | None = None,
    complex_needs_note: str = "",
    request=None,
) -> Verification:
    """Record whether the patient still needs a clinician; it sets the next step."""
    if result not in VerificationResult.values:
        raise ApplicationError(_("Unknown verification result '%(result)s'.") % {"result": result})
    if result != VerificationResult.STILL_NEEDS_CARE and (
        needs_language or needs_paediatric or needs_mobility or complex_needs_note
    ):
        raise ApplicationError(
            _("Updated needs are recorded only for a patient who still needs care.")
        )
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    verification = Verification.objects.create(
        patient=patient,
        result=result,
        needs_language=needs_language.lower(),
        needs_paediatric=needs_paediatric,
        needs_mobility=needs_mobility,
        complex_needs_note=complex_needs_note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
    )
    patient.verification_state = result
    patient.verified_at = verification.recorded_at
    patient.next_step = next_step_for(patient)
    patient.save(update_fields=["verification_state", "verified_at", "next_step", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        request=request,
        obj=verification,
        patient=patient,
        detail={"result": result, "source": source},
    )
    return verification


LOCAL_CONTACT_FIELDS = (
    "phone",
    "email",
    "mailing_address",
    "preferred_contact",
    "preferred_language",
    "note",
)


@transaction.atomic
def local_contact_update(*, patient: Patient, actor, request=None, **values) -> LocalContact:
    """Save the OHT's corrections of a patient's contact details; HCC fields stay as the
    province sent them."""
    unknown = set(values) - set(LOCAL_CONTACT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Not a local contact field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    contact, _created = LocalContact.objects.select_for_update().get_or_create(patient=patient)
    changed = [name for name, value in values.items() if getattr(contact, name) != value]
    for name in changed:
        setattr(contact, name, values[name])
    contact.updated_by = actor
    contact.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        request=request,
        obj=contact,
        patient=patient,
        detail={"fields": sorted(changed)},
    )
    return contact


def effective_contact(patient: Patient) -> dict:
    """Where to reach a patient: the OHT's corrections first, then the HCC values."""
    local = getattr(patient, "local_contact", None)

    def pick(name: str) -> str:
        value = getattr(local, name, "") if local is not None else ""
        return value or getattr(patient, name, "")

    return {
        "phone": pick("phone"),
        "email": pick("email"),
        "mailing_address": local.mailing_address if local is not None else "",
        "postal_code": patient.postal_code,
        "preferred_contact": pick("preferred_contact"),
        "preferred_language": pick("preferred_language") or "en",
    }
