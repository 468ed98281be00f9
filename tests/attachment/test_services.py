"""The writes of the waitlist workspace: what each attempt and result does to the
patient's outreach state, verification state, next step and worklists, and the audit
row each one leaves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from attachment.choices import (
    AttemptStatus,
    Channel,
    NextStep,
    OutreachState,
    VerificationResult,
    VerificationState,
)
from attachment.models import LocalContact, OutreachAttempt, Verification
from attachment.services import (
    effective_contact,
    local_contact_update,
    outreach_attempt_record,
    verification_record,
)
from attachment.worklists import worklist_counts
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from oht_portal.services import ApplicationError
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

NO_COUNTS = {"verify": 0, "call": 0, "unreachable": 0, "match": 0}


def reached(patient, actor):
    return outreach_attempt_record(
        patient=patient, channel=Channel.PHONE, status=AttemptStatus.REACHED, actor=actor
    )


def test_a_sent_letter_marks_the_patient_contacted(alice, patient_a):
    outreach_attempt_record(
        patient=patient_a, channel=Channel.LETTER, status=AttemptStatus.SENT, actor=alice
    )
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.CONTACTED
    assert patient_a.next_step == NextStep.FOLLOW_UP
    assert patient_a.last_contacted_at is not None


def test_a_reply_marks_the_patient_replied_and_due_for_verification(alice, patient_a):
    outreach_attempt_record(
        patient=patient_a, channel=Channel.EMAIL, status=AttemptStatus.SENT, actor=alice
    )
    outreach_attempt_record(
        patient=patient_a, channel=Channel.EMAIL, status=AttemptStatus.REPLIED, actor=alice
    )
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.REPLIED
    assert patient_a.next_step == NextStep.VERIFY
    assert worklist_counts(user=alice) == {**NO_COUNTS, "verify": 1}


def test_a_reached_call_marks_the_patient_reached(alice, patient_a):
    reached(patient_a, alice)
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.REACHED
    assert patient_a.next_step == NextStep.VERIFY


def test_a_later_failed_call_does_not_undo_a_reply(alice, patient_a):
    reached(patient_a, alice)
    outreach_attempt_record(
        patient=patient_a, channel=Channel.PHONE, status=AttemptStatus.NO_ANSWER, actor=alice
    )
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.REACHED


def test_n_failed_calls_make_the_patient_unreachable(alice, patient_a, settings):
    settings.OUTREACH_MAX_CALL_ATTEMPTS = 3
    for status in (AttemptStatus.NO_ANSWER, AttemptStatus.VOICEMAIL):
        outreach_attempt_record(
            patient=patient_a, channel=Channel.PHONE, status=status, actor=alice
        )
        patient_a.refresh_from_db()
        assert patient_a.outreach_state == OutreachState.CONTACTED
    outreach_attempt_record(
        patient=patient_a, channel=Channel.PHONE, status=AttemptStatus.WRONG_NUMBER, actor=alice
    )
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.UNREACHABLE
    assert patient_a.next_step == NextStep.VERIFY
    assert worklist_counts(user=alice) == {**NO_COUNTS, "unreachable": 1}


def test_an_attempt_in_the_future_is_refused(alice, patient_a):
    with pytest.raises(ApplicationError):
        outreach_attempt_record(
            patient=patient_a,
            channel=Channel.PHONE,
            status=AttemptStatus.REACHED,
            actor=alice,
            attempted_at=timezone.now() + timedelta(hours=1),
        )
    assert not OutreachAttempt.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE).exists()


def test_an_unknown_channel_or_status_is_refused(alice, patient_a):
    with pytest.raises(ApplicationError):
        outreach_attempt_record(patient=patient_a, channel="pigeon", status="sent", actor=alice)
    with pytest.raises(ApplicationError):
        outreach_attempt_record(patient=patient_a, channel="phone", status="maybe", actor=alice)


def test_an_attempt_writes_its_audit_row_with_the_patient_id(alice, patient_a):
    attempt = reached(patient_a, alice)
    event = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert event.patient_id == patient_a.pk
    assert (event.object_type, event.object_id) == ("attachment.outreachattempt", str(attempt.pk))
    assert event.actor_id == alice.pk
    assert event.oht_code == "OHT101"
    assert event.detail == {"channel": "phone", "status": "reached", "source": "portal"}


# Each verification result: the state it leaves, the next step, and the worklist.
OUTCOMES = [
    (VerificationResult.STILL_NEEDS_CARE, NextStep.MATCH, {**NO_COUNTS, "match": 1}),
    (VerificationResult.FOUND_CLINICIAN, NextStep.CLOSE, NO_COUNTS),
    (VerificationResult.MOVED, NextStep.CLOSE, NO_COUNTS),
    (VerificationResult.DECLINED, NextStep.CLOSE, NO_COUNTS),
    (VerificationResult.DECEASED, NextStep.CLOSE, NO_COUNTS),
    (VerificationResult.UNREACHABLE, NextStep.CLOSE, NO_COUNTS),
]


@pytest.mark.parametrize(("result", "next_step", "counts"), OUTCOMES)
def test_each_verification_result_sets_state_next_step_and_counts(
    alice, patient_a, result, next_step, counts
):
    reached(patient_a, alice)
    assert worklist_counts(user=alice) == {**NO_COUNTS, "verify": 1}

    verification_record(patient=patient_a, result=result, actor=alice)

    patient_a.refresh_from_db()
    assert patient_a.verification_state == result
    assert patient_a.next_step == next_step
    assert patient_a.verified_at is not None
    assert worklist_counts(user=alice) == counts


def test_unreachable_after_n_calls_leaves_the_worklist_once_the_result_is_recorded(
    alice, patient_a, settings
):
    settings.OUTREACH_MAX_CALL_ATTEMPTS = 1
    outreach_attempt_record(
        patient=patient_a, channel=Channel.PHONE, status=AttemptStatus.NO_ANSWER, actor=alice
    )
    assert worklist_counts(user=alice)["unreachable"] == 1
    verification_record(patient=patient_a, result=VerificationResult.UNREACHABLE, actor=alice)
    patient_a.refresh_from_db()
    assert patient_a.verification_state == VerificationState.UNREACHABLE
    assert worklist_counts(user=alice) == NO_COUNTS


def test_still_needs_care_keeps_the_updated_needs(alice, patient_a):
    verification = verification_record(
        patient=patient_a,
        result=VerificationResult.STILL_NEEDS_CARE,
        actor=alice,
        needs_language="FR",
        needs_paediatric=False,
        needs_mobility=True,
        complex_needs_note="Uses a wheelchair.",
    )
    verification.refresh_from_db()
    assert verification.needs_language == "fr"
    assert (verification.needs_paediatric, verification.needs_mobility) == (False, True)
    assert verification.recorded_by == alice


@pytest.mark.parametrize(
    "needs",
    [
        {"needs_language": "fr"},
        {"needs_paediatric": True},
        {"needs_mobility": True},
        {"complex_needs_note": "x"},
    ],
)
def test_updated_needs_are_refused_for_any_other_result(alice, patient_a, needs):
    with pytest.raises(ApplicationError):
        verification_record(
            patient=patient_a, result=VerificationResult.DECLINED, actor=alice, **needs
        )
    assert not Verification.objects.exists()
    patient_a.refresh_from_db()
    assert patient_a.verification_state == VerificationState.UNVERIFIED


def test_a_verification_writes_its_audit_row_with_the_patient_id(alice, patient_a):
    verification = verification_record(
        patient=patient_a, result=VerificationResult.DECLINED, actor=alice
    )
    event = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert event.patient_id == patient_a.pk
    assert (event.object_type, event.object_id) == ("attachment.verification", str(verification.pk))
    assert event.detail == {"result": "declined", "source": "portal"}


def test_local_contact_update_leaves_the_hcc_fields_alone_and_wins(alice, oht_a):
    patient = make_patient(
        oht_a, "HCC1000000009", phone="4165550100", email="hcc@example.org", preferred_language="en"
    )
    local_contact_update(patient=patient, actor=alice, phone="4165550199", preferred_language="fr")

    patient.refresh_from_db()
    assert (patient.phone, patient.email, patient.preferred_language) == (
        "4165550100",
        "hcc@example.org",
        "en",
    )
    contact = effective_contact(patient)
    assert contact["phone"] == "4165550199"
    assert contact["email"] == "hcc@example.org"  # no correction: the HCC value
    assert contact["preferred_language"] == "fr"
    assert LocalContact.objects.get(patient=patient).updated_by == alice


def test_local_contact_update_writes_its_audit_row_with_the_fields_not_the_values(alice, patient_a):
    contact = local_contact_update(patient=patient_a, actor=alice, phone="4165550199")
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert event.patient_id == patient_a.pk
    assert (event.object_type, event.object_id) == ("attachment.localcontact", str(contact.pk))
    assert event.detail == {"fields": ["phone"]}
    assert "4165550199" not in str(event.detail)


def test_local_contact_update_refuses_hcc_fields(alice, patient_a):
    with pytest.raises(ApplicationError):
        local_contact_update(patient=patient_a, actor=alice, family_name="Changed")
    patient_a.refresh_from_db()
    assert patient_a.family_name == "Tremblay"
