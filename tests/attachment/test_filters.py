"""WaitlistFilter: each filter keeps exactly the right patients, within the user's OHTs."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory

from attachment.filters import WaitlistFilter
from attachment.models import Patient
from attachment.selectors import patient_list
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

# Noon in Toronto, so timezone.localdate() is this day whatever the machine's zone.
TODAY = date(2025, 10, 15)
NOON = "2025-10-15 12:00-04:00"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


def waitlist_filter(user, **params) -> WaitlistFilter:
    request = RequestFactory().get("/patients/", params)
    request.user = user
    return WaitlistFilter(request.GET, queryset=patient_list(user=user), request=request)


def hcc_ids(user, **params) -> list[str]:
    return [patient.hcc_id for patient in waitlist_filter(user, **params).qs]


def test_it_searches_by_name_prefix_hcc_id_and_exact_health_card(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", family_name="Tremblay", health_card_number="1234567890")
    make_patient(oht_a, "HCC1000000002", family_name="Gagnon", given_name="Trevor")
    make_patient(oht_a, "HCC1000000003", family_name="Roy", health_card_number="9876543210")

    assert sorted(hcc_ids(alice, q="tre")) == ["HCC1000000001", "HCC1000000002"]
    assert hcc_ids(alice, q="hcc1000000003") == ["HCC1000000003"]
    assert hcc_ids(alice, q="1234-567-890") == ["HCC1000000001"]
    assert hcc_ids(alice, q="12345") == []


def test_it_filters_by_oht_among_the_users_own(carol, oht_a, oht_c):
    make_patient(oht_a, "HCC1000000001")
    make_patient(oht_c, "HCC3000000001", fsa="P3A")

    assert hcc_ids(carol, oht="OHT103") == ["HCC3000000001"]
    assert sorted(hcc_ids(carol)) == ["HCC1000000001", "HCC3000000001"]


def test_it_refuses_an_oht_the_user_may_not_see(bob, oht_a, oht_b):
    make_patient(oht_a, "HCC1000000001")
    make_patient(oht_b, "HCC2000000001", fsa="K1N")

    filterset = waitlist_filter(bob, oht="OHT101")
    assert "oht" in filterset.errors
    assert [patient.hcc_id for patient in filterset.qs] == ["HCC2000000001"]


def test_it_filters_by_one_or_several_fsas(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", fsa="M4C")
    make_patient(oht_a, "HCC1000000002", fsa="M4E")
    make_patient(oht_a, "HCC1000000003", fsa="K0A")

    assert hcc_ids(alice, fsa="m4e") == ["HCC1000000002"]
    assert sorted(hcc_ids(alice, fsa="M4C, k0a,")) == ["HCC1000000001", "HCC1000000003"]


def test_it_splits_the_cohort_at_january_1_2025(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 1, 1))
    make_patient(oht_a, "HCC1000000002", registration_date=date(2025, 1, 2))

    assert hcc_ids(alice, cohort="true") == ["HCC1000000001"]
    assert hcc_ids(alice, cohort="false") == ["HCC1000000002"]
    assert len(hcc_ids(alice, cohort="")) == 2


def test_it_filters_complex_vulnerable_and_language(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", complex_vulnerable=True, preferred_language="fr")
    make_patient(oht_a, "HCC1000000002", complex_vulnerable=False, preferred_language="en")

    assert hcc_ids(alice, complex_vulnerable="true") == ["HCC1000000001"]
    assert hcc_ids(alice, complex_vulnerable="false") == ["HCC1000000002"]
    assert hcc_ids(alice, preferred_language="FR") == ["HCC1000000001"]


def test_it_puts_birthdays_today_in_the_older_age_band(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", date_of_birth=date(2007, 10, 16))  # 17
    make_patient(oht_a, "HCC1000000002", date_of_birth=date(2007, 10, 15))  # 18 today
    make_patient(oht_a, "HCC1000000003", date_of_birth=date(1960, 10, 16))  # 64
    make_patient(oht_a, "HCC1000000004", date_of_birth=date(1960, 10, 15))  # 65 today

    assert hcc_ids(alice, age_band="child") == ["HCC1000000001"]
    assert sorted(hcc_ids(alice, age_band="adult")) == ["HCC1000000002", "HCC1000000003"]
    assert hcc_ids(alice, age_band="senior") == ["HCC1000000004"]


def test_it_puts_each_patient_in_one_wait_band(alice, oht_a):
    registered = {
        "HCC1000000001": date(2025, 4, 16),  # 5 months
        "HCC1000000002": date(2025, 4, 15),  # 6 months today
        "HCC1000000003": date(2024, 10, 16),  # 11 months
        "HCC1000000004": date(2024, 10, 15),  # 12 months today
        "HCC1000000005": date(2023, 10, 16),  # 23 months
        "HCC1000000006": date(2023, 10, 15),  # 24 months today
    }
    for hcc_id, day in registered.items():
        make_patient(oht_a, hcc_id, registration_date=day)

    assert hcc_ids(alice, wait_band="0_6") == ["HCC1000000001"]
    assert sorted(hcc_ids(alice, wait_band="6_12")) == ["HCC1000000002", "HCC1000000003"]
    assert sorted(hcc_ids(alice, wait_band="12_24")) == ["HCC1000000004", "HCC1000000005"]
    assert hcc_ids(alice, wait_band="24_plus") == ["HCC1000000006"]


def test_it_keeps_patients_waiting_at_least_n_months(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 7, 15))  # 3 months
    make_patient(oht_a, "HCC1000000002", registration_date=date(2025, 7, 16))  # 2 months

    assert hcc_ids(alice, min_months_waiting="3") == ["HCC1000000001"]
    assert len(hcc_ids(alice, min_months_waiting="0")) == 2
    assert "min_months_waiting" in waitlist_filter(alice, min_months_waiting="-1").errors


def test_it_filters_by_hcc_status_and_the_oht_work_states(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", status="closed")
    make_patient(
        oht_a,
        "HCC1000000002",
        outreach_state="unreachable",
        verification_state="unreachable",
        next_step="close",
    )
    make_patient(oht_a, "HCC1000000003", outreach_state="replied", next_step="verify")

    assert hcc_ids(alice, status="closed") == ["HCC1000000001"]
    assert hcc_ids(alice, verification_state="unreachable") == ["HCC1000000002"]
    assert hcc_ids(alice, outreach_state="replied") == ["HCC1000000003"]
    assert hcc_ids(alice, next_step="verify") == ["HCC1000000003"]


def test_it_counts_attached_by_hcc_or_by_verification(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", status="attached")
    make_patient(oht_a, "HCC1000000002", verification_state="found_clinician")
    make_patient(oht_a, "HCC1000000003")

    assert sorted(hcc_ids(alice, attached="true")) == ["HCC1000000001", "HCC1000000002"]
    assert hcc_ids(alice, attached="false") == ["HCC1000000003"]


def test_it_filters_patients_off_the_hcc_list(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", on_hcc_list=False, left_hcc_list_on=TODAY)
    make_patient(oht_a, "HCC1000000002")

    assert hcc_ids(alice, on_hcc_list="false") == ["HCC1000000001"]
    assert hcc_ids(alice, on_hcc_list="true") == ["HCC1000000002"]


def test_it_sorts_cohort_and_complex_vulnerable_first_by_default(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 3, 1))
    make_patient(
        oht_a, "HCC1000000002", registration_date=date(2025, 3, 1), complex_vulnerable=True
    )
    make_patient(oht_a, "HCC1000000003", registration_date=date(2024, 6, 1))
    make_patient(
        oht_a, "HCC1000000004", registration_date=date(2024, 6, 1), complex_vulnerable=True
    )
    make_patient(oht_a, "HCC1000000005", registration_date=date(2020, 6, 1))

    expected = ["HCC1000000004", "HCC1000000005", "HCC1000000003", "HCC1000000002"]
    assert hcc_ids(alice) == [*expected, "HCC1000000001"]
    assert hcc_ids(alice, ordering="priority") == hcc_ids(alice)


def test_it_sorts_by_registration_date_and_name(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2024, 1, 1), family_name="Roy")
    make_patient(oht_a, "HCC1000000002", registration_date=date(2023, 1, 1), family_name="Yu")
    make_patient(oht_a, "HCC1000000003", registration_date=date(2025, 1, 1), family_name="Abe")

    oldest_first = ["HCC1000000002", "HCC1000000001", "HCC1000000003"]
    assert hcc_ids(alice, ordering="registration_date") == oldest_first
    assert hcc_ids(alice, ordering="-registration_date") == oldest_first[::-1]
    assert hcc_ids(alice, ordering="family_name") == [
        "HCC1000000003",
        "HCC1000000001",
        "HCC1000000002",
    ]


def test_it_counts_the_filtered_set_in_one_query(alice, oht_a, django_assert_num_queries):
    make_patient(oht_a, "HCC1000000001", registration_date=date(2024, 1, 1))
    make_patient(
        oht_a,
        "HCC1000000002",
        registration_date=date(2024, 1, 1),
        complex_vulnerable=True,
        verification_state="still_needs_care",
    )
    make_patient(oht_a, "HCC1000000003", registration_date=date(2025, 6, 1))
    make_patient(
        oht_a, "HCC1000000004", verification_state="moved", fsa="M4E", complex_vulnerable=True
    )

    filterset = waitlist_filter(alice, fsa="M4C")
    filterset.is_valid()
    with django_assert_num_queries(1):
        counts = filterset.counts()

    assert counts == {
        "total": 3,
        "cohort": 2,
        "complex_vulnerable": 1,
        "verified": 1,
        "still_needs_care": 1,
    }


def test_it_keeps_the_search_text_out_of_the_audit_detail(alice, oht_a):
    filterset = waitlist_filter(
        alice, q="Tremblay", oht="OHT101", cohort="true", min_months_waiting="6", fsa="M4C"
    )

    assert filterset.is_valid()
    assert filterset.audit_detail() == {
        "search": True,
        "oht": "OHT101",
        "cohort": True,
        "min_months_waiting": 6,
        "fsa": "M4C",
    }


# --- PostgreSQL: the page's queries use the indexes of migration 0004 ---------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the waitlist indexes are PostgreSQL's"
)


def query_plan(queryset, *disabled: str) -> str:
    """The plan PostgreSQL chooses when the named plan types cost the most, so that a
    matching index is used even on a few rows (and a missing one shows)."""
    with connection.cursor() as cursor:
        for plan_type in disabled:
            cursor.execute(f"SET LOCAL enable_{plan_type} = off")
    return queryset.explain()


@needs_postgresql
def test_it_sorts_by_priority_from_the_index(alice, oht_a):
    """If this fails, a priority weight or the cohort date changed: add a migration that
    recreates attachment_patient_priority_idx from the new priority_sort_key()."""
    make_patient(oht_a, "HCC1000000001")
    make_patient(oht_a, "HCC1000000002", complex_vulnerable=True)

    plan = query_plan(waitlist_filter(alice).qs[:50], "sort", "seqscan")

    assert "attachment_patient_priority_idx" in plan


@needs_postgresql
def test_it_searches_names_through_the_upper_case_indexes(alice, oht_a):
    make_patient(oht_a, "HCC1000000001", family_name="Tremblay")
    # The search's own conditions, without the OHT scope (which an empty table's
    # statistics would rather answer from the OHT index).
    searched = waitlist_filter(alice).filter_search(Patient.objects.all(), "q", "tre")

    plan = query_plan(searched, "seqscan")

    assert "attachment_patient_family_upper_idx" in plan
    assert "attachment_patient_given_upper_idx" in plan
