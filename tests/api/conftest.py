"""A small world for the API's cross-cutting tests (field sets, audit, ETags, errors,
idempotency, conventions): in OHT A a patient with an outreach attempt, a verification
and a support offer, a second one with a referral, a location with places, a matching
run's proposal; lookalikes in OHT B (the outsider) and a patient in OHT C (carol's
other OHT). Each test gets it fresh."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from attachment.choices import Source
from attachment.models import MatchingRun, Patient, Proposal, Referral
from attachment.referrals import referral_create
from attachment.services import outreach_attempt_record, verification_record
from clinicians.models import PracticeLocation
from clinicians.services import CapacityFigures, capacity_declare
from interim_supports.models import SupportOffer, SupportService
from interim_supports.services import support_offer_record
from oht_portal.choices import ApiTokenScope, Role
from oht_portal.models import Membership, User
from oht_portal.services import api_token_create
from tests.conftest import make_clinician, make_location, make_patient, make_user
from tests.interim_supports.conftest import make_support


def api_client(user, *, scope: str = ApiTokenScope.READ_WRITE) -> APIClient:
    """A client that calls as `user` with a real knox token, as a care connector would."""
    _, token = api_token_create(user=user, days=7, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def declare(location: PracticeLocation, places: int) -> None:
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places),
        channel="staff",
    )


@dataclass
class World:
    patient_a: Patient
    patient_a2: Patient
    patient_b: Patient
    patient_c: Patient
    location_a: PracticeLocation
    location_b: PracticeLocation
    proposal_a: Proposal
    proposal_b: Proposal
    referral_a: Referral
    referral_b: Referral
    support_a: SupportService
    support_b: SupportService
    offer_a: SupportOffer
    offer_b: SupportOffer


@pytest.fixture
def world(oht_a, oht_b, oht_c) -> World:
    patient_a = make_patient(oht_a, "HCC1000000001", health_card_number="1234567890AB")
    patient_a2 = make_patient(oht_a, "HCC1000000002", family_name="Roy")
    patient_b = make_patient(oht_b, "HCC2000000001", postal_code="K1N5T5", fsa="K1N")
    patient_c = make_patient(oht_c, "HCC3000000001", postal_code="P3A1A1", fsa="P3A")
    location_a = make_location(oht_a, make_clinician("40001"))
    location_b = make_location(oht_b, make_clinician("40002"), city="Ottawa")
    declare(location_a, 5)
    declare(location_b, 5)
    for patient in (patient_a, patient_b):
        outreach_attempt_record(
            patient=patient, channel="letter", status="sent", actor=None, source=Source.PORTAL
        )
        verification_record(
            patient=patient, result="still_needs_care", actor=None, source=Source.PORTAL
        )
    proposal_a = Proposal.objects.create(
        run=MatchingRun.objects.create(oht=oht_a),
        patient=patient_a,
        location=location_a,
        score=12.5,
        reasons=[["cohort", 1]],
    )
    proposal_b = Proposal.objects.create(
        run=MatchingRun.objects.create(oht=oht_b), patient=patient_b, location=location_b, score=3
    )
    support_a = make_support(oht_a, "Lakeshore walk-in")
    support_b = make_support(oht_b, "Rideau walk-in")
    offers = {
        patient.pk: support_offer_record(
            patient=patient, services=[support], channel="phone", language="en"
        )
        for patient, support in ((patient_a, support_a), (patient_b, support_b))
    }
    return World(
        patient_a=patient_a,
        patient_a2=patient_a2,
        patient_b=patient_b,
        patient_c=patient_c,
        location_a=location_a,
        location_b=location_b,
        proposal_a=proposal_a,
        proposal_b=proposal_b,
        referral_a=referral_create(patient=patient_a2, location=location_a),
        referral_b=referral_create(
            patient=make_patient(oht_b, "HCC2000000002"), location=location_b
        ),
        support_a=support_a,
        support_b=support_b,
        offer_a=offers[patient_a.pk],
        offer_b=offers[patient_b.pk],
    )


@pytest.fixture
def mia(oht_a, oht_c) -> User:
    """OHT staff in A and a care connector in C: her field sets follow each patient's OHT."""
    user = make_user("mia@example.org", full_name="Mia Both")
    Membership.objects.create(user=user, oht=oht_a, role=Role.OHT_STAFF)
    Membership.objects.create(user=user, oht=oht_c, role=Role.CARE_CONNECTOR)
    return user
