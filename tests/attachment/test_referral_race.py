"""No over-filling, ever: people referring at the same instant, each in their own
thread and database connection, on PostgreSQL (SQLite serialises every writer, so the
race cannot happen there). Committed for real (`transaction=True`), as in production."""

import threading

import pytest
from django.db import connection, connections

from attachment.choices import OPEN_REFERRAL_STATUSES
from attachment.models import Referral
from attachment.referrals import NoCapacityLeft, OpenReferralExists, referral_create
from clinicians.capacity import remaining_capacity
from clinicians.services import CapacityFigures, capacity_declare
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers: no race"
    ),
]

THREADS = 20


def declare(location, places: int) -> None:
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places),
        channel="staff",
    )


def race(calls) -> list[object]:
    """Run each call in its own thread, all released at once; what each returned or
    raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_twenty_people_for_the_last_place_one_succeeds_nineteen_are_refused(oht_a):
    location = make_location(oht_a, make_clinician("20001"))
    declare(location, 1)
    patients = [make_patient(oht_a, f"HCC90000000{n:02d}") for n in range(THREADS)]

    outcomes = race(
        [
            lambda patient=patient: referral_create(patient=patient, location=location)
            for patient in patients
        ]
    )

    made = [o for o in outcomes if isinstance(o, Referral)]
    refused = [o for o in outcomes if isinstance(o, NoCapacityLeft)]
    assert len(made) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes
    assert all(error.status_code == 409 for error in refused)
    assert remaining_capacity(location) == 0
    assert Referral.objects.count() == 1
    assert Referral.objects.get().patient_id == made[0].patient_id


def test_two_people_referring_the_same_patient_to_two_places_one_succeeds(oht_a):
    first = make_location(oht_a, make_clinician("20002"))
    second = make_location(oht_a, make_clinician("20003"), fsa="M4E")
    declare(first, 5)
    declare(second, 5)
    patient = make_patient(oht_a, "HCC9000000100")

    outcomes = race(
        [
            lambda: referral_create(patient=patient, location=first),
            lambda: referral_create(patient=patient, location=second),
        ]
    )

    assert sum(isinstance(o, Referral) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, OpenReferralExists) for o in outcomes) == 1, outcomes
    assert Referral.objects.filter(patient=patient, status__in=OPEN_REFERRAL_STATUSES).count() == 1
    assert remaining_capacity(first) + remaining_capacity(second) == 9
