"""The waitlist API: scoped patients with the page's filters, audited reads, and the
care connectors' two writes (outreach attempts, verification results) through the
services, with read-only fields that the API never writes."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from attachment.choices import NextStep, OutreachState, Source, VerificationState
from attachment.models import LocalContact, OutreachAttempt, Patient, Verification
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from oht_portal.services import api_token_create
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

PATIENTS = "/api/v1/patients/"


def api_client(user) -> APIClient:
    """A client that calls as `user` with a real knox token, as a care connector would."""
    _, token = api_token_create(user=user, days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def detail_url(patient: Patient) -> str:
    return f"{PATIENTS}{patient.pk}/"


def attempts_url(patient: Patient) -> str:
    return f"{PATIENTS}{patient.pk}/outreach-attempts/"


def verifications_url(patient: Patient) -> str:
    return f"{PATIENTS}{patient.pk}/verifications/"


def hcc_ids(response) -> list[str]:
    return [row["hcc_id"] for row in response.json()["results"]]


def patient_audit(patient: Patient, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(patient_id=patient.pk, action=action))


@pytest.fixture
def patient_c(oht_c) -> Patient:
    return make_patient(oht_c, "HCC3000000001", postal_code="P3A1A1", fsa="P3A")


# --- Scoping: allowed and denied per endpoint ------------------------------------------


def test_a_care_connector_lists_the_patients_of_her_ohts_only(
    carol, patient_a, patient_b, patient_c
):
    response = api_client(carol).get(PATIENTS)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert sorted(hcc_ids(response)) == [patient_a.hcc_id, patient_c.hcc_id]


def test_a_care_connector_reads_her_ohts_patient_but_gets_404_for_another_ohts(
    carol, patient_a, patient_b
):
    client = api_client(carol)
    assert client.get(detail_url(patient_a)).status_code == 200
    assert client.get(detail_url(patient_b)).status_code == 404
    assert client.get(attempts_url(patient_b)).status_code == 404
    assert client.get(verifications_url(patient_b)).status_code == 404


def test_staff_of_another_oht_get_404_on_every_patient_endpoint(bob, patient_a):
    client = api_client(bob)
    assert client.get(detail_url(patient_a)).status_code == 404
    assert client.get(attempts_url(patient_a)).status_code == 404
    assert client.get(verifications_url(patient_a)).status_code == 404
    assert hcc_ids(client.get(PATIENTS)) == []
    refused = patient_audit(patient_a, AuditAction.VIEW)
    assert refused and all(event.outcome == AuditOutcome.DENIED for event in refused)


def test_staff_of_another_oht_cannot_record_anything_on_a_patient(bob, patient_a):
    client = api_client(bob)
    attempt = client.post(attempts_url(patient_a), {"channel": "phone", "status": "reached"})
    verification = client.post(verifications_url(patient_a), {"result": "declined"})
    assert (attempt.status_code, verification.status_code) == (404, 404)
    assert not OutreachAttempt.objects.exists()
    assert not Verification.objects.exists()
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.NOT_STARTED


def test_a_pcn_lead_gets_no_patient_endpoint(peter, patient_a):
    client = api_client(peter)
    response = client.get(PATIENTS)
    assert response.status_code == 403
    assert "results" not in response.json()
    assert client.get(detail_url(patient_a)).status_code == 403
    assert client.post(verifications_url(patient_a), {"result": "declined"}).status_code == 403
    assert not Verification.objects.exists()


def test_the_patient_api_refuses_anonymous_callers(patient_a):
    client = APIClient()
    assert client.get(PATIENTS).status_code == 401
    assert client.get(detail_url(patient_a)).status_code == 401
    assert client.get(attempts_url(patient_a)).status_code == 401
    posted = client.post(attempts_url(patient_a), {"channel": "phone", "status": "reached"})
    assert posted.status_code == 401
    assert not OutreachAttempt.objects.exists()


def test_a_site_admin_sees_every_ohts_patients(root, patient_a, patient_b):
    assert sorted(hcc_ids(api_client(root).get(PATIENTS))) == [
        patient_a.hcc_id,
        patient_b.hcc_id,
    ]


# --- Filters through the API ------------------------------------------------------------


@pytest.fixture
def waitlist(oht_a, oht_b):
    """OHT A patients that differ in one filtered field each, and an OHT B lookalike."""
    return {
        "cohort": make_patient(oht_a, "HCC1000000101", family_name="Cohort"),
        "recent": make_patient(
            oht_a, "HCC1000000102", family_name="Recent", registration_date=date(2025, 6, 1)
        ),
        "m4e": make_patient(oht_a, "HCC1000000103", family_name="Beach", fsa="M4E"),
        "verified": make_patient(
            oht_a,
            "HCC1000000104",
            family_name="Verified",
            verification_state=VerificationState.STILL_NEEDS_CARE,
            health_card_number="1234567890AB",
        ),
        "outsider": make_patient(oht_b, "HCC2000000101", family_name="Cohort", fsa="K1N"),
    }


def test_the_cohort_filter(carol, waitlist):
    client = api_client(carol)
    assert hcc_ids(client.get(PATIENTS, {"cohort": "false"})) == [waitlist["recent"].hcc_id]
    assert waitlist["recent"].hcc_id not in hcc_ids(client.get(PATIENTS, {"cohort": "true"}))
    assert client.get(PATIENTS, {"cohort": "true"}).json()["count"] == 3


def test_the_fsa_filter(carol, waitlist):
    client = api_client(carol)
    assert hcc_ids(client.get(PATIENTS, {"fsa": "m4e"})) == [waitlist["m4e"].hcc_id]
    assert hcc_ids(client.get(PATIENTS, {"fsa": "K1N"})) == []


def test_the_verification_state_filter(carol, waitlist):
    response = api_client(carol).get(PATIENTS, {"verification_state": "still_needs_care"})
    assert hcc_ids(response) == [waitlist["verified"].hcc_id]


def test_the_search_finds_a_name_an_hcc_id_or_a_health_card_within_scope(carol, waitlist):
    client = api_client(carol)
    assert hcc_ids(client.get(PATIENTS, {"q": "cohort"})) == [waitlist["cohort"].hcc_id]
    assert hcc_ids(client.get(PATIENTS, {"q": "hcc1000000103"})) == [waitlist["m4e"].hcc_id]
    by_card = client.get(PATIENTS, {"q": "1234 567 890 ab"})
    assert hcc_ids(by_card) == [waitlist["verified"].hcc_id]
    assert hcc_ids(client.get(PATIENTS, {"q": waitlist["outsider"].hcc_id})) == []


def test_the_ordering_parameter_sorts_and_priority_is_the_default(carol, waitlist):
    client = api_client(carol)
    by_name = hcc_ids(client.get(PATIENTS, {"ordering": "family_name"}))
    assert by_name[0] == waitlist["m4e"].hcc_id
    assert hcc_ids(client.get(PATIENTS))[-1] == waitlist["recent"].hcc_id


def test_invalid_filter_values_are_a_400_with_the_field_named(carol, oht_b, waitlist):
    client = api_client(carol)
    assert "status" in client.get(PATIENTS, {"status": "bogus"}).json()["fields"]
    refused = client.get(PATIENTS, {"oht": oht_b.code})
    assert refused.status_code == 400
    assert "oht" in refused.json()["fields"]


# --- What the API returns ---------------------------------------------------------------


def test_the_detail_shows_states_priority_contact_and_recent_work(carol, patient_a):
    patient_a.complex_vulnerable = True
    patient_a.save()
    LocalContact.objects.create(patient=patient_a, phone="4165550199")
    client = api_client(carol)
    client.post(attempts_url(patient_a), {"channel": "letter", "status": "sent"}, format="json")
    body = client.get(detail_url(patient_a)).json()
    assert body["oht"] == "OHT101"
    assert body["in_cohort"] is True
    assert body["outreach_state"] == OutreachState.CONTACTED
    assert body["verification_state"] == VerificationState.UNVERIFIED
    assert body["next_step"] == NextStep.FOLLOW_UP
    assert body["registration_date"] == "2023-05-01"
    assert body["priority"]["version"]
    assert body["priority"]["score"] > 1000
    assert body["priority"]["explanation"].startswith("cohort · complex vulnerable")
    assert body["contact"]["phone"] == "4165550199"
    assert [a["channel"] for a in body["recent_outreach_attempts"]] == ["letter"]
    assert body["recent_verifications"] == []


def test_the_patient_resource_cannot_be_changed_through_the_api(carol, patient_a):
    client = api_client(carol)
    body = {"family_name": "Changed", "oht": "OHT103", "verification_state": "declined"}
    assert client.patch(detail_url(patient_a), body, format="json").status_code == 405
    assert client.put(detail_url(patient_a), body, format="json").status_code == 405
    assert client.delete(detail_url(patient_a)).status_code == 405
    assert client.post(PATIENTS, {"hcc_id": "HCC1999999999"}, format="json").status_code == 405
    patient_a.refresh_from_db()
    assert (patient_a.family_name, patient_a.oht.code) == ("Tremblay", "OHT101")


# --- Recording outreach attempts and verification results ------------------------------


def test_recording_a_call_through_the_api_moves_the_patient_on_and_is_audited(carol, patient_a):
    response = api_client(carol).post(
        attempts_url(patient_a),
        {"channel": "phone", "status": "reached", "note": "Confirmed details."},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["channel"], body["status"], body["source"]) == ("phone", "reached", "api")
    assert body["patient"] == patient_a.pk
    assert body["recorded_by"] == "Carol Connector"
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.REACHED
    assert patient_a.next_step == NextStep.VERIFY
    attempt = OutreachAttempt.objects.get(pk=body["id"])
    assert (attempt.source, attempt.recorded_by) == (Source.API, carol)
    created = patient_audit(patient_a, AuditAction.CREATE)
    assert [(event.detail["source"], event.actor_id) for event in created] == [("api", carol.pk)]


def test_three_unanswered_calls_make_a_patient_unreachable(carol, patient_a):
    client = api_client(carol)
    for _ in range(3):
        client.post(attempts_url(patient_a), {"channel": "phone", "status": "no_answer"})
    patient_a.refresh_from_db()
    assert patient_a.outreach_state == OutreachState.UNREACHABLE
    assert patient_a.next_step == NextStep.VERIFY


def test_an_attempt_can_be_dated_in_the_past(carol, patient_a):
    when = timezone.now() - timedelta(days=2)
    response = api_client(carol).post(
        attempts_url(patient_a),
        {"channel": "letter", "status": "sent", "attempted_at": when.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert OutreachAttempt.objects.get().attempted_at == when


def test_recording_a_verification_through_the_api_sets_the_next_step(carol, patient_a):
    response = api_client(carol).post(
        verifications_url(patient_a),
        {
            "result": "still_needs_care",
            "needs_language": "FR",
            "needs_paediatric": False,
            "needs_mobility": True,
            "complex_needs_note": "Uses a wheelchair.",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["result"], body["needs_language"], body["source"]) == (
        "still_needs_care",
        "fr",
        "api",
    )
    assert body["needs_mobility"] is True
    patient_a.refresh_from_db()
    assert patient_a.verification_state == VerificationState.STILL_NEEDS_CARE
    assert patient_a.next_step == NextStep.MATCH
    assert Verification.objects.get().source == Source.API
    created = patient_audit(patient_a, AuditAction.CREATE)
    assert [event.detail for event in created] == [{"result": "still_needs_care", "source": "api"}]


def test_a_closing_verification_result_closes_the_patient_and_shows_in_the_filters(
    carol, patient_a
):
    client = api_client(carol)
    assert (
        client.post(verifications_url(patient_a), {"result": "found_clinician"}).status_code == 201
    )
    assert Verification.objects.get().needs_paediatric is None
    patient_a.refresh_from_db()
    assert patient_a.next_step == NextStep.CLOSE
    assert hcc_ids(client.get(PATIENTS, {"next_step": "close"})) == [patient_a.hcc_id]
    assert hcc_ids(client.get(PATIENTS, {"attached": "true"})) == [patient_a.hcc_id]


def test_a_patients_attempts_and_verifications_are_listed_and_audited(carol, patient_a):
    client = api_client(carol)
    client.post(attempts_url(patient_a), {"channel": "letter", "status": "sent"})
    client.post(attempts_url(patient_a), {"channel": "phone", "status": "replied"})
    client.post(verifications_url(patient_a), {"result": "declined"})
    attempts = client.get(attempts_url(patient_a))
    assert attempts.status_code == 200
    assert attempts.json()["count"] == 2
    assert [a["channel"] for a in attempts.json()["results"]] == ["phone", "letter"]
    verifications = client.get(verifications_url(patient_a)).json()
    assert [v["result"] for v in verifications["results"]] == ["declined"]
    shown = [event.detail.get("object") for event in patient_audit(patient_a, AuditAction.VIEW)]
    assert sorted(shown) == ["attempts", "verifications"]


def test_invalid_input_is_a_400_with_field_errors(carol, patient_a):
    client = api_client(carol)
    attempt = client.post(attempts_url(patient_a), {"channel": "pigeon"}, format="json")
    assert attempt.status_code == 400
    assert set(attempt.json()["fields"]) == {"channel", "status"}
    verification = client.post(
        verifications_url(patient_a),
        {"result": "maybe", "needs_paediatric": "perhaps"},
        format="json",
    )
    assert verification.status_code == 400
    assert set(verification.json()["fields"]) == {"result", "needs_paediatric"}
    assert not OutreachAttempt.objects.exists() and not Verification.objects.exists()


def test_a_broken_rule_is_a_400_with_a_code_and_a_message(carol, patient_a):
    client = api_client(carol)
    future = (timezone.now() + timedelta(days=1)).isoformat()
    attempt = client.post(
        attempts_url(patient_a),
        {"channel": "phone", "status": "reached", "attempted_at": future},
        format="json",
    )
    assert attempt.status_code == 400
    assert attempt.json()["code"] == "rule_broken" and attempt.json()["message"]
    verification = client.post(
        verifications_url(patient_a),
        {"result": "declined", "complex_needs_note": "Needs a ramp."},
        format="json",
    )
    assert verification.status_code == 400
    assert verification.json()["code"] == "rule_broken"
    assert "Needs a ramp" not in verification.content.decode()
    patient_a.refresh_from_db()
    assert patient_a.verification_state == VerificationState.UNVERIFIED
    assert not patient_audit(patient_a, AuditAction.CREATE)


def test_read_only_fields_in_a_request_body_are_never_written(carol, patient_a, patient_c):
    client = api_client(carol)
    response = client.post(
        attempts_url(patient_a),
        {
            "channel": "email",
            "status": "sent",
            "patient": patient_c.pk,
            "oht": "OHT103",
            "source": "portal",
            "campaign": 1,
            "recorded_by": "someone else",
            "outreach_state": "replied",
            "verification_state": "deceased",
        },
        format="json",
    )
    assert response.status_code == 201
    attempt = OutreachAttempt.objects.get()
    assert (attempt.patient, attempt.source, attempt.campaign, attempt.recorded_by) == (
        patient_a,
        Source.API,
        None,
        carol,
    )
    verification = client.post(
        verifications_url(patient_a),
        {"result": "moved", "patient": patient_c.pk, "next_step": "match", "id": 999},
        format="json",
    )
    assert verification.status_code == 201
    assert verification.json()["id"] != 999
    patient_a.refresh_from_db()
    assert (patient_a.oht.code, patient_a.outreach_state) == ("OHT101", OutreachState.CONTACTED)
    assert (patient_a.verification_state, patient_a.next_step) == ("moved", NextStep.CLOSE)
    patient_c.refresh_from_db()
    assert patient_c.outreach_state == OutreachState.NOT_STARTED
    assert not patient_c.outreach_attempts.exists() and not patient_c.verifications.exists()


# --- Audit of reads ---------------------------------------------------------------------


def test_the_list_writes_one_audit_row_per_patient_returned(carol, oht_a, patient_b):
    patients = [make_patient(oht_a, f"HCC10000002{n:02d}") for n in range(3)]
    response = api_client(carol).get(PATIENTS, {"limit": 2, "cohort": "true"})
    shown = {row["id"] for row in response.json()["results"]}
    listed = AuditEvent.objects.filter(action=AuditAction.LIST)
    assert len(shown) == 2
    assert {event.patient_id for event in listed} == shown
    assert listed.count() == 2
    assert all(event.actor_id == carol.pk for event in listed)
    assert listed.first().detail == {
        "source": "api",
        "offset": 0,
        "limit": 2,
        "filters": ["cohort"],
    }
    assert not AuditEvent.objects.filter(patient_id=patient_b.pk).exists()
    assert {p.pk for p in patients} >= shown


def test_a_search_is_audited_without_the_search_terms(carol, patient_a):
    api_client(carol).get(PATIENTS, {"q": "Tremblay"})
    searched = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert searched.patient_id == patient_a.pk
    assert "Tremblay" not in str(searched.detail)
    assert searched.detail["filters"] == ["q"]


def test_the_detail_is_audited_as_a_view(carol, patient_a):
    api_client(carol).get(detail_url(patient_a))
    (viewed,) = patient_audit(patient_a, AuditAction.VIEW)
    assert (viewed.actor_id, viewed.outcome, viewed.path) == (
        carol.pk,
        AuditOutcome.SUCCESS,
        detail_url(patient_a),
    )


def test_the_list_makes_a_bounded_number_of_queries(carol, oht_a, django_assert_max_num_queries):
    for n in range(30):
        make_patient(oht_a, f"HCC1000003{n:03d}", fsa="M4E" if n % 2 else "M4C")
    client = api_client(carol)
    with django_assert_max_num_queries(10):
        response = client.get(PATIENTS, {"limit": 30, "cohort": "true"})
    assert len(response.json()["results"]) == 30
    assert AuditEvent.objects.filter(action=AuditAction.LIST).count() == 30


# --- The schema -------------------------------------------------------------------------


def test_the_schema_documents_the_patient_endpoints_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in [
        "/api/v1/patients/:",
        "/api/v1/patients/{id}/:",
        "/api/v1/patients/{id}/outreach-attempts/:",
        "/api/v1/patients/{id}/verifications/:",
    ]:
        assert path in schema
    assert "OutreachAttemptInput" in schema and "VerificationInput" in schema


def test_field_errors_follow_the_callers_language(carol, patient_a):
    client = api_client(carol)
    english = client.post(verifications_url(patient_a), {}, format="json")
    french = client.post(verifications_url(patient_a), {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert english.json()["fields"]["result"] != french.json()["fields"]["result"]


def test_an_out_of_range_patient_id_is_a_404(carol):
    assert api_client(carol).get(f"{PATIENTS}{2**70}/").status_code == 404


def test_the_exception_handler_turns_a_broken_rule_into_a_400():
    from oht_portal.api.exceptions import api_exception_handler
    from oht_portal.services import ApplicationError

    response = api_exception_handler(ApplicationError("A rule said no."), {})
    assert response.status_code == 400
    assert response.data == {"code": "rule_broken", "message": "A rule said no.", "fields": {}}
