"""Issue 7 in the browser: staff run matching for their OHT, review a proposal and why
it was made, confirm it, then record the practice's acceptance, the intake with its
checklist and the clinician's confirmation; the patient shows as attached."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attachment.choices import MatchingRunStatus, ProposalStatus, ReferralStatus
from attachment.models import MatchingRun, Referral
from clinicians.choices import AcceptingStatus, DeclarationChannel
from clinicians.services import CapacityFigures, capacity_declare
from oht_portal.choices import AuditAction
from oht_portal.models import AuditEvent
from tests.browser.test_waitlist_workflow import sign_in
from tests.conftest import make_clinician, make_location, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def declare(location, places):
    capacity_declare(
        location=location,
        figures=CapacityFigures(accepting_status=AcceptingStatus.ACCEPTING, new_patients=places),
        channel=DeclarationChannel.STAFF,
    )


def test_staff_run_matching_confirm_a_proposal_and_follow_it_to_attachment(
    live_server, page, alice, oht_a, oht_b
):
    # Three waiting patients for two places: the cohort patient must be among the matched.
    chloe = make_patient(oht_a, "HCC1000000001")  # registered 2023: in the cohort
    for number, name in (("2", "Marc"), ("3", "Élise")):
        make_patient(
            oht_a, f"HCC100000000{number}", given_name=name, registration_date=date(2025, 6, 1)
        )
    make_patient(oht_b, "HCC2000000001", given_name="Owen", postal_code="K1N5T5", fsa="K1N")
    for number, name, fsa in (
        ("60001", "Danforth Family Practice", "M4C"),
        ("60002", "Beach Health Team", "M4E"),
    ):
        declare(make_location(oht_a, make_clinician(number), fsa=fsa, practice_name=name), 1)
    base = live_server.url

    sign_in(page, base, alice)

    # Start a run from the Matching page.
    page.get_by_role("link", name="Matching").first.click()
    page.wait_for_selector("h1:has-text('Matching')")
    page.locator("[name=oht]").select_option("OHT101")
    page.locator("#matching-start-form button[type=submit]").click()
    page.wait_for_selector("#run-status")
    expect(page.locator("#run-status .run-status")).to_have_text("Done", timeout=30000)

    # Totals beside the greedy pass, and the proposals: two, never another OHT's patient.
    expect(page.locator("#totals")).to_contain_text("Cohort patients matched")
    expect(page.locator("#totals")).to_contain_text("Greedy pass")
    table = page.locator("#proposals")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).not_to_contain_text("HCC2000000001")
    row = table.locator("tbody tr", has_text="HCC1000000001")
    expect(row.locator(".reasons")).to_contain_text("cohort")

    # Review the cohort patient's proposal and confirm it.
    row.get_by_role("link", name="Review").click()
    page.wait_for_selector("h1:has-text('Proposal for HCC1000000001')")
    expect(page.locator("#proposal-reasons")).to_contain_text("cohort")
    expect(page.locator("#alternatives")).to_be_visible()
    page.locator("#proposal-confirm-form button").click()

    # The referral page: only the legal next steps, one after the other.
    page.wait_for_selector("h1:has-text('Referral of HCC1000000001')")
    expect(page.locator(".messages")).to_contain_text("the patient is referred")
    expect(page.locator("#referral-status")).to_have_text("Referred, awaiting the practice")
    expect(page.locator("#step-attach")).to_have_count(0)
    page.locator("#step-accept button").click()
    expect(page.locator("#referral-status")).to_have_text("Accepted by the practice")

    intake_day = timezone.localdate() + timedelta(days=10)
    page.locator("[name=intake-intake_on]").fill(intake_day.isoformat())
    page.locator("[name=intake-history_updated]").check()
    page.locator("[name=intake-screening_done]").check()
    page.locator("#step-intake button").click()
    expect(page.locator("#referral-status")).to_have_text("Intake booked")
    expect(page.locator("#referral-dates")).to_contain_text(intake_day.isoformat())
    expect(page.locator("#referral-dates")).to_contain_text("baseline screening done")

    page.locator("#step-attach button").click()
    expect(page.locator("#referral-status")).to_have_text("Attached")
    expect(page.locator("#steps-heading")).to_have_count(0)

    # The patient page shows the attachment.
    page.locator("main dd a", has_text="Tremblay, Chloé").click()
    page.wait_for_selector("h1:has-text('Tremblay, Chloé')")
    expect(page.locator("#patient-referrals")).to_contain_text("Attached")
    expect(page.locator("#current-proposal")).to_have_count(0)

    # The database agrees, and the audit trail saw every step.
    run = MatchingRun.objects.get()
    assert run.status == MatchingRunStatus.DONE and run.created_by == alice
    referral = Referral.objects.get(patient=chloe)
    assert referral.status == ReferralStatus.ATTACHED
    assert referral.intake_on == intake_day
    assert referral.intake_history_updated and referral.intake_screening_done
    assert referral.proposal.status == ProposalStatus.CONFIRMED
    audit = AuditEvent.objects.filter(actor_id=alice.pk, patient_id=chloe.pk)
    assert audit.filter(action=AuditAction.CREATE, object_type="attachment.referral").exists()
    assert audit.filter(action=AuditAction.UPDATE, object_type="attachment.referral").count() >= 3
