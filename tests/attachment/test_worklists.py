"""The follow-up worklists: who is on which list, scoped to the user's OHTs, and the
page that shows them (counts, lists, audit, query count)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.choices import AttemptStatus, Channel, HCCStatus, VerificationResult
from attachment.models import Patient
from attachment.services import (
    local_contact_update,
    outreach_attempt_record,
    verification_record,
)
from attachment.worklists import worklist_counts, worklist_patients
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


def attempt(patient, actor, channel, status, days_ago=0):
    return outreach_attempt_record(
        patient=patient,
        channel=channel,
        status=status,
        actor=actor,
        attempted_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def cast(oht_a, oht_b, alice, bob, settings):
    """One patient of OHT A on each list, a few on none, and OHT B's twins."""
    settings.OUTREACH_REPLY_DAYS = 14
    settings.OUTREACH_MAX_CALL_ATTEMPTS = 2
    patients = {}
    for oht, prefix, actor in ((oht_a, "HCC1", alice), (oht_b, "HCC2", bob)):
        made = {
            name: make_patient(oht, f"{prefix}00000000{index}", family_name=name.title())
            for index, name in enumerate(
                ["replied", "reached", "silent", "recent", "unreachable", "verified", "fresh"]
            )
        }
        attempt(made["replied"], actor, Channel.EMAIL, AttemptStatus.REPLIED)
        attempt(made["reached"], actor, Channel.PHONE, AttemptStatus.REACHED)
        attempt(made["silent"], actor, Channel.LETTER, AttemptStatus.SENT, days_ago=20)
        attempt(made["recent"], actor, Channel.LETTER, AttemptStatus.SENT, days_ago=3)
        attempt(made["unreachable"], actor, Channel.PHONE, AttemptStatus.NO_ANSWER, days_ago=2)
        attempt(made["unreachable"], actor, Channel.PHONE, AttemptStatus.VOICEMAIL, days_ago=1)
        verification_record(
            patient=made["verified"], result=VerificationResult.STILL_NEEDS_CARE, actor=actor
        )
        patients[oht.code] = made
    return patients


def names(queryset) -> set[str]:
    return {patient.family_name for patient in queryset}


def test_each_patient_is_on_the_right_list(cast, alice):
    assert names(worklist_patients(user=alice, key="verify")) == {"Replied", "Reached"}
    assert names(worklist_patients(user=alice, key="call")) == {"Silent"}
    assert names(worklist_patients(user=alice, key="unreachable")) == {"Unreachable"}
    assert names(worklist_patients(user=alice, key="match")) == {"Verified"}
    assert worklist_counts(user=alice) == {"verify": 2, "call": 1, "unreachable": 1, "match": 1}


def test_the_lists_never_show_another_ohts_patients(cast, alice, bob):
    for key in ("verify", "call", "unreachable", "match"):
        assert {p.oht.code for p in worklist_patients(user=alice, key=key)} == {"OHT101"}
        assert {p.oht.code for p in worklist_patients(user=bob, key=key)} == {"OHT102"}


def test_needs_a_call_follows_the_reply_days_setting(cast, alice, settings):
    settings.OUTREACH_REPLY_DAYS = 2
    assert names(worklist_patients(user=alice, key="call")) == {"Silent", "Recent"}


def test_patients_no_longer_waiting_leave_the_lists(cast, alice):
    Patient.objects.filter(pk=cast["OHT101"]["replied"].pk).update(status=HCCStatus.ATTACHED)
    Patient.objects.filter(pk=cast["OHT101"]["verified"].pk).update(on_hcc_list=False)
    assert worklist_counts(user=alice) == {"verify": 1, "call": 1, "unreachable": 1, "match": 0}


def test_the_lists_are_in_priority_order(oht_a, alice):
    late = make_patient(oht_a, "HCC1000000011", registration_date=timezone.localdate())
    cohort = make_patient(
        oht_a, "HCC1000000012", registration_date=timezone.localdate().replace(year=2024)
    )
    complex_cohort = make_patient(
        oht_a, "HCC1000000013", registration_date=cohort.registration_date, complex_vulnerable=True
    )
    for patient in (late, cohort, complex_cohort):
        attempt(patient, alice, Channel.PHONE, AttemptStatus.REACHED)
    assert [p.hcc_id for p in worklist_patients(user=alice, key="verify")] == [
        "HCC1000000013",
        "HCC1000000012",
        "HCC1000000011",
    ]


def test_the_page_shows_counts_and_the_chosen_list(cast, client_for, alice):
    response = client_for(alice).get(reverse("attachment:worklist"), {"list": "call"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "HCC1000000002" in body  # Silent
    assert "HCC1000000003" not in body  # Recent: still waiting for a reply
    assert "HCC2" not in body
    assert [tab["count"] for tab in response.context["tabs"]] == [2, 1, 1, 1]
    assert "Needs a call" in body


def test_the_page_shows_the_priority_reason(cast, client_for, alice):
    body = client_for(alice).get(reverse("attachment:worklist"), {"list": "match"}).content
    assert "cohort" in body.decode()
    assert "months waiting" in body.decode()


def test_an_unknown_list_falls_back_to_the_first(cast, client_for, alice):
    response = client_for(alice).get(reverse("attachment:worklist"), {"list": "nope"})
    assert response.status_code == 200
    assert response.context["current"].key == "verify"


def test_the_page_audits_one_list_row_per_patient_shown(cast, client_for, alice):
    client_for(alice).get(reverse("attachment:worklist"), {"list": "verify"})
    events = AuditEvent.objects.filter(action=AuditAction.LIST, actor_id=alice.pk)
    assert {event.patient_id for event in events} == {
        cast["OHT101"]["replied"].pk,
        cast["OHT101"]["reached"].pk,
    }
    assert all(event.detail == {"worklist": "verify", "page": 1} for event in events)


def test_the_page_shows_the_corrected_phone(oht_a, client_for, alice):
    patient = make_patient(oht_a, "HCC1000000021", phone="4165550100")
    attempt(patient, alice, Channel.LETTER, AttemptStatus.SENT, days_ago=30)
    local_contact_update(patient=patient, actor=alice, phone="4165550199")
    body = client_for(alice).get(reverse("attachment:worklist"), {"list": "call"}).content
    assert "4165550199" in body.decode()


def test_another_ohts_staff_see_only_their_own(cast, client_for, bob):
    body = client_for(bob).get(reverse("attachment:worklist")).content.decode()
    assert "HCC2" in body
    assert "HCC1" not in body


def test_people_without_patient_data_are_refused(client_for, peter):
    assert client_for(peter).get(reverse("attachment:worklist")).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(reverse("attachment:worklist"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_page_query_count_does_not_grow_with_the_list(
    oht_a, client_for, alice, django_assert_max_num_queries
):
    for index in range(30):
        patient = make_patient(oht_a, f"HCC10000001{index:02d}")
        attempt(patient, alice, Channel.PHONE, AttemptStatus.REACHED)
    client = client_for(alice)
    # Session, user, MFA, scope, counts, page count, page, audit insert and the nav: fixed.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("attachment:worklist"), {"list": "verify"})
    assert len(response.context["rows"]) == 30


def test_the_page_renders_in_french(cast, client_for, alice, settings):
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get(reverse("attachment:worklist"), {"list": "call"})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "Liste d’attente" in body
    assert "HCC1000000002" in body
