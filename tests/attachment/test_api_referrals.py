"""The proposals and referrals API: scoped and audited reads, confirm and reject,
referral creation with idempotency keys, lifecycle moves, and the 403/404/409s."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from attachment.choices import DeclineReason, ProposalStatus, ReferralStatus
from attachment.models import MatchingRun, Proposal, Referral
from attachment.referrals import referral_accept, referral_create
from clinicians.capacity import remaining_capacity
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from oht_portal.services import api_token_create
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"
REFERRALS = "/api/v1/referrals/"


def api_client(user) -> APIClient:
    _, token = api_token_create(user=user, days=7)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def declare(location, places: int) -> None:
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places),
        channel="staff",
    )


@pytest.fixture
def location_a(oht_a):
    place = make_location(oht_a, make_clinician("40001"))
    declare(place, 2)
    return place


@pytest.fixture
def location_b(oht_b):
    place = make_location(oht_b, make_clinician("40002"), city="Ottawa")
    declare(place, 2)
    return place


@pytest.fixture
def proposal_a(oht_a, patient_a, location_a) -> Proposal:
    run = MatchingRun.objects.create(oht=oht_a)
    return Proposal.objects.create(
        run=run, patient=patient_a, location=location_a, score=12.5, reasons=[["cohort", 1]]
    )


@pytest.fixture
def proposal_b(oht_b, patient_b, location_b) -> Proposal:
    run = MatchingRun.objects.create(oht=oht_b)
    return Proposal.objects.create(run=run, patient=patient_b, location=location_b, score=3.0)


@pytest.fixture
def referral_a(patient_a, location_a) -> Referral:
    return referral_create(patient=patient_a, location=location_a)


@pytest.fixture
def referral_b(patient_b, location_b) -> Referral:
    return referral_create(patient=patient_b, location=location_b)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Who may call -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [PROPOSALS, REFERRALS])
def test_a_pcn_lead_is_refused_every_endpoint(peter, url, proposal_a, referral_a):
    client = api_client(peter)
    assert client.get(url).status_code == 403
    assert client.get(f"{PROPOSALS}{proposal_a.pk}/").status_code == 403
    assert client.get(f"{REFERRALS}{referral_a.pk}/").status_code == 403
    assert client.post(f"{PROPOSALS}{proposal_a.pk}/confirm/").status_code == 403
    assert client.post(REFERRALS, {"patient": 1, "location": 1}).status_code == 403
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("url", [PROPOSALS, REFERRALS])
def test_anonymous_callers_are_refused(url, db):
    assert APIClient().get(url).status_code in {401, 403}


# --- Proposals --------------------------------------------------------------------------


def test_a_care_connector_lists_her_ohts_proposals_and_each_is_audited(
    carol, proposal_a, proposal_b
):
    response = api_client(carol).get(PROPOSALS)
    assert response.status_code == 200
    assert ids(response) == [proposal_a.pk]
    row = response.json()["results"][0]
    assert row["oht"] == "OHT101" and row["status"] == ProposalStatus.PROPOSED
    assert AuditEvent.objects.filter(
        action=AuditAction.LIST, patient_id=proposal_a.patient_id
    ).exists()
    assert not AuditEvent.objects.filter(patient_id=proposal_b.patient_id).exists()


def test_proposals_filter_by_run_status_and_oht(alice, oht_a, proposal_a, location_a):
    other_run = MatchingRun.objects.create(oht=oht_a)
    rejected = Proposal.objects.create(
        run=other_run,
        patient=make_patient(oht_a, "HCC1000000002"),
        location=location_a,
        score=1.0,
        status=ProposalStatus.REJECTED,
    )
    client = api_client(alice)
    assert ids(client.get(PROPOSALS, {"run": proposal_a.run_id})) == [proposal_a.pk]
    assert ids(client.get(PROPOSALS, {"status": "rejected"})) == [rejected.pk]
    assert ids(client.get(PROPOSALS, {"oht": "OHT102"})) == []
    assert sorted(ids(client.get(PROPOSALS, {"oht": "OHT101"}))) == [proposal_a.pk, rejected.pk]


def test_a_proposal_of_another_oht_is_a_404_and_the_refusal_is_audited(bob, proposal_a, proposal_b):
    client = api_client(bob)
    assert client.get(f"{PROPOSALS}{proposal_b.pk}/").status_code == 200
    assert client.get(f"{PROPOSALS}{proposal_a.pk}/").status_code == 404
    assert client.post(f"{PROPOSALS}{proposal_a.pk}/confirm/").status_code == 404
    assert client.post(f"{PROPOSALS}{proposal_a.pk}/reject/").status_code == 404
    assert AuditEvent.objects.filter(
        patient_id=proposal_a.patient_id, outcome=AuditOutcome.DENIED
    ).exists()
    proposal_a.refresh_from_db()
    assert proposal_a.status == ProposalStatus.PROPOSED


def test_confirming_a_proposal_answers_201_with_the_referral(carol, proposal_a, location_a):
    response = api_client(carol).post(f"{PROPOSALS}{proposal_a.pk}/confirm/")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == ReferralStatus.REFERRED and body["proposal"] == proposal_a.pk
    assert remaining_capacity(location_a) == 1
    again = api_client(carol).post(f"{PROPOSALS}{proposal_a.pk}/confirm/")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_rejecting_a_proposal_refers_nobody_and_cannot_be_repeated(alice, proposal_a):
    client = api_client(alice)
    response = client.post(f"{PROPOSALS}{proposal_a.pk}/reject/", {"note": "moved"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert not Referral.objects.exists()
    assert client.post(f"{PROPOSALS}{proposal_a.pk}/reject/").status_code == 409
    assert client.post(f"{PROPOSALS}{proposal_a.pk}/confirm/").status_code == 409


def test_confirming_for_a_full_location_is_a_409_no_capacity_left(
    alice, oht_a, proposal_a, location_a
):
    for n in range(2):
        referral_create(patient=make_patient(oht_a, f"HCC10000009{n:02d}"), location=location_a)
    response = api_client(alice).post(f"{PROPOSALS}{proposal_a.pk}/confirm/")
    assert response.status_code == 409
    assert response.json()["code"] == "no_capacity_left"
    proposal_a.refresh_from_db()
    assert proposal_a.status == ProposalStatus.PROPOSED


# --- Referrals: reads -------------------------------------------------------------------


def test_referrals_are_listed_within_the_callers_ohts_and_audited(
    carol, bob, referral_a, referral_b
):
    response = api_client(carol).get(REFERRALS)
    assert response.status_code == 200 and ids(response) == [referral_a.pk]
    assert AuditEvent.objects.filter(
        action=AuditAction.LIST, patient_id=referral_a.patient_id
    ).exists()
    assert ids(api_client(bob).get(REFERRALS)) == [referral_b.pk]


def test_a_referral_of_another_oht_is_a_404(bob, carol, referral_a, referral_b):
    assert api_client(carol).get(f"{REFERRALS}{referral_a.pk}/").status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, patient_id=referral_a.patient_id
    ).exists()
    client = api_client(bob)
    assert client.get(f"{REFERRALS}{referral_a.pk}/").status_code == 404
    response = client.post(f"{REFERRALS}{referral_a.pk}/transition/", {"to": "accepted"})
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral_a.pk).status == ReferralStatus.REFERRED


def test_referrals_filter_by_status_oht_location_and_patient(alice, oht_a, location_a, referral_a):
    other = make_location(oht_a, make_clinician("40003"), fsa="M4E")
    declare(other, 2)
    accepted = referral_accept(
        referral=referral_create(patient=make_patient(oht_a, "HCC1000000003"), location=other)
    )
    client = api_client(alice)
    assert ids(client.get(REFERRALS, {"status": "accepted"})) == [accepted.pk]
    assert ids(client.get(REFERRALS, {"location": location_a.pk})) == [referral_a.pk]
    assert ids(client.get(REFERRALS, {"patient": accepted.patient_id})) == [accepted.pk]
    assert ids(client.get(REFERRALS, {"oht": "OHT102"})) == []


def test_the_overdue_filter_keeps_unanswered_referrals_past_their_due_day(
    settings, alice, oht_a, location_a, referral_a
):
    settings.REFERRAL_ANSWER_BUSINESS_DAYS = 5
    late = referral_create(patient=make_patient(oht_a, "HCC1000000004"), location=location_a)
    wednesday = timezone.make_aware(datetime.combine(date(2025, 10, 1), time(10)))
    Referral.objects.filter(pk=late.pk).update(referred_at=wednesday)
    Referral.objects.filter(pk=referral_a.pk).update(
        referred_at=timezone.make_aware(datetime.combine(date(2025, 10, 7), time(10)))
    )
    with time_machine.travel("2025-10-09 12:00-04:00", tick=False):
        response = api_client(alice).get(REFERRALS, {"overdue": "true"})
    assert ids(response) == [late.pk]


# --- Referrals: create ------------------------------------------------------------------


def test_a_care_connector_refers_a_patient_of_her_oht(carol, patient_a, location_a):
    response = api_client(carol).post(
        REFERRALS, {"patient": patient_a.pk, "location": location_a.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == ReferralStatus.REFERRED
    assert Referral.objects.get().created_by == carol
    assert remaining_capacity(location_a) == 1


def test_referring_another_ohts_patient_is_a_404(bob, patient_a, location_a):
    response = api_client(bob).post(
        REFERRALS, {"patient": patient_a.pk, "location": location_a.pk}, format="json"
    )
    assert response.status_code == 404
    assert not Referral.objects.exists()


def test_a_location_outside_the_oht_and_its_partners_is_refused_until_they_partner(
    alice, oht_a, oht_b, patient_a, location_b
):
    client = api_client(alice)
    body = {"patient": patient_a.pk, "location": location_b.pk}
    assert client.post(REFERRALS, body, format="json").status_code == 400
    oht_a.matching_partners.add(oht_b)
    assert client.post(REFERRALS, body, format="json").status_code == 201


def test_the_same_idempotency_key_returns_the_same_referral_with_200(carol, patient_a, location_a):
    client = api_client(carol)
    body = {"patient": patient_a.pk, "location": location_a.pk}
    first = client.post(REFERRALS, body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = client.post(REFERRALS, body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Referral.objects.count() == 1
    assert remaining_capacity(location_a) == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(carol, oht_a, patient_a, location_a):
    client = api_client(carol)
    client.post(
        REFERRALS,
        {"patient": patient_a.pk, "location": location_a.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-2",
    )
    other = make_patient(oht_a, "HCC1000000005")
    response = client.post(
        REFERRALS,
        {"patient": other.pk, "location": location_a.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-2",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not other.referrals.exists()


def test_a_second_open_referral_and_a_full_location_are_409s(alice, oht_a, patient_a, location_a):
    client = api_client(alice)
    body = {"patient": patient_a.pk, "location": location_a.pk}
    assert client.post(REFERRALS, body, format="json").status_code == 201
    again = client.post(REFERRALS, body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "open_referral_exists"
    client.post(
        REFERRALS,
        {"patient": make_patient(oht_a, "HCC1000000006").pk, "location": location_a.pk},
        format="json",
    )
    full = client.post(
        REFERRALS,
        {"patient": make_patient(oht_a, "HCC1000000007").pk, "location": location_a.pk},
        format="json",
    )
    assert full.status_code == 409 and full.json() == {
        "code": "no_capacity_left",
        "message": full.json()["message"],
        "fields": {},
    }
    assert Referral.objects.count() == 2


# --- Referrals: transitions -------------------------------------------------------------


def transition(client, referral, **body):
    return client.post(f"{REFERRALS}{referral.pk}/transition/", body, format="json")


def test_a_referral_goes_through_its_lifecycle_over_the_api(carol, referral_a):
    client = api_client(carol)
    assert transition(client, referral_a, to="accepted").json()["status"] == "accepted"
    booked = transition(
        client,
        referral_a,
        to="intake_booked",
        intake_on="2025-11-03",
        history_updated=True,
        screening_done=True,
    ).json()
    assert booked["intake_on"] == "2025-11-03" and booked["intake_history_updated"]
    assert transition(client, referral_a, to="attached").json()["status"] == "attached"


def test_a_decline_over_the_api_gives_the_place_back(alice, referral_a, location_a):
    assert remaining_capacity(location_a) == 1
    response = transition(
        api_client(alice), referral_a, to="declined", reason=DeclineReason.LANGUAGE, note="x"
    )
    assert response.status_code == 200 and response.json()["decline_reason"] == "language"
    assert remaining_capacity(location_a) == 2


def test_an_illegal_move_is_a_409_and_a_missing_reason_a_400(alice, referral_a):
    client = api_client(alice)
    illegal = transition(client, referral_a, to="attached")
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    assert transition(client, referral_a, to="declined").status_code == 400
    assert transition(client, referral_a, to="referred").status_code == 400
    assert Referral.objects.get(pk=referral_a.pk).status == ReferralStatus.REFERRED
    closed = transition(client, referral_a, to="closed", reason="unreachable")
    assert closed.status_code == 200
    assert transition(client, referral_a, to="accepted").status_code == 409


def test_the_referral_list_makes_a_bounded_number_of_queries(
    alice, oht_a, django_assert_max_num_queries
):
    place = make_location(oht_a, make_clinician("40004"))
    declare(place, 30)
    for n in range(20):
        referral_create(patient=make_patient(oht_a, f"HCC10000010{n:02d}"), location=place)
    client = api_client(alice)
    with django_assert_max_num_queries(12):
        response = client.get(REFERRALS, {"limit": 20})
    assert len(response.json()["results"]) == 20


def test_the_schema_documents_the_matching_endpoints_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in [
        "/api/v1/proposals/:",
        "/api/v1/proposals/{id}/confirm/:",
        "/api/v1/proposals/{id}/reject/:",
        "/api/v1/referrals/:",
        "/api/v1/referrals/{id}/transition/:",
    ]:
        assert path in schema
    assert "ReferralStatusEnum" in schema and "Idempotency-Key" in schema
