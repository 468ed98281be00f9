"""The referral pages: the list with its filters and overdue worklist, one referral's
page and each lifecycle step recorded from it; allowed for the patient's OHT, 404 for
another OHT, 403 for PCN leads on the list; illegal steps refused with a message."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.choices import ReferralStatus
from attachment.models import Referral
from attachment.referrals import referral_accept, referral_create
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db


def open_location(oht, number="10001", places=3, **fields):
    location = make_location(oht, make_clinician(number), **fields)
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places),
        channel="staff",
    )
    return location


@pytest.fixture
def referral(patient_a, oht_a):
    return referral_create(patient=patient_a, location=open_location(oht_a))


def detail_url(referral):
    return reverse("attachment:referral_detail", args=[referral.pk])


def step_url(referral, step):
    return reverse("attachment:referral_step", args=[referral.pk, step])


LIST_URL = "/patients/referrals/"


def test_it_shows_a_referral_with_its_legal_next_steps_only(client_for, alice, referral):
    response = client_for(alice).get(detail_url(referral))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Referred, awaiting the practice" in page
    assert 'id="step-accept"' in page
    assert 'id="step-decline"' in page
    assert 'id="step-close"' in page
    # Intake and attachment come later.
    assert 'id="step-intake"' not in page
    assert 'id="step-attach"' not in page
    assert AuditEvent.objects.filter(
        actor_id=alice.pk, action=AuditAction.VIEW, patient_id=referral.patient_id
    ).exists()


def test_a_care_connector_sees_the_referral(client_for, carol, referral):
    assert client_for(carol).get(detail_url(referral)).status_code == 200


def test_another_ohts_staff_get_a_404_and_the_refusal_is_audited(client_for, bob, referral):
    assert client_for(bob).get(detail_url(referral)).status_code == 404
    assert AuditEvent.objects.filter(
        actor_id=bob.pk, outcome=AuditOutcome.DENIED, patient_id=referral.patient_id
    ).exists()


def test_another_ohts_staff_cannot_record_a_step(client_for, bob, referral):
    response = client_for(bob).post(step_url(referral, "accept"), {})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED


def test_a_pcn_lead_gets_a_404_on_a_referral_and_a_403_on_the_list(client_for, peter, referral):
    client = client_for(peter)
    assert client.get(detail_url(referral)).status_code == 404
    assert client.post(step_url(referral, "accept"), {}).status_code == 404
    assert client.get(LIST_URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, referral):
    response = client.get(detail_url(referral))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_records_every_step_up_to_the_attachment(client_for, alice, referral):
    client = client_for(alice)

    response = client.post(step_url(referral, "accept"), {}, follow=True)
    assert "The practice&#x27;s acceptance is recorded." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.accepted_at is not None

    intake_day = timezone.localdate() + timedelta(days=7)
    response = client.post(
        step_url(referral, "intake"),
        {
            "intake-intake_on": intake_day.isoformat(),
            "intake-history_updated": "on",
            "intake-screening_done": "on",
        },
        follow=True,
    )
    assert "The intake appointment is recorded." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.INTAKE_BOOKED
    assert referral.intake_on == intake_day
    assert referral.intake_history_updated and referral.intake_screening_done
    assert "baseline screening done" in response.content.decode()

    response = client.post(step_url(referral, "attach"), {}, follow=True)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ATTACHED
    page = response.content.decode()
    assert "The attachment is recorded." in page
    assert "This referral is finished" in page
    assert (
        AuditEvent.objects.filter(
            actor_id=alice.pk, action=AuditAction.UPDATE, object_id=str(referral.pk)
        ).count()
        >= 3
    )


def test_it_records_a_decline_with_its_reason_and_note(client_for, alice, referral):
    response = client_for(alice).post(
        step_url(referral, "decline"),
        {"decline-reason": "complexity", "decline-note": "Full for complex care."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert (referral.decline_reason, referral.note) == ("complexity", "Full for complex care.")
    page = client_for(alice).get(detail_url(referral)).content.decode()
    assert "Too complex for the practice" in page


def test_a_decline_without_a_reason_is_a_400_with_the_error(client_for, alice, referral):
    response = client_for(alice).post(step_url(referral, "decline"), {"decline-reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED


def test_it_closes_a_referral_with_a_reason(client_for, alice, referral):
    response = client_for(alice).post(
        step_url(referral, "close"), {"close-reason": "unreachable", "close-note": ""}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.closed_reason) == (ReferralStatus.CLOSED, "unreachable")


def test_an_intake_needs_a_date(client_for, alice, referral):
    referral_accept(referral=referral)
    response = client_for(alice).post(step_url(referral, "intake"), {"intake-intake_on": ""})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_an_illegal_step_is_refused_with_a_clear_message(client_for, alice, referral):
    response = client_for(alice).post(step_url(referral, "attach"), {})
    assert response.status_code == 409
    assert "cannot become" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED


def test_an_unknown_step_is_a_404(client_for, alice, referral):
    assert client_for(alice).post(step_url(referral, "teleport"), {}).status_code == 404


def test_the_list_filters_by_status_and_location(client_for, alice, oht_a, oht_b, referral):
    other = referral_create(
        patient=make_patient(oht_a, "HCC1000000002", given_name="Marc"),
        location=open_location(oht_a, "10002"),
    )
    referral_accept(referral=other)
    outsider = referral_create(
        patient=make_patient(oht_b, "HCC2000000009", fsa="K1N"),
        location=open_location(oht_b, "20001"),
    )
    client = client_for(alice)

    page = client.get(LIST_URL).content.decode()
    assert "HCC1000000001" in page and "HCC1000000002" in page
    assert "HCC2000000009" not in page
    assert outsider.pk

    page = client.get(LIST_URL, {"status": "accepted"}).content.decode()
    assert "HCC1000000002" in page and "HCC1000000001" not in page

    page = client.get(LIST_URL, {"location": referral.location_id}).content.decode()
    assert "HCC1000000001" in page and "HCC1000000002" not in page
    assert AuditEvent.objects.filter(
        actor_id=alice.pk, action=AuditAction.LIST, patient_id=referral.patient_id
    ).exists()


def test_the_list_shows_the_overdue_worklist(client_for, alice, oht_a, referral):
    late = referral_create(
        patient=make_patient(oht_a, "HCC1000000003", given_name="Élise"),
        location=open_location(oht_a, "10003"),
    )
    Referral.objects.filter(pk=late.pk).update(referred_at=timezone.now() - timedelta(days=30))
    client = client_for(alice)

    page = client.get(LIST_URL).content.decode()
    assert 'id="overdue-notice"' in page
    assert "1 referral has had no answer" in page

    page = client.get(LIST_URL, {"overdue": "on"}).content.decode()
    assert "HCC1000000003" in page
    assert "HCC1000000001" not in page
    assert "Overdue" in page
