"""The per-FSA planning view: the right counts, for the person's own OHTs only."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from attachment.fsa import fsa_summary
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 15)
FSA_URL = reverse("attachment:fsa_summary")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2025-10-15 12:00-04:00", tick=False):
        yield


@pytest.fixture
def waitlist_a(oht_a):
    """OHT A's patients: four active in M4C, one in rural L0B (not served), and three
    that no figure counts (closed, attached, off the list)."""
    make_patient(oht_a, "HCC1000000001", registration_date=date(2025, 6, 1))  # 4 months
    make_patient(
        oht_a,
        "HCC1000000002",
        registration_date=date(2025, 1, 1),  # 9 months, cohort
        complex_vulnerable=True,
        verification_state="still_needs_care",
    )
    make_patient(
        oht_a,
        "HCC1000000003",
        registration_date=date(2024, 3, 1),  # 19 months
        outreach_state="unreachable",
    )
    make_patient(
        oht_a,
        "HCC1000000004",
        registration_date=date(2020, 3, 1),  # 67 months
        verification_state="unreachable",
    )
    make_patient(oht_a, "HCC1000000005", fsa="L0B", postal_code="L0B1A0", complex_vulnerable=True)
    make_patient(oht_a, "HCC1000000006", status="closed")
    make_patient(oht_a, "HCC1000000007", status="attached")
    make_patient(oht_a, "HCC1000000008", on_hcc_list=False)


def test_it_counts_each_fsas_active_patients(alice, oht_a, waitlist_a):
    overview = fsa_summary(user=alice, oht=oht_a, today=TODAY)

    rows = {row.fsa: row for row in overview.rows}
    assert list(rows) == ["L0B", "M4C", "M4E"]
    m4c = rows["M4C"]
    assert (m4c.active, m4c.cohort, m4c.complex_vulnerable) == (4, 3, 1)
    assert (m4c.wait_0_6, m4c.wait_6_12, m4c.wait_12_24, m4c.wait_24_plus) == (1, 1, 1, 1)
    assert (m4c.verified, m4c.unreachable) == (2, 2)
    assert m4c.served and not m4c.is_rural


def test_it_shows_served_fsas_without_patients_and_marks_rural_ones(alice, oht_a, waitlist_a):
    rows = {row.fsa: row for row in fsa_summary(user=alice, oht=oht_a, today=TODAY).rows}

    assert rows["M4E"].active == 0 and rows["M4E"].served
    assert rows["L0B"].is_rural and not rows["L0B"].served
    assert rows["L0B"].wait_24_plus == 1


def test_it_totals_the_fsas(alice, oht_a, waitlist_a):
    totals = fsa_summary(user=alice, oht=oht_a, today=TODAY).totals

    assert (totals.active, totals.cohort, totals.complex_vulnerable) == (5, 4, 2)
    assert totals.wait_24_plus == 2
    assert totals.wait_0_6 + totals.wait_6_12 + totals.wait_12_24 + totals.wait_24_plus == 5


def test_it_makes_the_figures_in_a_fixed_number_of_queries(
    alice, oht_a, waitlist_a, django_assert_num_queries
):
    with django_assert_num_queries(3):
        fsa_summary(user=alice, oht=oht_a, today=TODAY)


def test_it_gives_no_figures_for_an_oht_the_user_has_no_role_in(bob, oht_a, waitlist_a):
    overview = fsa_summary(user=bob, oht=oht_a, today=TODAY)

    assert overview.rows == []
    assert overview.totals.active == 0


def test_it_shows_the_table_and_the_chart(client_for, alice, waitlist_a):
    response = client_for(alice).get(FSA_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "<rect" in body
    assert "style=" not in body and "<script>" not in body
    assert "L0B" in body and "rural" in body
    assert response.context["summary"].totals.active == 5
    widths = {bar.figures.fsa: bar.active_width for bar in response.context["chart"].get("bars")}
    assert widths["M4C"] > widths["L0B"] > widths["M4E"] == 0


def test_it_shows_another_user_only_their_own_oht(client_for, bob, oht_b, waitlist_a):
    make_patient(oht_b, "HCC2000000001", fsa="K1N", postal_code="K1N5T5")

    response = client_for(bob).get(FSA_URL, {"oht": "OHT101"})

    assert response.context["oht"] == oht_b
    assert response.context["summary"].totals.active == 1
    assert "M4C" not in response.content.decode()


def test_it_lets_a_care_connector_choose_among_their_ohts(client_for, carol, oht_c, waitlist_a):
    make_patient(oht_c, "HCC3000000001", fsa="P3A", postal_code="P3A1A1")
    client = client_for(carol)

    default = client.get(FSA_URL)
    chosen = client.get(FSA_URL, {"oht": "OHT103"})

    assert default.context["oht"].code == "OHT101"
    assert [row.fsa for row in chosen.context["summary"].rows] == ["P3A"]
    assert 'name="oht"' in chosen.content.decode()


def test_it_shows_pcn_leads_the_aggregates(client_for, peter, waitlist_a):
    response = client_for(peter).get(FSA_URL)

    assert response.status_code == 200
    assert response.context["summary"].totals.active == 5
    assert "HCC1000000001" not in response.content.decode()


def test_it_refuses_a_privacy_lead(client_for, paula, waitlist_a):
    assert client_for(paula).get(FSA_URL).status_code == 403


def test_it_audits_the_view_without_patients(client_for, alice, waitlist_a):
    client_for(alice).get(FSA_URL)

    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert event.oht_code == "OHT101"
    assert event.patient_id is None
    assert event.detail == {"view": "fsa_summary"}
