"""The matching pages: start a run, read its totals beside the greedy pass, review,
confirm and reject proposals (one at a time or selected); allowed for the OHT's staff
and care connectors, 404 for another OHT's run or proposal, 403 for PCN leads."""

import pytest
from django.urls import reverse

from attachment.choices import MatchingRunStatus, ProposalStatus, ReferralStatus
from attachment.models import MatchingRun, Proposal, Referral
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction, AuditOutcome
from oht_portal.models import AuditEvent
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = pytest.mark.django_db

INDEX_URL = "/patients/matching/"
TOTALS = {
    "patients": 3,
    "cohort": 2,
    "complex_vulnerable": 1,
    "language_concordant": 2,
    "language_concordant_share": 0.6667,
    "median_km": 2.5,
    "objective": 1234.5,
}
GREEDY = {
    "patients": 3,
    "cohort": 1,
    "complex_vulnerable": 0,
    "language_concordant": 1,
    "language_concordant_share": 0.3333,
    "median_km": 4.0,
    "objective": 1000.0,
}


def open_location(oht, number="10001", places=3, **fields):
    location = make_location(oht, make_clinician(number), **fields)
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status="newpt", new_patients=places),
        channel="staff",
    )
    return location


def make_run(oht, **fields) -> MatchingRun:
    defaults = {
        "status": MatchingRunStatus.DONE,
        "progress": 100,
        "totals": TOTALS,
        "greedy_totals": GREEDY,
    }
    defaults.update(fields)
    return MatchingRun.objects.create(oht=oht, **defaults)


def propose(run, patient, location, score=100.0, **fields) -> Proposal:
    defaults = {
        "distance_km": 2.4,
        "reasons": [
            {"code": "cohort", "value": True},
            {"code": "months_waited", "value": 27},
            {"code": "distance_km", "value": 2},
        ],
    }
    defaults.update(fields)
    return Proposal.objects.create(
        run=run, patient=patient, location=location, score=score, **defaults
    )


@pytest.fixture
def location(oht_a):
    return open_location(oht_a, places=3, practice_name="Danforth Family Practice")


@pytest.fixture
def run(oht_a):
    return make_run(oht_a)


@pytest.fixture
def proposal(run, patient_a, location):
    return propose(run, patient_a, location)


def run_url(run):
    return reverse("attachment:matching_run", args=[run.pk])


def decide_url(run):
    return reverse("attachment:matching_run_decide", args=[run.pk])


def proposal_url(proposal, action=""):
    name = f"attachment:proposal_{action}" if action else "attachment:proposal_detail"
    return reverse(name, args=[proposal.pk])


# --- Starting a run -----------------------------------------------------------------


def test_it_starts_a_run_for_the_users_oht(
    client_for, alice, oht_a, patient_a, location, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(INDEX_URL, {"oht": "OHT101"})
    run = MatchingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert run.oht == oht_a and run.include_partners is False
    # Eager Celery in tests: the run is done, with its proposal.
    run.refresh_from_db()
    assert run.status == MatchingRunStatus.DONE
    assert run.proposals.filter(patient=patient_a, location=location).exists()


def test_it_starts_a_run_with_partner_oht(client_for, alice, oht_a):
    client_for(alice).post(INDEX_URL, {"oht": "OHT101", "include_partners": "on"})
    assert MatchingRun.objects.get().include_partners is True


def test_it_refuses_to_start_a_run_for_another_oht(client_for, alice, oht_b):
    response = client_for(alice).post(INDEX_URL, {"oht": "OHT102"})
    assert response.status_code == 400
    assert not MatchingRun.objects.exists()


def test_the_index_lists_only_the_users_ohts_runs(client_for, alice, oht_b, run):
    other = make_run(oht_b)
    page = client_for(alice).get(INDEX_URL).content.decode()
    assert reverse("attachment:matching_run", args=[run.pk]) in page
    assert reverse("attachment:matching_run", args=[other.pk]) not in page


def test_the_index_refreshes_while_a_run_works(client_for, alice, oht_a):
    make_run(oht_a, status=MatchingRunStatus.RUNNING, progress=40, totals={}, greedy_totals={})
    page = client_for(alice).get(INDEX_URL).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "40 %" in page


def test_a_pcn_lead_may_not_use_matching(client_for, peter, run, proposal):
    client = client_for(peter)
    assert client.get(INDEX_URL).status_code == 403
    assert client.post(INDEX_URL, {"oht": "OHT101"}).status_code == 403
    assert client.get(run_url(run)).status_code == 403
    assert client.get(proposal_url(proposal)).status_code == 404
    assert client.post(proposal_url(proposal, "confirm")).status_code == 404
    assert not Referral.objects.exists()


def test_the_nav_links_to_matching_for_patient_data_roles_only(client_for, alice, peter):
    assert INDEX_URL in client_for(alice).get("/").content.decode()
    assert INDEX_URL not in client_for(peter).get("/").content.decode()


# --- The run page -------------------------------------------------------------------


def test_the_run_shows_totals_beside_the_greedy_pass(client_for, alice, run, proposal):
    response = client_for(alice).get(run_url(run))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cohort patients matched" in page
    assert "67 %" in page and "33 %" in page  # language-concordant share
    assert "+33 %" in page
    assert "2.5" in page and "4.0" in page and "+1.5" in page  # median km, lower is better
    assert "1,234.5" in page  # objective


def test_the_run_lists_proposals_with_their_reasons(client_for, alice, run, proposal):
    page = client_for(alice).get(run_url(run)).content.decode()
    assert "HCC1000000001" in page
    assert "Danforth Family Practice" in page
    assert "cohort · 27 months · 2 km" in page
    assert reverse("attachment:patient_detail", args=[proposal.patient_id]) in page
    assert proposal_url(proposal) in page
    assert AuditEvent.objects.filter(
        actor_id=alice.pk, action=AuditAction.LIST, patient_id=proposal.patient_id
    ).exists()


def test_the_run_filters_proposals_by_location_and_status(client_for, alice, oht_a, run, proposal):
    elsewhere = open_location(oht_a, "10002", practice_name="Beach Clinic")
    marc = make_patient(oht_a, "HCC1000000002", given_name="Marc")
    rejected = propose(run, marc, elsewhere, status=ProposalStatus.REJECTED)
    client = client_for(alice)

    page = client.get(run_url(run), {"location": elsewhere.pk}).content.decode()
    assert "HCC1000000002" in page and "HCC1000000001" not in page

    page = client.get(run_url(run), {"status": "proposed"}).content.decode()
    assert "HCC1000000001" in page and "HCC1000000002" not in page
    assert rejected.pk


def test_the_run_shows_only_the_users_patients(client_for, alice, oht_b, run, proposal):
    owen = make_patient(oht_b, "HCC2000000001", fsa="K1N")
    propose(run, owen, open_location(oht_b, "20001"))
    page = client_for(alice).get(run_url(run)).content.decode()
    assert "HCC1000000001" in page and "HCC2000000001" not in page


def test_another_ohts_staff_get_a_404_for_the_run_and_proposal(client_for, bob, run, proposal):
    client = client_for(bob)
    assert client.get(run_url(run)).status_code == 404
    assert (
        client.post(decide_url(run), {"action": "confirm", "proposal": proposal.pk}).status_code
        == 404
    )
    assert client.get(proposal_url(proposal)).status_code == 404
    assert client.post(proposal_url(proposal, "confirm")).status_code == 404
    assert client.post(proposal_url(proposal, "reject")).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert AuditEvent.objects.filter(
        actor_id=bob.pk, outcome=AuditOutcome.DENIED, patient_id=proposal.patient_id
    ).exists()


# --- Deciding ------------------------------------------------------------------------


def test_it_confirms_the_selected_proposals_as_a_batch(
    client_for, alice, oht_a, run, proposal, location
):
    marc = make_patient(oht_a, "HCC1000000002", given_name="Marc")
    second = propose(run, marc, location)
    response = client_for(alice).post(
        decide_url(run),
        {"action": "confirm", "proposal": [proposal.pk, second.pk], "query": "status=proposed"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == run_url(run) + "?status=proposed"
    assert "2 proposals confirmed" in response.content.decode()
    referrals = Referral.objects.filter(proposal__in=[proposal, second])
    assert referrals.count() == 2
    assert set(referrals.values_list("status", flat=True)) == {ReferralStatus.REFERRED}


def test_a_batch_beyond_capacity_refers_nobody_and_says_why(client_for, alice, oht_a, run):
    small = open_location(oht_a, "10009", places=1)
    first = propose(run, make_patient(oht_a, "HCC1000000011"), small)
    second = propose(run, make_patient(oht_a, "HCC1000000012"), small)
    response = client_for(alice).post(
        decide_url(run), {"action": "confirm", "proposal": [first.pk, second.pk]}, follow=True
    )
    page = response.content.decode()
    assert "Nothing was changed" in page
    assert "no capacity left" in page
    assert not Referral.objects.exists()
    first.refresh_from_db()
    assert first.status == ProposalStatus.PROPOSED


def test_it_rejects_the_selected_proposals(client_for, alice, run, proposal):
    response = client_for(alice).post(
        decide_url(run), {"action": "reject", "proposal": [proposal.pk]}, follow=True
    )
    assert "1 proposal rejected." in response.content.decode()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.REJECTED, alice)


def test_deciding_without_a_selection_says_so(client_for, alice, run, proposal):
    response = client_for(alice).post(decide_url(run), {"action": "confirm"}, follow=True)
    assert "Select at least one proposal." in response.content.decode()
    assert not Referral.objects.exists()


# --- One proposal ---------------------------------------------------------------------


def test_the_proposal_page_shows_reasons_and_alternatives(
    client_for, alice, oht_a, run, patient_a, location
):
    runner_up = open_location(oht_a, "10005", practice_name="Coxwell Health Team")
    proposal = propose(
        run,
        patient_a,
        location,
        alternatives=[
            {"location": runner_up.pk, "score": 80.0, "reasons": [{"code": "cohort"}]},
        ],
    )
    response = client_for(alice).get(proposal_url(proposal))
    assert response.status_code == 200
    page = response.content.decode()
    assert "cohort · 27 months · 2 km" in page
    assert "Coxwell Health Team" in page and "80.0" in page
    assert 'id="proposal-confirm-form"' in page
    assert AuditEvent.objects.filter(
        actor_id=alice.pk, action=AuditAction.VIEW, patient_id=patient_a.pk
    ).exists()


def test_confirming_a_proposal_refers_the_patient(client_for, carol, proposal):
    response = client_for(carol).post(proposal_url(proposal, "confirm"))
    referral = Referral.objects.get(proposal=proposal)
    assert response.status_code == 302
    assert response["Location"] == reverse("attachment:referral_detail", args=[referral.pk])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED


def test_confirming_without_capacity_left_shows_a_clear_message(
    client_for, alice, oht_a, run, patient_a
):
    full = open_location(oht_a, "10007", places=0)
    proposal = propose(run, patient_a, full)
    response = client_for(alice).post(proposal_url(proposal, "confirm"))
    assert response.status_code == 409
    assert "This practice location has no capacity left." in response.content.decode()
    assert not Referral.objects.exists()


def test_confirming_a_decided_proposal_is_refused(client_for, alice, proposal):
    client = client_for(alice)
    client.post(proposal_url(proposal, "reject"))
    response = client.post(proposal_url(proposal, "confirm"))
    assert response.status_code == 409
    assert "This proposal was already decided." in response.content.decode()
    assert not Referral.objects.exists()


def test_rejecting_a_proposal_returns_to_the_run(client_for, alice, run, proposal):
    response = client_for(alice).post(proposal_url(proposal, "reject"))
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED


# --- The patient page ---------------------------------------------------------------


def test_the_patient_page_shows_the_current_proposal_and_referrals(
    client_for, alice, proposal, patient_a
):
    client = client_for(alice)
    page = client.get(reverse("attachment:patient_detail", args=[patient_a.pk])).content.decode()
    assert 'id="current-proposal"' in page
    assert proposal_url(proposal) in page

    client.post(proposal_url(proposal, "confirm"))
    referral = Referral.objects.get()
    page = client.get(reverse("attachment:patient_detail", args=[patient_a.pk])).content.decode()
    assert 'id="current-proposal"' not in page
    assert reverse("attachment:referral_detail", args=[referral.pk]) in page
    assert "Referred, awaiting the practice" in page
