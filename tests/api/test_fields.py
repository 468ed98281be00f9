"""Field-level minimum necessary, asserted per role per endpoint: the exact set of
fields each role receives, PCN and privacy leads refused every patient endpoint, and
the read-only fields (ids, the OHT, HCC fields, statuses, stamps) never written by a
request that sends them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from attachment.api.serializers import (
    LocalContactSerializer,
    OutreachAttemptSerializer,
    PatientDetailSerializer,
    PatientListSerializer,
    ProposalSerializer,
    ReferralSerializer,
    VerificationSerializer,
)
from attachment.models import LocalContact, Referral
from clinicians.models import CapacityDeclaration
from interim_supports.api.serializers import SupportOfferSerializer
from interim_supports.models import SupportOffer
from oht_portal.api.fields import RoleFieldsMixin
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

PATIENT_LIST = {
    "id",
    "hcc_id",
    "oht",
    "family_name",
    "given_name",
    "date_of_birth",
    "fsa",
    "registration_date",
    "in_cohort",
    "complex_vulnerable",
    "preferred_language",
    "status",
    "on_hcc_list",
    "outreach_state",
    "verification_state",
    "next_step",
    "last_contacted_at",
    "verified_at",
    "priority",
}
PATIENT_DETAIL_CONNECTOR = PATIENT_LIST | {
    "postal_code",
    "phone",
    "email",
    "preferred_contact",
    "status_date",
    "last_verified",
    "left_hcc_list_on",
    "contact",
    "recent_outreach_attempts",
    "recent_verifications",
}
PATIENT_DETAIL_STAFF = PATIENT_DETAIL_CONNECTOR | {"health_card_number"}
ATTEMPT = {
    "id",
    "patient",
    "campaign",
    "channel",
    "status",
    "note",
    "attempted_at",
    "source",
    "recorded_by",
}
VERIFICATION = {
    "id",
    "patient",
    "result",
    "needs_language",
    "needs_paediatric",
    "needs_mobility",
    "complex_needs_note",
    "recorded_at",
    "source",
    "recorded_by",
}
LOCAL_CONTACT = {
    "phone",
    "email",
    "mailing_address",
    "preferred_contact",
    "preferred_language",
    "note",
    "updated_at",
}
REFERRAL = {
    "id",
    "patient",
    "hcc_id",
    "oht",
    "location",
    "status",
    "referred_at",
    "accepted_at",
    "declined_at",
    "decline_reason",
    "intake_on",
    "intake_history_updated",
    "intake_screening_done",
    "attached_at",
    "closed_at",
    "closed_reason",
    "note",
    "proposal",
    "updated_at",
}
PROPOSAL = {
    "id",
    "run",
    "patient",
    "hcc_id",
    "oht",
    "location",
    "score",
    "distance_km",
    "reasons",
    "alternatives",
    "status",
    "decided_at",
}
OFFER = {"id", "patient", "supports", "channel", "language", "note", "offered_at", "offered_by"}

# (endpoint, field set for OHT staff and site admins, field set for care connectors)
PATIENT_ENDPOINTS = {
    "patients": ("/api/v1/patients/", PATIENT_LIST, PATIENT_LIST),
    "patient": ("/api/v1/patients/{patient_a}/", PATIENT_DETAIL_STAFF, PATIENT_DETAIL_CONNECTOR),
    "attempts": ("/api/v1/patients/{patient_a}/outreach-attempts/", ATTEMPT, ATTEMPT),
    "verifications": ("/api/v1/patients/{patient_a}/verifications/", VERIFICATION, VERIFICATION),
    "local-contact": ("/api/v1/patients/{patient_a}/local-contact/", LOCAL_CONTACT, LOCAL_CONTACT),
    "referrals": ("/api/v1/referrals/", REFERRAL, REFERRAL),
    "referral": ("/api/v1/referrals/{referral_a}/", REFERRAL, REFERRAL),
    "proposals": ("/api/v1/proposals/", PROPOSAL, PROPOSAL),
    "proposal": ("/api/v1/proposals/{proposal_a}/", PROPOSAL, PROPOSAL),
    "offers": ("/api/v1/support-offers/", OFFER, OFFER),
    "offer": ("/api/v1/support-offers/{offer_a}/", OFFER, OFFER),
}


def url_of(world, template: str) -> str:
    return template.format(
        patient_a=world.patient_a.pk,
        referral_a=world.referral_a.pk,
        proposal_a=world.proposal_a.pk,
        offer_a=world.offer_a.pk,
    )


def records(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if "results" in body and "count" in body else [body]
    assert rows
    return rows


@pytest.mark.parametrize("endpoint", PATIENT_ENDPOINTS)
@pytest.mark.parametrize("role", ["alice", "carol", "root"])
def test_each_role_gets_exactly_its_field_set(request, world, endpoint, role):
    template, staff_fields, connector_fields = PATIENT_ENDPOINTS[endpoint]
    expected = connector_fields if role == "carol" else staff_fields
    response = api_client(request.getfixturevalue(role)).get(url_of(world, template))
    for row in records(response):
        assert set(row) == expected


@pytest.mark.parametrize("endpoint", PATIENT_ENDPOINTS)
@pytest.mark.parametrize("role", ["peter", "paula"])
def test_pcn_and_privacy_leads_get_no_patient_endpoint(request, world, endpoint, role):
    template = PATIENT_ENDPOINTS[endpoint][0]
    response = api_client(request.getfixturevalue(role)).get(url_of(world, template))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "hcc_id" not in response.content.decode()


def test_a_care_connector_never_receives_a_health_card_number(carol, world):
    client = api_client(carol)
    for template, *_sets in PATIENT_ENDPOINTS.values():
        body = client.get(url_of(world, template)).content.decode()
        assert world.patient_a.health_card_number not in body
        assert "health_card_number" not in body


def test_nested_records_follow_the_same_field_sets(alice, carol, world):
    url = f"/api/v1/patients/{world.patient_a.pk}/"
    for user in (alice, carol):
        body = api_client(user).get(url).json()
        assert [set(row) for row in body["recent_outreach_attempts"]] == [ATTEMPT]
        assert [set(row) for row in body["recent_verifications"]] == [VERIFICATION]


def test_someone_with_two_roles_gets_each_ohts_set(mia, world):
    """Staff in A sees A's health card numbers; as a connector in C, not C's."""
    client = api_client(mia)
    in_a = client.get(f"/api/v1/patients/{world.patient_a.pk}/").json()
    in_c = client.get(f"/api/v1/patients/{world.patient_c.pk}/").json()
    assert set(in_a) == PATIENT_DETAIL_STAFF
    assert in_a["health_card_number"] == "1234567890AB"
    assert set(in_c) == PATIENT_DETAIL_CONNECTOR


def test_write_answers_follow_the_field_sets(carol, world):
    client = api_client(carol)
    patient = world.patient_a
    attempt = client.post(
        f"/api/v1/patients/{patient.pk}/outreach-attempts/",
        {"channel": "phone", "status": "reached"},
        format="json",
    )
    verification = client.post(
        f"/api/v1/patients/{patient.pk}/verifications/", {"result": "moved"}, format="json"
    )
    contact = client.patch(
        f"/api/v1/patients/{patient.pk}/local-contact/", {"phone": "4165550101"}, format="json"
    )
    referral = client.post(
        f"/api/v1/referrals/{world.referral_a.pk}/transition/", {"to": "accepted"}, format="json"
    )
    rejected = client.post(f"/api/v1/proposals/{world.proposal_a.pk}/reject/")
    offer = client.post(
        "/api/v1/support-offers/",
        {"patient": patient.pk, "supports": [world.support_a.pk], "language": "en"},
        format="json",
    )
    assert (attempt.status_code, set(attempt.json())) == (201, ATTEMPT)
    assert (verification.status_code, set(verification.json())) == (201, VERIFICATION)
    assert (contact.status_code, set(contact.json())) == (200, LOCAL_CONTACT)
    assert (referral.status_code, set(referral.json())) == (200, REFERRAL)
    assert (rejected.status_code, set(rejected.json())) == (200, PROPOSAL)
    assert (offer.status_code, set(offer.json())) == (201, OFFER)


def test_the_directory_is_the_same_for_every_role(alice, carol, peter, paula, world):
    """No health information in the directory: every role reads the same fields."""
    urls = [
        "/api/v1/ohts/",
        "/api/v1/locations/",
        f"/api/v1/locations/{world.location_a.pk}/",
        "/api/v1/clinicians/",
        "/api/v1/interim-supports/",
        "/api/v1/import-runs/",
    ]
    for url in urls:
        shapes = set()
        for user in (alice, carol, peter, paula):
            response = api_client(user).get(url)
            assert response.status_code == 200, (url, response.content)
            body = response.json()
            rows = body.get("results", [body]) if "count" in body else [body]
            shapes.add(tuple(sorted(set().union(*map(set, rows))) if rows else ()))
        assert len(shapes) == 1, url


def test_every_role_set_names_fields_the_serializer_has():
    for serializer in [
        PatientListSerializer,
        PatientDetailSerializer,
        OutreachAttemptSerializer,
        VerificationSerializer,
        LocalContactSerializer,
        ReferralSerializer,
        ProposalSerializer,
        SupportOfferSerializer,
    ]:
        assert issubclass(serializer, RoleFieldsMixin)
        for role, names in serializer.role_field_sets().items():
            assert names <= set(serializer.Meta.fields), (serializer, role)
    assert PatientDetailSerializer.restricted_fields() == {"health_card_number"}


def test_the_schema_does_not_promise_a_field_some_role_never_gets(tmp_path):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    detail = schema["components"]["schemas"]["PatientDetail"]
    assert "health_card_number" in detail["properties"]
    assert "health_card_number" not in detail["required"]
    assert "hcc_id" in detail["required"]


# --- Read-only fields ---------------------------------------------------------------------


def test_a_referral_body_cannot_set_its_status_oht_id_or_stamps(carol, bob, world, oht_a):
    other = world.patient_a
    long_ago = "2020-01-01T00:00:00Z"
    response = api_client(carol).post(
        "/api/v1/referrals/",
        {
            "patient": other.pk,
            "location": world.location_a.pk,
            "id": 999999,
            "status": "attached",
            "oht": "OHT103",
            "hcc_id": "HCC9999999999",
            "referred_at": long_ago,
            "attached_at": long_ago,
            "created_by": bob.pk,
            "proposal": world.proposal_a.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    referral = Referral.objects.get(pk=response.json()["id"])
    assert referral.pk != 999999
    assert (referral.status, referral.patient.oht) == ("referred", oht_a)
    assert referral.created_by == carol
    assert referral.attached_at is None and referral.proposal is None
    assert timezone.now() - referral.referred_at < timedelta(minutes=1)
    assert response.json()["hcc_id"] == other.hcc_id


def test_a_transition_body_cannot_move_a_referral_elsewhere(carol, world):
    referral = world.referral_a
    response = api_client(carol).post(
        f"/api/v1/referrals/{referral.pk}/transition/",
        {
            "to": "accepted",
            "patient": world.patient_a.pk,
            "location": world.location_b.pk,
            "status": "attached",
            "oht": "OHT102",
            "updated_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    referral.refresh_from_db()
    assert (referral.status, referral.patient, referral.location) == (
        "accepted",
        world.patient_a2,
        world.location_a,
    )


def test_a_reject_body_cannot_set_the_status(carol, world):
    proposal = world.proposal_a
    response = api_client(carol).post(
        f"/api/v1/proposals/{proposal.pk}/reject/",
        {"status": "confirmed", "patient": world.patient_a2.pk, "score": 0},
        format="json",
    )
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert (proposal.status, proposal.patient, proposal.score) == (
        "rejected",
        world.patient_a,
        12.5,
    )


def test_a_contact_correction_never_touches_hcc_fields(carol, world):
    patient = world.patient_a
    before = {
        name: getattr(patient, name)
        for name in ("family_name", "status", "oht_id", "health_card_number", "phone", "hcc_id")
    }
    response = api_client(carol).patch(
        f"/api/v1/patients/{patient.pk}/local-contact/",
        {
            "phone": "(416) 555-0101",
            "family_name": "Changed",
            "status": "closed",
            "oht": "OHT103",
            "hcc_id": "HCC9999999999",
            "health_card_number": "9999999999ZZ",
            "updated_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    patient.refresh_from_db()
    assert {name: getattr(patient, name) for name in before} == before
    local = LocalContact.objects.get(patient=patient)
    assert local.phone == "4165550101"
    assert timezone.now() - local.updated_at < timedelta(minutes=1)


def test_a_declaration_body_cannot_target_another_location(alice, world):
    response = api_client(alice).post(
        f"/api/v1/locations/{world.location_a.pk}/declarations/",
        {
            "accepting_status": "newpt",
            "new_patients": 7,
            "location": world.location_b.pk,
            "oht": "OHT102",
            "id": 999999,
            "declared_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    newest = CapacityDeclaration.objects.order_by("-pk").first()
    assert (newest.location, newest.new_patients) == (world.location_a, 7)
    assert newest.pk != 999999
    assert timezone.now() - newest.declared_at < timedelta(minutes=1)
    assert CapacityDeclaration.objects.filter(location=world.location_b).count() == 1


def test_an_offer_body_cannot_set_who_or_when(carol, bob, world):
    response = api_client(carol).post(
        "/api/v1/support-offers/",
        {
            "patient": world.patient_a.pk,
            "supports": [world.support_a.pk],
            "language": "fr",
            "id": 999999,
            "offered_by": bob.pk,
            "offered_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201
    offer = SupportOffer.objects.get(pk=response.json()["id"])
    assert (offer.offered_by, offer.pk != 999999) == (carol, True)
    assert timezone.now() - offer.offered_at < timedelta(minutes=1)


@pytest.mark.parametrize(
    "template",
    [
        "/api/v1/patients/{patient_a}/",
        "/api/v1/referrals/{referral_a}/",
        "/api/v1/proposals/{proposal_a}/",
        "/api/v1/support-offers/{offer_a}/",
    ],
)
def test_records_themselves_cannot_be_replaced_changed_or_deleted(alice, world, template):
    client = api_client(alice)
    url = url_of(world, template)
    body = {"oht": "OHT103", "status": "closed", "id": 1}
    for call in (client.put, client.patch, client.delete):
        response = call(url, body, format="json")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"
    assert client.get(url).status_code == 200
