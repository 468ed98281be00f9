"""Remaining capacity = declared − referrals in flight − referrals accepted since the
declaration; stale declarations offer nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from attachment.choices import ReferralStatus
from attachment.models import Referral
from clinicians.capacity import CapacityState, offerable, remaining_capacity, with_capacity
from clinicians.choices import AcceptingStatus, DeclarationChannel
from clinicians.models import CapacityDeclaration, PracticeLocation
from clinicians.services import CapacityFigures, capacity_declare, capacity_verify
from oht_portal.models import AuditEvent
from oht_portal.services import ApplicationError
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(oht_a):
    return make_location(oht_a, make_clinician("10001"))


def declare(location, new_patients=5, status=AcceptingStatus.ACCEPTING, **extra):
    return capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=status, new_patients=new_patients, **extra),
        channel=DeclarationChannel.STAFF,
    )


def refer(location, patient, status=ReferralStatus.REFERRED, accepted_at=None):
    return Referral.objects.create(
        patient=patient, location=location, status=status, accepted_at=accepted_at
    )


def state(location):
    return with_capacity(PracticeLocation.objects.filter(pk=location.pk)).get()


def test_remaining_is_declared_minus_in_flight_minus_accepted_since(location, oht_a, alice):
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        old_accept = timezone.now()
    refer(location, make_patient(oht_a, "HCC1000000001"), ReferralStatus.ACCEPTED, old_accept)
    declare(location, new_patients=10)
    refer(location, make_patient(oht_a, "HCC1000000002"))
    refer(location, make_patient(oht_a, "HCC1000000003"))
    refer(location, make_patient(oht_a, "HCC1000000004"), ReferralStatus.ACCEPTED, timezone.now())
    refer(location, make_patient(oht_a, "HCC1000000005"), ReferralStatus.ATTACHED, timezone.now())
    # A declined referral gives its slot back; one accepted before the declaration was
    # already counted when the practice chose its new number.
    refer(location, make_patient(oht_a, "HCC1000000006"), ReferralStatus.DECLINED)

    row = state(location)
    assert (row.in_flight, row.accepted_since) == (2, 2)
    assert row.remaining == 10 - 2 - 2
    assert row.capacity_state == CapacityState.OPEN
    assert remaining_capacity(location) == 6


def test_remaining_never_below_zero_and_full_is_not_offered(location, oht_a):
    declare(location, new_patients=1)
    refer(location, make_patient(oht_a, "HCC1000000001"))
    refer(location, make_patient(oht_a, "HCC1000000002"), ReferralStatus.ACCEPTED, timezone.now())
    row = state(location)
    assert row.remaining == 0
    assert row.capacity_state == CapacityState.FULL
    assert not offerable(PracticeLocation.objects.all()).exists()


def test_a_new_declaration_starts_a_new_count(location, oht_a):
    declare(location, new_patients=3)
    refer(location, make_patient(oht_a, "HCC1000000001"), ReferralStatus.ACCEPTED, timezone.now())
    assert remaining_capacity(location) == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        declare(location, new_patients=3)
        assert remaining_capacity(location) == 3
    assert CapacityDeclaration.objects.filter(location=location).count() == 2


def test_declaration_expires_and_is_then_stale(location, settings):
    settings.CAPACITY_VALID_DAYS = 30
    declaration = declare(location, new_patients=4)
    today = timezone.localdate()
    assert declaration.expires_on == today + timedelta(days=30)
    assert state(location).capacity_state == CapacityState.OPEN
    later = today + timedelta(days=31)
    assert declaration.is_stale(later)
    stale = with_capacity(PracticeLocation.objects.filter(pk=location.pk), later).get()
    assert stale.capacity_state == CapacityState.STALE
    assert not offerable(PracticeLocation.objects.all(), later).exists()
    assert remaining_capacity(location, later) == 0
    # On its last day it still holds.
    assert not declaration.is_stale(today + timedelta(days=30))


def test_verifying_moves_expiry_and_keeps_the_count(location, oht_a, settings, alice):
    settings.CAPACITY_VALID_DAYS = 30
    declaration = declare(location, new_patients=4)
    refer(location, make_patient(oht_a, "HCC1000000001"), ReferralStatus.ACCEPTED, timezone.now())
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        capacity_verify(declaration=declaration, channel=DeclarationChannel.STAFF, actor=alice)
        declaration.refresh_from_db()
        assert declaration.expires_on == timezone.localdate() + timedelta(days=30)
        assert remaining_capacity(location) == 3
    assert AuditEvent.objects.filter(
        object_type="clinicians.capacitydeclaration", action="update", actor_id=alice.pk
    ).exists()


def test_only_the_current_declaration_can_be_verified(location):
    first = declare(location)
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        declare(location)
    with pytest.raises(ApplicationError):
        capacity_verify(declaration=first, channel=DeclarationChannel.STAFF)


def test_undeclared_location_is_unknown_and_not_offered(location):
    assert state(location).capacity_state == CapacityState.UNKNOWN
    assert remaining_capacity(location) == 0


@pytest.mark.parametrize("status", [AcceptingStatus.EXISTING_ONLY, AcceptingStatus.NOT_ACCEPTING])
def test_practices_not_taking_new_patients_are_never_open(location, status):
    declare(location, new_patients=0, status=status)
    assert state(location).capacity_state == CapacityState.FULL


def test_not_accepting_with_places_is_refused_by_rule_and_by_database(location):
    with pytest.raises(ApplicationError):
        declare(location, new_patients=3, status=AcceptingStatus.NOT_ACCEPTING)
    with pytest.raises(IntegrityError):
        CapacityDeclaration.objects.create(
            location=location,
            accepting_status=AcceptingStatus.NOT_ACCEPTING,
            new_patients=3,
            channel=DeclarationChannel.STAFF,
            verified_at=timezone.now(),
            expires_on=timezone.localdate(),
        )


def test_a_patient_has_one_open_referral_at_most(location, oht_a):
    patient = make_patient(oht_a, "HCC1000000001")
    refer(location, patient)
    with pytest.raises(IntegrityError):
        refer(location, patient)


def test_a_declined_referral_does_not_block_the_next(location, oht_a):
    patient = make_patient(oht_a, "HCC1000000001")
    refer(location, patient, ReferralStatus.DECLINED)
    refer(location, patient)
    assert patient.referrals.count() == 2
