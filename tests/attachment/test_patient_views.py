"""The patient page and its forms: allowed for the patient's OHT, 404 for everyone
else, audited, and every write going through the services. Also the timeline."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attachment.choices import (
    AttemptStatus,
    Channel,
    NextStep,
    OutreachState,
    VerificationResult,
    VerificationState,
)
from attachment.models import (
    LocalContact,
    OutreachAttempt,
    Patient,
    PatientExtractEvent,
    Verification,
)
from attachment.services import (
    local_contact_update,
    outreach_attempt_record,
    verification_record,
)
from attachment.timeline import Kind, patient_timeline
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent, ImportRun
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


def detail_url(patient):
    return reverse("attachment:patient_detail", args=[patient.pk])


def attempt_url(patient):
    return reverse("attachment:patient_attempt_create", args=[patient.pk])


def verification_url(patient):
    return reverse("attachment:patient_verification_create", args=[patient.pk])


def contact_url(patient):
    return reverse("attachment:patient_contact_edit", args=[patient.pk])


CALL_REACHED = {"attempt-channel": "phone", "attempt-status": "reached", "attempt-note": "Spoke."}
STILL_NEEDS_CARE = {
    "verification-result": "still_needs_care",
    "verification-needs_language": "fr",
    "verification-needs_mobility": "on",
    "verification-complex_needs_note": "Two chronic conditions.",
}
CONTACT = {"contact-phone": "(416) 555-0199", "contact-email": "New@Example.org"}

POSTS = [
    (attempt_url, CALL_REACHED),
    (verification_url, STILL_NEEDS_CARE),
    (contact_url, CONTACT),
]


# -- the page -------------------------------------------------------------------------


def test_staff_of_the_patients_oht_see_the_page(client_for, alice, oht_a):
    patient = make_patient(
        oht_a,
        "HCC1000000001",
        registration_date=date(2022, 1, 15),
        complex_vulnerable=True,
        phone="4165550100",
    )
    response = client_for(alice).get(detail_url(patient))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tremblay, Chloé" in body
    assert "Jan 1, 2025 cohort" in body
    assert "cohort · complex vulnerable · " in body
    assert "months waiting" in body
    assert "weights version 2025.1" in body
    assert "Health Care Connect record" in body
    assert "4165550100" in body
    assert patient.get_next_step_display() in body


def test_the_page_view_is_audited(client_for, alice, patient_a):
    client_for(alice).get(detail_url(patient_a))
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.patient_id, event.actor_id, event.outcome) == (
        patient_a.pk,
        alice.pk,
        AuditOutcome.SUCCESS,
    )


def test_a_care_connector_of_the_oht_sees_the_page(client_for, carol, patient_a):
    assert client_for(carol).get(detail_url(patient_a)).status_code == 200


def test_another_ohts_staff_get_a_404_and_the_refusal_is_audited(client_for, bob, patient_a):
    response = client_for(bob).get(detail_url(patient_a))
    assert response.status_code == 404
    event = AuditEvent.objects.get(actor_id=bob.pk, patient_id__isnull=False)
    assert (event.patient_id, event.outcome) == (patient_a.pk, AuditOutcome.DENIED)
    assert "Tremblay" not in response.content.decode()


def test_a_pcn_lead_gets_a_404(client_for, peter, patient_a):
    assert client_for(peter).get(detail_url(patient_a)).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, patient_a):
    response = client.get(detail_url(patient_a))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_page_shows_hcc_and_local_contact_values_side_by_side(client_for, alice, oht_a):
    patient = make_patient(oht_a, "HCC1000000001", phone="4165550100", email="hcc@example.org")
    local_contact_update(patient=patient, actor=alice, phone="4165550199")
    response = client_for(alice).get(detail_url(patient))
    phone_row = response.context["contact_rows"][0]
    assert phone_row["hcc"] == "4165550100"
    assert phone_row["local"] == "4165550199"
    assert phone_row["used"] == "4165550199"
    email_row = response.context["contact_rows"][1]
    assert (email_row["local"], email_row["used"]) == ("", "hcc@example.org")


def test_the_page_says_when_a_call_is_due(client_for, alice, patient_a, settings):
    settings.OUTREACH_REPLY_DAYS = 14
    outreach_attempt_record(
        patient=patient_a,
        channel=Channel.LETTER,
        status=AttemptStatus.SENT,
        actor=alice,
        attempted_at=timezone.now() - timedelta(days=15),
    )
    assert client_for(alice).get(detail_url(patient_a)).context["due_for_call"] is True


# -- recording an attempt ---------------------------------------------------------------


def test_recording_a_call_redirects_back_with_a_message(client_for, alice, patient_a):
    client = client_for(alice)
    response = client.post(attempt_url(patient_a), CALL_REACHED)
    assert response.status_code == 302
    assert response.url == detail_url(patient_a)

    attempt = OutreachAttempt.objects.get()
    assert (attempt.patient, attempt.channel, attempt.status) == (patient_a, "phone", "reached")
    assert (attempt.note, attempt.recorded_by, attempt.source) == ("Spoke.", alice, "portal")
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.REACHED
    assert patient_a.next_step == NextStep.VERIFY
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, patient_id=patient_a.pk, object_type="attachment.outreachattempt"
    ).exists()

    page = client.get(response.url).content.decode()
    assert "Outreach attempt recorded." in page
    assert "Spoke." in page


def test_an_attempt_in_the_future_is_a_form_error(client_for, alice, patient_a):
    tomorrow = timezone.localtime() + timedelta(days=1)
    response = client_for(alice).post(
        attempt_url(patient_a),
        {**CALL_REACHED, "attempt-attempted_at": tomorrow.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 400
    assert "cannot be recorded in the future" in response.content.decode()
    assert response.context["attempt_form"].non_field_errors()
    assert not OutreachAttempt.objects.exists()


def test_an_attempt_with_a_given_time_keeps_it(client_for, alice, patient_a):
    client_for(alice).post(
        attempt_url(patient_a), {**CALL_REACHED, "attempt-attempted_at": "2025-03-04T10:30"}
    )
    attempt = OutreachAttempt.objects.get()
    assert attempt.attempted_at == at(date(2025, 3, 4), 10) + timedelta(minutes=30)


def test_an_invalid_attempt_form_is_a_400(client_for, alice, patient_a):
    response = client_for(alice).post(
        attempt_url(patient_a), {"attempt-channel": "pigeon", "attempt-status": "queued"}
    )
    assert response.status_code == 400
    form = response.context["attempt_form"]
    assert set(form.errors) == {"channel", "status"}
    assert not OutreachAttempt.objects.exists()


# -- recording a verification -------------------------------------------------------------


def test_recording_a_verification_sets_the_next_step(client_for, alice, patient_a):
    client = client_for(alice)
    response = client.post(verification_url(patient_a), STILL_NEEDS_CARE)
    assert response.status_code == 302
    verification = Verification.objects.get()
    assert verification.result == VerificationResult.STILL_NEEDS_CARE
    assert verification.needs_language == "fr"
    assert (verification.needs_paediatric, verification.needs_mobility) == (False, True)
    assert verification.complex_needs_note == "Two chronic conditions."
    patient_a.refresh_from_db()
    assert patient_a.verification_state == VerificationState.STILL_NEEDS_CARE
    assert patient_a.next_step == NextStep.MATCH
    page = client.get(response.url).content.decode()
    assert "Verification result recorded." in page
    assert "Ready to match with a clinician" in page


def test_a_closing_result_records_no_needs(client_for, alice, patient_a):
    response = client_for(alice).post(verification_url(patient_a), {"verification-result": "moved"})
    assert response.status_code == 302
    verification = Verification.objects.get()
    assert (verification.needs_paediatric, verification.needs_mobility) == (None, None)
    patient_a.refresh_from_db()
    assert patient_a.next_step == NextStep.CLOSE


def test_needs_with_another_result_are_a_form_error(client_for, alice, patient_a):
    response = client_for(alice).post(
        verification_url(patient_a), {**STILL_NEEDS_CARE, "verification-result": "declined"}
    )
    assert response.status_code == 400
    assert "only for a patient who still needs care" in response.content.decode()
    assert not Verification.objects.exists()
    patient_a.refresh_from_db()
    assert patient_a.verification_state == VerificationState.UNVERIFIED


# -- local contact corrections ------------------------------------------------------------


def test_a_contact_correction_leaves_the_hcc_fields_alone(client_for, alice, oht_a):
    patient = make_patient(oht_a, "HCC1000000001", phone="4165550100", email="hcc@example.org")
    response = client_for(alice).post(contact_url(patient), CONTACT)
    assert response.status_code == 302
    contact = LocalContact.objects.get(patient=patient)
    assert (contact.phone, contact.email) == ("4165550199", "new@example.org")
    patient.refresh_from_db()
    assert (patient.phone, patient.email) == ("4165550100", "hcc@example.org")
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert event.patient_id == patient.pk
    assert event.detail == {"fields": ["email", "phone"]}


def test_a_bad_phone_number_is_a_form_error(client_for, alice, patient_a):
    response = client_for(alice).post(contact_url(patient_a), {"contact-phone": "555-01"})
    assert response.status_code == 400
    assert "phone" in response.context["contact_form"].errors
    assert not LocalContact.objects.exists()


def test_the_form_starts_from_the_current_corrections(client_for, alice, patient_a):
    local_contact_update(patient=patient_a, actor=alice, phone="4165550199", note="Evenings")
    form = client_for(alice).get(detail_url(patient_a)).context["contact_form"]
    assert form.initial["phone"] == "4165550199"
    assert form.initial["note"] == "Evenings"


# -- every write, for the people who may not make it ------------------------------------


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_another_ohts_staff_cannot_write(client_for, bob, patient_a, url, data):
    response = client_for(bob).post(url(patient_a), data)
    assert response.status_code == 404
    assert not OutreachAttempt.objects.exists()
    assert not Verification.objects.exists()
    assert not LocalContact.objects.exists()
    denied = AuditEvent.objects.get(actor_id=bob.pk, patient_id__isnull=False)
    assert (denied.patient_id, denied.outcome) == (patient_a.pk, AuditOutcome.DENIED)


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_a_pcn_lead_cannot_write(client_for, peter, patient_a, url, data):
    assert client_for(peter).post(url(patient_a), data).status_code == 404
    assert not OutreachAttempt.objects.exists()
    assert not Verification.objects.exists()
    assert not LocalContact.objects.exists()


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_a_missing_patient_is_a_404(client_for, alice, patient_a, url, data):
    missing = Patient(pk=patient_a.pk + 1000)
    assert client_for(alice).post(url(missing), data).status_code == 404


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_writes_need_a_post(client_for, alice, patient_a, url, data):
    assert client_for(alice).get(url(patient_a)).status_code == 405


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_writes_need_a_csrf_token(alice, patient_a, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(url(patient_a), data).status_code == 403
    assert not OutreachAttempt.objects.exists()


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_writes_need_a_signed_in_person(client, patient_a, url, data):
    response = client.post(url(patient_a), data)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# -- the timeline -------------------------------------------------------------------------


def extract_event(patient, day: date, change: str, fields=()):
    run = ImportRun.objects.create(
        kind="hcc_waitlist",
        file_name=f"hcc_waitlist_OHT101_{day:%Y%m%d}.csv",
        sha256=f"{day:%Y%m%d}".ljust(64, "0"),
        trigger=ImportRun.Trigger.COMMAND,
        status=ImportRun.Status.SUCCEEDED,
        extract_date=day,
    )
    return PatientExtractEvent.objects.create(
        patient=patient, import_run=run, extract_date=day, change=change, fields=list(fields)
    )


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def history(alice, patient_a):
    """Joined in January, a letter and a call in March, then the HCC phone changed,
    a contact correction and a verification."""
    extract_event(patient_a, date(2025, 1, 10), PatientExtractEvent.Change.JOINED)
    outreach_attempt_record(
        patient=patient_a,
        channel=Channel.LETTER,
        status=AttemptStatus.SENT,
        actor=alice,
        attempted_at=at(date(2025, 3, 1), 9),
    )
    outreach_attempt_record(
        patient=patient_a,
        channel=Channel.PHONE,
        status=AttemptStatus.REACHED,
        note="Prefers mornings",
        actor=alice,
        attempted_at=at(date(2025, 3, 20), 14),
    )
    extract_event(
        patient_a, date(2025, 4, 1), PatientExtractEvent.Change.UPDATED, ["phone", "postal_code"]
    )
    local_contact_update(patient=patient_a, actor=alice, phone="4165550199")
    verification_record(
        patient=patient_a,
        result=VerificationResult.STILL_NEEDS_CARE,
        needs_language="fr",
        needs_paediatric=False,
        actor=alice,
    )
    return patient_a


def test_the_timeline_is_newest_first_with_every_kind(history):
    entries = patient_timeline(patient=history)
    assert [entry.kind for entry in entries] == [
        Kind.VERIFICATION,
        Kind.CONTACT,
        Kind.EXTRACT,
        Kind.ATTEMPT,
        Kind.ATTEMPT,
        Kind.EXTRACT,
    ]
    assert [entry.title for entry in entries[2:]] == [
        "HCC details changed",
        "Phone call",
        "Letter",
        "Joined the HCC list",
    ]


def test_the_timeline_says_what_each_entry_was(history, alice):
    verification, contact, updated, call, _letter, joined = patient_timeline(patient=history)
    assert verification.title == "Verification: Still needs a clinician"
    assert "Language of care: French (fr)" in verification.details
    assert "Paediatric care: No" in verification.details
    assert verification.who == "Alice Staff"
    assert contact.details == ["Changed: Phone"]
    assert contact.who == alice.email
    assert updated.details == ["Changed: Phone, Postal code"]
    assert updated.date_only
    assert (call.details, call.note, call.who) == (["Reached"], "Prefers mornings", "Alice Staff")
    assert joined.who == "HCC extract"


def test_the_timeline_takes_five_queries_whatever_its_length(
    history, alice, django_assert_num_queries
):
    for _ in range(10):
        outreach_attempt_record(
            patient=history, channel=Channel.EMAIL, status=AttemptStatus.SENT, actor=alice
        )
    # Extract events, attempts, verifications, contact changes and supports offered.
    with django_assert_num_queries(5):
        entries = patient_timeline(patient=history)
    assert len(entries) == 16


def test_the_timeline_shows_only_this_patients_entries(history, bob, patient_b):
    outreach_attempt_record(
        patient=patient_b, channel=Channel.PHONE, status=AttemptStatus.REACHED, actor=bob
    )
    assert len(patient_timeline(patient=history)) == 6
    assert len(patient_timeline(patient=patient_b)) == 1


def test_the_page_shows_the_timeline(history, client_for, alice):
    body = client_for(alice).get(detail_url(history)).content.decode()
    for text in ("Joined the HCC list", "Prefers mornings", "Changed: Phone, Postal code"):
        assert text in body


def test_the_page_query_count_does_not_grow_with_the_timeline(
    history, client_for, alice, django_assert_max_num_queries
):
    for _ in range(20):
        outreach_attempt_record(
            patient=history, channel=Channel.EMAIL, status=AttemptStatus.SENT, actor=alice
        )
    client = client_for(alice)
    # Session, user, MFA, the patient, its local contact, the audit row, the timeline's
    # queries, the supports offered, the patient's referrals and current proposal, and
    # the nav: a fixed number, however long the timeline.
    with django_assert_max_num_queries(18):
        response = client.get(detail_url(history))
    assert len(response.context["timeline"]) == 26


def test_the_page_renders_in_french(client_for, alice, patient_a, settings):
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(detail_url(patient_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "Accueil" in body
    # Django names the languages of the needs picker in the page's language.
    assert ">français</option>" in body.lower()
