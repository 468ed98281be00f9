"""The directory's FilterSet: every filter on the attributes staff look for, over the
scoped, capacity-annotated locations of clinicians.selectors.location_list."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from attachment.choices import ReferralStatus
from attachment.models import Referral
from clinicians.choices import AcceptingStatus, DeclarationChannel
from clinicians.filters import LocationFilter
from clinicians.selectors import location_list
from clinicians.services import CapacityFigures, capacity_declare
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

NOON = "2025-10-15 12:00-04:00"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


def declare(location, new_patients=5, status=AcceptingStatus.ACCEPTING, **extra):
    return capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=status, new_patients=new_patients, **extra),
        channel=DeclarationChannel.STAFF,
    )


def declare_days_ago(location, days: int, **figures):
    with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
        return declare(location, **figures)


def matches(user, **params) -> set[str]:
    filterset = LocationFilter(params, queryset=location_list(user=user))
    assert filterset.is_valid(), filterset.errors
    return {location.practice_name for location in filterset.qs}


def test_fsa_matches_the_practice_fsa_and_the_fsas_it_serves(alice, oht_a):
    make_location(oht_a, make_clinician("10001"), practice_name="Own", fsa="M4C")
    make_location(
        oht_a, make_clinician("10002"), practice_name="Serves", fsa="M4E", fsas_served="M5A;M4C"
    )
    make_location(oht_a, make_clinician("10003"), practice_name="Elsewhere", fsa="M4E")

    assert matches(alice, fsa="M4C") == {"Own", "Serves"}
    assert matches(alice, fsa="m5a") == {"Serves"}
    assert matches(alice, fsa="M4C, M4E") == {"Own", "Serves", "Elsewhere"}
    # A served FSA is a whole code, never a part of one.
    assert matches(alice, fsa="M5") == set()


def test_language_matches_the_report_the_oht_and_the_clinician(alice, oht_a):
    make_location(oht_a, make_clinician("10001"), practice_name="Report", languages="en;pt")
    make_location(oht_a, make_clinician("10002"), practice_name="Local", languages_local="pt")
    make_location(
        oht_a, make_clinician("10003", languages="en;pt"), practice_name="Clinician", languages=""
    )
    make_location(oht_a, make_clinician("10004"), practice_name="English", languages="en")

    assert matches(alice, language="pt") == {"Report", "Local", "Clinician"}
    assert matches(alice, language="PT ") == {"Report", "Local", "Clinician"}
    assert matches(alice, language="es") == set()


def test_french_services_by_the_flag_or_a_french_language(alice, oht_a):
    flagged = make_clinician("10001", french_language_services=True)
    make_location(oht_a, flagged, practice_name="Flagged")
    make_location(oht_a, make_clinician("10002"), practice_name="Speaks", languages_local="fr")
    make_location(oht_a, make_clinician("10003"), practice_name="English")

    assert matches(alice, french_services="true") == {"Flagged", "Speaks"}
    assert matches(alice, french_services="false") == {"English"}


def test_paediatrics_leaves_out_a_declaration_for_adults_only(alice, oht_a):
    make_location(oht_a, make_clinician("10001", paediatrics=True), practice_name="Undeclared")
    children = make_location(
        oht_a, make_clinician("10002", paediatrics=True), practice_name="Children"
    )
    declare(children, min_age=0, max_age=17)
    adults = make_location(oht_a, make_clinician("10003", paediatrics=True), practice_name="Adults")
    declare(adults, min_age=18)
    make_location(oht_a, make_clinician("10004", paediatrics=False), practice_name="No")

    assert matches(alice, paediatrics="true") == {"Undeclared", "Children"}
    assert matches(alice, paediatrics="false") == {"Adults", "No"}


def test_serves_remote_and_pcn_member(alice, oht_a):
    make_location(
        oht_a, make_clinician("10001"), practice_name="Remote", serves_remote=True, pcn_member=True
    )
    make_location(oht_a, make_clinician("10002"), practice_name="Town", serves_remote=False)
    make_location(oht_a, make_clinician("10003"), practice_name="Unknown")

    assert matches(alice, serves_remote="true") == {"Remote"}
    assert matches(alice, serves_remote="false") == {"Town"}
    assert matches(alice, pcn_member="true") == {"Remote"}


def test_accepting_filters_on_the_current_declaration(alice, oht_a):
    new = make_location(oht_a, make_clinician("10001"), practice_name="New")
    declare(new, status=AcceptingStatus.NOT_ACCEPTING, new_patients=0)
    declare(new)
    closed = make_location(oht_a, make_clinician("10002"), practice_name="Closed")
    declare(closed)
    declare(closed, status=AcceptingStatus.NOT_ACCEPTING, new_patients=0)

    assert matches(alice, accepting=AcceptingStatus.ACCEPTING) == {"New"}
    assert matches(alice, accepting=AcceptingStatus.NOT_ACCEPTING) == {"Closed"}


@pytest.fixture
def capacity_states(oht_a):
    """One location in each capacity state; 'Open' has 4 of its 5 places left."""
    open_ = make_location(oht_a, make_clinician("10001"), practice_name="Open")
    declare(open_, new_patients=5)
    Referral.objects.create(
        patient=make_patient(oht_a, "HCC1000000001"),
        location=open_,
        status=ReferralStatus.REFERRED,
    )
    full = make_location(oht_a, make_clinician("10002"), practice_name="Full")
    declare(full, status=AcceptingStatus.NOT_ACCEPTING, new_patients=0)
    stale = make_location(oht_a, make_clinician("10003"), practice_name="Stale")
    declare_days_ago(stale, 91, new_patients=9)
    make_location(oht_a, make_clinician("10004"), practice_name="Never")


def test_capacity_state(alice, capacity_states):
    assert matches(alice, capacity="open") == {"Open"}
    assert matches(alice, capacity="full") == {"Full"}
    assert matches(alice, capacity="stale") == {"Stale"}
    assert matches(alice, capacity="unknown") == {"Never"}


def test_min_remaining_counts_referrals_and_ignores_stale_places(alice, capacity_states):
    assert matches(alice, min_remaining="4") == {"Open"}
    # 5 declared − 1 in flight; the stale location's 9 places are not offered.
    assert matches(alice, min_remaining="5") == set()


def test_stale_follows_the_calendar(alice, oht_a):
    location = make_location(oht_a, make_clinician("10001"), practice_name="Clinic")
    declare_days_ago(location, 89)
    assert matches(alice, stale="true") == set()
    assert matches(alice, stale="false") == {"Clinic"}

    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert matches(alice, stale="true") == {"Clinic"}
        assert matches(alice, stale="false") == set()


def test_counts_of_the_filtered_set(alice, capacity_states):
    filterset = LocationFilter({}, queryset=location_list(user=alice))
    assert filterset.counts() == {
        "locations": 4,
        "clinicians": 4,
        "open": 1,
        "stale": 1,
        "places": 4,
    }
    french = LocationFilter({"language": "fr"}, queryset=location_list(user=alice))
    assert french.counts()["locations"] == 0


def test_filters_never_widen_the_scope(alice, bob, oht_a, oht_b):
    make_location(oht_a, make_clinician("10001"), practice_name="Lakeshore", fsa="M4C")
    make_location(oht_b, make_clinician("20001"), practice_name="Rideau", fsa="K1N")

    assert matches(bob) == {"Rideau"}
    assert matches(bob, fsa="M4C") == set()
    assert matches(alice, fsa="M4C") == {"Lakeshore"}
